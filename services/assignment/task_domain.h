// The rules of tasks (nhiệm vụ), free of I/O: validation and normalisation
// of a task against its plan, its occurrences and timeliness, the life
// cycle, progress reports, and the summaries leaders read (counts by
// timeliness, the on-time ratio, the accountability matrix). Every error
// names the field and the rule, e.g. "task.lead_unit: required (exactly one
// lead unit, đơn vị chủ trì)". The gRPC handler loads the plan, the tasks
// and the reports, calls these functions and converts the status once.

#ifndef CHISO_SERVICES_ASSIGNMENT_TASK_DOMAIN_H_
#define CHISO_SERVICES_ASSIGNMENT_TASK_DOMAIN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "common/schedule/timeliness.h"

namespace chiso::assignment {

// Limits on what a task and a report may hold, in Unicode characters or
// entries (the proto comments of Task, ProgressReport, Evidence).
inline constexpr int kMaxTaskTitleChars = 500;
inline constexpr int kMaxTaskDescriptionChars = 10000;
inline constexpr int kMaxTaskDeliverableChars = 1000;
inline constexpr int kMaxUnitDisplayNameChars = 300;
inline constexpr int kMaxCoordinatingUnits = 50;
inline constexpr int kMaxSupervisorPostChars = 300;
inline constexpr int kMaxSchedulePhraseChars = 2000;
inline constexpr int kMaxReasonChars = 2000;
inline constexpr int kMaxReportNoteChars = 10000;
inline constexpr int kMaxEvidence = 50;
inline constexpr int kMaxEvidenceUrlChars = 2000;
inline constexpr int kMaxEvidenceDescriptionChars = 1000;
inline constexpr int kMaxDocumentNumberChars = 64;

// One objective of the plan as tasks see it.
struct PlanObjective {
  std::string id;         // Objective.id, unique within the plan
  std::string framework;  // e.g. "DDCI"
  std::string component;  // e.g. "TIME_COSTS"; empty for the index as a whole
};

// What the task rules need to know about the task's plan.
struct PlanFacts {
  // The plan's resource name, "plans/{id}"; may be empty in tests.
  std::string name;
  // First and last plan year, inclusive (Plan.period); the same year twice
  // for a one-year plan; 0 when unknown.
  int period_start_year = 0;
  int period_end_year = 0;
  // The plan's date of issue, when known. Recurring occurrences due before
  // it are left out (DOMAIN.md).
  std::optional<absl::CivilDay> issued_on;
  // The plan's objectives, in plan order.
  std::vector<PlanObjective> objectives;

  // The objective with `id`, or nullptr.
  const PlanObjective* FindObjective(absl::string_view id) const;

