#ifndef CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_STORE_H_
#define CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_STORE_H_

// Persistence of the assignment service (units, people, tasks, progress
// reports) behind a narrow interface.
//
// The store keeps each resource whole (its protobuf encoding) plus the columns
// it filters on, derived from the proto on every write. It takes resources
// that the caller has already validated and named ("units/{id}", "people/{id}",
// "tasks/{id}", "tasks/{task}/progressReports/{id}"), and enforces only
// referential integrity and uniqueness: business rules (status transitions,
// timeliness, the one-lead rule, etags sent by clients) belong to task_domain
// and the manager, which pass them in as callbacks that run inside the
// transaction. Callbacks must not call the store.
//
// Methods take bare ids ("01j…"), not resource names. Every stored resource
// carries an etag: its revision, "1" after create, incremented by every write.
// Dates in queries are "YYYY-MM-DD" text; an empty string means "no bound".
//
// Errors common to every method: those of storage::Database (Unavailable,
// DataLoss, Internal…); DataLoss also when a stored body cannot be decoded.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/storage/database.h"

namespace chiso::assignment {

using chiso::assignment::v1::Person;
using chiso::assignment::v1::ProgressReport;
using chiso::assignment::v1::Task;
using chiso::assignment::v1::TaskStatus;
using chiso::assignment::v1::Timeliness;
using chiso::assignment::v1::Unit;
using chiso::assignment::v1::UnitKind;
using chiso::assignment::v1::UnitRole;

// Which units to list; every set field must match.
struct UnitQuery {
  std::string parent_id;    // direct children of this unit
  std::string ancestor_id;  // inside this unit's subtree (the unit included)
  std::vector<UnitKind> kinds;
  std::string code;  // exact code
  // Substring of the MatchKey of the display name or of an alias.
  std::string name_key;
  // When false, only units with neither valid_to nor merged_into.
  bool include_ended = true;
  // "YYYY-MM-DD": only units existing on that day (valid_from ≤ day ≤
  // valid_to, a missing bound being open).
  std::string valid_on;
  // Only units in the subtree of this unit (the unit included): the scope of
  // a restricted caller. An empty id matches nothing; nullopt, everything.
  std::optional<std::string> scope_id;
  std::string after_id;  // keyset cursor: ids greater than this
  int limit = 50;
};

struct UnitPage {
  std::vector<Unit> units;
  bool more = false;  // units exist beyond this page
};

// What Merge did (or, on a dry run, would do). See MergeUnitResponse.
struct MergeResult {
  Unit unit;       // the merged unit after the merge
  Unit successor;  // the unit it was merged into
  // Open tasks (status not DONE or CANCELLED) moved to the successor, as lead
  // or coordinator; `moved_lead_task_count` of them were led by the unit.
  int moved_task_count = 0;
  int moved_lead_task_count = 0;
  int moved_child_unit_count = 0;
  // Ids of the moved tasks, ascending (to reschedule their reminders).
  std::vector<std::string> moved_task_ids;
};

// Which people to list; every set field must match.
struct PersonQuery {
  std::vector<std::string> unit_ids;  // works in one of these units
  std::string name_key;               // substring of the display name's MatchKey
  // Only people of a unit in the subtree of this unit (as UnitQuery).
  std::optional<std::string> scope_id;
  std::string after_id;
  int limit = 50;
};

struct PersonPage {
  std::vector<Person> people;
  bool more = false;
};

// Which tasks to list; every set field must match.
struct TaskQuery {
  std::string plan_id;  // bare plan id (the part after "plans/")
  // The task has one of these units (already expanded to a subtree by the
  // caller when wanted) in `unit_role`: LEAD, COORDINATOR, or either when
  // UNSPECIFIED.
  std::vector<std::string> unit_ids;
  UnitRole unit_role = UnitRole::UNIT_ROLE_UNSPECIFIED;
  std::string framework;  // effective_component.framework
  std::string component;  // effective_component.component
  std::string objective_id;
  std::string supervisor_person_id;
  std::vector<TaskStatus> statuses;
  std::vector<Timeliness> timeliness;  // as stored at the task's last write
  // Bounds on next_due_date, inclusive; a task without one never matches a
  // bound.
  std::string due_from;
  std::string due_to;
  // Only tasks that a unit in the subtree of this unit leads or coordinates,
  // or whose plan (as remembered, RememberPlan) was issued by one: the scope
  // of a restricted caller. An empty id matches nothing; nullopt, everything.
  std::optional<std::string> scope_id;
  std::string after_id;
  int limit = 50;
};

struct TaskPage {
  std::vector<Task> tasks;
  bool more = false;
};

// Which reports of a task to list.
struct ReportQuery {
  std::string task_id;  // required
  std::string reporting_unit_id;
  std::string occurrence_due;  // "YYYY-MM-DD"
  std::string after_id;
  int limit = 50;
};

struct ReportPage {
  std::vector<ProgressReport> reports;
  bool more = false;
};

// Tasks per lead unit and stored timeliness (chiso_tasks metric).
struct TaskCount {
  std::string lead_unit_id;
  Timeliness timeliness = Timeliness::TIMELINESS_UNSPECIFIED;
  int64_t count = 0;
};

// One unit and its parent's id ("" for a root), for the unit tree that other
// services keep (UnitTreePublisher).
struct UnitParent {
  std::string id;
  std::string parent_id;
};

class AssignmentStore {
 public:
  virtual ~AssignmentStore() = default;

