// The notification a reminder payload becomes, and the domain rules of names,
// filters, cursors and webhooks.
#include "services/notification/message_builder.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/notification/notification_domain.h"
#include "tests/notification/notification_fixtures.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::At;
using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Post;
using ::chiso::notification::testing::Unit;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

pb::ReminderPayload Payload(const std::string& rule, pb::NotificationKind kind) {
  pb::ReminderPayload p;
  p.set_reminder_id(absl::StrCat("task/01hv3k/2024-04-30/", rule));
  p.set_kind(kind);
  p.set_rule(rule);
  p.set_task("tasks/01hv3k");
  p.set_plan("plans/01hv00");
  p.mutable_due_date()->set_year(2024);
  p.mutable_due_date()->set_month(4);
  p.mutable_due_date()->set_day(30);
  p.set_subject("Xây dựng kế hoạch kiểm tra");
  p.set_lead_unit_display_name("Phòng Tài chính - Kế hoạch");
  p.set_plan_number("60/KH-UBND");
  p.set_plan_title("Cải thiện chỉ số DDCI năm 2024");
  // Thursday 2024-04-23 08:00 in Hà Nội.
  p.set_fire_at_ms(absl::ToUnixMillis(At(2024, 4, 23, 1, 0)));
  *p.add_recipients() = Unit("units/01hvaa", "Phòng Tài chính - Kế hoạch");
  return p;
}

const calendar::WorkingCalendar& Calendar() { return calendar::WorkingCalendar::Builtin(); }

TEST(MessageBuilderTest, DueReminderCopiesThePayloadAndSaysWhatToDo) {
  const pb::Notification n =
      BuildNotification(Payload("due", pb::NOTIFICATION_KIND_TASK_DUE), Calendar());
  EXPECT_EQ(n.reminder_id(), "task/01hv3k/2024-04-30/due");
  EXPECT_EQ(n.kind(), pb::NOTIFICATION_KIND_TASK_DUE);
  EXPECT_EQ(n.rule(), "due");
  EXPECT_EQ(n.task(), "tasks/01hv3k");
  EXPECT_EQ(n.plan(), "plans/01hv00");
  EXPECT_EQ(n.due_date().day(), 30);
  EXPECT_EQ(n.recipients_size(), 1);
  EXPECT_EQ(n.fire_time().seconds(), absl::ToUnixSeconds(At(2024, 4, 23, 1, 0)));
  EXPECT_TRUE(n.name().empty());
  EXPECT_FALSE(n.has_deliver_time());
  EXPECT_EQ(n.title(), "Nhắc việc: Xây dựng kế hoạch kiểm tra đến hạn ngày 30/04/2024");
  EXPECT_THAT(n.body(), HasSubstr("Nhiệm vụ: Xây dựng kế hoạch kiểm tra"));
  EXPECT_THAT(n.body(), HasSubstr("Đơn vị chủ trì: Phòng Tài chính - Kế hoạch"));
  EXPECT_THAT(n.body(), HasSubstr("Kế hoạch số 60/KH-UBND: Cải thiện chỉ số DDCI năm 2024"));
  EXPECT_THAT(n.body(), HasSubstr("Hạn hoàn thành: 30/04/2024"));
  EXPECT_THAT(n.body(), HasSubstr("tài liệu kiểm chứng"));
}

TEST(MessageBuilderTest, TitlesPerKind) {
  EXPECT_EQ(BuildNotification(Payload("before-7d", pb::NOTIFICATION_KIND_TASK_DUE_SOON), Calendar())
                .title(),
            "Nhắc việc: Xây dựng kế hoạch kiểm tra sắp đến hạn ngày 30/04/2024 (còn 7 ngày)");
  EXPECT_EQ(BuildNotification(Payload("overdue-2", pb::NOTIFICATION_KIND_TASK_OVERDUE), Calendar())
                .title(),
            "Nhắc việc: Xây dựng kế hoạch kiểm tra quá hạn 2 ngày làm việc");

  // Escalated on Monday 2024-05-06: the task is 4 working days late (2 and
  // 3 May, Saturday 4 May worked in exchange for 29 April, and 6 May).
  pb::ReminderPayload escalation = Payload("escalate-1", pb::NOTIFICATION_KIND_TASK_ESCALATION);
  escalation.set_fire_at_ms(absl::ToUnixMillis(At(2024, 5, 6, 1, 0)));
  const pb::Notification e = BuildNotification(escalation, Calendar());
  EXPECT_EQ(e.title(), "Báo cáo lãnh đạo: Xây dựng kế hoạch kiểm tra quá hạn 4 ngày làm việc");
  EXPECT_THAT(e.body(), HasSubstr("do Phòng Tài chính - Kế hoạch chủ trì"));
  EXPECT_THAT(e.body(), HasSubstr("báo cáo lần 1"));

  pb::ReminderPayload report = Payload("report-5wd", pb::NOTIFICATION_KIND_REPORT_DUE);
  report.set_reminder_id("plan/01hv00/2024-04-30/report-5wd");
  report.clear_task();
  report.set_subject("Báo cáo kết quả thực hiện Kế hoạch quý I");
  report.clear_recipients();
  *report.add_recipients() =
      Unit("units/01hvbb", "UBND xã An Bình", {}, pb::RECIPIENT_ROLE_REPORTING_UNIT);
  const pb::Notification r = BuildNotification(report, Calendar());
  EXPECT_EQ(r.title(),
            "Nhắc báo cáo: Báo cáo kết quả thực hiện Kế hoạch quý I đến hạn ngày 30/04/2024 (còn 5 "
            "ngày làm việc)");
  EXPECT_THAT(r.body(), HasSubstr("Đơn vị báo cáo: UBND xã An Bình"));
  EXPECT_THAT(r.body(), HasSubstr("Hạn gửi báo cáo: 30/04/2024"));

  EXPECT_THAT(BuildNotification(Payload("checkin", pb::NOTIFICATION_KIND_TASK_CHECK_IN), Calendar())
                  .title(),
              StartsWith("Nhắc việc: cập nhật tiến độ Xây dựng kế hoạch kiểm tra"));
}

