#include "services/notification/message_builder.h"

#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/civil/business_time.h"
#include "common/civil/proto_time.h"

namespace chiso::notification {
namespace {

namespace pb = chiso::notification::v1;

// Longest subject quoted in a title, in code points; the body has it whole.
constexpr int kMaxTitleSubjectChars = 150;

// The first `max` code points of `utf8`, with "…" when cut.
std::string Truncate(absl::string_view utf8, int max) {
  int count = 0;
  for (size_t i = 0; i < utf8.size(); ++i) {
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) == 0x80) continue;
    if (count == max)
      return absl::StrCat(absl::StripTrailingAsciiWhitespace(utf8.substr(0, i)), "…");
    ++count;
  }
  return std::string(utf8);
}

// n of a rule "<prefix><n><suffix>" ("overdue-2" → 2), or nullopt.
std::optional<int> RuleNumber(absl::string_view rule, absl::string_view prefix,
                              absl::string_view suffix) {
  if (!absl::ConsumePrefix(&rule, prefix) || !absl::ConsumeSuffix(&rule, suffix)) {
    return std::nullopt;
  }
  int n = 0;
  if (rule.empty() || !absl::SimpleAtoi(rule, &n) || n <= 0) return std::nullopt;
  return n;
}

std::optional<absl::CivilDay> DayOf(const chiso::common::v1::Date& d) {
  if (d.year() < 2000 || d.year() > 2100) return std::nullopt;
  const absl::CivilDay day(d.year(), d.month(), d.day());
  if (day.year() != d.year() || day.month() != d.month() || day.day() != d.day()) {
    return std::nullopt;
  }
  return day;
}

// Working days the task is overdue when the reminder fires, or nullopt.
std::optional<int> OverdueWorkingDays(const pb::ReminderPayload& p,
                                      const calendar::WorkingCalendar& calendar) {
  std::optional<absl::CivilDay> due = DayOf(p.due_date());
  if (!due.has_value() || p.fire_at_ms() <= 0) return std::nullopt;
  const absl::CivilDay fired = civil::BusinessDay(absl::FromUnixMillis(p.fire_at_ms()));
  const int n = calendar.WorkingDaysBetween(*due, fired);
  if (n <= 0) return std::nullopt;
  return n;
}

std::string PlanLine(const pb::ReminderPayload& p) {
  if (!p.plan_number().empty() && !p.plan_title().empty()) {
    return absl::StrCat("Kế hoạch số ", p.plan_number(), ": ", p.plan_title());
  }
  if (!p.plan_number().empty()) return absl::StrCat("Kế hoạch số ", p.plan_number());
  if (!p.plan_title().empty()) return absl::StrCat("Kế hoạch: ", p.plan_title());
  return std::string();
}

