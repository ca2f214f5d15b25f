// Reporting rules of a plan document's closing section: frequency, due day
// and month, recipients and phrase (services/plan/document/extractors.h
// ExtractReportingRules).

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/text/fields.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plan/document/extractor_test_util.h"

namespace chiso::plan::document {
namespace {

namespace v1 = chiso::plan::v1;
namespace cv1 = chiso::common::v1;
using test_util::FactAbout;
using test_util::Import;
using test_util::WarningsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A plan whose closing section says `closing`; section II mentions monthly
// meetings and reports that are not the plan's reporting rules.
std::string PlanClosingWith(absl::string_view closing) {
  return absl::StrCat(
      "KẾ HOẠCH\n\nNâng cao chỉ số DDCI năm 2023\n\nI. MỤC ĐÍCH\n\nCải thiện điểm số.\n\n"
      "II. NỘI DUNG\n\n- Phòng Nội vụ định kỳ hàng tháng tổng hợp báo cáo Lãnh đạo Sở về hồ sơ "
      "trễ hạn.\n\nIII. TỔ CHỨC THỰC HIỆN\n\n",
      closing, "\n\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n");
}

// Line of the first closing paragraph in PlanClosingWith.
constexpr int kClosingLine = 15;

TEST(ReportingExtractorTest, MonthlyAndADatedYearlyReport) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "1. Các phòng định kỳ báo cáo kết quả thực hiện hằng tháng về Văn phòng Sở. Báo cáo kết "
      "quả thực hiện cả năm 2023 gửi Phòng Tài chính - Kế hoạch, Thanh tra Sở trước ngày 10/12 "
      "để tổng hợp."));
  ASSERT_EQ(r.plan().reporting_rules_size(), 2);
  const v1::ReportingRule& monthly = r.plan().reporting_rules(0);
  EXPECT_EQ(monthly.frequency(), cv1::FREQUENCY_MONTHLY);
  EXPECT_EQ(monthly.day(), 0);
  EXPECT_THAT(monthly.phrase(), HasSubstr("hằng tháng"));
  const v1::ReportingRule& yearly = r.plan().reporting_rules(1);
  EXPECT_EQ(yearly.frequency(), cv1::FREQUENCY_ANNUAL);
  EXPECT_EQ(yearly.day(), 10);
  EXPECT_EQ(yearly.month(), 12);
  ASSERT_EQ(yearly.recipients_size(), 2);
  EXPECT_EQ(yearly.recipients(0).display_name(), "Phòng Tài chính - Kế hoạch");
  EXPECT_EQ(yearly.recipients(1).display_name(), "Thanh tra Sở");
  const v1::ExtractedFact* fact = FactAbout(r, "reporting_rules[1]");
  ASSERT_NE(fact, nullptr);
  EXPECT_EQ(fact->first_line(), kClosingLine);
  EXPECT_THAT(fact->value(), HasSubstr("ANNUAL day 10 month 12"));
}

TEST(ReportingExtractorTest, QuarterlyByADayOfTheQuartersLastMonth) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "2. Các cơ quan, đơn vị báo cáo định kỳ kết quả thực hiện trước ngày 18 tháng cuối quý, "
      "hoặc báo cáo đột xuất gửi về UBND huyện (qua Văn phòng HĐND và UBND huyện)."));
  ASSERT_EQ(r.plan().reporting_rules_size(), 1);
  const v1::ReportingRule& rule = r.plan().reporting_rules(0);
  EXPECT_EQ(rule.frequency(), cv1::FREQUENCY_QUARTERLY);
  EXPECT_EQ(rule.day(), 18);
  ASSERT_EQ(rule.recipients_size(), 2);
  EXPECT_EQ(rule.recipients(0).display_name(), "UBND huyện");
  EXPECT_EQ(rule.recipients(1).display_name(), "Văn phòng HĐND và UBND huyện");
  EXPECT_THAT(rule.phrase(), HasSubstr("trước ngày 18 tháng cuối quý"));
}

TEST(ReportingExtractorTest, SemiannualAndAnnualInOneSentence) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "Định kỳ 6 tháng, hằng năm các đơn vị báo cáo kết quả thực hiện Kế hoạch này."));
  ASSERT_EQ(r.plan().reporting_rules_size(), 2);
  EXPECT_EQ(r.plan().reporting_rules(0).frequency(), cv1::FREQUENCY_SEMIANNUAL);
  EXPECT_EQ(r.plan().reporting_rules(1).frequency(), cv1::FREQUENCY_ANNUAL);
  EXPECT_EQ(r.plan().reporting_rules(1).day(), 0);
}

