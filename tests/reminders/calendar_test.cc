#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/working_calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::calendar {
namespace {

using ::absl::CivilDay;
using ::testing::HasSubstr;

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

const WorkingCalendar& Vn() { return WorkingCalendar::Builtin(); }

TEST(WorkingCalendarTest, BuiltinDataParses) {
  EXPECT_GT(Vn().listed_days(), 40);
  EXPECT_TRUE(WorkingCalendar::BuiltinPlusFile("").ok());
}

TEST(WorkingCalendarTest, OrdinaryWeekIsMondayToFriday) {
  // 10–14 June 2024 is an ordinary week.
  for (int d = 10; d <= 14; ++d) EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2024, 6, d))) << d;
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2024, 6, 15)));  // Saturday
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2024, 6, 16)));  // Sunday
}

TEST(WorkingCalendarTest, TetFollowsTheAnnouncedDaysOff) {
  // Tết Ất Tỵ: 25/1–2/2/2025; the weekdays 27–31 January are off.
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2025, 1, 24)));
  for (int d = 27; d <= 31; ++d) EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2025, 1, d))) << d;
  EXPECT_EQ(Vn().NextWorkingDay(CivilDay(2025, 1, 24)), CivilDay(2025, 2, 3));
  EXPECT_EQ(Vn().PreviousWorkingDay(CivilDay(2025, 2, 3)), CivilDay(2025, 1, 24));
  // Tết Giáp Thìn: 8–14/2/2024.
  EXPECT_EQ(Vn().NextWorkingDay(CivilDay(2024, 2, 7)), CivilDay(2024, 2, 15));
  // Tết Bính Ngọ: 14–22/2/2026.
  EXPECT_EQ(Vn().NextWorkingDay(CivilDay(2026, 2, 13)), CivilDay(2026, 2, 23));
  // Tết Đinh Mùi (provisional): mùng 1 on Saturday 6/2/2027.
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2027, 2, 5)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2027, 2, 11)));
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2027, 2, 12)));
}

TEST(WorkingCalendarTest, LunarHolidaysOfHungKings) {
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2024, 4, 18)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2025, 4, 7)));
  // 2026: 10/3 âm lịch is Sunday 26/4, so Monday 27/4 is off (nghỉ bù).
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2026, 4, 27)));
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2026, 4, 28)));
}

TEST(WorkingCalendarTest, MakeUpSaturdaysAreWorkedAndSwappedDaysAreNot) {
  // Saturday 26/4/2025 is worked in exchange for Friday 2/5/2025.
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2025, 4, 26)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2025, 5, 2)));
  // Saturday 4/5/2024 for Monday 29/4/2024.
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2024, 5, 4)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2024, 4, 29)));
  // Saturday 10/1/2026 for Friday 2/1/2026; Saturday 22/8/2026 for 31/8.
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2026, 1, 10)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2026, 1, 2)));
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2026, 8, 22)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2026, 8, 31)));

  // Friday 25/4/2025 → the make-up Saturday → Monday 28/4.
  EXPECT_EQ(Vn().NextWorkingDay(CivilDay(2025, 4, 25)), CivilDay(2025, 4, 26));
  EXPECT_EQ(Vn().NextWorkingDay(CivilDay(2025, 4, 26)), CivilDay(2025, 4, 28));
  // Tuesday 29/4/2025 → 30/4, 1/5, 2/5 off, then the weekend → Monday 5/5.
  EXPECT_EQ(Vn().NextWorkingDay(CivilDay(2025, 4, 29)), CivilDay(2025, 5, 5));
}

// The Labour Code gives 11 paid holidays a year; swapped days off are paid
// back with make-up Saturdays, so each announced year nets 11 weekdays off.
TEST(WorkingCalendarTest, EachDataYearNetsElevenWeekdaysOff) {
  for (int year = 2024; year <= 2027; ++year) {
    int off_weekdays = 0;
    int worked_weekend_days = 0;
    for (CivilDay d(year, 1, 1); d.year() == year; ++d) {
      const absl::Weekday w = absl::GetWeekday(d);
      const bool weekend = w == absl::Weekday::saturday || w == absl::Weekday::sunday;
      if (!weekend && !Vn().IsWorkingDay(d)) ++off_weekdays;
      if (weekend && Vn().IsWorkingDay(d)) ++worked_weekend_days;
    }
    EXPECT_EQ(off_weekdays - worked_weekend_days, 11) << year;
    EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(year, 1, 1))) << year;
    EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(year, 9, 2))) << year;
  }
}

