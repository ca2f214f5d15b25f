#include "common/reminders/worker.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log/log.h"

namespace chiso::reminders {
namespace {

// Tries to settle outcomes in hand while stopping with Redis unreachable;
// after that the leases expire and the reminders are delivered again.
constexpr int kSettleTriesWhileStopping = 3;
// Claims in a row that found nothing although the next fire time had
// passed; past this the thread pauses briefly instead of spinning.
constexpr int kMaxEmptyRetries = 100;
// Redis expires the timeout of a blocking command on its server cron tick
// (hz 10 by default, so every 100 ms): a BZPOPMIN timeout ends up to that
// much late. To fire on time a thread blocks only until this much before the
// next fire time and sleeps the rest on its own clock. Markers still end the
// block at once; they are not seen during the short final sleep, which only
// matters for a reminder scheduled to fire inside that window ahead of the
// one being waited for.
constexpr absl::Duration kServerTimeoutSlack = absl::Milliseconds(100);

}  // namespace

Worker::Worker(redis::Endpoint endpoint, QueueOptions queue_options, WorkerOptions options,
               BatchHandler handler)
    : endpoint_(std::move(endpoint)),
      queue_options_(std::move(queue_options)),
      options_(std::move(options)),
      handler_(std::move(handler)) {
  options_.threads = std::max(1, options_.threads);
  options_.batch = std::max(1, std::min(options_.batch, queue_options_.claim_limit));
  options_.max_block = std::max(options_.max_block, absl::Milliseconds(1));
  options_.min_backoff = std::max(options_.min_backoff, absl::Milliseconds(1));
  options_.max_backoff = std::max(options_.max_backoff, options_.min_backoff);
}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  if (!threads_.empty()) return;
  stopping_.store(false);
  {
    absl::MutexLock lock(&mu_);
    stop_requested_ = false;
  }
  blocked_ = std::make_unique<std::atomic<int64_t>[]>(options_.threads);
  for (int i = 0; i < options_.threads; ++i) blocked_[i].store(-1);
  running_.store(options_.threads);
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { Run(i); });
}

