// The reminders a task should have pending in the shared queue as of now
// (nhắc việc): what the assignment service syncs for owner "task/<id>" after
// every write and on reconciliation. Pure domain code: the caller loads the
// task, the directory entries of its units and people and its last progress
// report, and passes "now".
//
// Per open occurrence (TaskOccurrence not DONE or CANCELLED) of an open task,
// with the resolved ReminderPolicy (common/reminders/policy.h):
//   - before-<n>d and due, moved earlier to a working day, to the lead and
//     coordinating units;
//   - the overdue chain (overdue-<n> on every working day after the due date,
//     to the lead and coordinating units) and the escalation chain
//     (escalate-<n>, to the supervisor and the lead unit's head), moved later
//     to a working day, unless the policy has no_overdue. Of each chain only
//     two links are desired: the latest that already fired within the
//     lookback (so a link missed while Redis lost its data is still delivered,
//     late) and the next one after now (so a re-sync never removes the link an
//     ack has just scheduled). The acks of the notification service grow the
//     chain from there (NextInChain).
// A continuous task (milestones "Thường xuyên") gets a "checkin" at each
// check-in date of ExpandOccurrences, moved earlier, to the lead and
// coordinating units; it has no chain.
//
// Links that fire before now − lookback, or before the task was created, are
// not desired: they are either delivered already or never concerned anyone.
// Titles and bodies are not built here; the notification service builds them
// from the payload.

#ifndef CHISO_SERVICES_ASSIGNMENT_TASK_REMINDERS_H_
#define CHISO_SERVICES_ASSIGNMENT_TASK_REMINDERS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "services/assignment/task_domain.h"

namespace chiso::assignment {

// The directory entries recipients are snapshotted from.
struct ReminderDirectory {
  struct UnitEntry {
    // The unit's official name; the task's UnitRef.display_name is used when
    // empty or when the unit is missing here.
    std::string display_name;
    // Head of the unit (thủ trưởng), "people/{id}"; empty when unknown.
    std::string head;
    // Ancestors of the unit, "units/{id}", nearest first.
    std::vector<std::string> ancestors;
  };
  struct PersonEntry {
    // Full name, e.g. "Nguyễn Văn A".
    std::string display_name;
    // Post (chức vụ), e.g. "Phó Chủ tịch UBND huyện"; may be empty.
    std::string title;
    // The unit the person works in, "units/{id}"; may be empty.
    std::string unit;
  };
  // Keyed by "units/{id}" and "people/{id}".
  absl::flat_hash_map<std::string, UnitEntry> units;
  absl::flat_hash_map<std::string, PersonEntry> people;
};

// Everything besides the task that its reminders depend on.
struct TaskReminderContext {
  // The task's plan: its name (used when task.plan is empty), period and
  // date of issue, over which continuous check-ins are expanded.
  PlanFacts plan;
  // The plan's number and title, for the body: "60/KH-STNMT".
  std::string plan_number;
  std::string plan_title;
  // The policy in force for the plan (ResolvePolicy of the global policy and
  // the plan's override). Unset fields take their defaults.
  chiso::notification::v1::ReminderPolicy policy;
  // Unit names, heads and ancestors, people's names and units; null means
  // none known (recipients then carry the names written on the task).
  const ReminderDirectory* directory = nullptr;
  // When the latest progress report on the task (any occurrence) was made;
  // an overdue link firing less than quiet_after_report_days after it is
  // skipped, and the chain resumes with the first link after the quiet
  // window.
  std::optional<absl::Time> last_report_time;
  // How far back a link that should already have fired is still desired.
  absl::Duration lookback = absl::Hours(7 * 24);
  // The instant the reminders are computed for.
  absl::Time now = absl::UnixEpoch();
  // The working calendar; null means WorkingCalendar::Builtin().
  const calendar::WorkingCalendar* calendar = nullptr;
};

// Returns the desired reminders of `task` as of ctx.now, ordered by fire time
// then id, each with reminder_id "task/<id>/<YYYY-MM-DD>/<rule>", kind, rule,
// task, plan, due_date, fire_at_ms (inside office hours), recipients,
// subject (the task's title, with the occurrence's label when it has one),
// lead_unit_display_name, plan_number, plan_title, generation (task.etag),
// and `chain` on overdue and escalation links. A DONE or CANCELLED task gives
// none; so does a DONE or CANCELLED occurrence. Units without a resource name
// (a group written as text) receive nothing: they have no inbox. The
// escalation chain is left out when the task has neither a supervisor nor a
// lead unit head to escalate to.
// `task.occurrences` must be filled with their statuses (ComputeDerived).
// Errors: InvalidArgument when task.name is not "tasks/{id}".
absl::StatusOr<std::vector<chiso::notification::v1::ReminderPayload>> DesiredTaskReminders(
    const chiso::assignment::v1::Task& task, const TaskReminderContext& ctx);

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_TASK_REMINDERS_H_
