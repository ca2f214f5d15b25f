#include "services/assignment/task_reminders.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "common/civil/proto_time.h"
#include "common/reminders/policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::assignment {
namespace {

namespace v1 = ::chiso::assignment::v1;
namespace nv1 = ::chiso::notification::v1;

using ::absl::CivilDay;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

int64_t UtcMs(int y, int m, int d, int hh, int mm) {
  return absl::ToUnixMillis(Utc(y, m, d, hh, mm));
}

void AddOccurrence(v1::Task& task, CivilDay due,
                   v1::TaskStatus status = v1::TASK_STATUS_NOT_STARTED,
                   const std::string& label = "") {
  v1::TaskOccurrence* o = task.add_occurrences();
  *o->mutable_due_date() = reminders::ToProtoDate(due);
  o->set_status(status);
  o->set_label(label);
}

// A task of plan 60/KH-STNMT led by Phòng Tài chính - Kế hoạch with one
// coordinating unit, supervised by a vice-chairman, due on `due`.
v1::Task MakeTask(CivilDay due) {
  v1::Task task;
  task.set_name("tasks/t1");
  task.set_plan("plans/p1");
  task.set_title("Xây dựng kế hoạch kiểm tra");
  task.set_description("Xây dựng và ban hành kế hoạch kiểm tra công tác cải cách hành chính.");
  task.mutable_lead_unit()->set_unit("units/tckh");
  task.mutable_lead_unit()->set_display_name("Phòng TC-KH");
  chiso::common::v1::UnitRef* coord = task.add_coordinating_units();
  coord->set_unit("units/vp");
  coord->set_display_name("Văn phòng");
  chiso::common::v1::UnitRef* group = task.add_coordinating_units();
  group->set_display_name("Các phòng chuyên môn");  // a group: no inbox
  task.set_supervisor_person("people/pct");
  task.set_status(v1::TASK_STATUS_IN_PROGRESS);
  task.set_etag("etag-7");
  AddOccurrence(task, due);
  return task;
}

ReminderDirectory MakeDirectory() {
  ReminderDirectory dir;
  dir.units["units/tckh"] = {"Phòng Tài chính - Kế hoạch", "people/tp", {"units/ubnd"}};
  dir.units["units/vp"] = {"Văn phòng HĐND và UBND huyện", "", {"units/ubnd"}};
  dir.units["units/ubnd"] = {"UBND huyện", "people/ct", {}};
  dir.people["people/pct"] = {"Nguyễn Văn A", "Phó Chủ tịch UBND huyện", "units/ubnd"};
  dir.people["people/tp"] = {"Trần Thị B", "Trưởng phòng", "units/tckh"};
  return dir;
}

class TaskRemindersTest : public ::testing::Test {
 protected:
  TaskRemindersTest() : directory_(MakeDirectory()) {
    ctx_.plan.name = "plans/p1";
    ctx_.plan.period_start_year = 2024;
    ctx_.plan.period_end_year = 2024;
    ctx_.plan.issued_on = CivilDay(2024, 1, 15);
    ctx_.plan_number = "60/KH-STNMT";
    ctx_.plan_title = "Nâng cao chỉ số PAR INDEX năm 2024";
    ctx_.directory = &directory_;
  }

  std::vector<nv1::ReminderPayload> Desired(const v1::Task& task, absl::Time now) {
    ctx_.now = now;
    absl::StatusOr<std::vector<nv1::ReminderPayload>> out = DesiredTaskReminders(task, ctx_);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : std::vector<nv1::ReminderPayload>();
  }

  // Rule → fire time of the reminders of one due date.
  static std::map<std::string, int64_t> Fires(const std::vector<nv1::ReminderPayload>& out) {
    std::map<std::string, int64_t> fires;
    for (const nv1::ReminderPayload& p : out) fires[p.reminder_id()] = p.fire_at_ms();
    return fires;
  }

