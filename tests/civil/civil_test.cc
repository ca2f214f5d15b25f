#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/civil/date.h"
#include "common/civil/period.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::civil {
namespace {

using ::absl::CivilDay;
using ::testing::AllOf;

MATCHER_P(HoldsValue, expected, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  return *arg == expected;
}

MATCHER_P(IsInvalidArgumentWith, substring, "") {
  if (arg.ok()) {
    *result_listener << "is OK";
    return false;
  }
  *result_listener << "status " << arg.status();
  return arg.status().code() == absl::StatusCode::kInvalidArgument &&
         std::string(arg.status().message()).find(substring) != std::string::npos;
}

absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

// ---------------------------------------------------------------------------
// CheckYear, MakeDate

TEST(CheckYearTest, AcceptsTwoThousandToTwoThousandOneHundred) {
  EXPECT_TRUE(CheckYear(2000).ok());
  EXPECT_TRUE(CheckYear(2024).ok());
  EXPECT_TRUE(CheckYear(2100).ok());
}

TEST(CheckYearTest, RejectsOtherYearsNamingTheRule) {
  const absl::Status status = CheckYear(1999);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "year 1999 is outside 2000–2100");
  EXPECT_EQ(CheckYear(2101).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckYear(0).code(), absl::StatusCode::kInvalidArgument);
}

TEST(MakeDateTest, ValidDates) {
  EXPECT_THAT(MakeDate(2024, 4, 30), HoldsValue(CivilDay(2024, 4, 30)));
  EXPECT_THAT(MakeDate(2024, 2, 29), HoldsValue(CivilDay(2024, 2, 29)));
  EXPECT_THAT(MakeDate(2000, 2, 29), HoldsValue(CivilDay(2000, 2, 29)));
}

TEST(MakeDateTest, DoesNotNormalise) {
  EXPECT_THAT(MakeDate(2024, 4, 31),
              AllOf(IsInvalidArgumentWith("2024-4-31"),
                    IsInvalidArgumentWith("day 31 does not exist in 4/2024")));
  EXPECT_THAT(MakeDate(2024, 13, 1), IsInvalidArgumentWith("month 13 is outside 1–12"));
  EXPECT_THAT(MakeDate(2024, 0, 1), IsInvalidArgumentWith("month 0"));
  EXPECT_THAT(MakeDate(2024, 1, 0), IsInvalidArgumentWith("day 0"));
  EXPECT_THAT(MakeDate(2100, 2, 29), IsInvalidArgumentWith("not a leap year"));
  EXPECT_THAT(MakeDate(1999, 12, 31), IsInvalidArgumentWith("outside 2000–2100"));
}

// ---------------------------------------------------------------------------
// ParseDate

TEST(ParseDateTest, DayMonthYearWithSlashes) {
  EXPECT_THAT(ParseDate("30/4/2024"), HoldsValue(CivilDay(2024, 4, 30)));
  EXPECT_THAT(ParseDate("05/4/2024"), HoldsValue(CivilDay(2024, 4, 5)));
  EXPECT_THAT(ParseDate("26/8/2022"), HoldsValue(CivilDay(2022, 8, 26)));
  EXPECT_THAT(ParseDate("5/04/2024"), HoldsValue(CivilDay(2024, 4, 5)));
  EXPECT_THAT(ParseDate("30/6/2024"), HoldsValue(CivilDay(2024, 6, 30)));
}

TEST(ParseDateTest, OtherSeparatorsAndSpaces) {
  EXPECT_THAT(ParseDate("30-4-2024"), HoldsValue(CivilDay(2024, 4, 30)));
  EXPECT_THAT(ParseDate("30.4.2024"), HoldsValue(CivilDay(2024, 4, 30)));
  EXPECT_THAT(ParseDate(" 30 / 4 / 2024 "), HoldsValue(CivilDay(2024, 4, 30)));
  EXPECT_THAT(ParseDate("\u00A030/4/2024\n"), HoldsValue(CivilDay(2024, 4, 30)));
}

