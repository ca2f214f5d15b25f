// The consumer's outcomes for claimed batches, without Redis: acks with the
// chain's next link, dead letters for payloads that cannot be decoded,
// retries for storage errors, and idempotent redeliveries.
#include "services/notification/consumer.h"

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/log/log.h"
#include "common/reminders/policy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "tests/notification/notification_fixtures.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Unit;
using ::testing::HasSubstr;
using Kind = reminders::Outcome::Kind;

// A database whose writes fail while `fail` is set (a full or locked disk).
class FlakyDatabase : public storage::Database {
 public:
  explicit FlakyDatabase(storage::Database* db) : db_(db) {}
  bool fail = false;
  storage::Dialect dialect() const override { return db_->dialect(); }
  absl::Status Ping() override { return db_->Ping(); }
  absl::Status Read(const std::function<absl::Status(storage::Tx&)>& fn) override {
    return db_->Read(fn);
  }
  absl::Status Transact(const std::function<absl::Status(storage::Tx&)>& fn) override {
    if (fail) return absl::ResourceExhaustedError("database or disk is full");
    return db_->Transact(fn);
  }

 private:
  storage::Database* db_;
};

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    // Tuesday 2024-04-23, 09:00 in Hà Nội.
    clock_.Set(civil::At(absl::CivilDay(2024, 4, 23), 9, 0));
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, NotificationMigrations()).ok());
    flaky_ = std::make_unique<FlakyDatabase>(db_.get());
    store_ =
        std::make_unique<NotificationStore>(flaky_.get(), &ids_, [this] { return clock_.Now(); });
    metrics_ = std::make_unique<NotificationMetrics>(registry_);
    consumer_ = std::make_unique<ReminderConsumer>(
        store_.get(), &hub_, &calendar::WorkingCalendar::Builtin(), &clock_, metrics_.get(),
        &lateness_, [this] { ++webhook_wakes_; });
  }
  void TearDown() override { log::SetOutput(nullptr); }

  reminders::Claimed Claim(const pb::ReminderPayload& p) {
    reminders::Claimed c;
    c.id = p.reminder_id();
    c.fire_at_ms = p.fire_at_ms();
    c.attempt = 1;
    c.payload = p.SerializeAsString();
    return c;
  }

  pb::ReminderPayload Payload(const std::string& rule, absl::CivilDay due) {
    pb::ReminderPayload p;
    p.set_reminder_id(reminders::ReminderId(owner_, due, rule));
    p.set_rule(rule);
    *p.mutable_due_date() = reminders::ToProtoDate(due);
    p.set_fire_at_ms(absl::ToUnixMillis(clock_.Now() - absl::Seconds(2)));
    *p.add_recipients() = Unit(finance_, "Phòng Tài chính - Kế hoạch");
    p.set_subject("Rà soát thủ tục hành chính");
    p.set_generation("7");
    return p;
  }

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  std::ostringstream logs_;
  civil::FakeClock clock_;
  IdGenerator ids_;
  prometheus::Registry registry_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<FlakyDatabase> flaky_;
  std::unique_ptr<NotificationStore> store_;
  std::unique_ptr<NotificationMetrics> metrics_;
  DeliveryHub hub_;
  LatenessWindow lateness_;
  int webhook_wakes_ = 0;
  std::unique_ptr<ReminderConsumer> consumer_;
  const std::string owner_ = reminders::TaskOwner(NewId());
  const std::string finance_ = "units/" + NewId();
};