// Display names of the recipients with `role`, joined.
std::string NamesWithRole(const pb::ReminderPayload& p, pb::RecipientRole role) {
  std::vector<std::string> names;
  for (const pb::Recipient& r : p.recipients()) {
    if (r.role() == role && !r.display_name().empty()) names.push_back(r.display_name());
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

pb::NotificationKind KindOf(const pb::ReminderPayload& p) {
  if (p.kind() != pb::NOTIFICATION_KIND_UNSPECIFIED && pb::NotificationKind_IsValid(p.kind())) {
    return p.kind();
  }
  const absl::string_view rule = p.rule();
  if (rule == "due") return pb::NOTIFICATION_KIND_TASK_DUE;
  if (rule == "checkin") return pb::NOTIFICATION_KIND_TASK_CHECK_IN;
  if (absl::StartsWith(rule, "before-")) return pb::NOTIFICATION_KIND_TASK_DUE_SOON;
  if (absl::StartsWith(rule, "overdue-")) return pb::NOTIFICATION_KIND_TASK_OVERDUE;
  if (absl::StartsWith(rule, "escalate-")) return pb::NOTIFICATION_KIND_TASK_ESCALATION;
  if (absl::StartsWith(rule, "report-")) return pb::NOTIFICATION_KIND_REPORT_DUE;
  return pb::NOTIFICATION_KIND_UNSPECIFIED;
}

std::string FormatDueDate(const chiso::common::v1::Date& date) {
  if (date.year() == 0) return std::string();
  return absl::StrCat(absl::Dec(date.day(), absl::kZeroPad2), "/",
                      absl::Dec(date.month(), absl::kZeroPad2), "/",
                      absl::Dec(date.year(), absl::kZeroPad4));
}

pb::Notification BuildNotification(const pb::ReminderPayload& p,
                                   const calendar::WorkingCalendar& calendar) {
  pb::Notification n;
  n.set_reminder_id(p.reminder_id());
  n.set_kind(KindOf(p));
  n.set_rule(p.rule());
  n.set_task(p.task());
  n.set_plan(p.plan());
  *n.mutable_due_date() = p.due_date();
  *n.mutable_recipients() = p.recipients();
  for (pb::Recipient& r : *n.mutable_recipients()) r.clear_read_time();
  *n.mutable_fire_time() = civil::ToTimestamp(absl::FromUnixMillis(p.fire_at_ms()));

  const bool report = n.kind() == pb::NOTIFICATION_KIND_REPORT_DUE;
  const std::string due = FormatDueDate(p.due_date());
  std::string subject = p.subject();
  if (subject.empty()) {
    subject = report ? (p.plan_number().empty()
                            ? std::string("báo cáo định kỳ")
                            : absl::StrCat("báo cáo định kỳ Kế hoạch số ", p.plan_number()))
                     : std::string("nhiệm vụ được giao");
  }
  const std::string short_subject = Truncate(subject, kMaxTitleSubjectChars);
  std::string lead = p.lead_unit_display_name();
  if (lead.empty()) lead = NamesWithRole(p, pb::RECIPIENT_ROLE_LEAD_UNIT);

  std::string title;
  std::string deadline_label = "Hạn hoàn thành";
  std::string action;
  switch (n.kind()) {
    case pb::NOTIFICATION_KIND_TASK_DUE_SOON: {
      title = absl::StrCat("Nhắc việc: ", short_subject, " sắp đến hạn ngày ", due);
      if (std::optional<int> days = RuleNumber(p.rule(), "before-", "d")) {
        absl::StrAppend(&title, " (còn ", *days, " ngày)");
      }
      action =
          "Đề nghị đơn vị chủ trì chủ động triển khai, bảo đảm hoàn thành đúng hạn và cập nhật "
          "tiến độ trên hệ thống.";
      break;
    }
    case pb::NOTIFICATION_KIND_TASK_DUE:
      title = absl::StrCat("Nhắc việc: ", short_subject, " đến hạn ngày ", due);
      action =
          "Hôm nay là hạn hoàn thành nhiệm vụ. Đề nghị đơn vị chủ trì hoàn thành và báo cáo kết "
          "quả kèm tài liệu kiểm chứng.";
      break;
    case pb::NOTIFICATION_KIND_TASK_OVERDUE: {
      std::optional<int> days = RuleNumber(p.rule(), "overdue-", "");
      if (!days.has_value()) days = OverdueWorkingDays(p, calendar);
      const std::string how_long =
          days.has_value() ? absl::StrCat(*days, " ngày làm việc") : std::string("so với hạn");
      title = absl::StrCat("Nhắc việc: ", short_subject, " quá hạn ", how_long);
      action = absl::StrCat("Nhiệm vụ đã quá hạn ", how_long, " (hạn ", due,
                            "). Đề nghị đơn vị chủ trì khẩn trương hoàn thành, báo cáo kết quả "
                            "và giải trình nguyên nhân chậm trễ.");
      break;
    }
    case pb::NOTIFICATION_KIND_TASK_ESCALATION: {
      const std::optional<int> days = OverdueWorkingDays(p, calendar);
      const std::string how_long =
          days.has_value() ? absl::StrCat(*days, " ngày làm việc") : std::string("so với hạn");
      title = absl::StrCat("Báo cáo lãnh đạo: ", short_subject, " quá hạn ", how_long);
      action = absl::StrCat("Nhiệm vụ", lead.empty() ? "" : absl::StrCat(" do ", lead, " chủ trì"),
                            " đã quá hạn ", how_long, " (hạn ", due,
                            ") mà chưa hoàn thành. Kính báo cáo lãnh đạo để chỉ đạo, đôn đốc");
      if (std::optional<int> round = RuleNumber(p.rule(), "escalate-", "")) {
        absl::StrAppend(&action, " (báo cáo lần ", *round, ")");
      }
      absl::StrAppend(&action, ".");
      break;
    }
    case pb::NOTIFICATION_KIND_TASK_CHECK_IN:
      title = absl::StrCat("Nhắc việc: cập nhật tiến độ ", short_subject, " (kỳ ngày ", due, ")");
      deadline_label = "Kỳ cập nhật";
      action =
          "Đây là nhiệm vụ thường xuyên. Đề nghị đơn vị chủ trì cập nhật tiến độ thực hiện trên "
          "hệ thống.";
      break;
    case pb::NOTIFICATION_KIND_REPORT_DUE: {
      title = absl::StrCat("Nhắc báo cáo: ", short_subject, " đến hạn ngày ", due);
      if (std::optional<int> wd = RuleNumber(p.rule(), "report-", "wd")) {
        absl::StrAppend(&title, " (còn ", *wd, " ngày làm việc)");
      } else if (std::optional<int> d = RuleNumber(p.rule(), "report-", "d")) {
        absl::StrAppend(&title, " (còn ", *d, " ngày)");
      }
      deadline_label = "Hạn gửi báo cáo";
      action = "Đề nghị đơn vị gửi báo cáo đúng hạn theo yêu cầu của kế hoạch.";
      break;
    }
    default:
      title = absl::StrCat("Nhắc việc: ", short_subject, due.empty() ? "" : " – hạn ", due);
      break;
  }

  std::vector<std::string> lines;
  lines.push_back(absl::StrCat(report ? "Báo cáo: " : "Nhiệm vụ: ", subject));
  if (report) {
    const std::string reporters = NamesWithRole(p, pb::RECIPIENT_ROLE_REPORTING_UNIT);
    if (!reporters.empty()) lines.push_back(absl::StrCat("Đơn vị báo cáo: ", reporters));
  } else if (!lead.empty()) {
    lines.push_back(absl::StrCat("Đơn vị chủ trì: ", lead));
  }
  if (std::string plan = PlanLine(p); !plan.empty()) lines.push_back(std::move(plan));
  if (!due.empty()) lines.push_back(absl::StrCat(deadline_label, ": ", due));
  if (!action.empty()) lines.push_back(action);

  n.set_title(title);
  n.set_body(absl::StrJoin(lines, "\n"));
  return n;
}

}  // namespace chiso::notification
