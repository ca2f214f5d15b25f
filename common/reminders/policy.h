// The reminder policy shared by the producers (the assignment service for
// tasks, the plan service for reports) and the notification service that
// delivers reminders: reminder ids, fire times inside office hours, the
// payload as queued, and how an overdue or escalation chain continues.
//
// Pure domain code: no I/O and no clock ("now" is always a parameter).
//
// Rules and when they fire (business time, Asia/Ho_Chi_Minh, UTC+7), with the
// default policy:
//   before-7d, before-1d  7 and 1 days before the due date, 08:00
//   due                   on the due date, 08:00
//   overdue-<n>           the n-th working day after the due date, 08:00
//                         (daily while overdue; NOT on the due date itself)
//   escalate-<n>          escalate-1 on the 3rd working day after the due
//                         date, then every 7 calendar days
//   checkin               a continuous task's periodic check-in date, 08:00
//   report-5wd            5 working days before a report's due date, 08:00
//   report-1d             1 day before a report's due date, 08:00
// Reminders before or on a due date that fall outside office hours move
// EARLIER to the previous working day (a reminder after the deadline is
// useless); overdue and escalation links move LATER to the next working day.

#ifndef CHISO_COMMON_REMINDERS_POLICY_H_
#define CHISO_COMMON_REMINDERS_POLICY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chiso/common/v1/types.pb.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "common/reminders/queue.h"

