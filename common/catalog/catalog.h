#ifndef CHISO_COMMON_CATALOG_CATALOG_H_
#define CHISO_COMMON_CATALOG_CATALOG_H_

// The framework catalog: which indices exist and the codes of their
// components (DOMAIN.md). Every service loads it once at start; the plan
// service checks objective codes against it.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/common/v1/catalog.pb.h"

namespace chiso {

class Catalog {
 public:
  // Returns the catalog shipped with the suite.
  static absl::StatusOr<Catalog> Builtin();
  // Parses a catalog in text format. Errors: InvalidArgument for syntax
  // errors, bad or duplicate codes.
  static absl::StatusOr<Catalog> Parse(absl::string_view textproto);
  // Returns the built-in catalog extended with the file at `path` (text
  // format). An empty path returns the built-in catalog. Errors: NotFound for
  // a missing file, InvalidArgument as for Parse and Extend.
  static absl::StatusOr<Catalog> Load(const std::string& path);

  // Adds the indices and components of `extra`: new indices are added whole;
  // an index already present gains the components it lacks. Redefining an
  // existing component is InvalidArgument. On error nothing changes.
  absl::Status Extend(const chiso::common::v1::IndexCatalog& extra);

  // The index with `code`, or nullptr.
  const chiso::common::v1::IndexDefinition* FindIndex(absl::string_view code) const;
  // The component `component` of index `index`, or nullptr.
  const chiso::common::v1::ComponentDefinition* FindComponent(absl::string_view index,
                                                              absl::string_view component) const;

  // Checks a framework/component pair as an objective or task uses it: the
  // framework must exist; the component, when non-empty, must belong to it.
  // Errors: InvalidArgument "<field_prefix>.framework: unknown index "X"
  // (known: DDCI, PAPI, …)" or "<field_prefix>.component: "Y" is not a
  // component of DDCI (components: …)".
  absl::Status CheckCodes(absl::string_view field_prefix, absl::string_view framework,
                          absl::string_view component) const;

  // Index codes in catalog order.
  std::vector<std::string> IndexCodes() const;
  const chiso::common::v1::IndexCatalog& proto() const { return catalog_; }

 private:
  absl::Status Reindex();

  chiso::common::v1::IndexCatalog catalog_;
  absl::flat_hash_map<std::string, int> index_by_code_;
};

}  // namespace chiso

#endif  // CHISO_COMMON_CATALOG_CATALOG_H_
