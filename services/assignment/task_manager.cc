#include "services/assignment/task_manager.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/civil/business_time.h"
#include "common/civil/date.h"
#include "common/civil/proto_time.h"
#include "common/ids/page_token.h"
#include "common/text/fields.h"
#include "common/text/text.h"
#include "services/assignment/unit_resolver.h"

namespace chiso::assignment {
namespace {

using chiso::common::v1::Date;
using chiso::common::v1::UnitRef;
using google::protobuf::Timestamp;

constexpr int kStoreBatch = 500;
constexpr int kMaxOverdueListed = 100;
constexpr int kMaxFilterTextChars = 300;

using civil::ToTimestamp;

bool IsSet(const Date& d) { return d.year() != 0 || d.month() != 0 || d.day() != 0; }

std::string DateKey(const Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

Date ToDate(absl::CivilDay day) {
  Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

// The id of `name` = "<prefix>{id}", or InvalidArgument naming `field`.
absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view prefix,
                                      absl::string_view name) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, prefix) || !ValidId(id)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be a resource name \"", prefix,
                                                   "{id}\" (got ", text::QuoteForMessage(name),
                                                   ")"));
  }
  return std::string(id);
}

// An idempotency key (ReportProgressRequest.request_id): empty (none), or
// 1–128 printable ASCII characters.
absl::Status ValidateRequestId(absl::string_view request_id) {
  constexpr size_t kMaxRequestIdChars = 128;
  if (request_id.size() > kMaxRequestIdChars) {
    return absl::InvalidArgumentError(absl::StrCat("request_id: at most ", kMaxRequestIdChars,
                                                   " characters (got ", request_id.size(), ")"));
  }
  for (char c : request_id) {
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(
          "request_id: must be printable ASCII characters (a UUID, say)");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::CivilDay> DateField(absl::string_view field, const Date& d) {
  absl::StatusOr<absl::CivilDay> day = civil::MakeDate(d.year(), d.month(), d.day());
  if (!day.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", day.status().message()));
  }
  return day;
}

absl::Status CheckEtag(const std::string& current, const std::string& sent,
                       absl::string_view what) {
  if (!sent.empty() && sent != current) {
    return absl::AbortedError(absl::StrCat(what, ": etag \"", sent, "\" does not match \"", current,
                                           "\" (changed since read)"));
  }
  return absl::OkStatus();
}

absl::Status ChangedConcurrently(const std::string& name) {
  return absl::AbortedError(absl::StrCat(name, ": changed by another writer; retry"));
}

// Clears the fields a caller may not set.
void ClearOutputFields(apb::Task& task) {
  task.clear_name();
  task.clear_effective_component();
  task.clear_status();
  task.clear_timeliness();
  task.clear_percent_complete();
  task.clear_occurrences();
  task.clear_next_due_date();
  task.clear_complete_time();
  task.clear_status_reason();
  task.clear_source_draft_id();
  task.clear_etag();
  task.clear_create_time();
  task.clear_update_time();
}

std::string CandidateList(const apb::ResolveUnitResponse& response) {
  if (response.candidates().empty()) return "none";
  std::vector<std::string> parts;
  for (const apb::UnitCandidate& c : response.candidates()) {
    parts.push_back(absl::StrCat(text::QuoteForMessage(c.display_name()), " (", c.unit(),
                                 ", score ", c.score(), ")"));
  }
  return absl::StrJoin(parts, "; ");
}

// The key of a task in ListTasks order: next due date (none last), then id.
std::string OrderKey(const apb::Task& task) {
  const std::string due = IsSet(task.next_due_date()) ? DateKey(task.next_due_date()) : "9999";
  return absl::StrCat(due, "|", task.name().substr(task.name().rfind('/') + 1));
}

bool HasEvidenceFor(const apb::ProgressReport& report, const Date& occurrence) {
  if (report.evidence().empty()) return false;
  if (!IsSet(occurrence) || !IsSet(report.occurrence_due_date())) return true;
  return DateKey(occurrence) == DateKey(report.occurrence_due_date());
}

using Scope = std::optional<std::set<std::string>>;

bool InScope(const Scope& scope, const std::string& unit) {
  return !scope.has_value() || scope->count(unit) > 0;
}

// Leaves out of `response` the candidates outside `scope`, as if they did
// not exist (the filter the ResolveUnit handler applies for a restricted
// caller): a successor outside it is cleared, and a verdict that rested on a
// dropped candidate no longer holds.
void KeepInScope(const Scope& scope, apb::ResolveUnitResponse& response) {
  if (!scope.has_value()) return;
  apb::ResolveUnitResponse kept;
  kept.set_outcome(response.outcome());
  bool first_dropped = false;
  for (int i = 0; i < response.candidates_size(); ++i) {
    const apb::UnitCandidate& candidate = response.candidates(i);
    if (InScope(scope, candidate.unit())) {
      apb::UnitCandidate* added = kept.add_candidates();
      *added = candidate;
      if (!added->successor().empty() && !InScope(scope, added->successor())) {
        added->clear_successor();
      }
    } else if (i == 0) {
      first_dropped = true;
    }
  }
  if (kept.outcome() == apb::RESOLUTION_OUTCOME_RESOLVED && first_dropped) {
    kept.set_outcome(apb::RESOLUTION_OUTCOME_UNRESOLVED);
  }
  if (kept.outcome() != apb::RESOLUTION_OUTCOME_COLLECTIVE && kept.candidates().empty()) {
    kept.set_outcome(apb::RESOLUTION_OUTCOME_UNRESOLVED);
  }
  response = std::move(kept);
}

// Checks or resolves one unit reference of a task (see CreateTask); only
// among the units of `scope` when set.
absl::Status ResolveRef(const UnitDirectory& directory, const std::string& context,
                        absl::CivilDay today, absl::string_view field, UnitRef& ref,
                        bool allow_group, const Scope& scope) {
  if (ref.unit().empty()) {
    if (allow_group && IsCollective(ref.display_name())) return absl::OkStatus();
    apb::ResolveUnitRequest request;
    request.set_text(ref.display_name());
    request.set_context_unit(context);
    absl::StatusOr<apb::ResolveUnitResponse> response = ResolveUnit(directory, request, today);
    if (!response.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".display_name: ", response.status().message()));
    }
    KeepInScope(scope, *response);
    if (response->outcome() != apb::RESOLUTION_OUTCOME_RESOLVED) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".display_name: ", text::QuoteForMessage(ref.display_name()),
                       " does not name exactly one unit",
                       context.empty() ? "" : absl::StrCat(" under ", context), " (",
                       apb::ResolutionOutcome_Name(response->outcome()),
                       "); candidates: ", CandidateList(*response)));
    }
    const apb::UnitCandidate& best = response->candidates(0);
    ref.set_unit(best.successor().empty() ? best.unit() : best.successor());
  }
  const Unit* unit = directory.Find(ref.unit());
  // A unit outside the caller's scope answers exactly as a missing one.
  if (unit == nullptr || !InScope(scope, ref.unit())) {
    return absl::NotFoundError(absl::StrCat(field, ".unit: ", ref.unit(), " not found"));
  }
  if (UnitDirectory::EndedBy(*unit, today) || !unit->merged_into().empty()) {
    const bool name_successor = !unit->merged_into().empty() && InScope(scope, unit->merged_into());
    return absl::FailedPreconditionError(
        absl::StrCat(field, ".unit: ", ref.unit(), " (",
                     text::QuoteForMessage(unit->display_name()), ") has ended or merged",
                     name_successor ? " into " : "", name_successor ? unit->merged_into() : ""));
  }
  if (ref.display_name().empty()) ref.set_display_name(unit->display_name());
  return absl::OkStatus();
}

// The pinned plans of this thread and the manager they belong to.
thread_local const TaskManager* pinned_owner = nullptr;
thread_local PlanClient* pinned_client = nullptr;

// Serves the plans read before a change; nothing else.
class PinnedPlanClient : public PlanClient {
 public:
  explicit PinnedPlanClient(
      std::vector<std::pair<std::string, absl::StatusOr<chiso::plan::v1::Plan>>> plans)
      : plans_(std::move(plans)) {}

  absl::StatusOr<chiso::plan::v1::Plan> GetPlan(absl::string_view name) override {
    for (const auto& [pinned, plan] : plans_) {
      if (pinned == name) return plan;
    }
    return absl::FailedPreconditionError(
        absl::StrCat(name, " was not read from the plan service before the change"));
  }

