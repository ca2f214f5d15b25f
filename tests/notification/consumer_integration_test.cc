// The consumer behind real queue workers and a private redis-server: a
// reminder reaches the inbox once, whatever the queue redelivers; an overdue
// link continues its chain; a payload that cannot be decoded is
// dead-lettered, listed and requeued through the operator methods; and the
// inbox keeps answering while Redis is down.
#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/log/log.h"
#include "common/reminders/policy.h"
#include "common/reminders/queue.h"
#include "common/reminders/worker.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/notification/consumer.h"
#include "services/notification/inbox_manager.h"
#include "services/notification/operations_manager.h"
#include "services/notification/queue_admin.h"
#include "tests/notification/notification_fixtures.h"
#include "tests/support/redis_server.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Unit;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class ConsumerIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    CHISO_START_REDIS_OR_SKIP(redis_);
    endpoint_ = redis_.endpoint();
    endpoint_.connect_timeout = absl::Milliseconds(300);
    endpoint_.command_timeout = absl::Seconds(2);
    // Retries come back at once, so a redelivery shows within the test.
    queue_options_.backoff_base = absl::Milliseconds(10);
    queue_options_.backoff_cap = absl::Milliseconds(20);
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, NotificationMigrations()).ok());
    store_ = std::make_unique<NotificationStore>(db_.get(), &ids_, [] { return absl::Now(); });
    metrics_ = std::make_unique<NotificationMetrics>(registry_);
    consumer_ =
        std::make_unique<ReminderConsumer>(store_.get(), &hub_, &Calendar(), civil::Clock::Real(),
                                           metrics_.get(), &lateness_, nullptr);
    producer_ = std::make_unique<reminders::Queue>(endpoint_, queue_options_);
    admin_ = NewRedisQueueAdmin(endpoint_, queue_options_);
    operations_ = std::make_unique<OperationsManager>(admin_.get(), store_.get(), &lateness_,
                                                      &Calendar(), civil::Clock::Real());
    inbox_ = std::make_unique<InboxManager>(store_.get(), &hub_, civil::Clock::Real(), nullptr);
  }
  void TearDown() override {
    if (worker_ != nullptr) worker_->Stop();
    log::SetOutput(nullptr);
  }

  static const calendar::WorkingCalendar& Calendar() {
    return calendar::WorkingCalendar::Builtin();
  }

  void StartWorker(reminders::BatchHandler handler = nullptr) {
    reminders::WorkerOptions options;
    options.threads = 1;
    options.batch = 10;
    options.max_block = absl::Milliseconds(100);
    worker_ = std::make_unique<reminders::Worker>(endpoint_, queue_options_, options,
                                                  handler ? handler : consumer_->AsHandler());
    worker_->Start();
  }

  // A reminder of a task of the finance division, firing `fire`.
  pb::ReminderPayload Payload(const std::string& rule, absl::CivilDay due, absl::Time fire) {
    pb::ReminderPayload p;
    p.set_reminder_id(reminders::ReminderId(task_owner_, due, rule));
    p.set_rule(rule);
    p.set_kind(reminders::KindOfRule(rule));
    p.set_task(absl::StrCat("tasks/", task_id_));
    p.set_plan(absl::StrCat("plans/", NewId()));
    *p.mutable_due_date() = reminders::ToProtoDate(due);
    p.set_fire_at_ms(absl::ToUnixMillis(fire));
    *p.add_recipients() = Unit(finance_, "Phòng Tài chính - Kế hoạch");
    p.set_subject("Rút ngắn thời gian giải quyết hồ sơ");
    p.set_lead_unit_display_name("Phòng Tài chính - Kế hoạch");
    p.set_plan_number("60/KH-UBND");
    p.set_generation("g1");
    return p;
  }

  void Schedule(const pb::ReminderPayload& p) {
    absl::StatusOr<reminders::ScheduleResult> r = producer_->Schedule({reminders::ToQueueItem(p)});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->scheduled, 1);
  }

  std::vector<pb::Notification> Inbox() {
    pb::ListNotificationsRequest request;
    request.mutable_filter()->add_recipients(finance_);
    absl::StatusOr<pb::ListNotificationsResponse> r = inbox_->ListNotifications(request);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    return {r->notifications().begin(), r->notifications().end()};
  }

  // Polls `done` for up to 15 s (the workers run on their own threads).
  template <typename F>
  bool Eventually(F done) {
    for (int i = 0; i < 1500; ++i) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  reminders::Stats Stats() {
    absl::StatusOr<reminders::Stats> s = producer_->GetStats();
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : reminders::Stats();
  }

  // Whether `id` is pending in the queue, and its fire time.
  std::optional<int64_t> PendingFireMs(const std::string& id) {
    absl::StatusOr<redis::Reply> r =
        producer_->connection().Command({"ZSCORE", queue_options_.prefix + ":due", id});
    if (!r.ok() || r->is_nil()) return std::nullopt;
    int64_t ms = 0;
    if (!absl::SimpleAtoi(r->str, &ms)) return std::nullopt;
    return ms;
  }

  std::ostringstream logs_;
  test_support::RedisServer redis_;
  redis::Endpoint endpoint_;
  reminders::QueueOptions queue_options_;
  IdGenerator ids_;
  prometheus::Registry registry_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<NotificationStore> store_;
  std::unique_ptr<NotificationMetrics> metrics_;
  DeliveryHub hub_;
  LatenessWindow lateness_;
  std::unique_ptr<ReminderConsumer> consumer_;
  std::unique_ptr<reminders::Queue> producer_;
  std::unique_ptr<QueueAdmin> admin_;
  std::unique_ptr<OperationsManager> operations_;
  std::unique_ptr<InboxManager> inbox_;
  std::unique_ptr<reminders::Worker> worker_;
  const std::string task_id_ = NewId();
  const std::string task_owner_ = reminders::TaskOwner(task_id_);
  const std::string finance_ = "units/" + NewId();
};

