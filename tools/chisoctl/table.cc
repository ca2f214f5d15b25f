#include "tools/chisoctl/table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/text/text.h"

namespace chiso::chisoctl {
namespace {

using chiso::common::v1::Comparator;
using chiso::common::v1::Measure;
using chiso::plan::v1::Objective;
using chiso::plan::v1::Plan;

// Widest cells of the list and objective tables, in terminal columns.
constexpr int kNumberWidth = 24;
constexpr int kIssuerWidth = 32;
constexpr int kTitleWidth = 56;
constexpr int kDescriptionWidth = 48;
// Width of the keys of the plan view ("Close reason:"), so values start in
// the same column for every plan.
constexpr int kKeyWidth = 13;

std::string FormatTime(const google::protobuf::Timestamp& ts) {
  const absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  // Business time is Asia/Ho_Chi_Minh: UTC+7 all year.
  return absl::FormatTime("%Y-%m-%d %H:%M:%S +07", t, absl::FixedTimeZone(7 * 60 * 60));
}

std::string FormatMeasure(Measure measure) {
  switch (measure) {
    case Measure::MEASURE_SCORE:
      return "score";
    case Measure::MEASURE_RANK:
      return "rank";
    case Measure::MEASURE_PERCENT:
      return "percent";
    case Measure::MEASURE_GRADE:
      return "grade";
    default:
      return "";
  }
}

std::string FormatValue(const Objective& objective, const std::string& value) {
  if (value.empty()) return "";
  return objective.measure() == Measure::MEASURE_PERCENT ? absl::StrCat(value, "%") : value;
}

std::string FormatPeriod(const chiso::common::v1::Period& period) {
  if (period.start_year() == 0 && period.end_year() == 0) return "";
  if (period.start_year() == period.end_year()) return absl::StrCat(period.start_year());
  return absl::StrCat(period.start_year(), "–", period.end_year());
}

std::string FormatUnit(const chiso::common::v1::UnitRef& unit) {
  if (unit.unit().empty()) return unit.display_name();
  if (unit.display_name().empty()) return unit.unit();
  return absl::StrCat(unit.display_name(), " (", unit.unit(), ")");
}

std::string FormatDocumentRef(const chiso::common::v1::DocumentRef& ref) {
  std::vector<std::string> parts;
  for (const std::string& part :
       {ref.title(), ref.number(), FormatDate(ref.issued_on()), ref.issuer().display_name()}) {
    if (!part.empty()) parts.push_back(part);
  }
  std::string text = absl::StrJoin(parts, ", ");
  if (!ref.name().empty()) absl::StrAppend(&text, " → ", ref.name());
  return text;
}

std::string FormatFrequency(chiso::common::v1::Frequency frequency) {
  const std::string& name = chiso::common::v1::Frequency_Name(frequency);
  return absl::AsciiStrToLower(absl::StripPrefix(name, "FREQUENCY_"));
}

std::string FormatReportingRule(const chiso::plan::v1::ReportingRule& rule) {
  std::string text = FormatFrequency(rule.frequency());
  if (rule.frequency() == chiso::common::v1::FREQUENCY_ONCE && rule.has_due_date()) {
    absl::StrAppend(&text, ", due ", FormatDate(rule.due_date()));
  } else if (rule.day() != 0 || rule.month() != 0) {
    absl::StrAppend(&text, ", day ",
                    rule.day() == 0 ? std::string("default") : absl::StrCat(rule.day()));
    if (rule.month() != 0) absl::StrAppend(&text, " of month ", rule.month());
  }
  if (!rule.phrase().empty()) absl::StrAppend(&text, ": \"", rule.phrase(), "\"");
  return text;
}

// Cleans a cell: one line, whitespace collapsed, nothing a terminal would
// execute (text from the server is data, not escape sequences).
std::string Cell(absl::string_view text) { return text::ForTerminal(text); }

}  // namespace

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  for (std::string& cell : cells) cell = Cell(cell);
  rows_.push_back(std::move(cells));
}

void Table::Render(std::ostream& out, const std::string& indent) const {
  const size_t n = columns_.size();
  std::vector<int> widths(n, 0);
  auto fit = [&](size_t i, const std::string& cell) {
    return columns_[i].max_width > 0 ? text::TruncateToWidth(cell, columns_[i].max_width) : cell;
  };
  std::vector<std::string> header(n);
  for (size_t i = 0; i < n; ++i) header[i] = columns_[i].header;
  std::vector<std::vector<std::string>> lines;
  lines.reserve(rows_.size() + 1);
  lines.push_back(std::move(header));
  for (const auto& row : rows_) lines.push_back(row);
  for (auto& line : lines) {
    for (size_t i = 0; i < n; ++i) {
      line[i] = fit(i, line[i]);
      widths[i] = std::max(widths[i], text::DisplayWidth(line[i]));
    }
  }
  for (const auto& line : lines) {
    std::string text = indent;
    for (size_t i = 0; i < n; ++i) {
      const bool last = i + 1 == n;
      if (columns_[i].align_right) {
        text.append(static_cast<size_t>(widths[i] - text::DisplayWidth(line[i])), ' ');
        text += line[i];
      } else if (last) {
        text += line[i];
      } else {
        text += text::PadRight(line[i], widths[i]);
      }
      if (!last) text += "  ";
    }
    // Trailing spaces appear only when the last cells are empty.
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << "\n";
  }
}

void RenderFields(const std::vector<std::pair<std::string, std::string>>& fields, std::ostream& out,
                  int key_width, const std::string& indent) {
  int width = key_width;
  if (width == 0) {
    for (const auto& [key, value] : fields) {
      if (!value.empty()) width = std::max(width, text::DisplayWidth(key) + 1);
    }
  }
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    out << indent << text::PadRight(absl::StrCat(key, ":"), width) << "  " << Cell(value) << "\n";
  }
}

