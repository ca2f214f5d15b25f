#include "common/reminders/policy.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/civil/business_time.h"
#include "common/civil/date.h"

namespace chiso::reminders {
namespace {

namespace nv1 = ::chiso::notification::v1;

constexpr int kMaxOwnerIdChars = 64;
// Rule numbers have at most this many digits: 99999 working days of daily
// reminders is centuries, and the bound keeps chain arithmetic cheap.
constexpr int kMaxRuleNumberDigits = 5;

// The number n of a rule "<prefix><n><suffix>", or std::nullopt when `rule`
// has another shape (n is positive, without leading zeros).
std::optional<int> RuleNumber(absl::string_view rule, absl::string_view prefix,
                              absl::string_view suffix) {
  if (!absl::ConsumePrefix(&rule, prefix) || !absl::ConsumeSuffix(&rule, suffix)) {
    return std::nullopt;
  }
  if (rule.empty() || rule.size() > kMaxRuleNumberDigits || rule[0] == '0') return std::nullopt;
  for (char c : rule) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int n = 0;
  if (!absl::SimpleAtoi(rule, &n) || n <= 0) return std::nullopt;
  return n;
}

bool IsReportRule(absl::string_view rule) {
  return RuleNumber(rule, "report-", "wd").has_value() ||
         RuleNumber(rule, "report-", "d").has_value();
}

bool IsOwnerId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxOwnerIdChars) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::optional<absl::CivilDay> ParseIsoDay(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  int year = 0, month = 0, day = 0;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) || !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return std::nullopt;
  }
  absl::StatusOr<absl::CivilDay> parsed = civil::MakeDate(year, month, day);
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

int PositiveOr(int value, int fallback) { return value > 0 ? value : fallback; }

// Copies the set (non-zero, non-empty) fields of `over` onto `into`.
void Overlay(const nv1::ReminderPolicy& over, nv1::ReminderPolicy& into) {
  if (over.before_days_size() > 0) *into.mutable_before_days() = over.before_days();
  if (over.fire_minute() != 0) into.set_fire_minute(over.fire_minute());
  if (over.escalate_after_working_days() != 0) {
    into.set_escalate_after_working_days(over.escalate_after_working_days());
  }
  if (over.escalate_every_days() != 0) into.set_escalate_every_days(over.escalate_every_days());
  if (over.quiet_after_report_days() != 0) {
    into.set_quiet_after_report_days(over.quiet_after_report_days());
  }
  if (over.report_before_working_days() != 0) {
    into.set_report_before_working_days(over.report_before_working_days());
  }
  if (over.report_before_days() != 0) into.set_report_before_days(over.report_before_days());
  if (over.no_overdue()) into.set_no_overdue(true);
}

}  // namespace

nv1::ReminderPolicy ResolvePolicy(const nv1::ReminderPolicy& global,
                                  const nv1::ReminderPolicy* plan_override) {
  nv1::ReminderPolicy policy;
  Overlay(global, policy);
  if (plan_override != nullptr) Overlay(*plan_override, policy);

  std::vector<int> before;
  for (int d : policy.before_days()) {
    if (d > 0 && std::find(before.begin(), before.end(), d) == before.end()) before.push_back(d);
  }
  if (before.empty()) before = {7, 1};
  std::sort(before.begin(), before.end(), std::greater<int>());
  policy.clear_before_days();
  for (int d : before) policy.add_before_days(d);

  if (policy.fire_minute() <= 0 || policy.fire_minute() >= 24 * 60) {
    policy.set_fire_minute(kDefaultFireMinute);
  }
  policy.set_escalate_after_working_days(
      PositiveOr(policy.escalate_after_working_days(), kDefaultEscalateAfterWorkingDays));
  policy.set_escalate_every_days(
      PositiveOr(policy.escalate_every_days(), kDefaultEscalateEveryDays));
  if (policy.quiet_after_report_days() == 0) {
    policy.set_quiet_after_report_days(kDefaultQuietAfterReportDays);
  }
  policy.set_report_before_working_days(
      PositiveOr(policy.report_before_working_days(), kDefaultReportBeforeWorkingDays));
  policy.set_report_before_days(PositiveOr(policy.report_before_days(), kDefaultReportBeforeDays));
  return policy;
}

