#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/schedule/timeframe.h"
#include "services/plan/document/extractors.h"
#include "services/plan/document/task_groups.h"
#include "unicode/utf8.h"

namespace chiso::plan::document {
namespace {

namespace cv1 = chiso::common::v1;
namespace pv1 = chiso::plan::v1;

// Limits of TaskDraft (task_draft.proto), in characters.
constexpr size_t kMaxTitleChars = 500;
constexpr size_t kTitleChars = 200;  // a title is the opening words of the task
constexpr size_t kMaxDescriptionChars = 10000;
constexpr size_t kMaxSchedulePhraseChars = 2000;
// Drafts AssignmentService.ImportTasks accepts in one call.
constexpr size_t kMaxDrafts = 1000;

// `text` cut to at most `max` characters, at a character boundary.
std::string CutAtChar(absl::string_view text, size_t max) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  size_t chars = 0;
  while (i < text.size() && chars < max) {
    U8_FWD_1(bytes, i, text.size());
    ++chars;
  }
  return std::string(text.substr(0, i));
}

// `text` cut to at most `max` characters, at a space when there is one in
// its last fifth, with "…" when cut.
std::string CutChars(absl::string_view text, size_t max) {
  const size_t i = CutAtChar(text, max).size();
  if (i >= text.size()) return std::string(text);
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  size_t cut = i;
  const size_t space = text.rfind(' ', i);
  if (space != absl::string_view::npos && space > i - i / 5) cut = space;
  // Leave room for the ellipsis within `max` characters.
  if (cut == i) {
    U8_BACK_1(bytes, 0, cut);
  }
  return absl::StrCat(text.substr(0, cut), "…");
}

// The first sentence of `text`, cut to a title.
std::string TitleOf(absl::string_view text) {
  constexpr size_t kMinSentence = 40;  // "1.2. " and "v.v. " do not end one
  size_t end = text.size();
  for (size_t i = kMinSentence; i + 1 < text.size(); ++i) {
    if ((text[i] == '.' || text[i] == ';') && text[i + 1] == ' ') {
      end = i;
      break;
    }
  }
  absl::string_view title = absl::StripAsciiWhitespace(text.substr(0, end));
  while (!title.empty() && (title.back() == ':' || title.back() == ' ')) title.remove_suffix(1);
  return CutChars(title, std::min(kTitleChars, kMaxTitleChars));
}

schedule::TimeframeContext TimeframeContextOf(const pv1::Plan& plan) {
  schedule::TimeframeContext ctx;
  const int issued = plan.issued_on().year();
  const int start = plan.period().start_year();
  const int end = std::max(plan.period().end_year(), start);
  if (start > 0) {
    ctx.period_start_year = start;
    ctx.period_end_year = end;
    if (start == end) {
      ctx.plan_year = start;
    } else if (issued > 0) {
      ctx.plan_year = std::clamp(issued, start, end);
    }
  } else if (issued > 0) {
    ctx.plan_year = issued;
    ctx.period_start_year = ctx.period_end_year = issued;
  }
  return ctx;
}

// A milestone without its words, to tell repeated ones apart.
std::string MilestoneKey(const cv1::Milestone& milestone) {
  cv1::Milestone bare = milestone;
  bare.clear_phrase();
  bare.clear_label();
  return bare.SerializeAsString();
}

// ParseTimeframe with the plan's years, once per distinct phrase: plans
// repeat "Triển khai thực hiện thường xuyên trong năm" under every group.
class Timeframes {
 public:
  explicit Timeframes(const pv1::Plan& plan) : ctx_(TimeframeContextOf(plan)) {}

  const absl::StatusOr<cv1::Schedule>& Parse(const std::string& phrase) {
    auto it = parsed_.find(phrase);
    if (it == parsed_.end()) {
      it = parsed_.emplace(phrase, schedule::ParseTimeframe(phrase, ctx_)).first;
    }
    return it->second;
  }

