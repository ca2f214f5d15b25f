#include "common/schedule/timeframe.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "chiso/common/v1/schedule.pb.h"
#include "chiso/common/v1/types.pb.h"
#include "common/text/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::schedule {
namespace {

namespace v1 = ::chiso::common::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A one-year plan for 2024, like a district's yearly DDCI plan.
constexpr TimeframeContext k2024{2024, 2024, 2024};
// A 2022–2025 plan whose plan year (for dates without one) is 2022.
constexpr TimeframeContext k2022To2025{2022, 2022, 2025};

std::string FrequencyName(v1::Frequency f) {
  switch (f) {
    case v1::FREQUENCY_MONTHLY:
      return "monthly";
    case v1::FREQUENCY_QUARTERLY:
      return "quarterly";
    case v1::FREQUENCY_SEMIANNUAL:
      return "semiannual";
    case v1::FREQUENCY_ANNUAL:
      return "annual";
    case v1::FREQUENCY_ONCE:
      return "once";
    default:
      return "unspecified";
  }
}

// A compact description of when a milestone falls due: "due 2024-04-30",
// "quarter 2024/1", "half 2024/2", "month 2024/3", "year 2024",
// "annual q3 -1", "annual 12/15", "quarterly d25", "continuous".
std::string When(const v1::Milestone& m) {
  switch (m.when_case()) {
    case v1::Milestone::kDueDate:
      return absl::StrCat("due ", m.due_date().year(), "-",
                          absl::Dec(m.due_date().month(), absl::kZeroPad2), "-",
                          absl::Dec(m.due_date().day(), absl::kZeroPad2));
    case v1::Milestone::kPeriod: {
      const v1::CalendarPeriod& p = m.period();
      switch (p.kind()) {
        case v1::CalendarPeriod::KIND_MONTH:
          return absl::StrCat("month ", p.year(), "/", p.index());
        case v1::CalendarPeriod::KIND_QUARTER:
          return absl::StrCat("quarter ", p.year(), "/", p.index());
        case v1::CalendarPeriod::KIND_HALF:
          return absl::StrCat("half ", p.year(), "/", p.index());
        case v1::CalendarPeriod::KIND_YEAR:
          return absl::StrCat("year ", p.year());
        default:
          return "period ?";
      }
    }
    case v1::Milestone::kRecurrence: {
      const v1::Recurrence& r = m.recurrence();
      std::string out = FrequencyName(r.frequency());
      if (r.quarter() != 0) absl::StrAppend(&out, " q", r.quarter());
      if (r.month() != 0) absl::StrAppend(&out, " ", r.month(), "/", r.day());
      if (r.month() == 0 && r.day() != 0) absl::StrAppend(&out, " d", r.day());
      if (r.year_offset() != 0) absl::StrAppend(&out, " ", r.year_offset());
      return out;
    }
    case v1::Milestone::kContinuous:
      return "continuous";
    case v1::Milestone::WHEN_NOT_SET:
      break;
  }
  return "unset";
}

std::vector<std::string> Whens(const v1::Schedule& s) {
  std::vector<std::string> out;
  for (const v1::Milestone& m : s.milestones()) out.push_back(When(m));
  return out;
}

std::vector<std::string> Phrases(const v1::Schedule& s) {
  std::vector<std::string> out;
  for (const v1::Milestone& m : s.milestones()) out.push_back(m.phrase());
  return out;
}

std::vector<std::string> Labels(const v1::Schedule& s) {
  std::vector<std::string> out;
  for (const v1::Milestone& m : s.milestones()) out.push_back(m.label());
  return out;
}

// Parses `phrase`, failing the test (and returning an empty schedule) when
// it does not resolve.
v1::Schedule Parse(absl::string_view phrase, const TimeframeContext& ctx = k2024) {
  absl::StatusOr<v1::Schedule> s = ParseTimeframe(phrase, ctx);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : v1::Schedule();
}

std::vector<std::string> WhensOf(absl::string_view phrase, const TimeframeContext& ctx = k2024) {
  return Whens(Parse(phrase, ctx));
}

// ---------------------------------------------------------------------------
// Deadlines and reports (DOMAIN.md)

TEST(ParseTimeframeTest, DueDateWithCompletionWords) {
  const v1::Schedule s = Parse("hoàn thành trước ngày 30/4/2024");
  EXPECT_THAT(Whens(s), ElementsAre("due 2024-04-30"));
  EXPECT_THAT(Phrases(s), ElementsAre("hoàn thành trước ngày 30/4/2024"));
  EXPECT_THAT(Labels(s), ElementsAre(""));
  EXPECT_EQ(s.phrase(), "hoàn thành trước ngày 30/4/2024");
}

TEST(ParseTimeframeTest, DueDateWithoutNgay) {
  EXPECT_THAT(WhensOf("xong trước 30/6/2024"), ElementsAre("due 2024-06-30"));
  EXPECT_THAT(WhensOf("(hoàn thành) trước (ngày) 30/4/2024"), ElementsAre("due 2024-04-30"));
}

TEST(ParseTimeframeTest, DueDateWithLeadingZero) {
  EXPECT_THAT(WhensOf("trước ngày 05/4/2024"), ElementsAre("due 2024-04-05"));
}

TEST(ParseTimeframeTest, DateWithoutYearTakesThePlanYear) {
  EXPECT_THAT(WhensOf("trước ngày 15/12"), ElementsAre("due 2024-12-15"));
  EXPECT_THAT(WhensOf("trước ngày 15/12", {2020, 2020, 2020}), ElementsAre("due 2020-12-15"));
}

TEST(ParseTimeframeTest, ReportForAYearDueOnADayWithoutYear) {
  // DOMAIN.md: "Báo cáo … năm 2020 … trước ngày 15/12": one annual report
  // due 15 December 2020; "năm 2020" names the report, not a deadline.
  const v1::Schedule s = Parse("Báo cáo … năm 2020 … trước ngày 15/12", {2020, 2020, 2020});
  EXPECT_THAT(Whens(s), ElementsAre("due 2020-12-15"));
  EXPECT_THAT(Phrases(s), ElementsAre("trước ngày 15/12"));
  EXPECT_THAT(Labels(s), ElementsAre("Báo cáo … năm 2020"));
}

TEST(ParseTimeframeTest, OtherDateShapes) {
  EXPECT_THAT(WhensOf("chậm nhất ngày 11 tháng 6 năm 2024"), ElementsAre("due 2024-06-11"));
  EXPECT_THAT(WhensOf("hạn chót 2024-10-15"), ElementsAre("due 2024-10-15"));
  EXPECT_THAT(WhensOf("đến ngày 31.10.2024"), ElementsAre("due 2024-10-31"));
  EXPECT_THAT(WhensOf("Ngày 20/11/2024"), ElementsAre("due 2024-11-20"));
  EXPECT_THAT(WhensOf("trước ngày 15 tháng 12"), ElementsAre("due 2024-12-15"));
}

TEST(ParseTimeframeTest, QuarterWithYear) {
  const v1::Schedule s = Parse("trong Quý I/2024");
  EXPECT_THAT(Whens(s), ElementsAre("quarter 2024/1"));
  EXPECT_THAT(Phrases(s), ElementsAre("trong Quý I/2024"));
  EXPECT_THAT(WhensOf("Quý 3 năm 2025"), ElementsAre("quarter 2025/3"));
  EXPECT_THAT(WhensOf("trong Q2/2025"), ElementsAre("quarter 2025/2"));
  EXPECT_THAT(WhensOf("cuối Quý IV - 2024"), ElementsAre("quarter 2024/4"));
}

TEST(ParseTimeframeTest, QuarterWithoutYearTakesThePlanYear) {
  EXPECT_THAT(WhensOf("Hoàn thành trong Quý II"), ElementsAre("quarter 2024/2"));
}

TEST(ParseTimeframeTest, HalfYears) {
  const v1::Schedule s = Parse("Triển khai trong 6 tháng đầu năm");
  EXPECT_THAT(Whens(s), ElementsAre("half 2024/1"));
  EXPECT_THAT(Phrases(s), ElementsAre("trong 6 tháng đầu năm"));
  EXPECT_THAT(Labels(s), ElementsAre(""));
  EXPECT_THAT(WhensOf("6 tháng cuối năm"), ElementsAre("half 2024/2"));
  EXPECT_THAT(WhensOf("trong 6 tháng cuối năm 2025"), ElementsAre("half 2025/2"));
  EXPECT_THAT(WhensOf("nửa đầu năm"), ElementsAre("half 2024/1"));
}

TEST(ParseTimeframeTest, MonthsAndYears) {
  EXPECT_THAT(WhensOf("trong tháng 3/2024"), ElementsAre("month 2024/3"));
  EXPECT_THAT(WhensOf("Tháng 10 năm 2024"), ElementsAre("month 2024/10"));
  EXPECT_THAT(WhensOf("trước tháng 5/2024"), ElementsAre("due 2024-04-30"));
  EXPECT_THAT(WhensOf("trước tháng 1/2025"), ElementsAre("due 2024-12-31"));
  EXPECT_THAT(WhensOf("hoàn thành trong năm 2025"), ElementsAre("year 2025"));
  EXPECT_THAT(WhensOf("Cuối năm"), ElementsAre("year 2024"));
  EXPECT_THAT(WhensOf("Hoàn thành trong năm"), ElementsAre("year 2024"));
  EXPECT_THAT(WhensOf("trước năm 2025"), ElementsAre("due 2024-12-31"));
  EXPECT_THAT(WhensOf("Năm 2023"), ElementsAre("year 2023"));
}

TEST(ParseTimeframeTest, EndOfThePlanPeriod) {
  EXPECT_THAT(WhensOf("Hoàn thành cuối giai đoạn", k2022To2025), ElementsAre("year 2025"));
  const absl::StatusOr<v1::Schedule> s = ParseTimeframe("Hoàn thành cuối giai đoạn", {2024, 0, 0});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("plan period"));
}