TEST(MessageBuilderTest, KindFollowsTheRuleWhenThePayloadHasNone) {
  EXPECT_EQ(
      BuildNotification(Payload("overdue-1", pb::NOTIFICATION_KIND_UNSPECIFIED), Calendar()).kind(),
      pb::NOTIFICATION_KIND_TASK_OVERDUE);
}

TEST(MessageBuilderTest, LongSubjectsAreShortenedInTheTitleOnly) {
  pb::ReminderPayload p = Payload("due", pb::NOTIFICATION_KIND_TASK_DUE);
  std::string subject;
  for (int i = 0; i < 60; ++i) absl::StrAppend(&subject, "Rà soát ");
  p.set_subject(subject);
  const pb::Notification n = BuildNotification(p, Calendar());
  EXPECT_THAT(n.title(), HasSubstr("…"));
  EXPECT_LT(n.title().size(), subject.size());
  EXPECT_THAT(n.body(), HasSubstr(subject.substr(0, subject.size() - 1)));
}

TEST(MessageBuilderTest, MissingSubjectAndLeadStillReadWell) {
  pb::ReminderPayload p = Payload("due", pb::NOTIFICATION_KIND_TASK_DUE);
  p.clear_subject();
  p.clear_lead_unit_display_name();
  const pb::Notification n = BuildNotification(p, Calendar());
  EXPECT_EQ(n.title(), "Nhắc việc: nhiệm vụ được giao đến hạn ngày 30/04/2024");
  // The lead comes from the recipients.
  EXPECT_THAT(n.body(), HasSubstr("Đơn vị chủ trì: Phòng Tài chính - Kế hoạch"));
}

// ---- Domain -------------------------------------------------------------------

TEST(NotificationDomainTest, CursorsRoundTripAndRejectGarbage) {
  const Cursor cursor{42, absl::FromUnixMillis(1714438800123)};
  absl::StatusOr<Cursor> back = DecodeCursor(EncodeCursor(cursor));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->seq, 42);
  EXPECT_EQ(back->issued, cursor.issued);
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeCursor("not a cursor").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeCursor("").status()));
}

TEST(NotificationDomainTest, DeadLetterNamesRoundTrip) {
  const std::string reminder = "task/01hv3k/2024-04-30/overdue-2";
  const std::string name = DeadLetterName({DeadLetterRef::Kind::kReminder, reminder});
  EXPECT_THAT(name, StartsWith("deadLetters/reminder-"));
  EXPECT_THAT(name.substr(12), Not(HasSubstr("/")));
  absl::StatusOr<DeadLetterRef> ref = ParseDeadLetterName("name", name);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->kind, DeadLetterRef::Kind::kReminder);
  EXPECT_EQ(ref->id, reminder);

  const std::string id = NewId();
  ref = ParseDeadLetterName("name", DeadLetterName({DeadLetterRef::Kind::kDelivery, id}));
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->kind, DeadLetterRef::Kind::kDelivery);
  EXPECT_EQ(ref->id, id);

  for (const char* bad : {"", "deadLetters/", "deadLetters/reminder-", "deadLetters/delivery-x",
                          "deadLetters/other-abc", "webhooks/abc", "deadLetters/reminder-%%%"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseDeadLetterName("name", bad).status())) << bad;
  }
}

