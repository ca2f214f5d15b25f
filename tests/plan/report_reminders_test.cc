#include "services/plan/report_reminders.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/civil/proto_time.h"
#include "common/reminders/policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::plan {
namespace {

namespace cv1 = ::chiso::common::v1;
namespace nv1 = ::chiso::notification::v1;

using ::absl::CivilDay;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

int64_t UtcMs(int y, int m, int d, int hh, int mm) {
  return absl::ToUnixMillis(Utc(y, m, d, hh, mm));
}

// An issued one-year plan of Sở Tài nguyên và Môi trường, 60/KH-STNMT,
// issued on `issued_on`.
v1::Plan MakePlan(CivilDay issued_on, int start_year, int end_year) {
  v1::Plan plan;
  plan.set_name("plans/p1");
  plan.set_number("60/KH-STNMT");
  plan.set_title("Nâng cao chỉ số PAR INDEX");
  plan.mutable_issuer()->set_display_name("Sở Tài nguyên và Môi trường");
  plan.mutable_issuer()->set_unit("units/stnmt");
  *plan.mutable_issued_on() = reminders::ToProtoDate(issued_on);
  plan.mutable_period()->set_start_year(start_year);
  plan.mutable_period()->set_end_year(end_year);
  plan.set_status(v1::PLAN_STATUS_ISSUED);
  plan.set_etag("plan-etag-3");
  return plan;
}

v1::ReportingRule* AddRule(v1::Plan& plan, cv1::Frequency frequency, int day = 0, int month = 0) {
  v1::ReportingRule* rule = plan.add_reporting_rules();
  rule->set_frequency(frequency);
  rule->set_day(day);
  rule->set_month(month);
  return rule;
}

std::vector<CivilDay> Dues(const std::vector<ReportDue>& reports) {
  std::vector<CivilDay> out;
  for (const ReportDue& r : reports) out.push_back(r.due);
  return out;
}

TEST(ReportDueDatesTest, QuarterlyOnTheTwentyFifthOfTheQuartersLastMonth) {
  // "trước ngày 25 tháng cuối Quý".
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 10), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_QUARTERLY, 25);
  const std::vector<ReportDue> reports = ReportDueDates(plan);
  EXPECT_THAT(Dues(reports), ElementsAre(CivilDay(2024, 3, 25), CivilDay(2024, 6, 25),
                                         CivilDay(2024, 9, 25), CivilDay(2024, 12, 25)));
  EXPECT_EQ(reports[2].subject, "Báo cáo định kỳ quý III/2024 kế hoạch 60/KH-STNMT");
  EXPECT_EQ(reports[0].subject, "Báo cáo định kỳ quý I/2024 kế hoạch 60/KH-STNMT");
}

TEST(ReportDueDatesTest, DefaultDaysWhenTheDocumentGivesNone) {
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 2), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_QUARTERLY);
  EXPECT_THAT(Dues(ReportDueDates(plan)),
              ElementsAre(CivilDay(2024, 3, 20), CivilDay(2024, 6, 20), CivilDay(2024, 9, 20),
                          CivilDay(2024, 12, 20)));

  plan.clear_reporting_rules();
  AddRule(plan, cv1::FREQUENCY_SEMIANNUAL);
  std::vector<ReportDue> reports = ReportDueDates(plan);
  EXPECT_THAT(Dues(reports), ElementsAre(CivilDay(2024, 6, 20), CivilDay(2024, 12, 20)));
  EXPECT_EQ(reports[0].subject, "Báo cáo định kỳ 6 tháng đầu năm 2024 kế hoạch 60/KH-STNMT");
  EXPECT_EQ(reports[1].subject, "Báo cáo định kỳ 6 tháng cuối năm 2024 kế hoạch 60/KH-STNMT");

  plan.clear_reporting_rules();
  AddRule(plan, cv1::FREQUENCY_ANNUAL);
  reports = ReportDueDates(plan);
  EXPECT_THAT(Dues(reports), ElementsAre(CivilDay(2024, 12, 15)));
  EXPECT_EQ(reports[0].subject, "Báo cáo định kỳ năm 2024 kế hoạch 60/KH-STNMT");

  plan.clear_reporting_rules();
  AddRule(plan, cv1::FREQUENCY_MONTHLY);
  reports = ReportDueDates(plan);
  ASSERT_EQ(reports.size(), 12u);
  EXPECT_EQ(reports[0].due, CivilDay(2024, 1, 20));
  EXPECT_EQ(reports[11].due, CivilDay(2024, 12, 20));
  EXPECT_EQ(reports[4].subject, "Báo cáo định kỳ tháng 5/2024 kế hoạch 60/KH-STNMT");

  // Configured defaults.
  ReportDefaults defaults;
  defaults.monthly_day = 5;
  EXPECT_EQ(ReportDueDates(plan, defaults)[1].due, CivilDay(2024, 2, 5));
}