TEST(ParseTimeframeTest, RecurringQuarterEveryYear) {
  const v1::Schedule s = Parse("Quý I hằng năm", k2022To2025);
  EXPECT_THAT(Whens(s), ElementsAre("annual q1"));
  EXPECT_THAT(Phrases(s), ElementsAre("Quý I hằng năm"));
  EXPECT_THAT(WhensOf("Quý II năm kế hoạch", k2022To2025), ElementsAre("annual q2"));
}

TEST(ParseTimeframeTest, QuarterOfTheYearBeforeEachPlanYear) {
  const v1::Schedule s = Parse("Quý III năm trước liền kề năm kế hoạch", k2022To2025);
  EXPECT_THAT(Whens(s), ElementsAre("annual q3 -1"));
  EXPECT_THAT(Phrases(s), ElementsAre("Quý III năm trước liền kề năm kế hoạch"));
  EXPECT_THAT(WhensOf("trong Quý IV của năm trước", k2022To2025), ElementsAre("annual q4 -1"));
  EXPECT_THAT(WhensOf("Quý I năm sau", k2022To2025), ElementsAre("annual q1 1"));
}

TEST(ParseTimeframeTest, YearlyWithoutDay) {
  EXPECT_THAT(WhensOf("Hàng năm", k2022To2025), ElementsAre("annual"));
  EXPECT_THAT(WhensOf("hằng năm", k2022To2025), ElementsAre("annual"));
  EXPECT_THAT(WhensOf("Báo cáo thường niên", k2022To2025), ElementsAre("annual"));
}