TEST_F(ConsumerIntegrationTest, ADueReminderReachesTheInboxOnce) {
  const absl::CivilDay today = civil::BusinessDay(absl::Now());
  const pb::ReminderPayload payload = Payload("due", today, absl::Now() - absl::Seconds(1));
  Schedule(payload);
  StartWorker();
  ASSERT_TRUE(Eventually([&] { return Inbox().size() == 1; }));
  ASSERT_TRUE(Eventually([&] { return Stats().leased == 0; }));
  const pb::Notification n = Inbox().front();
  EXPECT_EQ(n.reminder_id(), payload.reminder_id());
  EXPECT_THAT(n.title(), StartsWith("Nhắc việc: Rút ngắn thời gian giải quyết hồ sơ đến hạn ngày"));
  EXPECT_FALSE(n.late());
  EXPECT_EQ(hub_.last_seq(), 1);
  EXPECT_EQ(lateness_.Summarize(absl::Now(), absl::Minutes(5)).count, 1);

  // Scheduled again after delivery (a reconciler that has not heard yet):
  // the inbox does not show it twice.
  absl::StatusOr<reminders::ScheduleResult> again =
      producer_->Schedule({reminders::ToQueueItem(payload)});
  ASSERT_TRUE(again.ok()) << again.status();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Inbox().size(), 1u);
  EXPECT_EQ(Stats().due, 0);
}

TEST_F(ConsumerIntegrationTest, ARedeliveryAfterALostAckIsAbsorbedAndStillContinuesTheChain) {
  // An overdue link of a task due in a month (any due date works; a future
  // one makes the next link's fire time lie ahead, so it is the very next).
  const absl::CivilDay due = civil::BusinessDay(absl::Now()) + 30;
  pb::ReminderPayload payload = Payload("overdue-1", due, absl::Now() - absl::Seconds(1));
  pb::OverdueChain* chain = payload.mutable_chain();
  *chain->mutable_due_date() = reminders::ToProtoDate(due);
  *chain->add_recipients() = Unit(finance_, "Phòng Tài chính - Kế hoạch");
  *chain->mutable_policy() = reminders::ResolvePolicy(pb::ReminderPolicy(), nullptr);
  Schedule(payload);

  // The first delivery stores the notification but its ack is lost (as if
  // the process died before settling): the queue hands it out again.
  std::atomic<int> calls{0};
  StartWorker([&](const std::vector<reminders::Claimed>& batch) {
    std::vector<reminders::Outcome> outcomes = consumer_->Handle(batch);
    if (calls.fetch_add(1) == 0) {
      for (reminders::Outcome& o : outcomes) {
        o = reminders::Outcome();
        o.kind = reminders::Outcome::Kind::kRetry;
        o.error = "lost";
      }
    }
    return outcomes;
  });
  const std::string next_id = reminders::ReminderId(task_owner_, due, "overdue-2");
  ASSERT_TRUE(Eventually([&] { return PendingFireMs(next_id).has_value(); }));
  EXPECT_GE(calls.load(), 2);
  EXPECT_EQ(Inbox().size(), 1u);
  const absl::Time expected = reminders::FireAt(
      Calendar(), reminders::OverdueDay(Calendar(), due, 2), 480, reminders::Shift::kLater);
  EXPECT_EQ(*PendingFireMs(next_id), absl::ToUnixMillis(expected));
  EXPECT_THAT(Inbox().front().title(), HasSubstr("quá hạn 1 ngày làm việc"));
}

