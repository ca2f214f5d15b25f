#include "services/assignment/assignment_service.h"

#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"

namespace chiso::assignment {
namespace {

namespace pv1 = chiso::plan::v1;
using PlanAnswer = absl::StatusOr<pv1::Plan>;

// The text after `prefix` in `name`, or "" when `name` does not start so.
std::string After(absl::string_view name, absl::string_view prefix) {
  if (!absl::StartsWith(name, prefix)) return std::string();
  return std::string(name.substr(prefix.size()));
}

bool MaskHas(const google::protobuf::FieldMask& mask, absl::string_view path) {
  for (const std::string& p : mask.paths()) {
    if (p == path) return true;
  }
  return false;
}

// The plan `name` read before a change: the plan service's answer, or an
// error that stops the call (it does not answer). NotFound and
// InvalidArgument are answers: the manager reports them in its own words.
absl::StatusOr<PlanAnswer> ReadPlan(TaskManager* tasks, const std::string& name) {
  if (name.empty()) return PlanAnswer(absl::NotFoundError(absl::StrCat(name, " not found")));
  PlanAnswer plan = tasks->GetPlan(name);
  if (plan.ok() || absl::IsNotFound(plan.status()) || absl::IsInvalidArgument(plan.status())) {
    return plan;
  }
  return plan.status();
}

}  // namespace

// Admits the caller of `context` for `method` into `caller`, or returns the
// gate's refusal from the handler.
#define CHISO_ADMIT(caller, method)                                            \
  absl::StatusOr<auth::Caller> caller##_or = gate_->Admit(*context, (method)); \
  if (!caller##_or.ok()) return ToGrpcStatus(caller##_or.status());            \
  const auth::Caller& caller = *caller##_or

// Returns the status from the handler unless it is OK.
#define CHISO_CHECK(expr)                                            \
  do {                                                               \
    if (absl::Status s_ = (expr); !s_.ok()) return ToGrpcStatus(s_); \
  } while (false)

AssignmentServiceImpl::AssignmentServiceImpl(UnitManager* units, TaskManager* tasks,
                                             const auth::AccessGate* gate, audit::AuditLog* audit)
    : units_(units),
      tasks_(tasks),
      store_(units->store()),
      gate_(gate),
      audit_(audit),
      access_(units->store(), tasks) {
  if (gate_ == nullptr) {
    own_gate_ = NewAssignmentGate(nullptr);
    gate_ = own_gate_.get();
  }
  if (audit_ == nullptr && store_->database() != nullptr) {
    own_audit_ = std::make_unique<audit::AuditLog>(store_->database());
    audit_ = own_audit_.get();
  }
}

AssignmentServiceImpl::~AssignmentServiceImpl() = default;

template <typename M>
absl::StatusOr<M> AssignmentServiceImpl::Audited(
    const auth::Caller& caller, absl::string_view resource,
    const std::function<absl::StatusOr<std::string>()>& before,
    const std::function<absl::StatusOr<M>()>& change) {
  if (audit_ == nullptr) return change();
  return audit_->Mutate<M>(caller, resource, before, change);
}

absl::Status AssignmentServiceImpl::AuditedDelete(
    const auth::Caller& caller, absl::string_view resource,
    const std::function<absl::StatusOr<std::string>()>& before,
    const std::function<absl::Status()>& change) {
  if (audit_ == nullptr) return change();
  return audit_->Record(caller, resource, before, [&]() -> absl::StatusOr<audit::Change> {
    if (absl::Status s = change(); !s.ok()) return s;
    return audit::Change{std::string(resource), std::string()};
  });
}

absl::StatusOr<std::string> AssignmentServiceImpl::StoredUnit(absl::string_view name) const {
  const std::string id = After(name, "units/");
  if (id.empty()) return std::string();
  return audit::Before(store_->GetUnit(id));
}

absl::StatusOr<std::string> AssignmentServiceImpl::StoredPerson(absl::string_view name) const {
  const std::string id = After(name, "people/");
  if (id.empty()) return std::string();
  return audit::Before(store_->GetPerson(id));
}

absl::StatusOr<std::string> AssignmentServiceImpl::StoredTask(absl::string_view name) const {
  const std::string id = After(name, "tasks/");
  if (id.empty()) return std::string();
  return audit::Before(store_->GetTask(id));
}

void AssignmentServiceImpl::UnitsChanged() const {
  if (on_units_changed_) on_units_changed_();
}

void AssignmentServiceImpl::TasksChanged(std::vector<std::string> task_names) const {
  if (on_tasks_changed_ && !task_names.empty()) on_tasks_changed_(std::move(task_names));
}

// ---- Units ------------------------------------------------------------------

grpc::Status AssignmentServiceImpl::CreateUnit(grpc::ServerContext* context,
                                               const v1::CreateUnitRequest* request,
                                               v1::Unit* response) {
  CHISO_ADMIT(caller, "CreateUnit");
  CHISO_CHECK(access_.CheckCreateUnit(caller, request->unit()));
  absl::StatusOr<v1::Unit> unit =
      Audited<v1::Unit>(caller, "", nullptr, [&] { return units_->CreateUnit(*request); });
  if (unit.ok()) UnitsChanged();
  return ReplyWith(std::move(unit), response);
}

grpc::Status AssignmentServiceImpl::GetUnit(grpc::ServerContext* context,
                                            const v1::GetUnitRequest* request, v1::Unit* response) {
  CHISO_ADMIT(caller, "GetUnit");
  CHISO_CHECK(access_.CheckUnitVisible(caller, request->name()));
  return ReplyWith(units_->GetUnit(*request), response);
}

grpc::Status AssignmentServiceImpl::ListUnits(grpc::ServerContext* context,
                                              const v1::ListUnitsRequest* request,
                                              v1::ListUnitsResponse* response) {
  CHISO_ADMIT(caller, "ListUnits");
  CHISO_CHECK(access_.CheckUnitVisible(caller, request->filter().parent()));
  CHISO_CHECK(access_.CheckUnitVisible(caller, request->filter().ancestor()));
  return ReplyWith(units_->ListUnits(*request, AssignmentAccess::ListScope(caller)), response);
}

grpc::Status AssignmentServiceImpl::UpdateUnit(grpc::ServerContext* context,
                                               const v1::UpdateUnitRequest* request,
                                               v1::Unit* response) {
  CHISO_ADMIT(caller, "UpdateUnit");
  const std::string& name = request->unit().name();
  CHISO_CHECK(access_.CheckUnitVisible(caller, name));
  if (MaskHas(request->update_mask(), "parent")) {
    if (request->unit().parent().empty() && !caller.Unrestricted()) {
      return ToGrpcStatus(absl::PermissionDeniedError(
          "UpdateUnit making a root unit (empty unit.parent) needs the permission "
          "\"administer\" (administrator)"));
    }
    CHISO_CHECK(access_.CheckUnitRef(caller, "unit.parent", request->unit().parent()));
  }
  if (MaskHas(request->update_mask(), "head")) {
    CHISO_CHECK(access_.CheckPersonVisible(caller, "unit.head", request->unit().head()));
  }
  absl::StatusOr<v1::Unit> unit = Audited<v1::Unit>(
      caller, name, [&] { return StoredUnit(name); }, [&] { return units_->UpdateUnit(*request); });
  if (unit.ok()) UnitsChanged();
  return ReplyWith(std::move(unit), response);
}

grpc::Status AssignmentServiceImpl::EndUnit(grpc::ServerContext* context,
                                            const v1::EndUnitRequest* request, v1::Unit* response) {
  CHISO_ADMIT(caller, "EndUnit");
  const std::string& name = request->name();
  CHISO_CHECK(access_.CheckUnitVisible(caller, name));
  absl::StatusOr<v1::Unit> unit = Audited<v1::Unit>(
      caller, name, [&] { return StoredUnit(name); }, [&] { return units_->EndUnit(*request); });
  if (unit.ok()) UnitsChanged();
  return ReplyWith(std::move(unit), response);
}

grpc::Status AssignmentServiceImpl::MergeUnit(grpc::ServerContext* context,
                                              const v1::MergeUnitRequest* request,
                                              v1::MergeUnitResponse* response) {
  CHISO_ADMIT(caller, "MergeUnit");
  const std::string& name = request->name();
  CHISO_CHECK(access_.CheckUnitVisible(caller, name));
  CHISO_CHECK(access_.CheckUnitVisible(caller, request->successor()));
  if (request->validate_only()) {
    absl::StatusOr<MergeUnitOutcome> outcome = units_->MergeUnit(*request);
    if (!outcome.ok()) return ToGrpcStatus(outcome.status());
    *response = std::move(outcome->response);
    return grpc::Status::OK;
  }
  MergeUnitOutcome outcome;
  auto merge = [&]() -> absl::StatusOr<audit::Change> {
    absl::StatusOr<MergeUnitOutcome> merged = units_->MergeUnit(*request);
    if (!merged.ok()) return merged.status();
    outcome = *std::move(merged);
    return audit::Change{name, audit::Serialize(outcome.response.unit())};
  };
  absl::Status status = audit_ == nullptr
                            ? merge().status()
                            : audit_->Record(
                                  caller, name, [&] { return StoredUnit(name); }, merge);
  if (!status.ok()) return ToGrpcStatus(status);
  *response = std::move(outcome.response);
  UnitsChanged();
  std::vector<std::string> moved;
  for (const std::string& id : outcome.moved_task_ids) moved.push_back("tasks/" + id);
  TasksChanged(std::move(moved));
  return grpc::Status::OK;
}

grpc::Status AssignmentServiceImpl::ResolveUnit(grpc::ServerContext* context,
                                                const v1::ResolveUnitRequest* request,
                                                v1::ResolveUnitResponse* response) {
  CHISO_ADMIT(caller, "ResolveUnit");
  if (absl::Status s = access_.CheckUnitVisible(caller, request->context_unit()); !s.ok()) {
    // In the resolver's words for an unknown context unit.
    if (!absl::IsNotFound(s)) return ToGrpcStatus(s);
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("context_unit: unit \"", request->context_unit(), "\" not found")));
  }
  absl::StatusOr<v1::ResolveUnitResponse> resolved = units_->ResolveUnit(*request);
  if (!resolved.ok() || caller.Unrestricted()) return ReplyWith(std::move(resolved), response);
  // Candidates out of the caller's scope are left out, as if they did not
  // exist; a verdict that rested on one of them no longer holds.
  v1::ResolveUnitResponse kept;
  kept.set_outcome(resolved->outcome());
  bool first_dropped = false;
  for (int i = 0; i < resolved->candidates_size(); ++i) {
    const v1::UnitCandidate& candidate = resolved->candidates(i);
    absl::StatusOr<bool> in = auth::InScope(caller, access_.tree(), candidate.unit());
    if (!in.ok()) return ToGrpcStatus(in.status());
    if (*in) {
      v1::UnitCandidate* added = kept.add_candidates();
      *added = candidate;
      if (!added->successor().empty()) {
        absl::StatusOr<bool> successor_in =
            auth::InScope(caller, access_.tree(), added->successor());
        if (!successor_in.ok()) return ToGrpcStatus(successor_in.status());
        if (!*successor_in) added->clear_successor();
      }
    } else if (i == 0) {
      first_dropped = true;
    }
  }
  if (kept.outcome() == v1::RESOLUTION_OUTCOME_RESOLVED && first_dropped) {
    kept.set_outcome(v1::RESOLUTION_OUTCOME_UNRESOLVED);
  }
  if (kept.outcome() != v1::RESOLUTION_OUTCOME_COLLECTIVE && kept.candidates().empty()) {
    kept.set_outcome(v1::RESOLUTION_OUTCOME_UNRESOLVED);
  }
  *response = std::move(kept);
  return grpc::Status::OK;
}

