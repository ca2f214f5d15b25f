#include "common/reminders/policy.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::reminders {
namespace {

namespace nv1 = ::chiso::notification::v1;

using ::absl::CivilDay;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

int64_t UtcMs(int y, int m, int d, int hh, int mm) {
  return absl::ToUnixMillis(Utc(y, m, d, hh, mm));
}

const calendar::WorkingCalendar& Vn() { return calendar::WorkingCalendar::Builtin(); }

// ---------------------------------------------------------------------------
// ResolvePolicy
// ---------------------------------------------------------------------------

TEST(ResolvePolicyTest, EmptyPoliciesGiveTheDefaults) {
  const nv1::ReminderPolicy p = ResolvePolicy(nv1::ReminderPolicy(), nullptr);
  EXPECT_THAT(p.before_days(), ElementsAre(7, 1));
  EXPECT_EQ(p.fire_minute(), 480);
  EXPECT_EQ(p.escalate_after_working_days(), 3);
  EXPECT_EQ(p.escalate_every_days(), 7);
  EXPECT_EQ(p.quiet_after_report_days(), 2);
  EXPECT_EQ(p.report_before_working_days(), 5);
  EXPECT_EQ(p.report_before_days(), 1);
  EXPECT_FALSE(p.no_overdue());
}

TEST(ResolvePolicyTest, PlanOverridesGlobalFieldByField) {
  nv1::ReminderPolicy global;
  global.add_before_days(10);
  global.set_fire_minute(9 * 60);
  global.set_escalate_after_working_days(5);
  nv1::ReminderPolicy plan;
  plan.add_before_days(3);
  plan.set_escalate_every_days(14);
  plan.set_quiet_after_report_days(-1);

  const nv1::ReminderPolicy p = ResolvePolicy(global, &plan);
  EXPECT_THAT(p.before_days(), ElementsAre(3));
  EXPECT_EQ(p.fire_minute(), 540);                // global
  EXPECT_EQ(p.escalate_after_working_days(), 5);  // global
  EXPECT_EQ(p.escalate_every_days(), 14);         // plan
  EXPECT_EQ(p.quiet_after_report_days(), -1);     // negative turns it off
  EXPECT_EQ(p.report_before_working_days(), 5);   // default

  // Without the override the global values stand.
  EXPECT_THAT(ResolvePolicy(global, nullptr).before_days(), ElementsAre(10));
  EXPECT_EQ(ResolvePolicy(global, nullptr).escalate_every_days(), 7);
}

TEST(ResolvePolicyTest, NormalisesOutOfRangeValues) {
  nv1::ReminderPolicy global;
  global.add_before_days(1);
  global.add_before_days(7);
  global.add_before_days(7);
  global.add_before_days(-3);
  global.set_fire_minute(24 * 60);
  global.set_escalate_every_days(-2);
  const nv1::ReminderPolicy p = ResolvePolicy(global, nullptr);
  EXPECT_THAT(p.before_days(), ElementsAre(7, 1));
  EXPECT_EQ(p.fire_minute(), 480);
  EXPECT_EQ(p.escalate_every_days(), 7);

  nv1::ReminderPolicy zeros;
  zeros.add_before_days(0);
  EXPECT_THAT(ResolvePolicy(zeros, nullptr).before_days(), ElementsAre(7, 1));
}

TEST(ResolvePolicyTest, NoOverdueFromEitherLevelAndIdempotent) {
  nv1::ReminderPolicy global;
  nv1::ReminderPolicy plan;
  plan.set_no_overdue(true);
  EXPECT_TRUE(ResolvePolicy(global, &plan).no_overdue());
  global.set_no_overdue(true);
  EXPECT_TRUE(ResolvePolicy(global, nullptr).no_overdue());

  const nv1::ReminderPolicy once = ResolvePolicy(plan, nullptr);
  EXPECT_EQ(ResolvePolicy(once, nullptr).SerializeAsString(), once.SerializeAsString());
}

// ---------------------------------------------------------------------------
// Ids and kinds
// ---------------------------------------------------------------------------

TEST(ReminderIdTest, RoundTrips) {
  const std::string id = ReminderId(TaskOwner("01hv3k"), CivilDay(2024, 4, 30), "before-7d");
  EXPECT_EQ(id, "task/01hv3k/2024-04-30/before-7d");
  absl::StatusOr<ParsedReminderId> parsed = ParseReminderId(id);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->owner_kind, "task");
  EXPECT_EQ(parsed->owner_id, "01hv3k");
  EXPECT_EQ(parsed->owner, "task/01hv3k");
  EXPECT_EQ(parsed->due, CivilDay(2024, 4, 30));
  EXPECT_EQ(parsed->rule, "before-7d");

