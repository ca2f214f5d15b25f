#include "common/auth/access.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/security/auth_context.h"

namespace chiso::auth {
namespace {

// The roles that grant `permission`. "system" grants through scopes only;
// units.sync is granted through scopes only (chiso's assignment service).
bool RoleGrants(Role role, Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return role == Role::kViewer || role == Role::kReporter || role == Role::kPlanner ||
             role == Role::kAdministrator;
    case Permission::kReport:
      return role == Role::kReporter || role == Role::kPlanner || role == Role::kAdministrator;
    case Permission::kPlan:
    case Permission::kScore:
      return role == Role::kPlanner || role == Role::kAdministrator;
    case Permission::kAdminister:
    case Permission::kAuditRead:
      return role == Role::kAdministrator;
    case Permission::kUnitsSync:
      return false;
  }
  return false;
}

constexpr Role kHumanRoles[] = {Role::kViewer, Role::kReporter, Role::kPlanner,
                                Role::kAdministrator};

constexpr char kAuthorizationHeader[] = "authorization";

std::string Metadata(const grpc::ServerContextBase& context, absl::string_view key, int* count) {
  const auto& md = context.client_metadata();
  auto range = md.equal_range(grpc::string_ref(key.data(), key.size()));
  std::string value;
  *count = 0;
  for (auto it = range.first; it != range.second; ++it) {
    ++*count;
    value.assign(it->second.data(), it->second.size());
  }
  return value;
}

std::string ClientCertificateName(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "";
  std::vector<grpc::string_ref> names = auth->FindPropertyValues("x509_common_name");
  if (names.empty()) return "";
  std::string name(names.front().data(), names.front().size());
  // Only printable ASCII reaches logs and audit records.
  if (!IsPrintableToken(name, 256)) {
    for (char& c : name) {
      if (c < 0x20 || c > 0x7E) c = '?';
    }
  }
  return name;
}

}  // namespace

absl::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return "read";
    case Permission::kReport:
      return "report";
    case Permission::kPlan:
      return "plan";
    case Permission::kScore:
      return "score";
    case Permission::kAdminister:
      return "administer";
    case Permission::kAuditRead:
      return "audit.read";
    case Permission::kUnitsSync:
      return "units.sync";
  }
  return "unknown";
}

std::string RolesGranting(Permission permission) {
  std::vector<std::string> names;
  for (Role role : kHumanRoles) {
    if (RoleGrants(role, permission)) names.emplace_back(RoleName(role));
  }
  names.push_back(absl::StrCat("a system granted \"", PermissionName(permission), "\""));
  if (names.size() == 1) return names.front();
  std::string last = names.back();
  names.pop_back();
  return absl::StrCat(absl::StrJoin(names, ", "), " or ", last);
}

bool Caller::Has(Permission permission) const {
  if (anonymous) return true;
  // Rewriting a copy of the unit tree would widen its writer's scope: only
  // chiso's own services may, whatever a system was granted.
  if (permission == Permission::kUnitsSync && principal.kind != Principal::Kind::kService) {
    return false;
  }
  for (Role role : principal.roles) {
    if (RoleGrants(role, permission)) return true;
  }
  return principal.HasRole(Role::kSystem) && principal.HasScope(PermissionName(permission));
}

bool Caller::Unrestricted() const {
  return anonymous || principal.kind == Principal::Kind::kService ||
         principal.HasRole(Role::kAdministrator);
}

Caller AnonymousCaller(absl::string_view rpc) {
  Caller caller;
  caller.anonymous = true;
  caller.principal.id = "anonymous";
  caller.rpc = std::string(rpc);
  return caller;
}

absl::StatusOr<bool> InScope(const Caller& caller, const UnitTree& tree, absl::string_view unit) {
  if (caller.Unrestricted()) return true;
  if (unit.empty() || caller.principal.unit.empty()) return false;
  if (unit == caller.principal.unit) return true;
  return tree.Contains(caller.principal.unit, unit);
}

AccessGate::AccessGate(std::string service_full_name, std::vector<RpcRule> rules,
                       std::shared_ptr<const Authenticator> authenticator)
    : service_full_name_(std::move(service_full_name)),
      rules_(std::move(rules)),
      authenticator_(std::move(authenticator)) {}

absl::StatusOr<Caller> AccessGate::Admit(const grpc::ServerContextBase& context,
                                         absl::string_view method) const {
  const RpcRule* rule = nullptr;
  for (const RpcRule& r : rules_) {
    if (r.method == method) {
      rule = &r;
      break;
    }
  }
  if (rule == nullptr) {
    return absl::InternalError(
        absl::StrCat("no access rule for ", service_full_name_, "/", method));
  }
  Caller caller;
  caller.rpc = absl::StrCat(service_full_name_, "/", method);
  caller.request_id = RequestIdOf(context);
  caller.client_certificate = ClientCertificateName(context);
  if (authenticator_ == nullptr) {
    caller.anonymous = true;
    caller.principal.id = "anonymous";
    return caller;
  }
  int count = 0;
  std::string authorization = Metadata(context, kAuthorizationHeader, &count);
  if (count > 1) {
    return absl::UnauthenticatedError("more than one authorization header");
  }
  absl::StatusOr<Principal> principal = authenticator_->Authenticate(authorization);
  if (!principal.ok()) {
    return absl::UnauthenticatedError(principal.status().message());
  }
  caller.principal = *std::move(principal);
  if (!caller.Has(rule->permission)) {
    std::string has = FormatRoles(caller.principal.roles);
    if (!caller.principal.scopes.empty()) {
      absl::StrAppend(&has, has.empty() ? "" : "; ", "scopes ",
                      absl::StrJoin(caller.principal.scopes, " "));
    }
    return absl::PermissionDeniedError(
        absl::StrCat(method, " needs the permission \"", PermissionName(rule->permission), "\" (",
                     RolesGranting(rule->permission), "); ", caller.principal.id, " has ",
                     has.empty() ? "no role" : has));
  }
  return caller;
}

absl::Status AccessGate::CheckRules(const google::protobuf::ServiceDescriptor& service) const {
  std::vector<std::string> problems;
  if (service.full_name() != service_full_name_) {
    problems.push_back(
        absl::StrCat("the gate is for ", service_full_name_, ", not ", service.full_name()));
  }
  std::set<std::string> seen;
  for (const RpcRule& rule : rules_) {
    if (!seen.insert(rule.method).second) {
      problems.push_back(absl::StrCat(rule.method, " has more than one rule"));
    }
    if (service.FindMethodByName(rule.method) == nullptr) {
      problems.push_back(absl::StrCat(rule.method, " is not a method of ", service.full_name()));
    }
  }
  for (int i = 0; i < service.method_count(); ++i) {
    if (seen.count(service.method(i)->name()) == 0) {
      problems.push_back(absl::StrCat(service.method(i)->name(), " has no rule"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  // The last printable one: the server adds its own after one it refused.
  const auto& md = context.client_metadata();
  auto range = md.equal_range(grpc::string_ref(kRequestIdHeader));
  std::string id;
  for (auto it = range.first; it != range.second; ++it) {
    absl::string_view value(it->second.data(), it->second.size());
    if (IsPrintableToken(value, 128)) id = std::string(value);
  }
  return id;
}

}  // namespace chiso::auth