 private:
  const schedule::TimeframeContext ctx_;
  std::map<std::string, absl::StatusOr<cv1::Schedule>> parsed_;
};

// The schedule of a group: the milestones of its timeframe lines (or table
// cell), else of the explicit deadlines in its text, without repeats; none
// when the document gives the task no timeframe. When no phrase parses
// (NOT_A_DEADLINE: "Theo chỉ đạo của UBND tỉnh"), none either, and
// *unparsed gets the phrases for the description.
bool ScheduleOf(const TaskGroup& group, Timeframes* timeframes, Report* report, cv1::Schedule* out,
                std::string* unparsed) {
  const std::vector<WrittenTimeframe>& written =
      group.timeframes.empty() ? group.deadlines : group.timeframes;
  if (written.empty()) return false;
  std::vector<std::string> phrases;
  std::vector<std::string> seen;
  bool any_parsed = false;
  for (const WrittenTimeframe& timeframe : written) {
    if (std::find(phrases.begin(), phrases.end(), timeframe.phrase) == phrases.end()) {
      phrases.push_back(timeframe.phrase);
    }
    const absl::StatusOr<cv1::Schedule>& parsed = timeframes->Parse(timeframe.phrase);
    if (!parsed.ok()) {
      report->Warn(
          "NOT_A_DEADLINE",
          absl::StrCat(parsed.status().message(),
                       "; the timeframe is kept in the description, and the task has no milestone"),
          timeframe.first_line, timeframe.last_line);
      continue;
    }
    any_parsed = true;
    for (const cv1::Milestone& milestone : parsed->milestones()) {
      std::string key = MilestoneKey(milestone);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(std::move(key));
      *out->add_milestones() = milestone;
    }
  }
  if (!any_parsed) {
    *unparsed = absl::StrJoin(phrases, "; ");
    out->Clear();
    return false;
  }
  out->set_phrase(CutAtChar(absl::StrJoin(phrases, "; "), kMaxSchedulePhraseChars));
  return true;
}

// The objective of the plan on the group's index and component, or "".
std::string ObjectiveOf(const pv1::Plan& plan, const TaskGroup& group) {
  if (group.framework.empty()) return "";
  for (const auto& objective : plan.objectives()) {
    if (objective.framework() == group.framework && objective.component() == group.component &&
        !objective.id().empty()) {
      return objective.id();
    }
  }
  return "";
}

// What the drafts of one group share: component, text, people, lines.
cv1::TaskDraft SharedDraft(const TaskGroup& group, const pv1::Plan& plan) {
  cv1::TaskDraft draft;
  const std::string objective = ObjectiveOf(plan, group);
  if (!objective.empty()) {
    draft.set_objective_id(objective);
  } else {
    draft.set_framework(group.framework);
    draft.set_component(group.component);
  }
  std::string title = TitleOf(absl::StrJoin(group.parts, " "));
  if (title.empty()) title = CutChars(group.leads.front().text, kTitleChars);
  draft.set_title(std::move(title));
  draft.set_description(CutChars(absl::StrJoin(group.parts, "\n"), kMaxDescriptionChars));
  draft.set_supervisor(group.supervisor);
  draft.set_deliverable(group.deliverable);
  draft.set_first_line(group.first_line);
  draft.set_last_line(group.last_line);
  return draft;
}

void WarnSeveralLeads(const TaskGroup& group, Report* report) {
  std::vector<std::string> names;
  for (const UnitName& lead : group.leads) names.push_back(lead.text);
  report->Warn("SEVERAL_LEADS",
               absl::StrCat("the clause names ", group.leads.size(), " lead units (",
                            absl::StrJoin(names, "; "),
                            "); a task has exactly one, so there is one draft per lead"),
               group.clause_first_line, group.clause_last_line);
}

// Facts for the draft about to become task_drafts[index].
void AddFacts(const TaskGroup& group, const cv1::TaskDraft& draft, size_t index, Report* report) {
  const std::string field = absl::StrCat("task_drafts[", index, "]");
  report->Fact(absl::StrCat(field, ".lead_units"), draft.lead_units(0), group.clause_first_line,
               group.clause_last_line);
  if (!draft.coordinating_units().empty()) {
    report->Fact(absl::StrCat(field, ".coordinating_units"),
                 absl::StrJoin(draft.coordinating_units(), "; "), group.clause_first_line,
                 group.clause_last_line);
  }
  if (draft.has_schedule()) {
    const WrittenTimeframe& first =
        group.timeframes.empty() ? group.deadlines.front() : group.timeframes.front();
    report->Fact(absl::StrCat(field, ".schedule"), draft.schedule().phrase(), first.first_line,
                 first.last_line);
  }
}

// The drafts of one group: one per lead unit, sharing everything else.
// At most kMaxDrafts from `from` on, with one TRUNCATED warning (*truncated)
// when there would be more.
void AddDrafts(const TaskGroup& group, const pv1::Plan& plan, Timeframes* timeframes,
               Report* report, std::vector<cv1::TaskDraft>* drafts, size_t from, bool* truncated) {
  if (group.leads.empty()) return;
  cv1::TaskDraft shared = SharedDraft(group, plan);
  cv1::Schedule schedule;
  std::string unparsed;
  const bool has_schedule = ScheduleOf(group, timeframes, report, &schedule, &unparsed);
  if (!unparsed.empty()) {
    // The task is continuous work (ImportTasks: NO_TIMEFRAME); its
    // timeframe stays in its text.
    const std::string description =
        shared.description().empty()
            ? absl::StrCat("Thời gian thực hiện: ", unparsed)
            : absl::StrCat(shared.description(), "\nThời gian thực hiện: ", unparsed);
    shared.set_description(CutChars(description, kMaxDescriptionChars));
  }
  if (group.leads.size() > 1) WarnSeveralLeads(group, report);
  for (const UnitName& lead : group.leads) {
    if (drafts->size() - from >= kMaxDrafts) {
      if (!*truncated) {
        *truncated = true;
        report->Warn("TRUNCATED",
                     absl::StrCat("the document gives more than ", kMaxDrafts,
                                  " tasks, the most one import takes; the drafts from line ",
                                  group.clause_first_line, " on were left out"),
                     group.clause_first_line, group.clause_last_line);
      }
      return;
    }
    cv1::TaskDraft draft = shared;
    draft.add_lead_units(lead.text);
    const std::string lead_key = UnitKey(lead.text);
    for (const std::string& unit : group.coordinating) {
      if (UnitKey(unit) != lead_key) draft.add_coordinating_units(unit);
    }
    if (has_schedule) *draft.mutable_schedule() = schedule;
    AddFacts(group, draft, drafts->size(), report);
    if (lead.collective) {
      report->Warn("COLLECTIVE_LEAD",
                   absl::StrCat("\"", lead.text,
                                "\" names a group of units, not one lead unit; name the unit "
                                "that leads this task"),
                   group.clause_first_line, group.clause_last_line);
    }
    drafts->push_back(std::move(draft));
  }
}

// A key that survives edits elsewhere in the document: a hash of the lead
// and of the task's own words (folded), so inserting a line above a task or
// re-importing a fixed copy gives the same key, and ImportTasks does not
// create the task twice. "D" and 12 hex digits; "-<n>" when two drafts of
// one document would share a key (the same words and lead written twice).
std::string DraftKey(const cv1::TaskDraft& d) {
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&hash](absl::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 1099511628211ULL;
    }
    hash ^= 0x1f;
    hash *= 1099511628211ULL;
  };
  mix(Fold(d.lead_units().empty() ? "" : d.lead_units(0)).text);
  mix(Fold(d.description().substr(0, 400)).text);
  return absl::StrFormat("D%012x", hash & 0xffffffffffffULL);
}

void SetDraftIds(std::vector<cv1::TaskDraft>* drafts, size_t from) {
  std::map<std::string, int> seen;
  for (size_t i = from; i < drafts->size(); ++i) {
    cv1::TaskDraft& d = (*drafts)[i];
    std::string id = DraftKey(d);
    if (const int n = ++seen[id]; n > 1) absl::StrAppend(&id, "-", n);
    d.set_draft_id(std::move(id));
  }
}

}  // namespace

void ExtractTasks(const Document& doc, const ExtractContext& ctx, const pv1::Plan& plan,
                  std::vector<cv1::TaskDraft>* drafts, Report* report) {
  const size_t from = drafts->size();
  Timeframes timeframes(plan);
  bool truncated = false;
  for (const TaskGroup& group : FindTaskGroups(doc, ctx, plan, report)) {
    if (truncated) break;
    AddDrafts(group, plan, &timeframes, report, drafts, from, &truncated);
  }
  SetDraftIds(drafts, from);
}

}  // namespace chiso::plan::document
