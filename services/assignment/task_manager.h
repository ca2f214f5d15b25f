#ifndef CHISO_SERVICES_ASSIGNMENT_TASK_MANAGER_H_
#define CHISO_SERVICES_ASSIGNMENT_TASK_MANAGER_H_

// The assignment service's task operations, one per RPC, in domain terms:
// each takes the request message, checks the plan with the plan service,
// resolves unit names in the directory, applies the rules of task_domain,
// uses the store, and returns absl::Status. The gRPC adapter only converts.
//
// Timeliness, occurrences and next_due_date are recomputed (ComputeDerived)
// against the business day of `clock` on every read and write, so tasks,
// lists and summaries are current whatever was stored. Resource names in
// requests are "tasks/{id}", "units/{id}", "plans/{id}", ids of 1–64 ASCII
// letters, digits, '-', '_' or '.'; a malformed name is InvalidArgument
// naming the field.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/plan_client.h"
#include "services/assignment/task_domain.h"

namespace chiso::assignment {

namespace apb = chiso::assignment::v1;

struct TaskManagerOptions {
  // The due-soon window in days: open work due within it (due today
  // included) is TIMELINESS_DUE_SOON.
  int due_soon_days = 7;
  // Whether completing a task (a report with status DONE) needs evidence in
  // that report or an earlier one (PAR INDEX "tài liệu kiểm chứng").
  bool evidence_required_default = true;
};

class TaskManager {
 public:
  // None of the pointers is owned; all must outlive the manager.
  TaskManager(AssignmentStore* store, PlanClient* plans, const Catalog* catalog,
              const civil::Clock* clock, IdGenerator* ids, TaskManagerOptions options = {});

  // Creates a NOT_STARTED task. The plan must be open for tasks
  // (PlanOpenForTasks: NotFound, FailedPrecondition when closed or
  // archived). The task is validated and normalised (ValidateAndNormalizeTask:
  // exactly one lead unit, timeframe phrase resolved, …); a lead or
  // coordinating unit given only by display name is resolved with
  // ResolveUnit within the plan issuer's subtree (InvalidArgument listing
  // the candidates when ambiguous or unresolved); a unit given by `unit`
  // must exist (NotFound) and be active on today's date
  // (FailedPrecondition when ended or merged).
  // `scope`, when set, holds the units ("units/{id}") a restricted caller
  // sees: names resolve only among them (as ResolveUnit answers that
  // caller), and a lead or coordinating unit outside them answers exactly
  // as a missing one (NotFound "<field>.unit: units/x not found").
  absl::StatusOr<apb::Task> CreateTask(
      const apb::CreateTaskRequest& request,
      const std::optional<std::set<std::string>>& scope = std::nullopt);

  // Returns the task with current timeliness. Errors: InvalidArgument
  // (name), NotFound.
  absl::StatusOr<apb::Task> GetTask(const apb::GetTaskRequest& request);

  // Lists tasks matching the filter, ordered by next due date (tasks without
  // one last), then name. The store narrows by plan, unit (subtree, role),
  // component, objective, status and supervisor; timeliness, due range and
  // text are matched on the recomputed tasks. The page token carries the
  // last (due date, id) key and a fingerprint of the filter. Errors:
  // InvalidArgument (page size, token, filter); NotFound for a filter unit
  // or plan that does not exist.
  // `scope`, when set, limits the tasks to those a unit of that unit id's
  // subtree leads or coordinates or whose plan it issued (the scope of a
  // restricted caller; "" lists nothing).
  absl::StatusOr<apb::ListTasksResponse> ListTasks(
      const apb::ListTasksRequest& request, const std::optional<std::string>& scope = std::nullopt);

  // Updates the masked fields (objective_id, component, title, description,
  // lead_unit, coordinating_units, supervisor_person, supervisor_post,
  // deliverable, schedule). Errors: as CreateTask; InvalidArgument for an
  // empty mask or another path; FailedPrecondition for a DONE or CANCELLED
  // task unless only description changes; Aborted on etag mismatch or when
  // the task changed while the update was prepared. `scope` as for
  // CreateTask; the units the task already names stay allowed.
  absl::StatusOr<apb::Task> UpdateTask(
      const apb::UpdateTaskRequest& request,
      const std::optional<std::set<std::string>>& scope = std::nullopt);