TEST_F(ConsumerTest, AcksWithTheNextLinkAndTheGeneration) {
  const absl::CivilDay due(2024, 4, 22);  // Monday; overdue-1 is Tuesday 23
  pb::ReminderPayload overdue = Payload("overdue-1", due);
  *overdue.mutable_chain()->mutable_due_date() = reminders::ToProtoDate(due);
  *overdue.mutable_chain()->mutable_policy() =
      reminders::ResolvePolicy(pb::ReminderPolicy(), nullptr);
  const pb::ReminderPayload due_today = Payload("due", absl::CivilDay(2024, 4, 23));

  std::vector<reminders::Outcome> outcomes = consumer_->Handle({Claim(overdue), Claim(due_today)});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].kind, Kind::kAck);
  EXPECT_EQ(outcomes[0].generation, "7");
  ASSERT_TRUE(outcomes[0].next.has_value());
  EXPECT_EQ(outcomes[0].next->id, reminders::ReminderId(owner_, due, "overdue-2"));
  // Wednesday 24 April, 08:00 in Hà Nội.
  EXPECT_EQ(outcomes[0].next->fire_at_ms,
            absl::ToUnixMillis(civil::At(absl::CivilDay(2024, 4, 24), 8, 0)));
  EXPECT_EQ(outcomes[1].kind, Kind::kAck);
  EXPECT_FALSE(outcomes[1].next.has_value());
  EXPECT_EQ(hub_.last_seq(), 2);
  EXPECT_EQ(lateness_.Summarize(clock_.Now(), absl::Minutes(5)).count, 2);
  EXPECT_THAT(Metrics(),
              HasSubstr("chiso_notifications_delivered_total{channel=\"inbox\",result=\"ok\"} 2"));

  // Delivered again (a lease that expired before the ack): no second
  // notification, but the chain still goes on.
  outcomes = consumer_->Handle({Claim(overdue)});
  EXPECT_EQ(outcomes[0].kind, Kind::kAck);
  ASSERT_TRUE(outcomes[0].next.has_value());
  EXPECT_EQ(outcomes[0].next->id, reminders::ReminderId(owner_, due, "overdue-2"));
  EXPECT_EQ(hub_.last_seq(), 2);
  EXPECT_THAT(
      Metrics(),
      HasSubstr("chiso_notifications_delivered_total{channel=\"inbox\",result=\"duplicate\"} 1"));
  EXPECT_EQ(lateness_.Summarize(clock_.Now(), absl::Minutes(5)).count, 2);
}

TEST_F(ConsumerTest, UndecodablePayloadsAreDeadAndStorageErrorsRetried) {
  reminders::Claimed garbage;
  garbage.id = absl::StrCat(owner_, "/2024-04-23/due");
  garbage.payload = "\xff\xff\xff";
  pb::ReminderPayload other = Payload("due", absl::CivilDay(2024, 4, 23));
  reminders::Claimed mismatched = Claim(other);
  mismatched.id = absl::StrCat(owner_, "/2024-04-24/due");
  const pb::ReminderPayload good = Payload("before-1d", absl::CivilDay(2024, 4, 24));

  flaky_->fail = true;
  std::vector<reminders::Outcome> outcomes = consumer_->Handle({garbage, mismatched, Claim(good)});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].kind, Kind::kDead);
  EXPECT_THAT(outcomes[0].error, HasSubstr("payload"));
  EXPECT_EQ(outcomes[1].kind, Kind::kDead);
  EXPECT_THAT(outcomes[1].error, HasSubstr("is not the queue's id"));
  EXPECT_EQ(outcomes[2].kind, Kind::kRetry);
  EXPECT_EQ(outcomes[2].error, "inbox store: database or disk is full");
  EXPECT_EQ(hub_.last_seq(), 0);

  flaky_->fail = false;
  outcomes = consumer_->Handle({Claim(good)});
  EXPECT_EQ(outcomes[0].kind, Kind::kAck);
  EXPECT_EQ(hub_.last_seq(), 1);
}

TEST_F(ConsumerTest, LatenessIsMeasuredFromTheFireTimeAndWakesTheSender) {
  pb::Webhook hook;
  hook.set_display_name("Văn bản");
  hook.set_url("https://vanban.example.gov.vn/hook");
  hook.set_state(pb::WEBHOOK_STATE_ACTIVE);
  hook.set_max_attempts(3);
  ASSERT_TRUE(store_->CreateWebhook(hook, std::string(32, 's')).ok());
  pb::ReminderPayload early = Payload("due", absl::CivilDay(2024, 4, 23));
  early.set_fire_at_ms(absl::ToUnixMillis(clock_.Now() + absl::Minutes(1)));  // clock skew
  pb::ReminderPayload late = Payload("before-1d", absl::CivilDay(2024, 4, 24));
  late.set_fire_at_ms(absl::ToUnixMillis(clock_.Now() - absl::Minutes(6)));
  ASSERT_EQ(consumer_->Handle({Claim(early), Claim(late)})[1].kind, Kind::kAck);
  EXPECT_EQ(webhook_wakes_, 1);

  pb::ListNotificationsRequest request;
  absl::StatusOr<NotificationPage> page = store_->ListNotifications(InboxQuery(), std::nullopt, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->notifications.size(), 2u);
  for (const pb::Notification& n : page->notifications) {
    if (n.rule() == "due") {
      EXPECT_EQ(n.lateness().seconds(), 0);  // never negative
      EXPECT_FALSE(n.late());
    } else {
      EXPECT_EQ(n.lateness().seconds(), 360);
      EXPECT_TRUE(n.late());
    }
  }
}

}  // namespace
}  // namespace chiso::notification