  // The database the store writes to, for what shares its transactions (the
  // audit log); null when the store keeps no database.
  virtual storage::Database* database() { return nullptr; }

  // ---- Units --------------------------------------------------------------

  // Inserts a new unit. Errors: AlreadyExists when its code is taken (the
  // message names the holder) or the id is; NotFound when `parent`,
  // `merged_into` or `head` names nothing.
  virtual absl::StatusOr<Unit> CreateUnit(const Unit& unit) = 0;
  // Errors: NotFound "units/{id} not found".
  virtual absl::StatusOr<Unit> GetUnit(const std::string& id) = 0;
  // Reads the unit, lets `mutate` change it and writes it back in one
  // transaction. Errors: NotFound (the unit, or a parent/head it now names);
  // AlreadyExists (code taken); InvalidArgument when the new parent lies in
  // the unit's own subtree (a cycle); Aborted when another writer changed the
  // unit in between; any non-OK status of `mutate`, unchanged.
  virtual absl::StatusOr<Unit> UpdateUnit(const std::string& id,
                                          const std::function<absl::Status(Unit&)>& mutate) = 0;
  // Units matching `query`, ordered by id.
  virtual absl::StatusOr<UnitPage> ListUnits(const UnitQuery& query) = 0;
  // Every unit, including ended and merged ones, ordered by id (for the
  // resolver's UnitDirectory).
  virtual absl::StatusOr<std::vector<Unit>> AllUnits() = 0;
  // Ids of the unit and every unit below it (all states), the unit first,
  // then ascending. Safe on corrupt data: a parent cycle ends the walk and no
  // path deeper than kMaxUnitDepth is followed. Errors: NotFound.
  virtual absl::StatusOr<std::vector<std::string>> Subtree(const std::string& id) = 0;
  // True when `unit_id` is `ancestor_id` or lies below it (following parents
  // at most kMaxUnitDepth levels up). An unknown unit lies below nothing.
  virtual absl::StatusOr<bool> InSubtree(const std::string& ancestor_id,
                                         const std::string& unit_id) = 0;
  // Every unit's id and parent id, ordered by id (ended and merged included).
  virtual absl::StatusOr<std::vector<UnitParent>> UnitParents() = 0;
  // Merges unit `from_id` into `into_id` in one transaction: `from` gets
  // `valid_to` (the last day it exists), merged_into and state
  // MERGED; every open task it leads moves its lead to `into` (lead_unit takes
  // the successor's display name), every open task it coordinates names
  // `into` instead (dropped when `into` already leads or coordinates it); its
  // child units that are still active after `valid_to` are re-parented under
  // `into`. `check(from, into)` runs first, inside the transaction, for the
  // caller's rules (etag, states); its non-OK status aborts and is returned.
  // With `dry_run` nothing is written and the result says what would change.
  // Errors: InvalidArgument when `valid_to` is empty; NotFound (either unit);
  // FailedPrecondition when `into` is `from`
  // or lies inside `from`'s subtree; Aborted (concurrent writer).
  virtual absl::StatusOr<MergeResult> Merge(
      const std::string& from_id, const std::string& into_id,
      const chiso::common::v1::Date& valid_to,
      const std::function<absl::Status(const Unit& from, const Unit& into)>& check,
      bool dry_run) = 0;

