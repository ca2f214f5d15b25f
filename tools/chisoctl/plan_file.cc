#include "tools/chisoctl/plan_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/civil/date.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "yaml-cpp/yaml.h"

namespace chiso::chisoctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Value;

// A parsed document before it becomes a Plan: the generic tree, and the line
// of each key or list element by path ("objectives[2].target"), when known.
struct Tree {
  Value root;
  std::map<std::string, int> lines;
};

std::string Where(absl::string_view source, std::optional<int> line, std::optional<int> column) {
  if (!line.has_value()) return absl::StrCat(source, ": ");
  if (!column.has_value()) return absl::StrCat(source, ": line ", *line, ": ");
  return absl::StrCat(source, ": line ", *line, ", column ", *column, ": ");
}

std::string ChildPath(absl::string_view parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

std::string ElementPath(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

// ---------------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------------

bool IsPlainBoolean(absl::string_view s, bool* value) {
  if (s == "true" || s == "True" || s == "TRUE") {
    *value = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    *value = false;
    return true;
  }
  return false;
}

// Limits of a YAML plan file (its size: kMaxInputBytes).
constexpr int kMaxYamlNodes = 100000;
constexpr int kMaxYamlDepth = 64;

// The walk through a YAML document: nodes seen so far, and the nodes on the
// current path (an alias to one of them would loop forever).
struct YamlWalk {
  int nodes = 0;
  std::vector<YAML::Node> path;
};

absl::Status YamlToValue(const YAML::Node& node, const std::string& path, absl::string_view source,
                         Value* out, Tree* tree, YamlWalk* walk) {
  const int line = node.Mark().line + 1;
  if (++walk->nodes > kMaxYamlNodes) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(source, line, std::nullopt), "more than ", kMaxYamlNodes,
                     " values (aliases expanded); a plan file is far smaller"));
  }
  if (static_cast<int>(walk->path.size()) >= kMaxYamlDepth) {
    return absl::InvalidArgumentError(absl::StrCat(Where(source, line, std::nullopt),
                                                   "nested more than ", kMaxYamlDepth, " levels"));
  }
  for (const YAML::Node& ancestor : walk->path) {
    if (ancestor.is(node)) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(source, line, std::nullopt), "an alias refers to a value that contains it"));
    }
  }
  walk->path.push_back(node);
  struct Pop {
    YamlWalk* walk;
    ~Pop() { walk->path.pop_back(); }
  } pop{walk};
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case YAML::NodeType::Scalar: {
      // Quoted scalars ("!") and explicit strings stay text whatever they say.
      const std::string& tag = node.Tag();
      if (!text::IsValidUtf8(node.Scalar())) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(source, line, node.Mark().column + 1), "text is not valid UTF-8"));
      }
      bool b = false;
      if (tag != "!" && tag != "tag:yaml.org,2002:str" && IsPlainBoolean(node.Scalar(), &b)) {
        out->set_bool_value(b);
      } else {
        out->set_string_value(node.Scalar());
      }
      return absl::OkStatus();
    }
    case YAML::NodeType::Sequence: {
      auto* list = out->mutable_list_value();
      size_t index = 0;
      for (const YAML::Node& element : node) {
        const std::string element_path = ElementPath(path, index++);
        tree->lines.emplace(element_path, element.Mark().line + 1);
        if (absl::Status s =
                YamlToValue(element, element_path, source, list->add_values(), tree, walk);
            !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    }
    case YAML::NodeType::Map: {
      auto* fields = out->mutable_struct_value()->mutable_fields();
      for (const auto& entry : node) {
        const YAML::Node& key = entry.first;
        const int line = key.Mark().line + 1;
        if (!key.IsScalar()) {
          return absl::InvalidArgumentError(absl::StrCat(Where(source, line, key.Mark().column + 1),
                                                         "a key must be a plain name"));
        }
        const std::string& name = key.Scalar();
        const std::string child_path = ChildPath(path, name);
        if (fields->count(name) > 0) {
          return absl::InvalidArgumentError(absl::StrCat(Where(source, line, key.Mark().column + 1),
                                                         "duplicate key \"", name, "\""));
        }
        tree->lines.emplace(child_path, line);
        if (!text::IsValidUtf8(name)) {
          return absl::InvalidArgumentError(
              absl::StrCat(Where(source, line, key.Mark().column + 1), "key is not valid UTF-8"));
        }
        if (absl::Status s =
                YamlToValue(entry.second, child_path, source, &(*fields)[name], tree, walk);
            !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Tree> ParseYamlTree(absl::string_view text, absl::string_view source) {
  Tree tree;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    YamlWalk walk;
    if (absl::Status s = YamlToValue(root, "", source, &tree.root, &tree, &walk); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": YAML: ", e.msg));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(Where(source, e.mark.line + 1, e.mark.column + 1), e.msg));
  }
  return tree;
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

// The protobuf JSON parser reports a syntax error as
//   "<message>\n<up to 20 bytes before the error and 20 after>\n<spaces>^".
// Finds that excerpt in `text` to recover the line and column. Returns the
// one-line message, and the position when the excerpt is found exactly once.
std::string DescribeJsonError(absl::string_view text, absl::string_view message,
                              absl::string_view source) {
  const size_t first_newline = message.find('\n');
  const size_t last_newline = message.rfind('\n');
  if (first_newline == absl::string_view::npos || last_newline == first_newline) {
    return absl::StrCat(source, ": ", message);
  }
  const absl::string_view head = message.substr(0, first_newline);
  const absl::string_view excerpt =
      message.substr(first_newline + 1, last_newline - first_newline - 1);
  const absl::string_view caret_line = message.substr(last_newline + 1);
  const size_t caret = caret_line.find('^');
  if (excerpt.empty() || caret == absl::string_view::npos ||
      caret_line.find_first_not_of(' ') != caret) {
    return absl::StrCat(source, ": ", head);
  }
  std::optional<size_t> offset;
  if (absl::StartsWith(text, excerpt) && caret < 20) {
    offset = caret;  // the excerpt was cut at the start of the text
  } else {
    const size_t at = text.find(excerpt);
    if (at != absl::string_view::npos && text.find(excerpt, at + 1) == absl::string_view::npos) {
      offset = at + caret;
    }
  }
  if (!offset.has_value() || *offset > text.size()) return absl::StrCat(source, ": ", head);
  const absl::string_view before = text.substr(0, *offset);
  const int line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  const size_t line_start = before.rfind('\n');
  const int column = 1 + text::CodePointCount(line_start == absl::string_view::npos
                                                  ? before
                                                  : before.substr(line_start + 1));
  return absl::StrCat(Where(source, line, column), head);
}

absl::StatusOr<Tree> ParseJsonTree(absl::string_view text, absl::string_view source) {
  Tree tree;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &tree.root);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        DescribeJsonError(text, std::string(status.message()), source));
  }
  return tree;
}

