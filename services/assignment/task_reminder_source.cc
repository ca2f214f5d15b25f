#include "services/assignment/task_reminder_source.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/reminders/policy.h"
#include "services/assignment/task_domain.h"
#include "services/assignment/task_reminders.h"

namespace chiso::assignment {
namespace {

constexpr absl::string_view kUnits = "units/";
constexpr absl::string_view kPeople = "people/";

std::string IdAfter(absl::string_view name, absl::string_view prefix) {
  if (!absl::StartsWith(name, prefix)) return "";
  return std::string(name.substr(prefix.size()));
}

// Adds a unit (and its head) to the directory; a unit that no longer exists
// is left out, and the task's own name for it is used.
absl::Status AddUnit(AssignmentStore& store, const std::string& name,
                     ReminderDirectory& directory) {
  if (name.empty() || directory.units.contains(name)) return absl::OkStatus();
  absl::StatusOr<Unit> unit = store.GetUnit(IdAfter(name, kUnits));
  if (absl::IsNotFound(unit.status())) return absl::OkStatus();
  if (!unit.ok()) return unit.status();
  ReminderDirectory::UnitEntry entry;
  entry.display_name = unit->display_name();
  entry.head = unit->head();
  // Ancestors, nearest first; the depth bound makes bad data harmless.
  std::string parent = unit->parent();
  for (int depth = 0; !parent.empty() && depth < kMaxUnitDepth; ++depth) {
    entry.ancestors.push_back(parent);
    absl::StatusOr<Unit> up = store.GetUnit(IdAfter(parent, kUnits));
    if (!up.ok()) break;
    parent = up->parent();
  }
  directory.units.emplace(name, std::move(entry));
  return absl::OkStatus();
}

absl::Status AddPerson(AssignmentStore& store, const std::string& name,
                       ReminderDirectory& directory) {
  if (name.empty() || directory.people.contains(name)) return absl::OkStatus();
  absl::StatusOr<Person> person = store.GetPerson(IdAfter(name, kPeople));
  if (absl::IsNotFound(person.status())) return absl::OkStatus();
  if (!person.ok()) return person.status();
  ReminderDirectory::PersonEntry entry;
  entry.display_name = person->display_name();
  entry.title = person->title();
  entry.unit = person->unit();
  directory.people.emplace(name, std::move(entry));
  return absl::OkStatus();
}

}  // namespace

TaskReminderSource::TaskReminderSource(AssignmentStore* store,
                                       const calendar::WorkingCalendar* calendar,
                                       chiso::notification::v1::ReminderPolicy global_policy,
                                       absl::Duration lookback)
    : store_(store),
      calendar_(calendar),
      global_policy_(std::move(global_policy)),
      lookback_(lookback) {}

absl::StatusOr<reminders::ReminderSource::Desired> TaskReminderSource::DesiredFor(
    absl::string_view owner, absl::Time now) {
  const std::string id = IdAfter(owner, "task/");
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", owner, "\" is not a task owner"));
  }
  absl::StatusOr<Task> task = store_->GetTask(id);
  if (absl::IsNotFound(task.status())) return Desired{};  // deleted: nothing to remind
  if (!task.ok()) return task.status();

  TaskReminderContext ctx;
  ctx.now = now;
  ctx.lookback = lookback_;
  ctx.calendar = calendar_;
  const std::string plan_id = IdAfter(task->plan(), "plans/");
  absl::StatusOr<std::optional<chiso::plan::v1::Plan>> plan =
      plan_id.empty() ? std::optional<chiso::plan::v1::Plan>() : store_->RememberedPlan(plan_id);
  if (!plan.ok()) return plan.status();
  if (plan->has_value()) {
    ctx.plan = PlanFactsOf(**plan);
    ctx.plan_number = (*plan)->number();
    ctx.plan_title = (*plan)->title();
    ctx.policy = reminders::ResolvePolicy(global_policy_, &(*plan)->reminder_policy());
  } else {
    ctx.plan.name = task->plan();
    ctx.policy = reminders::ResolvePolicy(global_policy_, nullptr);
  }

  ReminderDirectory directory;
  if (absl::Status s = AddUnit(*store_, task->lead_unit().unit(), directory); !s.ok()) return s;
  for (const auto& unit : task->coordinating_units()) {
    if (absl::Status s = AddUnit(*store_, unit.unit(), directory); !s.ok()) return s;
  }
  if (auto it = directory.units.find(task->lead_unit().unit()); it != directory.units.end()) {
    if (absl::Status s = AddPerson(*store_, it->second.head, directory); !s.ok()) return s;
  }
  if (absl::Status s = AddPerson(*store_, task->supervisor_person(), directory); !s.ok()) {
    return s;
  }
  ctx.directory = &directory;

  absl::StatusOr<std::optional<absl::Time>> last_report = store_->LastReportTime(id);
  if (!last_report.ok()) return last_report.status();
  ctx.last_report_time = *last_report;

  absl::StatusOr<std::vector<chiso::notification::v1::ReminderPayload>> payloads =
      DesiredTaskReminders(*task, ctx);
  if (!payloads.ok()) return payloads.status();
  Desired desired;
  desired.generation = task->etag();
  desired.items.reserve(payloads->size());
  for (const auto& payload : *payloads) desired.items.push_back(reminders::ToQueueItem(payload));
  return desired;
}

absl::StatusOr<std::vector<std::string>> TaskReminderSource::ActiveOwners() {
  absl::StatusOr<std::vector<std::string>> ids = store_->OpenTaskIds();
  if (!ids.ok()) return ids.status();
  std::vector<std::string> owners;
  owners.reserve(ids->size());
  for (const std::string& id : *ids) owners.push_back(reminders::TaskOwner(id));
  return owners;
}

}  // namespace chiso::assignment
