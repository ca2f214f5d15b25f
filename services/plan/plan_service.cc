#include "services/plan/plan_service.h"

#include <utility>

#include "common/status/grpc_status.h"

namespace chiso::plan {
namespace {

namespace cv1 = chiso::common::v1;

// The stored form of the plan `name` before a change, for its audit event.
std::function<absl::StatusOr<std::string>()> BeforeOf(PlanManager* manager, absl::string_view field,
                                                      const std::string& name) {
  return [manager, field, &name]() -> absl::StatusOr<std::string> {
    return audit::Before(manager->Find(field, name));
  };
}

}  // namespace

PlanServiceImpl::PlanServiceImpl(PlanManager* manager)
    : owned_gate_(NewPlanAccessGate(nullptr)),
      owned_audit_(std::make_unique<audit::AuditLog>(manager->database())),
      owned_units_(std::make_unique<unitdir::UnitDirectory>(manager->database())),
      manager_(manager),
      gate_(owned_gate_.get()),
      audit_(owned_audit_.get()),
      scope_(owned_units_.get()) {}

PlanServiceImpl::PlanServiceImpl(PlanManager* manager, const auth::AccessGate* gate,
                                 audit::AuditLog* audit, const unitdir::UnitDirectory* units)
    : manager_(manager), gate_(gate), audit_(audit), scope_(units) {}

PlanWrite PlanServiceImpl::WriteBy(const auth::Caller& caller, bool admit) const {
  PlanWrite write;
  write.defer_notify = true;
  if (!caller.Unrestricted()) {
    write.visible = [this, &caller](const Plan& plan) { return scope_.CheckVisible(caller, plan); };
    if (admit) {
      write.admit = [this, &caller](Plan& plan) { return scope_.CheckIssuer(caller, plan); };
    }
  }
  return write;
}

grpc::Status PlanServiceImpl::CreatePlan(grpc::ServerContext* context,
                                         const pb::CreatePlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "CreatePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  PlanWrite write = WriteBy(*caller, false);
  write.admit = [this, &caller](Plan& plan) { return scope_.PrepareNew(*caller, plan); };
  if (request->validate_only()) return ReplyWith(manager_->Create(*request, write), response);
  absl::StatusOr<Plan> created =
      audit_->Mutate<Plan>(*caller, "", nullptr, [&] { return manager_->Create(*request, write); });
  if (created.ok()) manager_->NotifyChanged(created->name());
  return ReplyWith(std::move(created), response);
}

grpc::Status PlanServiceImpl::GetPlan(grpc::ServerContext* context,
                                      const pb::GetPlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "GetPlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<Plan> plan = manager_->Get(*request);
  if (plan.ok()) {
    if (absl::Status s = scope_.CheckVisible(*caller, *plan); !s.ok()) return ToGrpcStatus(s);
  }
  return ReplyWith(std::move(plan), response);
}

grpc::Status PlanServiceImpl::ListPlans(grpc::ServerContext* context,
                                        const pb::ListPlansRequest* request,
                                        pb::ListPlansResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ListPlans");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(manager_->List(*request, PlanScope::ListScope(*caller)), response);
}

grpc::Status PlanServiceImpl::UpdatePlan(grpc::ServerContext* context,
                                         const pb::UpdatePlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "UpdatePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, true);
  const std::string& name = request->plan().name();
  absl::StatusOr<Plan> updated =
      audit_->Mutate<Plan>(*caller, name, BeforeOf(manager_, "plan.name", name),
                           [&] { return manager_->Update(*request, write); });
  if (updated.ok()) manager_->NotifyChanged(updated->name());
  return ReplyWith(std::move(updated), response);
}

grpc::Status PlanServiceImpl::DeletePlan(grpc::ServerContext* context,
                                         const pb::DeletePlanRequest* request,
                                         google::protobuf::Empty*) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "DeletePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, false);
  absl::StatusOr<google::protobuf::Empty> deleted = audit_->Mutate<google::protobuf::Empty>(
      *caller, request->name(), BeforeOf(manager_, "name", request->name()),
      [&]() -> absl::StatusOr<google::protobuf::Empty> {
        if (absl::Status s = manager_->Delete(*request, write); !s.ok()) return s;
        return google::protobuf::Empty();
      });
  if (deleted.ok()) manager_->NotifyChanged(request->name());
  return ToGrpcStatus(deleted.status());
}

grpc::Status PlanServiceImpl::IssuePlan(grpc::ServerContext* context,
                                        const pb::IssuePlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "IssuePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, false);
  absl::StatusOr<Plan> issued =
      audit_->Mutate<Plan>(*caller, request->name(), BeforeOf(manager_, "name", request->name()),
                           [&] { return manager_->Issue(*request, write); });
  if (issued.ok()) manager_->NotifyChanged(issued->name());
  return ReplyWith(std::move(issued), response);
}

grpc::Status PlanServiceImpl::ClosePlan(grpc::ServerContext* context,
                                        const pb::ClosePlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ClosePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, false);
  absl::StatusOr<Plan> closed =
      audit_->Mutate<Plan>(*caller, request->name(), BeforeOf(manager_, "name", request->name()),
                           [&] { return manager_->Close(*request, write); });
  if (closed.ok()) manager_->NotifyChanged(closed->name());
  return ReplyWith(std::move(closed), response);
}

grpc::Status PlanServiceImpl::ImportPlanDocument(grpc::ServerContext* context,
                                                 const pb::ImportPlanDocumentRequest* request,
                                                 pb::ImportPlanDocumentResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ImportPlanDocument");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // Parsing happens before, and outside, the audited transaction.
  absl::StatusOr<pb::ImportPlanDocumentResponse> parsed = manager_->ParseDocument(*request);
  if (!parsed.ok() || !request->commit()) return ReplyWith(std::move(parsed), response);
  PlanWrite write = WriteBy(*caller, false);
  write.admit = [this, &caller](Plan& plan) { return scope_.PrepareNew(*caller, plan); };
  absl::StatusOr<Plan> created = audit_->Mutate<Plan>(
      *caller, "", nullptr, [&] { return manager_->SaveImported(parsed->plan(), write); });
  if (!created.ok()) return ToGrpcStatus(created.status());
  manager_->NotifyChanged(created->name());
  *parsed->mutable_plan() = *std::move(created);
  *response = *std::move(parsed);
  return grpc::Status::OK;
}

grpc::Status PlanServiceImpl::ListAuditEvents(grpc::ServerContext* context,
                                              const cv1::ListAuditEventsRequest* request,
                                              cv1::ListAuditEventsResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ListAuditEvents");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(audit_->List(*request), response);
}

}  // namespace chiso::plan