TEST(NotificationDomainTest, DeliveryFilterMatchesRecipientsSubtreesKindsAndPlan) {
  const std::string district = "units/" + NewId();
  const std::string finance = "units/" + NewId();
  pb::Notification n;
  n.set_kind(pb::NOTIFICATION_KIND_TASK_ESCALATION);
  n.set_plan("plans/p1");
  *n.add_recipients() = Post("Phó Chủ tịch UBND huyện", {district});
  pb::DeliveryFilter filter;
  EXPECT_TRUE(Matches(filter, n));
  filter.add_recipients(district);
  EXPECT_FALSE(Matches(filter, n));
  filter.set_include_subtree(true);
  EXPECT_TRUE(Matches(filter, n));
  filter.add_kinds(pb::NOTIFICATION_KIND_TASK_DUE);
  EXPECT_FALSE(Matches(filter, n));
  filter.add_kinds(pb::NOTIFICATION_KIND_TASK_ESCALATION);
  EXPECT_TRUE(Matches(filter, n));
  filter.set_plan("plans/p2");
  EXPECT_FALSE(Matches(filter, n));

  pb::DeliveryFilter bad;
  bad.set_include_subtree(true);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckDeliveryFilter("filter", bad)));
  bad.Clear();
  bad.add_recipients("units/x");
  EXPECT_THAT(CheckDeliveryFilter("filter", bad).message(), HasSubstr("filter.recipients[0]"));
  bad.Clear();
  bad.mutable_kinds()->Add(99);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckDeliveryFilter("filter", bad)));
  bad.Clear();
  for (int i = 0; i < 101; ++i) bad.add_recipients(finance);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckDeliveryFilter("filter", bad)));
}

TEST(NotificationDomainTest, WebhookChecks) {
  pb::Webhook w;
  w.set_display_name("  Hệ thống   văn bản ");
  w.set_url("https://vanban.example.gov.vn/hooks/chiso");
  w.set_secret(std::string(32, 'k'));
  w.set_etag("7");
  ASSERT_TRUE(CheckNewWebhook(w, {}).ok());
  EXPECT_EQ(w.display_name(), "Hệ thống văn bản");
  EXPECT_EQ(w.state(), pb::WEBHOOK_STATE_ACTIVE);
  EXPECT_EQ(w.max_attempts(), 10);
  EXPECT_TRUE(w.etag().empty());

  pb::Webhook plain = w;
  plain.set_url("http://localhost:8080/hook");
  EXPECT_THAT(CheckNewWebhook(plain, {}).message(), HasSubstr("https"));
  EXPECT_TRUE(CheckNewWebhook(plain, WebhookRules{true}).ok());
  for (const char* url : {"ftp://x", "https://", "https:///path", "https://a b", "", "hooks.vn"}) {
    pb::Webhook bad = w;
    bad.set_url(url);
    EXPECT_TRUE(absl::IsInvalidArgument(CheckNewWebhook(bad, {}))) << url;
  }
  pb::Webhook short_secret = w;
  short_secret.set_secret(std::string(31, 'k'));
  EXPECT_THAT(CheckNewWebhook(short_secret, {}).message(), HasSubstr("webhook.secret"));
  short_secret.set_secret(std::string(257, 'k'));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckNewWebhook(short_secret, {})));
  pb::Webhook attempts = w;
  attempts.set_max_attempts(99);
  ASSERT_TRUE(CheckNewWebhook(attempts, {}).ok());
  EXPECT_EQ(attempts.max_attempts(), 50);
  attempts.set_max_attempts(-1);
  EXPECT_TRUE(absl::IsInvalidArgument(CheckNewWebhook(attempts, {})));
  pb::Webhook unnamed = w;
  unnamed.set_display_name("   ");
  EXPECT_TRUE(absl::IsInvalidArgument(CheckNewWebhook(unnamed, {})));

  google::protobuf::FieldMask mask;
  std::string secret;
  bool changed = false;
  EXPECT_TRUE(absl::IsInvalidArgument(ApplyWebhookUpdate(w, mask, {}, w, &secret, &changed)));
  mask.add_paths("etag");
  EXPECT_TRUE(absl::IsInvalidArgument(ApplyWebhookUpdate(w, mask, {}, w, &secret, &changed)));
  mask.Clear();
  mask.add_paths("secret");
  pb::Webhook patch;
  patch.set_secret(std::string(64, 'z'));
  ASSERT_TRUE(ApplyWebhookUpdate(patch, mask, {}, w, &secret, &changed).ok());
  EXPECT_TRUE(changed);
  EXPECT_EQ(secret, std::string(64, 'z'));
}

TEST(NotificationDomainTest, HeartbeatIntervals) {
  google::protobuf::Duration d;
  EXPECT_EQ(*HeartbeatInterval(d), absl::Seconds(30));
  d.set_seconds(5);
  EXPECT_EQ(*HeartbeatInterval(d), absl::Seconds(5));
  d.set_seconds(4);
  EXPECT_TRUE(absl::IsInvalidArgument(HeartbeatInterval(d).status()));
  d.set_seconds(301);
  EXPECT_TRUE(absl::IsInvalidArgument(HeartbeatInterval(d).status()));
  d.set_seconds(10);
  d.set_nanos(-1);
  EXPECT_TRUE(absl::IsInvalidArgument(HeartbeatInterval(d).status()));
}

}  // namespace
}  // namespace chiso::notification