TEST(ParseTimeframeTest, YearlyOnADay) {
  EXPECT_THAT(WhensOf("trước ngày 15/12 hằng năm", k2022To2025), ElementsAre("annual 12/15"));
  const v1::Schedule s = Parse("Hằng năm, trước ngày 20/11", k2022To2025);
  EXPECT_THAT(Whens(s), ElementsAre("annual 11/20"));
  EXPECT_THAT(Phrases(s), ElementsAre("Hằng năm, trước ngày 20/11"));
  EXPECT_THAT(WhensOf("Hằng năm, trong Quý II", k2022To2025), ElementsAre("annual q2"));
  EXPECT_THAT(WhensOf("6 tháng cuối năm hằng năm", k2022To2025), ElementsAre("annual 12/0"));
  EXPECT_THAT(WhensOf("trong tháng 3 hằng năm", k2022To2025), ElementsAre("annual 3/0"));
}

TEST(ParseTimeframeTest, YearlyWorkWithADatedDeadlineIsOneDueDate) {
  const v1::Schedule s =
      Parse("Rà soát kế hoạch tuyên truyền hằng năm, hoàn thành trước 31/1/2025", k2022To2025);
  EXPECT_THAT(Whens(s), ElementsAre("due 2025-01-31"));
  EXPECT_THAT(Labels(s), ElementsAre("Rà soát kế hoạch tuyên truyền hằng năm"));
}

