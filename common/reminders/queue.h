// The shared reminder queue on Redis (hàng đợi nhắc việc).
//
// Redis is an index of what is due, not the system of record: producers (the
// assignment and plan services) can rebuild every pending reminder from their
// own databases. Design, keys and scripts: docs/REMINDERS.md.
//
// - Ids are deterministic ("task/<task id>/<YYYY-MM-DD>/<rule>",
//   "plan/<plan id>/<YYYY-MM-DD>/<rule>"); the id is the dedupe key here and
//   the idempotency key downstream, so scheduling twice is harmless.
// - The owner of an id is its first two segments ("task/<task id>"). Each
//   owner has a generation, set by the producer when it syncs the owner; a
//   chain continuation passed to Ack is scheduled only when its generation is
//   still the owner's, so a task completed or rescheduled while one of its
//   reminders was in flight never grows a stale chain.
// - All keys share one hash tag (Redis Cluster ready). Every script takes
//   "now" from redis.call('TIME') and does bounded work.
#ifndef CHISO_COMMON_REMINDERS_QUEUE_H_
#define CHISO_COMMON_REMINDERS_QUEUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"

namespace chiso::reminders {

struct QueueOptions {
  // Hash-tagged prefix of every key, e.g. "{rem}" gives "{rem}:due".
  std::string prefix = "{rem}";
  // How long a claimed reminder stays leased before another worker may take
  // it again (the redelivery bound after a crash).
  absl::Duration lease = absl::Seconds(30);
  // Attempts before a reminder is dead-lettered (a reaped lease counts as a
  // failed attempt).
  int max_attempts = 8;
  // Backoff after a failed attempt n (1-based): min(cap, base·2^(n−1)),
  // with full jitter.
  absl::Duration backoff_base = absl::Seconds(30);
  absl::Duration backoff_cap = absl::Hours(1);
  // How long ids of delivered and cancelled reminders are remembered.
  absl::Duration tombstone_retention = absl::Hours(24 * 14);
  // Most reminders one claim hands out, and most expired leases it reaps.
  int claim_limit = 200;
  int reap_limit = 100;
};

// A reminder to schedule.
struct Item {
  std::string id;
  // When it should fire, Unix milliseconds (already inside working hours).
  int64_t fire_at_ms = 0;
  // Opaque bytes for the consumer (a serialized ReminderPayload).
  std::string payload;
};

// A reminder handed to a worker.
struct Claimed {
  std::string id;
  int64_t fire_at_ms = 0;
  // Attempt number, 1 on first delivery; the fencing token for Ack/Nack.
  int64_t attempt = 0;
  std::string payload;
};

struct ClaimResult {
  // Redis's clock when the claim ran, Unix milliseconds.
  int64_t now_ms = 0;
  // Fire time of the earliest reminder still waiting, if any.
  std::optional<int64_t> next_fire_ms;
  std::vector<Claimed> items;
  // Leases that had expired and were returned to the queue (or dead-lettered).
  int reaped = 0;
};

// The outcome of one claimed reminder.
struct Ack {
  std::string id;
  int64_t attempt = 0;
  // The next occurrence of a chain ("overdue-3" after "overdue-2"),
  // scheduled in the same script, only if `generation` is still the owner's
  // generation (or the owner has none).
  std::optional<Item> next;
  std::string generation;
};

struct Nack {
  std::string id;
  int64_t attempt = 0;
  std::string error;
  // Dead-letter now rather than retrying (a payload that cannot be decoded).
  bool permanent = false;
};

// What happened to one Ack or Nack.
enum class Settle {
  kDone,          // acked; `next` scheduled if given and current
  kRetried,       // nacked, back in the queue with backoff
  kDeadLettered,  // nacked for the last time, or permanent
  kStale,         // the lease was lost (reaped, cancelled, or a different
                  // attempt): nothing changed
};

struct ScheduleResult {
  int scheduled = 0;  // new or moved
  int skipped = 0;    // already delivered, cancelled, or leased
};

struct SyncResult {
  int scheduled = 0;  // in `items`, now pending
  int skipped = 0;    // in `items`, but already delivered, cancelled or leased
  int removed = 0;    // pending before, not in `items`, removed
};

struct Stats {
  int64_t now_ms = 0;
  int64_t due = 0;     // pending, whatever their fire time
  int64_t ready = 0;   // of those, fire time passed
  int64_t leased = 0;
  int64_t dead = 0;
  // now − fire time of the oldest ready reminder; 0 when none.
  int64_t oldest_ready_age_ms = 0;
  std::string epoch;  // empty when the epoch key is missing
};

struct DeadLetter {
  std::string id;
  std::string payload;
  int64_t attempts = 0;
  std::string last_error;
  int64_t dead_at_ms = 0;
};

// Client of the queue for producers and operators. Not thread-safe (it owns
// one connection); make one per thread.
class Queue {
 public:
  Queue(redis::Endpoint endpoint, QueueOptions options = {});