TEST(ReportDueDatesTest, AnnualMonthAndDayAndOnce) {
  // Seed 002: one annual report, due 15 December 2020.
  v1::Plan plan = MakePlan(CivilDay(2020, 3, 2), 2020, 2020);
  AddRule(plan, cv1::FREQUENCY_ANNUAL, 0, 6);
  AddRule(plan, cv1::FREQUENCY_ANNUAL, 10, 11);
  v1::ReportingRule* once = AddRule(plan, cv1::FREQUENCY_ONCE);
  *once->mutable_due_date() = reminders::ToProtoDate(CivilDay(2021, 1, 10));
  const std::vector<ReportDue> reports = ReportDueDates(plan);
  EXPECT_THAT(Dues(reports),
              ElementsAre(CivilDay(2020, 6, 15), CivilDay(2020, 11, 10), CivilDay(2021, 1, 10)));
  EXPECT_EQ(reports[2].subject, "Báo cáo kết quả thực hiện kế hoạch 60/KH-STNMT");
  EXPECT_EQ(reports[2].rule_index, 2);
}

TEST(ReportDueDatesTest, OnlyOnOrAfterTheIssueDateAndWithinThePeriod) {
  // Issued 10/5/2024: the March report is not due under this plan.
  v1::Plan plan = MakePlan(CivilDay(2024, 5, 10), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_QUARTERLY, 25);
  EXPECT_THAT(Dues(ReportDueDates(plan)),
              ElementsAre(CivilDay(2024, 6, 25), CivilDay(2024, 9, 25), CivilDay(2024, 12, 25)));

  // A 2022–2025 plan issued 26/8/2022: annual reports 2022–2025.
  v1::Plan multi = MakePlan(CivilDay(2022, 8, 26), 2022, 2025);
  AddRule(multi, cv1::FREQUENCY_ANNUAL);
  EXPECT_THAT(Dues(ReportDueDates(multi)),
              ElementsAre(CivilDay(2022, 12, 15), CivilDay(2023, 12, 15), CivilDay(2024, 12, 15),
                          CivilDay(2025, 12, 15)));

  // No period: the year of issue.
  multi.clear_period();
  EXPECT_THAT(Dues(ReportDueDates(multi)), ElementsAre(CivilDay(2022, 12, 15)));
}

TEST(ReportDueDatesTest, DaysBeyondTheMonthAndSharedDates) {
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 2), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_QUARTERLY, 31);
  AddRule(plan, cv1::FREQUENCY_SEMIANNUAL, 30);  // 30/6 again: one report
  const std::vector<ReportDue> reports = ReportDueDates(plan);
  EXPECT_THAT(Dues(reports),
              ElementsAre(CivilDay(2024, 3, 31), CivilDay(2024, 6, 30), CivilDay(2024, 9, 30),
                          CivilDay(2024, 12, 30), CivilDay(2024, 12, 31)));
  EXPECT_EQ(reports[1].rule_index, 0);
}

class PlanRemindersTest : public ::testing::Test {
 protected:
  std::vector<nv1::ReminderPayload> Desired(const v1::Plan& plan, absl::Time now) {
    ctx_.now = now;
    absl::StatusOr<std::vector<nv1::ReminderPayload>> out = DesiredPlanReminders(plan, ctx_);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : std::vector<nv1::ReminderPayload>();
  }

  static std::map<std::string, int64_t> Fires(const std::vector<nv1::ReminderPayload>& out) {
    std::map<std::string, int64_t> fires;
    for (const nv1::ReminderPayload& p : out) fires[p.reminder_id()] = p.fire_at_ms();
    return fires;
  }

