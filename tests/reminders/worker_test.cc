// Worker threads draining the queue from a private redis-server.
#include "common/reminders/worker.h"

#include <atomic>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_server.h"

namespace chiso::reminders {
namespace {

Item At(const std::string& id, int64_t fire_at_ms) {
  Item item;
  item.id = id;
  item.fire_at_ms = fire_at_ms;
  item.payload = absl::StrCat("payload of ", id);
  return item;
}

int64_t UnixMillis() { return absl::ToUnixMillis(absl::Now()); }

// What a handler saw, for assertions from the test thread.
class Recorder {
 public:
  // Acks everything, remembering when each id came and with which attempt.
  std::vector<Outcome> Record(const std::vector<Claimed>& batch) {
    const int64_t now = UnixMillis();
    absl::MutexLock lock(&mu_);
    for (const Claimed& c : batch) {
      ++count_[c.id];
      attempts_[c.id] = c.attempt;
      if (now < c.fire_at_ms) ++early_;
      if (c.payload != absl::StrCat("payload of ", c.id)) ++wrong_payload_;
    }
    return std::vector<Outcome>(batch.size());
  }

  // Waits until `n` distinct ids were handled, at most `timeout`.
  bool WaitForDistinct(size_t n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  bool WaitFor(const std::string& id, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_.count(id) > 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }

  std::map<std::string, int> counts() const {
    absl::MutexLock lock(&mu_);
    return count_;
  }
  int64_t attempt(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    auto it = attempts_.find(id);
    return it == attempts_.end() ? 0 : it->second;
  }
  int early() const {
    absl::MutexLock lock(&mu_);
    return early_;
  }
  int wrong_payload() const {
    absl::MutexLock lock(&mu_);
    return wrong_payload_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, int> count_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> attempts_ ABSL_GUARDED_BY(mu_);
  int early_ ABSL_GUARDED_BY(mu_) = 0;
  int wrong_payload_ ABSL_GUARDED_BY(mu_) = 0;
};

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override { CHISO_START_REDIS_OR_SKIP(redis_); }

  std::unique_ptr<Worker> MakeWorker(WorkerOptions options, BatchHandler handler,
                                     QueueOptions queue_options = {}) {
    return std::make_unique<Worker>(redis_.endpoint(), std::move(queue_options), std::move(options),
                                    std::move(handler));
  }
  BatchHandler RecordInto(Recorder& recorder) {
    return [&recorder](const std::vector<Claimed>& batch) { return recorder.Record(batch); };
  }
  Stats StatsNow() {
    Queue q(redis_.endpoint());
    absl::StatusOr<Stats> stats = q.GetStats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : Stats();
  }

  test_support::RedisServer redis_;
};

TEST_F(WorkerTest, EachOfManyRemindersIsHandledExactlyOnceAcrossTwoThreads) {
  Recorder recorder;
  WorkerOptions options;
  options.threads = 2;
  options.batch = 100;
  auto worker = MakeWorker(options, RecordInto(recorder));
  worker->Start();

  Queue q(redis_.endpoint());
  const int64_t start = UnixMillis() + 300;
  std::vector<Item> items;
  for (int i = 0; i < 2000; ++i) {
    items.push_back(At(absl::StrCat("task/", i, "/2025-07-04/due"), start + i % 500));
  }
  absl::StatusOr<ScheduleResult> s = q.Schedule(items);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->scheduled, 2000);

