#include "common/schedule/occurrences.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "chiso/common/v1/schedule.pb.h"
#include "chiso/common/v1/types.pb.h"
#include "common/schedule/timeframe.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::schedule {
namespace {

namespace v1 = ::chiso::common::v1;

using ::absl::CivilDay;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Builders for milestones.

v1::Milestone DueOn(int year, int month, int day) {
  v1::Milestone m;
  m.mutable_due_date()->set_year(year);
  m.mutable_due_date()->set_month(month);
  m.mutable_due_date()->set_day(day);
  return m;
}

v1::Milestone Period(int year, v1::CalendarPeriod::Kind kind, int index) {
  v1::Milestone m;
  m.mutable_period()->set_year(year);
  m.mutable_period()->set_kind(kind);
  m.mutable_period()->set_index(index);
  return m;
}

v1::Milestone Recurring(v1::Frequency frequency, int quarter = 0, int month = 0, int day = 0,
                        int year_offset = 0) {
  v1::Milestone m;
  v1::Recurrence* r = m.mutable_recurrence();
  r->set_frequency(frequency);
  r->set_quarter(quarter);
  r->set_month(month);
  r->set_day(day);
  r->set_year_offset(year_offset);
  return m;
}

v1::Milestone Continuing(v1::Frequency check_in = v1::FREQUENCY_UNSPECIFIED) {
  v1::Milestone m;
  m.mutable_continuous()->set_check_in(check_in);
  return m;
}

v1::Schedule ScheduleOf(std::vector<v1::Milestone> milestones) {
  v1::Schedule s;
  for (v1::Milestone& m : milestones) *s.add_milestones() = std::move(m);
  return s;
}

std::vector<std::string> Keys(const std::vector<Occurrence>& occurrences) {
  std::vector<std::string> out;
  for (const Occurrence& o : occurrences) out.push_back(o.key);
  return out;
}

OccurrenceContext Plan(int start, int end, std::optional<CivilDay> issued_on = std::nullopt) {
  OccurrenceContext ctx;
  ctx.period_start_year = start;
  ctx.period_end_year = end;
  ctx.issued_on = issued_on;
  return ctx;
}

// ---------------------------------------------------------------------------
// OccurrenceKey

TEST(OccurrenceKeyTest, IsIsoDate) {
  EXPECT_EQ(OccurrenceKey(CivilDay(2024, 4, 30)), "2024-04-30");
  EXPECT_EQ(OccurrenceKey(CivilDay(2025, 1, 5)), "2025-01-05");
}

// ---------------------------------------------------------------------------
// One-off milestones

TEST(ExpandOccurrencesTest, DueDateIsOneOccurrence) {
  const std::vector<Occurrence> got =
      ExpandOccurrences(ScheduleOf({DueOn(2024, 4, 30)}), Plan(2024, 2024));
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0], (Occurrence{CivilDay(2024, 4, 30), 0, "2024-04-30", false}));
}

TEST(ExpandOccurrencesTest, DueDateBeforeTheIssueDateIsKept) {
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({DueOn(2024, 1, 15)}),
                                     Plan(2024, 2024, CivilDay(2024, 3, 1)))),
              ElementsAre("2024-01-15"));
}

TEST(ExpandOccurrencesTest, PeriodsFallDueOnTheirLastDay) {
  const v1::Schedule s = ScheduleOf({
      Period(2024, v1::CalendarPeriod::KIND_QUARTER, 1),
      Period(2024, v1::CalendarPeriod::KIND_QUARTER, 2),
      Period(2024, v1::CalendarPeriod::KIND_QUARTER, 3),
      Period(2024, v1::CalendarPeriod::KIND_QUARTER, 4),
      Period(2024, v1::CalendarPeriod::KIND_HALF, 1),
      Period(2025, v1::CalendarPeriod::KIND_HALF, 2),
      Period(2024, v1::CalendarPeriod::KIND_MONTH, 2),
      Period(2023, v1::CalendarPeriod::KIND_MONTH, 2),
      Period(2023, v1::CalendarPeriod::KIND_YEAR, 0),
  });
  EXPECT_THAT(Keys(ExpandOccurrences(s, Plan(2024, 2024))),
              ElementsAre("2023-02-28", "2023-12-31", "2024-02-29", "2024-03-31", "2024-06-30",
                          "2024-09-30", "2024-12-31", "2025-12-31"));
}

