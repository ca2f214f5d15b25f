// Worker threads that drain the reminder queue: each thread owns a
// connection, claims a batch, hands it to the handler, and settles the batch
// pipelined with its next claim. When nothing is due it blocks on the wake
// marker until the next fire time (capped), instead of polling.
//
// Delivery is at least once: a reminder whose lease expires before it is
// settled (the process died, or the handler took longer than the lease) is
// handed out again with attempt + 1, and the late Ack is refused as stale.
// Consumers de-duplicate by reminder id.
#ifndef CHISO_COMMON_REMINDERS_WORKER_H_
#define CHISO_COMMON_REMINDERS_WORKER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"
#include "common/reminders/queue.h"

namespace chiso::reminders {

// What the handler decided for one claimed reminder.
struct Outcome {
  enum class Kind { kAck, kRetry, kDead };
  Kind kind = Kind::kAck;
  // For kRetry and kDead.
  std::string error;
  // For kAck: the chain's next occurrence and the generation it was built
  // with (see Ack).
  std::optional<Item> next;
  std::string generation;
};

// Processes one batch; returns one outcome per item, in order. Called on a
// worker thread; must be thread-safe across threads. If it throws, or returns
// the wrong number of outcomes, the whole batch is retried (with backoff)
// and the error is logged; the thread carries on.
using BatchHandler = std::function<std::vector<Outcome>(const std::vector<Claimed>& batch)>;

struct WorkerOptions {
  // Threads, each with its own connection (at least 1).
  int threads = 2;
  // Most reminders per claim (at least 1, at most QueueOptions.claim_limit).
  int batch = 100;
  // Longest block on the wake marker; the timer of the next fire time.
  absl::Duration max_block = absl::Seconds(5);
  // Pause after an error talking to Redis, doubling up to `max_backoff`.
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
};

// Counters for metrics and tests.
struct WorkerCounters {
  std::atomic<int64_t> claimed{0};
  std::atomic<int64_t> acked{0};
  std::atomic<int64_t> retried{0};
  std::atomic<int64_t> dead{0};
  std::atomic<int64_t> stale{0};
  std::atomic<int64_t> redis_errors{0};
};

class Worker {
 public:
  Worker(redis::Endpoint endpoint, QueueOptions queue_options, WorkerOptions options,
         BatchHandler handler);
  ~Worker();  // Stops.
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the threads; does nothing if they run. A stopped worker may be
  // started again.
  void Start();
  // Finishes the batches in hand (settling them), then stops the threads.
  // Threads blocked on the wake marker are interrupted (CLIENT UNBLOCK), so
  // this does not wait for max_block. Outcomes that cannot be settled
  // because Redis is down are given up after a few tries: their leases
  // expire and they are delivered again.
  void Stop();

  const WorkerCounters& counters() const { return counters_; }

 private:
  void Run(int index);
  // Sleeps for `d`, or less if Stop is called.
  void Pause(absl::Duration d);
  // Runs the handler on `batch` and turns its outcomes into acks and nacks.
  void Handle(const std::vector<Claimed>& batch, std::vector<Ack>& acks, std::vector<Nack>& nacks);
  void Count(const std::vector<Settle>& settled);

  redis::Endpoint endpoint_;
  QueueOptions queue_options_;
  WorkerOptions options_;
  BatchHandler handler_;
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
  // Per thread: the CLIENT ID of its connection while it blocks, else -1.
  std::unique_ptr<std::atomic<int64_t>[]> blocked_;
  std::atomic<int> running_{0};
  WorkerCounters counters_;
};

}  // namespace chiso::reminders

#endif  // CHISO_COMMON_REMINDERS_WORKER_H_
