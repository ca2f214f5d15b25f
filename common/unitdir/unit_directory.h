#ifndef CHISO_COMMON_UNITDIR_UNIT_DIRECTORY_H_
#define CHISO_COMMON_UNITDIR_UNIT_DIRECTORY_H_

// A service's read-only copy of the unit tree (proto
// chiso/common/v1/unit_directory.proto), kept in the service's own database
// so that it survives restarts and is shared by its replicas. The plan and
// notification services receive it from the assignment service
// (UnitDirectoryService below); the scoring service refreshes it from the
// assignment service's ListUnits.
//
// Table `unit_tree(unit TEXT PRIMARY KEY, parent TEXT)` (parent "" for a
// root): stores may join it to filter lists by subtree.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/common/v1/unit_directory.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "common/storage/database.h"

namespace chiso::unitdir {

// The migrations that create unit_tree, numbered from `first_version`.
std::vector<storage::Migration> UnitDirectoryMigrations(int first_version);

// Most units a tree may hold.
inline constexpr int kMaxUnits = 100000;

struct UnitLink {
  std::string unit;    // "units/{id}"
  std::string parent;  // "units/{id}", "" for a root
};

class UnitDirectory : public auth::UnitTree {
 public:
  // `db` must outlive the directory and carry UnitDirectoryMigrations.
  explicit UnitDirectory(storage::Database* db);

  absl::StatusOr<bool> Contains(absl::string_view ancestor, absl::string_view unit) const override;

  // `unit` and every unit below it in the copy (just `unit` when unknown),
  // sorted; empty for an empty `unit`.
  absl::StatusOr<std::vector<std::string>> Subtree(absl::string_view unit) const;

  // The units above `unit`, nearest first (its parent, then the parent's
  // parent, up to a root); empty for a root or an unknown unit.
  absl::StatusOr<std::vector<std::string>> Ancestors(absl::string_view unit) const;

  // Every link of the copy, sorted by unit.
  absl::StatusOr<std::vector<UnitLink>> Links() const;

  // Replaces the copy with `links`; returns whether it changed. Errors:
  // INVALID_ARGUMENT for a malformed name, a unit listed twice, a parent not
  // listed, a cycle, more than kMaxUnits units.
  absl::StatusOr<bool> Replace(const std::vector<UnitLink>& links);

  // Units in the copy.
  absl::StatusOr<int> Size() const;

 private:
  storage::Database* db_;
};

// ReplaceUnitTree, for the services that receive the tree. Each change is
// audited; an identical tree changes nothing.
class UnitDirectoryService final : public chiso::common::v1::UnitDirectory::Service {
 public:
  // All must outlive the service. `gate` authenticates with the receiving
  // service's settings; the rule for ReplaceUnitTree is UnitDirectoryRule().
  UnitDirectoryService(UnitDirectory* directory, const auth::AccessGate* gate,
                       audit::AuditLog* audit);

  grpc::Status ReplaceUnitTree(grpc::ServerContext* context,
                               const chiso::common::v1::ReplaceUnitTreeRequest* request,
                               chiso::common::v1::ReplaceUnitTreeResponse* response) override;

  // Called after each change of the tree has committed (e.g. to refresh what
  // was derived from it). Set before serving.
  void SetChangeListener(std::function<void()> listener) { on_change_ = std::move(listener); }

 private:
  UnitDirectory* directory_;
  const auth::AccessGate* gate_;
  audit::AuditLog* audit_;
  std::function<void()> on_change_;
};

// Checks `links` as Replace does, without storage. Errors: INVALID_ARGUMENT
// naming the first offending entry ("units[3].parent: …").
absl::Status ValidateLinks(const std::vector<UnitLink>& links);

// A subquery selecting the units of the subtree of the unit bound to the
// placeholder `root` ("$4"), for stores that filter by scope in SQL:
//   "... AND p.issuer_unit IN (" + SubtreeSubquery(param(unit)) + ")"
// Valid on SQLite and PostgreSQL; an unknown unit's subtree is itself.
std::string SubtreeSubquery(absl::string_view root);

// The gate of the UnitDirectory service: ReplaceUnitTree needs "units.sync".
std::unique_ptr<auth::AccessGate> NewUnitDirectoryGate(
    std::shared_ptr<const auth::Authenticator> authenticator);

}  // namespace chiso::unitdir

#endif  // CHISO_COMMON_UNITDIR_UNIT_DIRECTORY_H_