  ReminderDirectory directory_;
  TaskReminderContext ctx_;
};

TEST_F(TaskRemindersTest, BeforeDueAndFirstChainLinksAtEightInHanoi) {
  // Due Friday 14/6/2024, seen two weeks ahead.
  const std::vector<nv1::ReminderPayload> out =
      Desired(MakeTask(CivilDay(2024, 6, 14)), Utc(2024, 5, 31, 3, 0));
  EXPECT_THAT(Fires(out), UnorderedElementsAre(
                              Pair("task/t1/2024-06-14/before-7d", UtcMs(2024, 6, 7, 1, 0)),
                              Pair("task/t1/2024-06-14/before-1d", UtcMs(2024, 6, 13, 1, 0)),
                              Pair("task/t1/2024-06-14/due", UtcMs(2024, 6, 14, 1, 0)),
                              // The first working day after the due date.
                              Pair("task/t1/2024-06-14/overdue-1", UtcMs(2024, 6, 17, 1, 0)),
                              // Three working days after it.
                              Pair("task/t1/2024-06-14/escalate-1", UtcMs(2024, 6, 19, 1, 0))));
  // Ordered by fire time.
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].rule(), "before-7d");
  EXPECT_EQ(out[4].rule(), "escalate-1");
}

TEST_F(TaskRemindersTest, PayloadCarriesEverythingDeliveryNeeds) {
  const std::vector<nv1::ReminderPayload> out =
      Desired(MakeTask(CivilDay(2024, 6, 14)), Utc(2024, 5, 31, 3, 0));
  ASSERT_EQ(out.size(), 5u);
  const nv1::ReminderPayload& before = out[0];
  EXPECT_EQ(before.kind(), nv1::NOTIFICATION_KIND_TASK_DUE_SOON);
  EXPECT_EQ(before.task(), "tasks/t1");
  EXPECT_EQ(before.plan(), "plans/p1");
  EXPECT_EQ(before.due_date().year(), 2024);
  EXPECT_EQ(before.due_date().month(), 6);
  EXPECT_EQ(before.due_date().day(), 14);
  EXPECT_EQ(before.subject(), "Xây dựng kế hoạch kiểm tra");
  EXPECT_EQ(before.lead_unit_display_name(), "Phòng Tài chính - Kế hoạch");
  EXPECT_EQ(before.plan_number(), "60/KH-STNMT");
  EXPECT_EQ(before.plan_title(), "Nâng cao chỉ số PAR INDEX năm 2024");
  EXPECT_EQ(before.generation(), "etag-7");
  EXPECT_FALSE(before.has_chain());
  // Lead and coordinating units with inboxes; the group has none.
  ASSERT_EQ(before.recipients_size(), 2);
  EXPECT_EQ(before.recipients(0).unit(), "units/tckh");
  EXPECT_EQ(before.recipients(0).role(), nv1::RECIPIENT_ROLE_LEAD_UNIT);
  EXPECT_EQ(before.recipients(0).display_name(), "Phòng Tài chính - Kế hoạch");
  EXPECT_THAT(before.recipients(0).ancestors(), ElementsAre("units/ubnd"));
  EXPECT_EQ(before.recipients(1).unit(), "units/vp");
  EXPECT_EQ(before.recipients(1).role(), nv1::RECIPIENT_ROLE_COORDINATING_UNIT);

  EXPECT_EQ(out[2].kind(), nv1::NOTIFICATION_KIND_TASK_DUE);
  const nv1::ReminderPayload& overdue = out[3];
  EXPECT_EQ(overdue.kind(), nv1::NOTIFICATION_KIND_TASK_OVERDUE);
  ASSERT_TRUE(overdue.has_chain());
  EXPECT_EQ(overdue.chain().due_date().day(), 14);
  EXPECT_EQ(overdue.chain().recipients_size(), 2);
  EXPECT_EQ(overdue.chain().escalation_recipients_size(), 2);
  EXPECT_EQ(overdue.chain().policy().fire_minute(), 480);
  EXPECT_EQ(overdue.recipients_size(), 2);

  // Escalation: the supervisor and the lead unit's head.
  const nv1::ReminderPayload& escalate = out[4];
  EXPECT_EQ(escalate.kind(), nv1::NOTIFICATION_KIND_TASK_ESCALATION);
  ASSERT_EQ(escalate.recipients_size(), 2);
  EXPECT_EQ(escalate.recipients(0).person(), "people/pct");
  EXPECT_EQ(escalate.recipients(0).role(), nv1::RECIPIENT_ROLE_SUPERVISOR);
  EXPECT_EQ(escalate.recipients(0).display_name(), "Nguyễn Văn A, Phó Chủ tịch UBND huyện");
  EXPECT_THAT(escalate.recipients(0).ancestors(), ElementsAre("units/ubnd"));
  EXPECT_EQ(escalate.recipients(1).person(), "people/tp");
  EXPECT_EQ(escalate.recipients(1).role(), nv1::RECIPIENT_ROLE_UNIT_HEAD);
  EXPECT_THAT(escalate.recipients(1).ancestors(), ElementsAre("units/tckh", "units/ubnd"));
}

