#include "common/auth/principal.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace chiso::auth {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdministrator:
      return "administrator";
    case Role::kPlanner:
      return "planner";
    case Role::kReporter:
      return "reporter";
    case Role::kViewer:
      return "viewer";
    case Role::kSystem:
      return "system";
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  for (Role role :
       {Role::kAdministrator, Role::kPlanner, Role::kReporter, Role::kViewer, Role::kSystem}) {
    if (name == RoleName(role)) return role;
  }
  if (IsPrintableToken(name, 64)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown role \"", name, "\""));
  }
  return absl::InvalidArgumentError("unknown role");
}

absl::string_view KindName(Principal::Kind kind) {
  switch (kind) {
    case Principal::Kind::kPerson:
      return "person";
    case Principal::Kind::kSystem:
      return "system";
    case Principal::Kind::kService:
      return "service";
  }
  return "unknown";
}

absl::StatusOr<Principal::Kind> ParseKind(absl::string_view name) {
  for (Principal::Kind kind :
       {Principal::Kind::kPerson, Principal::Kind::kSystem, Principal::Kind::kService}) {
    if (name == KindName(kind)) return kind;
  }
  if (IsPrintableToken(name, 64)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown principal kind \"", name, "\" (person, system or service)"));
  }
  return absl::InvalidArgumentError("unknown principal kind (person, system or service)");
}

std::string FormatRoles(const std::set<Role>& roles) {
  return absl::StrJoin(roles, ",",
                       [](std::string* out, Role role) { absl::StrAppend(out, RoleName(role)); });
}

std::string DescribePrincipal(const Principal& principal) {
  return absl::StrCat(KindName(principal.kind), ":", principal.id, " unit=", principal.unit,
                      " roles=", FormatRoles(principal.roles),
                      " scopes=", absl::StrJoin(principal.scopes, " "),
                      " via=", principal.credential);
}

bool IsPrintableToken(absl::string_view s, size_t max_size) {
  if (s.empty() || s.size() > max_size) return false;
  for (char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

namespace {

bool IsUnitName(absl::string_view unit) {
  if (!absl::ConsumePrefix(&unit, "units/")) return false;
  if (unit.empty() || unit.size() > 64) return false;
  for (char c : unit) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidatePrincipal(const Principal& principal) {
  if (!IsPrintableToken(principal.id, 256)) {
    return absl::InvalidArgumentError(
        "principal id: required, at most 256 printable characters without spaces");
  }
  if (principal.unit.empty()) {
    if (principal.kind != Principal::Kind::kService) {
      return absl::InvalidArgumentError(
          absl::StrCat("unit: required for a ", KindName(principal.kind), " principal"));
    }
  } else if (!IsUnitName(principal.unit)) {
    return absl::InvalidArgumentError("unit: not a units/<id> name");
  }
  if (principal.HasRole(Role::kSystem) && principal.kind == Principal::Kind::kPerson) {
    return absl::InvalidArgumentError("role \"system\" is only for system or service principals");
  }
  // A service sees every unit: it must not look like anything else.
  if (principal.kind == Principal::Kind::kService) {
    if (!principal.unit.empty()) {
      return absl::InvalidArgumentError(
          "unit: a service principal has none (services are not limited to a unit; give a "
          "system of a unit the kind \"system\")");
    }
    for (Role role : principal.roles) {
      if (role != Role::kSystem) {
        return absl::InvalidArgumentError(absl::StrCat("role \"", RoleName(role),
                                                       "\" is not for service principals "
                                                       "(they have the role system and scopes)"));
      }
    }
  }
  for (const std::string& scope : principal.scopes) {
    if (!IsPrintableToken(scope, 128)) {
      return absl::InvalidArgumentError("scope: 1-128 printable characters without spaces each");
    }
  }
  return absl::OkStatus();
}

}  // namespace chiso::auth
