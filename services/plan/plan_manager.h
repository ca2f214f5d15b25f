#ifndef CHISO_SERVICES_PLAN_PLAN_MANAGER_H_
#define CHISO_SERVICES_PLAN_PLAN_MANAGER_H_

// The plan service's operations, one per RPC, in domain terms: each takes
// the request message, applies the rules of plan_domain, uses the store, and
// returns absl::Status. The gRPC adapter only converts.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "services/plan/document/plan_document.h"
#include "services/plan/plan_metrics.h"
#include "services/plan/plan_store.h"

namespace chiso::plan {

namespace pb = chiso::plan::v1;

// What a caller of a writing operation adds to it (the service's scope
// rules, its transaction).
struct PlanWrite {
  // Runs first on the stored plan an operation changes (update, delete,
  // issue, close), inside the store's transaction: a non-OK status (e.g.
  // NOT_FOUND for a plan out of the caller's scope) ends the operation.
  std::function<absl::Status(const Plan&)> visible;
  // Runs on the plan as it is about to be stored, validated and normalised
  // (create, update, issue; import with commit): may adjust or refuse it.
  std::function<absl::Status(Plan&)> admit;
  // The caller runs the write inside a transaction of its own and calls
  // NotifyChanged once that committed; otherwise the operation does.
  bool defer_notify = false;
};

class PlanManager {
 public:
  // None of the arguments is owned; all must outlive the manager. `metrics`
  // may be null.
  PlanManager(PlanStore* store, const Catalog* catalog, const civil::Clock* clock, IdGenerator* ids,
              PlanMetrics* metrics);

  absl::StatusOr<Plan> Create(const pb::CreatePlanRequest& request, const PlanWrite& write = {});
  absl::StatusOr<Plan> Get(const pb::GetPlanRequest& request);
  // `within_unit`: only plans whose issuer unit lies in that unit's subtree
  // (PlanQuery::within_unit).
  absl::StatusOr<pb::ListPlansResponse> List(
      const pb::ListPlansRequest& request,
      const std::optional<std::string>& within_unit = std::nullopt);
  absl::StatusOr<Plan> Update(const pb::UpdatePlanRequest& request, const PlanWrite& write = {});
  absl::Status Delete(const pb::DeletePlanRequest& request, const PlanWrite& write = {});
  absl::StatusOr<Plan> Issue(const pb::IssuePlanRequest& request, const PlanWrite& write = {});
  absl::StatusOr<Plan> Close(const pb::ClosePlanRequest& request, const PlanWrite& write = {});
  // Parses a plan document (document/plan_document.h). Without `commit`
  // nothing is stored, and a draft that could not be saved as it stands gets
  // a NOT_SAVABLE warning naming what is missing. With `commit` the draft is
  // created as by Create; when it cannot be, FAILED_PRECONDITION quotes the
  // rule (e.g. no issuer: pass `issuer`), and ALREADY_EXISTS is passed on.
  absl::StatusOr<pb::ImportPlanDocumentResponse> Import(
      const pb::ImportPlanDocumentRequest& request);
  // Import in two steps, so that the parsing (slow for a large document)
  // happens outside any transaction: ParseDocument reads the document (with
  // the NOT_SAVABLE warning when the request has no `commit`) and stores
  // nothing; SaveImported creates the draft it found, as Import does.
  absl::StatusOr<pb::ImportPlanDocumentResponse> ParseDocument(
      const pb::ImportPlanDocumentRequest& request) const;
  absl::StatusOr<Plan> SaveImported(const Plan& draft, const PlanWrite& write = {});

  // The stored plan `name` ("plans/{id}"); a malformed name is
  // INVALID_ARGUMENT naming `field`, as the operations do.
  absl::StatusOr<Plan> Find(absl::string_view field, absl::string_view name);

  // The database of the plans (PlanStore::database).
  storage::Database* database() const { return store_->database(); }

  // Re-reads the counts behind the domain metrics; returns the store's
  // status, so it doubles as the health check.
  absl::Status RefreshMetrics();

  // Called with the plan's name ("plans/{id}") after every committed change
  // of it, e.g. to sync its report reminders. Set before serving.
  void SetChangeListener(std::function<void(const std::string& plan_name)> listener) {
    on_change_ = std::move(listener);
  }

  // Refreshes the metrics and tells the change listener about `plan_name`:
  // what every operation does after its write, unless PlanWrite said
  // defer_notify.
  void NotifyChanged(const std::string& plan_name);

 private:
  void AfterWrite(const std::string& plan_name, const PlanWrite& write);

  PlanStore* store_;
  const Catalog* catalog_;
  const document::DocumentImporter importer_;
  const civil::Clock* clock_;
  IdGenerator* ids_;
  PlanMetrics* metrics_;
  std::function<void(const std::string&)> on_change_;
};

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_MANAGER_H_