TEST_F(TaskRemindersTest, SupervisorPostAndHeadWhoIsTheSupervisor) {
  v1::Task task = MakeTask(CivilDay(2024, 6, 14));
  task.set_supervisor_post("Phó Chủ tịch UBND huyện phụ trách kinh tế");
  std::vector<nv1::ReminderPayload> out = Desired(task, Utc(2024, 5, 31, 3, 0));
  const nv1::ReminderPayload& escalate = out.back();
  ASSERT_EQ(escalate.rule(), "escalate-1");
  ASSERT_EQ(escalate.recipients_size(), 2);
  EXPECT_EQ(escalate.recipients(0).post(), "Phó Chủ tịch UBND huyện phụ trách kinh tế");

  task.set_supervisor_person("people/tp");  // the head supervises: listed once
  out = Desired(task, Utc(2024, 5, 31, 3, 0));
  ASSERT_EQ(out.back().recipients_size(), 1);
  EXPECT_EQ(out.back().recipients(0).role(), nv1::RECIPIENT_ROLE_SUPERVISOR);

  // Nobody to escalate to: no escalation chain.
  task.clear_supervisor_person();
  directory_.units["units/tckh"].head.clear();
  out = Desired(task, Utc(2024, 5, 31, 3, 0));
  EXPECT_EQ(Fires(out).count("task/t1/2024-06-14/escalate-1"), 0u);
  EXPECT_EQ(Fires(out).count("task/t1/2024-06-14/overdue-1"), 1u);
}

TEST_F(TaskRemindersTest, SaturdayBeforeMovesToFridayAndSundayDueToo) {
  // Due Sunday 16/6/2024: before-1d (Saturday) and due both move to Friday
  // 08:00, where only the nearer one, "due", is sent; before-7d (Sunday 9/6)
  // moves to Friday 7/6.
  const std::map<std::string, int64_t> fires =
      Fires(Desired(MakeTask(CivilDay(2024, 6, 16)), Utc(2024, 5, 31, 3, 0)));
  EXPECT_EQ(fires.count("task/t1/2024-06-16/before-1d"), 0u);
  EXPECT_EQ(fires.at("task/t1/2024-06-16/due"), UtcMs(2024, 6, 14, 1, 0));
  EXPECT_EQ(fires.at("task/t1/2024-06-16/before-7d"), UtcMs(2024, 6, 7, 1, 0));
  // Overdue starts on Monday 17/6.
  EXPECT_EQ(fires.at("task/t1/2024-06-16/overdue-1"), UtcMs(2024, 6, 17, 1, 0));
}

TEST_F(TaskRemindersTest, OverdueOnAHolidayMovesLater) {
  // Due Tuesday 29/4/2025: 30/4, 1/5 and 2/5 are off, then the weekend.
  const std::map<std::string, int64_t> fires =
      Fires(Desired(MakeTask(CivilDay(2025, 4, 29)), Utc(2025, 4, 20, 3, 0)));
  EXPECT_EQ(fires.at("task/t1/2025-04-29/overdue-1"), UtcMs(2025, 5, 5, 1, 0));
  // Escalation after 3 working days: 5/5, 6/5, 7/5.
  EXPECT_EQ(fires.at("task/t1/2025-04-29/escalate-1"), UtcMs(2025, 5, 7, 1, 0));
  // before-1d is a normal Monday.
  EXPECT_EQ(fires.at("task/t1/2025-04-29/before-1d"), UtcMs(2025, 4, 28, 1, 0));
}

