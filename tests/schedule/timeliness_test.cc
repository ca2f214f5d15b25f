#include "common/schedule/timeliness.h"

#include <optional>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/civil/business_time.h"
#include "gtest/gtest.h"

namespace chiso::schedule {
namespace {

using ::absl::CivilDay;

constexpr CivilDay kDue(2024, 4, 30);

TEST(TimelinessLabelTest, MetricLabels) {
  EXPECT_EQ(TimelinessLabel(Timeliness::kOnTrack), "on_track");
  EXPECT_EQ(TimelinessLabel(Timeliness::kDueSoon), "due_soon");
  EXPECT_EQ(TimelinessLabel(Timeliness::kOverdue), "overdue");
  EXPECT_EQ(TimelinessLabel(Timeliness::kDoneOnTime), "done_on_time");
  EXPECT_EQ(TimelinessLabel(Timeliness::kDoneLate), "done_late");
}

TEST(ComputeTimelinessTest, DueTodayAndNotDoneIsDueSoon) {
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue), Timeliness::kDueSoon);
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue, 0), Timeliness::kDueSoon);
}

TEST(ComputeTimelinessTest, DueYesterdayAndNotDoneIsOverdue) {
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue + 1), Timeliness::kOverdue);
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue + 400), Timeliness::kOverdue);
}

TEST(ComputeTimelinessTest, DoneOnTheDueDateIsOnTime) {
  EXPECT_EQ(ComputeTimeliness(kDue, kDue, kDue), Timeliness::kDoneOnTime);
  EXPECT_EQ(ComputeTimeliness(kDue, kDue - 10, kDue - 5), Timeliness::kDoneOnTime);
  // Still on time when looked at long after.
  EXPECT_EQ(ComputeTimeliness(kDue, kDue, kDue + 30), Timeliness::kDoneOnTime);
}

TEST(ComputeTimelinessTest, DoneTheDayAfterIsLate) {
  EXPECT_EQ(ComputeTimeliness(kDue, kDue + 1, kDue + 1), Timeliness::kDoneLate);
  EXPECT_EQ(ComputeTimeliness(kDue, kDue + 1, kDue + 60), Timeliness::kDoneLate);
}

TEST(ComputeTimelinessTest, DueSoonWindowIsInclusive) {
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue - 7), Timeliness::kDueSoon);
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue - 8), Timeliness::kOnTrack);
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue - 3, 2), Timeliness::kOnTrack);
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue - 2, 2), Timeliness::kDueSoon);
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue - 30, 30), Timeliness::kDueSoon);
}

TEST(ComputeTimelinessTest, NegativeWindowMeansOnlyToday) {
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue - 1, -5), Timeliness::kOnTrack);
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, kDue, -5), Timeliness::kDueSoon);
}

TEST(ComputeTimelinessTest, BusinessDayDecidesAroundMidnightInHanoi) {
  // 2024-04-30 17:30 UTC is 2024-05-01 00:30 in Hà Nội: the day after.
  const absl::Time just_after =
      absl::FromCivil(absl::CivilSecond(2024, 4, 30, 17, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(ComputeTimeliness(kDue, std::nullopt, civil::BusinessDay(just_after)),
            Timeliness::kOverdue);
  // 16:30 UTC is 23:30 in Hà Nội, still the due day.
  const absl::Time just_before =
      absl::FromCivil(absl::CivilSecond(2024, 4, 30, 16, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(
      ComputeTimeliness(kDue, civil::BusinessDay(just_before), civil::BusinessDay(just_after)),
      Timeliness::kDoneOnTime);
}

TEST(TimelinessSeverityTest, Ordering) {
  EXPECT_LT(TimelinessSeverity(Timeliness::kDoneOnTime), TimelinessSeverity(Timeliness::kOnTrack));
  EXPECT_LT(TimelinessSeverity(Timeliness::kOnTrack), TimelinessSeverity(Timeliness::kDoneLate));
  EXPECT_LT(TimelinessSeverity(Timeliness::kDoneLate), TimelinessSeverity(Timeliness::kDueSoon));
  EXPECT_LT(TimelinessSeverity(Timeliness::kDueSoon), TimelinessSeverity(Timeliness::kOverdue));
}

TEST(OverallTimelinessTest, EmptyIsOnTrack) {
  EXPECT_EQ(OverallTimeliness({}), Timeliness::kOnTrack);
}

TEST(OverallTimelinessTest, WorstWins) {
  using T = Timeliness;
  EXPECT_EQ(OverallTimeliness({T::kDoneOnTime, T::kOverdue, T::kDueSoon}), T::kOverdue);
  EXPECT_EQ(OverallTimeliness({T::kDoneLate, T::kDueSoon, T::kOnTrack}), T::kDueSoon);
  EXPECT_EQ(OverallTimeliness({T::kOnTrack, T::kDoneLate, T::kDoneOnTime}), T::kDoneLate);
  EXPECT_EQ(OverallTimeliness({T::kDoneOnTime, T::kOnTrack}), T::kOnTrack);
  EXPECT_EQ(OverallTimeliness({T::kDoneOnTime, T::kDoneOnTime}), T::kDoneOnTime);
  EXPECT_EQ(OverallTimeliness({T::kDoneLate}), T::kDoneLate);
}

TEST(OverallTimelinessTest, ComputedOccurrences) {
  const CivilDay today(2024, 6, 20);
  const std::vector<Timeliness> parts = {
      ComputeTimeliness(CivilDay(2024, 3, 31), CivilDay(2024, 3, 30), today),
      ComputeTimeliness(CivilDay(2024, 6, 25), std::nullopt, today),
      ComputeTimeliness(CivilDay(2024, 9, 30), std::nullopt, today)};
  EXPECT_EQ(parts[0], Timeliness::kDoneOnTime);
  EXPECT_EQ(parts[1], Timeliness::kDueSoon);
  EXPECT_EQ(parts[2], Timeliness::kOnTrack);
  EXPECT_EQ(OverallTimeliness(parts), Timeliness::kDueSoon);
}

}  // namespace
}  // namespace chiso::schedule
