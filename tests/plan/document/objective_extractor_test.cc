// Objectives of a plan document: index and component targets with their
// comparator, year and baseline (services/plan/document/extractors.h
// ExtractObjectives).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
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

// A department plan: the assessment paragraph with last year's ranks, the
// overall aims, then one section per component with its target.
constexpr absl::string_view kDepartmentPlan =
    "KẾ HOẠCH\n"
    "\n"
    "Nâng cao chỉ số DDCI của Sở Xây dựng năm 2021\n"
    "\n"
    "Năm 2020 Sở Xây dựng xếp thứ 15/21 đơn vị khối sở, ngành (DDCI), tăng 2 bậc so với năm "
    "2019 (năm 2019 xếp thứ 17/20). Các chỉ số thành phần gồm 05/08 chỉ số dưới trung vị: "
    "chỉ số “Chi phí không chính thức” (xếp hạng 12/21), chỉ số “Cai trò người đứng đầu” "
    "(xếp hạng 19/21).\n"
    "\n"
    "I. MỤC ĐÍCH\n"
    "\n"
    "- Phấn đấu xếp hạng trong top 8, điểm số DDCI năm 2021 đạt từ 68 điểm trở lên.\n"
    "\n"
    "II. NỘI DUNG\n"
    "\n"
    "1. Chỉ số “Chi phí không chính thức”\n"
    "\n"
    "- Chỉ tiêu phấn đấu năm 2021: đạt trên 6,45 điểm (Năm 2020 được 5,10 điểm).\n"
    "\n"
    "- Giao Văn phòng Sở chủ trì thực hiện.\n"
    "\n"
    "2. Chỉ số “Vai trò người đứng đầu”\n"
    "\n"
    "- Chỉ tiêu: phấn đấu năm 2021 đạt trên 7.20 điểm (Năm 2020 được 6.05 điểm).\n";

const v1::Objective* Find(const v1::Plan& plan, absl::string_view component,
                          cv1::Measure measure = cv1::MEASURE_SCORE) {
  for (const auto& o : plan.objectives()) {
    if (o.component() == component && o.measure() == measure) return &o;
  }
  return nullptr;
}

TEST(ObjectiveExtractorTest, ComponentTargetWithBaselineScoreAndRank) {
  const v1::ImportPlanDocumentResponse r = Import(kDepartmentPlan);
  ASSERT_EQ(r.plan().objectives_size(), 4);
  const v1::Objective* o = Find(r.plan(), "INFORMAL_CHARGES");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->framework(), "DDCI");
  EXPECT_EQ(o->target().comparator(), cv1::COMPARATOR_ABOVE);
  EXPECT_EQ(o->target().value().value(), "6.45");
  EXPECT_EQ(o->target().year(), 2021);
  EXPECT_EQ(o->baseline().value().value(), "5.10");
  EXPECT_EQ(o->baseline().year(), 2020);
  EXPECT_EQ(o->baseline().rank(), 12);
  EXPECT_EQ(o->baseline().rank_of(), 21);
  EXPECT_EQ(o->description(),
            "Chỉ tiêu phấn đấu năm 2021: đạt trên 6,45 điểm (Năm 2020 được "
            "5,10 điểm)");
}

TEST(ObjectiveExtractorTest, DecimalPointAndTypoInTheComponentName) {
  const v1::ImportPlanDocumentResponse r = Import(kDepartmentPlan);
  const v1::Objective* o = Find(r.plan(), "LEADERSHIP");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->target().value().value(), "7.20");
  EXPECT_EQ(o->baseline().value().value(), "6.05");
  // "Cai trò người đứng đầu" in the assessment is the same component.
  EXPECT_EQ(o->baseline().rank(), 19);
  EXPECT_EQ(o->baseline().rank_of(), 21);
}