TEST_F(TaskRemindersTest, EscalationLinksMovedOntoOneMinuteGoOutOnce) {
  // Daily escalation: the links of Saturday, Sunday and Monday all fire on
  // Monday 08:00. Only the first of them is sent; the chain then goes on
  // from Tuesday, and the producer agrees with what the ack schedules.
  ctx_.policy.set_escalate_every_days(1);
  ctx_.policy.set_escalate_after_working_days(1);
  const v1::Task task = MakeTask(CivilDay(2024, 6, 6));  // Thursday
  // escalate-1 Friday 7/6; escalate-2 (Sat), -3 (Sun), -4 (Mon) on Monday.
  const std::vector<nv1::ReminderPayload> at_monday = Desired(task, Utc(2024, 6, 10, 3, 0));
  const std::map<std::string, int64_t> fires = Fires(at_monday);
  EXPECT_EQ(fires.at("task/t1/2024-06-06/escalate-2"), UtcMs(2024, 6, 10, 1, 0));
  EXPECT_EQ(fires.count("task/t1/2024-06-06/escalate-3"), 0u);
  EXPECT_EQ(fires.count("task/t1/2024-06-06/escalate-4"), 0u);
  EXPECT_EQ(fires.at("task/t1/2024-06-06/escalate-5"), UtcMs(2024, 6, 11, 1, 0));
  // The ack of escalate-2 schedules the same escalate-5.
  for (const nv1::ReminderPayload& p : at_monday) {
    if (p.rule() != "escalate-2") continue;
    std::optional<nv1::ReminderPayload> next =
        reminders::NextInChain(p, calendar::WorkingCalendar::Builtin());
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->rule(), "escalate-5");
    EXPECT_EQ(next->fire_at_ms(), UtcMs(2024, 6, 11, 1, 0));
  }
}

TEST_F(TaskRemindersTest, EscalateAfterThreeWorkingDaysAcrossAWeekend) {
  // Due Thursday 6/6/2024: Friday 7, Monday 10, Tuesday 11.
  const std::map<std::string, int64_t> fires =
      Fires(Desired(MakeTask(CivilDay(2024, 6, 6)), Utc(2024, 6, 1, 3, 0)));
  EXPECT_EQ(fires.at("task/t1/2024-06-06/overdue-1"), UtcMs(2024, 6, 7, 1, 0));
  EXPECT_EQ(fires.at("task/t1/2024-06-06/escalate-1"), UtcMs(2024, 6, 11, 1, 0));
}

TEST_F(TaskRemindersTest, LatestPastAndNextFutureChainLinks) {
  // Due Friday 7/6/2024; now Thursday 13/6 10:00 in Hà Nội. Overdue links
  // fired on 10, 11, 12 and 13/6 08:00 (overdue-1..4); escalate-1 on
  // Wednesday 12/6.
  const std::vector<nv1::ReminderPayload> out =
      Desired(MakeTask(CivilDay(2024, 6, 7)), Utc(2024, 6, 13, 3, 0));
  EXPECT_THAT(Fires(out), UnorderedElementsAre(
                              // before-7d and before-1d fired more than 7 days ago.
                              Pair("task/t1/2024-06-07/due", UtcMs(2024, 6, 7, 1, 0)),
                              Pair("task/t1/2024-06-07/overdue-4", UtcMs(2024, 6, 13, 1, 0)),
                              Pair("task/t1/2024-06-07/overdue-5", UtcMs(2024, 6, 14, 1, 0)),
                              Pair("task/t1/2024-06-07/escalate-1", UtcMs(2024, 6, 12, 1, 0)),
                              Pair("task/t1/2024-06-07/escalate-2", UtcMs(2024, 6, 19, 1, 0))));
}