// ---- People -----------------------------------------------------------------

grpc::Status AssignmentServiceImpl::CreatePerson(grpc::ServerContext* context,
                                                 const v1::CreatePersonRequest* request,
                                                 v1::Person* response) {
  CHISO_ADMIT(caller, "CreatePerson");
  if (!caller.Unrestricted() && request->person().unit().empty()) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        "CreatePerson without person.unit needs the permission \"administer\" (administrator); "
        "a planner creates people of the units of their subtree"));
  }
  CHISO_CHECK(access_.CheckUnitRef(caller, "person.unit", request->person().unit()));
  return ReplyWith(
      Audited<v1::Person>(caller, "", nullptr, [&] { return units_->CreatePerson(*request); }),
      response);
}

grpc::Status AssignmentServiceImpl::GetPerson(grpc::ServerContext* context,
                                              const v1::GetPersonRequest* request,
                                              v1::Person* response) {
  CHISO_ADMIT(caller, "GetPerson");
  CHISO_CHECK(access_.CheckPersonVisible(caller, "", request->name()));
  return ReplyWith(units_->GetPerson(*request), response);
}

grpc::Status AssignmentServiceImpl::ListPeople(grpc::ServerContext* context,
                                               const v1::ListPeopleRequest* request,
                                               v1::ListPeopleResponse* response) {
  CHISO_ADMIT(caller, "ListPeople");
  CHISO_CHECK(access_.CheckUnitVisible(caller, request->filter().unit()));
  return ReplyWith(units_->ListPeople(*request, AssignmentAccess::ListScope(caller)), response);
}