  for (const char* rule : {"before-1d", "due", "overdue-1", "overdue-42", "escalate-3", "checkin",
                           "report-5wd", "report-1d", "before-14d"}) {
    const std::string plan_id = ReminderId(PlanOwner("p-7_x.y"), CivilDay(2025, 1, 5), rule);
    absl::StatusOr<ParsedReminderId> p = ParseReminderId(plan_id);
    ASSERT_TRUE(p.ok()) << plan_id << ": " << p.status();
    EXPECT_EQ(ReminderId(p->owner, p->due, p->rule), plan_id);
    EXPECT_EQ(p->owner_kind, "plan");
    EXPECT_EQ(p->owner_id, "p-7_x.y");
  }
}

TEST(ReminderIdTest, BadIdsAreInvalidArgumentNamingThePart) {
  struct Case {
    const char* id;
    const char* message;
  };
  const Case cases[] = {
      {"", "must be <task|plan>/<id>/<YYYY-MM-DD>/<rule>"},
      {"task/a/2024-04-30", "must be <task|plan>/<id>/<YYYY-MM-DD>/<rule>"},
      {"task/a/2024-04-30/due/x", "must be <task|plan>/<id>/<YYYY-MM-DD>/<rule>"},
      {"tasks/a/2024-04-30/due", "owner kind \"tasks\" is neither task nor plan"},
      {"task//2024-04-30/due", "owner id \"\""},
      {"task/a b/2024-04-30/due", "owner id \"a b\""},
      {"task/a/2024-04-31/due", "due date \"2024-04-31\""},
      {"task/a/2024-4-30/due", "due date \"2024-4-30\""},
      {"task/a/1999-12-31/due", "due date \"1999-12-31\""},
      {"task/a/2024-04-30/overdue-0", "rule \"overdue-0\""},
      {"task/a/2024-04-30/overdue-01", "rule \"overdue-01\""},
      {"task/a/2024-04-30/before-d", "rule \"before-d\""},
      {"task/a/2024-04-30/before-7", "rule \"before-7\""},
      {"task/a/2024-04-30/report-5w", "rule \"report-5w\""},
      {"task/a/2024-04-30/escalate-x", "rule \"escalate-x\""},
      {"task/a/2024-04-30/overdue-123456", "rule \"overdue-123456\""},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ParsedReminderId> parsed = ParseReminderId(c.id);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.id;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.message)) << c.id;
    EXPECT_THAT(parsed.status().message(), HasSubstr(absl::StrCat("\"", c.id, "\""))) << c.id;
  }
}

TEST(KindOfRuleTest, EveryRuleHasItsKind) {
  EXPECT_EQ(KindOfRule("before-7d"), nv1::NOTIFICATION_KIND_TASK_DUE_SOON);
  EXPECT_EQ(KindOfRule("before-1d"), nv1::NOTIFICATION_KIND_TASK_DUE_SOON);
  EXPECT_EQ(KindOfRule("due"), nv1::NOTIFICATION_KIND_TASK_DUE);
  EXPECT_EQ(KindOfRule("overdue-2"), nv1::NOTIFICATION_KIND_TASK_OVERDUE);
  EXPECT_EQ(KindOfRule("escalate-1"), nv1::NOTIFICATION_KIND_TASK_ESCALATION);
  EXPECT_EQ(KindOfRule("checkin"), nv1::NOTIFICATION_KIND_TASK_CHECK_IN);
  EXPECT_EQ(KindOfRule("report-5wd"), nv1::NOTIFICATION_KIND_REPORT_DUE);
  EXPECT_EQ(KindOfRule("report-1d"), nv1::NOTIFICATION_KIND_REPORT_DUE);
  EXPECT_EQ(KindOfRule("overdue"), nv1::NOTIFICATION_KIND_UNSPECIFIED);
  EXPECT_EQ(KindOfRule("later"), nv1::NOTIFICATION_KIND_UNSPECIFIED);
}