TEST_F(TaskRemindersTest, BeforeTodaysLinkTheLatestPastIsYesterdays) {
  // Thursday 13/6 07:30 in Hà Nội: today's link (08:00) has not fired yet.
  const std::map<std::string, int64_t> fires =
      Fires(Desired(MakeTask(CivilDay(2024, 6, 7)), Utc(2024, 6, 13, 0, 30)));
  EXPECT_EQ(fires.count("task/t1/2024-06-07/overdue-3"), 1u);
  EXPECT_EQ(fires.count("task/t1/2024-06-07/overdue-4"), 1u);
  EXPECT_EQ(fires.count("task/t1/2024-06-07/overdue-2"), 0u);
  EXPECT_EQ(fires.count("task/t1/2024-06-07/overdue-5"), 0u);
}

TEST_F(TaskRemindersTest, LookbackBoundsThePast) {
  ctx_.lookback = absl::Hours(1);
  // 10:00 in Hà Nội: the 08:00 links are two hours old.
  const std::map<std::string, int64_t> fires =
      Fires(Desired(MakeTask(CivilDay(2024, 6, 7)), Utc(2024, 6, 13, 3, 0)));
  EXPECT_THAT(fires, UnorderedElementsAre(Pair("task/t1/2024-06-07/overdue-5", _),
                                          Pair("task/t1/2024-06-07/escalate-2", _)));
}

TEST_F(TaskRemindersTest, NextLinkIsWhatTheAckSchedules) {
  // The producer's next link equals the notification service's NextInChain
  // of the latest past link, so a re-sync never removes what an ack added.
  const v1::Task task = MakeTask(CivilDay(2024, 6, 7));
  for (absl::Time now = Utc(2024, 6, 12, 2, 0); now < Utc(2024, 8, 20, 0, 0);
       now += absl::Hours(24)) {
    const std::vector<nv1::ReminderPayload> out = Desired(task, now);
    for (const char* chain : {"overdue-", "escalate-"}) {
      std::vector<const nv1::ReminderPayload*> links;
      for (const nv1::ReminderPayload& p : out) {
        if (absl::StartsWith(p.rule(), chain)) links.push_back(&p);
      }
      ASSERT_EQ(links.size(), 2u) << now << " " << chain;
      std::optional<nv1::ReminderPayload> next =
          reminders::NextInChain(*links[0], calendar::WorkingCalendar::Builtin());
      ASSERT_TRUE(next.has_value());
      EXPECT_EQ(next->SerializeAsString(), links[1]->SerializeAsString()) << now << " " << chain;
    }
  }
}

TEST_F(TaskRemindersTest, QuietAfterAProgressReport) {
  // Due Friday 7/6/2024. A report on Tuesday 11/6 10:00 silences the links
  // until Thursday 13/6 10:00: overdue-3 (Wed) and overdue-4 (Thu 08:00) are
  // skipped; the chain resumes with overdue-5 on Friday 14/6.
  ctx_.last_report_time = Utc(2024, 6, 11, 3, 0);
  std::map<std::string, int64_t> fires =
      Fires(Desired(MakeTask(CivilDay(2024, 6, 7)), Utc(2024, 6, 11, 4, 0)));
  EXPECT_EQ(fires.count("task/t1/2024-06-07/overdue-2"), 0u);  // answered by the report
  EXPECT_EQ(fires.count("task/t1/2024-06-07/overdue-3"), 0u);
  EXPECT_EQ(fires.count("task/t1/2024-06-07/overdue-4"), 0u);
  EXPECT_EQ(fires.at("task/t1/2024-06-07/overdue-5"), UtcMs(2024, 6, 14, 1, 0));
  // Escalation does not wait for reports.
  EXPECT_EQ(fires.at("task/t1/2024-06-07/escalate-1"), UtcMs(2024, 6, 12, 1, 0));

  // A negative quiet_after_report_days turns the rule off.
  ctx_.policy.set_quiet_after_report_days(-1);
  fires = Fires(Desired(MakeTask(CivilDay(2024, 6, 7)), Utc(2024, 6, 11, 4, 0)));
  EXPECT_EQ(fires.at("task/t1/2024-06-07/overdue-2"), UtcMs(2024, 6, 11, 1, 0));
  EXPECT_EQ(fires.at("task/t1/2024-06-07/overdue-3"), UtcMs(2024, 6, 12, 1, 0));
}