grpc::Status AssignmentServiceImpl::UpdatePerson(grpc::ServerContext* context,
                                                 const v1::UpdatePersonRequest* request,
                                                 v1::Person* response) {
  CHISO_ADMIT(caller, "UpdatePerson");
  const std::string& name = request->person().name();
  CHISO_CHECK(access_.CheckPersonVisible(caller, "", name));
  if (MaskHas(request->update_mask(), "unit")) {
    if (!caller.Unrestricted() && request->person().unit().empty()) {
      return ToGrpcStatus(absl::PermissionDeniedError(
          "UpdatePerson clearing person.unit needs the permission \"administer\" "
          "(administrator)"));
    }
    CHISO_CHECK(access_.CheckUnitRef(caller, "person.unit", request->person().unit()));
  }
  return ReplyWith(Audited<v1::Person>(
                       caller, name, [&] { return StoredPerson(name); },
                       [&] { return units_->UpdatePerson(*request); }),
                   response);
}

grpc::Status AssignmentServiceImpl::DeletePerson(grpc::ServerContext* context,
                                                 const v1::DeletePersonRequest* request,
                                                 google::protobuf::Empty* response) {
  (void)response;
  CHISO_ADMIT(caller, "DeletePerson");
  const std::string& name = request->name();
  CHISO_CHECK(access_.CheckPersonVisible(caller, "", name));
  return ToGrpcStatus(AuditedDelete(
      caller, name, [&] { return StoredPerson(name); },
      [&] { return units_->DeletePerson(*request); }));
}