  // ---- People -------------------------------------------------------------

  // Errors: AlreadyExists (id); NotFound when `unit` names no unit.
  virtual absl::StatusOr<Person> CreatePerson(const Person& person) = 0;
  // Errors: NotFound "people/{id} not found".
  virtual absl::StatusOr<Person> GetPerson(const std::string& id) = 0;
  // Like UpdateUnit. Errors: NotFound, Aborted, `mutate`'s status.
  virtual absl::StatusOr<Person> UpdatePerson(
      const std::string& id, const std::function<absl::Status(Person&)>& mutate) = 0;
  // Deletes the person if `check` allows it. Errors: NotFound;
  // FailedPrecondition when the person heads a unit or supervises a task (the
  // message names one).
  virtual absl::Status DeletePerson(const std::string& id,
                                    const std::function<absl::Status(const Person&)>& check) = 0;
  // People matching `query`, ordered by id.
  virtual absl::StatusOr<PersonPage> ListPeople(const PersonQuery& query) = 0;

  // ---- Tasks --------------------------------------------------------------

  // Inserts one task (lead_unit.unit set). Errors as CreateTasks.
  virtual absl::StatusOr<Task> CreateTask(const Task& task) = 0;
  // Inserts all `tasks` or none (ImportTasks). Errors: AlreadyExists when a
  // task repeats the (plan, source_draft_id, lead unit) of a stored task or of
  // an earlier one in `tasks` (the message names that task), or its id is
  // taken; NotFound when a lead or coordinating unit or the supervisor person
  // names nothing; InvalidArgument when a task has no "tasks/{id}" name or no
  // lead_unit.unit; ResourceExhausted when a plan would have more than
  // kMaxTasksPerPlan tasks. The message names the failing task.
  virtual absl::StatusOr<std::vector<Task>> CreateTasks(const std::vector<Task>& tasks) = 0;
  // Errors: NotFound "tasks/{id} not found".
  virtual absl::StatusOr<Task> GetTask(const std::string& id) = 0;
  // Like UpdateUnit; the unit rows follow the task's lead and coordinators.
  // Errors: NotFound (the task, or a unit/person it now names),
  // AlreadyExists, Aborted, `mutate`'s status.
  virtual absl::StatusOr<Task> UpdateTask(const std::string& id,
                                          const std::function<absl::Status(Task&)>& mutate) = 0;
  // UpdateTask and the appending of `report` (name already assigned, under
  // this task) in one transaction: both happen or neither. A caller that
  // needs the earlier reports reads them first and compares etags in
  // `mutate` (every append bumps the task's revision). `request_id`, when
  // not empty, is the client's idempotency key (ReportProgressRequest):
  // stored with the report, unique per task (a UNIQUE constraint on (task,
  // request_id), checked by the same transaction), so that two writers racing
  // with one key add one report. Errors: as UpdateTask; AlreadyExists when
  // the report's id is taken or the task already has a report with this
  // `request_id` (ReportByRequestId finds it); InvalidArgument when the
  // report is not named under this task.
  virtual absl::StatusOr<std::pair<Task, ProgressReport>> UpdateTaskWithReport(
      const std::string& task_id, const std::function<absl::Status(Task&)>& mutate,
      const ProgressReport& report, const std::string& request_id) = 0;
  // Deletes the task and its reports if `check` allows it. Errors: NotFound.
  virtual absl::Status DeleteTask(const std::string& id,
                                  const std::function<absl::Status(const Task&)>& check) = 0;
  // Tasks matching `query`, ordered by id.
  virtual absl::StatusOr<TaskPage> ListTasks(const TaskQuery& query) = 0;
  // Every task of the plan, ordered by id (plan summaries).
  virtual absl::StatusOr<std::vector<Task>> ListAllTasksForPlan(const std::string& plan_id) = 0;
  // Every task in which one of `unit_ids` leads or coordinates, ordered by id
  // (unit summaries).
  virtual absl::StatusOr<std::vector<Task>> ListAllTasksForUnits(
      const std::vector<std::string>& unit_ids) = 0;
  // Number of tasks, cancelled ones excepted, per lead unit and stored
  // timeliness, ordered by unit id and timeliness.
  virtual absl::StatusOr<std::vector<TaskCount>> CountTasksByLeadAndTimeliness() = 0;