TEST(ParseDateTest, VietnameseWords) {
  const CivilDay expected(2020, 6, 11);
  EXPECT_THAT(ParseDate("ngày 11 tháng 6 năm 2020"), HoldsValue(expected));
  EXPECT_THAT(ParseDate("Ngày 11 Tháng 6 Năm 2020"), HoldsValue(expected));
  EXPECT_THAT(ParseDate("NGÀY 11 THÁNG 6 NĂM 2020"), HoldsValue(expected));
  EXPECT_THAT(ParseDate("ngay 11 thang 6 nam 2020"), HoldsValue(expected));
  EXPECT_THAT(ParseDate("  ngày   11  tháng 06   năm 2020 "), HoldsValue(expected));
  // Decomposed diacritics, as pasted from some PDF readers.
  EXPECT_THAT(ParseDate("nga\u0300y 11 tha\u0301ng 6 na\u0306m 2020"), HoldsValue(expected));
  EXPECT_THAT(ParseDate("ngày 11 tháng 6, năm 2020"), HoldsValue(expected));
}

TEST(ParseDateTest, NgayBeforeNumericDate) {
  EXPECT_THAT(ParseDate("ngày 30/4/2024"), HoldsValue(CivilDay(2024, 4, 30)));
  EXPECT_THAT(ParseDate("Ngày 05/4/2024"), HoldsValue(CivilDay(2024, 4, 5)));
}

TEST(ParseDateTest, IsoDate) {
  EXPECT_THAT(ParseDate("2024-04-30"), HoldsValue(CivilDay(2024, 4, 30)));
  EXPECT_THAT(ParseDate("2024-4-5"), HoldsValue(CivilDay(2024, 4, 5)));
}

TEST(ParseDateTest, NoYearUsesDefaultYear) {
  EXPECT_THAT(ParseDate("15/12", 2020), HoldsValue(CivilDay(2020, 12, 15)));
  EXPECT_THAT(ParseDate("ngày 15 tháng 12", 2020), HoldsValue(CivilDay(2020, 12, 15)));
  EXPECT_THAT(ParseDate("29/2", 2024), HoldsValue(CivilDay(2024, 2, 29)));
}

TEST(ParseDateTest, WrittenYearWinsOverDefault) {
  EXPECT_THAT(ParseDate("30/4/2024", 2020), HoldsValue(CivilDay(2024, 4, 30)));
}

TEST(ParseDateTest, NoYearAndNoDefaultFails) {
  EXPECT_THAT(ParseDate("15/12"),
              AllOf(IsInvalidArgumentWith("\"15/12\""), IsInvalidArgumentWith("no year")));
  EXPECT_THAT(ParseDate("29/2", 2023), IsInvalidArgumentWith("2023 is not a leap year"));
  EXPECT_THAT(ParseDate("15/12", 1999), IsInvalidArgumentWith("year 1999 is outside 2000–2100"));
}

TEST(ParseDateTest, RejectsDaysThatDoNotExist) {
  EXPECT_THAT(ParseDate("31/4/2024"), AllOf(IsInvalidArgumentWith("invalid date \"31/4/2024\""),
                                            IsInvalidArgumentWith("day 31 does not exist in 4/2024 "
                                                                  "(30 days)")));
  EXPECT_THAT(ParseDate("29/2/2023"), IsInvalidArgumentWith("2023 is not a leap year"));
  EXPECT_THAT(ParseDate("29/2/2100"), IsInvalidArgumentWith("2100 is not a leap year"));
  EXPECT_THAT(ParseDate("29/2/2024"), HoldsValue(CivilDay(2024, 2, 29)));
  EXPECT_THAT(ParseDate("29/2/2000"), HoldsValue(CivilDay(2000, 2, 29)));
  EXPECT_THAT(ParseDate("0/4/2024"), IsInvalidArgumentWith("day 0"));
  EXPECT_THAT(ParseDate("32/1/2024"), IsInvalidArgumentWith("day 32"));
  EXPECT_THAT(ParseDate("30/13/2024"), IsInvalidArgumentWith("month 13 is outside 1–12"));
  EXPECT_THAT(ParseDate("ngày 31 tháng 6 năm 2020"),
              IsInvalidArgumentWith("day 31 does not exist in 6/2020"));
}