  // Deletes a task without progress reports. Errors: NotFound;
  // FailedPrecondition when it has reports (cancel it instead); Aborted on
  // etag mismatch.
  absl::Status DeleteTask(const apb::DeleteTaskRequest& request);

  // Cancels the task with a reason (status_reason). Errors: InvalidArgument
  // for a missing or over-long reason; NotFound; FailedPrecondition when
  // already cancelled; Aborted on etag mismatch.
  absl::StatusOr<apb::Task> CancelTask(const apb::CancelTaskRequest& request);

  // Moves a DONE or CANCELLED task (or one DONE occurrence) back to
  // IN_PROGRESS with a reason. Errors: InvalidArgument (reason, unknown
  // occurrence date); NotFound; FailedPrecondition when not DONE or
  // CANCELLED or the plan is closed; Aborted on etag mismatch.
  absl::StatusOr<apb::Task> ReopenTask(const apb::ReopenTaskRequest& request);

  // Records a progress report and applies it to the task or occurrence in
  // one transaction (UpdateTaskWithReport). Validated with
  // ValidateProgressReport; completing needs evidence in this report unless
  // an earlier report on the task (or the same occurrence) carried some, or
  // options.evidence_required_default is false. A reported DONE on an
  // occurrence completes it, and the task when every occurrence is done; on
  // the task as a whole it completes the task. Errors: as
  // ValidateProgressReport; NotFound (task, plan); FailedPrecondition for a
  // closed plan; Aborted on etag mismatch or a concurrent report.
  //
  // request_id, when set, is the client's idempotency key: printable ASCII,
  // at most 128 characters (InvalidArgument "request_id: …" otherwise). A
  // call with a key already used for the same task adds nothing and returns
  // the first result: the report stored then and the task as it is now
  // (neither the etag nor the report is checked again, and the plan need not
  // still be open); `*replayed` (when given) is then set to true, else to
  // false. The same key on another task is independent. Two calls racing
  // with one key add one report (the store's UNIQUE (task, request_id)); the
  // one that loses the race answers as a retry.
  absl::StatusOr<apb::ReportProgressResponse> ReportProgress(
      const apb::ReportProgressRequest& request, bool* replayed = nullptr);

  // Returns one report, "tasks/{task}/progressReports/{id}". Errors:
  // InvalidArgument (name), NotFound.
  absl::StatusOr<apb::ProgressReport> GetProgressReport(
      const apb::GetProgressReportRequest& request);

  // Lists a task's reports newest first, paginated by report id. Errors:
  // InvalidArgument (page size, token, filter); NotFound for the task.
  absl::StatusOr<apb::ListProgressReportsResponse> ListProgressReports(
      const apb::ListProgressReportsRequest& request);

  // Creates the tasks of plan-document drafts in one CreateTasks call (all
  // or nothing: a store error is returned and nothing is left behind). The
  // plan must be open for tasks; 1–1000 drafts; a draft's key is draft_id or
  // "L<first_line>-<last_line>" (InvalidArgument naming the draft when both
  // are missing, repeated, or the title or leads are missing). Names resolve
  // within context_unit (default: the plan's issuer). Each lead clause is
  // split (SplitUnitNames): one task per lead that resolves to one active
  // unit (ONE_LEAD_RULE_APPLIED when several are named); collective,
  // ambiguous, unresolved or ended leads get no task (NEEDS_DECISION, or
  // PARTIAL beside created ones). Unresolved coordinators are dropped with a
  // warning, collective ones kept as written; the supervisor is kept as a
  // post. An unresolved timeframe or unknown objective creates no task for
  // the draft. A task already stored for (plan, draft key, lead) is not
  // created again (ALREADY_IMPORTED). validate_only reports without writing.
  // `scope`, when set: names resolve only among those units (as for
  // CreateTask); a name matching only units outside it is unresolved, as if
  // they did not exist.
  absl::StatusOr<apb::ImportTasksResponse> ImportTasks(
      const apb::ImportTasksRequest& request,
      const std::optional<std::set<std::string>>& scope = std::nullopt);

