#ifndef CHISO_SERVICES_SCORING_SCORECARD_H_
#define CHISO_SERVICES_SCORING_SCORECARD_H_

// The plan scorecard (bảng theo dõi chỉ tiêu): each objective of a plan judged
// against the recorded results, with the rank and median context, the points
// still to gain, and who leads the work under each component. Pure: the plan,
// its accountability matrix and the results come in through arguments and the
// ScoreSource interface, so unit tests need no server.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "chiso/scoring/v1/scoring_service.pb.h"

namespace chiso::scoring {

// A recorded result, already scored (ScoreResult filled its output fields),
// with the version that scores it.
struct ScoredResult {
  chiso::scoring::v1::Result result;
  chiso::scoring::v1::Framework framework;
};

// A subject's standing in its peer group on one component or the total.
struct PeerContext {
  // Number of results in the group with a value (n).
  int count = 0;
  // Median score of the group; unset when the group has no scores.
  std::optional<chiso::common::v1::Decimal> median;
  // The subject is strictly below the median (by score, or with ranks only
  // by r > (n + 1) / 2).
  bool below_median = false;
  // The subject's rank in the group (computed from scores, or as published);
  // 0 when not known.
  int rank = 0;
};

// What the scorecard reads of the scoring service's own data.
class ScoreSource {
 public:
  virtual ~ScoreSource() = default;
  // The subject's result for `framework_code` in `year`, or nullopt.
  virtual absl::StatusOr<std::optional<ScoredResult>> ResultFor(
      const chiso::scoring::v1::Subject& subject, absl::string_view framework_code, int year) = 0;
  // The subject's latest result for `framework_code` in a year ≤ `up_to_year`,
  // or nullopt.
  virtual absl::StatusOr<std::optional<ScoredResult>> LatestResult(
      const chiso::scoring::v1::Subject& subject, absl::string_view framework_code,
      int up_to_year) = 0;
  // The standing of `result` in its peer group (same framework code, level,
  // year and peer group) on `component` ("" for the total).
  virtual absl::StatusOr<PeerContext> Peers(const chiso::scoring::v1::Result& result,
                                            absl::string_view component) = 0;
};

// Builds the scorecard of `plan` for `subject` (already resolved: the
// request's subject or the plan's issuer unit):
// - one line per objective in plan order: baseline and target as the plan
//   states them; the actual in the target year (or `year` when non-zero)
//   taken from the result's component score, total (published, else
//   computed), published rank or grade according to the objective's measure
//   (a percent objective reads the total); attainment by Satisfies (a grade
//   target by band order, AT_LEAST when unspecified); gap by Gap (unset for
//   grades or without data); peer median and below-median from Peers;
//   points_to_gain for component score objectives (PointsToGain to the
//   target; 0 when met); lead units and task progress from the
//   accountability row of `summary` whose component matches the objective's
//   framework and component (task_count excludes cancelled tasks);
// - priorities: every component of every framework the plan's objectives
//   name, scored from the latest result up to the judged year (the version
//   of that result, or none), reference = the plan's component target when it
//   has a score objective on it, else the component's maximum; sorted by
//   points to gain, most first, components without a score last, then in
//   framework order and component order; a framework without any result
//   lists only the components the plan's objectives name, without a score;
// - met / not met / no data counts; compute_time = `now`.
// Errors: those of `source`; InvalidArgument when the plan holds a malformed
// decimal.
absl::StatusOr<chiso::scoring::v1::ComputeScorecardResponse> BuildScorecard(
    const chiso::plan::v1::Plan& plan, const chiso::scoring::v1::Subject& subject, int year,
    const chiso::assignment::v1::PlanSummary& summary, ScoreSource& source, absl::Time now);

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORECARD_H_