TEST(ParseDateTest, RejectsYearsOutsideTheRange) {
  EXPECT_THAT(ParseDate("1/1/1999"), IsInvalidArgumentWith("year 1999 is outside 2000–2100"));
  EXPECT_THAT(ParseDate("1/1/2101"), IsInvalidArgumentWith("year 2101 is outside 2000–2100"));
  EXPECT_THAT(ParseDate("1/1/2000"), HoldsValue(CivilDay(2000, 1, 1)));
  EXPECT_THAT(ParseDate("31/12/2100"), HoldsValue(CivilDay(2100, 12, 31)));
}

TEST(ParseDateTest, RejectsTwoDigitYears) {
  EXPECT_THAT(ParseDate("30/4/24"), IsInvalidArgumentWith("the year must have four digits"));
  EXPECT_THAT(ParseDate("30/4/02024"), IsInvalidArgumentWith("the year must have four digits"));
}

TEST(ParseDateTest, RejectsOtherShapes) {
  for (const char* text :
       {"", "   ", "abc", "30/4/2024 hằng năm", "tháng 6 năm 2020", "ngày 11 tháng", "ngày", "30",
        "30/4/2024/1", "030/4/2024", "30/004/2024", "trước ngày 30/4/2024", "30/4/năm",
        "Quý I/2024", "30/4/2024abc", "2024-04"}) {
    EXPECT_THAT(ParseDate(text, 2024), IsInvalidArgumentWith("expected")) << text;
  }
}

TEST(ParseDateTest, ErrorQuotesTheInput) {
  EXPECT_THAT(ParseDate("ngày 3x tháng 6"),
              IsInvalidArgumentWith("invalid date \"ngày 3x tháng 6\""));
}

// ---------------------------------------------------------------------------
// Quarters

TEST(ParseQuarterNumberTest, RomanAndArabic) {
  EXPECT_EQ(ParseQuarterNumber("I"), 1);
  EXPECT_EQ(ParseQuarterNumber("ii"), 2);
  EXPECT_EQ(ParseQuarterNumber("III"), 3);
  EXPECT_EQ(ParseQuarterNumber("IV"), 4);
  EXPECT_EQ(ParseQuarterNumber(" 3 "), 3);
  EXPECT_EQ(ParseQuarterNumber("\u2162"), 3);  // Ⅲ
  EXPECT_EQ(ParseQuarterNumber("V"), std::nullopt);
  EXPECT_EQ(ParseQuarterNumber("5"), std::nullopt);
  EXPECT_EQ(ParseQuarterNumber("0"), std::nullopt);
  EXPECT_EQ(ParseQuarterNumber("IIII"), std::nullopt);
  EXPECT_EQ(ParseQuarterNumber(""), std::nullopt);
}

TEST(ParseQuarterTest, QuarterWithYear) {
  EXPECT_THAT(ParseQuarter("Quý I/2024"), HoldsValue(QuarterRef{2024, 1}));
  EXPECT_THAT(ParseQuarter("Quý 3 năm 2024"), HoldsValue(QuarterRef{2024, 3}));
  EXPECT_THAT(ParseQuarter("Q2/2025"), HoldsValue(QuarterRef{2025, 2}));
  EXPECT_THAT(ParseQuarter("QUÝ IV - 2024"), HoldsValue(QuarterRef{2024, 4}));
  EXPECT_THAT(ParseQuarter("Quy ii nam 2023"), HoldsValue(QuarterRef{2023, 2}));
  EXPECT_THAT(ParseQuarter("q4 2024"), HoldsValue(QuarterRef{2024, 4}));
  EXPECT_THAT(ParseQuarter("Q 1/2024"), HoldsValue(QuarterRef{2024, 1}));
  EXPECT_THAT(ParseQuarter("QIII/2024"), HoldsValue(QuarterRef{2024, 3}));
  EXPECT_THAT(ParseQuarter(" Quý  III  năm  2024 "), HoldsValue(QuarterRef{2024, 3}));
  EXPECT_THAT(ParseQuarter("Quy\u0301 I/2024"),  // decomposed "Quý"
              HoldsValue(QuarterRef{2024, 1}));
}

