#include "services/notification/delivery_hub.h"

#include <algorithm>

namespace chiso::notification {

DeliveryHub::DeliveryHub(int64_t last_seq) : last_seq_(last_seq) {}

void DeliveryHub::Published(int64_t seq) {
  absl::MutexLock lock(&mu_);
  last_seq_ = std::max(last_seq_, seq);
}

int64_t DeliveryHub::last_seq() const {
  absl::MutexLock lock(&mu_);
  return last_seq_;
}

DeliveryHub::Wake DeliveryHub::WaitBeyond(int64_t after_seq, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  // Runs with mu_ held (Await's contract).
  auto ready = [&]() { return shutdown_ || last_seq_ > after_seq; };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (shutdown_) return Wake::kShutdown;
  return last_seq_ > after_seq ? Wake::kGrown : Wake::kTimeout;
}

void DeliveryHub::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
}

bool DeliveryHub::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutdown_;
}

}  // namespace chiso::notification