  // ---- Progress reports ---------------------------------------------------

  // Errors: NotFound "tasks/{task}/progressReports/{id} not found".
  virtual absl::StatusOr<ProgressReport> GetReport(const std::string& task_id,
                                                   const std::string& report_id) = 0;
  // The report of the task stored with this idempotency key
  // (UpdateTaskWithReport's `request_id`); nullopt when none (or the key is
  // empty).
  virtual absl::StatusOr<std::optional<ProgressReport>> ReportByRequestId(
      const std::string& task_id, const std::string& request_id) = 0;
  // Reports matching `query`, ordered by id (creation order). Errors:
  // NotFound when the task does not exist.
  virtual absl::StatusOr<ReportPage> ListReports(const ReportQuery& query) = 0;

  // ---- What reminders need --------------------------------------------------

  // Ids of the tasks that are neither DONE nor CANCELLED, ascending.
  virtual absl::StatusOr<std::vector<std::string>> OpenTaskIds() = 0;
  // When the latest progress report on the task was made; nullopt if none.
  virtual absl::StatusOr<std::optional<absl::Time>> LastReportTime(const std::string& task_id) = 0;
  // Keeps what task reminders and scope checks need of a plan (name, number,
  // title, status, period, date of issue, reminder policy, issuer), as last
  // read from the plan service, so reminders can be rebuilt and lists
  // limited to a caller's scope without calling it. Other fields of `plan`
  // are not kept.
  virtual absl::Status RememberPlan(const chiso::plan::v1::Plan& plan) = 0;
  // The plan as remembered; nullopt if never seen.
  virtual absl::StatusOr<std::optional<chiso::plan::v1::Plan>> RememberedPlan(
      const std::string& plan_id) = 0;
};

// Deepest unit tree Subtree and the cycle checks follow.
inline constexpr int kMaxUnitDepth = 64;
// Tasks one plan may have (CreateTask and ImportTasks answer
// ResourceExhausted past it): a district plan has a few dozen to a few
// hundred; the limit bounds what summaries and reminders read per plan.
inline constexpr int kMaxTasksPerPlan = 5000;

// The schema of the assignment service, per dialect: its own migrations
// 1–3, the audit trail's (audit::AuditMigrations, from 4), then its later
// ones (5: the idempotency keys of progress reports). Released numbers never
// change.
const std::vector<storage::Migration>& AssignmentMigrations();

// An AssignmentStore on `db` (migrated by the caller with
// AssignmentMigrations()). `db` must outlive the store.
std::unique_ptr<AssignmentStore> NewSqlAssignmentStore(storage::Database* db);

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_STORE_H_
