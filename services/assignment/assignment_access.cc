#include "services/assignment/assignment_access.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"

namespace chiso::assignment {
namespace {

using auth::Permission;

constexpr absl::string_view kUnitsPrefix = "units/";
constexpr absl::string_view kTasksPrefix = "tasks/";
constexpr absl::string_view kPlansPrefix = "plans/";

// The id in `name` = "<prefix>{id}" when the id has the shape any resource
// id of the service has (1-64 ASCII letters, digits, '-', '_' or '.'), or "".
// Deliberately looser than the managers' checks: a name they reject is still
// checked against the caller's scope first.
std::string IdIn(absl::string_view name, absl::string_view prefix) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, prefix) || id.empty() || id.size() > 64) return "";
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.')) return "";
  }
  return std::string(id);
}

std::string UnitIdOf(absl::string_view name) { return IdIn(name, kUnitsPrefix); }
std::string TaskIdOf(absl::string_view name) { return IdIn(name, kTasksPrefix); }

std::string CallerUnit(const auth::Caller& caller) {
  return caller.principal.unit.empty() ? std::string("(none)") : caller.principal.unit;
}

}  // namespace

std::vector<auth::RpcRule> AssignmentRules() {
  return {
      {"CreateUnit", Permission::kPlan},        {"GetUnit", Permission::kRead},
      {"ListUnits", Permission::kRead},         {"UpdateUnit", Permission::kPlan},
      {"EndUnit", Permission::kAdminister},     {"MergeUnit", Permission::kAdminister},
      {"ResolveUnit", Permission::kRead},       {"CreatePerson", Permission::kPlan},
      {"GetPerson", Permission::kRead},         {"ListPeople", Permission::kRead},
      {"UpdatePerson", Permission::kPlan},      {"DeletePerson", Permission::kPlan},
      {"CreateTask", Permission::kPlan},        {"GetTask", Permission::kRead},
      {"ListTasks", Permission::kRead},         {"UpdateTask", Permission::kPlan},
      {"DeleteTask", Permission::kPlan},        {"CancelTask", Permission::kPlan},
      {"ReopenTask", Permission::kPlan},        {"ReportProgress", Permission::kReport},
      {"GetProgressReport", Permission::kRead}, {"ListProgressReports", Permission::kRead},
      {"ImportTasks", Permission::kPlan},       {"GetUnitSummary", Permission::kRead},
      {"GetPlanSummary", Permission::kRead},    {"ListAuditEvents", Permission::kAuditRead},
  };
}

std::unique_ptr<auth::AccessGate> NewAssignmentGate(
    std::shared_ptr<const auth::Authenticator> authenticator) {
  return std::make_unique<auth::AccessGate>(
      chiso::assignment::v1::AssignmentService::service_full_name(), AssignmentRules(),
      std::move(authenticator));
}

absl::StatusOr<bool> StoreUnitTree::Contains(absl::string_view ancestor,
                                             absl::string_view unit) const {
  if (ancestor.empty() || unit.empty()) return false;
  if (ancestor == unit) return true;
  const std::string ancestor_id = UnitIdOf(ancestor);
  const std::string unit_id = UnitIdOf(unit);
  if (ancestor_id.empty() || unit_id.empty()) return false;
  return store_->InSubtree(ancestor_id, unit_id);
}

AssignmentAccess::AssignmentAccess(AssignmentStore* store, TaskManager* tasks)
    : store_(store), tasks_(tasks), tree_(store) {}

std::optional<std::string> AssignmentAccess::ListScope(const auth::Caller& caller) {
  if (caller.Unrestricted()) return std::nullopt;
  return UnitIdOf(caller.principal.unit);
}

absl::Status AssignmentAccess::CheckUnitRef(const auth::Caller& caller, absl::string_view field,
                                            absl::string_view unit) const {
  if (caller.Unrestricted() || unit.empty() || UnitIdOf(unit).empty()) return absl::OkStatus();
  absl::StatusOr<bool> in = auth::InScope(caller, tree_, unit);
  if (!in.ok()) return in.status();
  if (*in) return absl::OkStatus();
  if (field.empty()) return absl::NotFoundError(absl::StrCat(unit, " not found"));
  return absl::NotFoundError(absl::StrCat(field, ": ", unit, " not found"));
}

