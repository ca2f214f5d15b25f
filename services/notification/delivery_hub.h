#ifndef CHISO_SERVICES_NOTIFICATION_DELIVERY_HUB_H_
#define CHISO_SERVICES_NOTIFICATION_DELIVERY_HUB_H_

// Wakes Subscribe streams when the delivery log grows. The log itself is the
// store: a stream reads what follows its cursor from the store and waits here
// for a larger sequence number, so a notification committed while a stream
// was reading is never missed (the wait compares numbers, it does not count
// signals), and a slow stream holds no queue in memory.

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace chiso::notification {

class DeliveryHub {
 public:
  // `last_seq` is the last seq in the store when the service starts.
  explicit DeliveryHub(int64_t last_seq = 0);

  // Records that the log holds everything up to `seq` (committed).
  void Published(int64_t seq);
  // The last seq published.
  int64_t last_seq() const;

  // What ended a wait.
  enum class Wake { kGrown, kTimeout, kShutdown };
  // Waits until the log holds more than `after_seq`, `timeout` passes, or
  // the hub shuts down.
  Wake WaitBeyond(int64_t after_seq, absl::Duration timeout);

  // Ends every wait, now and later, with kShutdown.
  void Shutdown();
  bool shutting_down() const;

 private:
  mutable absl::Mutex mu_;
  int64_t last_seq_ ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_DELIVERY_HUB_H_