std::string TaskOwner(absl::string_view task_id) { return absl::StrCat("task/", task_id); }

std::string PlanOwner(absl::string_view plan_id) { return absl::StrCat("plan/", plan_id); }

std::string ReminderId(absl::string_view owner, absl::CivilDay due, absl::string_view rule) {
  return absl::StrCat(owner, "/", absl::FormatCivilTime(due), "/", rule);
}

absl::StatusOr<ParsedReminderId> ParseReminderId(absl::string_view id) {
  auto invalid = [id](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("reminder id \"", id, "\": ", what));
  };
  const std::vector<absl::string_view> parts = absl::StrSplit(id, '/');
  if (parts.size() != 4) {
    return invalid("must be <task|plan>/<id>/<YYYY-MM-DD>/<rule>");
  }
  if (parts[0] != "task" && parts[0] != "plan") {
    return invalid(absl::StrCat("owner kind \"", parts[0], "\" is neither task nor plan"));
  }
  if (!IsOwnerId(parts[1])) {
    return invalid(absl::StrCat("owner id \"", parts[1],
                                "\" must be 1–64 ASCII letters, digits, '-', '_' or '.'"));
  }
  const std::optional<absl::CivilDay> due = ParseIsoDay(parts[2]);
  if (!due.has_value()) {
    return invalid(absl::StrCat("due date \"", parts[2], "\" is not a date YYYY-MM-DD in ",
                                civil::kMinYear, "–", civil::kMaxYear));
  }
  if (KindOfRule(parts[3]) == nv1::NOTIFICATION_KIND_UNSPECIFIED) {
    return invalid(absl::StrCat("rule \"", parts[3],
                                "\" is not one of before-<n>d, due, overdue-<n>, escalate-<n>, "
                                "checkin, report-<n>wd, report-<n>d"));
  }
  ParsedReminderId parsed;
  parsed.owner_kind = std::string(parts[0]);
  parsed.owner_id = std::string(parts[1]);
  parsed.owner = absl::StrCat(parts[0], "/", parts[1]);
  parsed.due = *due;
  parsed.rule = std::string(parts[3]);
  return parsed;
}

nv1::NotificationKind KindOfRule(absl::string_view rule) {
  if (rule == "due") return nv1::NOTIFICATION_KIND_TASK_DUE;
  if (rule == "checkin") return nv1::NOTIFICATION_KIND_TASK_CHECK_IN;
  if (RuleNumber(rule, "before-", "d").has_value()) return nv1::NOTIFICATION_KIND_TASK_DUE_SOON;
  if (RuleNumber(rule, "overdue-", "").has_value()) return nv1::NOTIFICATION_KIND_TASK_OVERDUE;
  if (RuleNumber(rule, "escalate-", "").has_value()) {
    return nv1::NOTIFICATION_KIND_TASK_ESCALATION;
  }
  if (IsReportRule(rule)) return nv1::NOTIFICATION_KIND_REPORT_DUE;
  return nv1::NOTIFICATION_KIND_UNSPECIFIED;
}

absl::Time FireAt(const calendar::WorkingCalendar& calendar, absl::CivilDay day, int minute,
                  Shift shift) {
  if (!calendar.IsWorkingDay(day)) {
    day =
        shift == Shift::kEarlier ? calendar.PreviousWorkingDay(day) : calendar.NextWorkingDay(day);
  }
  minute = std::clamp(minute, calendar::WorkingCalendar::kOpenMinute,
                      calendar::WorkingCalendar::kCloseMinute - 1);
  return civil::At(day, minute / 60, minute % 60);
}

Item ToQueueItem(const nv1::ReminderPayload& payload) {
  Item item;
  item.id = payload.reminder_id();
  item.fire_at_ms = payload.fire_at_ms();
  item.payload = payload.SerializeAsString();
  return item;
}