// ---------------------------------------------------------------------------
// From the tree to a Plan
// ---------------------------------------------------------------------------

class Normalizer {
 public:
  Normalizer(const Tree& tree, absl::string_view source) : tree_(tree), source_(source) {}

  absl::Status Message(const Descriptor* type, Value* value, const std::string& path) const {
    auto* fields = value->mutable_struct_value()->mutable_fields();
    for (auto& [key, child] : *fields) {
      const std::string child_path = ChildPath(path, key);
      const FieldDescriptor* field = FindField(type, key);
      if (field == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
        return Error(child_path, absl::StrCat("unknown field of ", type->name(),
                                              "; known fields: ", absl::StrJoin(names, ", ")));
      }
      if (field->is_repeated()) {
        if (child.kind_case() == Value::kNullValue) continue;
        if (child.kind_case() != Value::kListValue) {
          return Error(child_path, "expected a list");
        }
        auto* elements = child.mutable_list_value()->mutable_values();
        for (int i = 0; i < elements->size(); ++i) {
          if ((*elements)[i].kind_case() == Value::kNullValue) {
            return Error(ElementPath(child_path, i), "empty item");
          }
          if (absl::Status s = Field(field, &(*elements)[i], ElementPath(child_path, i)); !s.ok()) {
            return s;
          }
        }
      } else if (absl::Status s = Field(field, &child, child_path); !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Error(const std::string& path, absl::string_view message) const {
    std::optional<int> line;
    if (auto it = tree_.lines.find(path); it != tree_.lines.end()) line = it->second;
    return absl::InvalidArgumentError(
        absl::StrCat(Where(source_, line, std::nullopt), path, ": ", message));
  }

  static const FieldDescriptor* FindField(const Descriptor* type, absl::string_view key) {
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->name() == key || field->json_name() == key) return field;
    }
    return nullptr;
  }

 private:
  absl::Status Field(const FieldDescriptor* field, Value* value, const std::string& path) const {
    if (value->kind_case() == Value::kNullValue) return absl::OkStatus();
    switch (field->type()) {
      case FieldDescriptor::TYPE_MESSAGE:
        return MessageField(field->message_type(), value, path);
      case FieldDescriptor::TYPE_ENUM:
        return EnumField(field->enum_type(), value, path);
      case FieldDescriptor::TYPE_STRING:
      case FieldDescriptor::TYPE_BYTES:
        if (value->kind_case() == Value::kNumberValue) {
          return Error(path,
                       "expected text: write numbers in quotes (\"7.80\") so they are kept "
                       "exactly as written");
        }
        return absl::OkStatus();
      default:
        return absl::OkStatus();
    }
  }

  absl::Status MessageField(const Descriptor* type, Value* value, const std::string& path) const {
    if (absl::StartsWith(type->full_name(), "google.protobuf.")) return absl::OkStatus();
    if (type->full_name() == "chiso.common.v1.Decimal") {
      if (value->kind_case() == Value::kNumberValue) {
        return Error(path, "write the number in quotes (\"7.80\") so its digits are kept");
      }
      if (value->kind_case() == Value::kStringValue) {
        std::string number = value->string_value();
        (*value->mutable_struct_value()->mutable_fields())["value"].set_string_value(number);
        return absl::OkStatus();
      }
    }
    if (type->full_name() == "chiso.common.v1.Date" && value->kind_case() == Value::kStringValue) {
      absl::StatusOr<absl::CivilDay> day = civil::ParseDate(value->string_value());
      if (!day.ok()) return Error(path, day.status().message());
      auto* fields = value->mutable_struct_value()->mutable_fields();
      (*fields)["year"].set_number_value(static_cast<double>(day->year()));
      (*fields)["month"].set_number_value(day->month());
      (*fields)["day"].set_number_value(day->day());
      return absl::OkStatus();
    }
    if (value->kind_case() != Value::kStructValue) {
      return Error(path, absl::StrCat("expected a mapping of ", type->name(), " fields"));
    }
    return Message(type, value, path);
  }

  absl::Status EnumField(const EnumDescriptor* type, Value* value, const std::string& path) const {
    if (value->kind_case() != Value::kStringValue) return absl::OkStatus();
    const std::string& given = value->string_value();
    if (type->FindValueByName(given) != nullptr) return absl::OkStatus();

    std::string upper = absl::AsciiStrToUpper(given);
    std::replace(upper.begin(), upper.end(), '-', '_');
    std::replace(upper.begin(), upper.end(), ' ', '_');
    const std::string prefix = EnumPrefix(type);
    for (const std::string& candidate : {upper, absl::StrCat(prefix, upper)}) {
      if (type->FindValueByName(candidate) != nullptr) {
        value->set_string_value(candidate);
        return absl::OkStatus();
      }
    }
    std::vector<std::string> names;
    for (int i = 0; i < type->value_count(); ++i) {
      const EnumValueDescriptor* v = type->value(i);
      if (v->number() == 0) continue;
      names.push_back(std::string(absl::StripPrefix(v->name(), prefix)));
    }
    return Error(path, absl::StrCat("unknown ", type->name(), " \"", given, "\"; expected one of ",
                                    absl::StrJoin(names, ", "), " (with or without the prefix ",
                                    prefix, ")"));
  }

  // "COMPARATOR_" for Comparator, from its COMPARATOR_UNSPECIFIED value.
  static std::string EnumPrefix(const EnumDescriptor* type) {
    const EnumValueDescriptor* zero = type->FindValueByNumber(0);
    if (zero == nullptr) return "";
    absl::string_view name = zero->name();
    if (!absl::ConsumeSuffix(&name, "UNSPECIFIED")) return "";
    return std::string(name);
  }

  const Tree& tree_;
  absl::string_view source_;
};

absl::Status BuildMessage(Tree tree, absl::string_view source, google::protobuf::Message* message,
                          std::vector<std::string>* fields) {
  const Descriptor* type = message->GetDescriptor();
  if (tree.root.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": expected a mapping of ", type->name(), " fields at the top level"));
  }
  Normalizer normalizer(tree, source);
  if (absl::Status s = normalizer.Message(type, &tree.root, ""); !s.ok()) return s;

  fields->clear();
  std::vector<const FieldDescriptor*> present;
  for (const auto& [key, unused] : tree.root.struct_value().fields()) {
    const FieldDescriptor* field = Normalizer::FindField(type, key);
    if (field != nullptr && std::find(present.begin(), present.end(), field) == present.end()) {
      present.push_back(field);
    }
  }
  std::sort(present.begin(), present.end(), [](const FieldDescriptor* a, const FieldDescriptor* b) {
    return a->number() < b->number();
  });
  for (const FieldDescriptor* field : present) fields->push_back(field->name());

  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(tree.root, &json);
  if (!printed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", printed.message().ToString()));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, message, options);
  if (!parsed.ok()) {
    // Messages look like "(objectives[0].baseline.year): invalid value …".
    std::string message(parsed.message());
    if (absl::StartsWith(message, "(")) {
      const size_t close = message.find("): ");
      if (close != std::string::npos) {
        const std::string path = message.substr(1, close - 1);
        return normalizer.Error(path, message.substr(close + 3));
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", message));
  }
  return absl::OkStatus();
}

bool IsBlank(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return absl::ascii_isspace(c); });
}

}  // namespace