TEST(ParseTimeframeTest, QuarterlyReportsOnTheTwentyFifth) {
  const v1::Schedule s = Parse("trước ngày 25 tháng cuối Quý");
  EXPECT_THAT(Whens(s), ElementsAre("quarterly d25"));
  EXPECT_THAT(Phrases(s), ElementsAre("trước ngày 25 tháng cuối Quý"));
  EXPECT_THAT(WhensOf("báo cáo định kỳ, trước ngày 20 của tháng cuối quý"),
              ElementsAre("quarterly d20"));
}

TEST(ParseTimeframeTest, OtherFrequencies) {
  EXPECT_THAT(WhensOf("Định kỳ hàng tháng"), ElementsAre("monthly"));
  EXPECT_THAT(WhensOf("trước ngày 20 hằng tháng"), ElementsAre("monthly d20"));
  EXPECT_THAT(WhensOf("Báo cáo hằng quý"), ElementsAre("quarterly"));
  EXPECT_THAT(WhensOf("cuối mỗi quý"), ElementsAre("quarterly"));
  EXPECT_THAT(WhensOf("6 tháng một lần"), ElementsAre("semiannual"));
}

TEST(ParseTimeframeTest, SemiannualAndAnnualReports) {
  // DOMAIN.md (seed 000): "Định kỳ 6 tháng, hàng năm" — two reports.
  const v1::Schedule s = Parse("Định kỳ 6 tháng, hàng năm", k2022To2025);
  EXPECT_THAT(Whens(s), ElementsAre("semiannual", "annual"));
  EXPECT_THAT(Phrases(s), ElementsAre("Định kỳ 6 tháng", "hàng năm"));
}

TEST(ParseTimeframeTest, Continuous) {
  const v1::Schedule s = Parse("Thường xuyên", k2022To2025);
  EXPECT_THAT(Whens(s), ElementsAre("continuous"));
  EXPECT_EQ(s.milestones(0).continuous().check_in(), v1::FREQUENCY_UNSPECIFIED);
  EXPECT_THAT(WhensOf("Thực hiện thường xuyên trong năm"), ElementsAre("continuous"));
  EXPECT_THAT(WhensOf("Ngay từ đầu năm"), ElementsAre("continuous"));
  EXPECT_THAT(Phrases(Parse("Thường xuyên (trong năm)")), ElementsAre("Thường xuyên (trong năm)"));
  EXPECT_THAT(WhensOf("Liên tục"), ElementsAre("continuous"));
  EXPECT_THAT(WhensOf("Thực hiện hằng ngày"), ElementsAre("continuous"));
  EXPECT_THAT(WhensOf("Khi có phát sinh"), ElementsAre("continuous"));
  EXPECT_THAT(WhensOf("Trong cả giai đoạn 2022 – 2025", k2022To2025), ElementsAre("continuous"));
}

TEST(ParseTimeframeTest, ContinuousWordingsOfOneClauseMakeOneMilestone) {
  const v1::Schedule s = Parse("Ngay từ đầu năm và triển khai thực hiện thường xuyên trong năm");
  EXPECT_THAT(Whens(s), ElementsAre("continuous"));
  EXPECT_THAT(Phrases(s), ElementsAre("Ngay từ đầu năm và triển khai thực hiện thường "
                                      "xuyên trong năm"));
  EXPECT_THAT(Labels(s), ElementsAre(""));

  const v1::Schedule t = Parse("Triển khai ngay từ đầu năm, duy trì thường xuyên trong năm.");
  EXPECT_THAT(Whens(t), ElementsAre("continuous"));
  EXPECT_THAT(Phrases(t), ElementsAre("ngay từ đầu năm, duy trì thường xuyên trong năm"));
  EXPECT_THAT(WhensOf("Trong năm, thực hiện thường xuyên"), ElementsAre("continuous"));
}

TEST(ParseTimeframeTest, ContinuousAndADueDate) {
  // The shape of seed 003: continuous work, then a dated deliverable.
  const v1::Schedule s = Parse(
      "Triển khai ngay từ đầu năm, xử lý kịp thời khi có phát sinh; Xây "
      "dựng kế hoạch kiểm tra việc tiếp nhận hồ sơ tại Bộ phận Một cửa "
      "huyện, xã, hoàn thành trước ngày 15/5/2024.");
  EXPECT_THAT(Whens(s), ElementsAre("continuous", "due 2024-05-15"));
  EXPECT_THAT(Phrases(s), ElementsAre("ngay từ đầu năm, xử lý kịp thời khi có phát sinh",
                                      "hoàn thành trước ngày 15/5/2024"));
  EXPECT_THAT(Labels(s), ElementsAre("",
                                     "Xây dựng kế hoạch kiểm tra việc tiếp nhận "
                                     "hồ sơ tại Bộ phận Một cửa huyện, xã"));
}

