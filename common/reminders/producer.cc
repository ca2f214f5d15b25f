#include "common/reminders/producer.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log/log.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace chiso::reminders {
namespace {

// Owners synced per wake of the sync thread; the rest wait for the next turn.
constexpr size_t kSyncBatch = 100;

std::string HolderId() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  absl::BitGen gen;
  return absl::StrFormat("%s/%d/%08x", host, static_cast<int>(getpid()),
                         absl::Uniform<uint32_t>(gen));
}

}  // namespace

ReminderSource::~ReminderSource() = default;

Producer::Producer(redis::Endpoint endpoint, QueueOptions queue_options, ProducerOptions options,
                   ReminderSource* source, const civil::Clock* clock,
                   prometheus::Registry* registry)
    : endpoint_(std::move(endpoint)),
      queue_options_(std::move(queue_options)),
      options_(std::move(options)),
      source_(source),
      clock_(clock),
      holder_(HolderId()) {
  if (registry == nullptr) return;
  pending_gauge_ = &prometheus::BuildGauge()
                        .Name("chiso_reminder_sync_pending")
                        .Help("Owners (tasks, plans) changed but not yet synced to the queue")
                        .Register(*registry)
                        .Add({});
  leader_gauge_ = &prometheus::BuildGauge()
                       .Name("chiso_reminder_reconciler_leader")
                       .Help("1 while this replica leads reminder reconciliation")
                       .Register(*registry)
                       .Add({});
  last_reconcile_gauge_ =
      &prometheus::BuildGauge()
           .Name("chiso_reminder_reconcile_last_success_timestamp_seconds")
           .Help("Unix time of the last complete reconciliation by this replica")
           .Register(*registry)
           .Add({});
  auto& syncs = prometheus::BuildCounter()
                    .Name("chiso_reminder_syncs_total")
                    .Help("Owners synced to the reminder queue, by result")
                    .Register(*registry);
  sync_ok_ = &syncs.Add({{"result", "ok"}});
  sync_error_ = &syncs.Add({{"result", "error"}});
  auto& passes = prometheus::BuildCounter()
                     .Name("chiso_reminder_reconciliations_total")
                     .Help("Full reconciliations of the reminder queue, by result")
                     .Register(*registry);
  reconcile_ok_ = &passes.Add({{"result", "ok"}});
  reconcile_error_ = &passes.Add({{"result", "error"}});
  epoch_changes_ = &prometheus::BuildCounter()
                        .Name("chiso_reminder_epoch_changes_total")
                        .Help("Times the queue's epoch showed that Redis lost its data")
                        .Register(*registry)
                        .Add({});
}

Producer::~Producer() { Stop(); }

void Producer::Start() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  if (!sync_thread_.joinable()) sync_thread_ = std::thread([this] { SyncLoop(); });
  if (!reconcile_thread_.joinable()) {
    reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
  }
}

void Producer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (sync_thread_.joinable()) sync_thread_.join();
  if (reconcile_thread_.joinable()) reconcile_thread_.join();
}

void Producer::Changed(absl::string_view owner) {
  absl::MutexLock lock(&mu_);
  pending_.insert(std::string(owner));
  if (pending_gauge_ != nullptr) pending_gauge_->Set(static_cast<double>(pending_.size()));
}

void Producer::Changed(const std::vector<std::string>& owners) {
  absl::MutexLock lock(&mu_);
  for (const auto& owner : owners) pending_.insert(owner);
  if (pending_gauge_ != nullptr) pending_gauge_->Set(static_cast<double>(pending_.size()));
}

size_t Producer::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_.size() + in_flight_;
}

absl::Status Producer::Flush(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (pending_.empty() && in_flight_ == 0) || stopping_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&drained), timeout);
  if (pending_.empty() && in_flight_ == 0) return absl::OkStatus();
  if (stopping_) return absl::CancelledError("the producer is stopping");
  return absl::DeadlineExceededError(
      absl::StrCat(pending_.size() + in_flight_, " reminder owners still waiting to be synced"));
}

absl::Status Producer::SyncOne(Queue& queue, const std::string& owner) {
  auto desired = source_->DesiredFor(owner, clock_->Now());
  if (!desired.ok()) return desired.status();
  // An owner gone from the database has no generation of its own; any
  // non-empty value differs from those its queued links carry, so an
  // in-flight chain of it stops.
  const std::string generation = desired->generation.empty() ? "gone" : desired->generation;
  auto synced = queue.SyncOwner(owner, generation, desired->items);
  if (!synced.ok()) return synced.status();
  return absl::OkStatus();
}