TEST(ExpandOccurrencesTest, SortedByDueDateWithMilestoneIndexes) {
  const std::vector<Occurrence> got = ExpandOccurrences(
      ScheduleOf({DueOn(2024, 9, 30), Period(2024, v1::CalendarPeriod::KIND_QUARTER, 1),
                  DueOn(2024, 4, 30)}),
      Plan(2024, 2024));
  ASSERT_THAT(got, SizeIs(3));
  EXPECT_EQ(got[0].key, "2024-03-31");
  EXPECT_EQ(got[0].milestone_index, 1);
  EXPECT_EQ(got[1].key, "2024-04-30");
  EXPECT_EQ(got[1].milestone_index, 2);
  EXPECT_EQ(got[2].key, "2024-09-30");
  EXPECT_EQ(got[2].milestone_index, 0);
}

// ---------------------------------------------------------------------------
// Recurrences

TEST(ExpandOccurrencesTest, QuarterOfTheYearBeforeFromTheIssueDate) {
  // DOMAIN.md: "Quý III năm trước liền kề năm kế hoạch" in a 2022–2025 plan
  // issued 26/8/2022 is due 30/9/2022, 30/9/2023 and 30/9/2024.
  const v1::Schedule s = ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 3, 0, 0, -1)});
  EXPECT_THAT(Keys(ExpandOccurrences(s, Plan(2022, 2025, CivilDay(2022, 8, 26)))),
              ElementsAre("2022-09-30", "2023-09-30", "2024-09-30"));
  EXPECT_THAT(Keys(ExpandOccurrences(s, Plan(2022, 2025))),
              ElementsAre("2021-09-30", "2022-09-30", "2023-09-30", "2024-09-30"));
}

TEST(ExpandOccurrencesTest, ParsedTimeframeExpandsAsDomainSays) {
  absl::StatusOr<v1::Schedule> s =
      ParseTimeframe("Quý III năm trước liền kề năm kế hoạch", {2022, 2022, 2025});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(Keys(ExpandOccurrences(*s, Plan(2022, 2025, CivilDay(2022, 8, 26)))),
              ElementsAre("2022-09-30", "2023-09-30", "2024-09-30"));
}

TEST(ExpandOccurrencesTest, IssueDateItselfIsIncluded) {
  const v1::Schedule s = ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 3)});
  EXPECT_THAT(Keys(ExpandOccurrences(s, Plan(2022, 2023, CivilDay(2022, 9, 30)))),
              ElementsAre("2022-09-30", "2023-09-30"));
  EXPECT_THAT(Keys(ExpandOccurrences(s, Plan(2022, 2023, CivilDay(2022, 10, 1)))),
              ElementsAre("2023-09-30"));
}

TEST(ExpandOccurrencesTest, AnnualQuarterOne) {
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 1)}),
                                     Plan(2022, 2025, CivilDay(2022, 8, 26)))),
              ElementsAre("2023-03-31", "2024-03-31", "2025-03-31"));
}

TEST(ExpandOccurrencesTest, AnnualDefaultsToTheEndOfTheYear) {
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL)}),
                                     Plan(2022, 2025, CivilDay(2022, 8, 26)))),
              ElementsAre("2022-12-31", "2023-12-31", "2024-12-31", "2025-12-31"));
}

TEST(ExpandOccurrencesTest, AnnualOnAMonthAndDay) {
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 0, 12, 15)}),
                                     Plan(2023, 2024))),
              ElementsAre("2023-12-15", "2024-12-15"));
  // A month alone: its last day, leap years included.
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 0, 2)}),
                                     Plan(2023, 2024))),
              ElementsAre("2023-02-28", "2024-02-29"));
  // 29 February falls on the 28th in other years.
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 0, 2, 29)}),
                                     Plan(2023, 2024))),
              ElementsAre("2023-02-28", "2024-02-29"));
  // A quarter and a day: that day of the quarter's last month.
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 2, 0, 20)}),
                                     Plan(2024, 2024))),
              ElementsAre("2024-06-20"));
}

TEST(ExpandOccurrencesTest, QuarterlyOnTheTwentyFifth) {
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_QUARTERLY, 0, 0, 25)}),
                                     Plan(2024, 2024))),
              ElementsAre("2024-03-25", "2024-06-25", "2024-09-25", "2024-12-25"));
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_QUARTERLY)}),
                                     Plan(2024, 2024, CivilDay(2024, 4, 1)))),
              ElementsAre("2024-06-30", "2024-09-30", "2024-12-31"));
}

TEST(ExpandOccurrencesTest, MonthlyClampsTheDayToTheMonth) {
  const std::vector<Occurrence> got =
      ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_MONTHLY, 0, 0, 31)}), Plan(2024, 2024));
  EXPECT_THAT(Keys(got), ElementsAre("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30",
                                     "2024-05-31", "2024-06-30", "2024-07-31", "2024-08-31",
                                     "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31"));
  for (const Occurrence& o : got) EXPECT_FALSE(o.check_in);
}