// ---------------------------------------------------------------------------
// Fire times
// ---------------------------------------------------------------------------

TEST(FireAtTest, EightInHanoiIsOneUtcOnAWorkingDay) {
  EXPECT_EQ(FireAt(Vn(), CivilDay(2024, 4, 22), 480, Shift::kEarlier), Utc(2024, 4, 22, 1, 0));
  EXPECT_EQ(FireAt(Vn(), CivilDay(2024, 4, 22), 480, Shift::kLater), Utc(2024, 4, 22, 1, 0));
}

TEST(FireAtTest, SaturdayMovesEarlierToFridayOrLaterToMonday) {
  EXPECT_EQ(FireAt(Vn(), CivilDay(2024, 4, 20), 480, Shift::kEarlier), Utc(2024, 4, 19, 1, 0));
  EXPECT_EQ(FireAt(Vn(), CivilDay(2024, 4, 20), 480, Shift::kLater), Utc(2024, 4, 22, 1, 0));
}

TEST(FireAtTest, HolidaysMoveAcrossTheWholeBreak) {
  // 30/4/2025 (holiday) later: 1/5 and 2/5 are off too, then the weekend.
  EXPECT_EQ(FireAt(Vn(), CivilDay(2025, 4, 30), 480, Shift::kLater), Utc(2025, 5, 5, 1, 0));
  // Sunday 27/4/2025 earlier lands on the make-up Saturday 26/4.
  EXPECT_EQ(FireAt(Vn(), CivilDay(2025, 4, 27), 480, Shift::kEarlier), Utc(2025, 4, 26, 1, 0));
  // Mùng 1 Tết 2025 earlier: Friday 24/1.
  EXPECT_EQ(FireAt(Vn(), CivilDay(2025, 1, 29), 480, Shift::kEarlier), Utc(2025, 1, 24, 1, 0));
}

TEST(FireAtTest, MinutesAreClampedIntoOfficeHours) {
  EXPECT_EQ(FireAt(Vn(), CivilDay(2024, 4, 22), 6 * 60, Shift::kEarlier),
            Utc(2024, 4, 22, 0, 30));  // 07:30
  EXPECT_EQ(FireAt(Vn(), CivilDay(2024, 4, 22), 20 * 60, Shift::kLater),
            Utc(2024, 4, 22, 9, 59));  // 16:59
  EXPECT_EQ(FireAt(Vn(), CivilDay(2024, 4, 22), 9 * 60 + 15, Shift::kLater),
            Utc(2024, 4, 22, 2, 15));
}

