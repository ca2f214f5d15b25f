// An injectable source of the current time. Code that needs "now" takes a
// Clock* (through its constructor or options) instead of calling absl::Now(),
// so tests can control time with a FakeClock.

#ifndef CHISO_COMMON_CIVIL_CLOCK_H_
#define CHISO_COMMON_CIVIL_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace chiso::civil {

// A source of the current instant. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock();

  // Returns the current instant.
  virtual absl::Time Now() const = 0;

  // Returns the clock backed by the system clock (absl::Now()). It is
  // stateless, never null and never destroyed; do not delete it.
  static Clock* Real();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  // Starts at `start`; by default the Unix epoch.
  explicit FakeClock(absl::Time start = absl::UnixEpoch());

  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  // Returns the instant last set.
  absl::Time Now() const override;

  // Sets the current instant; it may move backwards.
  void Set(absl::Time now);

  // Moves the current instant by `d` (which may be negative).
  void Advance(absl::Duration d);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chiso::civil

#endif  // CHISO_COMMON_CIVIL_CLOCK_H_
