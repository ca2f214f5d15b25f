#ifndef CHISO_COMMON_AUTH_PRINCIPAL_H_
#define CHISO_COMMON_AUTH_PRINCIPAL_H_

// Who is calling: the identity a bearer credential (a signed JWT or an API
// key, see jwt.h, api_keys.h and authenticator.h) stands for. docs/SECURITY.md
// describes the model; authorization (what each role may do) is not here.

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chiso::auth {

enum class Role {
  kAdministrator,  // "administrator"
  kPlanner,        // "planner"
  kReporter,       // "reporter"
  kViewer,         // "viewer"
  kSystem,         // "system": another system; what it may do is in its scopes
};

struct Principal {
  enum class Kind {
    kPerson,   // "person": a civil servant at a unit
    kSystem,   // "system": another government system acting for a unit
    kService,  // "service": one of chiso's own services or jobs
  };

  std::string id;  // the JWT "sub" or the API key's principal id
  Kind kind = Kind::kPerson;
  std::string unit;  // "units/<id>"; may be empty only for services
  std::set<Role> roles;
  std::set<std::string> scopes;  // granted scopes (system principals)
  // Which credential authenticated the caller, for audit logs; never secret:
  // "jwt:<kid>" ("jwt:<iss>" when the token had no kid) or "api-key:<key id>".
  std::string credential;

  bool HasRole(Role role) const { return roles.count(role) > 0; }
  bool HasScope(absl::string_view scope) const { return scopes.count(std::string(scope)) > 0; }
};

// "administrator", "planner", "reporter", "viewer", "system".
absl::string_view RoleName(Role role);
// The role named `name` (exact, lower case); INVALID_ARGUMENT otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name);

// "person", "system", "service".
absl::string_view KindName(Principal::Kind kind);
absl::StatusOr<Principal::Kind> ParseKind(absl::string_view name);

// "a,b" of the roles' names in enum order.
std::string FormatRoles(const std::set<Role>& roles);

// One line for logs: `person:people/x unit=units/y roles=planner,viewer
// scopes=a b via=jwt:k1`. Holds nothing secret.
std::string DescribePrincipal(const Principal& principal);

// The rules every principal obeys, whatever the credential:
//  - id non-empty, at most 256 characters, printable ASCII without spaces;
//  - unit "units/<id>" (id of [A-Za-z0-9._-], 1-64 chars), required unless
//    the kind is service;
//  - the role "system" only for kind system or service;
//  - a service (which sees every unit) has no unit and no role but system;
//  - scopes printable ASCII without spaces, 1-128 characters each.
// INVALID_ARGUMENT naming the broken rule.
absl::Status ValidatePrincipal(const Principal& principal);

// True if `s` is 1..max_size characters of printable ASCII without spaces
// (safe to put in an error message or a log line).
bool IsPrintableToken(absl::string_view s, size_t max_size);

}  // namespace chiso::auth

#endif  // CHISO_COMMON_AUTH_PRINCIPAL_H_
