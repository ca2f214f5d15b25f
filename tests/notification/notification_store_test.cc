#include "services/notification/notification_store.h"

#include <memory>
#include <string>
#include <vector>

#include "common/civil/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/notification/notification_fixtures.h"
#include "tests/support/test_database.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::At;
using ::chiso::notification::testing::Built;
using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Person;
using ::chiso::notification::testing::Post;
using ::chiso::notification::testing::Unit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

std::vector<std::string> Reminders(const NotificationPage& page) {
  std::vector<std::string> out;
  for (const pb::Notification& n : page.notifications) out.push_back(n.reminder_id());
  return out;
}

class NotificationStoreTest : public ::testing::TestWithParam<test_support::Backend> {
 protected:
  void SetUp() override {
    clock_.Set(At(2024, 4, 30, 1, 0));
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, NotificationMigrations()).ok());
    store_ = std::make_unique<NotificationStore>(db_.get(), &ids_, [this] { return clock_.Now(); });
  }

  Delivered DeliverOne(const pb::Notification& built) {
    absl::StatusOr<std::vector<Delivered>> out = store_->Deliver({built}, nullptr);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->front() : Delivered();
  }

  NotificationPage List(const InboxQuery& query, int limit = 50) {
    absl::StatusOr<NotificationPage> page = store_->ListNotifications(query, std::nullopt, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *page : NotificationPage();
  }

  pb::Webhook NewWebhook(const std::string& display, pb::WebhookState state,
                         const std::vector<std::string>& recipients = {}) {
    pb::Webhook w;
    w.set_display_name(display);
    w.set_url("https://example.gov.vn/hook");
    w.set_state(state);
    w.set_max_attempts(3);
    for (const std::string& r : recipients) w.mutable_filter()->add_recipients(r);
    absl::StatusOr<pb::Webhook> created = store_->CreateWebhook(w, std::string(40, 's'));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : pb::Webhook();
  }

  civil::FakeClock clock_;
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<NotificationStore> store_;
  const std::string province_ = "units/" + NewId();
  const std::string district_ = "units/" + NewId();
  const std::string finance_ = "units/" + NewId();
  const std::string office_ = "units/" + NewId();
  const std::string person_ = "people/" + NewId();
};
INSTANTIATE_TEST_SUITE_P(Backends, NotificationStoreTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(NotificationStoreTest, DeliveryIsIdempotentOnReminderId) {
  const pb::Notification a =
      Built("task/a/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")});
  const pb::Notification b =
      Built("task/b/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")});
  int stamped = 0;
  auto stamp = [&](pb::Notification& n) {
    ++stamped;
    n.set_late(true);
  };
  absl::StatusOr<std::vector<Delivered>> first = store_->Deliver({a, b}, stamp);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_FALSE((*first)[0].duplicate);
  EXPECT_EQ((*first)[0].seq, 1);
  EXPECT_EQ((*first)[1].seq, 2);
  EXPECT_THAT((*first)[0].notification.name(), HasSubstr("notifications/"));
  EXPECT_EQ((*first)[0].notification.deliver_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_TRUE((*first)[0].notification.late());
  EXPECT_EQ(stamped, 2);

  clock_.Advance(absl::Minutes(1));
  absl::StatusOr<std::vector<Delivered>> again = store_->Deliver({a}, stamp);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->front().duplicate);
  EXPECT_EQ(again->front().seq, 1);
  EXPECT_EQ(again->front().notification.name(), (*first)[0].notification.name());
  // The stored delivery time is the first one's.
  EXPECT_EQ(again->front().notification.deliver_time().seconds(),
            absl::ToUnixSeconds(clock_.Now() - absl::Minutes(1)));
  EXPECT_EQ(stamped, 2);

  InboxQuery query;
  query.recipients = {finance_};
  EXPECT_THAT(Reminders(List(query)),
              ::testing::UnorderedElementsAre("task/a/2024-04-30/due", "task/b/2024-04-30/due"));
  EXPECT_EQ(*store_->LastSeq(), 2);
}

