#ifndef CHISO_SERVICES_SCORING_SCORING_ACCESS_H_
#define CHISO_SERVICES_SCORING_SCORING_ACCESS_H_

// Who may do what in the scoring service (common/auth/access.h): the
// permission of every RPC, and the scope of results by unit.
//
//   CreateFramework, UpdateFramework, DeleteFramework   administer
//   GetFramework, ListFrameworks                        read
//   CreateResult, UpdateResult, DeleteResult            score, the result's unit in scope
//   ImportResults                                       score, each row's unit in scope
//   GetResult, ListResults, GetTrend                    read, the subject's unit in scope
//   ComputeScorecard                                    read, the subject's unit in scope
//   GetRanking                                          read (published rankings are public)
//   ListAuditEvents                                     audit.read
//
// Scope: a restricted caller (planner, viewer, … of a unit) sees and records
// the results about the units of its unit's subtree. A result outside it
// answers exactly as a missing one (NOT_FOUND, same message); an import row
// about such a unit is a bad row exactly like an unknown unit. Results about
// entities outside the directory (a province in a national ranking) are
// published figures: every caller with "read" sees them, but only
// unrestricted callers (administrators, services) record them.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
#include "common/auth/access.h"
#include "common/auth/authenticator.h"

namespace chiso::scoring {

// "chiso.scoring.v1.ScoringService".
inline constexpr absl::string_view kScoringServiceName = "chiso.scoring.v1.ScoringService";

// The permission of every ScoringService RPC (the table above).
std::vector<auth::RpcRule> ScoringRules();

// The gate of the scoring service; a null `authenticator` turns
// authentication off (every caller anonymous and unrestricted).
std::unique_ptr<auth::AccessGate> NewScoringGate(
    std::shared_ptr<const auth::Authenticator> authenticator);

// True when the caller sees `result`: a result about a unit in its scope, or
// about an entity. `tree` may be null only for unrestricted callers (a
// restricted caller then sees no unit: failing closed). Errors: those of the
// tree.
absl::StatusOr<bool> ResultVisible(const auth::Caller& caller, const auth::UnitTree* tree,
                                   const chiso::scoring::v1::Result& result);

// OK when the caller sees `result`; otherwise NOT_FOUND exactly as a missing
// result ("results/{id} not found").
absl::Status CheckResultVisible(const auth::Caller& caller, const auth::UnitTree* tree,
                                const chiso::scoring::v1::Result& result);

// OK when the caller may record, change or delete a result about `subject`
// (the caller has "score"; the gate checked that): NOT_FOUND `not_found` for
// a unit outside its scope (the message a missing one gets);
// PERMISSION_DENIED for an entity and a restricted caller.
absl::Status CheckSubjectWritable(const auth::Caller& caller, const auth::UnitTree* tree,
                                  const chiso::scoring::v1::Subject& subject,
                                  const absl::Status& not_found);

// True when a restricted caller may read results about `unit`.
absl::StatusOr<bool> UnitVisible(const auth::Caller& caller, const auth::UnitTree* tree,
                                 absl::string_view unit);

// The unit whose subtree limits a list for the caller, or nullopt when the
// caller is unrestricted. A restricted caller without a unit limits the
// list to an empty subtree ("units/-", which no unit is named).
std::optional<std::string> ListScopeOf(const auth::Caller& caller);

// The message of a restricted caller recording a result about an entity.
inline constexpr absl::string_view kEntityResultsNeedUnrestricted =
    "results about entities outside the directory are recorded by administrators";

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_ACCESS_H_