TEST(WorkingCalendarTest, UnknownYearsFallBackToFixedSolarHolidays) {
  // 2030 has no data: Monday–Friday with 1/1, 30/4, 1/5 and 2/9.
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2030, 1, 1)));  // Tuesday
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2030, 1, 2)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2030, 4, 30)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2030, 5, 1)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2030, 9, 2)));  // Monday
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2030, 9, 3)));
  // Tết 2030 (5/2) is unknown without data: an ordinary Tuesday.
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2030, 2, 5)));
}

TEST(WorkingCalendarTest, UnknownYearsGetCompensatoryDays) {
  // 2028: 1/1 is Saturday → Monday 3/1 off; 30/4 Sunday and 1/5 Monday →
  // Tuesday 2/5 off.
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2028, 1, 3)));
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2028, 1, 4)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2028, 5, 1)));
  EXPECT_FALSE(Vn().IsWorkingDay(CivilDay(2028, 5, 2)));
  EXPECT_TRUE(Vn().IsWorkingDay(CivilDay(2028, 5, 3)));
}

TEST(WorkingCalendarTest, AddWorkingDaysBothWays) {
  EXPECT_EQ(Vn().AddWorkingDays(CivilDay(2024, 6, 7), 1), CivilDay(2024, 6, 10));
  EXPECT_EQ(Vn().AddWorkingDays(CivilDay(2024, 6, 6), 3), CivilDay(2024, 6, 11));
  EXPECT_EQ(Vn().AddWorkingDays(CivilDay(2024, 6, 10), -1), CivilDay(2024, 6, 7));
  EXPECT_EQ(Vn().AddWorkingDays(CivilDay(2025, 2, 3), -2), CivilDay(2025, 1, 23));
  // n == 0 leaves a non-working day as it is.
  EXPECT_EQ(Vn().AddWorkingDays(CivilDay(2024, 6, 8), 0), CivilDay(2024, 6, 8));
}

TEST(WorkingCalendarTest, WorkingDaysBetweenInvertsAddWorkingDays) {
  EXPECT_EQ(Vn().WorkingDaysBetween(CivilDay(2024, 6, 7), CivilDay(2024, 6, 10)), 1);
  EXPECT_EQ(Vn().WorkingDaysBetween(CivilDay(2024, 6, 10), CivilDay(2024, 6, 7)), -1);
  EXPECT_EQ(Vn().WorkingDaysBetween(CivilDay(2025, 1, 24), CivilDay(2025, 2, 3)), 1);
  EXPECT_EQ(Vn().WorkingDaysBetween(CivilDay(2024, 6, 7), CivilDay(2024, 6, 7)), 0);
  for (CivilDay d(2025, 1, 1); d < CivilDay(2025, 6, 1); ++d) {
    if (!Vn().IsWorkingDay(d)) continue;
    for (int n = -12; n <= 12; ++n) {
      EXPECT_EQ(Vn().WorkingDaysBetween(d, Vn().AddWorkingDays(d, n)), n) << d << " " << n;
    }
  }
}

TEST(WorkingCalendarTest, WorkingHoursAreHalfPastSevenToFiveInHanoi) {
  // Monday 10 June 2024; Hà Nội is UTC+7.
  EXPECT_TRUE(Vn().InWorkingHours(Utc(2024, 6, 10, 0, 30)));   // 07:30
  EXPECT_FALSE(Vn().InWorkingHours(Utc(2024, 6, 10, 0, 29)));  // 07:29
  EXPECT_TRUE(Vn().InWorkingHours(Utc(2024, 6, 10, 9, 59)));   // 16:59
  EXPECT_FALSE(Vn().InWorkingHours(Utc(2024, 6, 10, 10, 0)));  // 17:00
  EXPECT_FALSE(Vn().InWorkingHours(Utc(2024, 6, 9, 23, 0)));   // 06:00 Monday
  EXPECT_TRUE(Vn().InWorkingHours(Utc(2024, 6, 9, 17, 0) + absl::Hours(8)));
  EXPECT_FALSE(Vn().InWorkingHours(Utc(2024, 6, 8, 3, 0)));   // Saturday
  EXPECT_FALSE(Vn().InWorkingHours(Utc(2025, 1, 29, 3, 0)));  // mùng 1 Tết
  EXPECT_TRUE(Vn().InWorkingHours(Utc(2025, 4, 26, 3, 0)));   // make-up Saturday
}

