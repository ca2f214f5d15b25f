#include "services/scoring/scoring_access.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace chiso::scoring {

namespace pb = chiso::scoring::v1;
using auth::Permission;

std::vector<auth::RpcRule> ScoringRules() {
  return {
      {"CreateFramework", Permission::kAdminister},
      {"GetFramework", Permission::kRead},
      {"ListFrameworks", Permission::kRead},
      {"UpdateFramework", Permission::kAdminister},
      {"DeleteFramework", Permission::kAdminister},
      {"CreateResult", Permission::kScore},
      {"GetResult", Permission::kRead},
      {"ListResults", Permission::kRead},
      {"UpdateResult", Permission::kScore},
      {"DeleteResult", Permission::kScore},
      {"ImportResults", Permission::kScore},
      {"GetRanking", Permission::kRead},
      {"GetTrend", Permission::kRead},
      {"ComputeScorecard", Permission::kRead},
      {"ListAuditEvents", Permission::kAuditRead},
  };
}

std::unique_ptr<auth::AccessGate> NewScoringGate(
    std::shared_ptr<const auth::Authenticator> authenticator) {
  return std::make_unique<auth::AccessGate>(std::string(kScoringServiceName), ScoringRules(),
                                            std::move(authenticator));
}

absl::StatusOr<bool> UnitVisible(const auth::Caller& caller, const auth::UnitTree* tree,
                                 absl::string_view unit) {
  if (caller.Unrestricted()) return true;
  if (tree == nullptr) return false;
  return auth::InScope(caller, *tree, unit);
}

absl::StatusOr<bool> ResultVisible(const auth::Caller& caller, const auth::UnitTree* tree,
                                   const pb::Result& result) {
  if (caller.Unrestricted()) return true;
  switch (result.subject().kind_case()) {
    case pb::Subject::kEntity:
      return true;
    case pb::Subject::kUnit:
      return UnitVisible(caller, tree, result.subject().unit());
    default:
      return false;
  }
}

absl::Status CheckResultVisible(const auth::Caller& caller, const auth::UnitTree* tree,
                                const pb::Result& result) {
  absl::StatusOr<bool> visible = ResultVisible(caller, tree, result);
  if (!visible.ok()) return visible.status();
  if (!*visible) return absl::NotFoundError(absl::StrCat(result.name(), " not found"));
  return absl::OkStatus();
}

absl::Status CheckSubjectWritable(const auth::Caller& caller, const auth::UnitTree* tree,
                                  const pb::Subject& subject, const absl::Status& not_found) {
  if (caller.Unrestricted()) return absl::OkStatus();
  switch (subject.kind_case()) {
    case pb::Subject::kUnit: {
      absl::StatusOr<bool> visible = UnitVisible(caller, tree, subject.unit());
      if (!visible.ok()) return visible.status();
      return *visible ? absl::OkStatus() : not_found;
    }
    case pb::Subject::kEntity:
      return absl::PermissionDeniedError(absl::StrCat(
          kEntityResultsNeedUnrestricted, "; ", caller.principal.id, " is restricted to ",
          caller.principal.unit.empty() ? std::string("no unit") : caller.principal.unit));
    default:
      // A missing subject is the request's fault, reported by validation.
      return absl::OkStatus();
  }
}

std::optional<std::string> ListScopeOf(const auth::Caller& caller) {
  if (caller.Unrestricted()) return std::nullopt;
  if (caller.principal.unit.empty()) return std::string("units/-");
  return caller.principal.unit;
}

}  // namespace chiso::scoring
