#include "services/plan/plan_domain.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/plan/plan_fixtures.h"

namespace chiso::plan {
namespace {

using chiso::common::v1::Comparator;
using chiso::common::v1::Frequency;
using chiso::common::v1::Measure;
using testing::DepartmentDdciPlan;
using ::testing::HasSubstr;
using testing::MinimalDraft;

class PlanDomainTest : public ::testing::Test {
 protected:
  // Validates `plan` and returns the status, expecting `code`; the message
  // must contain `fragment`.
  void ExpectInvalid(Plan plan, absl::string_view fragment,
                     absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
    absl::Status s = ValidateAndNormalize(catalog_, plan);
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(fragment)));
  }
  Catalog catalog_ = *Catalog::Builtin();
};

TEST(ParsePlanNumber, AcceptsNumbersAsDocumentsWriteThem) {
  EXPECT_EQ(ParsePlanNumber("n", "60/KH-STNMT")->ToString(), "60/KH-STNMT");
  EXPECT_EQ(ParsePlanNumber("n", "60 /KH-STNMT")->ToString(), "60/KH-STNMT");
  EXPECT_EQ(ParsePlanNumber("n", " 211 / KH-UBND ")->ToString(), "211/KH-UBND");
  EXPECT_EQ(ParsePlanNumber("n", "060/kh-ubnd")->ToString(), "60/KH-UBND");
  EXPECT_EQ(ParsePlanNumber("n", "12/KH-SNN&PTNT")->ToString(), "12/KH-SNN&PTNT");
  EXPECT_EQ(ParsePlanNumber("n", "5/KH-SGDđT")->ToString(), "5/KH-SGDĐT");
  EXPECT_EQ(ParsePlanNumber("n", "54/UBND-KTTH")->symbol, "UBND-KTTH");
}

TEST(ParsePlanNumber, AcceptsABlankSerialForDrafts) {
  absl::StatusOr<PlanNumber> n = ParsePlanNumber("n", "/KH-UBND");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->serial, "");
  EXPECT_EQ(n->ToString(), "/KH-UBND");
}

TEST(ParsePlanNumber, RejectsMalformedNumbersNamingTheField) {
  for (const char* bad : {"KH-STNMT", "6a/KH", "60/", "60/KH STNMT", "60/KH-(X)", "số 60/KH"}) {
    absl::StatusOr<PlanNumber> n = ParsePlanNumber("plan.number", bad);
    EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(n.status().message()), HasSubstr("plan.number")) << bad;
  }
}

TEST_F(PlanDomainTest, NormalizesTheDdciPlan) {
  Plan plan = DepartmentDdciPlan();
  ASSERT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
  EXPECT_EQ(plan.number(), "60/KH-STNMT");
  ASSERT_EQ(plan.objectives_size(), 10);
  EXPECT_EQ(plan.objectives(0).id(), "o1");
  EXPECT_EQ(plan.objectives(9).id(), "o10");
  EXPECT_EQ(plan.objectives(0).baseline().value().value(), "6.77");
  EXPECT_EQ(plan.objectives(0).target().value().value(), "7.80");
  EXPECT_EQ(plan.objectives(3).target().value().value(), "6.0");
}

TEST_F(PlanDomainTest, KeepsGivenObjectiveIdsAndFillsGapsAroundThem) {
  Plan plan = DepartmentDdciPlan();
  plan.mutable_objectives(0)->set_id("o2");
  ASSERT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
  EXPECT_EQ(plan.objectives(0).id(), "o2");
  EXPECT_EQ(plan.objectives(1).id(), "o1");
  EXPECT_EQ(plan.objectives(2).id(), "o3");
}

TEST_F(PlanDomainTest, NormalizesDecomposedVietnameseToNfc) {
  Plan plan = MinimalDraft("UBND huye\xcc\x82\xcc\xa3n Ca\xcc\x81t Ti\xcc\x81n");  // NFD
  ASSERT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
  EXPECT_EQ(plan.issuer().display_name(), "UBND huyện Cát Tín");
}

