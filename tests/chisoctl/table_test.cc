// Tables line up by terminal columns: Vietnamese text in precomposed (NFC)
// and decomposed (NFD) form takes the same room; long cells are cut.

#include "tools/chisoctl/table.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/text/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::chisoctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// "Sở Xây dựng" and "Kế hoạch" precomposed, and the same words decomposed
// (base letter + combining horn U+031B, hook above U+0309, circumflex
// U+0302, acute U+0301, dot below U+0323).
const std::string kIssuerNfc = "Sở Xây dựng";
const std::string kIssuerNfd = "So\xCC\x9B\xCC\x89 Xa\xCC\x82y du\xCC\x9B\xCC\xA3ng";
const std::string kTitleNfc = "Kế hoạch cải thiện DDCI";
const std::string kTitleNfd =
    "Ke\xCC\x82\xCC\x81 hoa\xCC\xA3"
    "ch ca\xCC\x89i thie\xCC\x82\xCC\xA3n DDCI";

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// The terminal column at which `needle` starts in `line`.
int ColumnOf(const std::string& line, const std::string& needle) {
  const size_t at = line.find(needle);
  EXPECT_NE(at, std::string::npos) << needle << " not in " << line;
  return at == std::string::npos ? -1 : text::DisplayWidth(line.substr(0, at));
}

TEST(TableTest, FixturesAreTheSameTextInTwoForms) {
  ASSERT_NE(kIssuerNfc, kIssuerNfd);
  EXPECT_EQ(text::NormalizeNfc(kIssuerNfd), kIssuerNfc);
  EXPECT_EQ(text::NormalizeNfc(kTitleNfd), kTitleNfc);
}

TEST(TableTest, PrecomposedAndDecomposedTextAlignTheSame) {
  Table table({{"ISSUER"}, {"TITLE"}, {"N", 0, true}});
  table.AddRow({kIssuerNfc, kTitleNfc, "8"});
  table.AddRow({kIssuerNfd, kTitleNfd, "10"});
  table.AddRow({"UBND", "x", "1"});
  std::ostringstream out;
  table.Render(out);
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 4u);

  const int title_column = ColumnOf(lines[0], "TITLE");
  EXPECT_EQ(title_column, text::DisplayWidth(kIssuerNfc) + 2);
  EXPECT_EQ(ColumnOf(lines[1], kTitleNfc), title_column);
  EXPECT_EQ(ColumnOf(lines[2], kTitleNfd), title_column);
  EXPECT_EQ(ColumnOf(lines[3], "x"), title_column);
  // Every line has the same display width (the last column is right aligned).
  for (const std::string& line : lines) {
    EXPECT_EQ(text::DisplayWidth(line), text::DisplayWidth(lines[0])) << line;
  }
  // Byte lengths differ, which is why bytes must not be used to pad.
  EXPECT_NE(lines[1].size(), lines[2].size());
}

TEST(TableTest, ControlCharactersFromTheServerReachNoTerminal) {
  Table table({{"TITLE"}, {"N"}});
  table.AddRow({"Ke hoach \x1b[2J\x1b]0;pwned\x07 X", "10"});
  table.AddRow({"Kế hoạch", "9"});
  std::ostringstream out;
  table.Render(out);
  const std::string text = out.str();
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  // The second column starts at the same terminal column on every line.
  const int col1 = text::DisplayWidth(lines[1].substr(0, lines[1].rfind("10")));
  const int col2 = text::DisplayWidth(lines[2].substr(0, lines[2].rfind("9")));
  EXPECT_EQ(col1, col2);
}

TEST(TableTest, LongCellsAreCutToTheColumnWidth) {
  Table table({{"TITLE", 12}, {"N"}});
  table.AddRow({"Nâng cao chỉ số năng lực cạnh tranh", "1"});
  table.AddRow({kTitleNfd, "2"});
  std::ostringstream out;
  table.Render(out);
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[1], HasSubstr("Nâng cao ch…  1"));
  EXPECT_EQ(ColumnOf(lines[1], "  1") + 2, 14);
  EXPECT_EQ(ColumnOf(lines[2], "  2") + 2, 14);
  EXPECT_THAT(lines[2], HasSubstr("…"));
}

TEST(TableTest, NoTrailingSpacesAndNewlinesInCellsBecomeSpaces) {
  Table table({{"A"}, {"B"}});
  table.AddRow({"một\nhai", ""});
  std::ostringstream out;
  table.Render(out, "  ");
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "  A        B");
  EXPECT_EQ(lines[1], "  một hai");
}

chiso::plan::v1::Objective MakeObjective() {
  chiso::plan::v1::Objective o;
  o.set_id("o1");
  o.set_framework("DDCI");
  o.set_component("TRANSPARENCY");
  o.set_measure(common::v1::MEASURE_SCORE);
  o.mutable_baseline()->set_year(2019);
  o.mutable_baseline()->mutable_value()->set_value("6.42");
  o.mutable_baseline()->set_rank(17);
  o.mutable_baseline()->set_rank_of(23);
  o.mutable_target()->set_year(2020);
  o.mutable_target()->set_comparator(common::v1::COMPARATOR_ABOVE);
  o.mutable_target()->mutable_value()->set_value("7.50");
  return o;
}

