// Two replicas of the notification service on one PostgreSQL database and
// one Redis queue, as the production overlay runs them: both consume, each
// reminder reaches the shared inbox once, and a Subscribe stream on one
// replica receives what the other delivered.
#include <atomic>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/log/log.h"
#include "common/reminders/policy.h"
#include "common/reminders/queue.h"
#include "common/reminders/worker.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/notification/consumer.h"
#include "services/notification/inbox_manager.h"
#include "tests/notification/notification_fixtures.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_database.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Unit;

// One replica: its own connections, store, hub, consumer and queue worker.
struct Replica {
  std::unique_ptr<storage::Database> db;
  IdGenerator ids;
  std::unique_ptr<NotificationStore> store;
  prometheus::Registry registry;
  std::unique_ptr<NotificationMetrics> metrics;
  DeliveryHub hub;
  LatenessWindow lateness;
  std::unique_ptr<ReminderConsumer> consumer;
  std::unique_ptr<InboxManager> inbox;
  std::unique_ptr<reminders::Worker> worker;
};

class NotificationReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    CHISO_START_REDIS_OR_SKIP(redis_);
    endpoint_ = redis_.endpoint();
    absl::StatusOr<std::string> url = test_support::FreshPostgresUrl();
    ASSERT_TRUE(url.ok()) << url.status();
    for (auto& r : replicas_) {
      r = std::make_unique<Replica>();
      storage::PostgresOptions options;
      options.url = *url;
      options.pool_size = 4;
      absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::OpenPostgres(options);
      ASSERT_TRUE(db.ok()) << db.status();
      r->db = *std::move(db);
      ASSERT_TRUE(storage::Migrate(*r->db, NotificationMigrations()).ok());
      r->store =
          std::make_unique<NotificationStore>(r->db.get(), &r->ids, [] { return absl::Now(); });
      r->metrics = std::make_unique<NotificationMetrics>(r->registry);
      r->consumer = std::make_unique<ReminderConsumer>(
          r->store.get(), &r->hub, &calendar::WorkingCalendar::Builtin(), civil::Clock::Real(),
          r->metrics.get(), &r->lateness, nullptr);
      r->inbox =
          std::make_unique<InboxManager>(r->store.get(), &r->hub, civil::Clock::Real(), nullptr);
    }
    producer_ = std::make_unique<reminders::Queue>(endpoint_, queue_options_);
  }

  void TearDown() override {
    for (auto& r : replicas_) {
      if (r != nullptr && r->worker != nullptr) r->worker->Stop();
      if (r != nullptr) r->hub.Shutdown();
    }
    log::SetOutput(nullptr);
  }

  void StartWorkers() {
    for (auto& r : replicas_) {
      reminders::WorkerOptions options;
      options.threads = 1;
      options.batch = 3;  // small claims, so both replicas get a share
      options.max_block = absl::Milliseconds(100);
      r->worker = std::make_unique<reminders::Worker>(endpoint_, queue_options_, options,
                                                      r->consumer->AsHandler());
      r->worker->Start();
    }
  }

  // A "due" reminder of task `n`, fired a second ago.
  pb::ReminderPayload Payload(int n) {
    const std::string task = absl::StrCat("t", n, "-", NewId());
    const absl::CivilDay today = civil::BusinessDay(absl::Now());
    pb::ReminderPayload p;
    p.set_reminder_id(reminders::ReminderId(reminders::TaskOwner(task), today, "due"));
    p.set_rule("due");
    p.set_kind(reminders::KindOfRule("due"));
    p.set_task(absl::StrCat("tasks/", task));
    p.set_plan(absl::StrCat("plans/", plan_));
    *p.mutable_due_date() = reminders::ToProtoDate(today);
    p.set_fire_at_ms(absl::ToUnixMillis(absl::Now() - absl::Seconds(1)));
    *p.add_recipients() = Unit(finance_, "Phòng Tài chính - Kế hoạch");
    p.set_subject(absl::StrCat("Nhiệm vụ số ", n));
    p.set_lead_unit_display_name("Phòng Tài chính - Kế hoạch");
    p.set_plan_number("60/KH-UBND");
    p.set_generation("g1");
    return p;
  }

  std::vector<pb::Notification> Inbox(Replica& r) {
    pb::ListNotificationsRequest request;
    request.mutable_filter()->add_recipients(finance_);
    request.set_page_size(200);
    absl::StatusOr<pb::ListNotificationsResponse> resp = r.inbox->ListNotifications(request);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok()) return {};
    return {resp->notifications().begin(), resp->notifications().end()};
  }

  std::ostringstream logs_;
  test_support::RedisServer redis_;
  redis::Endpoint endpoint_;
  reminders::QueueOptions queue_options_;
  std::unique_ptr<Replica> replicas_[2];
  std::unique_ptr<reminders::Queue> producer_;
  const std::string plan_ = NewId();
  const std::string finance_ = "units/" + NewId();
};

TEST_F(NotificationReplicasTest, BothConsumeAndEachReminderReachesTheSharedInboxOnce) {
  constexpr int kReminders = 40;
  // A stream on replica B, open before anything is delivered.
  absl::Mutex mu;
  std::set<std::string> streamed;
  std::atomic<bool> stop{false};
  std::thread subscriber([&] {
    pb::SubscribeRequest request;
    request.mutable_filter()->add_recipients(finance_);
    (void)replicas_[1]->inbox->Subscribe(
        request, [&] { return stop.load(); },
        [&](const pb::SubscribeResponse& event) {
          if (event.has_notification()) {
            absl::MutexLock lock(&mu);
            streamed.insert(event.notification().reminder_id());
          }
          return !stop.load();
        });
  });

  std::vector<reminders::Item> items;
  std::set<std::string> ids;
  for (int n = 0; n < kReminders; ++n) {
    pb::ReminderPayload p = Payload(n);
    ids.insert(p.reminder_id());
    items.push_back(reminders::ToQueueItem(p));
  }
  absl::StatusOr<reminders::ScheduleResult> scheduled = producer_->Schedule(items);
  ASSERT_TRUE(scheduled.ok()) << scheduled.status();
  StartWorkers();

  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline && Inbox(*replicas_[0]).size() < ids.size()) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  auto streamed_count = [&] {
    absl::MutexLock lock(&mu);
    return streamed.size();
  };
  while (absl::Now() < deadline && streamed_count() < ids.size()) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  stop = true;
  subscriber.join();

  for (auto& r : replicas_) {
    std::vector<pb::Notification> inbox = Inbox(*r);
    std::multiset<std::string> got;
    for (const pb::Notification& n : inbox) got.insert(n.reminder_id());
    EXPECT_EQ(got.size(), ids.size()) << "each reminder once, on either replica";
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), ids);
  }
  // Both replicas did part of the work: each published into its own hub.
  EXPECT_GT(replicas_[0]->hub.last_seq(), 0);
  EXPECT_GT(replicas_[1]->hub.last_seq(), 0);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(streamed, ids) << "the stream on replica B sees replica A's deliveries too";
}

}  // namespace
}  // namespace chiso::notification