TEST_F(PlanDomainTest, RejectsUnknownFrameworkListingTheValidCodes) {
  Plan plan = MinimalDraft();
  plan.mutable_objectives(0)->set_framework("DCI");
  ExpectInvalid(plan,
                "plan.objectives[0].framework: unknown index \"DCI\" (known: PAR_INDEX, SIPAS, "
                "PAPI, PCI, DDCI, PGI)");
}

TEST_F(PlanDomainTest, RejectsUnknownComponentListingTheFrameworksComponents) {
  Plan plan = MinimalDraft();
  plan.mutable_objectives(0)->set_framework("PGI");
  plan.mutable_objectives(0)->set_component("TRANSPARENCY");
  ExpectInvalid(plan, "CLIMATE_RISK, ENV_STANDARDS, GREEN_LEADERSHIP, GREEN_SUPPORT");
}

TEST_F(PlanDomainTest, RejectsATargetWithoutComparator) {
  Plan plan = MinimalDraft();
  plan.mutable_objectives(0)->mutable_target()->set_comparator(Comparator::COMPARATOR_UNSPECIFIED);
  ExpectInvalid(plan, "plan.objectives[0].target.comparator: required");
}

TEST_F(PlanDomainTest, RejectsAnObjectiveWithoutTarget) {
  Plan plan = MinimalDraft();
  plan.mutable_objectives(0)->clear_target();
  ExpectInvalid(plan, "plan.objectives[0].target: required");
}

TEST_F(PlanDomainTest, RejectsYearsOutside2000To2100) {
  Plan plan = MinimalDraft();
  plan.mutable_objectives(0)->mutable_target()->set_year(1999);
  ExpectInvalid(plan,
                "plan.objectives[0].target.year: year must be between 2000 and 2100 (got 1999)");
  plan = MinimalDraft();
  plan.mutable_period()->set_start_year(2020);
  plan.mutable_period()->set_end_year(2101);
  ExpectInvalid(plan, "plan.period.end_year");
  plan = MinimalDraft();
  plan.mutable_issued_on()->set_year(1990);
  plan.mutable_issued_on()->set_month(1);
  plan.mutable_issued_on()->set_day(1);
  ExpectInvalid(plan, "plan.issued_on");
  plan = MinimalDraft();
  plan.mutable_objectives(0)->mutable_baseline()->set_year(3000);
  ExpectInvalid(plan, "plan.objectives[0].baseline.year");
}

TEST_F(PlanDomainTest, RejectsDatesThatDoNotExist) {
  Plan plan = MinimalDraft();
  plan.mutable_issued_on()->set_year(2024);
  plan.mutable_issued_on()->set_month(4);
  plan.mutable_issued_on()->set_day(31);
  ExpectInvalid(plan, "plan.issued_on: day 31 does not exist in 4/2024");
  plan.mutable_issued_on()->set_month(2);
  plan.mutable_issued_on()->set_day(29);
  EXPECT_TRUE(ValidateAndNormalize(catalog_, plan).ok());  // 2024 is a leap year
}

TEST_F(PlanDomainTest, RejectsAPeriodThatEndsBeforeItStarts) {
  Plan plan = MinimalDraft();
  plan.mutable_period()->set_start_year(2025);
  plan.mutable_period()->set_end_year(2022);
  ExpectInvalid(plan, "plan.period: end_year 2022 is before start_year 2025");
}

TEST_F(PlanDomainTest, RejectsMalformedDecimals) {
  Plan plan = MinimalDraft();
  plan.mutable_objectives(0)->mutable_target()->mutable_value()->set_value("7,8,0");
  ExpectInvalid(plan, "plan.objectives[0].target.value");
  plan.mutable_objectives(0)->mutable_target()->mutable_value()->set_value("bảy");
  ExpectInvalid(plan, "plan.objectives[0].target.value");
}