TEST_F(TaskRemindersTest, RecurringTaskRemindsPerOpenOccurrence) {
  v1::Task task = MakeTask(CivilDay(2024, 3, 31));
  task.mutable_occurrences(0)->set_status(v1::TASK_STATUS_DONE);
  AddOccurrence(task, CivilDay(2025, 3, 31), v1::TASK_STATUS_NOT_STARTED, "Quý I");
  AddOccurrence(task, CivilDay(2026, 3, 31), v1::TASK_STATUS_CANCELLED);
  AddOccurrence(task, CivilDay(2027, 3, 31), v1::TASK_STATUS_IN_PROGRESS);
  const std::vector<nv1::ReminderPayload> out = Desired(task, Utc(2024, 6, 1, 3, 0));
  int per_2025 = 0;
  int per_2027 = 0;
  for (const nv1::ReminderPayload& p : out) {
    EXPECT_FALSE(absl::StrContains(p.reminder_id(), "/2024-03-31/")) << p.reminder_id();
    EXPECT_FALSE(absl::StrContains(p.reminder_id(), "/2026-03-31/")) << p.reminder_id();
    if (absl::StrContains(p.reminder_id(), "/2025-03-31/")) {
      ++per_2025;
      EXPECT_EQ(p.subject(), "Xây dựng kế hoạch kiểm tra – Quý I");
    }
    if (absl::StrContains(p.reminder_id(), "/2027-03-31/")) ++per_2027;
  }
  EXPECT_EQ(per_2025, 5);  // before-7d, before-1d, due, overdue-1, escalate-1
  EXPECT_EQ(per_2027, 5);
  EXPECT_EQ(out.size(), 10u);
}

TEST_F(TaskRemindersTest, ContinuousTaskGetsCheckInsOnly) {
  v1::Task task = MakeTask(CivilDay(2024, 1, 1));
  task.clear_occurrences();  // continuous work has no occurrences
  chiso::common::v1::Milestone* m = task.mutable_schedule()->add_milestones();
  m->mutable_continuous()->set_check_in(chiso::common::v1::FREQUENCY_QUARTERLY);
  m->set_label("Thường xuyên");
  const std::vector<nv1::ReminderPayload> out = Desired(task, Utc(2024, 5, 1, 3, 0));
  // 31/3 is past the lookback; 30/6 is a Sunday (→ Friday 28/6); 30/9 is a
  // Monday; 31/12 a Tuesday.
  EXPECT_THAT(Fires(out),
              UnorderedElementsAre(Pair("task/t1/2024-06-30/checkin", UtcMs(2024, 6, 28, 1, 0)),
                                   Pair("task/t1/2024-09-30/checkin", UtcMs(2024, 9, 30, 1, 0)),
                                   Pair("task/t1/2024-12-31/checkin", UtcMs(2024, 12, 31, 1, 0))));
  for (const nv1::ReminderPayload& p : out) {
    EXPECT_EQ(p.kind(), nv1::NOTIFICATION_KIND_TASK_CHECK_IN);
    EXPECT_FALSE(p.has_chain());
    EXPECT_EQ(p.recipients_size(), 2);
    EXPECT_EQ(p.subject(), "Xây dựng kế hoạch kiểm tra – Thường xuyên");
  }
}

