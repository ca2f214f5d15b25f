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
    return pending_.empty() && in_flight_ == 0;
  };
  if (mu_.AwaitWithTimeout(absl::Condition(&drained), timeout)) return absl::OkStatus();
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
    std::vector<std::string> failed;
    absl::Status first_error;
    for (const auto& owner : batch) {
      absl::Status status = SyncOne(queue, owner);
      if (status.ok()) {
        if (sync_ok_ != nullptr) sync_ok_->Increment();
        continue;
      }
      if (sync_error_ != nullptr) sync_error_->Increment();
      if (first_error.ok()) first_error = status;
      failed.push_back(owner);
      // With Redis unreachable every other owner would fail the same way.
      if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
        for (const auto& rest : batch) {
          if (rest != owner && std::find(failed.begin(), failed.end(), rest) == failed.end()) {
            failed.push_back(rest);
          }
        }
        break;
      }
    }
    // Owners synced in this batch before the failure are done; keep the rest.
    absl::MutexLock lock(&mu_);
    for (auto& owner : failed) pending_.insert(std::move(owner));
    in_flight_ = 0;
    if (pending_gauge_ != nullptr) pending_gauge_->Set(static_cast<double>(pending_.size()));
    if (first_error.ok()) {
      backoff = options_.retry_min;
      continue;
    }
    log::Warning("reminder sync failed; will retry",
                 {{"owners", static_cast<int64_t>(failed.size())},
                  {"error", first_error.ToString()},
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
  if (!active.ok()) return active.status();
  auto known = queue.Owners(absl::StrCat(source_->kind(), "/"));
  if (!known.ok()) return known.status();
  absl::flat_hash_set<std::string> owners(active->begin(), active->end());
  owners.insert(known->begin(), known->end());
  int synced = 0;
  absl::Status first_error;
  for (const auto& owner : owners) {
    absl::Status status = SyncOne(queue, owner);
    if (status.ok()) {
      ++synced;
      continue;
    }
    if (first_error.ok()) first_error = status;
    if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) break;
  }
  if (!first_error.ok()) {
    if (reconcile_error_ != nullptr) reconcile_error_->Increment();
    return first_error;
  }
  reconciliations_.fetch_add(1);
  if (reconcile_ok_ != nullptr) reconcile_ok_->Increment();
  if (last_reconcile_gauge_ != nullptr) {
    last_reconcile_gauge_->Set(absl::ToDoubleSeconds(clock_->Now() - absl::UnixEpoch()));
  }
  return synced;
}

void Producer::ReconcileLoop() {
  Queue queue(endpoint_, queue_options_);
  std::string last_epoch;
  absl::Time last_full = absl::InfinitePast();
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
      absl::Time now = absl::Now();
      if (epoch.ok() && (lost || now - last_full >= options_.reconcile_interval)) {
        auto result = ReconcileWith(queue);
        if (result.ok()) {
          last_full = now;
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