void Producer::SyncLoop() {
  Queue queue(endpoint_, queue_options_);
  absl::Duration backoff = options_.retry_min;
  while (true) {
    std::vector<std::string> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !pending_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;  // what is pending is healed by the next reconciliation
      while (!pending_.empty() && batch.size() < kSyncBatch) {
        auto it = pending_.begin();
        batch.push_back(*it);
        pending_.erase(it);
      }
      in_flight_ = batch.size();
    }
    std::vector<std::string> retry;
    absl::Status unavailable;
    for (size_t i = 0; i < batch.size(); ++i) {
      absl::Status status = SyncOne(queue, batch[i]);
      if (status.ok()) {
        if (sync_ok_ != nullptr) sync_ok_->Increment();
        continue;
      }
      if (sync_error_ != nullptr) sync_error_->Increment();
      if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
        // Redis (or the database) is away: this owner and the rest of the
        // batch wait for it.
        unavailable = status;
        retry.assign(batch.begin() + static_cast<std::ptrdiff_t>(i), batch.end());
        break;
      }
      // Anything else is about this owner alone (bad data, too many
      // reminders): retrying it in a loop would hold up every other owner.
      // The error is logged and counted; the next reconciliation tries again.
      log::Error("cannot sync the reminders of an owner; skipped until the next reconciliation",
                 {{"owner", batch[i]}, {"error", status.ToString()}});
    }
    absl::MutexLock lock(&mu_);
    for (auto& owner : retry) pending_.insert(std::move(owner));
    in_flight_ = 0;
    if (pending_gauge_ != nullptr) pending_gauge_->Set(static_cast<double>(pending_.size()));
    if (unavailable.ok()) {
      backoff = options_.retry_min;
      continue;
    }
    log::Warning("reminder sync failed; will retry",
                 {{"owners", static_cast<int64_t>(retry.size())},
                  {"error", unavailable.ToString()},
                  {"retry_in_ms", absl::ToInt64Milliseconds(backoff)}});
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
    backoff = std::min(backoff * 2, options_.retry_max);
  }
}

absl::StatusOr<int> Producer::ReconcileAll() {
  Queue queue(endpoint_, queue_options_);
  return ReconcileWith(queue);
}

absl::StatusOr<int> Producer::ReconcileWith(Queue& queue) {
  auto active = source_->ActiveOwners();
  absl::Status status = active.status();
  absl::StatusOr<std::vector<std::string>> known;
  if (status.ok()) {
    known = queue.Owners(absl::StrCat(source_->kind(), "/"));
    status = known.status();
  }
  if (status.ok()) {
    absl::flat_hash_set<std::string> owners(active->begin(), active->end());
    owners.insert(known->begin(), known->end());
    // The sync thread is the only writer of this replica, so a pass can
    // never apply an owner's state read before a newer change was synced.
    Changed(std::vector<std::string>(owners.begin(), owners.end()));
    // A large pass may take longer than the leadership lease: keep renewing
    // it while the sync thread works through the owners.
    const absl::Time deadline =
        absl::Now() + std::max(options_.reconcile_interval, absl::Minutes(1));
    while (true) {
      status = Flush(std::max(absl::Milliseconds(10),
                              std::min(options_.check_interval, deadline - absl::Now())));
      if (status.ok() || absl::Now() >= deadline) break;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) break;
      }
      (void)queue.HoldLeadership(options_.role, holder_, options_.leader_ttl);
    }
    if (status.ok()) {
      reconciliations_.fetch_add(1);
      if (reconcile_ok_ != nullptr) reconcile_ok_->Increment();
      if (last_reconcile_gauge_ != nullptr) {
        // Wall time, for the staleness alert: clock_ is the business clock,
        // which --today may fix at a date of the past.
        last_reconcile_gauge_->Set(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
      }
      return static_cast<int>(owners.size());
    }
  }
  if (reconcile_error_ != nullptr) reconcile_error_->Increment();
  return status;
}

void Producer::ReconcileLoop() {
  Queue queue(endpoint_, queue_options_);
  std::string last_epoch;
  absl::Time last_full = absl::InfinitePast();
  // Set when Redis lost its data; kept until a pass has rebuilt the queue.
  bool rebuild = false;
  while (true) {
    auto lead = queue.HoldLeadership(options_.role, holder_, options_.leader_ttl);
    bool leading = lead.ok() && *lead;
    if (leading != leading_.load()) {
      log::Info(leading ? "leading reminder reconciliation" : "no longer leading reconciliation",
                {{"role", options_.role}, {"holder", holder_}});
    }
    leading_.store(leading);
    if (leader_gauge_ != nullptr) leader_gauge_->Set(leading ? 1 : 0);
    if (leading) {
      bool lost = false;
      auto epoch = queue.EnsureEpoch();
      if (epoch.ok()) {
        lost = epoch->created || (!last_epoch.empty() && epoch->id != last_epoch);
        if (lost && !last_epoch.empty()) {
          log::Warning("the reminder queue lost its data; rebuilding it from the database",
                       {{"role", options_.role}, {"epoch", epoch->id}});
          if (epoch_changes_ != nullptr) epoch_changes_->Increment();
        }
        last_epoch = epoch->id;
      }
      rebuild = rebuild || lost;
      absl::Time now = absl::Now();
      if (epoch.ok() && (rebuild || now - last_full >= options_.reconcile_interval)) {
        auto result = ReconcileWith(queue);
        if (result.ok()) {
          last_full = now;
          rebuild = false;
          log::Info("reminders reconciled", {{"role", options_.role}, {"owners", *result}});
        } else {
          log::Warning("reminder reconciliation failed; will retry",
                       {{"role", options_.role}, {"error", result.status().ToString()}});
        }
      }
    } else if (!lead.ok()) {
      log::Debug("reminder reconciler cannot reach Redis", {{"error", lead.status().ToString()}});
    }
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.check_interval)) break;
  }
  if (leading_.load()) {
    (void)queue.ReleaseLeadership(options_.role, holder_);
    leading_.store(false);
  }
}

}  // namespace chiso::reminders