absl::StatusOr<nv1::ReminderPayload> ParsePayload(absl::string_view bytes) {
  nv1::ReminderPayload payload;
  if (!payload.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("reminder payload: ", bytes.size(), " bytes are not a ReminderPayload"));
  }
  absl::StatusOr<ParsedReminderId> id = ParseReminderId(payload.reminder_id());
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("reminder payload: ", id.status().message()));
  }
  // Payloads written by hand (tests, operators requeueing) may leave the rule
  // and kind to the id.
  if (payload.rule().empty()) payload.set_rule(id->rule);
  if (payload.rule() != id->rule) {
    return absl::InvalidArgumentError(absl::StrCat("reminder payload: rule \"", payload.rule(),
                                                   "\" differs from the rule of reminder id \"",
                                                   payload.reminder_id(), "\""));
  }
  if (payload.kind() == nv1::NOTIFICATION_KIND_UNSPECIFIED) payload.set_kind(KindOfRule(id->rule));
  return payload;
}

absl::CivilDay OverdueDay(const calendar::WorkingCalendar& calendar, absl::CivilDay due, int n) {
  return calendar.AddWorkingDays(due, n);
}

absl::CivilDay EscalationDay(const calendar::WorkingCalendar& calendar,
                             const nv1::ReminderPolicy& policy, absl::CivilDay due, int n) {
  const absl::CivilDay first = calendar.AddWorkingDays(due, policy.escalate_after_working_days());
  return first + static_cast<absl::civil_diff_t>(n - 1) * policy.escalate_every_days();
}

std::optional<nv1::ReminderPayload> NextInChain(const nv1::ReminderPayload& delivered,
                                                const calendar::WorkingCalendar& calendar) {
  absl::StatusOr<ParsedReminderId> id = ParseReminderId(delivered.reminder_id());
  if (!id.ok() || !delivered.has_chain()) return std::nullopt;
  const nv1::ReminderPolicy policy = ResolvePolicy(delivered.chain().policy(), nullptr);
  if (policy.no_overdue()) return std::nullopt;

  std::string rule;
  absl::CivilDay day;
  if (std::optional<int> n = RuleNumber(id->rule, "overdue-", ""); n.has_value()) {
    rule = absl::StrCat("overdue-", *n + 1);
    day = OverdueDay(calendar, id->due, *n + 1);
  } else if (std::optional<int> n = RuleNumber(id->rule, "escalate-", ""); n.has_value()) {
    // A long holiday can move several weekly links onto the same working
    // minute; they go out once, so skip to the first link that fires later.
    const int64_t delivered_fire =
        absl::ToUnixMillis(FireAt(calendar, EscalationDay(calendar, policy, id->due, *n),
                                  policy.fire_minute(), Shift::kLater));
    int next = *n + 1;
    while (next < *n + 1000 &&
           absl::ToUnixMillis(FireAt(calendar, EscalationDay(calendar, policy, id->due, next),
                                     policy.fire_minute(), Shift::kLater)) <= delivered_fire) {
      ++next;
    }
    rule = absl::StrCat("escalate-", next);
    day = EscalationDay(calendar, policy, id->due, next);
  } else {
    return std::nullopt;
  }
  nv1::ReminderPayload next = delivered;
  next.set_reminder_id(ReminderId(id->owner, id->due, rule));
  next.set_rule(rule);
  next.set_kind(KindOfRule(rule));
  next.set_fire_at_ms(
      absl::ToUnixMillis(FireAt(calendar, day, policy.fire_minute(), Shift::kLater)));
  return next;
}

std::optional<nv1::ReminderPayload> NextInChainAfter(const nv1::ReminderPayload& delivered,
                                                     const calendar::WorkingCalendar& calendar,
                                                     absl::Time now) {
  std::optional<nv1::ReminderPayload> next = NextInChain(delivered, calendar);
  const int64_t now_ms = absl::ToUnixMillis(now);
  // Links come at least a day apart, so the bound covers years of outage.
  for (int i = 0; i < 5000 && next.has_value() && next->fire_at_ms() < now_ms; ++i) {
    std::optional<nv1::ReminderPayload> after = NextInChain(*next, calendar);
    if (!after.has_value()) break;
    next = std::move(after);
  }
  return next;
}

chiso::common::v1::Date ToProtoDate(absl::CivilDay day) {
  chiso::common::v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::StatusOr<absl::CivilDay> FromProtoDate(const chiso::common::v1::Date& date) {
  return civil::MakeDate(date.year(), date.month(), date.day());
}

}  // namespace chiso::reminders