TEST(FireAtTest, AlwaysInsideWorkingHours) {
  for (CivilDay d(2025, 1, 1); d < CivilDay(2025, 12, 31); d += 3) {
    for (int minute : {0, 300, 450, 480, 1019, 1020, 1439}) {
      for (Shift shift : {Shift::kEarlier, Shift::kLater}) {
        const absl::Time t = FireAt(Vn(), d, minute, shift);
        EXPECT_TRUE(Vn().InWorkingHours(t)) << d << " " << minute;
        const CivilDay fired = absl::ToCivilDay(t, absl::FixedTimeZone(7 * 3600));
        if (shift == Shift::kEarlier) {
          EXPECT_LE(fired, d);
        } else {
          EXPECT_GE(fired, d);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------

nv1::ReminderPayload OverduePayload(CivilDay due, int n, int64_t fire_ms) {
  nv1::ReminderPayload p;
  const std::string rule = absl::StrCat("overdue-", n);
  p.set_reminder_id(ReminderId("task/t1", due, rule));
  p.set_rule(rule);
  p.set_kind(nv1::NOTIFICATION_KIND_TASK_OVERDUE);
  p.set_task("tasks/t1");
  p.set_plan("plans/p1");
  *p.mutable_due_date() = ToProtoDate(due);
  p.set_fire_at_ms(fire_ms);
  nv1::Recipient* lead = p.add_recipients();
  lead->set_unit("units/lead");
  lead->set_role(nv1::RECIPIENT_ROLE_LEAD_UNIT);
  p.set_subject("Xây dựng kế hoạch kiểm tra");
  p.set_generation("etag-1");
  nv1::OverdueChain* chain = p.mutable_chain();
  *chain->mutable_due_date() = ToProtoDate(due);
  *chain->add_recipients() = *lead;
  nv1::Recipient* head = chain->add_escalation_recipients();
  head->set_person("people/head");
  head->set_role(nv1::RECIPIENT_ROLE_UNIT_HEAD);
  *chain->mutable_policy() = ResolvePolicy(nv1::ReminderPolicy(), nullptr);
  return p;
}

TEST(PayloadTest, QueueItemRoundTrips) {
  const nv1::ReminderPayload p = OverduePayload(CivilDay(2024, 6, 7), 1, UtcMs(2024, 6, 10, 1, 0));
  const Item item = ToQueueItem(p);
  EXPECT_EQ(item.id, "task/t1/2024-06-07/overdue-1");
  EXPECT_EQ(item.fire_at_ms, UtcMs(2024, 6, 10, 1, 0));
  absl::StatusOr<nv1::ReminderPayload> back = ParsePayload(item.payload);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), p.SerializeAsString());
}

TEST(PayloadTest, GarbageAndBadIdsAreInvalidArgument) {
  absl::StatusOr<nv1::ReminderPayload> garbage = ParsePayload("\xff\xff\xff");
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.status().message(), HasSubstr("not a ReminderPayload"));

  nv1::ReminderPayload no_id;
  no_id.set_subject("x");
  EXPECT_EQ(ParsePayload(no_id.SerializeAsString()).status().code(),
            absl::StatusCode::kInvalidArgument);

  nv1::ReminderPayload bad_id;
  bad_id.set_reminder_id("task/t1/2024-02-30/due");
  absl::StatusOr<nv1::ReminderPayload> parsed = ParsePayload(bad_id.SerializeAsString());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("2024-02-30"));

  nv1::ReminderPayload mismatch;
  mismatch.set_reminder_id("task/t1/2024-02-28/due");
  mismatch.set_rule("before-1d");
  EXPECT_THAT(ParsePayload(mismatch.SerializeAsString()).status().message(),
              HasSubstr("rule \"before-1d\" differs"));
}

TEST(PayloadTest, RuleAndKindDefaultToTheIds) {
  nv1::ReminderPayload p;
  p.set_reminder_id("plan/p1/2024-09-25/report-5wd");
  absl::StatusOr<nv1::ReminderPayload> parsed = ParsePayload(p.SerializeAsString());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->rule(), "report-5wd");
  EXPECT_EQ(parsed->kind(), nv1::NOTIFICATION_KIND_REPORT_DUE);
}

// ---------------------------------------------------------------------------
// Chains
// ---------------------------------------------------------------------------

TEST(NextInChainTest, OverdueContinuesOnTheNextWorkingDay) {
  // Due Friday 7/6/2024; overdue-1 fired Monday 10/6 08:00.
  const nv1::ReminderPayload delivered =
      OverduePayload(CivilDay(2024, 6, 7), 1, UtcMs(2024, 6, 10, 1, 0));
  std::optional<nv1::ReminderPayload> next = NextInChain(delivered, Vn());
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->reminder_id(), "task/t1/2024-06-07/overdue-2");
  EXPECT_EQ(next->rule(), "overdue-2");
  EXPECT_EQ(next->kind(), nv1::NOTIFICATION_KIND_TASK_OVERDUE);
  EXPECT_EQ(next->fire_at_ms(), UtcMs(2024, 6, 11, 1, 0));
  // Everything else stays.
  EXPECT_EQ(next->due_date().day(), 7);
  EXPECT_EQ(next->generation(), "etag-1");
  EXPECT_EQ(next->subject(), delivered.subject());
  EXPECT_EQ(next->recipients(0).unit(), "units/lead");
  EXPECT_EQ(next->chain().SerializeAsString(), delivered.chain().SerializeAsString());

  // From Friday 14/6 (overdue-5) it skips the weekend.
  std::optional<nv1::ReminderPayload> after_friday =
      NextInChain(OverduePayload(CivilDay(2024, 6, 7), 5, UtcMs(2024, 6, 14, 1, 0)), Vn());
  ASSERT_TRUE(after_friday.has_value());
  EXPECT_EQ(after_friday->rule(), "overdue-6");
  EXPECT_EQ(after_friday->fire_at_ms(), UtcMs(2024, 6, 17, 1, 0));
}

