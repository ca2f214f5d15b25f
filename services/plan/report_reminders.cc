#include "services/plan/report_reminders.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "chiso/common/v1/types.pb.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "common/civil/business_time.h"
#include "common/civil/date.h"
#include "common/reminders/policy.h"
#include "google/protobuf/util/time_util.h"

namespace chiso::plan {
namespace {

namespace cv1 = ::chiso::common::v1;
namespace nv1 = ::chiso::notification::v1;

using ::chiso::calendar::WorkingCalendar;
using ::chiso::reminders::FireAt;
using ::chiso::reminders::Shift;

// Day `day` of the month, its last day when `day` is beyond it.
absl::CivilDay DayOfMonth(int year, int month, int day) {
  const absl::CivilDay last = absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1;
  if (day <= 0 || day > last.day()) return last;
  return absl::CivilDay(year, month, day);
}

int OrDefault(int value, int fallback) { return value > 0 ? value : fallback; }

// The plan as the subject names it: its number, else its title.
std::string PlanRef(const v1::Plan& plan) {
  return plan.number().empty() || absl::StartsWith(plan.number(), "/")
             ? absl::StrCat("kế hoạch \"", plan.title(), "\"")
             : absl::StrCat("kế hoạch ", plan.number());
}

std::string QuarterName(absl::CivilDay due) {
  static constexpr absl::string_view kRoman[] = {"I", "II", "III", "IV"};
  return absl::StrCat("quý ", kRoman[(due.month() - 1) / 3], "/", due.year());
}

// What a report due on `due` under `frequency` covers.
std::string Subject(const v1::Plan& plan, cv1::Frequency frequency, absl::CivilDay due) {
  const std::string ref = PlanRef(plan);
  switch (frequency) {
    case cv1::FREQUENCY_MONTHLY:
      return absl::StrCat("Báo cáo định kỳ tháng ", due.month(), "/", due.year(), " ", ref);
    case cv1::FREQUENCY_QUARTERLY:
      return absl::StrCat("Báo cáo định kỳ ", QuarterName(due), " ", ref);
    case cv1::FREQUENCY_SEMIANNUAL:
      return absl::StrCat("Báo cáo định kỳ 6 tháng ", due.month() <= 6 ? "đầu" : "cuối", " năm ",
                          due.year(), " ", ref);
    case cv1::FREQUENCY_ANNUAL:
      return absl::StrCat("Báo cáo định kỳ năm ", due.year(), " ", ref);
    default:
      return absl::StrCat("Báo cáo kết quả thực hiện ", ref);
  }
}

std::vector<absl::CivilDay> RuleDates(const v1::ReportingRule& rule, int first_year, int last_year,
                                      const ReportDefaults& defaults) {
  std::vector<absl::CivilDay> out;
  switch (rule.frequency()) {
    case cv1::FREQUENCY_MONTHLY:
      for (int y = first_year; y <= last_year; ++y) {
        for (int m = 1; m <= 12; ++m) {
          out.push_back(DayOfMonth(y, m, OrDefault(rule.day(), defaults.monthly_day)));
        }
      }
      break;
    case cv1::FREQUENCY_QUARTERLY:
      for (int y = first_year; y <= last_year; ++y) {
        for (int m : {3, 6, 9, 12}) {
          out.push_back(DayOfMonth(y, m, OrDefault(rule.day(), defaults.quarterly_day)));
        }
      }
      break;
    case cv1::FREQUENCY_SEMIANNUAL:
      for (int y = first_year; y <= last_year; ++y) {
        for (int m : {6, 12}) {
          out.push_back(DayOfMonth(y, m, OrDefault(rule.day(), defaults.semiannual_day)));
        }
      }
      break;
    case cv1::FREQUENCY_ANNUAL: {
      int month = OrDefault(rule.month(), defaults.annual_month);
      if (month > 12) month = 12;
      for (int y = first_year; y <= last_year; ++y) {
        out.push_back(DayOfMonth(y, month, OrDefault(rule.day(), defaults.annual_day)));
      }
      break;
    }
    case cv1::FREQUENCY_ONCE:
      if (absl::StatusOr<absl::CivilDay> d = reminders::FromProtoDate(rule.due_date()); d.ok()) {
        out.push_back(*d);
      }
      break;
    default:
      break;
  }
  return out;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixNanos(google::protobuf::util::TimeUtil::TimestampToNanoseconds(ts));
}

}  // namespace

std::vector<ReportDue> ReportDueDates(const v1::Plan& plan, const ReportDefaults& defaults) {
  std::optional<absl::CivilDay> issued_on;
  if (absl::StatusOr<absl::CivilDay> d = reminders::FromProtoDate(plan.issued_on()); d.ok()) {
    issued_on = *d;
  }
  int first_year = plan.period().start_year();
  int last_year = plan.period().end_year() > 0 ? plan.period().end_year() : first_year;
  if (first_year <= 0 && issued_on.has_value()) {
    first_year = last_year = static_cast<int>(issued_on->year());
  }
  first_year = std::max(first_year, civil::kMinYear);
  last_year = std::min(last_year, civil::kMaxYear);

  std::vector<ReportDue> out;
  absl::flat_hash_set<absl::CivilDay> seen;
  for (int i = 0; i < plan.reporting_rules_size(); ++i) {
    const v1::ReportingRule& rule = plan.reporting_rules(i);
    for (absl::CivilDay due : RuleDates(rule, first_year, last_year, defaults)) {
      if (issued_on.has_value() && due < *issued_on) continue;
      if (!seen.insert(due).second) continue;
      ReportDue report;
      report.due = due;
      report.rule_index = i;
      report.subject = Subject(plan, rule.frequency(), due);
      out.push_back(std::move(report));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ReportDue& a, const ReportDue& b) { return a.due < b.due; });
  return out;
}

absl::StatusOr<std::vector<nv1::ReminderPayload>> DesiredPlanReminders(
    const v1::Plan& plan, const ReportReminderContext& ctx) {
  absl::string_view id = plan.name();
  if (!absl::ConsumePrefix(&id, "plans/") || id.empty() || absl::StrContains(id, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("plan.name: \"", plan.name(), "\" is not a plan name (plans/{id})"));
  }
  std::vector<nv1::ReminderPayload> out;
  if (plan.status() != v1::PLAN_STATUS_ISSUED || plan.issuer().unit().empty()) return out;

  const WorkingCalendar& calendar =
      ctx.calendar != nullptr ? *ctx.calendar : WorkingCalendar::Builtin();
  const nv1::ReminderPolicy policy = reminders::ResolvePolicy(ctx.policy, nullptr);
  absl::Time earliest = ctx.now - ctx.lookback;
  if (plan.has_issue_time()) earliest = std::max(earliest, FromTimestamp(plan.issue_time()));

  nv1::Recipient issuer;
  issuer.set_unit(plan.issuer().unit());
  issuer.set_display_name(plan.issuer().display_name());
  issuer.set_role(nv1::RECIPIENT_ROLE_REPORTING_UNIT);
  for (const std::string& ancestor : ctx.issuer_ancestors) issuer.add_ancestors(ancestor);

  const std::string owner = reminders::PlanOwner(id);
  for (const ReportDue& report : ReportDueDates(plan, ctx.defaults)) {
    const int wd = policy.report_before_working_days();
    const int days = policy.report_before_days();
    const std::pair<std::string, absl::CivilDay> links[] = {
        {absl::StrCat("report-", wd, "wd"), calendar.AddWorkingDays(report.due, -wd)},
        {absl::StrCat("report-", days, "d"), report.due - days},
    };
    for (const auto& [rule, day] : links) {
      const absl::Time fire = FireAt(calendar, day, policy.fire_minute(), Shift::kEarlier);
      if (fire < earliest) continue;
      nv1::ReminderPayload p;
      p.set_reminder_id(reminders::ReminderId(owner, report.due, rule));
      p.set_kind(reminders::KindOfRule(rule));
      p.set_rule(rule);
      p.set_plan(plan.name());
      *p.mutable_due_date() = reminders::ToProtoDate(report.due);
      p.set_fire_at_ms(absl::ToUnixMillis(fire));
      *p.add_recipients() = issuer;
      p.set_subject(report.subject);
      p.set_plan_number(plan.number());
      p.set_plan_title(plan.title());
      p.set_generation(plan.etag());
      out.push_back(std::move(p));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const nv1::ReminderPayload& a, const nv1::ReminderPayload& b) {
              if (a.fire_at_ms() != b.fire_at_ms()) return a.fire_at_ms() < b.fire_at_ms();
              return a.reminder_id() < b.reminder_id();
            });
  return out;
}

}  // namespace chiso::plan
