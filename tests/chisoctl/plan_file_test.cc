// Reading plans from JSON and YAML files: both formats give the same proto,
// decimals keep their digits, shorthands work, errors name the line.

#include "tools/chisoctl/plan_file.h"

#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace chiso::chisoctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kYamlFixture = std::string(CHISOCTL_TESTDATA) + "/ddci_2020_sxd.yaml";
const std::string kJsonFixture = std::string(CHISOCTL_TESTDATA) + "/ddci_2020_sxd.json";

LoadedPlan MustParse(absl::string_view text, PlanFileFormat format) {
  absl::StatusOr<LoadedPlan> loaded = ParsePlanText(text, format, "test");
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? *std::move(loaded) : LoadedPlan{};
}

std::string ErrorOf(absl::string_view text, PlanFileFormat format) {
  absl::StatusOr<LoadedPlan> loaded = ParsePlanText(text, format, "plan.file");
  EXPECT_FALSE(loaded.ok());
  if (loaded.ok()) return "";
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(loaded.status().message());
}

TEST(PlanFileTest, YamlAndJsonFixturesGiveEqualPlans) {
  std::istringstream no_input;
  absl::StatusOr<LoadedPlan> yaml = LoadPlanFile(kYamlFixture, no_input);
  absl::StatusOr<LoadedPlan> json = LoadPlanFile(kJsonFixture, no_input);
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  ASSERT_TRUE(json.ok()) << json.status();

  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(yaml->plan, json->plan)) << diff;
  EXPECT_EQ(yaml->fields, json->fields);

  const auto& plan = yaml->plan;
  EXPECT_EQ(plan.issuer().display_name(), "Sở Xây dựng tỉnh Lạng Sơn");
  EXPECT_EQ(plan.period().start_year(), 2020);
  ASSERT_EQ(plan.objectives_size(), 8);
  EXPECT_EQ(plan.objectives(0).component(), "TRANSPARENCY");
  EXPECT_EQ(plan.objectives(0).baseline().value().value(), "6.42");
  EXPECT_EQ(plan.objectives(0).baseline().rank_of(), 23);
  EXPECT_EQ(plan.objectives(0).target().comparator(), common::v1::COMPARATOR_ABOVE);
  EXPECT_EQ(plan.objectives(2).target().value().value(), "6.70");
  EXPECT_EQ(plan.objectives(7).component(), "DYNAMISM");
  EXPECT_EQ(plan.reporting_rules(1).due_date().month(), 12);
  EXPECT_EQ(plan.recipients_size(), 4);
}

TEST(PlanFileTest, AnAliasInsideItsOwnAnchorIsAnErrorNotAnEndlessLoop) {
  absl::StatusOr<LoadedPlan> plan =
      ParsePlanText("title: x\nrecipients: &a [*a]\n", PlanFileFormat::kYaml, "p.yaml");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(plan.status().message()),
              HasSubstr("alias refers to a value that contains it"));
}

TEST(PlanFileTest, AnAliasBombIsRefused) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'g'; ++c) {
    yaml += absl::StrCat(std::string(1, c), ": &", std::string(1, c), " [");
    for (int i = 0; i < 10; ++i) yaml += absl::StrCat(i ? ", " : "", "*", std::string(1, c - 1));
    yaml += "]\n";
  }
  absl::StatusOr<LoadedPlan> plan = ParsePlanText(yaml, PlanFileFormat::kYaml, "bomb.yaml");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("more than 100000 values"));
}

TEST(PlanFileTest, DeepNestingIsRefused) {
  std::string yaml = "title: ";
  for (int i = 0; i < 100; ++i) yaml += "[";
  for (int i = 0; i < 100; ++i) yaml += "]";
  absl::StatusOr<LoadedPlan> plan = ParsePlanText(yaml, PlanFileFormat::kYaml, "deep.yaml");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PlanFileTest, TextThatIsNotUtf8IsRefusedInBothFormats) {
  absl::StatusOr<LoadedPlan> yaml =
      ParsePlanText("title: \"abc\xff\xfe\"\n", PlanFileFormat::kYaml, "p.yaml");
  EXPECT_EQ(yaml.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(yaml.status().message()), HasSubstr("UTF-8"));
  absl::StatusOr<LoadedPlan> json =
      ParsePlanText("{\"title\": \"abc\xff\"}", PlanFileFormat::kJson, "p.json");
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(json.status().message()), HasSubstr("UTF-8"));
}

TEST(PlanFileTest, EmptyListItemsAreErrorsNotDropped) {
  absl::StatusOr<LoadedPlan> plan =
      ParsePlanText("recipients: [UBND tỉnh, ~]\n", PlanFileFormat::kYaml, "p.yaml");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("recipients[1]: empty item"));
}