TEST_F(PlanDomainTest, ChecksValuesAgainstTheMeasure) {
  Plan plan = MinimalDraft();
  auto* o = plan.mutable_objectives(0);
  o->set_measure(Measure::MEASURE_PERCENT);
  o->mutable_target()->mutable_value()->set_value("101");
  ExpectInvalid(plan, "a percentage must be between 0 and 100");
  o->set_measure(Measure::MEASURE_RANK);
  o->mutable_target()->mutable_value()->set_value("10.5");
  ExpectInvalid(plan, "a rank must be a whole number from 1");
  o->mutable_target()->mutable_value()->set_value("10");
  EXPECT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
}

TEST_F(PlanDomainTest, GradeTargetsNeedTheGradeMeasure) {
  Plan plan = MinimalDraft();
  auto* o = plan.mutable_objectives(0);
  o->set_framework("PAR_INDEX");
  o->clear_component();
  o->set_measure(Measure::MEASURE_SCORE);
  o->mutable_target()->set_grade("A");
  o->mutable_target()->set_comparator(Comparator::COMPARATOR_UNSPECIFIED);
  ExpectInvalid(plan, "a grade target needs measure MEASURE_GRADE");
  o->set_measure(Measure::MEASURE_UNSPECIFIED);
  ASSERT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
  EXPECT_EQ(plan.objectives(0).measure(), Measure::MEASURE_GRADE);
  EXPECT_EQ(plan.objectives(0).target().comparator(), Comparator::COMPARATOR_AT_LEAST);
}

TEST_F(PlanDomainTest, RejectsABaselineRankBeyondItsPeers) {
  Plan plan = MinimalDraft();
  plan.mutable_objectives(0)->mutable_baseline()->set_year(2023);
  plan.mutable_objectives(0)->mutable_baseline()->set_rank(24);
  plan.mutable_objectives(0)->mutable_baseline()->set_rank_of(23);
  ExpectInvalid(plan, "rank 24 is beyond rank_of 23");
}

TEST_F(PlanDomainTest, RejectsDuplicateOrMalformedObjectiveIds) {
  Plan plan = DepartmentDdciPlan();
  plan.mutable_objectives(0)->set_id("a");
  plan.mutable_objectives(1)->set_id("a");
  ExpectInvalid(plan, "plan.objectives[1].id: \"a\" is used twice");
  plan = MinimalDraft();
  plan.mutable_objectives(0)->set_id("bad id");
  ExpectInvalid(plan, "plan.objectives[0].id");
}

TEST_F(PlanDomainTest, LimitsTheNumberOfObjectives) {
  Plan plan = MinimalDraft();
  while (plan.objectives_size() <= kMaxObjectives) *plan.add_objectives() = plan.objectives(0);
  ExpectInvalid(plan, "at most 200 objectives (got 201)");
}

TEST_F(PlanDomainTest, RequiresTheIssuer) {
  Plan plan = MinimalDraft();
  plan.mutable_issuer()->set_display_name("   ");
  ExpectInvalid(plan, "plan.issuer.display_name: required");
  plan = MinimalDraft();
  plan.mutable_issuer()->set_unit("departments/5");
  ExpectInvalid(plan, "plan.issuer.unit: must be a unit resource name");
}

TEST_F(PlanDomainTest, ChecksReportingRules) {
  Plan plan = MinimalDraft();
  auto* r = plan.add_reporting_rules();
  ExpectInvalid(plan, "plan.reporting_rules[0].frequency: required");
  r->set_frequency(Frequency::FREQUENCY_ONCE);
  ExpectInvalid(plan, "plan.reporting_rules[0].due_date: required for FREQUENCY_ONCE");
  r->set_frequency(Frequency::FREQUENCY_ANNUAL);
  r->set_month(2);
  r->set_day(30);
  ExpectInvalid(plan, "day 30 does not exist in month 2");
  r->set_day(20);
  EXPECT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
}

TEST_F(PlanDomainTest, RejectsTooLongText) {
  Plan plan = MinimalDraft();
  plan.set_title(std::string(1001, 'a'));
  ExpectInvalid(plan, "plan.title: at most 1000 characters (got 1001)");
  // Characters, not bytes: 1000 Vietnamese letters of 2–3 bytes each fit.
  std::string title;
  for (int i = 0; i < 1000; ++i) title += "ệ";
  plan.set_title(title);
  EXPECT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
}

