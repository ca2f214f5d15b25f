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
//   reminders was in flight never grows a stale chain. An owner left with no
//   pending or leased reminder forgets its generation (no Ack can then come
//   for it), so the generations kept are those of live owners only.
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
  // The fire time it was scheduled for, also on a retry or a redelivery
  // (lateness is measured against it); after a Requeue, the requeue's.
  int64_t fire_at_ms = 0;
  // Attempt number, 1 on first delivery; the fencing token for Ack/Nack.
  int64_t attempt = 0;
  std::string payload;
};

struct ClaimResult {
  // Redis's clock when the claim ran, Unix milliseconds.
  int64_t now_ms = 0;
  // When a claim next has something to do: the earliest fire time still
  // waiting or lease expiry still running, if any.
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
  // The owner already has a newer numeric generation: nothing was changed.
  bool stale = false;
};

struct Stats {
  int64_t now_ms = 0;
  int64_t due = 0;    // pending, whatever their fire time
  int64_t ready = 0;  // of those, fire time passed
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
  // The fire time it was scheduled for.
  int64_t fire_at_ms = 0;
};

// A place in the order of pending reminders: fire time, then id in byte
// order (the order of the `due` sorted set).
struct PendingPosition {
  int64_t fire_at_ms = 0;
  std::string id;
};

// Which pending reminders Queue::Pending lists.
struct PendingQuery {
  // Start just after this position (a previous page's `next`); unset: from
  // the soonest. The position need not be queued any more.
  std::optional<PendingPosition> after;
  // Most reminders to return, at least 1; more than 500 is treated as 500.
  int limit = 50;
  // Only ids starting with this, e.g. "task/01HV3K/" or "plan/".
  std::string id_prefix;
  // Only reminders whose payload, decoded as a ReminderPayload, has exactly
  // this `plan` ("plans/…"); a payload that cannot be decoded never matches.
  std::string plan;
  // Most queued reminders one call examines, 1..5000: the bound on the work
  // of a call whatever the filters.
  int max_examined = 5000;
};

// A reminder waiting in `due`.
struct PendingReminder {
  std::string id;
  // When it fires next (its score): the scheduled fire time, or the time of
  // the retry while it waits out a backoff.
  int64_t fire_at_ms = 0;
  // The fire time it was scheduled for; equal to fire_at_ms unless it is
  // waiting out a retry (or was returned by an expired lease).
  int64_t scheduled_fire_at_ms = 0;
  // Delivery attempts made so far; 0 unless it was claimed before.
  int64_t attempts = 0;
  std::string payload;
};

struct PendingPage {
  // The matching reminders, in (fire time, id) order.
  std::vector<PendingReminder> items;
  // Where the next call resumes: set when reminders are queued after the
  // last one examined (they may or may not match); unset when the end of
  // the queue was reached.
  std::optional<PendingPosition> next;
  // Queued reminders examined, matching or not.
  int examined = 0;
};

// A Settle and the next Claim, run in one round trip (the worker's loop).
struct SettleClaimResult {
  // One per Ack, then one per Nack.
  std::vector<Settle> settled;
  ClaimResult claim;
};

// The longest retry delay after failed attempt `attempt` (1-based):
// min(backoff_cap, backoff_base·2^(attempt−1)). The delay used is uniform in
// [0, that] ("full jitter"), so retries of a burst spread out.
absl::Duration MaxRetryDelay(const QueueOptions& options, int64_t attempt);

// Client of the queue for producers and operators. Not thread-safe (it owns
// one connection); make one per thread.
class Queue {
 public:
  Queue(redis::Endpoint endpoint, QueueOptions options = {});

  const QueueOptions& options() const { return options_; }
  redis::Connection& connection() { return conn_; }

  // Adds or moves reminders. An id that is leased, dead-lettered, or has a
  // tombstone (delivered or cancelled within the retention window), is
  // skipped. A pending id waiting out a retry backoff keeps its backoff when
  // scheduled again for the same fire time (a reconciler re-sending it must
  // not turn the retry into a hot loop); a different fire time moves it.
  // Batches of any size are split into bounded script calls of 500 items,
  // each atomic. INVALID_ARGUMENT for an id outside the grammar (OwnerOf) or
  // a negative fire time, before anything is written.
  absl::StatusOr<ScheduleResult> Schedule(const std::vector<Item>& items);

  // Makes the owner's pending reminders exactly `items` (all of whose ids
  // must belong to `owner`) and sets the owner's generation: pending ones not
  // listed are removed without a tombstone (they may come back), listed ones
  // are scheduled as by Schedule, leased ones are left to finish. An empty
  // `items` clears the owner. One atomic script; INVALID_ARGUMENT for an
  // owner that is not "<kind>/<id>", an empty generation, an id of another
  // owner, or more than 2000 items. A numeric generation below the owner's
  // current numeric one changes nothing (SyncResult.stale): revisions only
  // move forward, so a sync computed from an older read cannot undo a newer.
  absl::StatusOr<SyncResult> SyncOwner(absl::string_view owner, absl::string_view generation,
                                       const std::vector<Item>& items);

  // Owners whose id starts with `kind_prefix` (e.g. "task/") that have a
  // generation, i.e. were synced and still have pending or leased
  // reminders; sorted. Reconcilers clear the ones their database no longer
  // has. Iterates with HSCAN, so it does not block Redis on a large set.
  absl::StatusOr<std::vector<std::string>> Owners(absl::string_view kind_prefix);