TEST_F(TaskRemindersTest, DoneOrCancelledTaskHasNone) {
  v1::Task task = MakeTask(CivilDay(2024, 6, 14));
  task.set_status(v1::TASK_STATUS_DONE);
  EXPECT_THAT(Desired(task, Utc(2024, 5, 31, 3, 0)), IsEmpty());
  task.set_status(v1::TASK_STATUS_CANCELLED);
  EXPECT_THAT(Desired(task, Utc(2024, 5, 31, 3, 0)), IsEmpty());
  // A done occurrence of an open task has none either.
  task.set_status(v1::TASK_STATUS_IN_PROGRESS);
  task.mutable_occurrences(0)->set_status(v1::TASK_STATUS_DONE);
  EXPECT_THAT(Desired(task, Utc(2024, 5, 31, 3, 0)), IsEmpty());
}

TEST_F(TaskRemindersTest, PlanPolicyOverride) {
  nv1::ReminderPolicy global;
  nv1::ReminderPolicy plan;
  plan.add_before_days(3);
  plan.set_fire_minute(9 * 60);
  plan.set_escalate_after_working_days(1);
  ctx_.policy = reminders::ResolvePolicy(global, &plan);
  std::map<std::string, int64_t> fires =
      Fires(Desired(MakeTask(CivilDay(2024, 6, 14)), Utc(2024, 5, 31, 3, 0)));
  EXPECT_THAT(
      fires, UnorderedElementsAre(Pair("task/t1/2024-06-14/before-3d", UtcMs(2024, 6, 11, 2, 0)),
                                  Pair("task/t1/2024-06-14/due", UtcMs(2024, 6, 14, 2, 0)),
                                  Pair("task/t1/2024-06-14/overdue-1", UtcMs(2024, 6, 17, 2, 0)),
                                  Pair("task/t1/2024-06-14/escalate-1", UtcMs(2024, 6, 17, 2, 0))));

  plan.set_no_overdue(true);
  ctx_.policy = reminders::ResolvePolicy(global, &plan);
  fires = Fires(Desired(MakeTask(CivilDay(2024, 6, 14)), Utc(2024, 5, 31, 3, 0)));
  EXPECT_THAT(fires, UnorderedElementsAre(Pair("task/t1/2024-06-14/before-3d", _),
                                          Pair("task/t1/2024-06-14/due", _)));
}

TEST_F(TaskRemindersTest, LinksBeforeTheTaskExistedAreNotDesired) {
  // Created on Wednesday 12/6 for Friday 14/6: before-7d (7/6) never
  // concerned anyone, although it is within the lookback.
  v1::Task task = MakeTask(CivilDay(2024, 6, 14));
  *task.mutable_create_time() = civil::ToTimestamp(Utc(2024, 6, 12, 2, 0));
  const std::map<std::string, int64_t> fires = Fires(Desired(task, Utc(2024, 6, 12, 3, 0)));
  EXPECT_EQ(fires.count("task/t1/2024-06-14/before-7d"), 0u);
  EXPECT_EQ(fires.count("task/t1/2024-06-14/before-1d"), 1u);
}

TEST_F(TaskRemindersTest, UnknownDirectoryFallsBackToTheNamesOnTheTask) {
  ctx_.directory = nullptr;
  const std::vector<nv1::ReminderPayload> out =
      Desired(MakeTask(CivilDay(2024, 6, 14)), Utc(2024, 5, 31, 3, 0));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].lead_unit_display_name(), "Phòng TC-KH");
  EXPECT_EQ(out[0].recipients(0).display_name(), "Phòng TC-KH");
  // Without the directory the head is unknown: only the supervisor.
  EXPECT_EQ(out.back().rule(), "escalate-1");
  ASSERT_EQ(out.back().recipients_size(), 1);
  EXPECT_EQ(out.back().recipients(0).display_name(), "people/pct");
}

TEST_F(TaskRemindersTest, BadTaskNameIsInvalidArgument) {
  v1::Task task = MakeTask(CivilDay(2024, 6, 14));
  task.set_name("t1");
  ctx_.now = Utc(2024, 5, 31, 3, 0);
  absl::StatusOr<std::vector<nv1::ReminderPayload>> out = DesiredTaskReminders(task, ctx_);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), testing::HasSubstr("task.name"));
}

}  // namespace
}  // namespace chiso::assignment
