#include "services/assignment/task_domain.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/civil/business_time.h"
#include "common/civil/date.h"
#include "common/civil/period.h"
#include "common/schedule/occurrences.h"
#include "common/schedule/timeframe.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "services/assignment/unit_abbreviations.h"
#include "services/assignment/unit_resolver.h"

namespace chiso::assignment {
namespace {

using chiso::common::v1::CalendarPeriod;
using chiso::common::v1::Date;
using chiso::common::v1::Milestone;
using chiso::common::v1::UnitRef;
using v1::ComponentAccountability;
using v1::ComponentRef;
using v1::Evidence;
using v1::ProgressReport;
using v1::ReportProgressRequest;
using v1::Task;
using v1::TaskOccurrence;
using v1::TaskStatus;
using v1::TimelinessCounts;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

absl::Status Precondition(absl::string_view field, absl::string_view rule) {
  return absl::FailedPreconditionError(absl::StrCat(field, ": ", rule));
}

absl::Status CheckLength(absl::string_view field, absl::string_view value, int max_chars) {
  const int n = text::CodePointCount(value);
  if (n > max_chars) {
    return Invalid(field, absl::StrCat("at most ", max_chars, " characters (got ", n, ")"));
  }
  return absl::OkStatus();
}

absl::Status CleanLine(absl::string_view field, std::string* value, int max_chars) {
  return text::CleanLineField(field, value, max_chars);
}

absl::Status CleanText(absl::string_view field, std::string* value, int max_chars) {
  return text::CleanTextField(field, value, max_chars);
}

// "units/{id}" or "people/{id}" with an id of 1–64 ASCII letters, digits,
// '-', '_' or '.' (the rule of unit_resolver.h).
bool IsResourceName(absl::string_view prefix, absl::string_view name) {
  if (!absl::ConsumePrefix(&name, prefix)) return false;
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

bool IsSet(const Date& d) { return d.year() != 0 || d.month() != 0 || d.day() != 0; }

absl::StatusOr<absl::CivilDay> FromProto(const Date& d) {
  return civil::MakeDate(d.year(), d.month(), d.day());
}

Date ToProto(absl::CivilDay day) {
  Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

absl::Status CheckDate(absl::string_view field, const Date& d) {
  absl::StatusOr<absl::CivilDay> day = FromProto(d);
  if (!day.ok()) return Invalid(field, day.status().message());
  return absl::OkStatus();
}

absl::CivilDay BusinessDayOf(const google::protobuf::Timestamp& ts) {
  return civil::BusinessDay(absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()));
}

bool HasTime(const google::protobuf::Timestamp& ts) { return ts.seconds() != 0 || ts.nanos() != 0; }

bool IsOpen(TaskStatus s) { return s != v1::TASK_STATUS_DONE && s != v1::TASK_STATUS_CANCELLED; }

// ---------------------------------------------------------------------------
// Unit names
// ---------------------------------------------------------------------------

// Words (MatchKey form) that open the name of a unit, or of a group.
const std::vector<std::vector<std::string>>& UnitStarts() {
  static const auto* starts = new std::vector<std::vector<std::string>>{
      {"phong"},        {"van", "phong"}, {"vp"},           {"so"},           {"cuc"},
      {"chi", "cuc"},   {"tong", "cuc"},  {"trung", "tam"}, {"thanh", "tra"}, {"cong", "an"},
      {"ubnd"},         {"uy", "ban"},    {"ubmttq"},       {"mat", "tran"},  {"ban"},
      {"doi"},          {"hoi"},          {"doan"},         {"lien", "doan"}, {"huyen", "doan"},
      {"tinh", "doan"}, {"truong"},       {"benh", "vien"}, {"tram"},         {"vien"},
      {"toa", "an"},    {"kho", "bac"},   {"chi", "nhanh"}, {"ngan", "hang"}, {"bao", "hiem"},
      {"bhxh"},         {"dai"},          {"cong", "ty"},   {"cac"},          {"nhung"},
      {"tat", "ca"},    {"toan", "bo"},
  };
  return *starts;
}

bool StartsWithWords(const std::vector<absl::string_view>& words,
                     const std::vector<std::string>& prefix) {
  if (words.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (words[i] != prefix[i]) return false;
  }
  return true;
}

bool EndsWithWords(const std::vector<absl::string_view>& words,
                   const std::vector<std::string>& suffix) {
  if (words.size() < suffix.size()) return false;
  const size_t offset = words.size() - suffix.size();
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (words[offset + i] != suffix[i]) return false;
  }
  return true;
}

bool StartsUnit(const std::vector<absl::string_view>& words) {
  // "Hội đồng nhân dân" is half of the office name "HĐND và UBND".
  if (StartsWithWords(words, {"hoi", "dong", "nhan", "dan"})) return false;
  for (const auto& start : UnitStarts()) {
    if (StartsWithWords(words, start)) return true;
  }
  return false;
}

bool EndsWithCouncil(const std::vector<absl::string_view>& words) {
  return EndsWithWords(words, {"hdnd"}) || EndsWithWords(words, {"hoi", "dong", "nhan", "dan"});
}

bool StartsWithCommittee(const std::vector<absl::string_view>& words) {
  return StartsWithWords(words, {"ubnd"}) || StartsWithWords(words, {"uy", "ban", "nhan", "dan"});
}

// One run of words between separators, and the separator before it.
struct Segment {
  std::string separator;  // "", ",", ";", or the connector word as written
  std::vector<std::string> words;
};

// The identity of a unit ref for "same unit" checks.
struct UnitIdentity {
  std::string unit;
  std::string key;  // ExpandAbbreviations(MatchKey(display_name))
};

UnitIdentity IdentityOf(const UnitRef& ref) {
  return {ref.unit(), ExpandAbbreviations(text::MatchKey(ref.display_name()))};
}

bool SameUnit(const UnitIdentity& a, const UnitIdentity& b) {
  if (!a.unit.empty() && !b.unit.empty()) return a.unit == b.unit;
  return !a.key.empty() && a.key == b.key;
}

std::string QuoteAll(const std::vector<std::string>& parts) {
  std::vector<std::string> quoted;
  quoted.reserve(parts.size());
  for (const std::string& p : parts) quoted.push_back(text::QuoteForMessage(p));
  return absl::StrJoin(quoted, ", ");
}

// Checks and normalises one unit ref. `lead` decides the wording of the
// several-units error and whether a group is refused.
absl::Status CheckUnitRef(absl::string_view field, UnitRef& ref, bool lead) {
  if (absl::Status s = CleanLine(absl::StrCat(field, ".display_name"), ref.mutable_display_name(),
                                 kMaxUnitDisplayNameChars);
      !s.ok()) {
    return s;
  }
  *ref.mutable_unit() = std::string(absl::StripAsciiWhitespace(ref.unit()));
  if (ref.unit().empty() && ref.display_name().empty()) {
    return lead ? Invalid(field, "required (exactly one lead unit, đơn vị chủ trì)")
                : Invalid(field, "required (a unit or its display name)");
  }
  if (!ref.unit().empty() && !IsResourceName("units/", ref.unit())) {
    return Invalid(absl::StrCat(field, ".unit"),
                   absl::StrCat("must be a unit resource name \"units/{id}\" (got ",
                                text::QuoteForMessage(ref.unit()), ")"));
  }
  if (ref.display_name().empty()) return absl::OkStatus();
  const std::vector<std::string> parts = SplitUnitNames(ref.display_name());
  if (parts.size() > 1) {
    const std::string what = absl::StrCat(text::QuoteForMessage(ref.display_name()), " names ",
                                          parts.size(), " units (", QuoteAll(parts), "); ");
    if (lead) {
      return Invalid(absl::StrCat(field, ".display_name"),
                     absl::StrCat(what,
                                  "a task has exactly one lead unit (một việc chỉ do một tổ "
                                  "chức chủ trì): create one task per lead"));
    }
    return Invalid(absl::StrCat(field, ".display_name"),
                   absl::StrCat(what, "list each coordinating unit separately"));
  }
  if (lead && IsCollective(ref.display_name())) {
    return Invalid(absl::StrCat(field, ".display_name"),
                   absl::StrCat(text::QuoteForMessage(ref.display_name()),
                                " names a group, not one unit; a task has exactly one lead "
                                "unit (đơn vị chủ trì)"));
  }
  return absl::OkStatus();
}

absl::Status CheckSchedule(const PlanFacts& plan, chiso::common::v1::Schedule& schedule) {
  if (absl::Status s =
          CleanLine("task.schedule.phrase", schedule.mutable_phrase(), kMaxSchedulePhraseChars);
      !s.ok()) {
    return s;
  }
  if (schedule.milestones_size() == 0) {
    if (schedule.phrase().empty()) {
      return Invalid("task.schedule",
                     "required (milestones, or the timeframe as written in schedule.phrase)");
    }
    schedule::TimeframeContext ctx;
    ctx.plan_year = plan.PlanYear();
    ctx.period_start_year = plan.period_start_year;
    ctx.period_end_year = plan.period_end_year;
    absl::StatusOr<chiso::common::v1::Schedule> parsed =
        schedule::ParseTimeframe(schedule.phrase(), ctx);
    if (!parsed.ok()) return Invalid("task.schedule.phrase", parsed.status().message());
    schedule = *std::move(parsed);
  }
  if (absl::Status s = schedule::ValidateSchedule(schedule); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("task.", s.message()));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Occurrences
// ---------------------------------------------------------------------------

std::optional<absl::CivilDay> PeriodStart(const CalendarPeriod& p) {
  switch (p.kind()) {
    case CalendarPeriod::KIND_MONTH:
      return absl::CivilDay(p.year(), p.index(), 1);
    case CalendarPeriod::KIND_QUARTER:
      return civil::QuarterStart(p.year(), p.index());
    case CalendarPeriod::KIND_HALF:
      return absl::CivilDay(p.year(), p.index() == 2 ? 7 : 1, 1);
    case CalendarPeriod::KIND_YEAR:
      return absl::CivilDay(p.year(), 1, 1);
    default:
      return std::nullopt;
  }
}

void Count(TimelinessCounts& counts, TaskStatus status, v1::Timeliness timeliness) {
  counts.set_total(counts.total() + 1);
  if (status == v1::TASK_STATUS_CANCELLED) {
    counts.set_cancelled(counts.cancelled() + 1);
    return;
  }
  switch (timeliness) {
    case v1::TIMELINESS_DUE_SOON:
      counts.set_due_soon(counts.due_soon() + 1);
      break;
    case v1::TIMELINESS_OVERDUE:
      counts.set_overdue(counts.overdue() + 1);
      break;
    case v1::TIMELINESS_DONE_ON_TIME:
      counts.set_done_on_time(counts.done_on_time() + 1);
      break;
    case v1::TIMELINESS_DONE_LATE:
      counts.set_done_late(counts.done_late() + 1);
      break;
    default:
      counts.set_on_track(counts.on_track() + 1);
      break;
  }
}

int PercentOf(const Task& task) {
  if (task.status() == v1::TASK_STATUS_DONE) return 100;
  return std::clamp(task.percent_complete(), 0, 100);
}

// Accumulates a mean of percents over non-cancelled tasks.
struct Mean {
  int64_t sum = 0;
  int64_t n = 0;
  void Add(const Task& task) {
    if (task.status() == v1::TASK_STATUS_CANCELLED) return;
    sum += PercentOf(task);
    ++n;
  }
  int Value() const { return n == 0 ? 0 : static_cast<int>(sum / n); }
};

std::string ComponentKey(const ComponentRef& c) {
  return absl::StrCat(c.framework(), "\x1f", c.component());
}

}  // namespace

// ---------------------------------------------------------------------------
// PlanFacts
// ---------------------------------------------------------------------------

const PlanObjective* PlanFacts::FindObjective(absl::string_view id) const {
  for (const PlanObjective& o : objectives) {
    if (o.id == id) return &o;
  }
  return nullptr;
}

int PlanFacts::PlanYear() const {
  if (period_start_year <= 0 || period_end_year < period_start_year) return 0;
  if (period_start_year == period_end_year) return period_start_year;
  if (!issued_on.has_value()) return 0;
  return std::clamp(static_cast<int>(issued_on->year()), period_start_year, period_end_year);
}

PlanFacts PlanFactsOf(const chiso::plan::v1::Plan& plan) {
  PlanFacts facts;
  facts.name = plan.name();
  if (IsSet(plan.issued_on())) {
    if (absl::StatusOr<absl::CivilDay> d = FromProto(plan.issued_on()); d.ok())
      facts.issued_on = *d;
  }
  if (plan.has_period() && plan.period().start_year() > 0) {
    facts.period_start_year = plan.period().start_year();
    facts.period_end_year =
        plan.period().end_year() > 0 ? plan.period().end_year() : plan.period().start_year();
  } else if (facts.issued_on.has_value()) {
    facts.period_start_year = facts.period_end_year = static_cast<int>(facts.issued_on->year());
  }
  for (const auto& o : plan.objectives()) {
    facts.objectives.push_back({o.id(), o.framework(), o.component()});
  }
  return facts;
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

std::vector<std::string> SplitUnitNames(absl::string_view input) {
  std::string text = text::CollapseWhitespace(text::NormalizeNfc(input));
  text = absl::StrReplaceAll(text, {{",", " , "}, {";", " ; "}});
  std::vector<Segment> segments(1);
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (word == "," || word == ";" || word == "&" || text::MatchKey(word) == "va") {
      segments.push_back({std::string(word), {}});
    } else {
      segments.back().words.emplace_back(word);
    }
  }
  std::vector<std::string> parts;
  std::vector<std::string> prev_key_words;
  for (const Segment& seg : segments) {
    if (seg.words.empty()) continue;  // doubled or trailing separators
    const std::string seg_text = absl::StrJoin(seg.words, " ");
    const std::string key = text::MatchKey(seg_text);
    std::vector<absl::string_view> words = absl::StrSplit(key, ' ', absl::SkipEmpty());
    std::vector<absl::string_view> prev(prev_key_words.begin(), prev_key_words.end());
    const bool council_pair = EndsWithCouncil(prev) && StartsWithCommittee(words);
    // A unit word alone names no unit: "Thủ trưởng các phòng, ban" is one
    // collective, not "… phòng" and a unit called "ban".
    const bool bare_word = words.size() == 1 && !seg.words.empty() &&
                           seg.words[0] == absl::AsciiStrToLower(seg.words[0]);
    if (parts.empty() || (StartsUnit(words) && !council_pair && !bare_word)) {
      parts.push_back(seg_text);
      prev_key_words.clear();
    } else if (seg.separator == "," || seg.separator == ";") {
      absl::StrAppend(&parts.back(), seg.separator, " ", seg_text);
    } else {
      absl::StrAppend(&parts.back(), " ", seg.separator, " ", seg_text);
    }
    for (absl::string_view w : words) prev_key_words.emplace_back(w);
  }
  return parts;
}

absl::Status ValidateAndNormalizeTask(const Catalog& catalog, const PlanFacts& plan, Task& task) {
  *task.mutable_plan() = std::string(absl::StripAsciiWhitespace(task.plan()));
  if (task.plan().empty()) {
    if (plan.name.empty()) return Invalid("task.plan", "required (\"plans/{id}\")");
    task.set_plan(plan.name);
  } else if (!plan.name.empty() && task.plan() != plan.name) {
    return Invalid("task.plan", absl::StrCat(text::QuoteForMessage(task.plan()),
                                             " is not the plan being checked (",
                                             text::QuoteForMessage(plan.name), ")"));
  }

  if (absl::Status s = CleanLine("task.title", task.mutable_title(), kMaxTaskTitleChars); !s.ok()) {
    return s;
  }
  if (task.title().empty()) return Invalid("task.title", "required");
  if (absl::Status s =
          CleanText("task.description", task.mutable_description(), kMaxTaskDescriptionChars);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CleanText("task.deliverable", task.mutable_deliverable(), kMaxTaskDeliverableChars);
      !s.ok()) {
    return s;
  }

  if (absl::Status s = CheckUnitRef("task.lead_unit", *task.mutable_lead_unit(), /*lead=*/true);
      !s.ok()) {
    return s;
  }
  if (task.coordinating_units_size() > kMaxCoordinatingUnits) {
    return Invalid("task.coordinating_units",
                   absl::StrCat("at most ", kMaxCoordinatingUnits, " (got ",
                                task.coordinating_units_size(), ")"));
  }
  const UnitIdentity lead = IdentityOf(task.lead_unit());
  std::vector<UnitIdentity> seen;
  for (int i = 0; i < task.coordinating_units_size(); ++i) {
    const std::string field = absl::StrCat("task.coordinating_units[", i, "]");
    UnitRef& ref = *task.mutable_coordinating_units(i);
    if (absl::Status s = CheckUnitRef(field, ref, /*lead=*/false); !s.ok()) return s;
    const UnitIdentity id = IdentityOf(ref);
    const std::string shown =
        text::QuoteForMessage(ref.display_name().empty() ? ref.unit() : ref.display_name());
    if (SameUnit(id, lead)) {
      return Invalid(field, absl::StrCat(shown,
                                         " is the lead unit; a coordinating unit (đơn vị phối "
                                         "hợp) must differ from the lead"));
    }
    for (size_t j = 0; j < seen.size(); ++j) {
      if (SameUnit(id, seen[j])) {
        return Invalid(field, absl::StrCat(shown, " repeats task.coordinating_units[", j, "]"));
      }
    }
    seen.push_back(id);
  }

  if (task.has_supervisor_person()) {
    *task.mutable_supervisor_person() =
        std::string(absl::StripAsciiWhitespace(task.supervisor_person()));
    if (!IsResourceName("people/", task.supervisor_person())) {
      return Invalid("task.supervisor_person",
                     absl::StrCat("must be a person resource name \"people/{id}\" (got ",
                                  text::QuoteForMessage(task.supervisor_person()), ")"));
    }
  } else if (task.has_supervisor_post()) {
    if (absl::Status s = CleanLine("task.supervisor_post", task.mutable_supervisor_post(),
                                   kMaxSupervisorPostChars);
        !s.ok()) {
      return s;
    }
    if (task.supervisor_post().empty()) task.clear_supervisor();
  }

  switch (task.contributes_to_case()) {
    case Task::kObjectiveId: {
      *task.mutable_objective_id() = std::string(absl::StripAsciiWhitespace(task.objective_id()));
      const PlanObjective* objective = plan.FindObjective(task.objective_id());
      if (objective == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("task.objective_id: plan ", plan.name.empty() ? "" : plan.name + " ",
                         "has no objective ", text::QuoteForMessage(task.objective_id())));
      }
      task.mutable_effective_component()->set_framework(objective->framework);
      task.mutable_effective_component()->set_component(objective->component);
      break;
    }
    case Task::kComponent: {
      ComponentRef& c = *task.mutable_component();
      *c.mutable_framework() = std::string(absl::StripAsciiWhitespace(c.framework()));
      *c.mutable_component() = std::string(absl::StripAsciiWhitespace(c.component()));
      if (c.framework().empty()) {
        return Invalid("task.component.framework", "required (an index code such as \"DDCI\")");
      }
      if (absl::Status s = catalog.CheckCodes("task.component", c.framework(), c.component());
          !s.ok()) {
        return s;
      }
      *task.mutable_effective_component() = c;
      break;
    }
    default:
      task.clear_effective_component();
      break;
  }

