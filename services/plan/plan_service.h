#ifndef CHISO_SERVICES_PLAN_PLAN_SERVICE_H_
#define CHISO_SERVICES_PLAN_PLAN_SERVICE_H_

// The gRPC adapter of the plan service: each method admits the caller
// (plan_access.h), calls PlanManager within the caller's scope, records every
// change in the audit trail, and converts its absl::Status.

#include <memory>

#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "common/unitdir/unit_directory.h"
#include "services/plan/plan_access.h"
#include "services/plan/plan_manager.h"

namespace chiso::plan {

class PlanServiceImpl final : public chiso::plan::v1::PlanService::Service {
 public:
  // Authentication off (every caller anonymous and unrestricted), changes
  // audited in the manager's database (which must carry PlanMigrations()).
  // `manager` is not owned and must outlive the service.
  explicit PlanServiceImpl(PlanManager* manager);

  // None is owned; all must outlive the service. `gate` is
  // NewPlanAccessGate's; `audit` and `units` work on the manager's database
  // (ListPlans joins its unit_tree).
  PlanServiceImpl(PlanManager* manager, const auth::AccessGate* gate, audit::AuditLog* audit,
                  const unitdir::UnitDirectory* units);

  grpc::Status CreatePlan(grpc::ServerContext* context, const pb::CreatePlanRequest* request,
                          Plan* response) override;
  grpc::Status GetPlan(grpc::ServerContext* context, const pb::GetPlanRequest* request,
                       Plan* response) override;
  grpc::Status ListPlans(grpc::ServerContext* context, const pb::ListPlansRequest* request,
                         pb::ListPlansResponse* response) override;
  grpc::Status UpdatePlan(grpc::ServerContext* context, const pb::UpdatePlanRequest* request,
                          Plan* response) override;
  grpc::Status DeletePlan(grpc::ServerContext* context, const pb::DeletePlanRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status IssuePlan(grpc::ServerContext* context, const pb::IssuePlanRequest* request,
                         Plan* response) override;
  grpc::Status ClosePlan(grpc::ServerContext* context, const pb::ClosePlanRequest* request,
                         Plan* response) override;
  grpc::Status ImportPlanDocument(grpc::ServerContext* context,
                                  const pb::ImportPlanDocumentRequest* request,
                                  pb::ImportPlanDocumentResponse* response) override;
  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const chiso::common::v1::ListAuditEventsRequest* request,
                               chiso::common::v1::ListAuditEventsResponse* response) override;

 private:
  // The PlanWrite of a change by `caller`: the plan must be visible to it,
  // the stored result in its scope (when `admit`), notification deferred to
  // after the audited transaction.
  // What a write checks of the plan it stores, for `caller`: nothing more
  // (kNone), an existing plan's issuer and supersedes staying in scope
  // (kExisting), a new plan's (kNew, which also gives a restricted caller's
  // plan its unit).
  enum class Admission { kNone, kExisting, kNew };
  PlanWrite WriteBy(const auth::Caller& caller, Admission admission) const;
  // A restricted caller may point `supersedes` only at a plan it can see; a
  // hidden one answers as a missing one.
  absl::Status CheckSupersedes(const auth::Caller& caller, const Plan& plan) const;
  static absl::Status Conceal(const auth::Caller& caller, absl::Status status,
                              const google::protobuf::Message& request);

  // Defaults of the one-argument constructor.
  std::unique_ptr<auth::AccessGate> owned_gate_;
  std::unique_ptr<audit::AuditLog> owned_audit_;
  std::unique_ptr<unitdir::UnitDirectory> owned_units_;

  PlanManager* manager_;
  const auth::AccessGate* gate_;
  audit::AuditLog* audit_;
  PlanScope scope_;
};

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_SERVICE_H_