  ASSERT_TRUE(recorder.WaitForDistinct(2000, absl::Seconds(60)));
  worker->Stop();
  std::map<std::string, int> counts = recorder.counts();
  ASSERT_EQ(counts.size(), 2000u);
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(recorder.early(), 0);
  EXPECT_EQ(recorder.wrong_payload(), 0);
  EXPECT_EQ(worker->counters().claimed.load(), 2000);
  EXPECT_EQ(worker->counters().acked.load(), 2000);
  EXPECT_EQ(worker->counters().stale.load(), 0);
  Stats stats = StatsNow();
  EXPECT_EQ(stats.due, 0);
  EXPECT_EQ(stats.leased, 0);
}

TEST_F(WorkerTest, ABlockedWorkerWakesForANewNearReminder) {
  Recorder recorder;
  WorkerOptions options;
  options.threads = 1;
  options.max_block = absl::Seconds(120);
  auto worker = MakeWorker(options, RecordInto(recorder));
  worker->Start();
  // Let it find the queue empty and block for max_block.
  absl::SleepFor(absl::Milliseconds(500));
  Queue q(redis_.endpoint());
  const std::string id = "task/1/2025-07-04/due";
  ASSERT_TRUE(q.Schedule({At(id, UnixMillis() + 300)}).ok());
  EXPECT_TRUE(recorder.WaitFor(id, absl::Seconds(60)));
  EXPECT_EQ(recorder.early(), 0);
  worker->Stop();
}

TEST_F(WorkerTest, ContinuesAfterTheRedisServerRestarts) {
  Recorder recorder;
  WorkerOptions options;
  options.threads = 2;
  options.max_block = absl::Seconds(2);
  options.min_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(200);
  auto worker = MakeWorker(options, RecordInto(recorder));
  worker->Start();
  {
    Queue q(redis_.endpoint());
    ASSERT_TRUE(q.Schedule({At("task/1/2025-07-04/due", UnixMillis())}).ok());
  }
  ASSERT_TRUE(recorder.WaitFor("task/1/2025-07-04/due", absl::Seconds(30)));

  redis_.Kill();
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_TRUE(redis_.Start().ok());

  Queue q(redis_.endpoint());
  const std::string id = "task/2/2025-07-04/due";
  absl::Status scheduled;
  for (int i = 0; i < 3; ++i) {
    scheduled = q.Schedule({At(id, UnixMillis())}).status();
    if (scheduled.ok()) break;
  }
  ASSERT_TRUE(scheduled.ok()) << scheduled;
  EXPECT_TRUE(recorder.WaitFor(id, absl::Seconds(60)));
  EXPECT_GT(worker->counters().redis_errors.load(), 0);
  worker->Stop();
}

TEST_F(WorkerTest, StopInterruptsThreadsBlockedOnTheWakeMarker) {
  Recorder recorder;
  WorkerOptions options;
  options.threads = 3;
  options.max_block = absl::Minutes(10);
  auto worker = MakeWorker(options, RecordInto(recorder));
  worker->Start();
  absl::SleepFor(absl::Milliseconds(500));
  const absl::Time start = absl::Now();
  worker->Stop();
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
  // And it can run again.
  worker->Start();
  Queue q(redis_.endpoint());
  ASSERT_TRUE(q.Schedule({At("task/3/2025-07-04/due", UnixMillis())}).ok());
  EXPECT_TRUE(recorder.WaitFor("task/3/2025-07-04/due", absl::Seconds(60)));
  worker->Stop();
}

TEST_F(WorkerTest, StopSettlesTheBatchInHand) {
  absl::Notification in_handler;
  absl::Notification release;
  WorkerOptions options;
  options.threads = 1;
  auto worker = MakeWorker(options, [&](const std::vector<Claimed>& batch) {
    in_handler.Notify();
    release.WaitForNotification();
    return std::vector<Outcome>(batch.size());
  });
  worker->Start();
  Queue q(redis_.endpoint());
  ASSERT_TRUE(q.Schedule({At("task/4/2025-07-04/due", UnixMillis())}).ok());
  ASSERT_TRUE(in_handler.WaitForNotificationWithTimeout(absl::Seconds(60)));
  std::thread stopper([&] { worker->Stop(); });
  absl::SleepFor(absl::Milliseconds(100));
  release.Notify();
  stopper.join();
  EXPECT_EQ(worker->counters().acked.load(), 1);
  Stats stats = StatsNow();
  EXPECT_EQ(stats.leased, 0);
  EXPECT_EQ(stats.due, 0);
}

TEST_F(WorkerTest, AThrowingHandlerDoesNotKillTheThreadAndTheBatchIsRetried) {
  Recorder recorder;
  std::atomic<int> calls{0};
  WorkerOptions options;
  options.threads = 1;
  QueueOptions queue_options;
  queue_options.backoff_base = absl::Milliseconds(10);
  queue_options.backoff_cap = absl::Milliseconds(10);
  auto worker = MakeWorker(
      options,
      [&](const std::vector<Claimed>& batch) {
        if (calls.fetch_add(1) == 0) throw std::runtime_error("template missing");
        return recorder.Record(batch);
      },
      queue_options);
  worker->Start();
  Queue q(redis_.endpoint());
  const std::string id = "task/5/2025-07-04/due";
  ASSERT_TRUE(q.Schedule({At(id, UnixMillis())}).ok());
  ASSERT_TRUE(recorder.WaitFor(id, absl::Seconds(60)));
  EXPECT_EQ(recorder.attempt(id), 2);
  worker->Stop();
  EXPECT_EQ(worker->counters().retried.load(), 1);
  EXPECT_EQ(worker->counters().acked.load(), 1);
}

TEST_F(WorkerTest, OutcomesRetryDeadLetterAndContinueChains) {
  Recorder recorder;
  WorkerOptions options;
  options.threads = 1;
  QueueOptions queue_options;
  queue_options.backoff_base = absl::Milliseconds(10);
  queue_options.backoff_cap = absl::Milliseconds(10);
  const std::string retried = "task/6/2025-07-04/due";
  const std::string dead = "task/7/2025-07-04/due";
  const std::string chained = "task/8/2025-07-04/overdue-1";
  const std::string link = "task/8/2025-07-04/overdue-2";
  auto worker = MakeWorker(
      options,
      [&](const std::vector<Claimed>& batch) {
        std::vector<Outcome> outcomes = recorder.Record(batch);
        for (size_t i = 0; i < batch.size(); ++i) {
          if (batch[i].id == retried && batch[i].attempt == 1) {
            outcomes[i].kind = Outcome::Kind::kRetry;
            outcomes[i].error = "busy";
          } else if (batch[i].id == dead) {
            outcomes[i].kind = Outcome::Kind::kDead;
            outcomes[i].error = "no recipient";
          } else if (batch[i].id == chained) {
            outcomes[i].next = At(link, UnixMillis() + 50);
          }
        }
        return outcomes;
      },
      queue_options);
  worker->Start();
  Queue q(redis_.endpoint());
  const int64_t now = UnixMillis();
  ASSERT_TRUE(q.Schedule({At(retried, now), At(dead, now), At(chained, now)}).ok());
  ASSERT_TRUE(recorder.WaitFor(link, absl::Seconds(60)));
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (recorder.attempt(retried) < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(recorder.attempt(retried), 2);
  worker->Stop();
  absl::StatusOr<std::vector<DeadLetter>> letters = q.ListDead(10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].id, dead);
  EXPECT_EQ((*letters)[0].last_error, "no recipient");
  EXPECT_EQ(worker->counters().dead.load(), 1);
  EXPECT_EQ(worker->counters().retried.load(), 1);
}

}  // namespace
}  // namespace chiso::reminders