TEST(ObjectiveExtractorTest, OverallRankAndScoreWithLastYearsRank) {
  const v1::ImportPlanDocumentResponse r = Import(kDepartmentPlan);
  const v1::Objective* rank = Find(r.plan(), "", cv1::MEASURE_RANK);
  ASSERT_NE(rank, nullptr);
  EXPECT_EQ(rank->id(), "o1");
  EXPECT_EQ(rank->framework(), "DDCI");
  EXPECT_EQ(rank->target().comparator(), cv1::COMPARATOR_AT_MOST);
  EXPECT_EQ(rank->target().value().value(), "8");
  EXPECT_EQ(rank->target().year(), 2021);
  // 2020, not the 2019 rank in parentheses or the "so với năm 2019".
  EXPECT_EQ(rank->baseline().year(), 2020);
  EXPECT_EQ(rank->baseline().rank(), 15);
  EXPECT_EQ(rank->baseline().rank_of(), 21);
  EXPECT_EQ(rank->baseline().value().value(), "15");
  EXPECT_EQ(rank->description(), "Phấn đấu xếp hạng trong top 8");

  const v1::Objective* score = Find(r.plan(), "");
  ASSERT_NE(score, nullptr);
  EXPECT_EQ(score->target().comparator(), cv1::COMPARATOR_AT_LEAST);
  EXPECT_EQ(score->target().value().value(), "68");
  EXPECT_FALSE(score->baseline().has_value());
  EXPECT_EQ(score->baseline().rank(), 15);
}

TEST(ObjectiveExtractorTest, FactsPointAtTheLinesOfTargetAndBaseline) {
  const v1::ImportPlanDocumentResponse r = Import(kDepartmentPlan);
  const v1::ExtractedFact* target = FactAbout(r, "objectives[2].target");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->first_line(), 15);
  EXPECT_THAT(target->value(), HasSubstr("DDCI/INFORMAL_CHARGES"));
  const v1::ExtractedFact* baseline = FactAbout(r, "objectives[2].baseline");
  ASSERT_NE(baseline, nullptr);
  EXPECT_EQ(baseline->first_line(), 15);
  const v1::ExtractedFact* rank = FactAbout(r, "objectives[2].baseline.rank");
  ASSERT_NE(rank, nullptr);
  EXPECT_EQ(rank->first_line(), 5);
}

// A district plan listing its targets under an announcing line.
constexpr absl::string_view kDistrictTargets =
    "KẾ HOẠCH\n"
    "\n"
    "Cải thiện chỉ số DDCI huyện Bình Gia năm 2025\n"
    "\n"
    "I. MỤC TIÊU\n"
    "\n"
    "Mục tiêu năm 2025: phấn đấu tăng điểm so với năm 2024, cụ thể:\n"
    "\n"
    "- Chỉ số 1: “Tính minh bạch và tiếp cận thông tin” đạt 8,5 điểm trở lên.\n"
    "- Chỉ số 2: “Chi phí thời gian” đạt 7,25 điểm trở lên.\n"
    "\n"
    "Tổng điểm phấn đấu của các chỉ số thành phần là 15,75 điểm. Tổng điểm mục tiêu năm "
    "2025: 78,4 điểm.\n";

TEST(ObjectiveExtractorTest, OrdinalsAreNotValuesAndTheYearComesFromTheList) {
  const v1::ImportPlanDocumentResponse r = Import(kDistrictTargets);
  ASSERT_EQ(r.plan().objectives_size(), 3);
  const v1::Objective& first = r.plan().objectives(0);
  EXPECT_EQ(first.framework(), "DDCI");
  EXPECT_EQ(first.component(), "TRANSPARENCY");
  EXPECT_EQ(first.target().comparator(), cv1::COMPARATOR_AT_LEAST);
  EXPECT_EQ(first.target().value().value(), "8.5");
  EXPECT_EQ(first.target().year(), 2025);
  EXPECT_FALSE(first.has_baseline());
  EXPECT_EQ(r.plan().objectives(1).component(), "TIME_COSTS");
  EXPECT_EQ(r.plan().objectives(1).target().value().value(), "7.25");
}

TEST(ObjectiveExtractorTest, TheSumOfTheComponentTargetsIsAFactNotAnObjective) {
  const v1::ImportPlanDocumentResponse r = Import(kDistrictTargets);
  const v1::Objective& total = r.plan().objectives(2);
  EXPECT_EQ(total.component(), "");
  EXPECT_EQ(total.target().value().value(), "78.4");
  EXPECT_EQ(total.target().year(), 2025);
  const v1::ExtractedFact* sum = FactAbout(r, "objectives.component_sum");
  ASSERT_NE(sum, nullptr);
  EXPECT_THAT(sum->value(), HasSubstr("15.75"));
  EXPECT_EQ(sum->first_line(), 12);
}

