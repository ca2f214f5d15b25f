// Where the assignment service's reminder producer reads what a task's
// reminders should be: the task, its units and people, its latest report and
// the plan as remembered, all from this service's own database (no other
// service is called to rebuild the queue).
#ifndef CHISO_SERVICES_ASSIGNMENT_TASK_REMINDER_SOURCE_H_
#define CHISO_SERVICES_ASSIGNMENT_TASK_REMINDER_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "common/reminders/producer.h"
#include "services/assignment/assignment_store.h"

namespace chiso::assignment {

class TaskReminderSource : public reminders::ReminderSource {
 public:
  // `store` and `calendar` must outlive the source.
  TaskReminderSource(AssignmentStore* store, const calendar::WorkingCalendar* calendar,
                     chiso::notification::v1::ReminderPolicy global_policy,
                     absl::Duration lookback);

  std::string kind() const override { return "task"; }
  absl::StatusOr<Desired> DesiredFor(absl::string_view owner, absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> ActiveOwners() override;

 private:
  AssignmentStore* store_;
  const calendar::WorkingCalendar* calendar_;
  chiso::notification::v1::ReminderPolicy global_policy_;
  absl::Duration lookback_;
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_TASK_REMINDER_SOURCE_H_