TEST_F(PlanDomainTest, RejectsMalformedSupersedes) {
  Plan plan = MinimalDraft();
  plan.set_supersedes("plan/1");
  ExpectInvalid(plan, "plan.supersedes: must be a plan resource name");
}

TEST(CheckReadyToIssue, NamesEverythingMissing) {
  Plan plan = MinimalDraft();
  plan.set_number("/KH-UBND");
  plan.clear_title();
  absl::Status s = CheckReadyToIssue(plan);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("number"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("issued_on"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("title"));
  EXPECT_TRUE(CheckReadyToIssue(DepartmentDdciPlan()).ok());
}

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* p : paths) mask.add_paths(p);
  return mask;
}

TEST(CheckUpdateMask, ADraftAcceptsEveryMutableField) {
  Plan plan = MinimalDraft();
  plan.set_status(PlanStatus::PLAN_STATUS_DRAFT);
  EXPECT_TRUE(
      CheckUpdateMask(plan, Mask({"title", "objectives", "issuer.display_name", "signer"})).ok());
}

TEST(CheckUpdateMask, RejectsEmptyUnknownAndOutputOnlyPaths) {
  Plan plan = MinimalDraft();
  plan.set_status(PlanStatus::PLAN_STATUS_DRAFT);
  EXPECT_EQ(CheckUpdateMask(plan, Mask({})).code(), absl::StatusCode::kInvalidArgument);
  absl::Status s = CheckUpdateMask(plan, Mask({"titel"}));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"titel\" is not a field of Plan"));
  s = CheckUpdateMask(plan, Mask({"status"}));
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"status\" is output only"));
  EXPECT_EQ(CheckUpdateMask(plan, Mask({"create_time.seconds"})).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckUpdateMask, AnIssuedPlanKeepsItsObjectives) {
  Plan plan = MinimalDraft();
  plan.set_name("plans/x");
  plan.set_status(PlanStatus::PLAN_STATUS_ISSUED);
  absl::Status s = CheckUpdateMask(plan, Mask({"objectives"}));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("supersedes"));
  EXPECT_EQ(CheckUpdateMask(plan, Mask({"number"})).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckUpdateMask(plan, Mask({"issuer"})).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckUpdateMask(plan, Mask({"reporting_rules", "recipients", "issuer.unit"})).ok());
}