  // One unit's (or subtree's) tasks as lead and as coordinator by
  // timeliness, the on-time ratio over the occurrences of the tasks it
  // leads, and its overdue led tasks (most overdue first, at most 100).
  // Errors: InvalidArgument (names); NotFound for the unit or plan.
  absl::StatusOr<apb::UnitSummary> GetUnitSummary(const apb::GetUnitSummaryRequest& request);

  // A plan's tasks and occurrences by timeliness, on-time ratio and the
  // accountability matrix (Accountability). Errors: InvalidArgument (name);
  // NotFound for the plan.
  // `visible`, when given, keeps only the tasks it accepts (a caller who sees
  // part of the plan); NotFound for the plan when it accepts none.
  absl::StatusOr<apb::PlanSummary> GetPlanSummary(
      const apb::GetPlanSummaryRequest& request,
      const std::function<bool(const apb::Task&)>& visible = nullptr);

  // Every task, with timeliness and occurrences as of today (the domain
  // metrics, which move with the clock). Errors: those of the store and of
  // the plan service.
  absl::StatusOr<std::vector<apb::Task>> CurrentTasks();

  // The plan `name` as the plan service (or the pinned plans, below) has it.
  absl::StatusOr<chiso::plan::v1::Plan> GetPlan(absl::string_view name);

  // Plans read before a change, which the change then uses instead of asking
  // the plan service: a caller that runs the change inside a database
  // transaction (the audit log's) must not wait on another service there.
  // While it lives, this manager's calls on the constructing thread read
  // plans only from it: another plan is FailedPrecondition.
  class PinnedPlans {
   public:
    PinnedPlans(TaskManager* manager,
                std::vector<std::pair<std::string, absl::StatusOr<chiso::plan::v1::Plan>>> plans);
    ~PinnedPlans();
    PinnedPlans(const PinnedPlans&) = delete;
    PinnedPlans& operator=(const PinnedPlans&) = delete;

   private:
    std::unique_ptr<PlanClient> client_;
    const TaskManager* previous_owner_;
    PlanClient* previous_client_;
  };

 private:
  // The plan client of this call: the pinned plans when a PinnedPlans of
  // this manager lives on this thread, else the plan service.
  PlanClient& Plans();
  absl::CivilDay Today() const;
  // Facts of the plan `name` (NotFound when the plan service has none).
  absl::StatusOr<PlanFacts> FactsOf(const std::string& plan_name);
  // PlanFactsOf, after remembering the plan in the store for reminders.
  PlanFacts NoteFacts(const chiso::plan::v1::Plan& plan);
  // Resolves the lead and coordinating units of `task` (see CreateTask).
  // `scope` as for CreateTask.
  absl::Status ResolveUnits(const chiso::plan::v1::Plan& plan, apb::Task& task,
                            const std::optional<std::set<std::string>>& scope);
  // The ids of `unit_id` (with its subtree when `subtree`) and of every unit
  // merged into one of them, directly or along a chain (with their subtrees
  // too): a merged unit's history is found from its successor. NotFound for
  // an unknown unit.
  absl::StatusOr<std::vector<std::string>> UnitsWithHistory(const std::string& unit_id,
                                                            bool subtree);
  // Recomputes derived fields of `tasks`, fetching each plan once.
  absl::Status Refresh(std::vector<apb::Task>& tasks);
  // The answer to a ReportProgress retried with a key already used on task
  // `task_id`: `report` and the task as it is now; nullopt when the key is
  // empty or unused.
  absl::StatusOr<std::optional<apb::ReportProgressResponse>> ReplayReport(
      const std::string& task_id, const std::string& request_id);
  // Computes the derived fields as of `day` rather than today.
  absl::Status RefreshAsOf(absl::CivilDay day, std::vector<apb::Task>& tasks);
  // The day a summary judges by: `as_of` when set (validated), else today.
  absl::StatusOr<absl::CivilDay> SummaryDay(const chiso::common::v1::Date& as_of) const;

  AssignmentStore* store_;
  PlanClient* plans_;
  const Catalog* catalog_;
  const civil::Clock* clock_;
  IdGenerator* ids_;
  TaskManagerOptions options_;
  absl::Mutex remembered_mu_;
  // Etag of each plan as last remembered in the store.
  std::map<std::string, std::string> remembered_etags_ ABSL_GUARDED_BY(remembered_mu_);
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_TASK_MANAGER_H_
