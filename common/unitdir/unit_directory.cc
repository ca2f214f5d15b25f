#include "common/unitdir/unit_directory.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status/grpc_status.h"

namespace chiso::unitdir {
namespace {

namespace cv1 = chiso::common::v1;

using storage::Row;
using storage::Tx;
using storage::Value;

constexpr absl::string_view kSchemaV1 = R"sql(
CREATE TABLE unit_tree (
  unit TEXT PRIMARY KEY,
  parent TEXT NOT NULL
);
CREATE INDEX unit_tree_by_parent ON unit_tree (parent, unit);
)sql";

// Rows per INSERT statement of Replace (two parameters each; SQLite's
// historical limit is 999 parameters).
constexpr size_t kInsertBatch = 400;

// The walk up from $1 to its root, with each unit's distance from $1. Each
// unit has one parent (unit is the key), so the walk yields at most one row
// per step, and the depth bound (no tree is deeper than it has units) ends
// it even on a cycle, which Replace never stores.
const std::string& WalkUpCte() {
  static const std::string* sql = new std::string(
      absl::StrCat("WITH RECURSIVE up (unit, depth) AS ("
                   " SELECT CAST($1 AS TEXT), 0"
                   " UNION ALL"
                   " SELECT t.parent, up.depth + 1 FROM unit_tree t JOIN up ON t.unit = up.unit"
                   " WHERE t.parent <> '' AND up.depth < ",
                   kMaxUnits, ") "));
  return *sql;
}

bool IsUnitId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsUnitName(absl::string_view name) {
  return absl::ConsumePrefix(&name, "units/") && IsUnitId(name);
}

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

std::vector<UnitLink> Sorted(std::vector<UnitLink> links) {
  std::sort(links.begin(), links.end(),
            [](const UnitLink& a, const UnitLink& b) { return a.unit < b.unit; });
  return links;
}

bool SameLinks(const std::vector<UnitLink>& a, const std::vector<UnitLink>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].unit != b[i].unit || a[i].parent != b[i].parent) return false;
  }
  return true;
}

absl::StatusOr<std::vector<UnitLink>> ReadLinks(Tx& tx) {
  absl::StatusOr<std::vector<Row>> rows =
      tx.Query("SELECT unit, parent FROM unit_tree ORDER BY unit");
  if (!rows.ok()) return rows.status();
  std::vector<UnitLink> links;
  links.reserve(rows->size());
  for (const Row& row : *rows) links.push_back(UnitLink{row.Text(0), row.Text(1)});
  return links;
}

// The tree as a request, sorted by unit: the stored form the audit trail
// digests, the same for the same tree whatever order it was sent in.
cv1::ReplaceUnitTreeRequest AsRequest(const std::vector<UnitLink>& sorted) {
  cv1::ReplaceUnitTreeRequest request;
  for (const UnitLink& link : sorted) {
    cv1::UnitTreeEntry* entry = request.add_units();
    entry->set_unit(link.unit);
    entry->set_parent(link.parent);
  }
  return request;
}

}  // namespace

std::vector<storage::Migration> UnitDirectoryMigrations(int first_version) {
  return {storage::PortableMigration(first_version, "create unit_tree", kSchemaV1)};
}