 private:
  std::vector<std::pair<std::string, absl::StatusOr<chiso::plan::v1::Plan>>> plans_;
};

}  // namespace

TaskManager::PinnedPlans::PinnedPlans(
    TaskManager* manager,
    std::vector<std::pair<std::string, absl::StatusOr<chiso::plan::v1::Plan>>> plans)
    : client_(std::make_unique<PinnedPlanClient>(std::move(plans))),
      previous_owner_(pinned_owner),
      previous_client_(pinned_client) {
  pinned_owner = manager;
  pinned_client = client_.get();
}

TaskManager::PinnedPlans::~PinnedPlans() {
  pinned_owner = previous_owner_;
  pinned_client = previous_client_;
}

PlanClient& TaskManager::Plans() {
  if (pinned_owner == this && pinned_client != nullptr) return *pinned_client;
  return *plans_;
}

absl::StatusOr<chiso::plan::v1::Plan> TaskManager::GetPlan(absl::string_view name) {
  return Plans().GetPlan(name);
}

TaskManager::TaskManager(AssignmentStore* store, PlanClient* plans, const Catalog* catalog,
                         const civil::Clock* clock, IdGenerator* ids, TaskManagerOptions options)
    : store_(store),
      plans_(plans),
      catalog_(catalog),
      clock_(clock),
      ids_(ids),
      options_(options) {}

absl::CivilDay TaskManager::Today() const { return civil::BusinessDay(clock_->Now()); }

PlanFacts TaskManager::NoteFacts(const chiso::plan::v1::Plan& plan) {
  // Reminders are rebuilt from this service's own database, so keep what they
  // need of the plan whenever it changed since last seen. Failing to keep it
  // only makes reminders less descriptive; it never fails the call.
  bool changed = false;
  {
    absl::MutexLock lock(&remembered_mu_);
    std::string& etag = remembered_etags_[plan.name()];
    if (etag != plan.etag() || plan.etag().empty()) {
      etag = plan.etag();
      changed = true;
    }
  }
  if (changed) {
    if (absl::Status s = store_->RememberPlan(plan); !s.ok()) {
      absl::MutexLock lock(&remembered_mu_);
      remembered_etags_.erase(plan.name());
    }
  }
  return PlanFactsOf(plan);
}

absl::StatusOr<PlanFacts> TaskManager::FactsOf(const std::string& plan_name) {
  absl::StatusOr<chiso::plan::v1::Plan> plan = Plans().GetPlan(plan_name);
  if (!plan.ok()) return plan.status();
  return NoteFacts(*plan);
}

absl::Status TaskManager::Refresh(std::vector<apb::Task>& tasks) {
  return RefreshAsOf(Today(), tasks);
}

absl::StatusOr<absl::CivilDay> TaskManager::SummaryDay(const Date& as_of) const {
  if (!IsSet(as_of)) return Today();
  absl::StatusOr<absl::CivilDay> day = civil::MakeDate(as_of.year(), as_of.month(), as_of.day());
  if (!day.ok() || as_of.year() < 2000 || as_of.year() > 2100) {
    return absl::InvalidArgumentError(absl::StrCat("as_of: ", as_of.year(), "-", as_of.month(), "-",
                                                   as_of.day(),
                                                   " is not a date of the years 2000-2100"));
  }
  return day;
}