TEST(ExpandOccurrencesTest, SemiannualAcrossThePeriod) {
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_SEMIANNUAL)}),
                                     Plan(2022, 2023, CivilDay(2022, 8, 26)))),
              ElementsAre("2022-12-31", "2023-06-30", "2023-12-31"));
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_SEMIANNUAL, 0, 0, 20)}),
                                     Plan(2024, 2024))),
              ElementsAre("2024-06-20", "2024-12-20"));
}

TEST(ExpandOccurrencesTest, RecurrenceNeedsAPeriod) {
  const v1::Schedule s =
      ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 1), Continuing(), DueOn(2024, 4, 30)});
  EXPECT_THAT(Keys(ExpandOccurrences(s, Plan(0, 0))), ElementsAre("2024-04-30"));
  EXPECT_THAT(Keys(ExpandOccurrences(s, Plan(2025, 2024))), ElementsAre("2024-04-30"));
}

// ---------------------------------------------------------------------------
// Continuous work

TEST(ExpandOccurrencesTest, ContinuousChecksInAtEveryMonthEnd) {
  const std::vector<Occurrence> got =
      ExpandOccurrences(ScheduleOf({Continuing()}), Plan(2024, 2024, CivilDay(2024, 3, 15)));
  EXPECT_THAT(Keys(got),
              ElementsAre("2024-03-31", "2024-04-30", "2024-05-31", "2024-06-30", "2024-07-31",
                          "2024-08-31", "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31"));
  for (const Occurrence& o : got) {
    EXPECT_TRUE(o.check_in);
    EXPECT_EQ(o.milestone_index, 0);
  }
}

TEST(ExpandOccurrencesTest, ContinuousCheckInFrequency) {
  EXPECT_THAT(
      Keys(ExpandOccurrences(ScheduleOf({Continuing(v1::FREQUENCY_QUARTERLY)}), Plan(2024, 2024))),
      ElementsAre("2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"));
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Continuing(v1::FREQUENCY_ANNUAL)}),
                                     Plan(2022, 2025, CivilDay(2022, 8, 26)))),
              ElementsAre("2022-12-31", "2023-12-31", "2024-12-31", "2025-12-31"));
  OccurrenceContext ctx = Plan(2024, 2024);
  ctx.continuous_check_in_default = v1::FREQUENCY_SEMIANNUAL;
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Continuing()}), ctx)),
              ElementsAre("2024-06-30", "2024-12-31"));
  ctx.continuous_check_in_default = v1::FREQUENCY_UNSPECIFIED;
  EXPECT_THAT(ExpandOccurrences(ScheduleOf({Continuing()}), ctx), SizeIs(12));
}

TEST(ExpandOccurrencesTest, ContinuousOverAMultiYearPeriod) {
  EXPECT_THAT(
      ExpandOccurrences(ScheduleOf({Continuing()}), Plan(2022, 2025, CivilDay(2022, 8, 26))),
      SizeIs(5 + 3 * 12));
}

// ---------------------------------------------------------------------------
// Merging

TEST(ExpandOccurrencesTest, SameDateMergesKeepingTheFirstMilestone) {
  // Continuous work (milestone 0) and a deliverable due at a month end
  // (milestone 1): one occurrence, which is a real deadline.
  const std::vector<Occurrence> got = ExpandOccurrences(
      ScheduleOf({Continuing(v1::FREQUENCY_QUARTERLY), DueOn(2024, 6, 30)}), Plan(2024, 2024));
  ASSERT_THAT(got, SizeIs(4));
  EXPECT_EQ(got[1], (Occurrence{CivilDay(2024, 6, 30), 0, "2024-06-30", false}));
  EXPECT_TRUE(got[0].check_in);
  EXPECT_TRUE(got[2].check_in);
}

TEST(ExpandOccurrencesTest, DuplicateRecurrencesMerge) {
  const std::vector<Occurrence> got =
      ExpandOccurrences(ScheduleOf({DueOn(2024, 12, 31), Recurring(v1::FREQUENCY_ANNUAL),
                                    Period(2024, v1::CalendarPeriod::KIND_HALF, 2)}),
                        Plan(2024, 2025));
  EXPECT_THAT(Keys(got), ElementsAre("2024-12-31", "2025-12-31"));
  EXPECT_EQ(got[0].milestone_index, 0);
  EXPECT_EQ(got[1].milestone_index, 1);
}

