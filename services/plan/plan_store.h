#ifndef CHISO_SERVICES_PLAN_PLAN_STORE_H_
#define CHISO_SERVICES_PLAN_PLAN_STORE_H_

// Persistence of plans behind a narrow interface. The store keeps each plan
// whole (its protobuf encoding) plus the columns it filters and enforces
// uniqueness on; those come from plan_domain's KeysOf. It knows no business
// rules: callers pass them in as callbacks that run inside the transaction.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/storage/database.h"

namespace chiso::plan {

using chiso::plan::v1::Plan;
using chiso::plan::v1::PlanStatus;

// Which plans to list; every set field must match.
struct PlanQuery {
  std::string issuer_unit;      // exact unit resource name
  std::string issuer_name_key;  // substring of the issuer's MatchKey
  int year = 0;                 // within the plan's years
  std::string framework;        // has an objective on this index
  std::vector<PlanStatus> statuses;
  // Only plans whose issuer unit lies in this unit's subtree (the unit_tree
  // of common/unitdir); an empty unit matches nothing. Unset: any plan.
  std::optional<std::string> within_unit;
  std::string after_id;  // keyset cursor: ids greater than this
  int limit = 50;
};

struct PlanPage {
  std::vector<Plan> plans;
  bool more = false;  // plans exist beyond this page
};

class PlanStore {
 public:
  virtual ~PlanStore() = default;

  // Inserts a new plan (its name already assigned). Errors: AlreadyExists
  // when its number is taken for the issuer and year (the message names the
  // plan holding it); NotFound when `supersedes` names no plan.
  virtual absl::StatusOr<Plan> Create(const Plan& plan) = 0;
  // Reports, without writing, what Create would refuse: AlreadyExists or
  // NotFound as above; OK otherwise (a concurrent writer may still win).
  virtual absl::Status CheckConflicts(const Plan& plan) = 0;
  // Errors: NotFound "plans/{id} not found".
  virtual absl::StatusOr<Plan> Get(const std::string& id) = 0;
  // Reads the plan, lets `mutate` change it, and writes it back, all in one
  // transaction; etag and update bookkeeping are the store's. A non-OK status
  // from `mutate` aborts and is returned. `mutate` must not call the store.
  // Errors: NotFound (the plan, or the plan `supersedes` names),
  // AlreadyExists (number taken), Aborted (another writer changed the plan
  // in between).
  virtual absl::StatusOr<Plan> Update(const std::string& id,
                                      const std::function<absl::Status(Plan&)>& mutate) = 0;
  // Deletes the plan if `check` allows it, in one transaction. Errors:
  // NotFound; FailedPrecondition when another plan supersedes it.
  virtual absl::Status Delete(const std::string& id,
                              const std::function<absl::Status(const Plan&)>& check) = 0;
  // Plans matching `query`, ordered by id (creation order).
  virtual absl::StatusOr<PlanPage> List(const PlanQuery& query) = 0;
  // Number of plans per status.
  virtual absl::StatusOr<std::map<PlanStatus, int64_t>> CountByStatus() = 0;
  // The database the plans are kept in, which also holds the service's
  // audit trail and unit tree.
  virtual storage::Database* database() const = 0;
};

// The schema of the plan service, per dialect: the plans, then the unit tree
// (common/unitdir) and the audit trail (common/audit).
const std::vector<storage::Migration>& PlanMigrations();

// A PlanStore on `db` (migrated by the caller with PlanMigrations()).
std::unique_ptr<PlanStore> NewSqlPlanStore(storage::Database* db);

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_STORE_H_
