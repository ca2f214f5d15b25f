// The producer keeps the queue in step with a service's database: changes are
// synced without ever blocking or failing the write, a Redis outage is caught
// up, lost data is rebuilt, and only one replica reconciles at a time.
#include "common/reminders/producer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/civil/clock.h"
#include "common/reminders/queue.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_server.h"

namespace chiso::reminders {
namespace {

using ::testing::IsEmpty;

// A database of owners, each with its reminders and generation.
class FakeSource : public ReminderSource {
 public:
  std::string kind() const override { return "task"; }

  absl::StatusOr<Desired> DesiredFor(absl::string_view owner, absl::Time) override {
    absl::MutexLock lock(&mu_);
    ++calls_;
    auto it = owners_.find(std::string(owner));
    if (it == owners_.end()) return Desired{};
    return it->second;
  }

  absl::StatusOr<std::vector<std::string>> ActiveOwners() override {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> owners;
    for (const auto& [owner, desired] : owners_) owners.push_back(owner);
    return owners;
  }

  void Set(const std::string& owner, const std::string& generation,
           std::vector<std::pair<std::string, int64_t>> items) {
    absl::MutexLock lock(&mu_);
    Desired desired;
    desired.generation = generation;
    for (const auto& [suffix, fire] : items) {
      Item item;
      item.id = absl::StrCat(owner, "/", suffix);
      item.fire_at_ms = fire;
      item.payload = "p";
      desired.items.push_back(item);
    }
    owners_[owner] = desired;
  }
  void Erase(const std::string& owner) {
    absl::MutexLock lock(&mu_);
    owners_.erase(owner);
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, Desired> owners_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

// Far in the future, so nothing is claimed by accident.
constexpr int64_t kLater = 4102444800000;  // 2100-01-01

class ProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CHISO_START_REDIS_OR_SKIP(redis_);
    queue_ = std::make_unique<Queue>(redis_.endpoint(), QueueOptions());
  }

  ProducerOptions Options(absl::Duration check = absl::Milliseconds(50)) {
    ProducerOptions options;
    options.role = "test";
    options.check_interval = check;
    options.leader_ttl = absl::Seconds(2);
    options.retry_min = absl::Milliseconds(20);
    options.retry_max = absl::Milliseconds(200);
    return options;
  }

  // Ids pending in the queue (due or leased), via the owner's SyncOwner-free
  // view: dead letters and tombstones excluded.
  int64_t Due() { return queue_->GetStats()->due; }

  // Waits until `done` holds, up to 20 s (generous: this is behaviour, not
  // speed).
  template <typename F>
  bool Eventually(F done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return done();
  }

