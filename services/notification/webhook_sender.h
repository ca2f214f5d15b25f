#ifndef CHISO_SERVICES_NOTIFICATION_WEBHOOK_SENDER_H_
#define CHISO_SERVICES_NOTIFICATION_WEBHOOK_SENDER_H_

// Drains the webhook outbox: background threads claim due deliveries from
// the store and POST each notification to its webhook, signed:
//   Content-Type: application/json
//   Idempotency-Key: <reminder_id>
//   X-Chiso-Timestamp: <Unix seconds when sent>
//   X-Chiso-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<body>"
//                      keyed with the webhook's secret>
// with the Notification in the proto3 JSON mapping (read times unset) as the
// body. A 2xx answer within the timeout is success; anything else is tried
// again after an exponential backoff with jitter, until the webhook's
// max_attempts, then dead-lettered. Paused webhooks get nothing (their
// deliveries wait). A crash while a request is in flight repeats it after the
// claim's lease: receivers de-duplicate on Idempotency-Key.

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "common/civil/clock.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/notification_store.h"

namespace chiso::notification {

// "sha256=<lower-case hex HMAC-SHA256 of "<timestamp>.<body>" keyed with
// `secret`>".
std::string SignatureHeader(absl::string_view secret, absl::string_view timestamp,
                            absl::string_view body);

// The body of a webhook request: `n` in the proto3 JSON mapping, read times
// unset.
std::string NotificationJson(const chiso::notification::v1::Notification& n);

struct WebhookSenderOptions {
  int threads = 2;
  // Deliveries one thread claims at a time.
  int batch = 20;
  // How long a claimed delivery is kept from other senders.
  absl::Duration lease = absl::Seconds(60);
  // Longest wait for an answer.
  absl::Duration timeout = absl::Seconds(10);
  // Backoff after failed attempt n (1-based): d = min(cap, base·2^(n−1)),
  // then a uniformly random wait in [d/2, d].
  absl::Duration backoff_base = absl::Seconds(5);
  absl::Duration backoff_cap = absl::Hours(1);
  // Longest idle wait before looking at the outbox again.
  absl::Duration idle_poll = absl::Seconds(1);
};

class WebhookSender {
 public:
  // None of the pointers is owned; all must outlive the sender. `metrics`
  // may be null.
  WebhookSender(NotificationStore* store, const civil::Clock* clock, NotificationMetrics* metrics,
                WebhookSenderOptions options = {});
  ~WebhookSender();  // Stops.
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void Start();
  // Lets requests in flight finish (at most the timeout), then stops.
  void Stop();
  // There may be new work in the outbox: look now.
  void Wake();

  // The backoff before the attempt after failed attempt `attempt` (1-based).
  static absl::Duration Backoff(const WebhookSenderOptions& options, int attempt);

 private:
  void Run();
  // Sends one delivery and records the outcome.
  void Send(const OutboxDelivery& delivery);

  NotificationStore* store_;
  const civil::Clock* clock_;
  NotificationMetrics* metrics_;
  WebhookSenderOptions options_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_WEBHOOK_SENDER_H_