TEST(ParseQuarterTest, NoYearUsesDefaultYear) {
  EXPECT_THAT(ParseQuarter("Quý III", 2024), HoldsValue(QuarterRef{2024, 3}));
  EXPECT_THAT(ParseQuarter("quý I", 2023), HoldsValue(QuarterRef{2023, 1}));
  EXPECT_THAT(ParseQuarter("Quý I/2024", 2020), HoldsValue(QuarterRef{2024, 1}));
}

TEST(ParseQuarterTest, NoYearAndNoDefaultFails) {
  EXPECT_THAT(ParseQuarter("Quý III"), AllOf(IsInvalidArgumentWith("invalid quarter \"Quý III\""),
                                             IsInvalidArgumentWith("no year")));
}

TEST(ParseQuarterTest, RejectsQuarterNumbersOutsideOneToFour) {
  EXPECT_THAT(ParseQuarter("Quý V/2024"), IsInvalidArgumentWith("the quarter must be I–IV or 1–4"));
  EXPECT_THAT(ParseQuarter("Quý 5", 2024),
              IsInvalidArgumentWith("the quarter must be I–IV or 1–4"));
  EXPECT_THAT(ParseQuarter("Quý 0/2024"), IsInvalidArgumentWith("the quarter must be I–IV or 1–4"));
  EXPECT_THAT(ParseQuarter("Q5/2024"), IsInvalidArgumentWith("the quarter must be I–IV or 1–4"));
}

TEST(ParseQuarterTest, RejectsBadYears) {
  EXPECT_THAT(ParseQuarter("Quý I/1999"), IsInvalidArgumentWith("year 1999 is outside 2000–2100"));
  EXPECT_THAT(ParseQuarter("Quý III", 2101),
              IsInvalidArgumentWith("year 2101 is outside 2000–2100"));
  EXPECT_THAT(ParseQuarter("Quý I/24"), IsInvalidArgumentWith("the year must have four digits"));
}

TEST(ParseQuarterTest, RejectsOtherShapes) {
  for (const char* text :
       {"", "Quý", "năm 2024", "Quý I hằng năm", "Quý III năm trước liền kề năm kế hoạch",
        "trong Quý I/2024", "Quý I/2024 và Quý II/2024", "Quý I năm", "Quý abc", "Quarter 1",
        "quyết định"}) {
    EXPECT_THAT(ParseQuarter(text, 2024), IsInvalidArgumentWith("expected")) << text;
  }
}

TEST(QuarterTest, StartAndEndOfEachQuarter) {
  EXPECT_EQ(QuarterStart(2024, 1), CivilDay(2024, 1, 1));
  EXPECT_EQ(QuarterEnd(2024, 1), CivilDay(2024, 3, 31));
  EXPECT_EQ(QuarterStart(2024, 2), CivilDay(2024, 4, 1));
  EXPECT_EQ(QuarterEnd(2024, 2), CivilDay(2024, 6, 30));
  EXPECT_EQ(QuarterStart(2024, 3), CivilDay(2024, 7, 1));
  EXPECT_EQ(QuarterEnd(2024, 3), CivilDay(2024, 9, 30));
  EXPECT_EQ(QuarterStart(2024, 4), CivilDay(2024, 10, 1));
  EXPECT_EQ(QuarterEnd(2024, 4), CivilDay(2024, 12, 31));
}

TEST(QuarterTest, OutOfRangeQuarterIsClamped) {
  EXPECT_EQ(QuarterStart(2024, 0), CivilDay(2024, 1, 1));
  EXPECT_EQ(QuarterEnd(2024, -3), CivilDay(2024, 3, 31));
  EXPECT_EQ(QuarterEnd(2024, 7), CivilDay(2024, 12, 31));
  EXPECT_EQ(FormatQuarter(QuarterRef{2024, 9}), "Quý IV/2024");
}