absl::Status TaskManager::RefreshAsOf(absl::CivilDay today, std::vector<apb::Task>& tasks) {
  std::map<std::string, PlanFacts> facts;
  for (apb::Task& task : tasks) {
    auto it = facts.find(task.plan());
    if (it == facts.end()) {
      absl::StatusOr<PlanFacts> f = FactsOf(task.plan());
      if (!f.ok()) {
        // A plan deleted from the plan service leaves its tasks readable
        // with what their schedules alone say.
        if (!absl::IsNotFound(f.status())) return f.status();
        PlanFacts bare;
        bare.name = task.plan();
        f = std::move(bare);
      }
      it = facts.emplace(task.plan(), *std::move(f)).first;
    }
    ComputeDerived(it->second, today, options_.due_soon_days, task);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> TaskManager::UnitsWithHistory(const std::string& unit_id,
                                                                       bool subtree) {
  absl::StatusOr<std::vector<Unit>> units = store_->AllUnits();
  if (!units.ok()) return units.status();
  std::map<std::string, std::vector<std::string>> children, predecessors;
  bool known = false;
  for (const Unit& u : *units) {
    if (u.name() == absl::StrCat("units/", unit_id)) known = true;
    if (!u.parent().empty()) children[u.parent()].push_back(u.name());
    if (!u.merged_into().empty()) predecessors[u.merged_into()].push_back(u.name());
  }
  if (!known) return absl::NotFoundError(absl::StrCat("units/", unit_id, " not found"));
  // Breadth-first over "merged into me" (always) and "my children" (with
  // subtree); the visited set makes cycles in bad data harmless.
  std::set<std::string> seen = {absl::StrCat("units/", unit_id)};
  std::vector<std::string> queue(seen.begin(), seen.end());
  for (size_t i = 0; i < queue.size(); ++i) {
    const std::string current = queue[i];
    std::vector<std::string> next = predecessors[current];
    if (subtree) next.insert(next.end(), children[current].begin(), children[current].end());
    for (const std::string& n : next) {
      if (seen.insert(n).second) queue.push_back(n);
    }
  }
  std::vector<std::string> ids;
  for (const std::string& name : queue) ids.push_back(name.substr(std::string("units/").size()));
  return ids;
}

absl::StatusOr<std::vector<apb::Task>> TaskManager::CurrentTasks() {
  absl::StatusOr<std::vector<Unit>> units = store_->AllUnits();
  if (!units.ok()) return units.status();
  std::vector<std::string> ids;
  for (const Unit& unit : *units) {
    absl::StatusOr<std::string> id = ParseName("unit", "units/", unit.name());
    if (id.ok()) ids.push_back(*std::move(id));
  }
  if (ids.empty()) return std::vector<apb::Task>();
  // Every task has a lead unit, so the tasks of all units are all tasks.
  absl::StatusOr<std::vector<apb::Task>> tasks = store_->ListAllTasksForUnits(ids);
  if (!tasks.ok()) return tasks.status();
  if (absl::Status s = Refresh(*tasks); !s.ok()) return s;
  return tasks;
}

absl::Status TaskManager::ResolveUnits(const chiso::plan::v1::Plan& plan, apb::Task& task,
                                       const std::optional<std::set<std::string>>& scope) {
  absl::StatusOr<std::vector<Unit>> all = store_->AllUnits();
  if (!all.ok()) return all.status();
  const UnitDirectory directory(*std::move(all));
  std::string context = plan.issuer().unit();
  if (!context.empty() && directory.Find(context) == nullptr) context.clear();
  const absl::CivilDay today = Today();
  if (absl::Status s = ResolveRef(directory, context, today, "task.lead_unit",
                                  *task.mutable_lead_unit(), false, scope);
      !s.ok()) {
    return s;
  }
  std::set<std::string> seen = {task.lead_unit().unit()};
  for (int i = 0; i < task.coordinating_units_size(); ++i) {
    const std::string field = absl::StrCat("task.coordinating_units[", i, "]");
    UnitRef& ref = *task.mutable_coordinating_units(i);
    if (absl::Status s = ResolveRef(directory, context, today, field, ref, true, scope); !s.ok()) {
      return s;
    }
    if (ref.unit().empty()) continue;  // a group named as written
    if (ref.unit() == task.lead_unit().unit()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", ref.unit(), " is the lead unit; a coordinating unit must differ"));
    }
    if (!seen.insert(ref.unit()).second) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", ref.unit(), " is repeated"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<apb::Task> TaskManager::CreateTask(
    const apb::CreateTaskRequest& request, const std::optional<std::set<std::string>>& scope) {
  if (!request.has_task()) return absl::InvalidArgumentError("task: required");
  apb::Task task = request.task();
  ClearOutputFields(task);
  absl::StatusOr<chiso::plan::v1::Plan> plan = PlanOpenForTasks(Plans(), "task.plan", task.plan());
  if (!plan.ok()) return plan.status();
  const PlanFacts facts = NoteFacts(*plan);
  if (absl::Status s = ValidateAndNormalizeTask(*catalog_, facts, task); !s.ok()) return s;
  if (absl::Status s = ResolveUnits(*plan, task, scope); !s.ok()) return s;
  task.set_name(absl::StrCat("tasks/", ids_->Next()));
  task.set_status(apb::TASK_STATUS_NOT_STARTED);
  const Timestamp now = ToTimestamp(clock_->Now());
  *task.mutable_create_time() = now;
  *task.mutable_update_time() = now;
  ComputeDerived(facts, Today(), options_.due_soon_days, task);
  absl::StatusOr<apb::Task> created = store_->CreateTask(task);
  if (!created.ok()) return created.status();
  ComputeDerived(facts, Today(), options_.due_soon_days, *created);
  return created;
}

absl::StatusOr<apb::Task> TaskManager::GetTask(const apb::GetTaskRequest& request) {
  absl::StatusOr<std::string> id = ParseName("name", "tasks/", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<apb::Task> task = store_->GetTask(*id);
  if (!task.ok()) return task.status();
  std::vector<apb::Task> one = {*std::move(task)};
  if (absl::Status s = Refresh(one); !s.ok()) return s;
  return std::move(one[0]);
}

absl::StatusOr<apb::ListTasksResponse> TaskManager::ListTasks(
    const apb::ListTasksRequest& request, const std::optional<std::string>& scope) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const apb::TaskFilter& filter = request.filter();
  TaskQuery query;
  query.limit = kStoreBatch;
  query.scope_id = scope;
  if (!filter.plan().empty()) {
    absl::StatusOr<std::string> plan_id = ParseName("filter.plan", "plans/", filter.plan());
    if (!plan_id.ok()) return plan_id.status();
    absl::StatusOr<chiso::plan::v1::Plan> plan = Plans().GetPlan(filter.plan());
    if (!plan.ok()) return plan.status();
    query.plan_id = *plan_id;
  }
  if (!filter.unit().empty()) {
    absl::StatusOr<std::string> unit_id = ParseName("filter.unit", "units/", filter.unit());
    if (!unit_id.ok()) return unit_id.status();
    absl::StatusOr<std::vector<std::string>> ids =
        UnitsWithHistory(*unit_id, filter.include_subtree());
    if (!ids.ok()) return ids.status();
    query.unit_ids = *std::move(ids);
    if (!apb::UnitRole_IsValid(filter.unit_role())) {
      return absl::InvalidArgumentError("filter.unit_role: unknown role");
    }
    query.unit_role = filter.unit_role();
  }
  if (!filter.component().empty() && filter.framework().empty()) {
    return absl::InvalidArgumentError("filter.component: needs filter.framework");
  }
  if (!filter.framework().empty()) {
    if (absl::Status s = catalog_->CheckCodes("filter", filter.framework(), filter.component());
        !s.ok()) {
      return s;
    }
    query.framework = filter.framework();
    query.component = filter.component();
  }
  query.objective_id = filter.objective_id();
  if (!filter.supervisor_person().empty()) {
    absl::StatusOr<std::string> person =
        ParseName("filter.supervisor_person", "people/", filter.supervisor_person());
    if (!person.ok()) return person.status();
    query.supervisor_person_id = *person;
  }
  // Each status once: a repeated list must not grow the SQL (one placeholder
  // per value; PostgreSQL takes at most 65535).
  std::set<int> statuses;
  for (int s : filter.statuses()) {
    if (!apb::TaskStatus_IsValid(s) || s == apb::TASK_STATUS_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("filter.statuses: unknown status ", s));
    }
    if (statuses.insert(s).second) query.statuses.push_back(static_cast<apb::TaskStatus>(s));
  }
  std::set<int> timeliness;
  for (int t : filter.timeliness()) {
    if (!apb::Timeliness_IsValid(t)) {
      return absl::InvalidArgumentError(absl::StrCat("filter.timeliness: unknown value ", t));
    }
    timeliness.insert(t);
  }
  std::string due_from, due_to;
  if (IsSet(filter.due_from())) {
    absl::StatusOr<absl::CivilDay> d = DateField("filter.due_from", filter.due_from());
    if (!d.ok()) return d.status();
    due_from = DateKey(filter.due_from());
  }
  if (IsSet(filter.due_to())) {
    absl::StatusOr<absl::CivilDay> d = DateField("filter.due_to", filter.due_to());
    if (!d.ok()) return d.status();
    due_to = DateKey(filter.due_to());
  }
  if (!due_from.empty() && !due_to.empty() && due_from > due_to) {
    return absl::InvalidArgumentError("filter.due_to: before filter.due_from");
  }
  std::string text_key;
  if (!filter.text().empty()) {
    if (text::CodePointCount(filter.text()) > kMaxFilterTextChars) {
      return absl::InvalidArgumentError("filter.text: over 300 characters");
    }
    text_key = text::MatchKey(filter.text());
  }
  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    after = *key;
  }

  // Timeliness and due dates move with the clock, so the matching tasks are
  // recomputed and ordered here rather than by the stored columns.
  std::vector<apb::Task> matched;
  for (;;) {
    absl::StatusOr<TaskPage> page = store_->ListTasks(query);
    if (!page.ok()) return page.status();
    if (!page->tasks.empty()) {
      const std::string& last = page->tasks.back().name();
      query.after_id = last.substr(last.rfind('/') + 1);
    }
    if (absl::Status s = Refresh(page->tasks); !s.ok()) return s;
    for (apb::Task& task : page->tasks) {
      if (!timeliness.empty() && timeliness.count(task.timeliness()) == 0) continue;
      if (!due_from.empty() || !due_to.empty()) {
        bool any = false;
        for (const apb::TaskOccurrence& o : task.occurrences()) {
          const std::string due = DateKey(o.due_date());
          if ((due_from.empty() || due >= due_from) && (due_to.empty() || due <= due_to)) {
            any = true;
            break;
          }
        }
        if (!any) continue;
      }
      if (!text_key.empty()) {
        const std::string haystack =
            absl::StrCat(text::MatchKey(task.title()), "\n", text::MatchKey(task.description()),
                         "\n", text::MatchKey(task.deliverable()));
        if (!absl::StrContains(haystack, text_key)) continue;
      }
      if (!after.empty() && OrderKey(task) <= after) continue;
      matched.push_back(std::move(task));
    }
    if (!page->more) break;
  }
  std::sort(matched.begin(), matched.end(),
            [](const apb::Task& a, const apb::Task& b) { return OrderKey(a) < OrderKey(b); });
  apb::ListTasksResponse response;
  const size_t n = std::min(matched.size(), static_cast<size_t>(*size));
  for (size_t i = 0; i < n; ++i) *response.add_tasks() = std::move(matched[i]);
  if (matched.size() > n && n > 0) {
    response.set_next_page_token(
        EncodePageToken(fingerprint, OrderKey(response.tasks(response.tasks_size() - 1))));
  }
  return response;
}

absl::StatusOr<apb::Task> TaskManager::UpdateTask(
    const apb::UpdateTaskRequest& request, const std::optional<std::set<std::string>>& scope) {
  absl::StatusOr<std::string> id = ParseName("task.name", "tasks/", request.task().name());
  if (!id.ok()) return id.status();
  static const std::set<std::string>* const kPaths = new std::set<std::string>{
      "objective_id",       "component",         "title",           "description", "lead_unit",
      "coordinating_units", "supervisor_person", "supervisor_post", "deliverable", "schedule"};
  if (request.update_mask().paths().empty()) {
    return absl::InvalidArgumentError("update_mask: required (name the fields to change)");
  }
  bool only_description = true;
  for (const std::string& path : request.update_mask().paths()) {
    if (kPaths->count(path) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: \"", path,
                       "\" cannot be updated (allowed: ", absl::StrJoin(*kPaths, ", "), ")"));
    }
    if (path != "description") only_description = false;
  }
  absl::StatusOr<apb::Task> read = store_->GetTask(*id);
  if (!read.ok()) return read.status();
  if (absl::Status s = CheckEtag(read->etag(), request.task().etag(), read->name()); !s.ok()) {
    return s;
  }
  if ((read->status() == apb::TASK_STATUS_DONE || read->status() == apb::TASK_STATUS_CANCELLED) &&
      !only_description) {
    return absl::FailedPreconditionError(
        absl::StrCat(read->name(), ": is ", apb::TaskStatus_Name(read->status()),
                     "; only description may change (reopen it first)"));
  }
  // A description may still be corrected on a closed task of a closed plan
  // (or one whose units have since merged): only other changes need the plan
  // open and the units current.
  absl::StatusOr<chiso::plan::v1::Plan> plan =
      only_description ? Plans().GetPlan(read->plan())
                       : PlanOpenForTasks(Plans(), "task.plan", read->plan());
  if (!plan.ok()) return plan.status();
  const PlanFacts facts = NoteFacts(*plan);

  apb::Task next = *read;
  const apb::Task& in = request.task();
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "objective_id") {
      if (in.has_objective_id()) {
        next.set_objective_id(in.objective_id());
      } else if (next.has_objective_id()) {
        next.clear_contributes_to();
      }
    } else if (path == "component") {
      if (in.has_component()) {
        *next.mutable_component() = in.component();
      } else if (next.has_component()) {
        next.clear_contributes_to();
      }
    } else if (path == "title") {
      next.set_title(in.title());
    } else if (path == "description") {
      next.set_description(in.description());
    } else if (path == "lead_unit") {
      *next.mutable_lead_unit() = in.lead_unit();
    } else if (path == "coordinating_units") {
      *next.mutable_coordinating_units() = in.coordinating_units();
    } else if (path == "supervisor_person") {
      if (in.has_supervisor_person()) {
        next.set_supervisor_person(in.supervisor_person());
      } else if (next.has_supervisor_person()) {
        next.clear_supervisor();
      }
    } else if (path == "supervisor_post") {
      if (in.has_supervisor_post()) {
        next.set_supervisor_post(in.supervisor_post());
      } else if (next.has_supervisor_post()) {
        next.clear_supervisor();
      }
    } else if (path == "deliverable") {
      next.set_deliverable(in.deliverable());
    } else if (path == "schedule") {
      *next.mutable_schedule() = in.schedule();
    }
  }
  next.clear_effective_component();
  if (absl::Status s = ValidateAndNormalizeTask(*catalog_, facts, next); !s.ok()) return s;
  if (!only_description) {
    // The units the task already names stay allowed: the caller sees them.
    Scope allowed = scope;
    if (allowed.has_value()) {
      allowed->insert(read->lead_unit().unit());
      for (const UnitRef& ref : read->coordinating_units()) allowed->insert(ref.unit());
    }
    if (absl::Status s = ResolveUnits(*plan, next, allowed); !s.ok()) return s;
  }
  const absl::CivilDay today = Today();
  absl::StatusOr<apb::Task> updated = store_->UpdateTask(*id, [&](apb::Task& task) -> absl::Status {
    if (task.etag() != read->etag()) return ChangedConcurrently(task.name());
    const std::string etag = task.etag();
    const Timestamp create_time = task.create_time();
    task = next;
    task.set_etag(etag);
    *task.mutable_create_time() = create_time;
    *task.mutable_update_time() = ToTimestamp(clock_->Now());
    ComputeDerived(facts, today, options_.due_soon_days, task);
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated.status();
  ComputeDerived(facts, today, options_.due_soon_days, *updated);
  return updated;
}

absl::Status TaskManager::DeleteTask(const apb::DeleteTaskRequest& request) {
  absl::StatusOr<std::string> id = ParseName("name", "tasks/", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<apb::Task> read = store_->GetTask(*id);
  if (!read.ok()) return read.status();
  ReportQuery reports;
  reports.task_id = *id;
  reports.limit = 1;
  absl::StatusOr<ReportPage> page = store_->ListReports(reports);
  if (!page.ok()) return page.status();
  const bool has_reports = !page->reports.empty();
  return store_->DeleteTask(*id, [&](const apb::Task& task) -> absl::Status {
    if (absl::Status s = CheckEtag(task.etag(), request.etag(), task.name()); !s.ok()) return s;
    if (task.etag() != read->etag()) return ChangedConcurrently(task.name());
    if (has_reports) {
      return absl::FailedPreconditionError(
          absl::StrCat(task.name(), ": has progress reports; cancel it instead (history is kept)"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<apb::Task> TaskManager::CancelTask(const apb::CancelTaskRequest& request) {
  absl::StatusOr<std::string> id = ParseName("name", "tasks/", request.name());
  if (!id.ok()) return id.status();
  absl::StatusOr<apb::Task> read = store_->GetTask(*id);
  if (!read.ok()) return read.status();
  absl::StatusOr<PlanFacts> facts = FactsOf(read->plan());
  if (!facts.ok()) {
    if (!absl::IsNotFound(facts.status())) return facts.status();
    facts = PlanFacts();
    facts->name = read->plan();
  }
  const std::string reason = text::CollapseWhitespace(text::NormalizeNfc(request.reason()));
  const absl::CivilDay today = Today();
  absl::StatusOr<apb::Task> updated = store_->UpdateTask(*id, [&](apb::Task& task) -> absl::Status {
    if (absl::Status s = CheckEtag(task.etag(), request.etag(), task.name()); !s.ok()) return s;
    if (absl::Status s = CheckTransition(task.status(), apb::TASK_STATUS_CANCELLED, reason);
        !s.ok()) {
      return s;  // names the reason field itself when that is what is wrong
    }
    task.set_status(apb::TASK_STATUS_CANCELLED);
    task.set_status_reason(reason);
    *task.mutable_update_time() = ToTimestamp(clock_->Now());
    ComputeDerived(*facts, today, options_.due_soon_days, task);
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated.status();
  ComputeDerived(*facts, today, options_.due_soon_days, *updated);
  return updated;
}

absl::StatusOr<apb::Task> TaskManager::ReopenTask(const apb::ReopenTaskRequest& request) {
  absl::StatusOr<std::string> id = ParseName("name", "tasks/", request.name());
  if (!id.ok()) return id.status();
  const bool one_occurrence = IsSet(request.occurrence_due_date());
  if (one_occurrence) {
    absl::StatusOr<absl::CivilDay> d =
        DateField("occurrence_due_date", request.occurrence_due_date());
    if (!d.ok()) return d.status();
  }
  absl::StatusOr<apb::Task> read = store_->GetTask(*id);
  if (!read.ok()) return read.status();
  absl::StatusOr<chiso::plan::v1::Plan> plan = PlanOpenForTasks(Plans(), "task.plan", read->plan());
  if (!plan.ok()) return plan.status();
  const PlanFacts facts = NoteFacts(*plan);
  const std::string reason = text::CollapseWhitespace(text::NormalizeNfc(request.reason()));
  const absl::CivilDay today = Today();
  absl::StatusOr<apb::Task> updated = store_->UpdateTask(*id, [&](apb::Task& task) -> absl::Status {
    if (absl::Status s = CheckEtag(task.etag(), request.etag(), task.name()); !s.ok()) return s;
    ComputeDerived(facts, today, options_.due_soon_days, task);
    if (one_occurrence) {
      const std::string want = DateKey(request.occurrence_due_date());
      apb::TaskOccurrence* occurrence = nullptr;
      for (apb::TaskOccurrence& o : *task.mutable_occurrences()) {
        if (DateKey(o.due_date()) == want) occurrence = &o;
      }
      if (occurrence == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("occurrence_due_date: ", want, " is not a due date of ", task.name()));
      }
      if (absl::Status s = CheckReopen(occurrence->status(), reason); !s.ok()) return s;
      occurrence->set_status(apb::TASK_STATUS_IN_PROGRESS);
      occurrence->clear_complete_time();
      if (task.status() == apb::TASK_STATUS_DONE || task.status() == apb::TASK_STATUS_CANCELLED) {
        task.set_status(apb::TASK_STATUS_IN_PROGRESS);
        task.clear_complete_time();
      }
    } else {
      if (absl::Status s = CheckReopen(task.status(), reason); !s.ok()) return s;
      const std::string completed = task.complete_time().SerializeAsString();
      for (apb::TaskOccurrence& o : *task.mutable_occurrences()) {
        if (o.status() == apb::TASK_STATUS_CANCELLED ||
            (o.status() == apb::TASK_STATUS_DONE &&
             o.complete_time().SerializeAsString() == completed)) {
          o.set_status(apb::TASK_STATUS_IN_PROGRESS);
          o.clear_complete_time();
        }
      }
      task.set_status(apb::TASK_STATUS_IN_PROGRESS);
      task.clear_complete_time();
    }
    task.set_status_reason(reason);
    *task.mutable_update_time() = ToTimestamp(clock_->Now());
    ComputeDerived(facts, today, options_.due_soon_days, task);
    return absl::OkStatus();
  });
  if (!updated.ok()) return updated.status();
  ComputeDerived(facts, today, options_.due_soon_days, *updated);
  return updated;
}

absl::StatusOr<std::optional<apb::ReportProgressResponse>> TaskManager::ReplayReport(
    const std::string& task_id, const std::string& request_id) {
  std::optional<apb::ReportProgressResponse> response;
  if (request_id.empty()) return response;
  absl::StatusOr<std::optional<apb::ProgressReport>> first =
      store_->ReportByRequestId(task_id, request_id);
  if (!first.ok()) return first.status();
  if (!first->has_value()) return response;
  absl::StatusOr<apb::Task> task = store_->GetTask(task_id);
  if (!task.ok()) return task.status();
  std::vector<apb::Task> one = {*std::move(task)};
  if (absl::Status s = Refresh(one); !s.ok()) return s;
  response.emplace();
  *response->mutable_task() = std::move(one[0]);
  *response->mutable_progress_report() = std::move(**first);
  return response;
}

absl::StatusOr<apb::ReportProgressResponse> TaskManager::ReportProgress(
    const apb::ReportProgressRequest& request, bool* replayed) {
  if (replayed != nullptr) *replayed = false;
  absl::StatusOr<std::string> id = ParseName("task", "tasks/", request.task());
  if (!id.ok()) return id.status();
  if (absl::Status s = ValidateRequestId(request.request_id()); !s.ok()) return s;
  absl::StatusOr<apb::Task> read = store_->GetTask(*id);
  if (!read.ok()) return read.status();
  // A retry: the first call's result, before any check the first call
  // passed (the etag it carried is stale by now).
  absl::StatusOr<std::optional<apb::ReportProgressResponse>> replay =
      ReplayReport(*id, request.request_id());
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) {
    if (replayed != nullptr) *replayed = true;
    return **std::move(replay);
  }
  absl::StatusOr<chiso::plan::v1::Plan> plan = PlanOpenForTasks(Plans(), "task.plan", read->plan());
  if (!plan.ok()) return plan.status();
  const PlanFacts facts = NoteFacts(*plan);
  const absl::CivilDay today = Today();
  apb::Task current = *read;
  ComputeDerived(facts, today, options_.due_soon_days, current);

  const apb::ProgressReport& in = request.progress_report();
  bool evidence_required = options_.evidence_required_default;
  if (evidence_required && in.status() == apb::TASK_STATUS_DONE) {
    ReportQuery query;
    query.task_id = *id;
    query.limit = kStoreBatch;
    for (;;) {
      absl::StatusOr<ReportPage> page = store_->ListReports(query);
      if (!page.ok()) return page.status();
      for (const apb::ProgressReport& r : page->reports) {
        if (HasEvidenceFor(r, in.occurrence_due_date())) evidence_required = false;
      }
      if (!page->more || page->reports.empty()) break;
      const std::string& last = page->reports.back().name();
      query.after_id = last.substr(last.rfind('/') + 1);
    }
  }
  if (absl::Status s = ValidateProgressReport(current, request, evidence_required, today);
      !s.ok()) {
    return s;
  }

  const Timestamp now = ToTimestamp(clock_->Now());
  apb::ProgressReport report = in;
  report.set_name(absl::StrCat(read->name(), "/progressReports/", ids_->Next()));
  *report.mutable_create_time() = now;
  if (!IsSet(report.as_of())) *report.mutable_as_of() = ToDate(today);

  absl::StatusOr<std::pair<apb::Task, apb::ProgressReport>> written = store_->UpdateTaskWithReport(
      *id,
      [&](apb::Task& task) -> absl::Status {
        if (absl::Status s = CheckEtag(task.etag(), request.etag(), task.name()); !s.ok()) return s;
        if (task.etag() != read->etag()) return ChangedConcurrently(task.name());
        ComputeDerived(facts, today, options_.due_soon_days, task);
        if (IsSet(in.occurrence_due_date())) {
          const std::string want = DateKey(in.occurrence_due_date());
          bool all_done = true;
          for (apb::TaskOccurrence& o : *task.mutable_occurrences()) {
            if (DateKey(o.due_date()) == want) {
              if (in.status() == apb::TASK_STATUS_DONE) {
                // A further DONE report (say, more evidence) keeps the date
                // the work was completed.
                if (o.status() != apb::TASK_STATUS_DONE) *o.mutable_complete_time() = now;
                o.set_status(apb::TASK_STATUS_DONE);
              } else if (o.status() == apb::TASK_STATUS_NOT_STARTED) {
                o.set_status(apb::TASK_STATUS_IN_PROGRESS);
              }
            }
            if (o.status() != apb::TASK_STATUS_DONE && o.status() != apb::TASK_STATUS_CANCELLED) {
              all_done = false;
            }
          }
          if (all_done && in.status() == apb::TASK_STATUS_DONE) {
            if (task.status() != apb::TASK_STATUS_DONE) *task.mutable_complete_time() = now;
            task.set_status(apb::TASK_STATUS_DONE);
          } else if (task.status() == apb::TASK_STATUS_NOT_STARTED) {
            task.set_status(apb::TASK_STATUS_IN_PROGRESS);
          }
        } else {
          task.set_percent_complete(in.percent_complete());
          if (in.status() == apb::TASK_STATUS_DONE) {
            if (task.status() != apb::TASK_STATUS_DONE) *task.mutable_complete_time() = now;
            task.set_status(apb::TASK_STATUS_DONE);
          } else if (task.status() == apb::TASK_STATUS_NOT_STARTED) {
            task.set_status(apb::TASK_STATUS_IN_PROGRESS);
          }
        }
        *task.mutable_update_time() = now;
        ComputeDerived(facts, today, options_.due_soon_days, task);
        return absl::OkStatus();
      },
      report, request.request_id());
  if (!written.ok()) {
    // Lost a race with a call carrying the same key (its report took the
    // key, or its task update came first): answer as its retry.
    if (!request.request_id().empty() &&
        (absl::IsAlreadyExists(written.status()) || absl::IsAborted(written.status()))) {
      absl::StatusOr<std::optional<apb::ReportProgressResponse>> raced =
          ReplayReport(*id, request.request_id());
      if (raced.ok() && raced->has_value()) {
        if (replayed != nullptr) *replayed = true;
        return **std::move(raced);
      }
    }
    return written.status();
  }
  apb::ReportProgressResponse response;
  *response.mutable_task() = std::move(written->first);
  ComputeDerived(facts, today, options_.due_soon_days, *response.mutable_task());
  *response.mutable_progress_report() = std::move(written->second);
  return response;
}

absl::StatusOr<apb::ProgressReport> TaskManager::GetProgressReport(
    const apb::GetProgressReportRequest& request) {
  const std::string& name = request.name();
  const size_t slash = name.find("/progressReports/");
  if (slash == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: must be \"tasks/{task}/progressReports/{id}\" (got ",
                     text::QuoteForMessage(name), ")"));
  }
  absl::StatusOr<std::string> task_id = ParseName("name", "tasks/", name.substr(0, slash));
  if (!task_id.ok()) return task_id.status();
  const std::string report_id = name.substr(slash + std::string("/progressReports/").size());
  if (!ValidId(report_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("name: malformed report id (got ", text::QuoteForMessage(name), ")"));
  }
  return store_->GetReport(*task_id, report_id);
}

absl::StatusOr<apb::ListProgressReportsResponse> TaskManager::ListProgressReports(
    const apb::ListProgressReportsRequest& request) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> task_id = ParseName("parent", "tasks/", request.parent());
  if (!task_id.ok()) return task_id.status();
  const apb::ProgressReportFilter& filter = request.filter();
  ReportQuery query;
  query.task_id = *task_id;
  query.limit = kStoreBatch;
  if (!filter.reporting_unit().empty()) {
    absl::StatusOr<std::string> unit =
        ParseName("filter.reporting_unit", "units/", filter.reporting_unit());
    if (!unit.ok()) return unit.status();
    query.reporting_unit_id = *unit;
  }
  if (IsSet(filter.occurrence_due_date())) {
    absl::StatusOr<absl::CivilDay> d =
        DateField("filter.occurrence_due_date", filter.occurrence_due_date());
    if (!d.ok()) return d.status();
    query.occurrence_due = DateKey(filter.occurrence_due_date());
  }
  const std::string fingerprint =
      Fingerprint(absl::StrCat(request.parent(), "\n", filter.SerializeAsString()));
  std::string before;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    before = *key;
  }
  std::vector<apb::ProgressReport> all;
  for (;;) {
    absl::StatusOr<ReportPage> page = store_->ListReports(query);
    if (!page.ok()) return page.status();
    for (apb::ProgressReport& r : page->reports) all.push_back(std::move(r));
    if (!page->more || all.empty()) break;
    query.after_id = all.back().name().substr(all.back().name().rfind('/') + 1);
  }
  apb::ListProgressReportsResponse response;
  bool more = false;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const std::string rid = it->name().substr(it->name().rfind('/') + 1);
    if (!before.empty() && rid >= before) continue;
    if (response.progress_reports_size() == *size) {
      more = true;
      break;
    }
    *response.add_progress_reports() = std::move(*it);
  }
  if (more) {
    const std::string& last =
        response.progress_reports(response.progress_reports_size() - 1).name();
    response.set_next_page_token(EncodePageToken(fingerprint, last.substr(last.rfind('/') + 1)));
  }
  return response;
}

absl::StatusOr<apb::UnitSummary> TaskManager::GetUnitSummary(
    const apb::GetUnitSummaryRequest& request) {
  absl::StatusOr<std::string> unit_id = ParseName("unit", "units/", request.unit());
  if (!unit_id.ok()) return unit_id.status();
  absl::StatusOr<absl::CivilDay> day = SummaryDay(request.as_of());
  if (!day.ok()) return day.status();
  const absl::CivilDay today = *day;
  absl::StatusOr<Unit> unit = store_->GetUnit(*unit_id);
  if (!unit.ok()) return unit.status();
  if (!request.plan().empty()) {
    absl::StatusOr<std::string> plan_id = ParseName("plan", "plans/", request.plan());
    if (!plan_id.ok()) return plan_id.status();
    absl::StatusOr<chiso::plan::v1::Plan> plan = Plans().GetPlan(request.plan());
    if (!plan.ok()) return plan.status();
  }
  absl::StatusOr<std::vector<std::string>> history =
      UnitsWithHistory(*unit_id, request.include_subtree());
  if (!history.ok()) return history.status();
  const std::vector<std::string> ids = *std::move(history);
  absl::StatusOr<std::vector<apb::Task>> tasks = store_->ListAllTasksForUnits(ids);
  if (!tasks.ok()) return tasks.status();
  std::vector<apb::Task> selected;
  for (apb::Task& t : *tasks) {
    if (request.plan().empty() || t.plan() == request.plan()) selected.push_back(std::move(t));
  }
  if (absl::Status s = RefreshAsOf(today, selected); !s.ok()) return s;
  std::set<std::string> names;
  for (const std::string& id : ids) names.insert(absl::StrCat("units/", id));
  std::vector<apb::Task> lead, coordinating;
  for (const apb::Task& t : selected) {
    if (names.count(t.lead_unit().unit()) > 0) lead.push_back(t);
    for (const UnitRef& ref : t.coordinating_units()) {
      if (names.count(ref.unit()) > 0) {
        coordinating.push_back(t);
        break;
      }
    }
  }
  apb::UnitSummary summary;
  summary.set_unit(unit->name());
  summary.set_display_name(unit->display_name());
  *summary.mutable_lead_tasks() = CountTimeliness(lead);
  *summary.mutable_coordinating_tasks() = CountTimeliness(coordinating);
  *summary.mutable_lead_occurrences() = CountOccurrenceTimeliness(lead);
  if (std::optional<double> ratio = OnTimeRatio(summary.lead_occurrences())) {
    summary.set_on_time_ratio(*ratio);
  }
  std::vector<apb::OverdueTask> overdue;
  for (const apb::Task& t : lead) {
    if (t.timeliness() != apb::TIMELINESS_OVERDUE) continue;
    apb::OverdueTask o;
    o.set_task(t.name());
    o.set_title(t.title());
    o.set_plan(t.plan());
    *o.mutable_lead_unit() = t.lead_unit();
    o.set_percent_complete(t.percent_complete());
    for (const apb::TaskOccurrence& occ : t.occurrences()) {
      if (occ.timeliness() == apb::TIMELINESS_OVERDUE) {
        *o.mutable_due_date() = occ.due_date();
        break;
      }
    }
    if (IsSet(o.due_date())) {
      const absl::CivilDay due(o.due_date().year(), o.due_date().month(), o.due_date().day());
      o.set_days_overdue(static_cast<int32_t>(std::max<int64_t>(1, today - due)));
    }
    overdue.push_back(std::move(o));
  }
  std::stable_sort(overdue.begin(), overdue.end(),
                   [](const apb::OverdueTask& a, const apb::OverdueTask& b) {
                     if (a.days_overdue() != b.days_overdue()) {
                       return a.days_overdue() > b.days_overdue();
                     }
                     return a.task() < b.task();
                   });
  if (overdue.size() > kMaxOverdueListed) overdue.resize(kMaxOverdueListed);
  for (apb::OverdueTask& o : overdue) *summary.add_overdue_tasks() = std::move(o);
  *summary.mutable_compute_time() = ToTimestamp(clock_->Now());
  return summary;
}

absl::StatusOr<apb::PlanSummary> TaskManager::GetPlanSummary(
    const apb::GetPlanSummaryRequest& request,
    const std::function<bool(const apb::Task&)>& visible) {
  absl::StatusOr<std::string> plan_id = ParseName("plan", "plans/", request.plan());
  if (!plan_id.ok()) return plan_id.status();
  absl::StatusOr<absl::CivilDay> day = SummaryDay(request.as_of());
  if (!day.ok()) return day.status();
  const absl::CivilDay today = *day;
  absl::StatusOr<chiso::plan::v1::Plan> plan = Plans().GetPlan(request.plan());
  if (!plan.ok()) return plan.status();
  const PlanFacts facts = NoteFacts(*plan);
  absl::StatusOr<std::vector<apb::Task>> tasks = store_->ListAllTasksForPlan(*plan_id);
  if (!tasks.ok()) return tasks.status();
  if (visible) {
    tasks->erase(std::remove_if(tasks->begin(), tasks->end(),
                                [&](const apb::Task& t) { return !visible(t); }),
                 tasks->end());
    if (tasks->empty()) return absl::NotFoundError(absl::StrCat(request.plan(), " not found"));
  }
  for (apb::Task& t : *tasks) ComputeDerived(facts, today, options_.due_soon_days, t);
  apb::PlanSummary summary;
  summary.set_plan(request.plan());
  *summary.mutable_tasks() = CountTimeliness(*tasks);
  *summary.mutable_occurrences() = CountOccurrenceTimeliness(*tasks);
  if (std::optional<double> ratio = OnTimeRatio(summary.occurrences())) {
    summary.set_on_time_ratio(*ratio);
  }
  for (apb::ComponentAccountability& row : Accountability(facts, *tasks)) {
    *summary.add_components() = std::move(row);
  }
  *summary.mutable_compute_time() = ToTimestamp(clock_->Now());
  return summary;
}

namespace {

constexpr int kMaxImportDrafts = 1000;
constexpr int kMaxDraftIdChars = 100;
// A syntactically valid lead used to validate a draft's other fields before
// its leads are known; never stored.
constexpr char kPlaceholderLead[] = "units/import-placeholder";

void AddWarning(apb::DraftResult& result, apb::ImportWarningCode code, std::string field,
                std::string message) {
  apb::ImportWarning* w = result.add_warnings();
  w->set_code(code);
  w->set_field(std::move(field));
  w->set_message(std::move(message));
}

// The texts of a repeated unit field as written, each split with
// SplitUnitNames, in order.
std::vector<std::string> SplitAll(const google::protobuf::RepeatedPtrField<std::string>& entries) {
  std::vector<std::string> parts;
  for (const std::string& entry : entries) {
    for (std::string& part : SplitUnitNames(entry)) parts.push_back(std::move(part));
  }
  return parts;
}

// Resolves one unit name of a draft for ImportTasks. Collective names come
// back COLLECTIVE without candidates; a name that resolves to a unit that
// has ended (without a successor) is UNRESOLVED, so that a person decides.
// Sets `successor_used` when the name matched a merged unit.
// Only among the units of `scope` when set.
apb::UnitResolution ResolveDraftUnit(const UnitDirectory& directory, const std::string& context,
                                     absl::CivilDay today, const std::string& text,
                                     const Scope& scope, bool& successor_used,
                                     std::string& problem) {
  successor_used = false;
  problem.clear();
  apb::UnitResolution resolution;
  resolution.set_text(text);
  if (IsCollective(text)) {
    resolution.set_outcome(apb::RESOLUTION_OUTCOME_COLLECTIVE);
    return resolution;
  }
  apb::ResolveUnitRequest request;
  request.set_text(text);
  request.set_context_unit(context);
  absl::StatusOr<apb::ResolveUnitResponse> response = ResolveUnit(directory, request, today);
  if (!response.ok()) {
    resolution.set_outcome(apb::RESOLUTION_OUTCOME_UNRESOLVED);
    problem = std::string(response.status().message());
    return resolution;
  }
  KeepInScope(scope, *response);
  resolution.set_outcome(response->outcome());
  if (response->outcome() != apb::RESOLUTION_OUTCOME_RESOLVED) {
    for (const apb::UnitCandidate& c : response->candidates()) {
      if (resolution.candidates_size() >= kDefaultMaxCandidates) break;
      *resolution.add_candidates() = c;
    }
    return resolution;
  }
  const apb::UnitCandidate& best = response->candidates(0);
  const std::string name = best.successor().empty() ? best.unit() : best.successor();
  const Unit* unit = directory.Find(name);
  if (unit == nullptr || UnitDirectory::EndedBy(*unit, today) || !unit->merged_into().empty()) {
    resolution.set_outcome(apb::RESOLUTION_OUTCOME_UNRESOLVED);
    *resolution.add_candidates() = best;
    problem = absl::StrCat(
        "it matches ", name, unit == nullptr ? " (not in the directory)" : "",
        unit != nullptr
            ? absl::StrCat(" (", text::QuoteForMessage(unit->display_name()), "), which has ended")
            : "");
    return resolution;
  }
  successor_used = !best.successor().empty();
  resolution.mutable_unit()->set_unit(name);
  resolution.mutable_unit()->set_display_name(unit->display_name());
  return resolution;
}

}  // namespace

absl::StatusOr<apb::ImportTasksResponse> TaskManager::ImportTasks(
    const apb::ImportTasksRequest& request, const std::optional<std::set<std::string>>& scope) {
  absl::StatusOr<chiso::plan::v1::Plan> plan = PlanOpenForTasks(Plans(), "plan", request.plan());
  if (!plan.ok()) return plan.status();
  const std::string plan_id = request.plan().substr(request.plan().rfind('/') + 1);
  if (request.drafts().empty()) {
    return absl::InvalidArgumentError("drafts: at least one task draft is required");
  }
  if (request.drafts_size() > kMaxImportDrafts) {
    return absl::InvalidArgumentError(absl::StrCat("drafts: at most ", kMaxImportDrafts,
                                                   " per call (got ", request.drafts_size(), ")"));
  }

  // Keys, titles and leads first: a malformed request fails before any
  // lookup.
  std::vector<std::string> keys;
  std::map<std::string, int> key_index;
  for (int i = 0; i < request.drafts_size(); ++i) {
    const chiso::common::v1::TaskDraft& draft = request.drafts(i);
    const std::string field = absl::StrCat("drafts[", i, "]");
    std::string key(absl::StripAsciiWhitespace(draft.draft_id()));
    if (key.empty()) {
      if (draft.first_line() < 0 || draft.last_line() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": first_line and last_line must not be negative"));
      }
      if (draft.first_line() == 0 && draft.last_line() == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".draft_id: required when first_line and last_line are unknown (0)"));
      }
      key = absl::StrCat("L", draft.first_line(), "-", draft.last_line());
    }
    if (text::CodePointCount(key) > kMaxDraftIdChars) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".draft_id: over ", kMaxDraftIdChars, " characters"));
    }
    if (auto [it, inserted] = key_index.emplace(key, i); !inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".draft_id: ", text::QuoteForMessage(key), " repeats drafts[", it->second, "]"));
    }
    if (absl::StripAsciiWhitespace(draft.title()).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".title: required"));
    }
    if (SplitAll(draft.lead_units()).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".lead_units: at least one lead unit (đơn vị chủ trì) is required"));
    }
    keys.push_back(std::move(key));
  }

  absl::StatusOr<std::vector<Unit>> all = store_->AllUnits();
  if (!all.ok()) return all.status();
  const UnitDirectory directory(*std::move(all));
  std::string context;
  if (!request.context_unit().empty()) {
    absl::StatusOr<std::string> id = ParseName("context_unit", "units/", request.context_unit());
    if (!id.ok()) return id.status();
    if (directory.Find(request.context_unit()) == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("context_unit: ", request.context_unit(), " not found"));
    }
    context = request.context_unit();
  } else {
    context = plan->issuer().unit();
    if (!context.empty() && directory.Find(context) == nullptr) context.clear();
  }

  // Tasks of earlier imports, by (draft key, lead unit).
  std::map<std::pair<std::string, std::string>, std::string> existing;
  {
    absl::StatusOr<std::vector<apb::Task>> tasks = store_->ListAllTasksForPlan(plan_id);
    if (!tasks.ok()) return tasks.status();
    for (const apb::Task& t : *tasks) {
      if (t.source_draft_id().empty()) continue;
      existing.emplace(std::make_pair(t.source_draft_id(), t.lead_unit().unit()), t.name());
    }
  }

  const PlanFacts facts = NoteFacts(*plan);
  const absl::CivilDay today = Today();
  const Timestamp now = ToTimestamp(clock_->Now());
  apb::ImportTasksResponse response;
  std::vector<apb::Task> to_create;

  for (int i = 0; i < request.drafts_size(); ++i) {
    const chiso::common::v1::TaskDraft& draft = request.drafts(i);
    const std::string field = absl::StrCat("drafts[", i, "]");
    apb::DraftResult& result = *response.add_results();
    result.set_index(i);
    result.set_draft_id(keys[i]);

    // The task as the draft writes it, without its units.
    apb::Task base;
    base.set_plan(request.plan());
    base.set_title(draft.title());
    base.set_description(draft.description());
    base.set_deliverable(draft.deliverable());
    *base.mutable_schedule() = draft.schedule();
    const bool no_timeframe = draft.schedule().milestones().empty() &&
                              absl::StripAsciiWhitespace(draft.schedule().phrase()).empty();
    if (no_timeframe) {
      // Plans often give a task no timeframe at all: it is work of the whole
      // plan period. The task is tracked as such rather than dropped, and a
      // person is told to give it a deadline; no date is made up.
      base.mutable_schedule()->add_milestones()->mutable_continuous();
      AddWarning(result, apb::IMPORT_WARNING_CODE_NO_TIMEFRAME, "schedule",
                 "the document gives no timeframe; the task was created as continuous work "
                 "over the plan period (give it a deadline with UpdateTask)");
    }
    if (!draft.objective_id().empty()) {
      base.set_objective_id(draft.objective_id());
    } else if (!draft.framework().empty()) {
      base.mutable_component()->set_framework(draft.framework());
      base.mutable_component()->set_component(draft.component());
    } else if (!draft.component().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".component: needs framework (or objective_id)"));
    }
    if (!absl::StripAsciiWhitespace(draft.supervisor()).empty()) {
      base.set_supervisor_post(draft.supervisor());
    }
    base.set_source_draft_id(keys[i]);
    base.mutable_lead_unit()->set_unit(kPlaceholderLead);

    bool blocked = false;
    if (absl::Status s = ValidateAndNormalizeTask(*catalog_, facts, base); !s.ok()) {
      if (absl::IsNotFound(s) && base.has_objective_id()) {
        AddWarning(result, apb::IMPORT_WARNING_CODE_UNKNOWN_OBJECTIVE, "objective_id",
                   absl::StrCat("objective ", text::QuoteForMessage(draft.objective_id()),
                                " is not in plan ", request.plan(), "; no task was created"));
        blocked = true;
      } else if (absl::IsInvalidArgument(s) && absl::StartsWith(s.message(), "task.schedule") &&
                 draft.schedule().milestones().empty()) {
        AddWarning(result, apb::IMPORT_WARNING_CODE_UNRESOLVED_TIMEFRAME, "schedule.phrase",
                   absl::StrCat("timeframe ", text::QuoteForMessage(draft.schedule().phrase()),
                                " did not resolve (", s.message(), "); no task was created"));
        blocked = true;
      } else {
        absl::string_view message = s.message();
        absl::ConsumePrefix(&message, "task.");
        return absl::Status(s.code(), absl::StrCat(field, ".", message));
      }
    }
    if (base.has_supervisor_post()) {
      AddWarning(result, apb::IMPORT_WARNING_CODE_SUPERVISOR_AS_POST, "supervisor",
                 absl::StrCat("supervisor ", text::QuoteForMessage(base.supervisor_post()),
                              " was kept as a post (not matched to a person)"));
    }

    // Leads: one task per lead that resolves to exactly one unit.
    const std::vector<std::string> lead_texts = SplitAll(draft.lead_units());
    if (lead_texts.size() > 1) {
      AddWarning(result, apb::IMPORT_WARNING_CODE_ONE_LEAD_RULE_APPLIED, "lead_units",
                 absl::StrCat("the draft names ", lead_texts.size(),
                              " lead units; one task per lead (một việc chỉ do một tổ chức "
                              "chủ trì)"));
    }
    std::vector<UnitRef> leads;
    std::set<std::string> lead_units;
    int unresolved_leads = 0;
    for (size_t k = 0; k < lead_texts.size(); ++k) {
      const std::string lead_field = absl::StrCat("lead_units[", k, "]");
      bool successor_used = false;
      std::string problem;
      apb::UnitResolution r = ResolveDraftUnit(directory, context, today, lead_texts[k], scope,
                                               successor_used, problem);
      const std::string quoted = text::QuoteForMessage(lead_texts[k]);
      switch (r.outcome()) {
        case apb::RESOLUTION_OUTCOME_RESOLVED:
          if (successor_used) {
            AddWarning(result, apb::IMPORT_WARNING_CODE_SUCCESSOR_USED, lead_field,
                       absl::StrCat("lead ", quoted, " names a merged unit; its successor ",
                                    r.unit().unit(), " was used"));
          }
          if (lead_units.insert(r.unit().unit()).second) {
            UnitRef ref;
            ref.set_unit(r.unit().unit());
            ref.set_display_name(lead_texts[k]);
            leads.push_back(std::move(ref));
          }
          break;
        case apb::RESOLUTION_OUTCOME_COLLECTIVE:
          ++unresolved_leads;
          AddWarning(result, apb::IMPORT_WARNING_CODE_COLLECTIVE_LEAD, lead_field,
                     absl::StrCat("lead ", quoted, " is collective; no task for it"));
          break;
        case apb::RESOLUTION_OUTCOME_AMBIGUOUS:
          ++unresolved_leads;
          AddWarning(
              result, apb::IMPORT_WARNING_CODE_AMBIGUOUS_LEAD, lead_field,
              absl::StrCat("lead ", quoted, " matches several units equally; no task for it"));
          break;
        default:
          ++unresolved_leads;
          AddWarning(
              result, apb::IMPORT_WARNING_CODE_UNRESOLVED_LEAD, lead_field,
              absl::StrCat("lead ", quoted, " matches no unit",
                           problem.empty() ? "" : absl::StrCat(": ", problem), "; no task for it"));
          break;
      }
      *result.add_lead_units() = std::move(r);
    }

    // Coordinators: unresolved ones are left out; groups kept as written.
    std::vector<UnitRef> coordinators;
    std::vector<int> coordinator_field;
    std::set<std::string> coordinator_keys;
    const std::vector<std::string> coordinator_texts = SplitAll(draft.coordinating_units());
    for (size_t k = 0; k < coordinator_texts.size(); ++k) {
      const std::string coordinator_field_name = absl::StrCat("coordinating_units[", k, "]");
      bool successor_used = false;
      std::string problem;
      apb::UnitResolution r = ResolveDraftUnit(directory, context, today, coordinator_texts[k],
                                               scope, successor_used, problem);
      const std::string quoted = text::QuoteForMessage(coordinator_texts[k]);
      if (r.outcome() == apb::RESOLUTION_OUTCOME_RESOLVED) {
        if (successor_used) {
          AddWarning(
              result, apb::IMPORT_WARNING_CODE_SUCCESSOR_USED, coordinator_field_name,
              absl::StrCat("coordinating unit ", quoted, " names a merged unit; its successor ",
                           r.unit().unit(), " was used"));
        }
        if (coordinator_keys.insert(r.unit().unit()).second) {
          UnitRef ref;
          ref.set_unit(r.unit().unit());
          ref.set_display_name(coordinator_texts[k]);
          coordinators.push_back(std::move(ref));
          coordinator_field.push_back(static_cast<int>(k));
        }
      } else if (r.outcome() == apb::RESOLUTION_OUTCOME_COLLECTIVE) {
        if (coordinator_keys.insert(absl::StrCat("#", text::MatchKey(coordinator_texts[k])))
                .second) {
          UnitRef ref;
          ref.set_display_name(coordinator_texts[k]);
          coordinators.push_back(std::move(ref));
          coordinator_field.push_back(static_cast<int>(k));
        }
      } else {
        AddWarning(result, apb::IMPORT_WARNING_CODE_UNRESOLVED_COORDINATOR, coordinator_field_name,
                   absl::StrCat("coordinating unit ", quoted, " ",
                                r.outcome() == apb::RESOLUTION_OUTCOME_AMBIGUOUS
                                    ? "matches several units equally"
                                    : "matches no unit",
                                problem.empty() ? "" : absl::StrCat(": ", problem), "; left out"));
      }
      *result.add_coordinating_units() = std::move(r);
    }

    // One task per resolved lead, unless an earlier import made it.
    int new_tasks = 0;
    if (!blocked) {
      for (const UnitRef& lead : leads) {
        auto found = existing.find({keys[i], lead.unit()});
        if (found != existing.end()) {
          if (!request.validate_only()) result.add_tasks(found->second);
          continue;
        }
        apb::Task task = base;
        *task.mutable_lead_unit() = lead;
        for (size_t c = 0; c < coordinators.size(); ++c) {
          if (coordinators[c].unit() == lead.unit()) {
            AddWarning(result, apb::IMPORT_WARNING_CODE_COORDINATOR_IS_LEAD,
                       absl::StrCat("coordinating_units[", coordinator_field[c], "]"),
                       absl::StrCat("coordinating unit ",
                                    text::QuoteForMessage(coordinators[c].display_name()),
                                    " is the lead of this task; left out"));
            continue;
          }
          *task.add_coordinating_units() = coordinators[c];
        }
        if (absl::Status s = ValidateAndNormalizeTask(*catalog_, facts, task); !s.ok()) {
          absl::string_view message = s.message();
          absl::ConsumePrefix(&message, "task.");
          return absl::Status(s.code(),
                              absl::StrCat(field, " (lead ", lead.unit(), "): ", message));
        }
        task.set_status(apb::TASK_STATUS_NOT_STARTED);
        *task.mutable_create_time() = now;
        *task.mutable_update_time() = now;
        if (!request.validate_only()) {
          task.set_name(absl::StrCat("tasks/", ids_->Next()));
          ComputeDerived(facts, today, options_.due_soon_days, task);
          result.add_tasks(task.name());
        }
        to_create.push_back(std::move(task));
        ++new_tasks;
      }
    }

    if (blocked || leads.empty()) {
      result.set_outcome(apb::DRAFT_OUTCOME_NEEDS_DECISION);
    } else if (unresolved_leads > 0) {
      result.set_outcome(apb::DRAFT_OUTCOME_PARTIAL);
    } else if (new_tasks == 0) {
      result.set_outcome(apb::DRAFT_OUTCOME_ALREADY_IMPORTED);
    } else {
      result.set_outcome(apb::DRAFT_OUTCOME_CREATED);
    }
    if (result.outcome() == apb::DRAFT_OUTCOME_NEEDS_DECISION ||
        result.outcome() == apb::DRAFT_OUTCOME_PARTIAL) {
      response.set_needs_decision_count(response.needs_decision_count() + 1);
    }
  }

  response.set_created_task_count(static_cast<int>(to_create.size()));
  if (request.validate_only() || to_create.empty()) return response;

  // One call: the store creates every task or none, so a failure leaves
  // nothing behind and the names in `response` are never seen.
  absl::StatusOr<std::vector<apb::Task>> created = store_->CreateTasks(to_create);
  if (!created.ok()) return created.status();
  return response;
}

}  // namespace chiso::assignment