TEST(NextInChainTest, AfterAnOutageTheChainResumesWithTheNextLinkToCome) {
  // overdue-1 of a task due Friday 7/6/2024 is delivered only on Wednesday
  // 19/6 10:00 (the consumer was down): the chain does not replay 11/6–19/6.
  const nv1::ReminderPayload delivered =
      OverduePayload(CivilDay(2024, 6, 7), 1, UtcMs(2024, 6, 10, 1, 0));
  const absl::Time now = absl::FromUnixMillis(UtcMs(2024, 6, 19, 3, 0));
  std::optional<nv1::ReminderPayload> next = NextInChainAfter(delivered, Vn(), now);
  ASSERT_TRUE(next.has_value());
  // Working days after the due date: 10, 11, 12, 13, 14, 17, 18, 19, 20/6.
  EXPECT_EQ(next->rule(), "overdue-9");
  EXPECT_EQ(next->fire_at_ms(), UtcMs(2024, 6, 20, 1, 0));
  // On time, it is simply the next link.
  EXPECT_EQ(
      NextInChainAfter(delivered, Vn(), absl::FromUnixMillis(UtcMs(2024, 6, 10, 1, 0)))->rule(),
      "overdue-2");
}

TEST(NextInChainTest, OverdueSkipsTet) {
  // Due Thursday 23/1/2025; overdue-1 on Friday 24/1; Tết until 2/2.
  std::optional<nv1::ReminderPayload> next =
      NextInChain(OverduePayload(CivilDay(2025, 1, 23), 1, UtcMs(2025, 1, 24, 1, 0)), Vn());
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->fire_at_ms(), UtcMs(2025, 2, 3, 1, 0));
}

nv1::ReminderPayload EscalationOf(const nv1::ReminderPayload& overdue, int n) {
  nv1::ReminderPayload p = overdue;
  absl::StatusOr<ParsedReminderId> id = ParseReminderId(overdue.reminder_id());
  const std::string rule = absl::StrCat("escalate-", n);
  p.set_reminder_id(ReminderId(id->owner, id->due, rule));
  p.set_rule(rule);
  p.set_kind(nv1::NOTIFICATION_KIND_TASK_ESCALATION);
  *p.mutable_recipients() = overdue.chain().escalation_recipients();
  return p;
}

TEST(NextInChainTest, EscalationRepeatsWeekly) {
  // Due Friday 7/6/2024: escalate-1 on the 3rd working day, Wednesday 12/6;
  // escalate-2 a week later.
  const nv1::ReminderPayload e1 =
      EscalationOf(OverduePayload(CivilDay(2024, 6, 7), 1, UtcMs(2024, 6, 10, 1, 0)), 1);
  std::optional<nv1::ReminderPayload> e2 = NextInChain(e1, Vn());
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ(e2->reminder_id(), "task/t1/2024-06-07/escalate-2");
  EXPECT_EQ(e2->kind(), nv1::NOTIFICATION_KIND_TASK_ESCALATION);
  EXPECT_EQ(e2->fire_at_ms(), UtcMs(2024, 6, 19, 1, 0));
  EXPECT_EQ(e2->recipients(0).person(), "people/head");
  std::optional<nv1::ReminderPayload> e3 = NextInChain(*e2, Vn());
  ASSERT_TRUE(e3.has_value());
  EXPECT_EQ(e3->fire_at_ms(), UtcMs(2024, 6, 26, 1, 0));
}

