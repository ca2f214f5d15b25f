#ifndef CHISO_SERVICES_PLAN_PLAN_MANAGER_H_
#define CHISO_SERVICES_PLAN_PLAN_MANAGER_H_

// The plan service's operations, one per RPC, in domain terms: each takes
// the request message, applies the rules of plan_domain, uses the store, and
// returns absl::Status. The gRPC adapter only converts.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "services/plan/document/plan_document.h"
#include "services/plan/plan_metrics.h"
#include "services/plan/plan_store.h"

namespace chiso::plan {

namespace pb = chiso::plan::v1;

class PlanManager {
 public:
  // None of the arguments is owned; all must outlive the manager. `metrics`
  // may be null.
  PlanManager(PlanStore* store, const Catalog* catalog, const civil::Clock* clock, IdGenerator* ids,
              PlanMetrics* metrics);

  absl::StatusOr<Plan> Create(const pb::CreatePlanRequest& request);
  absl::StatusOr<Plan> Get(const pb::GetPlanRequest& request);
  absl::StatusOr<pb::ListPlansResponse> List(const pb::ListPlansRequest& request);
  absl::StatusOr<Plan> Update(const pb::UpdatePlanRequest& request);
  absl::Status Delete(const pb::DeletePlanRequest& request);
  absl::StatusOr<Plan> Issue(const pb::IssuePlanRequest& request);
  absl::StatusOr<Plan> Close(const pb::ClosePlanRequest& request);
  // Parses a plan document (document/plan_document.h). Without `commit`
  // nothing is stored, and a draft that could not be saved as it stands gets
  // a NOT_SAVABLE warning naming what is missing. With `commit` the draft is
  // created as by Create; when it cannot be, FAILED_PRECONDITION quotes the
  // rule (e.g. no issuer: pass `issuer`), and ALREADY_EXISTS is passed on.
  absl::StatusOr<pb::ImportPlanDocumentResponse> Import(
      const pb::ImportPlanDocumentRequest& request);

  // Re-reads the counts behind the domain metrics; returns the store's
  // status, so it doubles as the health check.
  absl::Status RefreshMetrics();

  // Called with the plan's name ("plans/{id}") after every committed change
  // of it, e.g. to sync its report reminders. Set before serving.
  void SetChangeListener(std::function<void(const std::string& plan_name)> listener) {
    on_change_ = std::move(listener);
  }

 private:
  void AfterWrite(const std::string& plan_name);

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
