// The producer side of the reminder queue, shared by the assignment service
// (task reminders) and the plan service (report reminders).
//
// A service tells the producer which owners ("task/<id>", "plan/<id>")
// changed after its own write has committed; the producer then makes the
// queue match what the service's database says (Queue::SyncOwner). Writes
// never wait for Redis and never fail because of it: owners that could not be
// synced stay pending in memory and are retried with backoff.
//
// Reconciliation: one replica at a time (elected through a Redis lease)
// re-syncs every owner from the database — at start, every
// `reconcile_interval`, and at once when the queue's epoch shows that Redis
// lost its data. Owners that have reminders in Redis but no longer exist or
// are no longer active in the database are cleared. A crash between a commit
// and its sync is healed by the next reconciliation.
#ifndef CHISO_COMMON_REMINDERS_PRODUCER_H_
#define CHISO_COMMON_REMINDERS_PRODUCER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/civil/clock.h"
#include "common/redis/redis.h"
#include "common/reminders/queue.h"

namespace prometheus {
class Registry;
class Gauge;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace chiso::reminders {

// What a producer reads from its own database.
class ReminderSource {
 public:
  virtual ~ReminderSource();

  // The owner kind this source produces, "task" or "plan".
  virtual std::string kind() const = 0;

  struct Desired {
    // Changes whenever the owner changes (its etag); see Queue::SyncOwner.
    std::string generation;
    // Every reminder the owner should have pending as of `now`.
    std::vector<Item> items;
  };
  // The reminders of `owner` ("task/<id>") as of `now`. An owner that no
  // longer exists, or is closed, has none.
  virtual absl::StatusOr<Desired> DesiredFor(absl::string_view owner, absl::Time now) = 0;

  // Owners that may have reminders: open tasks, issued plans.
  virtual absl::StatusOr<std::vector<std::string>> ActiveOwners() = 0;
};

struct ProducerOptions {
  // Name of the leadership lease of this producer's reconciler, e.g.
  // "assignment".
  std::string role;
  // Full reconciliation period.
  absl::Duration reconcile_interval = absl::Minutes(5);
  // How often the reconciler checks its leadership and the queue's epoch.
  absl::Duration check_interval = absl::Seconds(5);
  // Leadership lease; renewed every check.
  absl::Duration leader_ttl = absl::Seconds(30);
  // Backoff of a failed sync, doubling.
  absl::Duration retry_min = absl::Milliseconds(200);
  absl::Duration retry_max = absl::Seconds(10);
};

class Producer {
 public:
  // `source`, `clock` and `registry` (may be null) must outlive the producer.
  Producer(redis::Endpoint endpoint, QueueOptions queue_options, ProducerOptions options,
           ReminderSource* source, const civil::Clock* clock,
           prometheus::Registry* registry = nullptr);
  ~Producer();  // Stops.
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Starts the sync and reconciler threads.
  void Start();
  void Stop();

  // Records that `owner` changed; returns at once. Safe from any thread.
  void Changed(absl::string_view owner);
  void Changed(const std::vector<std::string>& owners);

  // Syncs the owners recorded so far and waits until none is pending, or
  // `timeout` passes (DEADLINE_EXCEEDED, with the count still pending).
  absl::Status Flush(absl::Duration timeout);

  // One full reconciliation pass now, whoever leads: hands every owner of
  // the database and of the queue to the sync thread (Start first) and waits
  // until they are synced. Returns how many owners the pass covered.
  absl::StatusOr<int> ReconcileAll();

  // Owners waiting to be synced.
  size_t pending() const;
  // Whether this replica currently leads reconciliation.
  bool leading() const { return leading_.load(); }
  // Completed full reconciliations.
  int64_t reconciliations() const { return reconciliations_.load(); }

 private:
  void SyncLoop();
  void ReconcileLoop();
  absl::Status SyncOne(Queue& queue, const std::string& owner);
  absl::StatusOr<int> ReconcileWith(Queue& queue);

  redis::Endpoint endpoint_;
  QueueOptions queue_options_;
  ProducerOptions options_;
  ReminderSource* source_;
  const civil::Clock* clock_;
  std::string holder_;

  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> pending_ ABSL_GUARDED_BY(mu_);
  // Owners taken by the sync thread and not yet synced.
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<bool> leading_{false};
  std::atomic<int64_t> reconciliations_{0};
  std::thread sync_thread_;
  std::thread reconcile_thread_;

  prometheus::Gauge* pending_gauge_ = nullptr;
  prometheus::Gauge* leader_gauge_ = nullptr;
  prometheus::Gauge* last_reconcile_gauge_ = nullptr;
  prometheus::Counter* sync_ok_ = nullptr;
  prometheus::Counter* sync_error_ = nullptr;
  prometheus::Counter* reconcile_ok_ = nullptr;
  prometheus::Counter* reconcile_error_ = nullptr;
  prometheus::Counter* epoch_changes_ = nullptr;
};

}  // namespace chiso::reminders

#endif  // CHISO_COMMON_REMINDERS_PRODUCER_H_
