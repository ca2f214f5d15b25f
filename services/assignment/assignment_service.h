#ifndef CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_SERVICE_H_
#define CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_SERVICE_H_

// The gRPC adapter of the assignment service: each method admits the caller
// (AccessGate), checks the resource against the caller's scope
// (assignment_access.h), calls UnitManager or TaskManager, records every
// change in the audit trail in the change's own transaction, and converts
// its absl::Status. No domain rules, no SQL here.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "services/assignment/assignment_access.h"
#include "services/assignment/task_manager.h"
#include "services/assignment/unit_manager.h"

namespace chiso::assignment {

namespace v1 = chiso::assignment::v1;

class AssignmentServiceImpl final : public chiso::assignment::v1::AssignmentService::Service {
 public:
  // Nothing is owned; all must outlive the service. Without a `gate`,
  // authentication is off (every caller anonymous and unrestricted); without
  // an `audit` log, the service keeps one on the store's database (which
  // must carry AssignmentMigrations(), the audit trail's included).
  AssignmentServiceImpl(UnitManager* units, TaskManager* tasks,
                        const auth::AccessGate* gate = nullptr, audit::AuditLog* audit = nullptr);
  ~AssignmentServiceImpl() override;

  // Called with task names ("tasks/{id}") after every committed change that
  // can alter their reminders: create, update, delete, cancel, reopen, a
  // progress report, an import, a unit merge that moved them. Set before
  // serving.
  void SetTaskChangeListener(std::function<void(std::vector<std::string> task_names)> listener) {
    on_tasks_changed_ = std::move(listener);
  }

  // Called after every committed change to units (create, update, end,
  // merge), for the unit tree that other services keep. Set before serving.
  void SetUnitChangeListener(std::function<void()> listener) {
    on_units_changed_ = std::move(listener);
  }

  grpc::Status CreateUnit(grpc::ServerContext* context, const v1::CreateUnitRequest* request,
                          v1::Unit* response) override;
  grpc::Status GetUnit(grpc::ServerContext* context, const v1::GetUnitRequest* request,
                       v1::Unit* response) override;
  grpc::Status ListUnits(grpc::ServerContext* context, const v1::ListUnitsRequest* request,
                         v1::ListUnitsResponse* response) override;
  grpc::Status UpdateUnit(grpc::ServerContext* context, const v1::UpdateUnitRequest* request,
                          v1::Unit* response) override;
  grpc::Status EndUnit(grpc::ServerContext* context, const v1::EndUnitRequest* request,
                       v1::Unit* response) override;
  grpc::Status MergeUnit(grpc::ServerContext* context, const v1::MergeUnitRequest* request,
                         v1::MergeUnitResponse* response) override;
  grpc::Status ResolveUnit(grpc::ServerContext* context, const v1::ResolveUnitRequest* request,
                           v1::ResolveUnitResponse* response) override;
  grpc::Status CreatePerson(grpc::ServerContext* context, const v1::CreatePersonRequest* request,
                            v1::Person* response) override;
  grpc::Status GetPerson(grpc::ServerContext* context, const v1::GetPersonRequest* request,
                         v1::Person* response) override;
  grpc::Status ListPeople(grpc::ServerContext* context, const v1::ListPeopleRequest* request,
                          v1::ListPeopleResponse* response) override;
  grpc::Status UpdatePerson(grpc::ServerContext* context, const v1::UpdatePersonRequest* request,
                            v1::Person* response) override;
  grpc::Status DeletePerson(grpc::ServerContext* context, const v1::DeletePersonRequest* request,
                            google::protobuf::Empty* response) override;
  grpc::Status CreateTask(grpc::ServerContext* context, const v1::CreateTaskRequest* request,
                          v1::Task* response) override;
  grpc::Status GetTask(grpc::ServerContext* context, const v1::GetTaskRequest* request,
                       v1::Task* response) override;
  grpc::Status ListTasks(grpc::ServerContext* context, const v1::ListTasksRequest* request,
                         v1::ListTasksResponse* response) override;
  grpc::Status UpdateTask(grpc::ServerContext* context, const v1::UpdateTaskRequest* request,
                          v1::Task* response) override;
  grpc::Status DeleteTask(grpc::ServerContext* context, const v1::DeleteTaskRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status CancelTask(grpc::ServerContext* context, const v1::CancelTaskRequest* request,
                          v1::Task* response) override;
  grpc::Status ReopenTask(grpc::ServerContext* context, const v1::ReopenTaskRequest* request,
                          v1::Task* response) override;
  grpc::Status ReportProgress(grpc::ServerContext* context,
                              const v1::ReportProgressRequest* request,
                              v1::ReportProgressResponse* response) override;
  grpc::Status GetProgressReport(grpc::ServerContext* context,
                                 const v1::GetProgressReportRequest* request,
                                 v1::ProgressReport* response) override;
  grpc::Status ListProgressReports(grpc::ServerContext* context,
                                   const v1::ListProgressReportsRequest* request,
                                   v1::ListProgressReportsResponse* response) override;
  grpc::Status ImportTasks(grpc::ServerContext* context, const v1::ImportTasksRequest* request,
                           v1::ImportTasksResponse* response) override;
  grpc::Status GetUnitSummary(grpc::ServerContext* context,
                              const v1::GetUnitSummaryRequest* request,
                              v1::UnitSummary* response) override;
  grpc::Status GetPlanSummary(grpc::ServerContext* context,
                              const v1::GetPlanSummaryRequest* request,
                              v1::PlanSummary* response) override;

  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const chiso::common::v1::ListAuditEventsRequest* request,
                               chiso::common::v1::ListAuditEventsResponse* response) override;

 private:
  void TasksChanged(std::vector<std::string> task_names) const;
  void UnitsChanged() const;
  // Runs `change` as one audited mutation of `resource` (Mutate); `before`
  // reads the resource as stored (null for a create).
  template <typename M>
  absl::StatusOr<M> Audited(const auth::Caller& caller, absl::string_view resource,
                            const std::function<absl::StatusOr<std::string>()>& before,
                            const std::function<absl::StatusOr<M>()>& change);
  // The same for a change that returns no message: `after` serialises the
  // resource after it ("" when deleted).
  absl::Status AuditedDelete(const auth::Caller& caller, absl::string_view resource,
                             const std::function<absl::StatusOr<std::string>()>& before,
                             const std::function<absl::Status()>& change);
  // The stored unit, person or task named `name`, for an audit event's
  // "before" ("" when missing or malformed).
  absl::StatusOr<std::string> StoredUnit(absl::string_view name) const;
  absl::StatusOr<std::string> StoredPerson(absl::string_view name) const;
  absl::StatusOr<std::string> StoredTask(absl::string_view name) const;
  // ListTasks' filter.plan for `caller`: NOT_FOUND as a missing plan when a
  // restricted caller neither sees the plan's issuer nor takes part in it.
  absl::Status CheckPlanFilter(const auth::Caller& caller, const std::string& plan_name) const;

  UnitManager* units_;
  TaskManager* tasks_;
  AssignmentStore* store_;
  std::unique_ptr<auth::AccessGate> own_gate_;
  const auth::AccessGate* gate_;
  std::unique_ptr<audit::AuditLog> own_audit_;
  audit::AuditLog* audit_;
  AssignmentAccess access_;
  std::function<void(std::vector<std::string>)> on_tasks_changed_;
  std::function<void()> on_units_changed_;
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_SERVICE_H_