std::string FormatDate(const chiso::common::v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return "";
  return absl::StrFormat("%02d/%02d/%04d", date.day(), date.month(), date.year());
}

std::string FormatStatus(chiso::plan::v1::PlanStatus status) {
  const std::string& name = chiso::plan::v1::PlanStatus_Name(status);
  if (name.empty()) return absl::StrCat(static_cast<int>(status));
  return absl::AsciiStrToLower(absl::StripPrefix(name, "PLAN_STATUS_"));
}

std::string ComparatorSymbol(Comparator comparator) {
  switch (comparator) {
    case Comparator::COMPARATOR_ABOVE:
      return ">";
    case Comparator::COMPARATOR_AT_LEAST:
      return "≥";
    case Comparator::COMPARATOR_AT_MOST:
      return "≤";
    case Comparator::COMPARATOR_BELOW:
      return "<";
    default:
      return "";
  }
}

std::string FormatBaseline(const Objective& objective) {
  if (!objective.has_baseline()) return "";
  const auto& b = objective.baseline();
  std::string value = FormatValue(objective, b.value().value());
  if (value.empty()) value = b.grade();
  std::vector<std::string> parts;
  if (!value.empty() || b.year() != 0) {
    std::string part = value;
    if (b.year() != 0) absl::StrAppend(&part, value.empty() ? "" : " ", "@", b.year());
    parts.push_back(part);
  }
  if (b.rank() > 0) {
    parts.push_back(b.rank_of() > 0 ? absl::StrCat("rank ", b.rank(), "/", b.rank_of())
                                    : absl::StrCat("rank ", b.rank()));
  }
  return absl::StrJoin(parts, ", ");
}

std::string FormatTarget(const Objective& objective) {
  if (!objective.has_target()) return "";
  const auto& t = objective.target();
  std::string value = t.has_grade() ? t.grade() : FormatValue(objective, t.value().value());
  std::string text = ComparatorSymbol(t.comparator());
  if (!value.empty()) absl::StrAppend(&text, text.empty() ? "" : " ", value);
  if (t.year() != 0) absl::StrAppend(&text, text.empty() ? "" : " ", "@", t.year());
  return text;
}

void RenderPlan(const Plan& plan, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> rows;
  auto add = [&rows](std::string key, std::string value) {
    if (!value.empty()) rows.emplace_back(std::move(key), std::move(value));
  };
  add("Name", plan.name());
  add("Number", plan.number());
  add("Title", plan.title());
  add("Status", FormatStatus(plan.status()));
  add("Issuer", FormatUnit(plan.issuer()));
  add("Issued on", FormatDate(plan.issued_on()));
  add("Place", plan.place());
  add("Period", FormatPeriod(plan.period()));
  {
    std::vector<std::string> signer;
    for (const std::string& part :
         {plan.signer().authority(), plan.signer().post(), plan.signer().full_name()}) {
      if (!part.empty()) signer.push_back(part);
    }
    add("Signer", absl::StrJoin(signer, " · "));
  }
  for (const auto& ref : plan.parent_plans()) add("Implements", FormatDocumentRef(ref));
  for (const auto& ref : plan.legal_bases()) add("Legal basis", FormatDocumentRef(ref));
  add("Supersedes", plan.supersedes());
  for (const auto& rule : plan.reporting_rules()) add("Reports", FormatReportingRule(rule));
  add("Funding", plan.funding());
  if (plan.recipients_size() > 0) add("Recipients", absl::StrJoin(plan.recipients(), "; "));
  if (plan.has_create_time()) add("Created", FormatTime(plan.create_time()));
  if (plan.has_update_time()) add("Updated", FormatTime(plan.update_time()));
  if (plan.has_issue_time()) add("Issue time", FormatTime(plan.issue_time()));
  if (plan.has_close_time()) add("Close time", FormatTime(plan.close_time()));
  add("Close reason", plan.close_reason());
  add("Etag", plan.etag());

  RenderFields(rows, out, kKeyWidth);

  out << "\nObjectives (" << plan.objectives_size() << "):\n";
  if (plan.objectives_size() == 0) return;
  Table table({{"ID"},
               {"FRAMEWORK"},
               {"COMPONENT"},
               {"MEASURE"},
               {"BASELINE"},
               {"TARGET"},
               {"DESCRIPTION", kDescriptionWidth}});
  for (const Objective& o : plan.objectives()) {
    table.AddRow({o.id(), o.framework(), o.component().empty() ? "(total)" : o.component(),
                  FormatMeasure(o.measure()), FormatBaseline(o), FormatTarget(o), o.description()});
  }
  table.Render(out, "  ");
}

void RenderPlanList(const std::vector<Plan>& plans, std::ostream& out) {
  if (plans.empty()) {
    out << "No plans.\n";
    return;
  }
  Table table({{"NAME"},
               {"NUMBER", kNumberWidth},
               {"ISSUED"},
               {"STATUS"},
               {"ISSUER", kIssuerWidth},
               {"TITLE", kTitleWidth},
               {"OBJECTIVES", 0, /*align_right=*/true}});
  for (const Plan& plan : plans) {
    table.AddRow({plan.name(), plan.number(), FormatDate(plan.issued_on()),
                  FormatStatus(plan.status()), plan.issuer().display_name(), plan.title(),
                  absl::StrCat(plan.objectives_size())});
  }
  table.Render(out);
}

}  // namespace chiso::chisoctl
