// Worker threads that drain the reminder queue: each thread owns a
// connection, claims a batch, hands it to the handler, and settles the batch
// pipelined with its next claim. When nothing is due it blocks on the wake
// marker until the next fire time (capped), instead of polling.
#ifndef CHISO_COMMON_REMINDERS_WORKER_H_
#define CHISO_COMMON_REMINDERS_WORKER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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
// worker thread; must be thread-safe across threads.
using BatchHandler = std::function<std::vector<Outcome>(const std::vector<Claimed>& batch)>;

struct WorkerOptions {
  int threads = 2;
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

  void Start();
  // Finishes the batches in hand (settling them), then stops the threads.
  void Stop();

  const WorkerCounters& counters() const { return counters_; }

 private:
  void Run(int index);

  redis::Endpoint endpoint_;
  QueueOptions queue_options_;
  WorkerOptions options_;
  BatchHandler handler_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  WorkerCounters counters_;
};

}  // namespace chiso::reminders

#endif  // CHISO_COMMON_REMINDERS_WORKER_H_
