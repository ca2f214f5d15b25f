#include "services/notification/queue_admin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace chiso::notification {
namespace {

// Transport failures and timeouts both mean "Redis cannot be reached" to a
// caller, who retries; other errors (NotFound…) pass through.
absl::Status Mapped(const absl::Status& status) {
  if (status.ok()) return status;
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return absl::UnavailableError(absl::StrCat("reminder queue (redis): ", status.message()));
  }
  return status;
}

class RedisQueueAdmin : public QueueAdmin {
 public:
  RedisQueueAdmin(redis::Endpoint endpoint, reminders::QueueOptions options)
      : queue_(std::move(endpoint), std::move(options)) {}

  absl::StatusOr<reminders::Stats> GetStats() override {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<reminders::Stats> stats = queue_.GetStats();
    if (!stats.ok()) return Mapped(stats.status());
    return stats;
  }

  absl::StatusOr<std::vector<reminders::DeadLetter>> ListDead(
      int limit, absl::string_view prefix, int64_t before_ms,
      absl::string_view before_id) override {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<std::vector<reminders::DeadLetter>> dead =
        queue_.ListDead(limit, prefix, before_ms, before_id);
    if (!dead.ok()) return Mapped(dead.status());
    return dead;
  }

  absl::Status Requeue(absl::string_view id, int64_t fire_at_ms) override {
    absl::MutexLock lock(&mu_);
    return Mapped(queue_.Requeue(id, fire_at_ms));
  }

  absl::StatusOr<reminders::PendingPage> Pending(const reminders::PendingQuery& query) override {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<reminders::PendingPage> page = queue_.Pending(query);
    if (!page.ok()) return Mapped(page.status());
    return page;
  }

 private:
  absl::Mutex mu_;
  reminders::Queue queue_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<QueueAdmin> NewRedisQueueAdmin(redis::Endpoint endpoint,
                                               reminders::QueueOptions options) {
  return std::make_unique<RedisQueueAdmin>(std::move(endpoint), std::move(options));
}

}  // namespace chiso::notification