TEST(ObjectiveExtractorTest, SharesAndRankHistoriesAreNotTargets) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao Chỉ số cải cách hành chính (PAR INDEX) năm 2023\n\n"
      "Chỉ số PAR INDEX của tỉnh: hạng 40 (năm 2020), hạng 45 (năm 2021), nhóm B đạt từ 80% "
      "trở lên.\n\n"
      "I. MỤC TIÊU\n\n"
      "- Phấn đấu 100% thủ tục hành chính đủ điều kiện được cung cấp trực tuyến.\n"
      "- Phấn đấu tỷ lệ hồ sơ giải quyết đúng hạn đạt 98%.\n"
      "- Mục tiêu: 07/08 chỉ số thành phần được cải thiện.\n");
  EXPECT_THAT(r.plan().objectives(), IsEmpty());
  EXPECT_EQ(WarningsWith(r, "NO_OBJECTIVES").size(), 1u);
}

TEST(ObjectiveExtractorTest, PercentTargetOfANamedIndex) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số hài lòng năm 2023\n\nI. MỤC TIÊU\n\n"
      "- Phấn đấu năm 2023 Chỉ số hài lòng (SIPAS) đạt từ 85,5% trở lên.\n");
  ASSERT_EQ(r.plan().objectives_size(), 1);
  const v1::Objective& o = r.plan().objectives(0);
  EXPECT_EQ(o.framework(), "SIPAS");
  EXPECT_EQ(o.measure(), cv1::MEASURE_PERCENT);
  EXPECT_EQ(o.target().value().value(), "85.5");
  EXPECT_EQ(o.target().comparator(), cv1::COMPARATOR_AT_LEAST);
}

TEST(ObjectiveExtractorTest, ComponentsNamedOnlyInGeneralAreAWarning) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số DDCI năm 2022\n\nI. MỤC TIÊU\n\n"
      "- Phấn đấu các chỉ số thành phần đều đạt trên 6 điểm.\n");
  EXPECT_THAT(r.plan().objectives(), IsEmpty());
  const auto warnings = WarningsWith(r, "NO_COMPONENT");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].first_line(), 7);
}

TEST(ObjectiveExtractorTest, SharedComponentNameBelongsToTheSectionsIndex) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao các chỉ số năm 2023\n\n"
      "1. Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)\n\n"
      "- Chỉ tiêu: chỉ số “Tính minh bạch” năm 2023 đạt trên 6,8 điểm.\n\n"
      "2. Chỉ số DDCI\n\n"
      "- Chỉ tiêu: chỉ số “Tính minh bạch” năm 2023 đạt trên 7,1 điểm.\n");
  ASSERT_EQ(r.plan().objectives_size(), 2);
  EXPECT_EQ(r.plan().objectives(0).framework(), "PCI");
  EXPECT_EQ(r.plan().objectives(0).component(), "TRANSPARENCY");
  EXPECT_EQ(r.plan().objectives(1).framework(), "DDCI");
  EXPECT_EQ(r.plan().objectives(1).component(), "TRANSPARENCY");
}

TEST(ObjectiveExtractorTest, YearFromThePlanWhenTheTargetHasNone) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số DDCI giai đoạn 2023 - 2025\n\nI. MỤC TIÊU\n\n"
      "- Phấn đấu chỉ số “Cạnh tranh bình đẳng” đạt trên 6,0 điểm⁽¹⁾.\n\n"
      "⁽¹⁾ Theo kết quả công bố hằng năm.\n");
  ASSERT_EQ(r.plan().objectives_size(), 1);
  EXPECT_EQ(r.plan().objectives(0).component(), "EQUAL_COMPETITION");
  EXPECT_EQ(r.plan().objectives(0).target().value().value(), "6.0");
  EXPECT_EQ(r.plan().objectives(0).target().year(), 2025);
}

TEST(ObjectiveExtractorTest, AnEarlierYearsValueIsTheBaseline) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số DDCI năm 2024\n\nI. MỤC TIÊU\n\n"
      "- Chỉ số “Dịch vụ hỗ trợ doanh nghiệp”: năm 2023 đạt 5,9 điểm, phấn đấu năm 2024 đạt "
      "trên 7 điểm.\n");
  ASSERT_EQ(r.plan().objectives_size(), 1);
  const v1::Objective& o = r.plan().objectives(0);
  EXPECT_EQ(o.target().value().value(), "7");
  EXPECT_EQ(o.target().year(), 2024);
  EXPECT_EQ(o.baseline().value().value(), "5.9");
  EXPECT_EQ(o.baseline().year(), 2023);
}

