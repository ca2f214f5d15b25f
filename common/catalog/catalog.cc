#include "common/catalog/catalog.h"

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace chiso {
namespace catalog_internal {
extern const absl::string_view kBuiltinCatalog;
}  // namespace catalog_internal

namespace {

using chiso::common::v1::ComponentDefinition;
using chiso::common::v1::IndexCatalog;
using chiso::common::v1::IndexDefinition;

bool IsCode(absl::string_view code) {
  if (code.empty() || code.size() > 64) return false;
  if (!(code[0] >= 'A' && code[0] <= 'Z')) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Collects parser errors into one message.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    absl::StrAppend(&errors_, errors_.empty() ? "" : "; ", "line ", line + 1, ":", column + 1, ": ",
                    message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

absl::Status CheckIndex(const IndexDefinition& index) {
  if (!IsCode(index.code())) {
    return absl::InvalidArgumentError(absl::StrCat("catalog: index code \"", index.code(),
                                                   "\" must be upper-case letters, digits and _"));
  }
  absl::flat_hash_set<std::string> seen;
  for (const ComponentDefinition& c : index.components()) {
    if (!IsCode(c.code())) {
      return absl::InvalidArgumentError(absl::StrCat("catalog: component code \"", c.code(),
                                                     "\" of ", index.code(),
                                                     " must be upper-case letters, digits and _"));
    }
    if (!seen.insert(c.code()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("catalog: component ", index.code(), ".", c.code(), " defined twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Catalog> Catalog::Builtin() { return Parse(catalog_internal::kBuiltinCatalog); }

absl::StatusOr<Catalog> Catalog::Parse(absl::string_view textproto) {
  IndexCatalog parsed;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(textproto), &parsed)) {
    return absl::InvalidArgumentError(absl::StrCat("catalog: ", errors.errors()));
  }
  Catalog catalog;
  if (absl::Status s = catalog.Extend(parsed); !s.ok()) return s;
  return catalog;
}

absl::StatusOr<Catalog> Catalog::Load(const std::string& path) {
  absl::StatusOr<Catalog> catalog = Builtin();
  if (!catalog.ok() || path.empty()) return catalog;
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("catalog file ", path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Catalog> extra = Parse(text.str());
  if (!extra.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", extra.status().message()));
  }
  if (absl::Status s = catalog->Extend(extra->proto()); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  return catalog;
}

absl::Status Catalog::Extend(const IndexCatalog& extra) {
  IndexCatalog merged = catalog_;
  absl::flat_hash_map<std::string, int> position;
  for (int i = 0; i < merged.indices_size(); ++i) position[merged.indices(i).code()] = i;
  for (const IndexDefinition& index : extra.indices()) {
    if (absl::Status s = CheckIndex(index); !s.ok()) return s;
    auto it = position.find(index.code());
    if (it == position.end()) {
      position[index.code()] = merged.indices_size();
      *merged.add_indices() = index;
      continue;
    }
    IndexDefinition* existing = merged.mutable_indices(it->second);
    for (const ComponentDefinition& c : index.components()) {
      for (const ComponentDefinition& have : existing->components()) {
        if (have.code() == c.code()) {
          return absl::InvalidArgumentError(
              absl::StrCat("catalog: component ", index.code(), ".", c.code(), " already exists"));
        }
      }
      *existing->add_components() = c;
    }
  }
  catalog_ = std::move(merged);
  return Reindex();
}

absl::Status Catalog::Reindex() {
  index_by_code_.clear();
  for (int i = 0; i < catalog_.indices_size(); ++i) index_by_code_[catalog_.indices(i).code()] = i;
  return absl::OkStatus();
}

const IndexDefinition* Catalog::FindIndex(absl::string_view code) const {
  auto it = index_by_code_.find(code);
  return it == index_by_code_.end() ? nullptr : &catalog_.indices(it->second);
}

const ComponentDefinition* Catalog::FindComponent(absl::string_view index,
                                                  absl::string_view component) const {
  const IndexDefinition* def = FindIndex(index);
  if (def == nullptr) return nullptr;
  for (const ComponentDefinition& c : def->components()) {
    if (c.code() == component) return &c;
  }
  return nullptr;
}

absl::Status Catalog::CheckCodes(absl::string_view field_prefix, absl::string_view framework,
                                 absl::string_view component) const {
  const IndexDefinition* index = FindIndex(framework);
  if (index == nullptr) {
    if (framework.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field_prefix, ".framework: required (one of ",
                                                     absl::StrJoin(IndexCodes(), ", "), ")"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, ".framework: unknown index \"", framework,
                     "\" (known: ", absl::StrJoin(IndexCodes(), ", "), ")"));
  }
  if (component.empty() || FindComponent(framework, component) != nullptr) {
    return absl::OkStatus();
  }
  std::vector<std::string> codes;
  for (const ComponentDefinition& c : index->components()) codes.push_back(c.code());
  return absl::InvalidArgumentError(absl::StrCat(
      field_prefix, ".component: \"", component, "\" is not a component of ", framework,
      " (components: ", absl::StrJoin(codes, ", "), "; empty for the index as a whole)"));
}

std::vector<std::string> Catalog::IndexCodes() const {
  std::vector<std::string> codes;
  for (const IndexDefinition& i : catalog_.indices()) codes.push_back(i.code());
  return codes;
}

}  // namespace chiso
