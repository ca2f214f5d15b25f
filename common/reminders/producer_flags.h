// The command-line flags every reminder producer (the plan and assignment
// services) shares, and what they configure. Each flag falls back to a
// CHISO_* environment variable (docs/OPERATIONS.md).
#ifndef CHISO_COMMON_REMINDERS_PRODUCER_FLAGS_H_
#define CHISO_COMMON_REMINDERS_PRODUCER_FLAGS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "common/redis/redis.h"
#include "common/reminders/producer.h"
#include "common/reminders/queue.h"

namespace chiso::reminders {

struct ProducerSetup {
  // Where the queue is; nullopt when --redis is empty (reminders off).
  std::optional<redis::Endpoint> endpoint;
  QueueOptions queue;
  ProducerOptions producer;
  // The working calendar: built in, plus --calendar_file.
  calendar::WorkingCalendar calendar;
  // The suite-wide policy (--reminder_policy_file); plans may override it.
  chiso::notification::v1::ReminderPolicy policy;
  // How far back a missed reminder is still sent (late) after Redis lost it.
  absl::Duration lookback = absl::Hours(24 * 7);
};

// Reads --redis, --calendar_file, --reminder_policy_file, --reminder_lookback
// and --reconcile_interval. `role` names the reconciler's leadership lease.
// Errors name the flag and what is wrong with it.
absl::StatusOr<ProducerSetup> ProducerSetupFromFlags(absl::string_view role);

// Starts a producer over `source` when setup.endpoint is set; returns null,
// after logging that reminders are off, when it is not. The arguments must
// outlive the producer.
std::unique_ptr<Producer> StartProducer(const ProducerSetup& setup, ReminderSource* source,
                                        const civil::Clock* clock, prometheus::Registry* registry);

// Parses a ReminderPolicy in protobuf text format, e.g.
//   before_days: 7  before_days: 3  escalate_after_working_days: 5
absl::StatusOr<chiso::notification::v1::ReminderPolicy> ParsePolicyText(absl::string_view text);

}  // namespace chiso::reminders

#endif  // CHISO_COMMON_REMINDERS_PRODUCER_FLAGS_H_