  // Removes pending reminders and leaves tombstones, so a later Schedule of
  // the same id is skipped. A leased one loses its lease (its Ack becomes
  // kStale); a dead letter is dropped. Returns how many were pending or
  // leased.
  absl::StatusOr<int> Cancel(const std::vector<std::string>& ids);

  // Claims up to `limit` (at most options().claim_limit) reminders whose
  // fire time has passed, after reaping expired leases (back to the queue,
  // or dead-lettered once they used max_attempts) and forgetting a bounded
  // number of tombstones older than the retention. INVALID_ARGUMENT for
  // limit < 1.
  absl::StatusOr<ClaimResult> Claim(int limit);
  // Applies outcomes; returns one Settle per Ack, then one per Nack, in
  // order. An outcome applies only while its lease is held with the same
  // attempt (otherwise kStale). A retry goes back to the queue after a delay
  // drawn as MaxRetryDelay describes; the delay is relative to Redis's
  // clock, so the worker's clock does not matter.
  absl::StatusOr<std::vector<reminders::Settle>> Settle(const std::vector<Ack>& acks,
                                                        const std::vector<Nack>& nacks);
  // Settle, then Claim(limit), in one round trip. Either part may be empty:
  // no outcomes, or limit 0 for no claim.
  absl::StatusOr<SettleClaimResult> SettleAndClaim(const std::vector<Ack>& acks,
                                                   const std::vector<Nack>& nacks, int limit);
  // Extends the lease of a reminder still held with `attempt`, so that it
  // ends no earlier than `by` from now. False when the lease is lost.
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
  // `before_ms` (0 for no bound). To page on, pass the last one's dead_at_ms
  // and id: with `before_id` the bound is the position of that entry, so
  // entries dead in the same millisecond are neither skipped nor repeated.
  // One call examines at most 10000 entries, so a selective `prefix` over a
  // larger dead set may return fewer than it could. limit is 1..1000.
  absl::StatusOr<std::vector<DeadLetter>> ListDead(int limit, absl::string_view prefix = "",
                                                   int64_t before_ms = 0,
                                                   absl::string_view before_id = "");
  // The pending reminders (in `due`, neither leased nor dead) that match
  // `query`, in (fire time, id) order, from just after `query.after`: at
  // most `limit`, after examining at most `max_examined` queued reminders,
  // so a narrow filter over a long queue can return fewer than `limit`, even
  // none, with a `next` to page on. Changes nothing. Each batch of up to 500
  // entries is read atomically; between batches and calls the queue may
  // change, so a reminder moved across the cursor meanwhile can be missed
  // or listed twice. INVALID_ARGUMENT for limit < 1, max_examined outside
  // 1..5000, or an `after` with an empty id or a negative fire time.
  absl::StatusOr<PendingPage> Pending(const PendingQuery& query);

  // Moves a dead letter back to the queue with a fresh attempt count, to fire
  // at `fire_at_ms` (0 or less: now). NOT_FOUND when it is not dead.
  absl::Status Requeue(absl::string_view id, int64_t fire_at_ms);

  // Leader election for reconcilers: true when `holder` holds (or now
  // acquired) the lease of `role` for `ttl`. Renewal is the same call.
  absl::StatusOr<bool> HoldLeadership(absl::string_view role, absl::string_view holder,
                                      absl::Duration ttl);
  // Gives up the lease if `holder` holds it; otherwise does nothing.
  absl::Status ReleaseLeadership(absl::string_view role, absl::string_view holder);

  // Blocks on the wake marker for about `timeout` (BZPOPMIN with a socket
  // timeout one second longer). Returns OK when woken or timed out (at once
  // for a timeout under 1 ms); a transport error drops the connection (the
  // next call reconnects) and is returned. A marker ends the block at once,
  // but Redis ends the timeout itself on its cron tick (hz; every 100 ms by
  // default), so the return may come that much after `timeout`.
  absl::Status WaitForWake(absl::Duration timeout);

 private:
  redis::Connection::ScriptCall Call(const redis::Script& script,
                                     std::vector<std::string> args) const;
  absl::StatusOr<redis::Reply> Run(const redis::Script& script, std::vector<std::string> args,
                                   absl::string_view what);
  absl::StatusOr<std::vector<std::string>> SettleArgs(const std::vector<Ack>& acks,
                                                      const std::vector<Nack>& nacks);
  std::vector<std::string> ClaimArgs(int limit) const;

  QueueOptions options_;
  // Why options_ cannot be used, returned by every call; OK normally.
  absl::Status options_status_;
  redis::Connection conn_;
  // The fixed keys every queue script is given, in the order they expect.
  std::vector<std::string> keys_;
};

// The owner of a reminder id: "task/<id>" of "task/<id>/<date>/<rule>".
// The grammar: "<kind>/<owner id>/<YYYY-MM-DD>/<rule>", kind of a-z, owner id
// of printable ASCII except '/', rule of a-z, 0-9 and '-'. INVALID_ARGUMENT
// naming the part that does not follow it.
absl::StatusOr<std::string> OwnerOf(absl::string_view reminder_id);

}  // namespace chiso::reminders

#endif  // CHISO_COMMON_REMINDERS_QUEUE_H_
