// The dated occurrences of a task's schedule within its plan: one per due
// date, per period, per recurrence in each plan year, and periodic check-ins
// for continuous work. Their due dates are the `<occurrence due date>` of
// reminder ids `task/<task id>/<YYYY-MM-DD>/<rule>`.
//
// Dates are civil days in business time (Asia/Ho_Chi_Minh); nothing here
// reads a clock.

#ifndef CHISO_COMMON_SCHEDULE_OCCURRENCES_H_
#define CHISO_COMMON_SCHEDULE_OCCURRENCES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "chiso/common/v1/schedule.pb.h"
#include "chiso/common/v1/types.pb.h"

namespace chiso::schedule {

// The plan a schedule is expanded for.
struct OccurrenceContext {
  // First and last plan year (Plan.period), inclusive: 2022 and 2025 for a
  // 2022–2025 plan; the same year twice for a one-year plan. Recurrences and
  // continuous milestones expand over these years (clamped to 2000–2100);
  // when either is 0 or the end is before the start they yield nothing.
  int period_start_year = 0;
  int period_end_year = 0;
  // The plan's issue date. When set, recurrence and continuous occurrences
  // due before it are left out ("Quý III năm trước liền kề năm kế hoạch" in
  // a 2022–2025 plan issued 2022-08-26 starts at 2022-09-30). One-off due
  // dates and periods are always kept, even when already past.
  std::optional<absl::CivilDay> issued_on;
  // Check-in frequency of continuous milestones whose Continuous.check_in is
  // unspecified. Unspecified (or once) here means monthly.
  chiso::common::v1::Frequency continuous_check_in_default = chiso::common::v1::FREQUENCY_MONTHLY;
};

// One dated occurrence of a schedule.
struct Occurrence {
  // When it falls due.
  absl::CivilDay due;
  // Index into Schedule.milestones of the milestone it comes from; for
  // occurrences merged on one date, the smallest such index.
  int milestone_index = 0;
  // `due` as "YYYY-MM-DD", the occurrence part of reminder ids.
  std::string key;
  // True for a periodic check-in of continuous work (no deliverable is due);
  // false as soon as a real deadline falls on that date.
  bool check_in = false;

  friend bool operator==(const Occurrence& a, const Occurrence& b) {
    return a.due == b.due && a.milestone_index == b.milestone_index && a.key == b.key &&
           a.check_in == b.check_in;
  }
  friend bool operator!=(const Occurrence& a, const Occurrence& b) { return !(a == b); }
};

// Returns `day` as "YYYY-MM-DD": OccurrenceKey(2024-04-30) is "2024-04-30".
std::string OccurrenceKey(absl::CivilDay day);

// Returns OK when `milestone` can be expanded, otherwise InvalidArgument
// naming the field and the rule ("milestone.period.index: quarter 5 is
// outside 1–4"). The rules:
//   - exactly one of due_date, period, recurrence, continuous is set;
//   - due_date is a real date in 2000–2100 (civil::MakeDate);
//   - period has a kind and a year in 2000–2100; index 1–12 for a month,
//     1–4 for a quarter, 1–2 for a half (ignored for a whole year);
//   - recurrence frequency is monthly, quarterly, semiannual or annual;
//     quarter 0–4, month 0–12 (not both quarter and month), day 0–31 and,
//     with a month, not beyond that month's length (29 for February);
//     year_offset -10..10;
//   - continuous check_in is unspecified, monthly, quarterly, semiannual or
//     annual.
absl::Status ValidateMilestone(const chiso::common::v1::Milestone& milestone);

// Returns OK when `schedule` has at least one milestone and each passes
// ValidateMilestone; otherwise InvalidArgument naming the first bad one
// ("schedule.milestones[2].due_date: …").
absl::Status ValidateSchedule(const chiso::common::v1::Schedule& schedule);

// Returns the occurrences of `schedule` in `ctx`'s plan, sorted by due date,
// one per date: occurrences falling on the same date are merged, keeping the
// smallest milestone index, and are a check-in only when all of them are.
// Per milestone:
//   due_date    one occurrence on that date.
//   period      one on its last day: month end; 31/3, 30/6, 30/9, 31/12 for
//               quarters; 30/6 and 31/12 for halves; 31/12 for a year.
//   recurrence  for each plan year Y of the period, in year Y + year_offset:
//               annual: the last day of `quarter` when set (or `day` of the
//               quarter's last month), else `month`/`day` when set (month
//               alone: its last day; day alone: that day of December), else
//               31/12; semiannual: June and December; quarterly: March,
//               June, September, December; monthly: every month. The day is
//               `day` when set, else the month's last day; a day beyond the
//               month's length is that month's last day (31 -> 30/4, 28/2).
//               Only those on or after ctx.issued_on when it is set.
//   continuous  check-ins (check_in = true) at the end of every month of the
//               period years (or quarter, half, year by Continuous.check_in,
//               else ctx.continuous_check_in_default), on or after
//               ctx.issued_on when it is set.
// Milestones that ValidateMilestone rejects yield nothing, as do dates
// outside 2000–2100. Never fails; an empty schedule gives an empty vector.
std::vector<Occurrence> ExpandOccurrences(const chiso::common::v1::Schedule& schedule,
                                          const OccurrenceContext& ctx);

}  // namespace chiso::schedule

#endif  // CHISO_COMMON_SCHEDULE_OCCURRENCES_H_