TEST(PlanFileTest, DecimalKeepsItsTrailingZeroInBothFormats) {
  LoadedPlan yaml = MustParse(
      "objectives:\n"
      "  - target: {year: 2020, comparator: COMPARATOR_ABOVE, value: {value: 7.80}}\n",
      PlanFileFormat::kYaml);
  ASSERT_EQ(yaml.plan.objectives_size(), 1);
  EXPECT_EQ(yaml.plan.objectives(0).target().value().value(), "7.80");
  EXPECT_EQ(yaml.plan.objectives(0).target().year(), 2020);

  LoadedPlan json =
      MustParse(R"({"objectives": [{"target": {"year": 2020, "value": {"value": "7.80"}}}]})",
                PlanFileFormat::kJson);
  EXPECT_EQ(json.plan.objectives(0).target().value().value(), "7.80");
}

TEST(PlanFileTest, YamlScalarsStayTextExceptBooleansAndNull) {
  LoadedPlan loaded = MustParse(
      "title: 2020\n"
      "number: 060/KH-SXD\n"
      "place: null\n"
      "funding: \"true\"\n"
      "recipients: [yes, no, ~x]\n",
      PlanFileFormat::kYaml);
  EXPECT_EQ(loaded.plan.title(), "2020");
  EXPECT_EQ(loaded.plan.number(), "060/KH-SXD");
  EXPECT_EQ(loaded.plan.place(), "");
  EXPECT_EQ(loaded.plan.funding(), "true");
  EXPECT_THAT(loaded.plan.recipients(), ElementsAre("yes", "no", "~x"));
  EXPECT_THAT(loaded.fields, ElementsAre("number", "title", "place", "funding", "recipients"));
}

TEST(PlanFileTest, PlainBooleanGoesToTheParserAsBoolean) {
  // Plan has no boolean field, so a boolean where text belongs is refused by
  // the protobuf parser: proof that "true" was not turned into text.
  std::string error = ErrorOf("title: true\n", PlanFileFormat::kYaml);
  EXPECT_THAT(error, HasSubstr("title"));
}

TEST(PlanFileTest, FieldNamesInSnakeOrCamelCase) {
  LoadedPlan loaded = MustParse(
      R"({"issuedOn": {"year": "2020", "month": 6, "day": 1}, "issuer": {"display_name": "UBND"}})",
      PlanFileFormat::kJson);
  EXPECT_EQ(loaded.plan.issued_on().year(), 2020);
  EXPECT_EQ(loaded.plan.issuer().display_name(), "UBND");
  EXPECT_THAT(loaded.fields, ElementsAre("issuer", "issued_on"));
}

TEST(PlanFileTest, EnumsWithoutPrefixAndInAnyCase) {
  LoadedPlan loaded = MustParse(
      "objectives:\n"
      "  - measure: score\n"
      "    target: {comparator: above}\n"
      "  - measure: RANK\n"
      "    target: {comparator: at-most}\n"
      "  - target: {comparator: at_least}\n"
      "reporting_rules:\n"
      "  - frequency: Monthly\n",
      PlanFileFormat::kYaml);
  ASSERT_EQ(loaded.plan.objectives_size(), 3);
  EXPECT_EQ(loaded.plan.objectives(0).measure(), common::v1::MEASURE_SCORE);
  EXPECT_EQ(loaded.plan.objectives(0).target().comparator(), common::v1::COMPARATOR_ABOVE);
  EXPECT_EQ(loaded.plan.objectives(1).measure(), common::v1::MEASURE_RANK);
  EXPECT_EQ(loaded.plan.objectives(1).target().comparator(), common::v1::COMPARATOR_AT_MOST);
  EXPECT_EQ(loaded.plan.objectives(2).target().comparator(), common::v1::COMPARATOR_AT_LEAST);
  EXPECT_EQ(loaded.plan.reporting_rules(0).frequency(), common::v1::FREQUENCY_MONTHLY);
}

TEST(PlanFileTest, DecimalAndDateShorthands) {
  LoadedPlan loaded = MustParse(
      "issued_on: 15/05/2020\n"
      "objectives:\n"
      "  - baseline: {year: 2019, value: 6.70}\n"
      "    target: {year: 2020, comparator: ABOVE, value: 7.50}\n",
      PlanFileFormat::kYaml);
  EXPECT_EQ(loaded.plan.issued_on().year(), 2020);
  EXPECT_EQ(loaded.plan.issued_on().month(), 5);
  EXPECT_EQ(loaded.plan.issued_on().day(), 15);
  EXPECT_EQ(loaded.plan.objectives(0).baseline().value().value(), "6.70");
  EXPECT_EQ(loaded.plan.objectives(0).target().value().value(), "7.50");
}

TEST(PlanFileTest, BadYamlReportsItsLine) {
  const std::string error = ErrorOf(
      "title: Kế hoạch\n"
      "objectives:\n"
      "  - framework: DDCI\n"
      "    component: [TRANSPARENCY\n"
      "    measure: score\n",
      PlanFileFormat::kYaml);
  EXPECT_THAT(error, HasSubstr("plan.file: line "));
  EXPECT_THAT(error, ::testing::ContainsRegex("line [45], column"));
}