  // The year given to dates, quarters and half years written without one
  // ("trong Quý I", "trước ngày 15/12", "6 tháng đầu năm"):
  //   - a one-year period: that year;
  //   - a longer period: the year of issue, moved into the period when it
  //     lies outside (a 2026–2030 plan issued in 2025 gives 2026);
  //   - a longer period without a date of issue, or no period: 0 (unknown),
  //     so such a phrase fails with the parser's "has no year" message.
  int PlanYear() const;
};

// Returns the facts of a stored plan: its name, period (when the plan has
// none, the year of issue as a one-year period), date of issue and
// objectives. Never fails; invalid dates are left out.
PlanFacts PlanFactsOf(const chiso::plan::v1::Plan& plan);

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

// Splits a unit name as written into the units it names, using this
// heuristic: the text is cut at ",", ";", and the words "và" / "&" (case-
// and diacritic-insensitive), and a cut is kept only where the part after
// it starts with a word that opens a unit name — Phòng, Văn phòng, VP, Sở,
// Cục, Chi cục, Tổng cục, Trung tâm, Thanh tra, Công an, UBND, Ủy ban, Ban,
// Đội, Hội (not "Hội đồng nhân dân"), Mặt trận, Đoàn, Liên đoàn, Trường,
// Bệnh viện, Trạm, Viện, Tòa án, Kho bạc, Chi nhánh, Ngân hàng, Bảo hiểm,
// BHXH, Đài, Công ty — or a collective word (các, những, tất cả). Otherwise
// the separator belongs to the name: "Phòng Tài nguyên và Môi trường", "Sở
// Văn hóa, Thể thao và Du lịch" are one unit each. The pair "HĐND và UBND"
// ("Hội đồng nhân dân và Ủy ban nhân dân") is never cut, so "Văn phòng
// HĐND và UBND huyện" is one unit, and neither is a lower-case unit word
// standing alone ("Thủ trưởng các phòng, ban" is one name). Parts are NFC with whitespace
// collapsed; empty parts are dropped. Returns one part for a single unit,
// none for empty text.
std::vector<std::string> SplitUnitNames(absl::string_view text);

// Checks every input field of `task` against `plan` and normalises it in
// place (NFC, whitespace collapsed in one-line fields, ends trimmed in
// multi-line ones). Output-only fields are not examined. Rules:
//   - task.plan: empty is filled with plan.name; otherwise it must equal
//     plan.name when that is known.
//   - title required, ≤ 500 characters; description ≤ 10,000; deliverable
//     ≤ 1000.
//   - lead_unit: exactly one lead. Required (unit or display_name); `unit`,
//     when set, is "units/{id}" (id of 1–64 ASCII letters, digits, '-', '_',
//     '.'); display_name ≤ 300 characters, must name one unit
//     (SplitUnitNames: "… names 2 units …; a task has exactly one lead unit:
//     create one task per lead") and not a group (IsCollective).
//   - coordinating_units: ≤ 50, each like the lead (a group is allowed, a
//     list of several units is not: list them separately); none equal to the
//     lead and none repeated. Two refs are the same unit when both have
//     `unit` and those are equal, otherwise when their display names are
//     equal after MatchKey and ExpandAbbreviations ("Phòng TC-KH" ==
//     "Phòng Tài chính - Kế hoạch").
//   - supervisor_person, when set, is "people/{id}"; supervisor_post ≤ 300
//     characters (a post that is empty after trimming is cleared).
//   - contributes_to: objective_id must be an objective of the plan
//     (NotFound naming it) and sets effective_component to the objective's
//     codes; component is checked with Catalog::CheckCodes and copied to
//     effective_component; neither clears effective_component.
//   - schedule: required. With milestones, ValidateSchedule must pass
//     (schedule.phrase, if any, is kept as the words written). With only
//     schedule.phrase, it is resolved by ParseTimeframe with plan.PlanYear()
//     and the plan's period, and the milestones and the phrase are both
//     kept; a phrase that does not resolve is InvalidArgument quoting it.
// Errors: InvalidArgument naming the first offending field; NotFound for an
// unknown objective. On error `task` may be partly normalised.
absl::Status ValidateAndNormalizeTask(const Catalog& catalog, const PlanFacts& plan,
                                      chiso::assignment::v1::Task& task);

// ---------------------------------------------------------------------------
// Occurrences and timeliness
// ---------------------------------------------------------------------------

// Maps a schedule timeliness to the proto enum.
chiso::assignment::v1::Timeliness ToProto(chiso::schedule::Timeliness timeliness);

// Fills the output fields derived from the schedule and the status, as seen
// on `today` (a business day, Asia/Ho_Chi_Minh):
//   - occurrences: ExpandOccurrences over the plan's period (recurring ones
//     only on or after the date of issue), without continuous check-ins
//     (continuous work has no occurrences); window_start for a period
//     milestone, plan_year (due year minus year_offset) for a recurrence,
//     the milestone's label. Status and complete_time of an occurrence
//     already in task.occurrences with the same due date are kept; new ones
//     are NOT_STARTED. When the task is DONE, its open occurrences become
//     DONE with the task's complete_time; when CANCELLED, they become
//     CANCELLED.
//   - each occurrence's timeliness: ComputeTimeliness(due, done day,
//     today, due_soon_days), the done day being the business day of its
//     complete_time (the due day when a DONE occurrence has none);
//     UNSPECIFIED when cancelled.
//   - timeliness of the task: UNSPECIFIED when cancelled; when DONE,
//     DONE_LATE if any occurrence was done late, else DONE_ON_TIME; while
//     open, the worst of its open occurrences by OverallTimeliness (overdue,
//     then due soon, then on track), ON_TRACK when none is open.
//   - next_due_date: the earliest open occurrence's due date; cleared when
//     none is open.
//   - percent_complete: 100 when DONE (otherwise unchanged).
// Never fails.
void ComputeDerived(const PlanFacts& plan, absl::CivilDay today, int due_soon_days,
                    chiso::assignment::v1::Task& task);

// ---------------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------------

// Checks a change of status of a task (or of one occurrence) from `from` to
// `to`. Allowed:
//   NOT_STARTED → IN_PROGRESS, IN_PROGRESS → DONE, NOT_STARTED → DONE (one
//     report may start and complete the work);
//   NOT_STARTED, IN_PROGRESS or DONE → CANCELLED, with a reason (the
//     CancelTask contract refuses only an already cancelled task);
//   DONE or CANCELLED → IN_PROGRESS (reopen), with a reason;
//   any status to itself except CANCELLED → CANCELLED (no change, e.g. a
//     further report).
// `reason` is required (non-empty after trimming, ≤ 2000 characters) for a
// cancel or a reopen and ignored otherwise.
// Errors: InvalidArgument for an unspecified status or a missing or over-long
// reason (checked first); FailedPrecondition naming both statuses
// ("task.status: cannot go from TASK_STATUS_CANCELLED to TASK_STATUS_DONE")
// otherwise.
absl::Status CheckTransition(chiso::assignment::v1::TaskStatus from,
                             chiso::assignment::v1::TaskStatus to, absl::string_view reason);

// Checks ReopenTask on work in status `current`: InvalidArgument for a
// missing or over-long reason; FailedPrecondition unless `current` is DONE
// or CANCELLED.
absl::Status CheckReopen(chiso::assignment::v1::TaskStatus current, absl::string_view reason);

// ---------------------------------------------------------------------------
// Progress reports
// ---------------------------------------------------------------------------

// Checks a ReportProgress request against the task it reports on, as the
// ReportProgress contract says:
//   InvalidArgument —
//     reporting_unit missing, not "units/{id}", or neither task.lead_unit.unit
//       nor one of the coordinating units' `unit`;
//     reporter, when set, not "people/{id}";
//     percent_complete outside 0–100;
//     status other than UNSPECIFIED, IN_PROGRESS or DONE;
//     note over 10,000 characters;
//     as_of not a real date, or after `today` when `today` is given;
//     occurrence_due_date not a real date or not the due date of one of
//       task.occurrences;
//     more than 50 evidence items, or an evidence item without a source, with
//       a URL that is not http(s)://host… without spaces or over 2000
//       characters, with a document whose number is not "<digits>/<symbol>"
//       ("125/KH-UBND", ≤ 64 characters) or whose issued_on is not a real
//       date, or with a description over 1000 characters.
//   FailedPrecondition —
//     the task is CANCELLED;
//     the status reported is DONE and the reporting unit is not the lead;
//     the work (the occurrence reported on, else the task) is DONE and the
//       report says IN_PROGRESS (reopen it first);
//     the status reported is DONE, `evidence_required` is true and the
//       report carries no evidence.
// `evidence_required` means "completing still needs evidence in this
// report": the caller passes true when the plan requires evidence to complete
// and no earlier report on the task (or occurrence) carried any. Percent 100
// with status IN_PROGRESS or unspecified does not complete the task (the
// proto: only a reported DONE completes) and needs no evidence.
absl::Status ValidateProgressReport(const chiso::assignment::v1::Task& task,
                                    const chiso::assignment::v1::ReportProgressRequest& request,
                                    bool evidence_required,
                                    std::optional<absl::CivilDay> today = std::nullopt);

// ---------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------

// Counts tasks by their `timeliness`: CANCELLED tasks count as cancelled
// only; an open task whose timeliness is UNSPECIFIED (not computed) counts as
// on track. `total` counts every task. Call ComputeDerived first.
chiso::assignment::v1::TimelinessCounts CountTimeliness(
    const std::vector<chiso::assignment::v1::Task>& tasks);

// Counts the occurrences of `tasks` the same way (a CANCELLED occurrence, or
// any occurrence of a CANCELLED task, counts as cancelled).
chiso::assignment::v1::TimelinessCounts CountOccurrenceTimeliness(
    const std::vector<chiso::assignment::v1::Task>& tasks);

// Returns the on-time completion ratio, done_on_time / (done_on_time +
// done_late), in 0.0–1.0; std::nullopt when nothing is done (the proto's
// `optional double on_time_ratio` is then left unset).
std::optional<double> OnTimeRatio(const chiso::assignment::v1::TimelinessCounts& counts);

// Returns the accountability matrix of a plan's `tasks` (component → lead
// units → tasks → progress). Rows, in order: one per distinct component of
// the plan's objectives, in objective order, even when no task serves it yet
// (a gap leaders should see), with all the objective ids on it; then the
// other components tasks count under, in order of first task; then general
// tasks (empty component), when there are any. Within a row, lead units and
// their tasks are in order of task creation (create_time, then input order).
// Lead units are grouped by `unit` when set, else by the folded display
// name. Counts as CountTimeliness; mean_percent_complete is the mean of
// percent_complete over the non-cancelled tasks (100 for a DONE task),
// rounded down, 0 when there are none. Tasks are grouped by
// effective_component (call ValidateAndNormalizeTask/ComputeDerived first).
std::vector<chiso::assignment::v1::ComponentAccountability> Accountability(
    const PlanFacts& plan, const std::vector<chiso::assignment::v1::Task>& tasks);

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_TASK_DOMAIN_H_