  ReportReminderContext ctx_;
};

TEST_F(PlanRemindersTest, FiveWorkingDaysAndOneDayBeforeEachReport) {
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 10), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_QUARTERLY, 25);
  // 1/9/2024: the June reminders are older than the lookback.
  const std::vector<nv1::ReminderPayload> out = Desired(plan, Utc(2024, 9, 1, 3, 0));
  EXPECT_THAT(Fires(out), UnorderedElementsAre(
                              // Wednesday 25/9: five working days before is Wednesday 18/9.
                              Pair("plan/p1/2024-09-25/report-5wd", UtcMs(2024, 9, 18, 1, 0)),
                              Pair("plan/p1/2024-09-25/report-1d", UtcMs(2024, 9, 24, 1, 0)),
                              // Wednesday 25/12.
                              Pair("plan/p1/2024-12-25/report-5wd", UtcMs(2024, 12, 18, 1, 0)),
                              Pair("plan/p1/2024-12-25/report-1d", UtcMs(2024, 12, 24, 1, 0))));

  const nv1::ReminderPayload& first = out[0];
  EXPECT_EQ(first.reminder_id(), "plan/p1/2024-09-25/report-5wd");
  EXPECT_EQ(first.kind(), nv1::NOTIFICATION_KIND_REPORT_DUE);
  EXPECT_EQ(first.rule(), "report-5wd");
  EXPECT_EQ(first.task(), "");
  EXPECT_EQ(first.plan(), "plans/p1");
  EXPECT_EQ(first.due_date().month(), 9);
  EXPECT_EQ(first.subject(), "Báo cáo định kỳ quý III/2024 kế hoạch 60/KH-STNMT");
  EXPECT_EQ(first.plan_number(), "60/KH-STNMT");
  EXPECT_EQ(first.plan_title(), "Nâng cao chỉ số PAR INDEX");
  EXPECT_EQ(first.generation(), "plan-etag-3");
  EXPECT_FALSE(first.has_chain());
  ASSERT_EQ(first.recipients_size(), 1);
  EXPECT_EQ(first.recipients(0).unit(), "units/stnmt");
  EXPECT_EQ(first.recipients(0).display_name(), "Sở Tài nguyên và Môi trường");
  EXPECT_EQ(first.recipients(0).role(), nv1::RECIPIENT_ROLE_REPORTING_UNIT);
}

TEST_F(PlanRemindersTest, ReportFiveWorkingDaysSkipsWeekendsAndHolidays) {
  // A report due Thursday 5/9/2024: 4/9 (1), 3/9 and 2/9 Quốc khánh, the
  // weekend, 30/8 (2), 29/8 (3), 28/8 (4), 27/8 (5).
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 10), 2024, 2024);
  *AddRule(plan, cv1::FREQUENCY_ONCE)->mutable_due_date() =
      reminders::ToProtoDate(CivilDay(2024, 9, 5));
  // A report due Monday 16/12/2024: the day before is a Sunday → Friday.
  *AddRule(plan, cv1::FREQUENCY_ONCE)->mutable_due_date() =
      reminders::ToProtoDate(CivilDay(2024, 12, 16));
  EXPECT_THAT(
      Fires(Desired(plan, Utc(2024, 8, 1, 3, 0))),
      UnorderedElementsAre(Pair("plan/p1/2024-09-05/report-5wd", UtcMs(2024, 8, 27, 1, 0)),
                           Pair("plan/p1/2024-09-05/report-1d", UtcMs(2024, 9, 4, 1, 0)),
                           Pair("plan/p1/2024-12-16/report-5wd", UtcMs(2024, 12, 9, 1, 0)),
                           Pair("plan/p1/2024-12-16/report-1d", UtcMs(2024, 12, 13, 1, 0))));
}

