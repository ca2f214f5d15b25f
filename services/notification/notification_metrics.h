#ifndef CHISO_SERVICES_NOTIFICATION_NOTIFICATION_METRICS_H_
#define CHISO_SERVICES_NOTIFICATION_NOTIFICATION_METRICS_H_

// Domain metrics of the notification service, for dashboards and alerts:
//   chiso_reminders{state}                  reminders in the queue: due,
//                                           leased, dead (from Redis)
//   chiso_reminder_oldest_due_age_seconds   now − fire time of the oldest
//                                           unclaimed ready reminder
//   chiso_reminder_lateness_seconds         histogram of delivery − fire time
//   chiso_notifications_delivered_total{channel, result}
//                                           channel inbox|stream|webhook,
//                                           result ok|duplicate|error

#include <cstdint>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace chiso::notification {

class NotificationMetrics {
 public:
  // Registers on `registry`, which must outlive this object.
  explicit NotificationMetrics(prometheus::Registry& registry);

  enum class Channel { kInbox, kStream, kWebhook };
  enum class Result { kOk, kDuplicate, kError };

  // The queue's state as last read from Redis.
  void SetQueue(int64_t due, int64_t leased, int64_t dead, absl::Duration oldest_due_age);
  void ObserveLateness(absl::Duration lateness);
  void Delivered(Channel channel, Result result, int64_t n = 1);

 private:
  prometheus::Family<prometheus::Gauge>& reminders_;
  prometheus::Gauge& due_;
  prometheus::Gauge& leased_;
  prometheus::Gauge& dead_;
  prometheus::Gauge& oldest_age_;
  prometheus::Histogram& lateness_;
  prometheus::Family<prometheus::Counter>& delivered_;
  // [channel][result], all made up front so dashboards see zeros.
  prometheus::Counter* series_[3][3];
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_NOTIFICATION_METRICS_H_