TEST(ReportingExtractorTest, EachDeadlineGoesToItsOwnFrequency) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "Các đơn vị báo cáo 6 tháng trước ngày 15/6 và báo cáo hằng năm trước ngày 5/12."));
  ASSERT_EQ(r.plan().reporting_rules_size(), 2);
  EXPECT_EQ(r.plan().reporting_rules(0).frequency(), cv1::FREQUENCY_SEMIANNUAL);
  EXPECT_EQ(r.plan().reporting_rules(0).day(), 15);
  EXPECT_EQ(r.plan().reporting_rules(0).month(), 0);
  EXPECT_EQ(r.plan().reporting_rules(1).frequency(), cv1::FREQUENCY_ANNUAL);
  EXPECT_EQ(r.plan().reporting_rules(1).day(), 5);
  EXPECT_EQ(r.plan().reporting_rules(1).month(), 12);
}

TEST(ReportingExtractorTest, MonthlyOnAGivenDay) {
  const v1::ImportPlanDocumentResponse r = Import(
      PlanClosingWith("Các phòng báo cáo tiến độ trước ngày 20 hằng tháng về Văn phòng Sở."));
  ASSERT_EQ(r.plan().reporting_rules_size(), 1);
  EXPECT_EQ(r.plan().reporting_rules(0).frequency(), cv1::FREQUENCY_MONTHLY);
  EXPECT_EQ(r.plan().reporting_rules(0).day(), 20);
}

TEST(ReportingExtractorTest, AReportDueOnADateWithAYearIsDueOnce) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "Báo cáo tổng kết việc thực hiện Kế hoạch gửi Sở Nội vụ trước ngày 20/11/2025."));
  ASSERT_EQ(r.plan().reporting_rules_size(), 1);
  const v1::ReportingRule& rule = r.plan().reporting_rules(0);
  EXPECT_EQ(rule.frequency(), cv1::FREQUENCY_ONCE);
  EXPECT_EQ(rule.due_date().year(), 2025);
  EXPECT_EQ(rule.due_date().month(), 11);
  EXPECT_EQ(rule.due_date().day(), 20);
  EXPECT_EQ(rule.recipients(0).display_name(), "Sở Nội vụ");
}

TEST(ReportingExtractorTest, SuddenReportsAreNotRules) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "Giao Văn phòng Sở tổng hợp, báo cáo đột xuất khi có yêu cầu gửi UBND tỉnh."));
  EXPECT_THAT(r.plan().reporting_rules(), IsEmpty());
  EXPECT_THAT(WarningsWith(r, "NO_FREQUENCY"), IsEmpty());
}

TEST(ReportingExtractorTest, PeriodicReportsWithoutAFrequencyAreAWarning) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "Giao Văn phòng Sở theo dõi, báo cáo tình hình thực hiện định kỳ hoặc đột xuất."));
  EXPECT_THAT(r.plan().reporting_rules(), IsEmpty());
  const auto warnings = WarningsWith(r, "NO_FREQUENCY");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].first_line(), kClosingLine);
}

TEST(ReportingExtractorTest, DeadlinesThatAreNotReportsAreIgnored) {
  const v1::ImportPlanDocumentResponse r = Import(PlanClosingWith(
      "Các cơ quan xây dựng kế hoạch chi tiết, hoàn thành trước ngày 05/4/2023, đồng thời gửi "
      "Phòng Tài chính - Kế hoạch tổng hợp, báo cáo lãnh đạo UBND huyện."));
  EXPECT_THAT(r.plan().reporting_rules(), IsEmpty());
}

TEST(ReportingExtractorTest, AnImpossibleDueDayIsAWarning) {
  const v1::ImportPlanDocumentResponse r = Import(
      PlanClosingWith("Các đơn vị báo cáo kết quả hằng năm trước ngày 31/11 về Văn phòng Sở."));
  EXPECT_THAT(r.plan().reporting_rules(), IsEmpty());
  EXPECT_EQ(WarningsWith(r, "BAD_DATE").size(), 1u);
}