TEST_P(NotificationStoreTest, MarkReadIsPerRecipientAndIdempotent) {
  const Delivered d = DeliverOne(Built("task/a/2024-04-30/due", At(2024, 4, 30),
                                       {Unit(finance_, "TC"), Person(person_, "Nguyễn Văn A")}));
  const std::string id = IdOf(d.notification.name());
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(*store_->MarkRead(finance_, {id}), 1);
  EXPECT_EQ(*store_->MarkRead(finance_, {id}), 0);

  InboxQuery unread;
  unread.recipients = {finance_};
  unread.unread_only = true;
  EXPECT_THAT(List(unread).notifications, IsEmpty());
  unread.recipients = {person_};
  ASSERT_EQ(List(unread).notifications.size(), 1u);

  InboxQuery all;
  all.recipients = {finance_};
  const pb::Notification listed = List(all).notifications.at(0);
  EXPECT_EQ(listed.recipients(0).read_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_FALSE(listed.recipients(1).has_read_time());
}

TEST_P(NotificationStoreTest, MarkReadOfANotificationOutsideTheInboxMarksNothing) {
  const Delivered mine =
      DeliverOne(Built("task/a/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  const Delivered theirs =
      DeliverOne(Built("task/b/2024-04-30/due", At(2024, 4, 30), {Unit(office_, "VP")}));
  absl::StatusOr<int> marked = store_->MarkRead(
      finance_, {IdOf(mine.notification.name()), IdOf(theirs.notification.name())});
  EXPECT_TRUE(absl::IsNotFound(marked.status())) << marked.status();
  EXPECT_THAT(marked.status().message(), HasSubstr(theirs.notification.name()));
  InboxQuery unread;
  unread.recipients = {finance_};
  unread.unread_only = true;
  EXPECT_EQ(List(unread).notifications.size(), 1u);
}

TEST_P(NotificationStoreTest, MarkReadFiredBeforeMarksOnlyOlderOnes) {
  DeliverOne(Built("task/a/2024-04-29/due", At(2024, 4, 29), {Unit(finance_, "TC")}));
  DeliverOne(Built("task/b/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  DeliverOne(Built("task/c/2024-05-02/due", At(2024, 5, 2), {Unit(finance_, "TC")}));
  EXPECT_EQ(*store_->MarkReadFiredBefore(finance_, At(2024, 5, 1)), 2);
  EXPECT_EQ(*store_->MarkReadFiredBefore(finance_, At(2024, 5, 1)), 0);
  InboxQuery unread;
  unread.recipients = {finance_};
  unread.unread_only = true;
  EXPECT_THAT(Reminders(List(unread)), ElementsAre("task/c/2024-05-02/due"));
}

TEST_P(NotificationStoreTest, SubtreeFilterUsesTheRecipientsAncestors) {
  DeliverOne(Built("task/a/2024-04-30/due", At(2024, 4, 30),
                   {Unit(finance_, "TC", {district_, province_})}));
  DeliverOne(Built("task/b/2024-04-30/escalate-1", At(2024, 4, 30, 2),
                   {Person(person_, "Chủ tịch", {district_})}));
  // A post has no inbox, even inside the subtree.
  DeliverOne(Built("task/c/2024-04-30/escalate-1", At(2024, 4, 30, 3),
                   {Post("Phó Chủ tịch UBND huyện", {district_})}));

  InboxQuery direct;
  direct.recipients = {district_};
  EXPECT_THAT(List(direct).notifications, IsEmpty());
  InboxQuery subtree = direct;
  subtree.include_subtree = true;
  EXPECT_THAT(Reminders(List(subtree)),
              ElementsAre("task/b/2024-04-30/escalate-1", "task/a/2024-04-30/due"));
  subtree.recipients = {province_};
  EXPECT_THAT(Reminders(List(subtree)), ElementsAre("task/a/2024-04-30/due"));

  // Unread within the subtree: once the unit read it, only the person's
  // remains.
  const NotificationPage page = List(subtree);
  EXPECT_EQ(*store_->MarkRead(finance_, {IdOf(page.notifications[0].name())}), 1);
  subtree.recipients = {district_};
  subtree.unread_only = true;
  EXPECT_THAT(Reminders(List(subtree)), ElementsAre("task/b/2024-04-30/escalate-1"));
}

TEST_P(NotificationStoreTest, ListsNewestFireFirstWithFiltersAndPages) {
  const std::string plan = "plans/" + NewId();
  const std::string task = "tasks/" + NewId();
  DeliverOne(Built("task/a/2024-04-29/due", At(2024, 4, 29), {Unit(finance_, "TC")},
                   pb::NOTIFICATION_KIND_TASK_DUE, plan, task));
  DeliverOne(Built("task/b/2024-04-30/overdue-1", At(2024, 4, 30), {Unit(finance_, "TC")},
                   pb::NOTIFICATION_KIND_TASK_OVERDUE, plan));
  DeliverOne(Built("task/c/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  DeliverOne(Built("plan/p/2024-05-02/report-1d", At(2024, 5, 1), {Unit(office_, "VP")},
                   pb::NOTIFICATION_KIND_REPORT_DUE, plan));

  InboxQuery all;
  const NotificationPage everything = List(all);
  ASSERT_EQ(everything.notifications.size(), 4u);
  EXPECT_EQ(everything.notifications[0].reminder_id(), "plan/p/2024-05-02/report-1d");
  EXPECT_EQ(everything.notifications[3].reminder_id(), "task/a/2024-04-29/due");

  InboxQuery by_plan;
  by_plan.plan = plan;
  EXPECT_EQ(List(by_plan).notifications.size(), 3u);
  InboxQuery by_task;
  by_task.task = task;
  EXPECT_THAT(Reminders(List(by_task)), ElementsAre("task/a/2024-04-29/due"));
  InboxQuery by_kind;
  by_kind.kinds = {pb::NOTIFICATION_KIND_TASK_OVERDUE, pb::NOTIFICATION_KIND_REPORT_DUE};
  EXPECT_EQ(List(by_kind).notifications.size(), 2u);
  InboxQuery by_time;
  by_time.fired_after_ms = absl::ToUnixMillis(At(2024, 4, 30));
  by_time.fired_before_ms = absl::ToUnixMillis(At(2024, 5, 1));
  EXPECT_EQ(List(by_time).notifications.size(), 2u);

  // Pages of one, by the keyset of the last one, cover everything once.
  std::vector<std::string> paged;
  std::optional<FireKey> after;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<NotificationPage> page = store_->ListNotifications(all, after, 1);
    ASSERT_TRUE(page.ok());
    for (const pb::Notification& n : page->notifications) paged.push_back(n.reminder_id());
    if (!page->more) break;
    const pb::Notification& last = page->notifications.back();
    after = FireKey{last.fire_time().seconds() * 1000, IdOf(last.name())};
  }
  EXPECT_EQ(paged, Reminders(everything));
}

TEST_P(NotificationStoreTest, DeliveryLogReadsInOrderAndFromATime) {
  DeliverOne(Built("task/a/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  clock_.Advance(absl::Minutes(10));
  const absl::Time second = clock_.Now();
  DeliverOne(Built("task/b/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  DeliverOne(Built("task/c/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  absl::StatusOr<std::vector<LogEntry>> log = store_->ReadLog(1, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].seq, 2);
  EXPECT_EQ((*log)[0].notification.reminder_id(), "task/b/2024-04-30/due");
  EXPECT_EQ(*store_->SeqBefore(second), 1);
  EXPECT_EQ(*store_->SeqBefore(second + absl::Hours(1)), 3);
  EXPECT_EQ(*store_->SeqBefore(absl::UnixEpoch()), 0);
}

TEST_P(NotificationStoreTest, WebhooksKeepTheirSecretAndCountRevisions) {
  const pb::Webhook created = NewWebhook("Hệ thống văn bản", pb::WEBHOOK_STATE_ACTIVE);
  EXPECT_TRUE(created.secret().empty());
  EXPECT_EQ(created.etag(), "1");
  EXPECT_TRUE(created.has_secret_update_time());
  const std::string id = IdOf(created.name());
  absl::StatusOr<pb::Webhook> updated =
      store_->UpdateWebhook(id, [](pb::Webhook& w, std::string* secret, bool* changed) {
        w.set_display_name("A – hệ thống");
        *secret = std::string(50, 'n');
        *changed = true;
        return absl::OkStatus();
      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_TRUE(updated->secret().empty());
  NewWebhook("B", pb::WEBHOOK_STATE_PAUSED);
  bool more = true;
  absl::StatusOr<std::vector<pb::Webhook>> listed = store_->ListWebhooks("", 10, &more);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].display_name(), "A – hệ thống");
  EXPECT_FALSE(more);
  absl::StatusOr<std::vector<pb::Webhook>> rest =
      store_->ListWebhooks(absl::StrCat("A – hệ thống\n", created.name()), 10, &more);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].display_name(), "B");
  EXPECT_TRUE(absl::IsNotFound(store_->GetWebhook(NewId()).status()));
}

TEST_P(NotificationStoreTest, OutboxRetriesDeadLettersAndRecovers) {
  const pb::Webhook hook = NewWebhook("Văn bản", pb::WEBHOOK_STATE_ACTIVE, {finance_});
  NewWebhook("Tạm dừng", pb::WEBHOOK_STATE_PAUSED);
  NewWebhook("Đơn vị khác", pb::WEBHOOK_STATE_ACTIVE, {office_});
  const Delivered d =
      DeliverOne(Built("task/a/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  EXPECT_EQ(d.webhook_deliveries, 1);

  absl::StatusOr<std::vector<OutboxDelivery>> claimed =
      store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  const OutboxDelivery delivery = claimed->front();
  EXPECT_EQ(delivery.webhook_id, IdOf(hook.name()));
  EXPECT_EQ(delivery.secret, std::string(40, 's'));
  EXPECT_EQ(delivery.max_attempts, 3);
  EXPECT_EQ(delivery.notification.reminder_id(), "task/a/2024-04-30/due");
  // Leased: not handed out twice.
  EXPECT_THAT(*store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10), IsEmpty());

  ASSERT_TRUE(
      store_->DeliveryFailed(delivery.id, "HTTP 500", clock_.Now(), clock_.Now() + absl::Seconds(5))
          .ok());
  EXPECT_THAT(*store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10), IsEmpty());
  EXPECT_EQ(**store_->NextDeliveryTime(), clock_.Now() + absl::Seconds(5));
  clock_.Advance(absl::Seconds(5));
  claimed = store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().attempts, 1);
  ASSERT_TRUE(store_->DeliveryFailed(delivery.id, "HTTP 503", clock_.Now(), std::nullopt).ok());

  pb::Webhook failing = *store_->GetWebhook(IdOf(hook.name()));
  EXPECT_EQ(failing.consecutive_failures(), 2);
  EXPECT_EQ(failing.last_error(), "HTTP 503");
  EXPECT_EQ(failing.etag(), hook.etag());  // the sender's bookkeeping is no edit
  DeadDeliveryQuery dead;
  absl::StatusOr<std::vector<DeadDelivery>> letters = store_->ListDeadDeliveries(dead);
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ(letters->front().attempts, 2);
  EXPECT_EQ(letters->front().last_error, "HTTP 503");
  dead.reminder_id_prefix = "task/b";
  EXPECT_THAT(*store_->ListDeadDeliveries(dead), IsEmpty());
  dead.reminder_id_prefix = "task/a/";
  EXPECT_EQ(store_->ListDeadDeliveries(dead)->size(), 1u);

  ASSERT_TRUE(store_->RetryDeadDelivery(delivery.id, clock_.Now()).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->RetryDeadDelivery(delivery.id, clock_.Now()).status()));
  claimed = store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().attempts, 0);
  ASSERT_TRUE(store_->DeliverySucceeded(delivery.id, clock_.Now()).ok());
  pb::Webhook healthy = *store_->GetWebhook(IdOf(hook.name()));
  EXPECT_EQ(healthy.consecutive_failures(), 0);
  EXPECT_TRUE(healthy.has_last_success_time());
  EXPECT_FALSE(store_->NextDeliveryTime()->has_value());
}

TEST_P(NotificationStoreTest, PausedWebhooksWaitAndDeletedOnesLoseTheirDeliveries) {
  const pb::Webhook hook = NewWebhook("Văn bản", pb::WEBHOOK_STATE_ACTIVE);
  DeliverOne(Built("task/a/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  const std::string id = IdOf(hook.name());
  ASSERT_TRUE(store_
                  ->UpdateWebhook(id,
                                  [](pb::Webhook& w, std::string*, bool*) {
                                    w.set_state(pb::WEBHOOK_STATE_PAUSED);
                                    return absl::OkStatus();
                                  })
                  .ok());
  EXPECT_THAT(*store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10), IsEmpty());
  // Delivered while paused: never queued for it.
  const Delivered later =
      DeliverOne(Built("task/b/2024-04-30/due", At(2024, 4, 30), {Unit(finance_, "TC")}));
  EXPECT_EQ(later.webhook_deliveries, 0);
  ASSERT_TRUE(store_
                  ->UpdateWebhook(id,
                                  [](pb::Webhook& w, std::string*, bool*) {
                                    w.set_state(pb::WEBHOOK_STATE_ACTIVE);
                                    return absl::OkStatus();
                                  })
                  .ok());
  EXPECT_EQ(store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10)->size(), 1u);

  ASSERT_TRUE(store_->DeleteWebhook(id, nullptr).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetWebhook(id).status()));
  clock_.Advance(absl::Hours(1));
  EXPECT_THAT(*store_->ClaimDeliveries(clock_.Now(), absl::Seconds(60), 10), IsEmpty());
  EXPECT_TRUE(absl::IsNotFound(store_->DeleteWebhook(id, nullptr)));
}

}  // namespace
}  // namespace chiso::notification