namespace chiso::reminders {

// The defaults of ReminderPolicy (reminder.proto), used where a field is 0 or
// empty.
inline constexpr int kDefaultFireMinute = 8 * 60;
inline constexpr int kDefaultEscalateAfterWorkingDays = 3;
inline constexpr int kDefaultEscalateEveryDays = 7;
inline constexpr int kDefaultQuietAfterReportDays = 2;
inline constexpr int kDefaultReportBeforeWorkingDays = 5;
inline constexpr int kDefaultReportBeforeDays = 1;

// Returns the policy in force: the defaults, overridden by every set field of
// `global`, then by every set field of `plan_override` (when not null). A
// field is set when non-zero (before_days: non-empty). Every field of the
// result holds its effective value:
//   - before_days: positive values only, duplicates dropped, largest first
//     (7, 1); empty after that means the default (7, 1);
//   - fire_minute: 1–1439, else 480 (08:00);
//   - escalate_after_working_days, escalate_every_days,
//     report_before_working_days, report_before_days: positive, else the
//     default;
//   - quiet_after_report_days: as given when non-zero (negative turns the
//     rule off), else 2;
//   - no_overdue: true when either sets it (proto3 cannot tell "false" from
//     "not set", so a plan cannot turn back on what the global policy turns
//     off).
chiso::notification::v1::ReminderPolicy ResolvePolicy(
    const chiso::notification::v1::ReminderPolicy& global,
    const chiso::notification::v1::ReminderPolicy* plan_override);

// The reminder owner of a task or plan by its id (the part after "tasks/" or
// "plans/"): TaskOwner("01hv3k") is "task/01hv3k", PlanOwner("7") "plan/7".
std::string TaskOwner(absl::string_view task_id);
std::string PlanOwner(absl::string_view plan_id);

// Returns "<owner>/<YYYY-MM-DD>/<rule>", e.g. ReminderId("task/01hv3k",
// 2024-04-30, "before-7d") is "task/01hv3k/2024-04-30/before-7d".
std::string ReminderId(absl::string_view owner, absl::CivilDay due, absl::string_view rule);

// A reminder id taken apart.
struct ParsedReminderId {
  std::string owner_kind;  // "task" or "plan"
  std::string owner_id;    // the task's or plan's id
  std::string owner;       // "<owner_kind>/<owner_id>"
  absl::CivilDay due;
  std::string rule;  // e.g. "before-7d", "overdue-2"
};

// Parses "<task|plan>/<id>/<YYYY-MM-DD>/<rule>". The id is 1–64 ASCII
// letters, digits, '-', '_' or '.'; the date a real date in 2000–2100; the
// rule one of before-<n>d, due, overdue-<n>, escalate-<n>, checkin,
// report-<n>wd, report-<n>d with n a positive number without leading zeros.
// Errors: InvalidArgument quoting the id and naming the bad part.
absl::StatusOr<ParsedReminderId> ParseReminderId(absl::string_view id);

// The kind of notification a rule produces: before-<n>d → TASK_DUE_SOON,
// due → TASK_DUE, overdue-<n> → TASK_OVERDUE, escalate-<n> →
// TASK_ESCALATION, checkin → TASK_CHECK_IN, report-… → REPORT_DUE; anything
// else → UNSPECIFIED.
chiso::notification::v1::NotificationKind KindOfRule(absl::string_view rule);

// Which way a reminder moves when its nominal day is not a working day.
enum class Shift {
  kEarlier,  // to the previous working day: reminders before or on a due date
  kLater,    // to the next working day: overdue and escalation links
};

// Returns the instant a reminder nominally on `day` at `minute` (minutes after
// midnight, business time) fires: `day` itself when it is a working day,
// otherwise the previous (kEarlier) or next (kLater) working day; the minute
// is clamped into office hours, 07:30 to 16:59. FireAt(cal, Monday
// 2024-04-22, 480, …) is 2024-04-22 01:00 UTC.
absl::Time FireAt(const calendar::WorkingCalendar& calendar, absl::CivilDay day, int minute,
                  Shift shift);

// The queue item of a payload: its reminder_id, fire_at_ms and serialized
// bytes.
Item ToQueueItem(const chiso::notification::v1::ReminderPayload& payload);

// Decodes a queued payload. Errors: InvalidArgument when the bytes are not a
// ReminderPayload, when its reminder_id does not parse (ParseReminderId), or
// when its rule differs from the id's.
absl::StatusOr<chiso::notification::v1::ReminderPayload> ParsePayload(absl::string_view bytes);

// The next link of a chain, for the notification service to schedule in the
// same script that acks `delivered`:
//   overdue-<n>   → overdue-<n+1> on the next working day after the link's
//                   day (the (n+1)-th working day after the due date), at the
//                   policy's fire minute;
//   escalate-<n>  → escalate-<n+1>, escalate_every_days calendar days after
//                   escalate-<n>'s nominal day (moved later to a working day);
//   anything else, a payload without `chain`, or a chain whose policy has
//   no_overdue → std::nullopt.
// The link keeps the due date, recipients, generation, subject and chain of
// `delivered`; its reminder_id, rule, kind and fire_at_ms are the new link's.
// Links are numbered from the due date, so the producer and the ack compute
// the same id and fire time for the same link.
std::optional<chiso::notification::v1::ReminderPayload> NextInChain(
    const chiso::notification::v1::ReminderPayload& delivered,
    const calendar::WorkingCalendar& calendar);

// NextInChain, skipping links whose fire time is already before `now`: after
// an outage (or a link delivered late) the chain resumes with the next link
// still to come instead of replaying every missed day, one stale "still
// overdue" after another. The notification service acks with this.
std::optional<chiso::notification::v1::ReminderPayload> NextInChainAfter(
    const chiso::notification::v1::ReminderPayload& delivered,
    const calendar::WorkingCalendar& calendar, absl::Time now);

// The nominal day (before moving it to a working day) of overdue-<n>: the
// n-th working day after `due`.
absl::CivilDay OverdueDay(const calendar::WorkingCalendar& calendar, absl::CivilDay due, int n);
// The nominal day of escalate-<n>: escalate_after_working_days working days
// after `due`, plus (n − 1) · escalate_every_days calendar days. `policy` must
// be resolved (ResolvePolicy).
absl::CivilDay EscalationDay(const calendar::WorkingCalendar& calendar,
                             const chiso::notification::v1::ReminderPolicy& policy,
                             absl::CivilDay due, int n);

// Conversions between civil days and the contracts' Date.
chiso::common::v1::Date ToProtoDate(absl::CivilDay day);
// Errors: InvalidArgument when `date` is not a real date in 2000–2100.
absl::StatusOr<absl::CivilDay> FromProtoDate(const chiso::common::v1::Date& date);

}  // namespace chiso::reminders

#endif  // CHISO_COMMON_REMINDERS_POLICY_H_