  return CheckSchedule(plan, *task.mutable_schedule());
}

// ---------------------------------------------------------------------------
// Occurrences and timeliness
// ---------------------------------------------------------------------------

v1::Timeliness ToProto(schedule::Timeliness timeliness) {
  switch (timeliness) {
    case schedule::Timeliness::kOnTrack:
      return v1::TIMELINESS_ON_TRACK;
    case schedule::Timeliness::kDueSoon:
      return v1::TIMELINESS_DUE_SOON;
    case schedule::Timeliness::kOverdue:
      return v1::TIMELINESS_OVERDUE;
    case schedule::Timeliness::kDoneOnTime:
      return v1::TIMELINESS_DONE_ON_TIME;
    case schedule::Timeliness::kDoneLate:
      return v1::TIMELINESS_DONE_LATE;
  }
  return v1::TIMELINESS_ON_TRACK;
}

void ComputeDerived(const PlanFacts& plan, absl::CivilDay today, int due_soon_days, Task& task) {
  std::map<std::string, TaskOccurrence> previous;
  for (const TaskOccurrence& o : task.occurrences()) {
    absl::StatusOr<absl::CivilDay> due = FromProto(o.due_date());
    if (due.ok()) previous.emplace(schedule::OccurrenceKey(*due), o);
  }

  schedule::OccurrenceContext ctx;
  ctx.period_start_year = plan.period_start_year;
  ctx.period_end_year = plan.period_end_year;
  ctx.issued_on = plan.issued_on;
  const std::vector<schedule::Occurrence> expanded =
      schedule::ExpandOccurrences(task.schedule(), ctx);

  const TaskStatus task_status = task.status();
  task.clear_occurrences();
  std::vector<schedule::Timeliness> open_parts;
  std::vector<schedule::Timeliness> done_parts;
  std::optional<absl::CivilDay> next_due;
  for (const schedule::Occurrence& occ : expanded) {
    if (occ.check_in) continue;  // continuous work has no occurrences
    TaskOccurrence& out = *task.add_occurrences();
    *out.mutable_due_date() = ToProto(occ.due);
    out.set_milestone_index(occ.milestone_index);
    if (occ.milestone_index >= 0 && occ.milestone_index < task.schedule().milestones_size()) {
      const Milestone& m = task.schedule().milestones(occ.milestone_index);
      out.set_label(m.label());
      if (m.has_period()) {
        if (std::optional<absl::CivilDay> start = PeriodStart(m.period()); start.has_value()) {
          *out.mutable_window_start() = ToProto(*start);
        }
      } else if (m.has_recurrence()) {
        out.set_plan_year(static_cast<int>(occ.due.year()) - m.recurrence().year_offset());
      }
    }
    out.set_status(v1::TASK_STATUS_NOT_STARTED);
    if (auto it = previous.find(occ.key); it != previous.end()) {
      if (it->second.status() != v1::TASK_STATUS_UNSPECIFIED) out.set_status(it->second.status());
      *out.mutable_complete_time() = it->second.complete_time();
    }
    if (IsOpen(out.status())) {
      if (task_status == v1::TASK_STATUS_DONE) {
        out.set_status(v1::TASK_STATUS_DONE);
        *out.mutable_complete_time() = task.complete_time();
      } else if (task_status == v1::TASK_STATUS_CANCELLED) {
        out.set_status(v1::TASK_STATUS_CANCELLED);
      }
    }
    if (out.status() != v1::TASK_STATUS_DONE) out.clear_complete_time();

    if (out.status() == v1::TASK_STATUS_CANCELLED) {
      out.set_timeliness(v1::TIMELINESS_UNSPECIFIED);
    } else if (out.status() == v1::TASK_STATUS_DONE) {
      const absl::CivilDay done_on =
          HasTime(out.complete_time()) ? BusinessDayOf(out.complete_time()) : occ.due;
      const schedule::Timeliness t =
          schedule::ComputeTimeliness(occ.due, done_on, today, due_soon_days);
      out.set_timeliness(ToProto(t));
      done_parts.push_back(t);
    } else {
      const schedule::Timeliness t =
          schedule::ComputeTimeliness(occ.due, std::nullopt, today, due_soon_days);
      out.set_timeliness(ToProto(t));
      open_parts.push_back(t);
      if (!next_due.has_value() || occ.due < *next_due) next_due = occ.due;
    }
  }

  switch (task_status) {
    case v1::TASK_STATUS_CANCELLED:
      task.set_timeliness(v1::TIMELINESS_UNSPECIFIED);
      break;
    case v1::TASK_STATUS_DONE:
      task.set_timeliness(ToProto(schedule::OverallTimeliness(done_parts)) ==
                                  v1::TIMELINESS_DONE_LATE
                              ? v1::TIMELINESS_DONE_LATE
                              : v1::TIMELINESS_DONE_ON_TIME);
      task.set_percent_complete(100);
      break;
    default:
      task.set_timeliness(ToProto(schedule::OverallTimeliness(open_parts)));
      break;
  }
  if (next_due.has_value()) {
    *task.mutable_next_due_date() = ToProto(*next_due);
  } else {
    task.clear_next_due_date();
  }
}

// ---------------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------------

namespace {

absl::Status CheckReason(absl::string_view reason) {
  const std::string clean = text::CollapseWhitespace(text::NormalizeNfc(reason));
  if (clean.empty()) return Invalid("reason", "required (lý do)");
  return CheckLength("reason", clean, kMaxReasonChars);
}

std::string StatusName(TaskStatus s) { return v1::TaskStatus_Name(s); }

}  // namespace

absl::Status CheckTransition(TaskStatus from, TaskStatus to, absl::string_view reason) {
  if (from == v1::TASK_STATUS_UNSPECIFIED || !v1::TaskStatus_IsValid(from)) {
    return Invalid("task.status", "the current status is unspecified");
  }
  if (to == v1::TASK_STATUS_UNSPECIFIED || !v1::TaskStatus_IsValid(to)) {
    return Invalid("status", "required (the new status)");
  }
  const bool reopen = to == v1::TASK_STATUS_IN_PROGRESS &&
                      (from == v1::TASK_STATUS_DONE || from == v1::TASK_STATUS_CANCELLED);
  if (to == v1::TASK_STATUS_CANCELLED || reopen) {
    if (absl::Status s = CheckReason(reason); !s.ok()) return s;
  }
  bool allowed = false;
  switch (to) {
    case v1::TASK_STATUS_NOT_STARTED:
      allowed = from == v1::TASK_STATUS_NOT_STARTED;
      break;
    case v1::TASK_STATUS_IN_PROGRESS:
      allowed = true;  // start, keep going, or reopen (with a reason)
      break;
    case v1::TASK_STATUS_DONE:
      allowed = from != v1::TASK_STATUS_CANCELLED;
      break;
    case v1::TASK_STATUS_CANCELLED:
      allowed = from != v1::TASK_STATUS_CANCELLED;
      break;
    default:
      break;
  }
  if (allowed) return absl::OkStatus();
  std::string hint;
  if (from == v1::TASK_STATUS_CANCELLED && to != v1::TASK_STATUS_CANCELLED) {
    hint = " (reopen it first)";
  } else if (from == v1::TASK_STATUS_CANCELLED) {
    hint = " (already cancelled)";
  }
  return Precondition("task.status", absl::StrCat("cannot go from ", StatusName(from), " to ",
                                                  StatusName(to), hint));
}

absl::Status CheckReopen(TaskStatus current, absl::string_view reason) {
  if (absl::Status s = CheckReason(reason); !s.ok()) return s;
  if (current != v1::TASK_STATUS_DONE && current != v1::TASK_STATUS_CANCELLED) {
    return Precondition("task.status",
                        absl::StrCat("only a DONE or CANCELLED task or occurrence can be "
                                     "reopened (it is ",
                                     StatusName(current), ")"));
  }
  return CheckTransition(current, v1::TASK_STATUS_IN_PROGRESS, reason);
}

// ---------------------------------------------------------------------------
// Progress reports
// ---------------------------------------------------------------------------

namespace {

bool IsDocumentNumber(absl::string_view number) {
  const size_t slash = number.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 >= number.size()) return false;
  for (char c : number.substr(0, slash)) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  for (char c : number) {
    if (absl::ascii_isspace(c)) return false;
  }
  return true;
}

bool IsHttpUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") && !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  const absl::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty()) return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

absl::Status CheckEvidence(absl::string_view field, const Evidence& e) {
  switch (e.source_case()) {
    case Evidence::kDocument: {
      const absl::string_view number = absl::StripAsciiWhitespace(e.document().number());
      if (number.empty()) {
        return Invalid(absl::StrCat(field, ".document.number"),
                       "required (the document's number, e.g. \"125/KH-UBND\")");
      }
      if (text::CodePointCount(number) > kMaxDocumentNumberChars || !IsDocumentNumber(number)) {
        return Invalid(absl::StrCat(field, ".document.number"),
                       absl::StrCat("expected a document number such as \"125/KH-UBND\", at "
                                    "most ",
                                    kMaxDocumentNumberChars, " characters (got ",
                                    text::QuoteForMessage(number), ")"));
      }
      if (IsSet(e.document().issued_on())) {
        if (absl::Status s =
                CheckDate(absl::StrCat(field, ".document.issued_on"), e.document().issued_on());
            !s.ok()) {
          return s;
        }
      }
      break;
    }
    case Evidence::kUrl: {
      const absl::string_view url = absl::StripAsciiWhitespace(e.url());
      if (text::CodePointCount(url) > kMaxEvidenceUrlChars) {
        return CheckLength(absl::StrCat(field, ".url"), url, kMaxEvidenceUrlChars);
      }
      if (!IsHttpUrl(url)) {
        return Invalid(absl::StrCat(field, ".url"),
                       absl::StrCat("expected an http:// or https:// link without spaces (got ",
                                    text::QuoteForMessage(url), ")"));
      }
      break;
    }
    default:
      return Invalid(field, "needs a document or a url (tài liệu kiểm chứng)");
  }
  return CheckLength(absl::StrCat(field, ".description"), e.description(),
                     kMaxEvidenceDescriptionChars);
}

}  // namespace