  const QueueOptions& options() const { return options_; }
  redis::Connection& connection() { return conn_; }

  // Adds or moves reminders. An id that is leased, or has a tombstone
  // (delivered or cancelled within the retention window), is skipped.
  // Batches of any size are split into bounded script calls.
  absl::StatusOr<ScheduleResult> Schedule(const std::vector<Item>& items);

  // Makes the owner's pending reminders exactly `items` (all of whose ids
  // must belong to `owner`) and sets the owner's generation: pending ones not
  // listed are removed without a tombstone (they may come back), listed ones
  // are scheduled as by Schedule. An empty `items` clears the owner.
  absl::StatusOr<SyncResult> SyncOwner(absl::string_view owner, absl::string_view generation,
                                       const std::vector<Item>& items);

  // Removes pending reminders and leaves tombstones, so a later Schedule of
  // the same id is skipped. A leased one loses its lease (its Ack becomes
  // kStale). Returns how many were pending or leased.
  absl::StatusOr<int> Cancel(const std::vector<std::string>& ids);

  // Claims up to `limit` (at most options().claim_limit) reminders whose
  // fire time has passed, after reaping expired leases.
  absl::StatusOr<ClaimResult> Claim(int limit);
  absl::StatusOr<std::vector<Settle>> Settle(const std::vector<Ack>& acks,
                                             const std::vector<Nack>& nacks);
  // Extends the lease of a reminder still held with `attempt`.
  absl::StatusOr<bool> Extend(absl::string_view id, int64_t attempt, absl::Duration by);

  absl::StatusOr<Stats> GetStats();

  // The epoch: a random id written once; a missing epoch means Redis lost
  // its data (or was never used). EnsureEpoch returns the current epoch,
  // creating one if missing, and whether it created it.
  struct Epoch {
    std::string id;
    bool created = false;
  };
  absl::StatusOr<Epoch> EnsureEpoch();

  // Dead letters whose id starts with `prefix`, newest first, dead before
  // `before_ms` (0 for no bound; pass the last one's dead_at_ms to page on).
  absl::StatusOr<std::vector<DeadLetter>> ListDead(int limit, absl::string_view prefix = "",
                                                   int64_t before_ms = 0);
  // Moves a dead letter back to the queue with a fresh attempt count.
  // NOT_FOUND when it is not dead.
  absl::Status Requeue(absl::string_view id, int64_t fire_at_ms);

  // Leader election for reconcilers: true when `holder` holds (or now
  // acquired) the lease of `role` for `ttl`. Renewal is the same call.
  absl::StatusOr<bool> HoldLeadership(absl::string_view role, absl::string_view holder,
                                      absl::Duration ttl);
  absl::Status ReleaseLeadership(absl::string_view role, absl::string_view holder);

  // Blocks on the wake marker for at most `timeout` (BZPOPMIN with a socket
  // timeout a little longer). Returns when woken or timed out.
  absl::Status WaitForWake(absl::Duration timeout);

 private:
  QueueOptions options_;
  redis::Connection conn_;
};

// The owner of a reminder id: "task/<id>" of "task/<id>/<date>/<rule>".
// INVALID_ARGUMENT when the id does not follow the grammar.
absl::StatusOr<std::string> OwnerOf(absl::string_view reminder_id);

}  // namespace chiso::reminders

#endif  // CHISO_COMMON_REMINDERS_QUEUE_H_