absl::StatusOr<PlanFileFormat> FormatFromPath(absl::string_view path) {
  if (path == "-") return PlanFileFormat::kAuto;
  const std::string lower = absl::AsciiStrToLower(path);
  if (absl::EndsWith(lower, ".json")) return PlanFileFormat::kJson;
  if (absl::EndsWith(lower, ".yaml") || absl::EndsWith(lower, ".yml")) return PlanFileFormat::kYaml;
  return absl::InvalidArgumentError(
      absl::StrCat(path,
                   ": cannot tell the format; name the file .json, .yaml or .yml, or use - for "
                   "standard input"));
}

absl::Status ParseMessageText(absl::string_view text, PlanFileFormat format,
                              absl::string_view source, google::protobuf::Message* message,
                              std::vector<std::string>* fields) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");  // a byte order mark left by some editors
  if (IsBlank(text)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": empty; expected a ", absl::AsciiStrToLower(message->GetDescriptor()->name())));
  }
  if (!text::IsValidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not valid UTF-8 text"));
  }
  switch (format) {
    case PlanFileFormat::kJson: {
      absl::StatusOr<Tree> tree = ParseJsonTree(text, source);
      if (!tree.ok()) return tree.status();
      return BuildMessage(*std::move(tree), source, message, fields);
    }
    case PlanFileFormat::kYaml: {
      absl::StatusOr<Tree> tree = ParseYamlTree(text, source);
      if (!tree.ok()) return tree.status();
      return BuildMessage(*std::move(tree), source, message, fields);
    }
    case PlanFileFormat::kAuto: {
      // JSON first. Text that opens with "{" is taken as JSON only: YAML
      // would accept much broken JSON ({"title": } is a valid flow mapping)
      // and hide the mistake.
      absl::StatusOr<Tree> json = ParseJsonTree(text, source);
      if (json.ok()) return BuildMessage(*std::move(json), source, message, fields);
      const size_t first = text.find_first_not_of(" \t\r\n");
      if (first != absl::string_view::npos && text[first] == '{') return json.status();
      absl::StatusOr<Tree> yaml = ParseYamlTree(text, source);
      if (!yaml.ok()) return yaml.status();
      return BuildMessage(*std::move(yaml), source, message, fields);
    }
  }
  return absl::InvalidArgumentError("unknown format");
}