TEST(ExpandOccurrencesTest, ParsedMultiMilestoneTimeframe) {
  absl::StatusOr<v1::Schedule> s = ParseTimeframe(
      "Triển khai ngay từ đầu năm; Lập kế hoạch kiểm tra trong Quý I/2024; "
      "tổ chức kiểm tra xong trước 30/9/2024",
      {2024, 2024, 2024});
  ASSERT_TRUE(s.ok()) << s.status();
  const std::vector<Occurrence> got =
      ExpandOccurrences(*s, Plan(2024, 2024, CivilDay(2024, 3, 20)));
  ASSERT_THAT(got, SizeIs(10));
  EXPECT_EQ(got[0], (Occurrence{CivilDay(2024, 3, 31), 0, "2024-03-31", false}));
  EXPECT_EQ(got[6], (Occurrence{CivilDay(2024, 9, 30), 0, "2024-09-30", false}));
  EXPECT_TRUE(got[1].check_in);
}

// ---------------------------------------------------------------------------
// Validation

TEST(ValidateScheduleTest, AcceptsEveryKind) {
  EXPECT_TRUE(ValidateSchedule(
                  ScheduleOf({DueOn(2024, 4, 30), Period(2024, v1::CalendarPeriod::KIND_QUARTER, 1),
                              Period(2024, v1::CalendarPeriod::KIND_YEAR, 0),
                              Recurring(v1::FREQUENCY_ANNUAL, 3, 0, 0, -1),
                              Recurring(v1::FREQUENCY_QUARTERLY, 0, 0, 25), Continuing()}))
                  .ok());
}

TEST(ValidateScheduleTest, RejectsAnEmptySchedule) {
  const absl::Status status = ValidateSchedule(v1::Schedule());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("at least one milestone"));
}

TEST(ValidateScheduleTest, NamesTheBadMilestoneAndRule) {
  struct Case {
    v1::Milestone milestone;
    std::string message;
  };
  const std::vector<Case> cases = {
      {v1::Milestone(), "schedule.milestones[1]: no due_date"},
      {DueOn(2023, 2, 29), "schedule.milestones[1].due_date: "},
      {DueOn(1999, 1, 1), "outside 2000"},
      {Period(2024, v1::CalendarPeriod::KIND_QUARTER, 5),
       "schedule.milestones[1].period.index: quarter 5 is outside 1–4"},
      {Period(2024, v1::CalendarPeriod::KIND_HALF, 3), "half 3"},
      {Period(2024, v1::CalendarPeriod::KIND_MONTH, 0), "month 0"},
      {Period(2024, v1::CalendarPeriod::KIND_UNSPECIFIED, 1), "period.kind"},
      {Period(1990, v1::CalendarPeriod::KIND_YEAR, 0), "period.year"},
      {Recurring(v1::FREQUENCY_ONCE), "recurrence.frequency"},
      {Recurring(v1::FREQUENCY_UNSPECIFIED), "recurrence.frequency"},
      {Recurring(v1::FREQUENCY_ANNUAL, 5), "recurrence.quarter"},
      {Recurring(v1::FREQUENCY_ANNUAL, 1, 3), "not both"},
      {Recurring(v1::FREQUENCY_ANNUAL, 0, 13), "recurrence.month"},
      {Recurring(v1::FREQUENCY_MONTHLY, 0, 0, 32), "recurrence.day"},
      {Recurring(v1::FREQUENCY_ANNUAL, 0, 4, 31), "does not exist"},
      {Recurring(v1::FREQUENCY_ANNUAL, 0, 0, 0, -11), "year_offset"},
      {Continuing(v1::FREQUENCY_ONCE), "continuous.check_in"},
  };
  for (const Case& c : cases) {
    const absl::Status status = ValidateSchedule(ScheduleOf({DueOn(2024, 4, 30), c.milestone}));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(status.message(), HasSubstr(c.message));
    EXPECT_FALSE(ValidateMilestone(c.milestone).ok()) << c.message;
  }
}

TEST(ExpandOccurrencesTest, SkipsInvalidMilestones) {
  const v1::Schedule s = ScheduleOf({v1::Milestone(), DueOn(2023, 2, 29),
                                     Period(2024, v1::CalendarPeriod::KIND_QUARTER, 5),
                                     Recurring(v1::FREQUENCY_ONCE), DueOn(2024, 4, 30)});
  const std::vector<Occurrence> got = ExpandOccurrences(s, Plan(2024, 2024));
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_EQ(got[0].milestone_index, 4);
  EXPECT_THAT(ExpandOccurrences(v1::Schedule(), Plan(2024, 2024)), IsEmpty());
}

TEST(ExpandOccurrencesTest, LeavesOutDatesOutsideSupportedYears) {
  EXPECT_THAT(Keys(ExpandOccurrences(ScheduleOf({Recurring(v1::FREQUENCY_ANNUAL, 3, 0, 0, -1)}),
                                     Plan(2000, 2001))),
              ElementsAre("2000-09-30"));
}

}  // namespace
}  // namespace chiso::schedule