absl::Status ValidateProgressReport(const Task& task, const ReportProgressRequest& request,
                                    bool evidence_required, std::optional<absl::CivilDay> today) {
  const ProgressReport& report = request.progress_report();
  constexpr absl::string_view kField = "progress_report";

  const std::string unit(absl::StripAsciiWhitespace(report.reporting_unit()));
  if (unit.empty()) {
    return Invalid("progress_report.reporting_unit",
                   "required (the lead or a coordinating unit, \"units/{id}\")");
  }
  if (!IsResourceName("units/", unit)) {
    return Invalid("progress_report.reporting_unit",
                   absl::StrCat("must be a unit resource name \"units/{id}\" (got ",
                                text::QuoteForMessage(unit), ")"));
  }
  const bool is_lead = !task.lead_unit().unit().empty() && unit == task.lead_unit().unit();
  bool is_coordinator = false;
  for (const UnitRef& c : task.coordinating_units()) {
    if (!c.unit().empty() && c.unit() == unit) is_coordinator = true;
  }
  if (!is_lead && !is_coordinator) {
    return Invalid("progress_report.reporting_unit",
                   absl::StrCat(unit, " is neither the lead unit nor a coordinating unit of ",
                                task.name().empty() ? "the task" : task.name()));
  }
  if (!report.reporter().empty() && !IsResourceName("people/", report.reporter())) {
    return Invalid("progress_report.reporter",
                   absl::StrCat("must be a person resource name \"people/{id}\" (got ",
                                text::QuoteForMessage(report.reporter()), ")"));
  }
  if (report.percent_complete() < 0 || report.percent_complete() > 100) {
    return Invalid("progress_report.percent_complete",
                   absl::StrCat("must be 0–100 (got ", report.percent_complete(), ")"));
  }
  const TaskStatus reported = report.status();
  if (reported != v1::TASK_STATUS_UNSPECIFIED && reported != v1::TASK_STATUS_IN_PROGRESS &&
      reported != v1::TASK_STATUS_DONE) {
    return Invalid(
        "progress_report.status",
        absl::StrCat(
            "must be TASK_STATUS_IN_PROGRESS or TASK_STATUS_DONE, or "
            "unspecified (got ",
            v1::TaskStatus_IsValid(reported) ? StatusName(reported) : absl::StrCat(reported), ")"));
  }
  if (absl::Status s = CheckLength("progress_report.note", report.note(), kMaxReportNoteChars);
      !s.ok()) {
    return s;
  }
  if (IsSet(report.as_of())) {
    absl::StatusOr<absl::CivilDay> as_of = FromProto(report.as_of());
    if (!as_of.ok()) return Invalid("progress_report.as_of", as_of.status().message());
    if (today.has_value() && *as_of > *today) {
      return Invalid("progress_report.as_of",
                     absl::StrCat(schedule::OccurrenceKey(*as_of), " is in the future (today is ",
                                  schedule::OccurrenceKey(*today), ")"));
    }
  }
  const TaskOccurrence* occurrence = nullptr;
  if (IsSet(report.occurrence_due_date())) {
    absl::StatusOr<absl::CivilDay> due = FromProto(report.occurrence_due_date());
    if (!due.ok()) {
      return Invalid("progress_report.occurrence_due_date", due.status().message());
    }
    for (const TaskOccurrence& o : task.occurrences()) {
      absl::StatusOr<absl::CivilDay> d = FromProto(o.due_date());
      if (d.ok() && *d == *due) occurrence = &o;
    }
    if (occurrence == nullptr) {
      return Invalid(
          "progress_report.occurrence_due_date",
          absl::StrCat("the task has no occurrence due on ", schedule::OccurrenceKey(*due)));
    }
  }
  if (report.evidence_size() > kMaxEvidence) {
    return Invalid("progress_report.evidence",
                   absl::StrCat("at most ", kMaxEvidence, " (got ", report.evidence_size(), ")"));
  }
  for (int i = 0; i < report.evidence_size(); ++i) {
    if (absl::Status s =
            CheckEvidence(absl::StrCat(kField, ".evidence[", i, "]"), report.evidence(i));
        !s.ok()) {
      return s;
    }
  }

  if (task.status() == v1::TASK_STATUS_CANCELLED) {
    return Precondition("task.status", absl::StrCat(task.name().empty() ? "the task" : task.name(),
                                                    " is cancelled; reopen it to report"));
  }
  if (occurrence != nullptr && occurrence->status() == v1::TASK_STATUS_CANCELLED) {
    return Precondition("progress_report.occurrence_due_date",
                        "the occurrence is cancelled; reopen it to report");
  }
  if (reported == v1::TASK_STATUS_DONE && !is_lead) {
    return Precondition("progress_report.status",
                        absl::StrCat("only the lead unit can report TASK_STATUS_DONE; ", unit,
                                     " is a coordinating unit"));
  }
  const TaskStatus current = occurrence != nullptr ? occurrence->status() : task.status();
  if (current == v1::TASK_STATUS_DONE && reported == v1::TASK_STATUS_IN_PROGRESS) {
    return Precondition("progress_report.status",
                        "cannot go from TASK_STATUS_DONE to TASK_STATUS_IN_PROGRESS by a report "
                        "(reopen it first, with a reason)");
  }
  if (reported == v1::TASK_STATUS_DONE && evidence_required && report.evidence_size() == 0) {
    return Precondition("progress_report.evidence",
                        "completing requires at least one evidence item (tài liệu kiểm chứng: "
                        "a document number or a link) in this or an earlier report");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------

TimelinessCounts CountTimeliness(const std::vector<Task>& tasks) {
  TimelinessCounts counts;
  for (const Task& t : tasks) Count(counts, t.status(), t.timeliness());
  return counts;
}

TimelinessCounts CountOccurrenceTimeliness(const std::vector<Task>& tasks) {
  TimelinessCounts counts;
  for (const Task& t : tasks) {
    for (const TaskOccurrence& o : t.occurrences()) {
      const TaskStatus s =
          t.status() == v1::TASK_STATUS_CANCELLED ? v1::TASK_STATUS_CANCELLED : o.status();
      Count(counts, s, o.timeliness());
    }
  }
  return counts;
}

std::optional<double> OnTimeRatio(const TimelinessCounts& counts) {
  const int64_t done = static_cast<int64_t>(counts.done_on_time()) + counts.done_late();
  if (done <= 0) return std::nullopt;
  return static_cast<double>(counts.done_on_time()) / static_cast<double>(done);
}

std::vector<ComponentAccountability> Accountability(const PlanFacts& plan,
                                                    const std::vector<Task>& tasks) {
  // Tasks in creation order.
  std::vector<const Task*> ordered;
  ordered.reserve(tasks.size());
  for (const Task& t : tasks) ordered.push_back(&t);
  std::stable_sort(ordered.begin(), ordered.end(), [](const Task* a, const Task* b) {
    const auto& ta = a->create_time();
    const auto& tb = b->create_time();
    if (ta.seconds() != tb.seconds()) return ta.seconds() < tb.seconds();
    return ta.nanos() < tb.nanos();
  });

  struct LeadRow {
    v1::LeadUnitProgress progress;
    std::vector<Task> tasks;
    Mean mean;
  };
  struct Row {
    ComponentAccountability row;
    std::vector<Task> tasks;
    Mean mean;
    std::vector<LeadRow> leads;
    absl::flat_hash_map<std::string, size_t> lead_index;
  };
  std::vector<Row> rows;
  absl::flat_hash_map<std::string, size_t> row_index;
  auto row_for = [&](const ComponentRef& c) -> Row& {
    const std::string key = ComponentKey(c);
    auto [it, inserted] = row_index.emplace(key, rows.size());
    if (inserted) {
      rows.emplace_back();
      *rows.back().row.mutable_component() = c;
    }
    return rows[it->second];
  };

  for (const PlanObjective& o : plan.objectives) {
    ComponentRef c;
    c.set_framework(o.framework);
    c.set_component(o.component);
    if (c.framework().empty()) continue;
    row_for(c).row.add_objective_ids(o.id);
  }

  std::vector<const Task*> general;
  for (const Task* t : ordered) {
    if (t->effective_component().framework().empty()) {
      general.push_back(t);
      continue;
    }
    Row& row = row_for(t->effective_component());
    row.tasks.push_back(*t);
  }
  if (!general.empty()) {
    ComponentRef none;
    Row& row = row_for(none);
    for (const Task* t : general) row.tasks.push_back(*t);
  }

  std::vector<ComponentAccountability> out;
  out.reserve(rows.size());
  for (Row& row : rows) {
    for (const Task& t : row.tasks) {
      row.mean.Add(t);
      const UnitRef& lead = t.lead_unit();
      const std::string key = lead.unit().empty()
                                  ? absl::StrCat("name:", text::MatchKey(lead.display_name()))
                                  : absl::StrCat("unit:", lead.unit());
      auto [it, inserted] = row.lead_index.emplace(key, row.leads.size());
      if (inserted) {
        row.leads.emplace_back();
        *row.leads.back().progress.mutable_lead_unit() = lead;
      }
      LeadRow& lr = row.leads[it->second];
      lr.progress.add_tasks(t.name());
      lr.tasks.push_back(t);
      lr.mean.Add(t);
    }
    *row.row.mutable_counts() = CountTimeliness(row.tasks);
    row.row.set_mean_percent_complete(row.mean.Value());
    for (LeadRow& lr : row.leads) {
      *lr.progress.mutable_counts() = CountTimeliness(lr.tasks);
      lr.progress.set_mean_percent_complete(lr.mean.Value());
      *row.row.add_lead_units() = std::move(lr.progress);
    }
    out.push_back(std::move(row.row));
  }
  return out;
}

}  // namespace chiso::assignment