TEST_F(PlanRemindersTest, ReportBeforeTetMovesBeforeTheBreak) {
  // Due Monday 3/2/2025, the first day after Tết: five working days before,
  // counted across the break, are 24/1 (1), 23 (2), 22 (3), 21 (4) and
  // Monday 20/1 (5); the day before (Sunday 2/2) moves to Friday 24/1.
  v1::Plan plan = MakePlan(CivilDay(2025, 1, 2), 2025, 2025);
  *AddRule(plan, cv1::FREQUENCY_ONCE)->mutable_due_date() =
      reminders::ToProtoDate(CivilDay(2025, 2, 3));
  EXPECT_THAT(Fires(Desired(plan, Utc(2025, 1, 5, 3, 0))),
              UnorderedElementsAre(Pair("plan/p1/2025-02-03/report-5wd", UtcMs(2025, 1, 20, 1, 0)),
                                   Pair("plan/p1/2025-02-03/report-1d", UtcMs(2025, 1, 24, 1, 0))));
}

TEST_F(PlanRemindersTest, LookbackAndIssueTime) {
  v1::Plan plan = MakePlan(CivilDay(2024, 9, 20), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_QUARTERLY, 25);
  *plan.mutable_issue_time() = civil::ToTimestamp(Utc(2024, 9, 20, 3, 0));
  // Issued 20/9: the report of 25/9 is due, but its report-5wd (18/9) fired
  // before the plan was issued.
  EXPECT_THAT(Fires(Desired(plan, Utc(2024, 9, 20, 4, 0))),
              UnorderedElementsAre(Pair("plan/p1/2024-09-25/report-1d", _),
                                   Pair("plan/p1/2024-12-25/report-5wd", _),
                                   Pair("plan/p1/2024-12-25/report-1d", _)));
  // Within the lookback a missed reminder is still desired (delivered late).
  plan.clear_issue_time();
  ctx_.lookback = absl::Hours(24 * 3);
  EXPECT_EQ(Fires(Desired(plan, Utc(2024, 9, 20, 4, 0))).count("plan/p1/2024-09-25/report-5wd"),
            1u);
  ctx_.lookback = absl::Hours(24);
  EXPECT_EQ(Fires(Desired(plan, Utc(2024, 9, 20, 4, 0))).count("plan/p1/2024-09-25/report-5wd"),
            0u);
}

TEST_F(PlanRemindersTest, PolicyOverride) {
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 10), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_ANNUAL);  // 15/12/2024, a Sunday
  nv1::ReminderPolicy global;
  nv1::ReminderPolicy override;
  override.set_report_before_working_days(3);
  override.set_report_before_days(2);
  override.set_fire_minute(14 * 60);
  ctx_.policy = reminders::ResolvePolicy(global, &override);
  EXPECT_THAT(Fires(Desired(plan, Utc(2024, 12, 1, 3, 0))),
              UnorderedElementsAre(
                  // 13 (1), 12 (2), 11 (3) December, 14:00 in Hà Nội.
                  Pair("plan/p1/2024-12-15/report-3wd", UtcMs(2024, 12, 11, 7, 0)),
                  // 13/12 is a Friday.
                  Pair("plan/p1/2024-12-15/report-2d", UtcMs(2024, 12, 13, 7, 0))));
}

TEST_F(PlanRemindersTest, OnlyIssuedPlansWithAnIssuerUnit) {
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 10), 2024, 2024);
  AddRule(plan, cv1::FREQUENCY_QUARTERLY, 25);
  for (v1::PlanStatus status :
       {v1::PLAN_STATUS_DRAFT, v1::PLAN_STATUS_CLOSED, v1::PLAN_STATUS_ARCHIVED}) {
    plan.set_status(status);
    EXPECT_THAT(Desired(plan, Utc(2024, 2, 1, 3, 0)), IsEmpty()) << status;
  }
  plan.set_status(v1::PLAN_STATUS_ISSUED);
  EXPECT_EQ(Desired(plan, Utc(2024, 2, 1, 3, 0)).size(), 8u);
  plan.mutable_issuer()->clear_unit();
  EXPECT_THAT(Desired(plan, Utc(2024, 2, 1, 3, 0)), IsEmpty());
}

TEST_F(PlanRemindersTest, BadPlanNameIsInvalidArgument) {
  v1::Plan plan = MakePlan(CivilDay(2024, 1, 10), 2024, 2024);
  plan.set_name("p1");
  absl::StatusOr<std::vector<nv1::ReminderPayload>> out = DesiredPlanReminders(plan, ctx_);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("plan.name"));
}

}  // namespace
}  // namespace chiso::plan