void Worker::Stop() {
  if (threads_.empty()) return;
  stopping_.store(true);
  {
    absl::MutexLock lock(&mu_);
    stop_requested_ = true;
  }
  // A thread may publish its id just after a round of unblocking and then
  // block, so keep unblocking until every thread has finished.
  redis::Endpoint control = endpoint_;
  control.connect_timeout = std::min(control.connect_timeout, absl::Seconds(1));
  control.command_timeout = std::min(control.command_timeout, absl::Seconds(1));
  redis::Connection conn(control);
  bool reachable = true;
  while (running_.load() > 0) {
    for (int i = 0; i < options_.threads && reachable; ++i) {
      const int64_t id = blocked_[i].load();
      if (id < 0) continue;
      absl::StatusOr<redis::Reply> r = conn.Command({"CLIENT", "UNBLOCK", absl::StrCat(id)});
      // With Redis unreachable the blocked threads fail on their own.
      if (!r.ok()) reachable = false;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Worker::Pause(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stop_requested_), d);
}

void Worker::Count(const std::vector<Settle>& settled) {
  for (Settle s : settled) {
    switch (s) {
      case Settle::kDone:
        counters_.acked.fetch_add(1);
        break;
      case Settle::kRetried:
        counters_.retried.fetch_add(1);
        break;
      case Settle::kDeadLettered:
        counters_.dead.fetch_add(1);
        break;
      case Settle::kStale:
        counters_.stale.fetch_add(1);
        break;
    }
  }
}

void Worker::Handle(const std::vector<Claimed>& batch, std::vector<Ack>& acks,
                    std::vector<Nack>& nacks) {
  std::vector<Outcome> outcomes;
  std::string failure;
  try {
    outcomes = handler_(batch);
  } catch (const std::exception& e) {
    failure = absl::StrCat("handler threw: ", e.what());
  } catch (...) {
    failure = "handler threw a non-standard exception";
  }
  if (failure.empty() && outcomes.size() != batch.size()) {
    failure = absl::StrCat("handler returned ", outcomes.size(), " outcomes for ", batch.size(),
                           " reminders");
  }
  if (!failure.empty()) {
    log::Error("reminder batch failed; retrying it",
               {log::Field("error", failure), log::Field("reminders", batch.size())});
    for (const Claimed& c : batch) {
      Nack nack;
      nack.id = c.id;
      nack.attempt = c.attempt;
      nack.error = failure;
      nacks.push_back(std::move(nack));
    }
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    Outcome& o = outcomes[i];
    if (o.kind == Outcome::Kind::kAck) {
      Ack ack;
      ack.id = batch[i].id;
      ack.attempt = batch[i].attempt;
      ack.generation = std::move(o.generation);
      if (o.next.has_value()) {
        // A bad link must not block the ack: the reminder itself was handled.
        absl::StatusOr<std::string> owner = OwnerOf(o.next->id);
        if (!owner.ok() || o.next->fire_at_ms < 0) {
          log::Error("reminder chain link dropped",
                     {log::Field("reminder", batch[i].id), log::Field("next", o.next->id),
                      log::Field("error", owner.ok() ? std::string("negative fire time")
                                                     : std::string(owner.status().message()))});
        } else {
          ack.next = std::move(o.next);
        }
      }
      acks.push_back(std::move(ack));
    } else {
      Nack nack;
      nack.id = batch[i].id;
      nack.attempt = batch[i].attempt;
      nack.error = std::move(o.error);
      nack.permanent = o.kind == Outcome::Kind::kDead;
      nacks.push_back(std::move(nack));
    }
  }
}

void Worker::Run(int index) {
  Queue queue(endpoint_, queue_options_);
  std::vector<Ack> acks;
  std::vector<Nack> nacks;
  absl::Duration backoff = options_.min_backoff;
  int failed_settles_while_stopping = 0;
  int empty_retries = 0;
  const auto on_error = [&](const absl::Status& status, absl::string_view during) {
    counters_.redis_errors.fetch_add(1);
    log::Warning("reminder worker: Redis error",
                 {log::Field("during", during), log::Field("error", status.ToString()),
                  log::Field("thread", index)});
    // Whatever failed, start again on a fresh connection.
    queue.connection().Disconnect();
    Pause(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  };
  while (true) {
    const bool stopping = stopping_.load();
    const bool settling = !acks.empty() || !nacks.empty();
    if (stopping && !settling) break;
    absl::StatusOr<SettleClaimResult> result =
        queue.SettleAndClaim(acks, nacks, stopping ? 0 : options_.batch);
    if (!result.ok()) {
      if (stopping && ++failed_settles_while_stopping >= kSettleTriesWhileStopping) {
        log::Warning("reminder worker: stopping without settling; the leases will expire",
                     {log::Field("outcomes", acks.size() + nacks.size()),
                      log::Field("error", result.status().ToString())});
        break;
      }
      on_error(result.status(), settling ? "settle and claim" : "claim");
      continue;
    }
    backoff = options_.min_backoff;
    Count(result->settled);
    acks.clear();
    nacks.clear();
    if (stopping) break;

    const ClaimResult& claim = result->claim;
    if (!claim.items.empty()) {
      empty_retries = 0;
      counters_.claimed.fetch_add(static_cast<int64_t>(claim.items.size()));
      Handle(claim.items, acks, nacks);
      continue;
    }
    absl::Duration wait = options_.max_block;
    if (claim.next_fire_ms.has_value()) {
      const int64_t until = *claim.next_fire_ms - claim.now_ms;
      if (until <= 0 && ++empty_retries < kMaxEmptyRetries) continue;
      const absl::Duration to_fire = absl::Milliseconds(std::max<int64_t>(until, 1));
      if (to_fire <= kServerTimeoutSlack) {
        empty_retries = 0;
        Pause(to_fire);
        continue;
      }
      if (to_fire <= wait) wait = to_fire - kServerTimeoutSlack;
    }
    empty_retries = 0;
    absl::StatusOr<int64_t> client_id = queue.connection().ClientId();
    if (!client_id.ok()) {
      on_error(client_id.status(), "CLIENT ID");
      continue;
    }
    blocked_[index].store(*client_id);
    absl::Status waited = absl::OkStatus();
    // Checked after publishing the id, so Stop either sees the id or this
    // thread sees the flag.
    if (!stopping_.load()) waited = queue.WaitForWake(wait);
    blocked_[index].store(-1);
    if (!waited.ok()) on_error(waited, "waiting for the wake marker");
  }
  running_.fetch_sub(1);
}

}  // namespace chiso::reminders