TEST(ParseTimeframeTest, ContinuousTasksThenADatedOne) {
  const v1::Schedule s = Parse(
      "Các nhiệm vụ triển khai ngay từ đầu năm; Tổ chức khảo sát mức độ hài "
      "lòng của doanh nghiệp hoàn thành xong trước 31/7/2024");
  EXPECT_THAT(Whens(s), ElementsAre("continuous", "due 2024-07-31"));
  EXPECT_THAT(Labels(s), ElementsAre("",
                                     "Tổ chức khảo sát mức độ hài lòng của doanh "
                                     "nghiệp"));
  EXPECT_THAT(Phrases(s), ElementsAre("ngay từ đầu năm", "hoàn thành xong trước 31/7/2024"));
}

TEST(ParseTimeframeTest, QuarterThenDueDate) {
  const v1::Schedule s = Parse(
      "Xây dựng kế hoạch tập huấn kỹ năng giao tiếp, ứng xử cho công chức "
      "trong Quý I/2024, triển khai thực hiện xong trước 31/10/2024.");
  EXPECT_THAT(Whens(s), ElementsAre("quarter 2024/1", "due 2024-10-31"));
  EXPECT_THAT(Labels(s), ElementsAre("Xây dựng kế hoạch tập huấn kỹ năng giao tiếp, "
                                     "ứng xử cho công chức",
                                     ""));
  EXPECT_THAT(Phrases(s), ElementsAre("trong Quý I/2024", "xong trước 31/10/2024"));
}

TEST(ParseTimeframeTest, BriefExampleWithEllipsis) {
  const v1::Schedule s = Parse(
      "Xây dựng kế hoạch … trong Quý I/2024, triển khai thực hiện xong "
      "trước 30/9/2024");
  EXPECT_THAT(Whens(s), ElementsAre("quarter 2024/1", "due 2024-09-30"));
  EXPECT_THAT(Labels(s), ElementsAre("Xây dựng kế hoạch", ""));
}

TEST(ParseTimeframeTest, ThreeMilestonesSeparatedBySemicolons) {
  const v1::Schedule s = Parse(
      "Ban hành kế hoạch kiểm tra công vụ trong Quý I/2024; Tổ chức hội "
      "nghị đối thoại với doanh nghiệp, hợp tác xã thực hiện xong trước "
      "15/6/2024; Kiểm tra việc chấp hành kỷ luật triển khai thực hiện xong "
      "trước 30/9/2024.");
  EXPECT_THAT(Whens(s), ElementsAre("quarter 2024/1", "due 2024-06-15", "due 2024-09-30"));
  EXPECT_THAT(Labels(s), ElementsAre("Ban hành kế hoạch kiểm tra công vụ",
                                     "Tổ chức hội nghị đối thoại với doanh nghiệp, hợp "
                                     "tác xã",
                                     "Kiểm tra việc chấp hành kỷ luật"));
}

TEST(ParseTimeframeTest, HalfYearThenContinuous) {
  const v1::Schedule s =
      Parse("Triển khai trong 6 tháng đầu năm và thực hiện thường xuyên trong năm.");
  EXPECT_THAT(Whens(s), ElementsAre("half 2024/1", "continuous"));
  EXPECT_THAT(Labels(s), ElementsAre("", ""));
  EXPECT_THAT(Phrases(s), ElementsAre("trong 6 tháng đầu năm", "thường xuyên trong năm"));
}

TEST(ParseTimeframeTest, LabelKeepsBracketsItOpens) {
  const v1::Schedule s = Parse(
      "Công khai thủ tục hành chính (TTHC) trên cổng thông tin, hoàn thành "
      "trước 30/4/2024");
  EXPECT_THAT(Labels(s), ElementsAre("Công khai thủ tục hành chính (TTHC) "
                                     "trên cổng thông tin"));
  const v1::Schedule t = Parse("Cập nhật dữ liệu (hoàn thành trước 30/4/2024)");
  EXPECT_THAT(Labels(t), ElementsAre("Cập nhật dữ liệu"));
  EXPECT_THAT(Phrases(t), ElementsAre("hoàn thành trước 30/4/2024"));
}