TEST(WorkingCalendarParseTest, LinesCommentsAndKinds) {
  absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::Parse(
      "# a comment\n"
      "\n"
      "2031-03-05 holiday Ngày nghỉ thử  # trailing comment\r\n"
      "  2031-03-08\tworkday Làm bù\n"
      "2031-03-10 holiday\n");
  ASSERT_TRUE(cal.ok()) << cal.status();
  EXPECT_EQ(cal->listed_days(), 3);
  EXPECT_FALSE(cal->IsWorkingDay(CivilDay(2031, 3, 5)));
  EXPECT_TRUE(cal->IsWorkingDay(CivilDay(2031, 3, 8)));  // a Saturday
  EXPECT_FALSE(cal->IsWorkingDay(CivilDay(2031, 3, 10)));
  // A listed year is taken as announced: no fallback holidays in 2031.
  EXPECT_TRUE(cal->IsWorkingDay(CivilDay(2031, 1, 1)));
  // Other years still fall back.
  EXPECT_FALSE(cal->IsWorkingDay(CivilDay(2032, 1, 1)));
}

TEST(WorkingCalendarParseTest, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"# ok\n2025-13-01 holiday X\n", "calendar line 2: \"2025-13-01\" is not a date"},
      {"2025-2-1 holiday X\n", "calendar line 1: \"2025-2-1\" is not a date (YYYY-MM-DD)"},
      {"2023-02-29 holiday X\n", "calendar line 1: \"2023-02-29\" is not a date"},
      {"\n\n2025-01-01 nghỉ Tết\n",
       "calendar line 3: kind \"nghỉ\" is neither holiday nor workday"},
      {"2025-01-01\n", "calendar line 1: 2025-01-01 has no kind"},
      {"2025-01-01 holiday A\n2025-01-01 workday B\n",
       "calendar line 2: 2025-01-01 is already listed on line 1"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::Parse(c.text);
    EXPECT_EQ(cal.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(cal.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(WorkingCalendarFileTest, FileLinesExtendAndReplaceBuiltinOnes) {
  const std::string path = ::testing::TempDir() + "/calendar_extra.txt";
  {
    std::ofstream out(path);
    out << "# The Government picked 1/9 rather than 3/9 for 2027.\n"
           "2027-09-03 workday corrected\n"
           "2027-09-01 holiday Quốc khánh (ngày liền kề)\n"
           "2028-01-26 holiday Tết Mậu Thân\n";
  }
  absl::StatusOr<WorkingCalendar> cal = WorkingCalendar::BuiltinPlusFile(path);
  ASSERT_TRUE(cal.ok()) << cal.status();
  EXPECT_TRUE(cal->IsWorkingDay(CivilDay(2027, 9, 3)));
  EXPECT_FALSE(cal->IsWorkingDay(CivilDay(2027, 9, 1)));
  EXPECT_FALSE(cal->IsWorkingDay(CivilDay(2028, 1, 26)));
  // The built-in days stay.
  EXPECT_FALSE(cal->IsWorkingDay(CivilDay(2025, 1, 29)));
  EXPECT_FALSE(WorkingCalendar::Builtin().IsWorkingDay(CivilDay(2027, 9, 3)));
}

TEST(WorkingCalendarFileTest, MissingAndBadFiles) {
  absl::StatusOr<WorkingCalendar> missing =
      WorkingCalendar::BuiltinPlusFile(::testing::TempDir() + "/no-such-calendar.txt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no-such-calendar.txt"));

  const std::string path = ::testing::TempDir() + "/calendar_bad.txt";
  {
    std::ofstream out(path);
    out << "2027-09-03 off\n";
  }
  absl::StatusOr<WorkingCalendar> bad = WorkingCalendar::BuiltinPlusFile(path);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("calendar_bad.txt: calendar line 1"));
}

}  // namespace
}  // namespace chiso::calendar
