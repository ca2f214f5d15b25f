// The report-due reminders a plan should have pending in the shared queue as
// of now (nhắc báo cáo định kỳ): what the plan service syncs for owner
// "plan/<id>" after every write and on reconciliation. Pure domain code: the
// caller passes the plan, the policy and "now".
//
// Only an ISSUED plan has reminders. Each reporting rule (chế độ báo cáo) is
// expanded into report due dates over the plan's period (DOMAIN.md), keeping
// those on or after the date of issue; each due date gets
//   report-<n>wd  n working days before it (default 5), and
//   report-<n>d   n calendar days before it (default 1), moved earlier to a
//                 working day,
// at the policy's fire minute, to the plan's issuer unit (the unit that must
// send the report, RECIPIENT_ROLE_REPORTING_UNIT). As for tasks, reminders
// that fired before now − lookback, or before the plan was issued, are not
// desired.

#ifndef CHISO_SERVICES_PLAN_REPORT_REMINDERS_H_
#define CHISO_SERVICES_PLAN_REPORT_REMINDERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/calendar/working_calendar.h"

namespace chiso::plan {

// The days a reporting rule falls due on when the document gives none
// (DOMAIN.md, "Deadlines and reports"); configurable per deployment.
struct ReportDefaults {
  // Day of every month for a monthly rule.
  int monthly_day = 20;
  // Day of the quarter's last month (March, June, September, December).
  int quarterly_day = 20;
  // Day of June and of December for a semiannual rule.
  int semiannual_day = 20;
  // Month and day of an annual rule: 15 December.
  int annual_month = 12;
  int annual_day = 15;
};

// One report due date of a plan.
struct ReportDue {
  absl::CivilDay due;
  // Index into Plan.reporting_rules of the rule it comes from (the first,
  // when several rules fall due on the same date).
  int rule_index = 0;
  // What is reported, in Vietnamese, e.g. "Báo cáo định kỳ quý III/2024 kế
  // hoạch 60/KH-STNMT".
  std::string subject;
};

// Returns the report due dates of `plan`'s reporting rules, sorted, one per
// date. Per rule, over the plan years (Plan.period, else the year of issue;
// clamped to 2000–2100):
//   monthly     day `day` (default monthly_day) of every month;
//   quarterly   day `day` (default quarterly_day) of March, June, September
//               and December;
//   semiannual  day `day` (default semiannual_day) of June and December;
//   annual      `month` (default annual_month), day `day` (default
//               annual_day);
//   once        `due_date`, also outside the period years.
// A day beyond the month's length is its last day (31 → 30/4). Only dates on
// or after the date of issue (when set) are kept. Rules without a frequency,
// and a once rule without a valid date, give nothing. Never fails.
std::vector<ReportDue> ReportDueDates(const chiso::plan::v1::Plan& plan,
                                      const ReportDefaults& defaults = {});

// Everything besides the plan that its reminders depend on.
struct ReportReminderContext {
  // The policy in force for the plan (ResolvePolicy); unset fields take their
  // defaults.
  chiso::notification::v1::ReminderPolicy policy;
  ReportDefaults defaults;
  // How far back a reminder that should already have fired is still desired.
  absl::Duration lookback = absl::Hours(7 * 24);
  // The instant the reminders are computed for.
  absl::Time now = absl::UnixEpoch();
  // The working calendar; null means WorkingCalendar::Builtin().
  const calendar::WorkingCalendar* calendar = nullptr;
  // The units above the plan's issuer unit, nearest first (Recipient.ancestors,
  // which the notification service scopes inboxes by).
  std::vector<std::string> issuer_ancestors;
};

// Returns the desired reminders of `plan` as of ctx.now, ordered by fire time
// then id, each with reminder_id "plan/<id>/<YYYY-MM-DD>/<rule>", kind
// REPORT_DUE, rule, plan, due_date, fire_at_ms, the issuer unit as recipient
// (with ctx.issuer_ancestors as its ancestors),
// subject (ReportDue.subject), plan_number, plan_title and generation
// (plan.etag). A plan that is not ISSUED, or whose issuer has no unit
// resource name (no inbox to remind), gives none.
// Errors: InvalidArgument when plan.name is not "plans/{id}".
absl::StatusOr<std::vector<chiso::notification::v1::ReminderPayload>> DesiredPlanReminders(
    const chiso::plan::v1::Plan& plan, const ReportReminderContext& ctx);

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_REPORT_REMINDERS_H_