TEST_F(ConsumerIntegrationTest, LateRemindersAreMarkedLate) {
  const absl::CivilDay today = civil::BusinessDay(absl::Now());
  Schedule(Payload("due", today, absl::Now() - absl::Minutes(20)));
  StartWorker();
  ASSERT_TRUE(Eventually([&] { return Inbox().size() == 1; }));
  const pb::Notification n = Inbox().front();
  EXPECT_TRUE(n.late());
  EXPECT_GE(n.lateness().seconds(), 20 * 60);
}

TEST_F(ConsumerIntegrationTest, GarbageIsDeadLetteredListedAndRequeued) {
  const std::string id = absl::StrCat(task_owner_, "/2024-04-30/due");
  reminders::Item garbage;
  garbage.id = id;
  garbage.fire_at_ms = absl::ToUnixMillis(absl::Now() - absl::Seconds(1));
  garbage.payload = "\xff\xff not a payload";
  ASSERT_TRUE(producer_->Schedule({garbage}).ok());
  StartWorker();
  ASSERT_TRUE(Eventually([&] { return Stats().dead == 1; }));
  worker_->Stop();
  EXPECT_THAT(Inbox(), IsEmpty());

  absl::StatusOr<pb::ListDeadLettersResponse> listed =
      operations_->ListDeadLetters(pb::ListDeadLettersRequest());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->dead_letters_size(), 1);
  const pb::DeadLetter& letter = listed->dead_letters(0);
  EXPECT_EQ(letter.reminder_id(), id);
  EXPECT_TRUE(letter.webhook().empty());
  EXPECT_THAT(letter.last_error(), HasSubstr("payload"));
  EXPECT_EQ(letter.notification().reminder_id(), id);

  pb::RetryDeadLetterRequest retry;
  retry.set_name(letter.name());
  absl::StatusOr<pb::RetryDeadLetterResponse> retried = operations_->RetryDeadLetter(retry);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->reminder_id(), id);
  const reminders::Stats stats = Stats();
  EXPECT_EQ(stats.dead, 0);
  EXPECT_EQ(stats.due, 1);
  EXPECT_TRUE(PendingFireMs(id).has_value());
  EXPECT_THAT(operations_->ListDeadLetters(pb::ListDeadLettersRequest())->dead_letters(),
              IsEmpty());
  EXPECT_TRUE(absl::IsNotFound(operations_->RetryDeadLetter(retry).status()));
}

TEST_F(ConsumerIntegrationTest, QueueMethodsAreUnavailableWhileRedisIsDownButInboxesWork) {
  const absl::CivilDay today = civil::BusinessDay(absl::Now());
  Schedule(Payload("due", today, absl::Now() - absl::Seconds(1)));
  StartWorker();
  ASSERT_TRUE(Eventually([&] { return Inbox().size() == 1; }));
  worker_->Stop();
  ASSERT_TRUE(redis_.Stop().ok());

  absl::StatusOr<pb::QueueStats> stats = operations_->GetQueueStats(pb::GetQueueStatsRequest());
  EXPECT_TRUE(absl::IsUnavailable(stats.status())) << stats.status();
  EXPECT_TRUE(
      absl::IsUnavailable(operations_->ListDeadLetters(pb::ListDeadLettersRequest()).status()));
  pb::RetryDeadLetterRequest retry;
  retry.set_name(DeadLetterName({DeadLetterRef::Kind::kReminder, "task/x/2024-04-30/due"}));
  EXPECT_TRUE(absl::IsUnavailable(operations_->RetryDeadLetter(retry).status()));
  EXPECT_EQ(Inbox().size(), 1u);

  ASSERT_TRUE(redis_.Start().ok());
  stats = operations_->GetQueueStats(pb::GetQueueStatsRequest());
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->lateness().delivered_count(), 1);
}

}  // namespace
}  // namespace chiso::notification