TEST(ObjectiveExtractorTest, ASecondDifferentTargetForTheSameComponentIsAWarning) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số DDCI năm 2024\n\nI. MỤC TIÊU\n\n"
      "- Phấn đấu chỉ số “Chi phí thời gian” năm 2024 đạt trên 7 điểm.\n\n"
      "II. NỘI DUNG\n\n"
      "1. Chỉ số “Chi phí thời gian”: chỉ tiêu năm 2024 đạt trên 7,5 điểm.\n");
  ASSERT_EQ(r.plan().objectives_size(), 1);
  EXPECT_EQ(r.plan().objectives(0).target().value().value(), "7");
  EXPECT_EQ(WarningsWith(r, "DUPLICATE_TARGET").size(), 1u);
}

TEST(ObjectiveExtractorTest, DocumentWithoutIndicesGivesNoObjectives) {
  const v1::ImportPlanDocumentResponse r =
      Import("Phấn đấu năm 2024 đạt trên 7 điểm.\n\nMục tiêu: top 5.\n");
  EXPECT_THAT(r.plan().objectives(), IsEmpty());
  EXPECT_EQ(WarningsWith(r, "UNKNOWN_INDEX").size(), 2u);
}

// A component name the catalog does not know is not a target of the whole
// index; the real total is still kept.
TEST(ObjectiveExtractorTest, AnUnknownComponentNameIsNotTheIndexTotal) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nCải thiện chỉ số DDCI huyện Na Rì năm 2025\n\n"
      "I. MỤC ĐÍCH, YÊU CẦU\n\n"
      "Mục tiêu năm 2025 cụ thể như sau:\n\n"
      "- Chỉ số 1: “Chi phí thời gian” đạt 8,10 điểm trở lên.\n"
      "- Chỉ số 4: “Sự công bằng giữa các doanh nghiệp” đạt 5,93 điểm trở lên.\n"
      "- Chỉ số 7: “Hỗ trợ doanh nghiệp” đạt 6,40 điểm trở lên.\n\n"
      "Phấn đấu tổng điểm DDCI năm 2025 đạt 72,50 điểm trở lên.\n");
  int totals = 0;
  for (const auto& o : r.plan().objectives()) {
    if (o.component().empty()) {
      ++totals;
      EXPECT_EQ(o.target().value().value(), "72.50");
    }
  }
  EXPECT_EQ(totals, 1);
  const v1::Objective* support = Find(r.plan(), "BUSINESS_SUPPORT");
  ASSERT_NE(support, nullptr);
  EXPECT_EQ(support->framework(), "DDCI");
  EXPECT_EQ(support->target().value().value(), "6.40");
  EXPECT_NE(Find(r.plan(), "TIME_COSTS"), nullptr);
  EXPECT_EQ(r.plan().objectives_size(), 3);
  EXPECT_EQ(WarningsWith(r, "NO_COMPONENT").size(), 1u);
  EXPECT_THAT(WarningsWith(r, "DUPLICATE_TARGET"), IsEmpty());
}

// A "MỤC TIÊU" / "Chỉ tiêu" heading makes the items under it targets.
TEST(ObjectiveExtractorTest, ItemsUnderATargetHeadingAreTargets) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số hài lòng của xã Quang Thành năm 2025\n\n"
      "I. MỤC TIÊU\n\n"
      "1. Chỉ số SIPAS của xã đạt từ 85% trở lên.\n\n"
      "2. Chỉ tiêu\n\n"
      "- Chỉ số DDCI đạt 70 điểm trở lên.\n\n"
      "II. NHIỆM VỤ\n\n"
      "1. Chỉ số SIPAS năm 2024 đạt 80%.\n");
  int sipas = 0;
  int ddci = 0;
  for (const auto& o : r.plan().objectives()) {
    if (o.framework() == "SIPAS") {
      ++sipas;
      EXPECT_EQ(o.measure(), cv1::MEASURE_PERCENT);
      EXPECT_EQ(o.target().value().value(), "85");
      EXPECT_EQ(o.target().comparator(), cv1::COMPARATOR_AT_LEAST);
      EXPECT_EQ(o.target().year(), 2025);
    }
    if (o.framework() == "DDCI") {
      ++ddci;
      EXPECT_EQ(o.target().value().value(), "70");
    }
  }
  EXPECT_EQ(sipas, 1);
  EXPECT_EQ(ddci, 1);
}

}  // namespace
}  // namespace chiso::plan::document
