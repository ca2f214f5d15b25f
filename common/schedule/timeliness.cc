#include "common/schedule/timeliness.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace chiso::schedule {

absl::string_view TimelinessLabel(Timeliness timeliness) {
  switch (timeliness) {
    case Timeliness::kOnTrack:
      return "on_track";
    case Timeliness::kDueSoon:
      return "due_soon";
    case Timeliness::kOverdue:
      return "overdue";
    case Timeliness::kDoneOnTime:
      return "done_on_time";
    case Timeliness::kDoneLate:
      return "done_late";
  }
  return "on_track";
}

Timeliness ComputeTimeliness(absl::CivilDay due, std::optional<absl::CivilDay> done_on,
                             absl::CivilDay today, int due_soon_days) {
  if (done_on.has_value()) {
    return *done_on <= due ? Timeliness::kDoneOnTime : Timeliness::kDoneLate;
  }
  if (today > due) return Timeliness::kOverdue;
  const absl::civil_diff_t days_left = due - today;
  if (days_left <= std::max(due_soon_days, 0)) return Timeliness::kDueSoon;
  return Timeliness::kOnTrack;
}

int TimelinessSeverity(Timeliness timeliness) {
  switch (timeliness) {
    case Timeliness::kDoneOnTime:
      return 0;
    case Timeliness::kOnTrack:
      return 1;
    case Timeliness::kDoneLate:
      return 2;
    case Timeliness::kDueSoon:
      return 3;
    case Timeliness::kOverdue:
      return 4;
  }
  return 1;
}

Timeliness OverallTimeliness(const std::vector<Timeliness>& parts) {
  if (parts.empty()) return Timeliness::kOnTrack;
  Timeliness worst = parts.front();
  for (Timeliness t : parts) {
    if (TimelinessSeverity(t) > TimelinessSeverity(worst)) worst = t;
  }
  return worst;
}

}  // namespace chiso::schedule