TEST(ReportingExtractorTest, WithoutAClosingSectionTheWholeDocumentIsRead) {
  const v1::ImportPlanDocumentResponse r = Import(
      "Các sở, ngành bám sát các chỉ tiêu được giao.\n"
      "- Định kỳ hằng quý các đơn vị chủ trì có báo cáo kết quả đã thực hiện./.\n");
  ASSERT_EQ(r.plan().reporting_rules_size(), 1);
  EXPECT_EQ(r.plan().reporting_rules(0).frequency(), cv1::FREQUENCY_QUARTERLY);
  EXPECT_EQ(r.plan().reporting_rules(0).phrase(),
            "Định kỳ hằng quý các đơn vị chủ trì có báo cáo kết quả đã thực hiện");
}

TEST(ReportingExtractorTest, RepeatedRuleIsKeptOnce) {
  const v1::ImportPlanDocumentResponse r =
      Import(PlanClosingWith("1. Các phòng báo cáo kết quả hằng quý về Văn phòng Sở.\n\n"
                             "2. Văn phòng Sở tổng hợp báo cáo hằng quý gửi UBND tỉnh."));
  ASSERT_EQ(r.plan().reporting_rules_size(), 1);
  EXPECT_EQ(r.plan().reporting_rules(0).frequency(), cv1::FREQUENCY_QUARTERLY);
}

// A plan that puts its reporting in a section of its own after "Tổ chức
// thực hiện": both sections are read.
TEST(ReportingExtractorTest, ReportingInASectionOfItsOwn) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nCải thiện chỉ số PAR INDEX năm 2025\n\n"
      "I. NHIỆM VỤ\n\n- Rà soát thủ tục hành chính.\n\n"
      "II. TỔ CHỨC THỰC HIỆN\n\n"
      "Các phòng báo cáo kết quả 6 tháng trước ngày 15/6 và năm trước ngày 15/12 gửi Văn phòng "
      "HĐND và UBND.\n\n"
      "III. CHẾ ĐỘ BÁO CÁO\n\n"
      "Các đơn vị báo cáo định kỳ hằng quý, trước ngày 20 tháng cuối quý gửi Phòng Nội vụ.\n");
  ASSERT_EQ(r.plan().reporting_rules_size(), 3);
  EXPECT_EQ(r.plan().reporting_rules(0).frequency(), cv1::FREQUENCY_SEMIANNUAL);
  EXPECT_EQ(r.plan().reporting_rules(0).day(), 15);
  EXPECT_EQ(r.plan().reporting_rules(1).frequency(), cv1::FREQUENCY_ANNUAL);
  EXPECT_EQ(r.plan().reporting_rules(1).day(), 15);
  EXPECT_EQ(r.plan().reporting_rules(1).month(), 12);
  EXPECT_EQ(r.plan().reporting_rules(2).frequency(), cv1::FREQUENCY_QUARTERLY);
  EXPECT_EQ(r.plan().reporting_rules(2).day(), 20);
  ASSERT_EQ(r.plan().reporting_rules(2).recipients_size(), 1);
  EXPECT_EQ(r.plan().reporting_rules(2).recipients(0).display_name(), "Phòng Nội vụ");
}

// A recipient longer than a plan may hold is cut, with a warning.
TEST(ReportingExtractorTest, AnOverlongRecipientIsCut) {
  std::string name = "Phòng";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&name, " Kinh tế");
  const v1::ImportPlanDocumentResponse r =
      Import(PlanClosingWith(absl::StrCat("Định kỳ hằng tháng báo cáo kết quả gửi ", name, ".")));
  ASSERT_EQ(r.plan().reporting_rules_size(), 1);
  ASSERT_EQ(r.plan().reporting_rules(0).recipients_size(), 1);
  EXPECT_LE(text::CodePointCount(r.plan().reporting_rules(0).recipients(0).display_name()), 300);
  EXPECT_LE(text::CodePointCount(r.plan().reporting_rules(0).phrase()), 1000);
  ASSERT_EQ(WarningsWith(r, "TRUNCATED").size(), 1u);
  EXPECT_THAT(WarningsWith(r, "TRUNCATED")[0].message(), HasSubstr("reporting_rules.recipients"));
}

}  // namespace
}  // namespace chiso::plan::document
