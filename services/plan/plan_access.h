#ifndef CHISO_SERVICES_PLAN_PLAN_ACCESS_H_
#define CHISO_SERVICES_PLAN_PLAN_ACCESS_H_

// Who may do what with plans: the permission of every PlanService RPC and
// the scope rules of plans (common/auth/access.h).
//
// A plan belongs to its issuer's unit (Plan.issuer.unit). Administrators,
// chiso's services and anonymous callers (authentication off) see every
// plan; everyone else sees and changes only the plans whose issuer unit lies
// in the subtree of their own unit, as the service's copy of the unit tree
// (common/unitdir) says. A plan without an issuer unit is visible only to
// unrestricted callers. A plan outside the caller's scope answers exactly as
// a missing one: NOT_FOUND "plans/{id} not found".
//
//   RPC                  permission   scope
//   GetPlan, ListPlans   read         the plan's issuer unit in scope;
//                                     ListPlans lists only those
//   CreatePlan           plan         issuer.unit in scope (a restricted
//                                     caller's empty issuer.unit becomes
//                                     their own unit)
//   UpdatePlan           plan         the plan in scope, and its issuer.unit
//                                     after the change
//   DeletePlan, IssuePlan,
//   ClosePlan            plan         the plan in scope
//   ImportPlanDocument   plan         with `commit`, as CreatePlan. Parsing
//                                     alone stores nothing, but reading an
//                                     uploaded document of up to 20 MiB costs
//                                     real CPU and memory, so it is kept to
//                                     those who may write plans.
//   ListAuditEvents      audit.read

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/auth/access.h"

namespace chiso::plan {

// The rule of every PlanService method, ListAuditEvents included.
const std::vector<auth::RpcRule>& PlanRpcRules();

// The gate of the plan service; `authenticator` null turns authentication
// off (every caller anonymous).
std::unique_ptr<auth::AccessGate> NewPlanAccessGate(
    std::shared_ptr<const auth::Authenticator> authenticator);

// The scope rules of plans for one caller.
class PlanScope {
 public:
  // `units` must outlive the scope.
  explicit PlanScope(const auth::UnitTree* units) : units_(units) {}

  // OK when `caller` may see `plan`. Errors: NOT_FOUND "plans/{id} not
  // found", word for word what the store answers for a missing plan; those
  // of the unit tree (never treated as allowed).
  absl::Status CheckVisible(const auth::Caller& caller, const chiso::plan::v1::Plan& plan) const;

  // For a plan about to be created by `caller`: a restricted caller's plan
  // without an issuer unit gets the caller's unit; the issuer unit must then
  // be in scope. Errors: PERMISSION_DENIED naming the unit and the scope.
  absl::Status PrepareNew(const auth::Caller& caller, chiso::plan::v1::Plan& plan) const;

  // For a plan as an update would store it: its issuer unit must be in the
  // caller's scope. Errors: PERMISSION_DENIED naming the unit and the scope.
  absl::Status CheckIssuer(const auth::Caller& caller, const chiso::plan::v1::Plan& plan) const;

  // The unit whose subtree a listing is limited to: nullopt for an
  // unrestricted caller, else the caller's unit (empty: nothing is visible).
  static std::optional<std::string> ListScope(const auth::Caller& caller);

 private:
  const auth::UnitTree* units_;
};

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_ACCESS_H_