TEST(TableTest, BaselineAndTargetCells) {
  chiso::plan::v1::Objective o = MakeObjective();
  EXPECT_EQ(FormatBaseline(o), "6.42 @2019, rank 17/23");
  EXPECT_EQ(FormatTarget(o), "> 7.50 @2020");
  o.mutable_target()->set_comparator(common::v1::COMPARATOR_AT_LEAST);
  EXPECT_EQ(FormatTarget(o), "≥ 7.50 @2020");
  o.set_measure(common::v1::MEASURE_PERCENT);
  o.mutable_target()->set_comparator(common::v1::COMPARATOR_BELOW);
  EXPECT_EQ(FormatTarget(o), "< 7.50% @2020");
  o.set_measure(common::v1::MEASURE_RANK);
  o.mutable_target()->set_comparator(common::v1::COMPARATOR_AT_MOST);
  o.mutable_target()->mutable_value()->set_value("10");
  EXPECT_EQ(FormatTarget(o), "≤ 10 @2020");
  o.clear_baseline();
  EXPECT_EQ(FormatBaseline(o), "");
  o.set_measure(common::v1::MEASURE_GRADE);
  o.mutable_target()->set_grade("A");
  EXPECT_EQ(FormatTarget(o), "≤ A @2020");
}

TEST(TableTest, DatesAndStatuses) {
  common::v1::Date date;
  EXPECT_EQ(FormatDate(date), "");
  date.set_year(2020);
  date.set_month(5);
  date.set_day(15);
  EXPECT_EQ(FormatDate(date), "15/05/2020");
  EXPECT_EQ(FormatStatus(chiso::plan::v1::PLAN_STATUS_ISSUED), "issued");
  EXPECT_EQ(FormatStatus(chiso::plan::v1::PLAN_STATUS_ARCHIVED), "archived");
}

TEST(TableTest, PlanListAlignsVietnameseIssuers) {
  std::vector<chiso::plan::v1::Plan> plans(2);
  plans[0].set_name("plans/a");
  plans[0].set_number("45/KH-SXD");
  plans[0].mutable_issuer()->set_display_name(kIssuerNfc);
  plans[0].set_title(kTitleNfc);
  plans[0].set_status(chiso::plan::v1::PLAN_STATUS_DRAFT);
  *plans[0].add_objectives() = MakeObjective();
  plans[1].set_name("plans/b");
  plans[1].mutable_issuer()->set_display_name(kIssuerNfd);
  plans[1].set_title(kTitleNfd);
  plans[1].set_status(chiso::plan::v1::PLAN_STATUS_ISSUED);
  plans[1].mutable_issued_on()->set_year(2020);
  plans[1].mutable_issued_on()->set_month(5);
  plans[1].mutable_issued_on()->set_day(15);
  std::ostringstream out;
  RenderPlanList(plans, out);
  const std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("NAME"));
  EXPECT_THAT(lines[0], HasSubstr("NUMBER"));
  EXPECT_THAT(lines[0], HasSubstr("OBJECTIVES"));
  EXPECT_EQ(ColumnOf(lines[1], kIssuerNfc), ColumnOf(lines[0], "ISSUER"));
  EXPECT_EQ(ColumnOf(lines[2], kIssuerNfd), ColumnOf(lines[0], "ISSUER"));
  EXPECT_EQ(ColumnOf(lines[1], kTitleNfc), ColumnOf(lines[0], "TITLE"));
  EXPECT_EQ(ColumnOf(lines[2], kTitleNfd), ColumnOf(lines[0], "TITLE"));
  EXPECT_THAT(lines[1], HasSubstr("draft"));
  EXPECT_THAT(lines[2], HasSubstr("15/05/2020"));
  EXPECT_THAT(lines[1], ::testing::EndsWith(" 1"));
  EXPECT_THAT(lines[2], ::testing::EndsWith(" 0"));
}

TEST(TableTest, EmptyListSaysSo) {
  std::ostringstream out;
  RenderPlanList({}, out);
  EXPECT_EQ(out.str(), "No plans.\n");
}

TEST(TableTest, PlanViewShowsFieldsThenObjectives) {
  chiso::plan::v1::Plan plan;
  plan.set_name("plans/a");
  plan.set_title(kTitleNfc);
  plan.mutable_issuer()->set_display_name(kIssuerNfc);
  plan.set_status(chiso::plan::v1::PLAN_STATUS_DRAFT);
  plan.mutable_period()->set_start_year(2022);
  plan.mutable_period()->set_end_year(2025);
  *plan.add_objectives() = MakeObjective();
  std::ostringstream out;
  RenderPlan(plan, out);
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("Name:          plans/a\n"));
  EXPECT_THAT(text, HasSubstr("Title:         " + kTitleNfc + "\n"));
  EXPECT_THAT(text, HasSubstr("Status:        draft\n"));
  EXPECT_THAT(text, HasSubstr("Period:        2022–2025\n"));
  EXPECT_THAT(text, Not(HasSubstr("Number:")));
  EXPECT_THAT(text, HasSubstr("Objectives (1):\n"));
  EXPECT_THAT(text, HasSubstr("FRAMEWORK  COMPONENT"));
  EXPECT_THAT(text,
              HasSubstr("DDCI       TRANSPARENCY  score    6.42 @2019, rank 17/23  > 7.50 @2020"));
}

}  // namespace
}  // namespace chiso::chisoctl
