#ifndef CHISO_SERVICES_NOTIFICATION_QUEUE_ADMIN_H_
#define CHISO_SERVICES_NOTIFICATION_QUEUE_ADMIN_H_

// What the notification service's operator methods ask of the reminder
// queue, behind an interface so that they can be tested without Redis.
// Errors: Unavailable "reminder queue (redis): …" when Redis cannot be
// reached or does not answer in time; NotFound from Requeue.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/redis/redis.h"
#include "common/reminders/queue.h"

namespace chiso::notification {

class QueueAdmin {
 public:
  virtual ~QueueAdmin() = default;
  virtual absl::StatusOr<reminders::Stats> GetStats() = 0;
  // As reminders::Queue::ListDead: newest first, equal times in descending
  // byte order of the id; after (before_ms, before_id) when both are given,
  // dead strictly before before_ms when only it is.
  virtual absl::StatusOr<std::vector<reminders::DeadLetter>> ListDead(
      int limit, absl::string_view prefix, int64_t before_ms, absl::string_view before_id) = 0;
  virtual absl::Status Requeue(absl::string_view id, int64_t fire_at_ms) = 0;
  // As reminders::Queue::Pending: the pending reminders in (fire time, id)
  // order after `query.after`, a bounded number examined per call.
  virtual absl::StatusOr<reminders::PendingPage> Pending(const reminders::PendingQuery& query) = 0;
};

// The queue on Redis: one connection shared by the callers, one call at a
// time (operator calls are rare; the workers have their own connections).
std::unique_ptr<QueueAdmin> NewRedisQueueAdmin(redis::Endpoint endpoint,
                                               reminders::QueueOptions options);

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_QUEUE_ADMIN_H_