// ---------------------------------------------------------------------------
// Matching

TEST(ParseTimeframeTest, IgnoresCaseAndDiacritics) {
  EXPECT_THAT(WhensOf("HOAN THANH TRUOC NGAY 30/4/2024"), ElementsAre("due 2024-04-30"));
  EXPECT_THAT(WhensOf("trong quy i/2024"), ElementsAre("quarter 2024/1"));
  EXPECT_THAT(WhensOf("QUÝ III NĂM TRƯỚC LIỀN KỀ NĂM KẾ HOẠCH", k2022To2025),
              ElementsAre("annual q3 -1"));
  EXPECT_THAT(WhensOf("thuong xuyen"), ElementsAre("continuous"));
  EXPECT_THAT(WhensOf("Hang nam", k2022To2025), ElementsAre("annual"));
}

TEST(ParseTimeframeTest, DecomposedTextReadsLikePrecomposed) {
  // "Thường xuyên" with the tone and horn written as combining marks.
  const std::string nfd =
      std::string("Thu") + "\xCC\x9B" + "o" + "\xCC\x9B\xCC\x80" + "ng xuye" + "\xCC\x82" + "n";
  const v1::Schedule s = Parse(nfd);
  EXPECT_THAT(Whens(s), ElementsAre("continuous"));
  EXPECT_EQ(s.phrase(), "Thường xuyên");
  EXPECT_EQ(s.milestones(0).phrase(), "Thường xuyên");
}

TEST(ParseTimeframeTest, CollapsesWhitespaceInPhrases) {
  const v1::Schedule s = Parse("  Hoàn thành\u00A0 trước\tngày   30/4/2024 \n");
  EXPECT_EQ(s.phrase(), "Hoàn thành trước ngày 30/4/2024");
  EXPECT_THAT(Phrases(s), ElementsAre("Hoàn thành trước ngày 30/4/2024"));
}

// ---------------------------------------------------------------------------
// References and errors

TEST(ParseTimeframeTest, ReferenceDatesAreNotMilestones) {
  const v1::Schedule s = Parse(
      "Theo Kế hoạch số 36/KH-UBND ngày 06/02/2024, hoàn thành trước "
      "30/4/2024");
  EXPECT_THAT(Whens(s), ElementsAre("due 2024-04-30"));
  EXPECT_THAT(WhensOf("từ ngày 01/4/2024 đến ngày 30/6/2024"), ElementsAre("due 2024-06-30"));
}

TEST(ParseTimeframeTest, PeriodicAsAnAdjectiveIsNotARecurrence) {
  const v1::Schedule s = Parse(
      "Kiểm tra định kỳ hoặc đột xuất việc giải quyết hồ sơ, hoàn thành "
      "trước ngày 31/5/2024");
  EXPECT_THAT(Whens(s), ElementsAre("due 2024-05-31"));
}

TEST(ParseTimeframeTest, NoDeadlineWordingIsInvalidArgument) {
  const absl::StatusOr<v1::Schedule> s = ParseTimeframe("Theo chỉ đạo của UBND huyện", k2024);
  ASSERT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(),
            "timeframe \"Theo chỉ đạo của UBND huyện\": no date, quarter, "
            "half year, recurrence or continuous wording found");
}

TEST(ParseTimeframeTest, EmptyPhraseIsInvalidArgument) {
  for (absl::string_view phrase : {"", "   ", ".;"}) {
    const absl::StatusOr<v1::Schedule> s = ParseTimeframe(phrase, k2024);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << phrase;
    EXPECT_THAT(s.status().message(), HasSubstr("no date, quarter"));
  }
}