absl::Status AssignmentAccess::CheckUnitVisible(const auth::Caller& caller,
                                                absl::string_view unit) const {
  return CheckUnitRef(caller, "", unit);
}

absl::Status AssignmentAccess::CheckPersonVisible(const auth::Caller& caller,
                                                  absl::string_view field,
                                                  absl::string_view name) const {
  if (caller.Unrestricted() || name.empty()) return absl::OkStatus();
  const std::string id = IdIn(name, "people/");
  if (id.empty()) return absl::OkStatus();  // the manager rejects it
  const absl::Status missing =
      absl::NotFoundError(field.empty() ? absl::StrCat(name, " not found")
                                        : absl::StrCat(field, ": ", name, " not found"));
  absl::StatusOr<Person> person = store_->GetPerson(id);
  if (absl::IsNotFound(person.status())) return missing;
  if (!person.ok()) return person.status();
  if (person->unit().empty()) return missing;
  absl::StatusOr<bool> in = auth::InScope(caller, tree_, person->unit());
  if (!in.ok()) return in.status();
  return *in ? absl::OkStatus() : missing;
}

absl::Status AssignmentAccess::CheckCreateUnit(const auth::Caller& caller, const Unit& unit) const {
  if (caller.Unrestricted()) return absl::OkStatus();
  if (unit.parent().empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("CreateUnit of a root unit (no unit.parent) needs the permission "
                     "\"administer\" (administrator); a planner creates units under a unit of "
                     "the subtree of ",
                     CallerUnit(caller)));
  }
  if (absl::Status s = CheckUnitRef(caller, "unit.parent", unit.parent()); !s.ok()) return s;
  if (absl::Status s = CheckUnitRef(caller, "unit.merged_into", unit.merged_into()); !s.ok()) {
    return s;
  }
  return CheckPersonVisible(caller, "unit.head", unit.head());
}

absl::StatusOr<std::string> AssignmentAccess::IssuerOf(absl::string_view plan_name) const {
  absl::string_view plan_id = plan_name;
  if (!absl::ConsumePrefix(&plan_id, kPlansPrefix) || plan_id.empty()) return std::string();
  absl::StatusOr<std::optional<chiso::plan::v1::Plan>> remembered =
      store_->RememberedPlan(std::string(plan_id));
  if (!remembered.ok()) return remembered.status();
  if (remembered->has_value() && !(*remembered)->issuer().unit().empty()) {
    return (*remembered)->issuer().unit();
  }
  absl::StatusOr<chiso::plan::v1::Plan> plan = tasks_->GetPlan(plan_name);
  if (absl::IsNotFound(plan.status()) || absl::IsInvalidArgument(plan.status())) {
    return std::string();
  }
  if (!plan.ok()) return plan.status();
  return plan->issuer().unit();
}

absl::StatusOr<bool> AssignmentAccess::TaskVisible(const auth::Caller& caller, const Task& task,
                                                   absl::string_view issuer) const {
  if (caller.Unrestricted()) return true;
  std::vector<std::string> units = {task.lead_unit().unit()};
  for (const chiso::common::v1::UnitRef& ref : task.coordinating_units()) {
    units.push_back(ref.unit());
  }
  units.push_back(std::string(issuer));
  for (const std::string& unit : units) {
    if (unit.empty()) continue;
    absl::StatusOr<bool> in = auth::InScope(caller, tree_, unit);
    if (!in.ok()) return in.status();
    if (*in) return true;
  }
  return false;
}

