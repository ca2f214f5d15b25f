#include "services/plan/plan_service.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

PlanWrite PlanServiceImpl::WriteBy(const auth::Caller& caller, Admission admission) const {
  PlanWrite write;
  write.defer_notify = true;
  if (admission == Admission::kNew) {
    write.admit = [this, &caller](Plan& plan) {
      if (absl::Status s = scope_.PrepareNew(caller, plan); !s.ok()) return s;
      return CheckSupersedes(caller, plan);
    };
  }
  if (!caller.Unrestricted()) {
    write.visible = [this, &caller](const Plan& plan) { return scope_.CheckVisible(caller, plan); };
    if (admission == Admission::kExisting) {
      write.admit = [this, &caller](Plan& plan) {
        if (absl::Status s = scope_.CheckIssuer(caller, plan); !s.ok()) return s;
        return CheckSupersedes(caller, plan);
      };
    }
  }
  return write;
}

absl::Status PlanServiceImpl::CheckSupersedes(const auth::Caller& caller, const Plan& plan) const {
  if (caller.Unrestricted() || plan.supersedes().empty()) return absl::OkStatus();
  pb::GetPlanRequest get;
  get.set_name(plan.supersedes());
  absl::StatusOr<Plan> superseded = manager_->Get(get);
  absl::Status visible =
      superseded.ok() ? scope_.CheckVisible(caller, *superseded) : superseded.status();
  if (visible.ok()) return absl::OkStatus();
  if (!absl::IsNotFound(visible)) return visible;
  // Word for word the store's answer for a plan that does not exist.
  return absl::NotFoundError(absl::StrCat("plan.supersedes: ", plan.supersedes(), " not found"));
}

// For a restricted caller, an error names no plan but those of its request:
// another plan it names (the holder of a number, a successor) may lie
// outside the caller's scope, where plans do not exist for it.
absl::Status PlanServiceImpl::Conceal(const auth::Caller& caller, absl::Status status,
                                      const google::protobuf::Message& request) {
  if (status.ok() || caller.Unrestricted()) return status;
  const std::string message(status.message());
  const std::string sent = request.ShortDebugString();
  std::string out;
  size_t at = 0;
  for (size_t found; (found = message.find("plans/", at)) != std::string::npos;) {
    size_t end = found + 6;
    while (end < message.size() && (absl::ascii_isalnum(static_cast<unsigned char>(message[end])) ||
                                    message[end] == '-' || message[end] == '_')) {
      ++end;
    }
    absl::StrAppend(&out, message.substr(at, found - at));
    const absl::string_view name(message.data() + found, end - found);
    const bool known = end == found + 6 || absl::StrContains(sent, absl::StrCat("\"", name, "\""));
    absl::StrAppend(&out, known ? name : "another plan");
    at = end;
  }
  absl::StrAppend(&out, message.substr(at));
  return absl::Status(status.code(), out);
}

grpc::Status PlanServiceImpl::CreatePlan(grpc::ServerContext* context,
                                         const pb::CreatePlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "CreatePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, Admission::kNew);
  absl::StatusOr<Plan> created = request->validate_only()
                                     ? manager_->Create(*request, write)
                                     : audit_->Mutate<Plan>(*caller, "", nullptr, [&] {
                                         return manager_->Create(*request, write);
                                       });
  if (!created.ok()) return ToGrpcStatus(Conceal(*caller, created.status(), *request));
  if (!request->validate_only()) manager_->NotifyChanged(created->name());
  *response = *std::move(created);
  return grpc::Status::OK;
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
  const PlanWrite write = WriteBy(*caller, Admission::kExisting);
  const std::string& name = request->plan().name();
  absl::StatusOr<Plan> updated =
      audit_->Mutate<Plan>(*caller, name, BeforeOf(manager_, "plan.name", name),
                           [&] { return manager_->Update(*request, write); });
  if (!updated.ok()) return ToGrpcStatus(Conceal(*caller, updated.status(), *request));
  manager_->NotifyChanged(updated->name());
  *response = *std::move(updated);
  return grpc::Status::OK;
}

grpc::Status PlanServiceImpl::DeletePlan(grpc::ServerContext* context,
                                         const pb::DeletePlanRequest* request,
                                         google::protobuf::Empty*) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "DeletePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, Admission::kNone);
  absl::StatusOr<google::protobuf::Empty> deleted = audit_->Mutate<google::protobuf::Empty>(
      *caller, request->name(), BeforeOf(manager_, "name", request->name()),
      [&]() -> absl::StatusOr<google::protobuf::Empty> {
        if (absl::Status s = manager_->Delete(*request, write); !s.ok()) return s;
        return google::protobuf::Empty();
      });
  if (deleted.ok()) manager_->NotifyChanged(request->name());
  return ToGrpcStatus(Conceal(*caller, deleted.status(), *request));
}

grpc::Status PlanServiceImpl::IssuePlan(grpc::ServerContext* context,
                                        const pb::IssuePlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "IssuePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, Admission::kNone);
  absl::StatusOr<Plan> issued =
      audit_->Mutate<Plan>(*caller, request->name(), BeforeOf(manager_, "name", request->name()),
                           [&] { return manager_->Issue(*request, write); });
  if (!issued.ok()) return ToGrpcStatus(Conceal(*caller, issued.status(), *request));
  manager_->NotifyChanged(issued->name());
  *response = *std::move(issued);
  return grpc::Status::OK;
}

grpc::Status PlanServiceImpl::ClosePlan(grpc::ServerContext* context,
                                        const pb::ClosePlanRequest* request, Plan* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ClosePlan");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const PlanWrite write = WriteBy(*caller, Admission::kNone);
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
  const PlanWrite write = WriteBy(*caller, Admission::kNew);
  absl::StatusOr<Plan> created = audit_->Mutate<Plan>(
      *caller, "", nullptr, [&] { return manager_->SaveImported(parsed->plan(), write); });
  if (!created.ok()) return ToGrpcStatus(Conceal(*caller, created.status(), parsed->plan()));
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
