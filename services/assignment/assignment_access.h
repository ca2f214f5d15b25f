#ifndef CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_ACCESS_H_
#define CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_ACCESS_H_

// Who may do what in the assignment service (docs/SECURITY.md): the
// permission each RPC needs, and the scope rules of units, people, tasks and
// progress reports. The handlers (assignment_service.cc) call these before
// they change or return anything.
//
// Scope, for a restricted caller (not an administrator, a service or an
// anonymous caller):
//  - a unit is in scope when it lies in the subtree of the caller's unit; a
//    person when their unit does;
//  - a task is visible when its lead or a coordinating unit lies in that
//    subtree, or its plan's issuer unit does;
//  - planners change tasks of plans whose issuer lies in their subtree, and
//    units and people in it; they create units only under a unit in it;
//  - reporters report on tasks that a unit of their subtree leads or
//    coordinates, for a reporting unit of their subtree.
// Anything out of scope answers exactly as a missing resource (NOT_FOUND,
// same message); PERMISSION_DENIED names what is missing on a resource the
// caller can see.

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "common/auth/access.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/task_manager.h"

namespace chiso::assignment {

// The permission of every AssignmentService RPC (ListAuditEvents included).
std::vector<auth::RpcRule> AssignmentRules();

// The gate of the AssignmentService; a null `authenticator` turns
// authentication off (every caller anonymous).
std::unique_ptr<auth::AccessGate> NewAssignmentGate(
    std::shared_ptr<const auth::Authenticator> authenticator);

// The service's own unit tree, read from the store.
class StoreUnitTree : public auth::UnitTree {
 public:
  // `store` is not owned.
  explicit StoreUnitTree(AssignmentStore* store) : store_(store) {}

  absl::StatusOr<bool> Contains(absl::string_view ancestor, absl::string_view unit) const override;

 private:
  AssignmentStore* store_;
};

// The scope checks of the assignment service's resources.
class AssignmentAccess {
 public:
  // Neither is owned. `tasks` answers the plan issuer of a task whose plan
  // the store has not remembered.
  AssignmentAccess(AssignmentStore* store, TaskManager* tasks);

  const auth::UnitTree& tree() const { return tree_; }

  // For lists: nullopt for an unrestricted caller, else the id of the unit
  // whose subtree the caller sees ("" when the caller has none: nothing).
  static std::optional<std::string> ListScope(const auth::Caller& caller);

  // NOT_FOUND "<field>: <unit> not found" (as a missing unit) unless `unit`
  // ("units/{id}") is in the caller's scope; OK for an empty `unit`, an
  // unrestricted caller or a malformed name (the manager rejects it).
  absl::Status CheckUnitRef(const auth::Caller& caller, absl::string_view field,
                            absl::string_view unit) const;
  // The same for a unit named by a request's `name`: "units/x not found".
  absl::Status CheckUnitVisible(const auth::Caller& caller, absl::string_view unit) const;

  // The person `name` ("people/{id}") is in scope: their unit is. NOT_FOUND
  // as a missing person otherwise (`field` prefixes the message when set).
  absl::Status CheckPersonVisible(const auth::Caller& caller, absl::string_view field,
                                  absl::string_view name) const;

  // CreateUnit: a restricted caller creates only under a parent in scope
  // (NOT_FOUND for one out of it, PERMISSION_DENIED for a root); the head
  // and merged_into it names must be in scope.
  absl::Status CheckCreateUnit(const auth::Caller& caller, const Unit& unit) const;

  // Whether the caller sees `task`: unrestricted, or a lead or coordinating
  // unit in scope, or its plan's issuer (`issuer`, "units/{id}", may be
  // empty) in scope.
  absl::StatusOr<bool> TaskVisible(const auth::Caller& caller, const Task& task,
                                   absl::string_view issuer) const;

  // The issuer unit of the plan `plan_name`: the one remembered in the store,
  // else the plan service's answer; "" when neither knows it.
  absl::StatusOr<std::string> IssuerOf(absl::string_view plan_name) const;

  // The stored task `name` ("tasks/{id}") when the caller sees it; NOT_FOUND
  // ("tasks/x not found") when it is missing or out of scope. `issuer` set:
  // the plan's issuer as the caller already read it; else IssuerOf.
  // nullopt for a malformed name, and for an unrestricted caller a missing
  // task (the manager reports both in its own words).
  absl::StatusOr<std::optional<Task>> VisibleTask(const auth::Caller& caller,
                                                  absl::string_view name,
                                                  const std::string* issuer = nullptr) const;

  // Changing a task the caller sees (UpdateTask, DeleteTask, CancelTask,
  // ReopenTask): its plan's issuer must be in scope; PERMISSION_DENIED
  // otherwise (not naming the issuer, which the caller does not see).
  absl::Status CheckPlanTask(const auth::Caller& caller, const Task& task, absl::string_view issuer,
                             absl::string_view rpc) const;

  // Adding tasks to a plan (CreateTask, ImportTasks): NOT_FOUND "<field>:
  // <plan> not found" (as a missing plan) unless its issuer is in scope.
  absl::Status CheckPlanIssuer(const auth::Caller& caller, absl::string_view field,
                               absl::string_view plan, absl::string_view issuer) const;

  // ReportProgress on a task the caller sees: a caller without "plan" must
  // have a unit of their subtree leading or coordinating the task; the
  // reporting unit must be in scope. PERMISSION_DENIED naming what is
  // missing.
  absl::Status CheckReport(const auth::Caller& caller, const Task& task,
                           const chiso::assignment::v1::ProgressReport& report) const;

  // The units of the caller's subtree (ids), for checks over many tasks;
  // nullopt for an unrestricted caller.
  absl::StatusOr<std::optional<std::set<std::string>>> ScopeUnits(const auth::Caller& caller) const;

 private:
  AssignmentStore* store_;
  TaskManager* tasks_;
  StoreUnitTree tree_;
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_ACCESS_H_