TEST(CheckUpdateMask, ClosedAndArchivedPlansAreReadOnly) {
  Plan plan = MinimalDraft();
  for (PlanStatus s : {PlanStatus::PLAN_STATUS_CLOSED, PlanStatus::PLAN_STATUS_ARCHIVED}) {
    plan.set_status(s);
    EXPECT_EQ(CheckUpdateMask(plan, Mask({"recipients"})).code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST(ApplyUpdate, ReplacesRepeatedAndMessageFields) {
  Plan plan = DepartmentDdciPlan();
  Plan patch;
  *patch.add_objectives() = MinimalDraft().objectives(0);
  patch.mutable_signer()->set_full_name("Trần Thị Hoa");
  ApplyUpdate(patch, Mask({"objectives", "signer"}), plan);
  EXPECT_EQ(plan.objectives_size(), 1);
  EXPECT_EQ(plan.signer().full_name(), "Trần Thị Hoa");
  EXPECT_EQ(plan.signer().post(), "");  // replaced, not merged
  EXPECT_EQ(plan.title(), DepartmentDdciPlan().title());
}

TEST(LifeCycle, OnlyDraftsAreDeletedOrIssuedAndOnlyIssuedPlansClosed) {
  Plan plan;
  plan.set_status(PlanStatus::PLAN_STATUS_DRAFT);
  EXPECT_TRUE(CheckCanDelete(plan).ok());
  EXPECT_TRUE(CheckCanIssue(plan).ok());
  EXPECT_EQ(CheckCanClose(plan, false).code(), absl::StatusCode::kFailedPrecondition);
  plan.set_status(PlanStatus::PLAN_STATUS_ISSUED);
  EXPECT_EQ(CheckCanDelete(plan).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckCanIssue(plan).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckCanClose(plan, false).ok());
  EXPECT_TRUE(CheckCanClose(plan, true).ok());
  plan.set_status(PlanStatus::PLAN_STATUS_CLOSED);
  EXPECT_EQ(CheckCanClose(plan, false).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckCanClose(plan, true).ok());
  plan.set_status(PlanStatus::PLAN_STATUS_ARCHIVED);
  EXPECT_EQ(CheckCanClose(plan, true).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckCanDelete(plan).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CheckEtag, EmptySkipsAndMismatchAborts) {
  Plan plan;
  plan.set_etag("3");
  EXPECT_TRUE(CheckEtag(plan, "").ok());
  EXPECT_TRUE(CheckEtag(plan, "3").ok());
  EXPECT_EQ(CheckEtag(plan, "2").code(), absl::StatusCode::kAborted);
}

TEST(KeysOf, NumberKeyNeedsSerialAndYear) {
  Plan plan = DepartmentDdciPlan();
  plan.set_number("60/KH-STNMT");
  PlanKeys keys = KeysOf(plan);
  EXPECT_EQ(keys.number_key, "60/KH-STNMT|so tai nguyen va moi truong|2020");
  EXPECT_EQ(keys.issuer_name_key, "so tai nguyen va moi truong");
  EXPECT_EQ(keys.start_year, 2020);
  EXPECT_EQ(keys.number_unit_key, "");
  plan.mutable_issuer()->set_unit("units/01hzzzzzzzzzzzzzzzzzzzzzzz");
  keys = KeysOf(plan);
  EXPECT_EQ(keys.number_key, "60/KH-STNMT|so tai nguyen va moi truong|2020");
  EXPECT_EQ(keys.number_unit_key, "60/KH-STNMT|units/01hzzzzzzzzzzzzzzzzzzzzzzz|2020");
  plan.set_number("/KH-STNMT");
  EXPECT_EQ(KeysOf(plan).number_key, "");
  EXPECT_EQ(KeysOf(plan).number_unit_key, "");
}

TEST(KeysOf, YearsComeFromPeriodThenIssueThenTargets) {
  Plan plan = MinimalDraft();
  EXPECT_EQ(KeysOf(plan).start_year, 2024);
  plan.mutable_issued_on()->set_year(2023);
  EXPECT_EQ(KeysOf(plan).start_year, 2023);
  plan.mutable_period()->set_start_year(2022);
  plan.mutable_period()->set_end_year(2025);
  EXPECT_EQ(KeysOf(plan).start_year, 2022);
  EXPECT_EQ(KeysOf(plan).end_year, 2025);
}

}  // namespace
TEST_F(PlanDomainTest, ChecksTheReminderPolicy) {
  Plan plan = MinimalDraft();
  auto* p = plan.mutable_reminder_policy();
  p->add_before_days(0);
  ExpectInvalid(plan, "plan.reminder_policy.before_days: each must be 1–60 (got 0)");
  p->set_before_days(0, 14);
  p->set_fire_minute(19 * 60);
  ExpectInvalid(plan, "plan.reminder_policy.fire_minute: must be 0 (default) or 450–1020");
  p->set_fire_minute(9 * 60);
  p->set_quiet_after_report_days(-2);
  ExpectInvalid(plan, "plan.reminder_policy.quiet_after_report_days");
  p->set_quiet_after_report_days(-1);  // turns the rule off
  p->set_escalate_after_working_days(5);
  EXPECT_TRUE(ValidateAndNormalize(catalog_, plan).ok());
  // An issued plan may still change how it reminds.
  plan.set_name("plans/x");
  plan.set_status(PlanStatus::PLAN_STATUS_ISSUED);
  EXPECT_TRUE(CheckUpdateMask(plan, Mask({"reminder_policy"})).ok());
}

}  // namespace chiso::plan
