#include "services/notification/notification_metrics.h"

namespace chiso::notification {
namespace {

prometheus::Histogram::BucketBoundaries LatenessBuckets() {
  // From a few milliseconds (the queue's normal precision) to a day (a
  // reminder missed while Redis was down and restored by reconciliation).
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,  1,     2.5,  5,
          10,    30,   60,    300,  900, 1800, 3600, 21600, 86400};
}

}  // namespace

NotificationMetrics::NotificationMetrics(prometheus::Registry& registry)
    : reminders_(prometheus::BuildGauge()
                     .Name("chiso_reminders")
                     .Help("Reminders in the shared queue by state (due, leased, dead).")
                     .Register(registry)),
      due_(reminders_.Add({{"state", "due"}})),
      leased_(reminders_.Add({{"state", "leased"}})),
      dead_(reminders_.Add({{"state", "dead"}})),
      oldest_age_(prometheus::BuildGauge()
                      .Name("chiso_reminder_oldest_due_age_seconds")
                      .Help("Now minus the fire time of the oldest unclaimed reminder whose fire "
                            "time has passed; 0 when there is none.")
                      .Register(registry)
                      .Add({})),
      lateness_(prometheus::BuildHistogram()
                    .Name("chiso_reminder_lateness_seconds")
                    .Help("Delivery time minus fire time of delivered reminders.")
                    .Register(registry)
                    .Add({}, LatenessBuckets())),
      delivered_(prometheus::BuildCounter()
                     .Name("chiso_notifications_delivered_total")
                     .Help("Notifications delivered, by channel (inbox, stream, webhook) and "
                           "result (ok, duplicate, error).")
                     .Register(registry)) {
  const char* channels[] = {"inbox", "stream", "webhook"};
  const char* results[] = {"ok", "duplicate", "error"};
  for (int c = 0; c < 3; ++c) {
    for (int r = 0; r < 3; ++r) {
      series_[c][r] = &delivered_.Add({{"channel", channels[c]}, {"result", results[r]}});
    }
  }
}

void NotificationMetrics::SetQueue(int64_t due, int64_t leased, int64_t dead,
                                   absl::Duration oldest_due_age) {
  due_.Set(static_cast<double>(due));
  leased_.Set(static_cast<double>(leased));
  dead_.Set(static_cast<double>(dead));
  oldest_age_.Set(absl::ToDoubleSeconds(oldest_due_age));
}

void NotificationMetrics::ObserveLateness(absl::Duration lateness) {
  lateness_.Observe(absl::ToDoubleSeconds(lateness));
}

void NotificationMetrics::Delivered(Channel channel, Result result, int64_t n) {
  series_[static_cast<int>(channel)][static_cast<int>(result)]->Increment(static_cast<double>(n));
}

}  // namespace chiso::notification