TEST(QuarterTest, QuarterOfEveryDayLiesInItsQuarter) {
  for (CivilDay d(2024, 1, 1); d <= CivilDay(2024, 12, 31); ++d) {
    const int q = QuarterOf(d);
    ASSERT_GE(q, 1);
    ASSERT_LE(q, 4);
    EXPECT_LE(QuarterStart(d.year(), q), d) << d;
    EXPECT_GE(QuarterEnd(d.year(), q), d) << d;
  }
  EXPECT_EQ(QuarterOf(CivilDay(2024, 3, 31)), 1);
  EXPECT_EQ(QuarterOf(CivilDay(2024, 4, 1)), 2);
}

TEST(QuarterTest, QuarterIWindowAndDueDate) {
  // "(trong) Quý I/2024": window 2024-01-01 … 2024-03-31, due 2024-03-31.
  absl::StatusOr<QuarterRef> q = ParseQuarter("trong Quý I/2024");
  EXPECT_FALSE(q.ok());  // the preposition is the caller's to strip
  q = ParseQuarter("Quý I/2024");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(QuarterStart(q->year, q->quarter), CivilDay(2024, 1, 1));
  EXPECT_EQ(QuarterEnd(q->year, q->quarter), CivilDay(2024, 3, 31));
}

TEST(QuarterTest, ReportsDueOnThe25thOfTheQuartersLastMonth) {
  // "trước ngày 25 tháng cuối Quý": due 25 March, June, September, December.
  const int expected_months[] = {3, 6, 9, 12};
  for (int q = 1; q <= 4; ++q) {
    const CivilDay end = QuarterEnd(2024, q);
    EXPECT_EQ(CivilDay(end.year(), end.month(), 25), CivilDay(2024, expected_months[q - 1], 25));
  }
}

TEST(QuarterTest, ThirdQuarterOfThePrecedingYear) {
  // "Quý III năm trước liền kề năm kế hoạch" in a 2022–2025 plan issued
  // 26/8/2022 is due 30/9/2022, 30/9/2023 and 30/9/2024.
  absl::StatusOr<CivilDay> issued = ParseDate("26/8/2022");
  ASSERT_TRUE(issued.ok()) << issued.status();
  std::vector<CivilDay> due;
  for (int plan_year = 2022; plan_year <= 2025; ++plan_year) {
    const CivilDay d = QuarterEnd(plan_year - 1, 3);
    if (d >= *issued) due.push_back(d);
  }
  EXPECT_EQ(due, (std::vector<CivilDay>{CivilDay(2022, 9, 30), CivilDay(2023, 9, 30),
                                        CivilDay(2024, 9, 30)}));
}

TEST(QuarterTest, FormatRoundTrips) {
  EXPECT_EQ(FormatQuarter(QuarterRef{2024, 1}), "Quý I/2024");
  EXPECT_EQ(FormatQuarter(QuarterRef{2025, 3}), "Quý III/2025");
  for (int q = 1; q <= 4; ++q) {
    const QuarterRef ref{2024, q};
    EXPECT_THAT(ParseQuarter(FormatQuarter(ref)), HoldsValue(ref));
  }
}

// ---------------------------------------------------------------------------
// Half years

TEST(ParseHalfYearTest, FirstHalfDueThirtiethOfJune) {
  absl::StatusOr<HalfYearRef> h = ParseHalfYear("6 tháng đầu năm", 2024);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(*h, (HalfYearRef{2024, 1}));
  EXPECT_EQ(HalfYearStart(h->year, h->half), CivilDay(2024, 1, 1));
  EXPECT_EQ(HalfYearEnd(h->year, h->half), CivilDay(2024, 6, 30));
}

TEST(ParseHalfYearTest, SecondHalfDueThirtyFirstOfDecember) {
  absl::StatusOr<HalfYearRef> h = ParseHalfYear("6 tháng cuối năm", 2024);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(*h, (HalfYearRef{2024, 2}));
  EXPECT_EQ(HalfYearStart(h->year, h->half), CivilDay(2024, 7, 1));
  EXPECT_EQ(HalfYearEnd(h->year, h->half), CivilDay(2024, 12, 31));
}

