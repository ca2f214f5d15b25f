#include "services/plan/plan_access.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"

namespace chiso::plan {
namespace {

using auth::Permission;

absl::Status OutOfScope(const auth::Caller& caller, const std::string& unit) {
  return absl::PermissionDeniedError(
      absl::StrCat("plan.issuer.unit: ", unit.empty() ? std::string("an empty unit") : unit,
                   " is outside the scope of ", caller.principal.id, " (",
                   caller.principal.unit.empty() ? std::string("no unit") : caller.principal.unit,
                   " and the units below it)"));
}

}  // namespace

const std::vector<auth::RpcRule>& PlanRpcRules() {
  static const auto* rules = new std::vector<auth::RpcRule>{
      {"CreatePlan", Permission::kPlan},
      {"GetPlan", Permission::kRead},
      {"ListPlans", Permission::kRead},
      {"UpdatePlan", Permission::kPlan},
      {"DeletePlan", Permission::kPlan},
      {"IssuePlan", Permission::kPlan},
      {"ClosePlan", Permission::kPlan},
      {"ImportPlanDocument", Permission::kPlan},
      {"ListAuditEvents", Permission::kAuditRead},
  };
  return *rules;
}

std::unique_ptr<auth::AccessGate> NewPlanAccessGate(
    std::shared_ptr<const auth::Authenticator> authenticator) {
  return std::make_unique<auth::AccessGate>(chiso::plan::v1::PlanService::service_full_name(),
                                            PlanRpcRules(), std::move(authenticator));
}

absl::Status PlanScope::CheckVisible(const auth::Caller& caller,
                                     const chiso::plan::v1::Plan& plan) const {
  if (caller.Unrestricted()) return absl::OkStatus();
  absl::StatusOr<bool> in = auth::InScope(caller, *units_, plan.issuer().unit());
  if (!in.ok()) return in.status();
  if (*in) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(plan.name(), " not found"));
}

absl::Status PlanScope::PrepareNew(const auth::Caller& caller, chiso::plan::v1::Plan& plan) const {
  if (caller.Unrestricted()) return absl::OkStatus();
  if (plan.issuer().unit().empty()) plan.mutable_issuer()->set_unit(caller.principal.unit);
  return CheckIssuer(caller, plan);
}

absl::Status PlanScope::CheckIssuer(const auth::Caller& caller,
                                    const chiso::plan::v1::Plan& plan) const {
  if (caller.Unrestricted()) return absl::OkStatus();
  absl::StatusOr<bool> in = auth::InScope(caller, *units_, plan.issuer().unit());
  if (!in.ok()) return in.status();
  if (*in) return absl::OkStatus();
  return OutOfScope(caller, plan.issuer().unit());
}

std::optional<std::string> PlanScope::ListScope(const auth::Caller& caller) {
  if (caller.Unrestricted()) return std::nullopt;
  return caller.principal.unit;
}

}  // namespace chiso::plan