// ---- Tasks ------------------------------------------------------------------

grpc::Status AssignmentServiceImpl::CreateTask(grpc::ServerContext* context,
                                               const v1::CreateTaskRequest* request,
                                               v1::Task* response) {
  CHISO_ADMIT(caller, "CreateTask");
  const std::string& plan_name = request->task().plan();
  // The plan is read here, before the change's transaction.
  absl::StatusOr<PlanAnswer> plan = ReadPlan(tasks_, plan_name);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  if (plan->ok()) {
    CHISO_CHECK(access_.CheckPlanIssuer(caller, "task.plan", plan_name, (*plan)->issuer().unit()));
  }
  // Units resolve, and must lie, within the caller's scope.
  absl::StatusOr<std::optional<std::set<std::string>>> scope = access_.ScopeUnits(caller);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  TaskManager::PinnedPlans pinned(tasks_, {{plan_name, *plan}});
  absl::StatusOr<v1::Task> task =
      Audited<v1::Task>(caller, "", nullptr, [&] { return tasks_->CreateTask(*request, *scope); });
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::GetTask(grpc::ServerContext* context,
                                            const v1::GetTaskRequest* request, v1::Task* response) {
  CHISO_ADMIT(caller, "GetTask");
  absl::StatusOr<std::optional<Task>> visible = access_.VisibleTask(caller, request->name());
  if (!visible.ok()) return ToGrpcStatus(visible.status());
  return ReplyWith(tasks_->GetTask(*request), response);
}

// For a restricted caller, a plan whose issuer lies outside their scope and
// in none of whose tasks a unit of their subtree takes part answers exactly
// as a missing plan (as GetPlanSummary does): NOT_FOUND "plans/x not found".
absl::Status AssignmentServiceImpl::CheckPlanFilter(const auth::Caller& caller,
                                                    const std::string& plan_name) const {
  const std::string plan_id = After(plan_name, "plans/");
  if (caller.Unrestricted() || plan_id.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> issuer = access_.IssuerOf(plan_name);
  if (!issuer.ok()) return issuer.status();
  if (!issuer->empty()) {
    absl::StatusOr<bool> in = auth::InScope(caller, access_.tree(), *issuer);
    if (!in.ok()) return in.status();
    if (*in) return absl::OkStatus();
  }
  const absl::Status missing = absl::NotFoundError(absl::StrCat(plan_name, " not found"));
  PlanAnswer plan = tasks_->GetPlan(plan_name);
  if (absl::IsInvalidArgument(plan.status())) return absl::OkStatus();  // the manager's to say
  if (absl::IsNotFound(plan.status())) return missing;
  if (!plan.ok()) return plan.status();
  absl::StatusOr<std::optional<std::set<std::string>>> units = access_.ScopeUnits(caller);
  if (!units.ok()) return units.status();
  const std::set<std::string> scope = units->value_or(std::set<std::string>());
  absl::StatusOr<std::vector<Task>> tasks = store_->ListAllTasksForPlan(plan_id);
  if (!tasks.ok()) return tasks.status();
  for (const Task& task : *tasks) {
    if (scope.count(task.lead_unit().unit()) > 0) return absl::OkStatus();
    for (const chiso::common::v1::UnitRef& ref : task.coordinating_units()) {
      if (scope.count(ref.unit()) > 0) return absl::OkStatus();
    }
  }
  return missing;
}

grpc::Status AssignmentServiceImpl::ListTasks(grpc::ServerContext* context,
                                              const v1::ListTasksRequest* request,
                                              v1::ListTasksResponse* response) {
  CHISO_ADMIT(caller, "ListTasks");
  CHISO_CHECK(access_.CheckUnitVisible(caller, request->filter().unit()));
  CHISO_CHECK(CheckPlanFilter(caller, request->filter().plan()));
  return ReplyWith(tasks_->ListTasks(*request, AssignmentAccess::ListScope(caller)), response);
}

namespace {

// What a change to an existing task needs before its transaction: the task
// as stored (when the caller sees it; nullopt for a malformed name, which
// the manager rejects), its plan as the plan service has it, and the plan's
// issuer.
struct TaskChangeContext {
  std::optional<Task> task;
  PlanAnswer plan = absl::NotFoundError("no plan");
  std::string issuer;
};

absl::StatusOr<TaskChangeContext> PrepareTaskChange(const AssignmentAccess& access,
                                                    TaskManager* tasks, const auth::Caller& caller,
                                                    absl::string_view name, bool read_plan) {
  TaskChangeContext prepared;
  absl::StatusOr<std::optional<Task>> task = access.VisibleTask(caller, name);
  if (!task.ok()) return task.status();
  prepared.task = *std::move(task);
  if (!prepared.task.has_value()) return prepared;
  if (read_plan) {
    absl::StatusOr<PlanAnswer> plan = ReadPlan(tasks, prepared.task->plan());
    if (!plan.ok()) return plan.status();
    prepared.plan = *std::move(plan);
  }
  if (prepared.plan.ok()) {
    prepared.issuer = prepared.plan->issuer().unit();
  } else if (!caller.Unrestricted()) {
    absl::StatusOr<std::string> issuer = access.IssuerOf(prepared.task->plan());
    if (!issuer.ok()) return issuer.status();
    prepared.issuer = *std::move(issuer);
  }
  return prepared;
}

// The plans to pin for a change to the task `name` by `caller` through `rpc`,
// after the plan-task check (none for a malformed name).
absl::StatusOr<std::vector<std::pair<std::string, PlanAnswer>>> PlansForTaskChange(
    const AssignmentAccess& access, TaskManager* tasks, const auth::Caller& caller,
    absl::string_view name, absl::string_view rpc) {
  absl::StatusOr<TaskChangeContext> prepared =
      PrepareTaskChange(access, tasks, caller, name, /*read_plan=*/true);
  if (!prepared.ok()) return prepared.status();
  std::vector<std::pair<std::string, PlanAnswer>> plans;
  if (prepared->task.has_value()) {
    if (absl::Status s = access.CheckPlanTask(caller, *prepared->task, prepared->issuer, rpc);
        !s.ok()) {
      return s;
    }
    plans.emplace_back(prepared->task->plan(), prepared->plan);
  }
  return plans;
}

}  // namespace

grpc::Status AssignmentServiceImpl::UpdateTask(grpc::ServerContext* context,
                                               const v1::UpdateTaskRequest* request,
                                               v1::Task* response) {
  CHISO_ADMIT(caller, "UpdateTask");
  const std::string& name = request->task().name();
  absl::StatusOr<std::vector<std::pair<std::string, PlanAnswer>>> plans =
      PlansForTaskChange(access_, tasks_, caller, name, "UpdateTask");
  if (!plans.ok()) return ToGrpcStatus(plans.status());
  absl::StatusOr<std::optional<std::set<std::string>>> scope = access_.ScopeUnits(caller);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  TaskManager::PinnedPlans pinned(tasks_, *std::move(plans));
  absl::StatusOr<v1::Task> task = Audited<v1::Task>(
      caller, name, [&] { return StoredTask(name); },
      [&] { return tasks_->UpdateTask(*request, *scope); });
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::DeleteTask(grpc::ServerContext* context,
                                               const v1::DeleteTaskRequest* request,
                                               google::protobuf::Empty* response) {
  (void)response;
  CHISO_ADMIT(caller, "DeleteTask");
  const std::string& name = request->name();
  absl::StatusOr<TaskChangeContext> prepared =
      PrepareTaskChange(access_, tasks_, caller, name, /*read_plan=*/false);
  if (!prepared.ok()) return ToGrpcStatus(prepared.status());
  if (prepared->task.has_value()) {
    CHISO_CHECK(access_.CheckPlanTask(caller, *prepared->task, prepared->issuer, "DeleteTask"));
  }
  TaskManager::PinnedPlans pinned(tasks_, {});
  absl::Status status = AuditedDelete(
      caller, name, [&] { return StoredTask(name); }, [&] { return tasks_->DeleteTask(*request); });
  if (status.ok()) TasksChanged({name});
  return ToGrpcStatus(status);
}

grpc::Status AssignmentServiceImpl::CancelTask(grpc::ServerContext* context,
                                               const v1::CancelTaskRequest* request,
                                               v1::Task* response) {
  CHISO_ADMIT(caller, "CancelTask");
  const std::string& name = request->name();
  absl::StatusOr<std::vector<std::pair<std::string, PlanAnswer>>> plans =
      PlansForTaskChange(access_, tasks_, caller, name, "CancelTask");
  if (!plans.ok()) return ToGrpcStatus(plans.status());
  TaskManager::PinnedPlans pinned(tasks_, *std::move(plans));
  absl::StatusOr<v1::Task> task = Audited<v1::Task>(
      caller, name, [&] { return StoredTask(name); }, [&] { return tasks_->CancelTask(*request); });
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::ReopenTask(grpc::ServerContext* context,
                                               const v1::ReopenTaskRequest* request,
                                               v1::Task* response) {
  CHISO_ADMIT(caller, "ReopenTask");
  const std::string& name = request->name();
  absl::StatusOr<std::vector<std::pair<std::string, PlanAnswer>>> plans =
      PlansForTaskChange(access_, tasks_, caller, name, "ReopenTask");
  if (!plans.ok()) return ToGrpcStatus(plans.status());
  TaskManager::PinnedPlans pinned(tasks_, *std::move(plans));
  absl::StatusOr<v1::Task> task = Audited<v1::Task>(
      caller, name, [&] { return StoredTask(name); }, [&] { return tasks_->ReopenTask(*request); });
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::ReportProgress(grpc::ServerContext* context,
                                                   const v1::ReportProgressRequest* request,
                                                   v1::ReportProgressResponse* response) {
  CHISO_ADMIT(caller, "ReportProgress");
  const std::string& name = request->task();
  absl::StatusOr<TaskChangeContext> prepared =
      PrepareTaskChange(access_, tasks_, caller, name, /*read_plan=*/true);
  if (!prepared.ok()) return ToGrpcStatus(prepared.status());
  std::vector<std::pair<std::string, PlanAnswer>> plans;
  if (prepared->task.has_value()) {
    CHISO_CHECK(access_.CheckReport(caller, *prepared->task, request->progress_report()));
    plans.emplace_back(prepared->task->plan(), prepared->plan);
  }
  TaskManager::PinnedPlans pinned(tasks_, std::move(plans));
  v1::ReportProgressResponse reported;
  // A retry with a request_id already used (the first result) changes
  // nothing and leaves no event.
  bool replayed = false;
  auto report = [&]() -> absl::StatusOr<audit::Change> {
    absl::StatusOr<v1::ReportProgressResponse> done = tasks_->ReportProgress(*request, &replayed);
    if (!done.ok()) return done.status();
    reported = *std::move(done);
    if (replayed) return audit::NoChange();
    return audit::Change{reported.task().name(), audit::Serialize(reported.task())};
  };
  absl::Status status = audit_ == nullptr
                            ? report().status()
                            : audit_->Record(
                                  caller, name, [&] { return StoredTask(name); }, report);
  if (!status.ok()) return ToGrpcStatus(status);
  if (!replayed) TasksChanged({reported.task().name()});
  *response = std::move(reported);
  return grpc::Status::OK;
}

grpc::Status AssignmentServiceImpl::GetProgressReport(grpc::ServerContext* context,
                                                      const v1::GetProgressReportRequest* request,
                                                      v1::ProgressReport* response) {
  CHISO_ADMIT(caller, "GetProgressReport");
  const std::string& name = request->name();
  const size_t slash = name.find("/progressReports/");
  if (slash != std::string::npos) {
    absl::StatusOr<std::optional<Task>> visible =
        access_.VisibleTask(caller, absl::string_view(name).substr(0, slash));
    if (!visible.ok()) {
      // A report of a task the caller does not see is missing to them.
      if (absl::IsNotFound(visible.status())) {
        return ToGrpcStatus(absl::NotFoundError(absl::StrCat(name, " not found")));
      }
      return ToGrpcStatus(visible.status());
    }
  }
  return ReplyWith(tasks_->GetProgressReport(*request), response);
}

grpc::Status AssignmentServiceImpl::ListProgressReports(
    grpc::ServerContext* context, const v1::ListProgressReportsRequest* request,
    v1::ListProgressReportsResponse* response) {
  CHISO_ADMIT(caller, "ListProgressReports");
  absl::StatusOr<std::optional<Task>> visible = access_.VisibleTask(caller, request->parent());
  if (!visible.ok()) return ToGrpcStatus(visible.status());
  return ReplyWith(tasks_->ListProgressReports(*request), response);
}

grpc::Status AssignmentServiceImpl::ImportTasks(grpc::ServerContext* context,
                                                const v1::ImportTasksRequest* request,
                                                v1::ImportTasksResponse* response) {
  CHISO_ADMIT(caller, "ImportTasks");
  const std::string& plan_name = request->plan();
  absl::StatusOr<PlanAnswer> plan = ReadPlan(tasks_, plan_name);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  if (plan->ok()) {
    CHISO_CHECK(access_.CheckPlanIssuer(caller, "plan", plan_name, (*plan)->issuer().unit()));
  }
  CHISO_CHECK(access_.CheckUnitRef(caller, "context_unit", request->context_unit()));
  // Names resolve only among the units of the caller's scope.
  absl::StatusOr<std::optional<std::set<std::string>>> scope = access_.ScopeUnits(caller);
  if (!scope.ok()) return ToGrpcStatus(scope.status());
  TaskManager::PinnedPlans pinned(tasks_, {{plan_name, *plan}});
  absl::StatusOr<v1::ImportTasksResponse> imported =
      request->validate_only() ? tasks_->ImportTasks(*request, *scope)
                               : Audited<v1::ImportTasksResponse>(caller, plan_name, nullptr, [&] {
                                   return tasks_->ImportTasks(*request, *scope);
                                 });
  if (imported.ok() && !request->validate_only()) {
    std::vector<std::string> names;
    for (const auto& result : imported->results()) {
      names.insert(names.end(), result.tasks().begin(), result.tasks().end());
    }
    TasksChanged(std::move(names));
  }
  return ReplyWith(std::move(imported), response);
}

grpc::Status AssignmentServiceImpl::GetUnitSummary(grpc::ServerContext* context,
                                                   const v1::GetUnitSummaryRequest* request,
                                                   v1::UnitSummary* response) {
  CHISO_ADMIT(caller, "GetUnitSummary");
  CHISO_CHECK(access_.CheckUnitVisible(caller, request->unit()));
  return ReplyWith(tasks_->GetUnitSummary(*request), response);
}

grpc::Status AssignmentServiceImpl::GetPlanSummary(grpc::ServerContext* context,
                                                   const v1::GetPlanSummaryRequest* request,
                                                   v1::PlanSummary* response) {
  CHISO_ADMIT(caller, "GetPlanSummary");
  if (caller.Unrestricted() || After(request->plan(), "plans/").empty()) {
    return ReplyWith(tasks_->GetPlanSummary(*request), response);
  }
  absl::StatusOr<std::string> issuer = access_.IssuerOf(request->plan());
  if (!issuer.ok()) return ToGrpcStatus(issuer.status());
  if (!issuer->empty()) {
    absl::StatusOr<bool> in = auth::InScope(caller, access_.tree(), *issuer);
    if (!in.ok()) return ToGrpcStatus(in.status());
    if (*in) return ReplyWith(tasks_->GetPlanSummary(*request), response);
  }
  // Only the plan's tasks that a unit of the caller's subtree leads or
  // coordinates.
  absl::StatusOr<std::optional<std::set<std::string>>> units = access_.ScopeUnits(caller);
  if (!units.ok()) return ToGrpcStatus(units.status());
  const std::set<std::string> scope = units->value_or(std::set<std::string>());
  auto visible = [&scope](const v1::Task& task) {
    if (scope.count(task.lead_unit().unit()) > 0) return true;
    for (const chiso::common::v1::UnitRef& ref : task.coordinating_units()) {
      if (scope.count(ref.unit()) > 0) return true;
    }
    return false;
  };
  return ReplyWith(tasks_->GetPlanSummary(*request, visible), response);
}

grpc::Status AssignmentServiceImpl::ListAuditEvents(
    grpc::ServerContext* context, const chiso::common::v1::ListAuditEventsRequest* request,
    chiso::common::v1::ListAuditEventsResponse* response) {
  CHISO_ADMIT(caller, "ListAuditEvents");
  (void)caller;
  if (audit_ == nullptr) {
    return ToGrpcStatus(absl::UnimplementedError("this service keeps no audit trail"));
  }
  return ReplyWith(audit_->List(*request), response);
}

}  // namespace chiso::assignment