TEST(ParseHalfYearTest, Variants) {
  EXPECT_THAT(ParseHalfYear("Sáu tháng đầu năm", 2024), HoldsValue(HalfYearRef{2024, 1}));
  EXPECT_THAT(ParseHalfYear("6 THÁNG ĐẦU NĂM", 2024), HoldsValue(HalfYearRef{2024, 1}));
  EXPECT_THAT(ParseHalfYear("6 thang cuoi nam 2023"), HoldsValue(HalfYearRef{2023, 2}));
  EXPECT_THAT(ParseHalfYear("6 tháng đầu năm 2024", 2020), HoldsValue(HalfYearRef{2024, 1}));
  EXPECT_THAT(ParseHalfYear("nửa đầu năm 2024"), HoldsValue(HalfYearRef{2024, 1}));
  EXPECT_THAT(ParseHalfYear("Nửa cuối năm", 2024), HoldsValue(HalfYearRef{2024, 2}));
  EXPECT_THAT(ParseHalfYear("06 tháng đầu năm", 2024), HoldsValue(HalfYearRef{2024, 1}));
  EXPECT_THAT(ParseHalfYear("6 tha\u0301ng \u0111a\u0302\u0300u na\u0306m", 2024),
              HoldsValue(HalfYearRef{2024, 1}));
}

TEST(ParseHalfYearTest, NoYearAndNoDefaultFails) {
  EXPECT_THAT(ParseHalfYear("6 tháng đầu năm"), AllOf(IsInvalidArgumentWith("\"6 tháng đầu năm\""),
                                                      IsInvalidArgumentWith("no year")));
}

TEST(ParseHalfYearTest, RejectsBadYears) {
  EXPECT_THAT(ParseHalfYear("6 tháng đầu năm 1999"), IsInvalidArgumentWith("outside 2000–2100"));
  EXPECT_THAT(ParseHalfYear("6 tháng đầu năm 24"), IsInvalidArgumentWith("four digits"));
}

TEST(ParseHalfYearTest, RejectsOtherShapes) {
  for (const char* text : {"", "6 tháng giữa năm", "3 tháng đầu năm", "6 tháng đầu",
                           "6 tháng đầu năm và cả năm", "Triển khai trong 6 tháng đầu năm",
                           "6 tháng", "tháng đầu năm", "6 tháng đầu năm năm 2024"}) {
    EXPECT_THAT(ParseHalfYear(text, 2024), IsInvalidArgumentWith("expected")) << text;
  }
}

TEST(HalfYearTest, HalfOf) {
  EXPECT_EQ(HalfOf(CivilDay(2024, 1, 1)), 1);
  EXPECT_EQ(HalfOf(CivilDay(2024, 6, 30)), 1);
  EXPECT_EQ(HalfOf(CivilDay(2024, 7, 1)), 2);
  EXPECT_EQ(HalfOf(CivilDay(2024, 12, 31)), 2);
  EXPECT_EQ(HalfYearEnd(2024, 0), CivilDay(2024, 6, 30));
  EXPECT_EQ(HalfYearEnd(2024, 5), CivilDay(2024, 12, 31));
  EXPECT_EQ(HalfYearStart(2024, 9), CivilDay(2024, 7, 1));
}

// ---------------------------------------------------------------------------
// Business time

TEST(BusinessTimeTest, OffsetIsSevenHours) {
  EXPECT_EQ(kBusinessUtcOffsetSeconds, 25200);
  const absl::TimeZone tz = BusinessTimeZone();
  EXPECT_EQ(tz.At(Utc(2024, 1, 15, 0, 0)).offset, 25200);
  EXPECT_EQ(tz.At(Utc(2024, 7, 15, 0, 0)).offset, 25200);
  EXPECT_FALSE(tz.At(Utc(2024, 7, 15, 0, 0)).is_dst);
}

TEST(BusinessTimeTest, BusinessDayChangesAtFivePmUtc) {
  EXPECT_EQ(BusinessDay(Utc(2024, 4, 29, 16, 59, 59)), CivilDay(2024, 4, 29));
  EXPECT_EQ(BusinessDay(Utc(2024, 4, 29, 17, 0, 0)), CivilDay(2024, 4, 30));
  EXPECT_EQ(BusinessDay(Utc(2024, 12, 31, 17, 0, 0)), CivilDay(2025, 1, 1));
}