absl::StatusOr<std::optional<Task>> AssignmentAccess::VisibleTask(const auth::Caller& caller,
                                                                  absl::string_view name,
                                                                  const std::string* issuer) const {
  const std::string id = TaskIdOf(name);
  if (id.empty()) return std::optional<Task>();
  if (caller.Unrestricted()) {
    // Nothing to hide: a missing task is the manager's to report.
    absl::StatusOr<Task> task = store_->GetTask(id);
    if (absl::IsNotFound(task.status())) return std::optional<Task>();
    if (!task.ok()) return task.status();
    return std::optional<Task>(*std::move(task));
  }
  absl::StatusOr<Task> task = store_->GetTask(id);
  if (!task.ok()) return task.status();
  // The units first: they need no plan.
  absl::StatusOr<bool> visible = TaskVisible(caller, *task, "");
  if (!visible.ok()) return visible.status();
  if (!*visible) {
    std::string looked_up;
    if (issuer == nullptr) {
      absl::StatusOr<std::string> found = IssuerOf(task->plan());
      if (!found.ok()) return found.status();
      looked_up = *std::move(found);
      issuer = &looked_up;
    }
    if (!issuer->empty()) {
      absl::StatusOr<bool> in = auth::InScope(caller, tree_, *issuer);
      if (!in.ok()) return in.status();
      visible = *in;
    }
  }
  if (!*visible) return absl::NotFoundError(absl::StrCat(kTasksPrefix, id, " not found"));
  return std::optional<Task>(*std::move(task));
}

absl::Status AssignmentAccess::CheckPlanTask(const auth::Caller& caller, const Task& task,
                                             absl::string_view issuer,
                                             absl::string_view rpc) const {
  if (caller.Unrestricted()) return absl::OkStatus();
  if (!issuer.empty()) {
    absl::StatusOr<bool> in = auth::InScope(caller, tree_, issuer);
    if (!in.ok()) return in.status();
    if (*in) return absl::OkStatus();
  }
  // The issuer lies outside the caller's scope (or is unknown): it is not
  // named, so the refusal reveals no unit the caller cannot see.
  return absl::PermissionDeniedError(absl::StrCat(
      rpc, " of ", task.name(), " needs the permission \"plan\" within the subtree of ",
      task.plan(), "'s issuer unit; ", caller.principal.id, " plans within ", CallerUnit(caller)));
}

absl::Status AssignmentAccess::CheckPlanIssuer(const auth::Caller& caller, absl::string_view field,
                                               absl::string_view plan,
                                               absl::string_view issuer) const {
  if (caller.Unrestricted()) return absl::OkStatus();
  if (!issuer.empty()) {
    absl::StatusOr<bool> in = auth::InScope(caller, tree_, issuer);
    if (!in.ok()) return in.status();
    if (*in) return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat(field, ": ", plan, " not found"));
}

absl::Status AssignmentAccess::CheckReport(
    const auth::Caller& caller, const Task& task,
    const chiso::assignment::v1::ProgressReport& report) const {
  if (caller.Unrestricted()) return absl::OkStatus();
  if (!caller.Has(Permission::kPlan)) {
    // Its units only: a plan issued in the subtree is not enough to report.
    absl::StatusOr<bool> takes_part = TaskVisible(caller, task, "");
    if (!takes_part.ok()) return takes_part.status();
    if (!*takes_part) {
      return absl::PermissionDeniedError(absl::StrCat(
          "ReportProgress on ", task.name(), " needs the permission \"report\" for a unit that ",
          "leads or coordinates it; ", caller.principal.id, " reports for ", CallerUnit(caller),
          ", which neither leads nor coordinates it nor lies above a unit that does"));
    }
  }
  const std::string& unit = report.reporting_unit();
  if (!unit.empty() && !UnitIdOf(unit).empty()) {
    absl::StatusOr<bool> in = auth::InScope(caller, tree_, unit);
    if (!in.ok()) return in.status();
    if (!*in) {
      return absl::PermissionDeniedError(absl::StrCat(
          "progress_report.reporting_unit: ", caller.principal.id, " may report only for ",
          CallerUnit(caller), " and the units below it, not for ", unit));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::set<std::string>>> AssignmentAccess::ScopeUnits(
    const auth::Caller& caller) const {
  if (caller.Unrestricted()) return std::optional<std::set<std::string>>();
  std::set<std::string> units;
  const std::string id = UnitIdOf(caller.principal.unit);
  if (!id.empty()) {
    absl::StatusOr<std::vector<std::string>> subtree = store_->Subtree(id);
    if (!subtree.ok() && !absl::IsNotFound(subtree.status())) return subtree.status();
    if (subtree.ok()) {
      for (const std::string& unit : *subtree) units.insert(absl::StrCat(kUnitsPrefix, unit));
    }
  }
  return std::optional<std::set<std::string>>(std::move(units));
}

}  // namespace chiso::assignment
