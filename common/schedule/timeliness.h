// Timeliness of a deadline: on track, due soon, overdue, done on time, done
// late. These are the label values of the `chiso_tasks` metric
// (ARCHITECTURE.md) and of task summaries.
//
// Every date here is a business day in Asia/Ho_Chi_Minh: callers turn
// instants into days with civil::BusinessDay (common/civil/business_time.h)
// before calling. Work due on a day is on time until that day ends in Hà Nội.

#ifndef CHISO_COMMON_SCHEDULE_TIMELINESS_H_
#define CHISO_COMMON_SCHEDULE_TIMELINESS_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace chiso::schedule {

// Where one deadline stands on a given day.
enum class Timeliness {
  // Not done; due later than the due-soon window.
  kOnTrack,
  // Not done; due today or within the due-soon window.
  kDueSoon,
  // Not done; the due day has passed.
  kOverdue,
  // Done on or before the due day.
  kDoneOnTime,
  // Done after the due day.
  kDoneLate,
};

// The default due-soon window, in days: due within the next 7 days.
inline constexpr int kDefaultDueSoonDays = 7;

// Returns the metric label: "on_track", "due_soon", "overdue",
// "done_on_time" or "done_late". Never empty; an out-of-range value (a cast
// integer) gives "on_track".
absl::string_view TimelinessLabel(Timeliness timeliness);

// Returns the timeliness of work due on `due`, done on `done_on` (nullopt
// while not done), seen on `today`:
//   done_on <= due                          -> kDoneOnTime
//   done_on >  due                          -> kDoneLate   (whatever today is)
//   not done, today > due                   -> kOverdue    (due yesterday)
//   not done, due - today <= due_soon_days  -> kDueSoon    (due today too)
//   not done, otherwise                     -> kOnTrack
// `due_soon_days` below 0 is treated as 0 (only "due today" is due soon).
Timeliness ComputeTimeliness(absl::CivilDay due, std::optional<absl::CivilDay> done_on,
                             absl::CivilDay today, int due_soon_days = kDefaultDueSoonDays);

// Returns how bad `timeliness` is, 0 (best) to 4 (worst), in the order
// OverallTimeliness uses:
//   kDoneOnTime 0 < kOnTrack 1 < kDoneLate 2 < kDueSoon 3 < kOverdue 4.
// Open work that needs attention (overdue, then due soon) outranks work
// already finished late, which outranks work merely pending; a task is only
// "done on time" when all of it is.
int TimelinessSeverity(Timeliness timeliness);

// Returns the timeliness of a task made of several occurrences or
// milestones: the worst of `parts` by TimelinessSeverity. Returns kOnTrack
// when `parts` is empty (nothing is late or due).
Timeliness OverallTimeliness(const std::vector<Timeliness>& parts);

}  // namespace chiso::schedule

#endif  // CHISO_COMMON_SCHEDULE_TIMELINESS_H_