absl::Status ValidateLinks(const std::vector<UnitLink>& links) {
  if (links.size() > static_cast<size_t>(kMaxUnits)) {
    return Invalid("units", absl::StrCat("at most ", kMaxUnits, " units (got ", links.size(), ")"));
  }
  absl::flat_hash_map<absl::string_view, size_t> index;  // unit → position
  index.reserve(links.size());
  for (size_t i = 0; i < links.size(); ++i) {
    const UnitLink& link = links[i];
    const std::string field = absl::StrCat("units[", i, "]");
    if (!IsUnitName(link.unit)) {
      return Invalid(absl::StrCat(field, ".unit"),
                     absl::StrCat("must be \"units/{id}\", the id 1-64 characters of "
                                  "[A-Za-z0-9._-] (got \"",
                                  absl::CHexEscape(link.unit.substr(0, 100)), "\")"));
    }
    if (!link.parent.empty() && !IsUnitName(link.parent)) {
      return Invalid(absl::StrCat(field, ".parent"),
                     absl::StrCat("must be empty (a root) or \"units/{id}\" (got \"",
                                  absl::CHexEscape(link.parent.substr(0, 100)), "\")"));
    }
    auto [it, inserted] = index.emplace(link.unit, i);
    if (!inserted) {
      return Invalid(absl::StrCat(field, ".unit"),
                     absl::StrCat(link.unit, " is listed twice (also units[", it->second, "])"));
    }
  }
  for (size_t i = 0; i < links.size(); ++i) {
    const UnitLink& link = links[i];
    if (!link.parent.empty() && !index.contains(link.parent)) {
      return Invalid(absl::StrCat("units[", i, "].parent"),
                     absl::StrCat(link.parent, " (parent of ", link.unit, ") is not listed"));
    }
  }
  // Cycles: walk up from every unit not yet known to reach a root. state 0:
  // unvisited, 1: on the current walk, 2: reaches a root.
  std::vector<char> state(links.size(), 0);
  std::vector<size_t> walk;
  for (size_t start = 0; start < links.size(); ++start) {
    walk.clear();
    size_t at = start;
    while (true) {
      if (state[at] == 2) break;
      if (state[at] == 1) {
        std::vector<std::string> cycle;
        bool in = false;
        for (size_t w : walk) {
          in = in || w == at;
          if (in) cycle.push_back(links[w].unit);
        }
        cycle.push_back(links[at].unit);
        return Invalid(absl::StrCat("units[", at, "].parent"),
                       absl::StrCat("the parents form a cycle: ", absl::StrJoin(cycle, " → ")));
      }
      state[at] = 1;
      walk.push_back(at);
      if (links[at].parent.empty()) break;
      at = index.at(links[at].parent);
    }
    for (size_t w : walk) state[w] = 2;
  }
  return absl::OkStatus();
}

std::string SubtreeSubquery(absl::string_view root) {
  // UNION (not UNION ALL) adds a unit only once, so the walk ends after at
  // most every unit of the table, cycles included.
  return absl::StrCat(
      "WITH RECURSIVE down (unit) AS (SELECT CAST(", root,
      " AS TEXT) UNION SELECT t.unit FROM unit_tree t JOIN down ON t.parent = down.unit) "
      "SELECT unit FROM down");
}

UnitDirectory::UnitDirectory(storage::Database* db) : db_(db) {}

