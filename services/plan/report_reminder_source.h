// Where the plan service's reminder producer reads what a plan's report
// reminders should be: the plan in this service's own database.
#ifndef CHISO_SERVICES_PLAN_REPORT_REMINDER_SOURCE_H_
#define CHISO_SERVICES_PLAN_REPORT_REMINDER_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/calendar/working_calendar.h"
#include "common/reminders/producer.h"
#include "common/unitdir/unit_directory.h"
#include "services/plan/plan_store.h"
#include "services/plan/report_reminders.h"

namespace chiso::plan {

class ReportReminderSource : public reminders::ReminderSource {
 public:
  // `store`, `calendar` and `units` must outlive the source. `units` (may
  // be null: no ancestors) gives the issuer unit's ancestors that every
  // reminder's recipient carries.
  ReportReminderSource(PlanStore* store, const calendar::WorkingCalendar* calendar,
                       chiso::notification::v1::ReminderPolicy global_policy,
                       absl::Duration lookback, ReportDefaults defaults = {},
                       const unitdir::UnitDirectory* units = nullptr);

  std::string kind() const override { return "plan"; }
  absl::StatusOr<Desired> DesiredFor(absl::string_view owner, absl::Time now) override;
  // Issued plans.
  absl::StatusOr<std::vector<std::string>> ActiveOwners() override;

 private:
  PlanStore* store_;
  const calendar::WorkingCalendar* calendar_;
  chiso::notification::v1::ReminderPolicy global_policy_;
  absl::Duration lookback_;
  ReportDefaults defaults_;
  const unitdir::UnitDirectory* units_;
};

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_REPORT_REMINDER_SOURCE_H_