TEST(PlanFileTest, BadYamlIndentationReportsItsLine) {
  const std::string error = ErrorOf(
      "title: Kế hoạch\n"
      "issuer:\n"
      "  display_name: Sở Xây dựng\n"
      " place: Lạng Sơn\n",
      PlanFileFormat::kYaml);
  EXPECT_THAT(error, HasSubstr("plan.file: line 4, column"));
}

TEST(PlanFileTest, BadJsonReportsItsLine) {
  const std::string error = ErrorOf(
      "{\n"
      "  \"title\": \"Kế hoạch\",\n"
      "  \"place\": \"Lạng Sơn\"\n"
      "  \"number\": \"45/KH-SXD\"\n"
      "}\n",
      PlanFileFormat::kJson);
  EXPECT_THAT(error, HasSubstr("plan.file: line 4, column 3: "));
}

TEST(PlanFileTest, UnknownFieldNamesThePathAndLine) {
  const std::string error = ErrorOf(
      "title: Kế hoạch\n"
      "objectives:\n"
      "  - framework: DDCI\n"
      "    componnet: TRANSPARENCY\n",
      PlanFileFormat::kYaml);
  EXPECT_THAT(error, HasSubstr("plan.file: line 4: objectives[0].componnet: unknown field of "
                               "Objective; known fields: id, framework, component"));
}

TEST(PlanFileTest, UnknownEnumValueListsTheChoices) {
  const std::string error =
      ErrorOf(R"({"objectives": [{"target": {"comparator": "MORE"}}]})", PlanFileFormat::kJson);
  EXPECT_THAT(error, HasSubstr("objectives[0].target.comparator: unknown Comparator \"MORE\"; "
                               "expected one of AT_LEAST, ABOVE, AT_MOST, BELOW"));
}

TEST(PlanFileTest, JsonNumberForADecimalIsRefused) {
  const std::string error =
      ErrorOf(R"({"objectives": [{"target": {"value": {"value": 7.80}}}]})", PlanFileFormat::kJson);
  EXPECT_THAT(error, HasSubstr("objectives[0].target.value.value"));
  EXPECT_THAT(error, HasSubstr("quotes"));
}

TEST(PlanFileTest, WrongTypeFromTheProtobufParserIsReported) {
  const std::string error =
      ErrorOf("objectives:\n  - baseline: {year: soon}\n", PlanFileFormat::kYaml);
  EXPECT_THAT(error, HasSubstr("plan.file: "));
  EXPECT_THAT(error, HasSubstr("soon"));
}

TEST(PlanFileTest, TopLevelMustBeAMapping) {
  EXPECT_THAT(ErrorOf("- a\n- b\n", PlanFileFormat::kYaml),
              HasSubstr("expected a mapping of Plan fields"));
  EXPECT_THAT(ErrorOf("   \n", PlanFileFormat::kYaml), HasSubstr("empty"));
}

TEST(PlanFileTest, AutoDetectsJsonThenYaml) {
  LoadedPlan json = MustParse(R"({"title": "A"})", PlanFileFormat::kAuto);
  EXPECT_EQ(json.plan.title(), "A");
  LoadedPlan yaml = MustParse("title: B\n", PlanFileFormat::kAuto);
  EXPECT_EQ(yaml.plan.title(), "B");
  // Text opening with "{" is JSON: broken JSON is reported as such, not
  // read as a YAML flow mapping.
  EXPECT_THAT(ErrorOf("{\"title\": }", PlanFileFormat::kAuto),
              HasSubstr("plan.file: line 1, column 11: Unexpected token."));
  EXPECT_THAT(ErrorOf("{title: C}", PlanFileFormat::kAuto), HasSubstr("plan.file: line 1"));
}

TEST(PlanFileTest, FormatFollowsTheExtension) {
  EXPECT_EQ(*FormatFromPath("a/plan.json"), PlanFileFormat::kJson);
  EXPECT_EQ(*FormatFromPath("PLAN.JSON"), PlanFileFormat::kJson);
  EXPECT_EQ(*FormatFromPath("plan.yaml"), PlanFileFormat::kYaml);
  EXPECT_EQ(*FormatFromPath("plan.yml"), PlanFileFormat::kYaml);
  EXPECT_EQ(*FormatFromPath("-"), PlanFileFormat::kAuto);
  absl::StatusOr<PlanFileFormat> txt = FormatFromPath("plan.txt");
  ASSERT_FALSE(txt.ok());
  EXPECT_THAT(txt.status().message(), HasSubstr(".json, .yaml or .yml"));
}

TEST(PlanFileTest, ReadsStandardInput) {
  std::istringstream in("title: Từ stdin\n");
  absl::StatusOr<LoadedPlan> loaded = LoadPlanFile("-", in);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->plan.title(), "Từ stdin");
}

TEST(PlanFileTest, MissingFileIsAnError) {
  std::istringstream no_input;
  absl::StatusOr<LoadedPlan> loaded = LoadPlanFile("/nonexistent/chisoctl/plan.yaml", no_input);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("cannot read /nonexistent/chisoctl/plan.yaml"));
}

}  // namespace
}  // namespace chiso::chisoctl