TEST(BusinessTimeTest, StartAndEndOfBusinessDay) {
  EXPECT_EQ(StartOfBusinessDay(CivilDay(2024, 4, 30)), Utc(2024, 4, 29, 17, 0));
  EXPECT_EQ(EndOfBusinessDay(CivilDay(2024, 4, 30)), Utc(2024, 4, 30, 17, 0));
  EXPECT_EQ(EndOfBusinessDay(CivilDay(2024, 4, 30)), StartOfBusinessDay(CivilDay(2024, 5, 1)));
}

TEST(BusinessTimeTest, At) {
  EXPECT_EQ(At(CivilDay(2024, 4, 30), 8, 0), Utc(2024, 4, 30, 1, 0));
  EXPECT_EQ(At(CivilDay(2024, 4, 30), 17, 30), Utc(2024, 4, 30, 10, 30));
  EXPECT_EQ(At(CivilDay(2024, 4, 30), 0, 0), StartOfBusinessDay(CivilDay(2024, 4, 30)));
  EXPECT_EQ(At(CivilDay(2024, 4, 30), 24, 0), StartOfBusinessDay(CivilDay(2024, 5, 1)));
}

TEST(BusinessTimeTest, EveryDayIsTwentyFourHoursLong) {
  for (CivilDay d(2024, 1, 1); d <= CivilDay(2025, 12, 31); ++d) {
    ASSERT_EQ(EndOfBusinessDay(d) - StartOfBusinessDay(d), absl::Hours(24)) << d;
    ASSERT_EQ(BusinessDay(StartOfBusinessDay(d)), d);
    ASSERT_EQ(BusinessDay(EndOfBusinessDay(d) - absl::Nanoseconds(1)), d);
  }
}

// ---------------------------------------------------------------------------
// Clock

TEST(FakeClockTest, StartsWhereToldAndMovesOnlyWhenTold) {
  FakeClock default_clock;
  EXPECT_EQ(default_clock.Now(), absl::UnixEpoch());

  const absl::Time start = At(CivilDay(2024, 4, 30), 8, 0);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Hours(2));
  EXPECT_EQ(clock.Now(), start + absl::Hours(2));
  clock.Advance(-absl::Minutes(30));
  EXPECT_EQ(clock.Now(), start + absl::Minutes(90));
  clock.Set(start - absl::Hours(24));
  EXPECT_EQ(clock.Now(), start - absl::Hours(24));
}

TEST(FakeClockTest, WorksThroughTheClockInterface) {
  FakeClock fake(At(CivilDay(2024, 4, 30), 23, 59));
  const Clock* clock = &fake;
  EXPECT_EQ(BusinessDay(clock->Now()), CivilDay(2024, 4, 30));
  fake.Advance(absl::Minutes(1));
  EXPECT_EQ(BusinessDay(clock->Now()), CivilDay(2024, 5, 1));
}

TEST(FakeClockTest, IsThreadSafe) {
  FakeClock clock(absl::UnixEpoch());
  constexpr int kWriters = 8;
  constexpr int kSteps = 1000;
  std::atomic<bool> went_backwards{false};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    absl::Time last = clock.Now();
    while (!done.load()) {
      const absl::Time now = clock.Now();
      if (now < last) went_backwards = true;
      last = now;
    }
  });
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&clock] {
      for (int s = 0; s < kSteps; ++s) clock.Advance(absl::Seconds(1));
    });
  }
  for (std::thread& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(clock.Now(), absl::UnixEpoch() + absl::Seconds(kWriters * kSteps));
  EXPECT_FALSE(went_backwards.load());
}

TEST(RealClockTest, FollowsTheSystemClock) {
  Clock* clock = Clock::Real();
  ASSERT_NE(clock, nullptr);
  EXPECT_EQ(clock, Clock::Real());
  const absl::Time before = absl::Now();
  const absl::Time now = clock->Now();
  const absl::Time after = absl::Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace chiso::civil