absl::StatusOr<bool> UnitDirectory::Contains(absl::string_view ancestor,
                                             absl::string_view unit) const {
  if (ancestor.empty() || unit.empty()) return false;
  if (ancestor == unit) return true;
  bool found = false;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    // UNION adds each unit once: the walk ends at a root, or at a unit seen
    // before should a cycle ever be stored.
    absl::StatusOr<std::vector<Row>> rows = tx.Query(
        "WITH RECURSIVE up (unit) AS (SELECT CAST($1 AS TEXT) UNION SELECT t.parent FROM "
        "unit_tree t JOIN up ON t.unit = up.unit WHERE t.parent <> '') "
        "SELECT 1 FROM up WHERE up.unit = $2 LIMIT 1",
        {std::string(unit), std::string(ancestor)});
    if (!rows.ok()) return rows.status();
    found = !rows->empty();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<std::string>> UnitDirectory::Subtree(absl::string_view unit) const {
  std::vector<std::string> units;
  if (unit.empty()) return units;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query(absl::StrCat("SELECT s.unit FROM (", SubtreeSubquery("$1"), ") s ORDER BY s.unit"),
                 {std::string(unit)});
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) units.push_back(row.Text(0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return units;
}

absl::StatusOr<std::vector<std::string>> UnitDirectory::Ancestors(absl::string_view unit) const {
  std::vector<std::string> ancestors;
  if (unit.empty()) return ancestors;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows =
        tx.Query(absl::StrCat(WalkUpCte(), "SELECT unit FROM up WHERE depth > 0 ORDER BY depth"),
                 {std::string(unit)});
    if (!rows.ok()) return rows.status();
    for (const Row& row : *rows) {
      std::string ancestor = row.Text(0);
      // A cycle (never stored by Replace) would repeat itself: stop there.
      if (ancestor == unit ||
          std::find(ancestors.begin(), ancestors.end(), ancestor) != ancestors.end()) {
        break;
      }
      ancestors.push_back(std::move(ancestor));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return ancestors;
}

absl::StatusOr<std::vector<UnitLink>> UnitDirectory::Links() const {
  absl::StatusOr<std::vector<UnitLink>> links;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    links = ReadLinks(tx);
    return links.status();
  });
  if (!status.ok()) return status;
  return links;
}

absl::StatusOr<bool> UnitDirectory::Replace(const std::vector<UnitLink>& links) {
  if (absl::Status s = ValidateLinks(links); !s.ok()) return s;
  const std::vector<UnitLink> wanted = Sorted(links);
  bool changed = false;
  absl::Status status = db_->Transact([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<UnitLink>> stored = ReadLinks(tx);
    if (!stored.ok()) return stored.status();
    if (SameLinks(*stored, wanted)) return absl::OkStatus();
    if (absl::StatusOr<int64_t> n = tx.Exec("DELETE FROM unit_tree"); !n.ok()) return n.status();
    for (size_t first = 0; first < wanted.size(); first += kInsertBatch) {
      const size_t last = std::min(wanted.size(), first + kInsertBatch);
      std::string sql = "INSERT INTO unit_tree (unit, parent) VALUES ";
      std::vector<Value> params;
      params.reserve(2 * (last - first));
      for (size_t i = first; i < last; ++i) {
        absl::StrAppend(&sql, i == first ? "" : ", ", "($", params.size() + 1, ", $",
                        params.size() + 2, ")");
        params.emplace_back(std::in_place_type<std::string>, wanted[i].unit);
        params.emplace_back(std::in_place_type<std::string>, wanted[i].parent);
      }
      if (absl::StatusOr<int64_t> n = tx.Exec(sql, params); !n.ok()) return n.status();
    }
    changed = true;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return changed;
}

absl::StatusOr<int> UnitDirectory::Size() const {
  int size = 0;
  absl::Status status = db_->Read([&](Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<Row>> rows = tx.Query("SELECT COUNT(*) FROM unit_tree");
    if (!rows.ok()) return rows.status();
    size = rows->empty() ? 0 : static_cast<int>(rows->front().Int(0));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return size;
}

UnitDirectoryService::UnitDirectoryService(UnitDirectory* directory, const auth::AccessGate* gate,
                                           audit::AuditLog* audit)
    : directory_(directory), gate_(gate), audit_(audit) {}

grpc::Status UnitDirectoryService::ReplaceUnitTree(grpc::ServerContext* context,
                                                   const cv1::ReplaceUnitTreeRequest* request,
                                                   cv1::ReplaceUnitTreeResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ReplaceUnitTree");
  if (!caller.ok()) return ToGrpcStatus(caller.status());

  std::vector<UnitLink> links;
  links.reserve(request->units_size());
  for (const cv1::UnitTreeEntry& entry : request->units()) {
    links.push_back(UnitLink{entry.unit(), entry.parent()});
  }
  if (absl::Status s = ValidateLinks(links); !s.ok()) return ToGrpcStatus(s);

  // An identical tree leaves no event. Comparing inside the transaction
  // keeps two identical pushes racing each other from both recording.
  bool unchanged = false;
  const std::string after = audit::Serialize(AsRequest(Sorted(links)));
  absl::Status status = audit_->Record(
      *caller, "unitTree",
      [&]() -> absl::StatusOr<std::string> {
        absl::StatusOr<std::vector<UnitLink>> stored = directory_->Links();
        if (!stored.ok()) return stored.status();
        if (stored->empty()) return std::string();
        return audit::Serialize(AsRequest(*stored));
      },
      [&]() -> absl::StatusOr<audit::Change> {
        absl::StatusOr<bool> changed = directory_->Replace(links);
        if (!changed.ok()) return changed.status();
        if (!*changed) {
          unchanged = true;
          return audit::NoChange();
        }
        return audit::Change{"unitTree", after};
      });
  if (!status.ok()) return ToGrpcStatus(status);
  if (!unchanged && on_change_) on_change_();
  response->set_unit_count(static_cast<int32_t>(links.size()));
  response->set_changed(!unchanged);
  return grpc::Status::OK;
}

std::unique_ptr<auth::AccessGate> NewUnitDirectoryGate(
    std::shared_ptr<const auth::Authenticator> authenticator) {
  return std::make_unique<auth::AccessGate>(
      cv1::UnitDirectory::service_full_name(),
      std::vector<auth::RpcRule>{{"ReplaceUnitTree", auth::Permission::kUnitsSync}},
      std::move(authenticator));
}

}  // namespace chiso::unitdir
