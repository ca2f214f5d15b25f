#ifndef CHISO_SERVICES_NOTIFICATION_LATENESS_WINDOW_H_
#define CHISO_SERVICES_NOTIFICATION_LATENESS_WINDOW_H_

// The lateness of recent deliveries, kept in memory for GetQueueStats's
// percentiles over a window of up to an hour (the Prometheus histogram keeps
// the long run, across replicas). Bounded: the oldest entries go first when
// more than `capacity` deliveries fall inside the hour.

#include <cstdint>
#include <deque>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace chiso::notification {

struct LatenessSummary {
  int64_t count = 0;
  absl::Duration p50;
  absl::Duration p99;
  absl::Duration max;
};

class LatenessWindow {
 public:
  explicit LatenessWindow(absl::Duration span = absl::Hours(1), size_t capacity = 500000);

  // Records one delivery at `delivered` that was `lateness` late.
  void Add(absl::Time delivered, absl::Duration lateness);
  // The deliveries of the last `window` before `now` (nearest-rank
  // percentiles; zeros when there are none).
  LatenessSummary Summarize(absl::Time now, absl::Duration window) const;

 private:
  void Trim(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration span_;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  // (delivery time, lateness), oldest first.
  std::deque<std::pair<absl::Time, absl::Duration>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_LATENESS_WINDOW_H_
