#include "tools/chisoctl/args.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace chiso::chisoctl {
namespace {

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs, absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char name) {
  for (const FlagSpec& spec : specs) {
    if (spec.short_name != '\0' && spec.short_name == name) return &spec;
  }
  return nullptr;
}

}  // namespace

bool ParsedArgs::Has(absl::string_view name) const {
  return values_.find(std::string(name)) != values_.end();
}

std::string ParsedArgs::Get(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() || it->second.empty() ? "" : it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(absl::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool ParsedArgs::GetBool(absl::string_view name) const { return Get(name) == "true"; }

absl::Status ParseArgs(const std::vector<std::string>& args, size_t begin,
                       const std::vector<FlagSpec>& specs, bool stop_at_positional, ParsedArgs* out,
                       size_t* next) {
  size_t i = begin;
  bool flags_ended = false;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool looks_like_flag = !flags_ended && arg.size() > 1 && arg[0] == '-';
    if (!looks_like_flag) {
      if (stop_at_positional) break;
      out->positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }

    const FlagSpec* spec = nullptr;
    std::string shown;  // the flag as the user wrote it, for messages
    absl::string_view inline_value;
    bool has_inline_value = false;
    if (absl::StartsWith(arg, "--")) {
      absl::string_view body = absl::string_view(arg).substr(2);
      const size_t eq = body.find('=');
      if (eq != absl::string_view::npos) {
        inline_value = body.substr(eq + 1);
        has_inline_value = true;
        body = body.substr(0, eq);
      }
      shown = absl::StrCat("--", body);
      spec = FindLong(specs, body);
    } else if (arg.size() == 2) {
      shown = arg;
      spec = FindShort(specs, arg[1]);
    } else {
      shown = arg;
    }
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", shown));

    std::string value;
    if (!spec->takes_value) {
      if (has_inline_value) {
        if (inline_value != "true" && inline_value != "false") {
          return absl::InvalidArgumentError(
              absl::StrCat(shown, " is a switch: give it alone or as ", shown, "=true|false"));
        }
        value = std::string(inline_value);
      } else {
        value = "true";
      }
    } else if (has_inline_value) {
      value = std::string(inline_value);
    } else {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(shown, " needs a value"));
      }
      value = args[++i];
    }
    out->values_[spec->name].push_back(std::move(value));
  }
  if (next != nullptr) *next = i;
  return absl::OkStatus();
}

absl::StatusOr<int> ParseEnumValue(const google::protobuf::EnumDescriptor* type,
                                   absl::string_view prefix, absl::string_view flag,
                                   absl::string_view text) {
  std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  std::replace(name.begin(), name.end(), '-', '_');
  std::replace(name.begin(), name.end(), ' ', '_');
  if (!absl::StartsWith(name, prefix)) name = absl::StrCat(prefix, name);
  const google::protobuf::EnumValueDescriptor* value = type->FindValueByName(name);
  if (value == nullptr || value->number() == 0) {
    std::vector<std::string> names;
    for (int i = 0; i < type->value_count(); ++i) {
      if (type->value(i)->number() != 0) {
        names.push_back(EnumShortName(type, prefix, type->value(i)->number()));
      }
    }
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": unknown value \"", text,
                                                   "\"; expected one of ",
                                                   absl::StrJoin(names, ", ")));
  }
  return value->number();
}

absl::StatusOr<std::vector<int>> ParseEnumList(const google::protobuf::EnumDescriptor* type,
                                               absl::string_view prefix, absl::string_view flag,
                                               const std::vector<std::string>& values) {
  std::vector<int> parsed;
  for (const std::string& value : values) {
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      absl::StatusOr<int> one = ParseEnumValue(type, prefix, flag, part);
      if (!one.ok()) return one.status();
      parsed.push_back(*one);
    }
  }
  return parsed;
}

std::string EnumShortName(const google::protobuf::EnumDescriptor* type, absl::string_view prefix,
                          int value) {
  if (value == 0) return "";
  const google::protobuf::EnumValueDescriptor* found = type->FindValueByNumber(value);
  if (found == nullptr) return absl::StrCat(value);
  absl::string_view name = found->name();
  absl::ConsumePrefix(&name, prefix);
  std::string text = absl::AsciiStrToLower(name);
  std::replace(text.begin(), text.end(), '_', '-');
  return text;
}

}  // namespace chiso::chisoctl
