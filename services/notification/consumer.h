#ifndef CHISO_SERVICES_NOTIFICATION_CONSUMER_H_
#define CHISO_SERVICES_NOTIFICATION_CONSUMER_H_

// The reminder queue's consumer: the BatchHandler the queue workers call
// with each claimed batch. For every reminder it decodes the payload, builds
// the notification, stores it (idempotently on reminder_id, with its webhook
// outbox rows, the whole batch in one transaction), wakes the streams, and
// acks with the chain's next link. The worker settles the batch after the
// handler returns, so a crash anywhere leaves at most a redelivery after the
// lease, which the reminder_id's uniqueness absorbs: an inbox never shows a
// reminder twice, and a redelivered link still continues its chain.
//
// Outcomes:
//   payload that cannot be decoded, or whose id is not the queue's → dead,
//     with the error (retrying cannot help);
//   storage error → retry, with the error (the queue backs off, and
//     dead-letters after its last attempt);
//   stored, or already stored → ack, with the chain's next link still to
//     come (NextInChainAfter: after an outage the chain resumes instead of
//     replaying every missed day) and the payload's generation.

#include <functional>
#include <vector>

#include "absl/time/time.h"
#include "common/calendar/working_calendar.h"
#include "common/civil/clock.h"
#include "common/reminders/worker.h"
#include "services/notification/delivery_hub.h"
#include "services/notification/lateness_window.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/notification_store.h"

namespace chiso::notification {

struct ConsumerOptions {
  // Delivered later than this after its fire time, a notification is marked
  // late (gửi muộn).
  absl::Duration late_threshold = absl::Minutes(5);
};

class ReminderConsumer {
 public:
  // None of the pointers is owned; all must outlive the consumer. `metrics`
  // and `lateness` may be null; `on_webhook_work` (may be empty) is called
  // when a batch queued webhook deliveries.
  ReminderConsumer(NotificationStore* store, DeliveryHub* hub,
                   const calendar::WorkingCalendar* calendar, const civil::Clock* clock,
                   NotificationMetrics* metrics, LatenessWindow* lateness,
                   std::function<void()> on_webhook_work, ConsumerOptions options = {});

  // One outcome per item, in order. Thread-safe.
  std::vector<reminders::Outcome> Handle(const std::vector<reminders::Claimed>& batch);

  // Handle, as a reminders::BatchHandler.
  reminders::BatchHandler AsHandler();

 private:
  NotificationStore* store_;
  DeliveryHub* hub_;
  const calendar::WorkingCalendar* calendar_;
  const civil::Clock* clock_;
  NotificationMetrics* metrics_;
  LatenessWindow* lateness_;
  std::function<void()> on_webhook_work_;
  ConsumerOptions options_;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_CONSUMER_H_