TEST(ParseTimeframeTest, OnlyAReferenceDateIsInvalidArgument) {
  const absl::StatusOr<v1::Schedule> s =
      ParseTimeframe("Theo Kế hoạch số 36/KH-UBND ngày 06/02/2024", k2024);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseTimeframeTest, ImpossibleDateIsInvalidArgumentQuotingBoth) {
  const absl::StatusOr<v1::Schedule> s = ParseTimeframe("hoàn thành trước ngày 31/4/2024", k2024);
  ASSERT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("timeframe \"hoàn thành trước ngày 31/4/2024\""));
  EXPECT_THAT(s.status().message(), HasSubstr("31/4/2024"));
  EXPECT_THAT(s.status().message(), HasSubstr("30 days"));

  EXPECT_EQ(ParseTimeframe("trước ngày 29/2/2023", k2024).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTimeframe("trước ngày 30/4/24", k2024).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTimeframe("trong Quý I/1999", k2024).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTimeframe("trong tháng 13/2024", k2024).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseTimeframeTest, MissingPlanYearIsInvalidArgument) {
  const absl::StatusOr<v1::Schedule> s = ParseTimeframe("trong Quý I", {0, 2022, 2025});
  ASSERT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(),
              HasSubstr("\"Quý I\" has no year and the plan year is unknown"));
  // A yearless date that recurs needs no plan year.
  EXPECT_THAT(WhensOf("trước ngày 15/12 hằng năm", {0, 2022, 2025}), ElementsAre("annual 12/15"));
  // A one-year period gives the year.
  EXPECT_THAT(WhensOf("trong Quý I", {0, 2024, 2024}), ElementsAre("quarter 2024/1"));
}

TEST(ParseTimeframeTest, IllFormedUtf8DoesNotFail) {
  const v1::Schedule s = Parse("\xFF\xFEThường xuyên \xC3; xong trước 30/4/2024 \xC3");
  EXPECT_THAT(Whens(s), ElementsAre("continuous", "due 2024-04-30"));
}

// Every combination of deadline words either resolves, with each
// milestone's words cut from the phrase, or fails with InvalidArgument.
TEST(ParseTimeframeTest, WordSoupNeverCrashes) {
  const std::vector<std::string> words = {
      "trước", "ngày", "30/4/2024", "15/12", "Quý",   "I",    "III",    "/2024", "năm",
      "2024",  "hằng", "tháng",     "6",     "đầu",   "cuối", "thường", "xuyên", "trong",
      ";",     ",",    "định",      "kỳ",    "liền",  "kề",   "kế",     "hoạch", "giai",
      "đoạn",  "và",   "xong",      "hoàn",  "thành", "25",   "quý",    "(",     ")",
      "từ",    "ngay", "31/4/2024", "13",    "“",     "."};
  uint32_t state = 12345;
  auto next = [&state](uint32_t bound) {
    state = state * 1103515245u + 12345u;
    return (state >> 8) % bound;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string phrase;
    const uint32_t length = 1 + next(9);
    for (uint32_t i = 0; i < length; ++i) {
      if (i > 0 && next(3) != 0) phrase += ' ';
      phrase += words[next(static_cast<uint32_t>(words.size()))];
    }
    const TimeframeContext ctx = next(2) == 0 ? k2024 : TimeframeContext{0, 0, 0};
    absl::StatusOr<v1::Schedule> s = ParseTimeframe(phrase, ctx);
    if (!s.ok()) {
      EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << phrase;
      continue;
    }
    EXPECT_GE(s->milestones_size(), 1) << phrase;
    for (const v1::Milestone& m : s->milestones()) {
      EXPECT_FALSE(m.phrase().empty()) << phrase;
      EXPECT_THAT(s->phrase(), HasSubstr(m.phrase())) << phrase;
      EXPECT_THAT(s->phrase(), HasSubstr(m.label())) << phrase;
      EXPECT_NE(m.when_case(), v1::Milestone::WHEN_NOT_SET) << phrase;
    }
  }
}

// ---------------------------------------------------------------------------
// The seed plans

// Reads ../shared/seeds/<prefix>_*.txt, relative to the repository root
// (the working directory of the tests). Empty when absent.
std::string ReadSeed(absl::string_view prefix) {
  const std::filesystem::path dir = "../shared/seeds";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return "";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, absl::StrCat(prefix, "_")) && absl::EndsWith(name, ".txt")) {
      std::ifstream in(entry.path());
      return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  return "";
}

// The text after "Thời gian thực hiện:" on lines that start with it
// (optionally as a "* " bullet, optionally in bold).
std::vector<std::string> TimeframeLines(absl::string_view document) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(document, '\n')) {
    absl::string_view rest = absl::StripAsciiWhitespace(line);
    absl::ConsumePrefix(&rest, "*");
    rest = absl::StripLeadingAsciiWhitespace(rest);
    absl::ConsumePrefix(&rest, "**");
    if (!absl::StartsWith(text::MatchKey(rest.substr(0, 40)), "thoi gian thuc hien")) {
      continue;
    }
    const size_t colon = rest.find(':');
    if (colon == absl::string_view::npos) continue;
    rest = rest.substr(colon + 1);
    absl::ConsumePrefix(&rest, "**");
    out.push_back(std::string(absl::StripAsciiWhitespace(rest)));
  }
  return out;
}