absl::StatusOr<LoadedPlan> ParsePlanText(absl::string_view text, PlanFileFormat format,
                                         absl::string_view source) {
  LoadedPlan loaded;
  if (absl::Status s = ParseMessageText(text, format, source, &loaded.plan, &loaded.fields);
      !s.ok()) {
    return s;
  }
  return loaded;
}

absl::StatusOr<std::string> ReadInputText(const std::string& path, std::istream& standard_input,
                                          size_t max_bytes) {
  std::string text;
  if (path == "-") {
    std::vector<char> chunk(64 << 10);
    while (standard_input.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) ||
           standard_input.gcount() > 0) {
      text.append(chunk.data(), static_cast<size_t>(standard_input.gcount()));
      if (text.size() > max_bytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("<stdin>: larger than ", max_bytes >> 20, " MiB"));
      }
    }
    if (standard_input.bad()) {
      return absl::InvalidArgumentError("cannot read standard input");
    }
    return text;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  if (const auto size = std::filesystem::file_size(path, ec); !ec && size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than ", max_bytes >> 20, " MiB"));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  return buffer.str();
}

absl::Status LoadMessageFile(const std::string& path, std::istream& standard_input,
                             google::protobuf::Message* message, std::vector<std::string>* fields) {
  absl::StatusOr<PlanFileFormat> format = FormatFromPath(path);
  if (!format.ok()) return format.status();
  absl::StatusOr<std::string> text = ReadInputText(path, standard_input);
  if (!text.ok()) return text.status();
  return ParseMessageText(*text, *format, path == "-" ? "<stdin>" : path, message, fields);
}

absl::StatusOr<LoadedPlan> LoadPlanFile(const std::string& path, std::istream& standard_input) {
  LoadedPlan loaded;
  if (absl::Status s = LoadMessageFile(path, standard_input, &loaded.plan, &loaded.fields);
      !s.ok()) {
    return s;
  }
  return loaded;
}

}  // namespace chiso::chisoctl