TEST(NextInChainTest, EscalationOnAHolidayMovesLater) {
  // Due Wednesday 23/4/2025: the 3rd working day is the make-up Saturday
  // 26/4; a week later, Saturday 3/5, is off, so escalate-2 fires Monday 5/5.
  const nv1::ReminderPayload e1 =
      EscalationOf(OverduePayload(CivilDay(2025, 4, 23), 1, UtcMs(2025, 4, 24, 1, 0)), 1);
  EXPECT_EQ(EscalationDay(Vn(), e1.chain().policy(), CivilDay(2025, 4, 23), 1),
            CivilDay(2025, 4, 26));
  std::optional<nv1::ReminderPayload> e2 = NextInChain(e1, Vn());
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ(e2->fire_at_ms(), UtcMs(2025, 5, 5, 1, 0));
}

TEST(NextInChainTest, TwoParallelChainsStartFromTheDueDate) {
  // Due Thursday 6/6/2024: overdue-1 on Friday 7/6; escalate-1 after 3
  // working days, across the weekend: Tuesday 11/6.
  EXPECT_EQ(OverdueDay(Vn(), CivilDay(2024, 6, 6), 1), CivilDay(2024, 6, 7));
  const nv1::ReminderPolicy policy = ResolvePolicy(nv1::ReminderPolicy(), nullptr);
  EXPECT_EQ(EscalationDay(Vn(), policy, CivilDay(2024, 6, 6), 1), CivilDay(2024, 6, 11));
  EXPECT_EQ(EscalationDay(Vn(), policy, CivilDay(2024, 6, 6), 2), CivilDay(2024, 6, 18));
}

TEST(NextInChainTest, PolicyOfTheChainIsUsed) {
  nv1::ReminderPayload delivered =
      OverduePayload(CivilDay(2024, 6, 7), 1, UtcMs(2024, 6, 10, 1, 0));
  delivered.mutable_chain()->mutable_policy()->set_fire_minute(9 * 60 + 30);
  std::optional<nv1::ReminderPayload> next = NextInChain(delivered, Vn());
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->fire_at_ms(), UtcMs(2024, 6, 11, 2, 30));

  nv1::ReminderPayload e1 = EscalationOf(delivered, 1);
  e1.mutable_chain()->mutable_policy()->set_escalate_every_days(14);
  std::optional<nv1::ReminderPayload> e2 = NextInChain(e1, Vn());
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ(e2->fire_at_ms(), UtcMs(2024, 6, 26, 2, 30));
}

TEST(NextInChainTest, OtherRulesAndBrokenChainsEnd) {
  nv1::ReminderPayload before = OverduePayload(CivilDay(2024, 6, 7), 1, 0);
  before.set_reminder_id("task/t1/2024-06-07/before-1d");
  before.set_rule("before-1d");
  EXPECT_FALSE(NextInChain(before, Vn()).has_value());

  nv1::ReminderPayload no_chain = OverduePayload(CivilDay(2024, 6, 7), 1, 0);
  no_chain.clear_chain();
  EXPECT_FALSE(NextInChain(no_chain, Vn()).has_value());

  nv1::ReminderPayload off = OverduePayload(CivilDay(2024, 6, 7), 1, 0);
  off.mutable_chain()->mutable_policy()->set_no_overdue(true);
  EXPECT_FALSE(NextInChain(off, Vn()).has_value());

  nv1::ReminderPayload bad_id = OverduePayload(CivilDay(2024, 6, 7), 1, 0);
  bad_id.set_reminder_id("garbage");
  EXPECT_FALSE(NextInChain(bad_id, Vn()).has_value());
}

TEST(ProtoDateTest, RoundTripsAndRejectsImpossibleDates) {
  const chiso::common::v1::Date d = ToProtoDate(CivilDay(2024, 2, 29));
  EXPECT_EQ(d.year(), 2024);
  EXPECT_EQ(d.month(), 2);
  EXPECT_EQ(d.day(), 29);
  EXPECT_EQ(*FromProtoDate(d), CivilDay(2024, 2, 29));
  chiso::common::v1::Date bad;
  bad.set_year(2023);
  bad.set_month(2);
  bad.set_day(29);
  EXPECT_EQ(FromProtoDate(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chiso::reminders