// The cells of the timeframe column of a tab-separated table whose header
// has a "Thời gian thực hiện" column, up to the table's closing rule.
std::vector<std::string> TimeframeColumn(absl::string_view document) {
  std::vector<std::string> out;
  int column = -1;
  size_t width = 0;
  for (absl::string_view line : absl::StrSplit(document, '\n')) {
    const std::vector<absl::string_view> cells = absl::StrSplit(line, '\t');
    if (column < 0) {
      for (size_t i = 0; i < cells.size() && cells.size() > 2; ++i) {
        if (text::MatchKey(cells[i]) == "thoi gian thuc hien") {
          column = static_cast<int>(i);
          width = cells.size();
        }
      }
      continue;
    }
    if (absl::StartsWith(line, "---")) break;
    if (cells.size() != width) continue;
    const absl::string_view cell = absl::StripAsciiWhitespace(cells[static_cast<size_t>(column)]);
    if (!cell.empty()) out.push_back(std::string(cell));
  }
  return out;
}

int Count(absl::string_view haystack, absl::string_view needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != absl::string_view::npos;
       p = haystack.find(needle, p + needle.size())) {
    ++n;
  }
  return n;
}

TEST(SeedTimeframeTest, EveryTimeframeOfSeed003Resolves) {
  const std::string seed = ReadSeed("003");
  if (seed.empty()) GTEST_SKIP() << "../shared/seeds/003_*.txt not found";
  const std::vector<std::string> lines = TimeframeLines(seed);
  ASSERT_GE(lines.size(), 20u) << "expected the seed's timeframe lines";
  // Seed 003 is the Cao Lộc plan for 2024.
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    absl::StatusOr<v1::Schedule> s = ParseTimeframe(line, k2024);
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_GE(s->milestones_size(), 1);
    EXPECT_EQ(s->phrase(), line);
    int dated = 0;
    int halves = 0;
    int continuous = 0;
    for (const v1::Milestone& m : s->milestones()) {
      EXPECT_THAT(line, HasSubstr(m.phrase()));
      EXPECT_THAT(line, HasSubstr(m.label()));
      if (m.has_period() && m.period().kind() == v1::CalendarPeriod::KIND_HALF) {
        ++halves;
      } else if (m.has_due_date() || m.has_period()) {
        ++dated;
      }
      if (m.has_continuous()) ++continuous;
      EXPECT_FALSE(m.has_recurrence()) << "a one-year plan line recurs";
      if (m.has_due_date()) {
        EXPECT_EQ(m.due_date().year(), 2024);
      }
      if (m.has_period()) {
        EXPECT_EQ(m.period().year(), 2024);
      }
    }
    // Every date and quarter of the seed is written with its year
    // ("/2024"), half years as "6 tháng …", and each becomes a milestone of
    // its own.
    const std::string key = text::MatchKey(line);
    EXPECT_EQ(dated, Count(line, "/2024"));
    EXPECT_EQ(halves, Count(key, "6 thang"));
    const bool continuous_words =
        absl::StrContains(key, "thuong xuyen") || absl::StrContains(key, "tu dau nam");
    EXPECT_EQ(continuous, continuous_words ? 1 : 0);
  }
}

TEST(SeedTimeframeTest, EveryTimeframeOfSeed004Resolves) {
  const std::string seed = ReadSeed("004");
  if (seed.empty()) GTEST_SKIP() << "../shared/seeds/004_*.txt not found";
  std::vector<std::string> phrases = TimeframeLines(seed);
  const std::vector<std::string> column = TimeframeColumn(seed);
  ASSERT_GE(column.size(), 5u) << "expected the appendix's timeframe column";
  phrases.insert(phrases.end(), column.begin(), column.end());
  // Seed 004 is a 2022–2025 plan: its table recurs or runs continuously.
  for (const std::string& phrase : phrases) {
    SCOPED_TRACE(phrase);
    absl::StatusOr<v1::Schedule> s = ParseTimeframe(phrase, k2022To2025);
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_GE(s->milestones_size(), 1);
    for (const v1::Milestone& m : s->milestones()) {
      EXPECT_TRUE(m.has_recurrence() || m.has_continuous()) << When(m);
    }
  }
}

}  // namespace
}  // namespace chiso::schedule
