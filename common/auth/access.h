#ifndef CHISO_COMMON_AUTH_ACCESS_H_
#define CHISO_COMMON_AUTH_ACCESS_H_

// Authorization: what a caller may do, checked the same way by every service.
//
// Each service lists, in one table next to its domain, the permission every
// RPC needs (an RpcRule per method; a test checks that the table covers the
// service). Its handlers begin with AccessGate::Admit, which
//  - authenticates the "authorization" metadata (UNAUTHENTICATED when it is
//    missing or bad),
//  - checks the method's permission against the caller's roles and scopes
//    (PERMISSION_DENIED naming what is missing),
// and returns the Caller. The handler then checks the resource against the
// caller's scope (InScope): a resource outside it answers exactly as a
// missing one, NOT_FOUND.
//
// Permissions, and the roles that grant them:
//
//   read          read resources in scope         viewer reporter planner administrator
//   report        progress reports and completion reporter planner administrator
//                 (reporters: only tasks their unit leads or coordinates)
//   plan          plans, tasks, units, people     planner administrator
//   score         record index results            planner administrator
//   administer    frameworks, ending and merging  administrator
//                 units, webhooks, the queue
//   audit.read    the audit trail                 administrator
//   units.sync    push the unit tree              (services granted it; never
//                                                  a system or a person)
//
// A principal with the role "system" has exactly the permissions named in
// its scopes. Scope: administrators, chiso's own services (kind "service")
// and anonymous callers (authentication off) are unrestricted; everyone else
// sees and changes only resources of their unit's subtree.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/authenticator.h"
#include "common/auth/principal.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/server_context.h"

namespace chiso::auth {

enum class Permission {
  kRead,        // "read"
  kReport,      // "report"
  kPlan,        // "plan"
  kScore,       // "score"
  kAdminister,  // "administer"
  kAuditRead,   // "audit.read"
  kUnitsSync,   // "units.sync"
};

// "read", "report", … (the scope name a system principal is granted).
absl::string_view PermissionName(Permission permission);

// The roles that grant `permission`, for messages: "planner or administrator".
std::string RolesGranting(Permission permission);

// Who is calling, as Admit found it.
struct Caller {
  Principal principal;
  // True when authentication is off (local development): the caller is then
  // "anonymous" and may do everything.
  bool anonymous = false;
  // The request id of the call (x-request-id, or the one the server made).
  std::string request_id;
  // Subject common name of the verified TLS client certificate; empty
  // without mutual TLS.
  std::string client_certificate;
  // "chiso.plan.v1.PlanService/UpdatePlan".
  std::string rpc;

  // Has the permission through a role or (role system) a scope.
  bool Has(Permission permission) const;
  // Sees every unit: administrators, services, anonymous callers.
  bool Unrestricted() const;
};

// A caller with every permission and no scope limit, for calls a service
// makes on its own behalf inside its process (tests, background jobs).
Caller AnonymousCaller(absl::string_view rpc = "");

// The unit tree as a service can see it: the assignment service's own units,
// or the copy other services keep (common/unitdir).
class UnitTree {
 public:
  virtual ~UnitTree() = default;
  // True when `unit` is `ancestor` or lies below it. Unknown units are in
  // no subtree but their own. Errors: those of the storage (UNAVAILABLE).
  virtual absl::StatusOr<bool> Contains(absl::string_view ancestor,
                                        absl::string_view unit) const = 0;
};

// True when `unit` ("units/{id}") is in the caller's scope: always for an
// unrestricted caller; otherwise when it lies in the subtree of the caller's
// unit. An empty unit is in no restricted caller's scope.
absl::StatusOr<bool> InScope(const Caller& caller, const UnitTree& tree, absl::string_view unit);

// The permission one RPC needs.
struct RpcRule {
  std::string method;  // the method's name in the service, "UpdatePlan"
  Permission permission;
};

class AccessGate {
 public:
  // `service_full_name`: "chiso.plan.v1.PlanService". `authenticator` null
  // turns authentication off: every caller is anonymous (local development
  // only; services refuse this unless --auth=off is given).
  AccessGate(std::string service_full_name, std::vector<RpcRule> rules,
             std::shared_ptr<const Authenticator> authenticator);

  // Authenticates the caller of `context` and checks the permission of
  // `method`. Errors: UNAUTHENTICATED (no or bad credential); PERMISSION_DENIED
  // ("UpdateFramework needs the permission \"administer\" (administrator);
  // people/x has planner"); INTERNAL for a method without a rule.
  absl::StatusOr<Caller> Admit(const grpc::ServerContextBase& context,
                               absl::string_view method) const;

  // OK when the rules name each method of `service` exactly once and nothing
  // else; INVALID_ARGUMENT listing the differences.
  absl::Status CheckRules(const google::protobuf::ServiceDescriptor& service) const;

  bool authentication_on() const { return authenticator_ != nullptr; }
  const std::string& service_full_name() const { return service_full_name_; }

 private:
  std::string service_full_name_;
  std::vector<RpcRule> rules_;
  std::shared_ptr<const Authenticator> authenticator_;
};

// Metadata key of the request id (the server interceptor adds one when the
// caller sent none, and returns it in the response's initial metadata).
inline constexpr char kRequestIdHeader[] = "x-request-id";

// The request id of the call: its "x-request-id" metadata.
std::string RequestIdOf(const grpc::ServerContextBase& context);

}  // namespace chiso::auth

#endif  // CHISO_COMMON_AUTH_ACCESS_H_