  test_support::RedisServer redis_;
  std::unique_ptr<Queue> queue_;
  FakeSource source_;
  civil::FakeClock clock_{absl::FromUnixSeconds(1714000000)};
};

TEST_F(ProducerTest, SyncsChangedOwnersAndRemovesWhatTheyNoLongerWant) {
  Producer producer(redis_.endpoint(), QueueOptions(), Options(absl::Hours(1)), &source_, &clock_);
  producer.Start();
  source_.Set("task/a", "1", {{"2100-01-01/before-7d", kLater}, {"2100-01-01/due", kLater}});
  producer.Changed("task/a");
  ASSERT_TRUE(producer.Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(Due(), 2);

  // The task was rescheduled: one reminder moves, the other goes away.
  source_.Set("task/a", "2", {{"2100-02-01/due", kLater}});
  producer.Changed("task/a");
  ASSERT_TRUE(producer.Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(Due(), 1);

  // Completed: nothing left.
  source_.Erase("task/a");
  producer.Changed("task/a");
  ASSERT_TRUE(producer.Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(Due(), 0);
  producer.Stop();
}

TEST_F(ProducerTest, ARedisOutageNeverBlocksAChangeAndIsCaughtUpAfter) {
  Producer producer(redis_.endpoint(), QueueOptions(), Options(absl::Hours(1)), &source_, &clock_);
  producer.Start();
  ASSERT_TRUE(redis_.Stop().ok());

  source_.Set("task/a", "1", {{"2100-01-01/due", kLater}});
  const absl::Time before = absl::Now();
  producer.Changed("task/a");
  // The write path returns at once, whatever Redis does.
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
  EXPECT_TRUE(Eventually([&] { return source_.calls() >= 2; }));  // retried
  EXPECT_EQ(producer.pending(), 1u);

  ASSERT_TRUE(redis_.Start().ok());
  ASSERT_TRUE(producer.Flush(absl::Seconds(20)).ok());
  queue_ = std::make_unique<Queue>(redis_.endpoint(), QueueOptions());
  EXPECT_EQ(Due(), 1);
  producer.Stop();
}

TEST_F(ProducerTest, RebuildsTheQueueWhenRedisLostItsData) {
  source_.Set("task/a", "1", {{"2100-01-01/due", kLater}});
  source_.Set("task/b", "1", {{"2100-01-02/due", kLater}, {"2100-01-02/before-1d", kLater}});
  Producer producer(redis_.endpoint(), QueueOptions(), Options(), &source_, &clock_);
  producer.Start();
  // The first pass runs at start.
  ASSERT_TRUE(Eventually([&] { return producer.reconciliations() >= 1; }));
  EXPECT_EQ(Due(), 3);
  const int64_t passes = producer.reconciliations();

  // Redis restarts empty (no persistence, a failover to an empty replica…).
  redis_.Kill();
  ASSERT_TRUE(redis_.Start(/*wipe_data=*/true).ok());
  queue_ = std::make_unique<Queue>(redis_.endpoint(), QueueOptions());
  // The reconcile interval is 5 minutes: only the epoch can trigger this.
  EXPECT_TRUE(Eventually([&] { return producer.reconciliations() > passes && Due() == 3; }));
  producer.Stop();
}

TEST_F(ProducerTest, ReconciliationClearsOwnersTheDatabaseNoLongerHas) {
  // A task completed while its sync was lost (a crash right after commit):
  // its reminders are still in the queue.
  ASSERT_TRUE(queue_
                  ->SyncOwner("task/gone", "3", {[] {
                                Item item;
                                item.id = "task/gone/2100-01-01/due";
                                item.fire_at_ms = kLater;
                                item.payload = "p";
                                return item;
                              }()})
                  .ok());
  source_.Set("task/kept", "1", {{"2100-01-01/due", kLater}});
  Producer producer(redis_.endpoint(), QueueOptions(), Options(absl::Hours(1)), &source_, &clock_);
  producer.Start();
  absl::StatusOr<int> synced = producer.ReconcileAll();
  ASSERT_TRUE(synced.ok()) << synced.status();
  EXPECT_EQ(*synced, 2);
  EXPECT_EQ(Due(), 1);
  absl::StatusOr<ClaimResult> none = queue_->Claim(10);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->items, IsEmpty());
  producer.Stop();
}

TEST_F(ProducerTest, AnOwnerThatCannotBeSyncedDoesNotHoldUpTheOthers) {
  Producer producer(redis_.endpoint(), QueueOptions(), Options(absl::Hours(1)), &source_, &clock_);
  producer.Start();
  // More reminders than one owner may have: refused by the queue.
  std::vector<std::pair<std::string, int64_t>> many;
  for (int i = 0; i < 2001; ++i)
    many.push_back({absl::StrCat("2100-01-01/before-", i + 1, "d"), kLater});
  source_.Set("task/huge", "1", many);
  source_.Set("task/fine", "1", {{"2100-01-01/due", kLater}});
  producer.Changed(std::vector<std::string>{"task/huge", "task/fine"});
  ASSERT_TRUE(producer.Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(Due(), 1);
  producer.Stop();
}

TEST_F(ProducerTest, ASyncFromAnOlderRevisionCannotUndoANewerOne) {
  Item item;
  item.id = "task/a/2100-01-01/due";
  item.fire_at_ms = kLater;
  item.payload = "p";
  // Revision 5 (the task was cancelled: nothing) is applied first; the
  // reconciler of another replica then applies what it read at revision 4.
  Item other = item;
  other.id = "task/a/2100-01-02/due";
  ASSERT_TRUE(queue_->SyncOwner("task/a", "5", {other}).ok());
  absl::StatusOr<SyncResult> stale = queue_->SyncOwner("task/a", "4", {item});
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_TRUE(stale->stale);
  EXPECT_EQ(Due(), 1);
  absl::StatusOr<SyncResult> newer = queue_->SyncOwner("task/a", "6", {item});
  ASSERT_TRUE(newer.ok());
  EXPECT_FALSE(newer->stale);
  EXPECT_EQ(newer->removed, 1);
}

TEST_F(ProducerTest, OnlyOneReplicaLeadsAndAnotherTakesOverWhenItStops) {
  auto first =
      std::make_unique<Producer>(redis_.endpoint(), QueueOptions(), Options(), &source_, &clock_);
  Producer second(redis_.endpoint(), QueueOptions(), Options(), &source_, &clock_);
  first->Start();
  ASSERT_TRUE(Eventually([&] { return first->leading(); }));
  second.Start();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_TRUE(first->leading());
  EXPECT_FALSE(second.leading());

  first->Stop();  // releases the lease
  EXPECT_TRUE(Eventually([&] { return second.leading(); }));
  second.Stop();
}

}  // namespace
}  // namespace chiso::reminders
