#ifndef CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_SERVICE_H_
#define CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_SERVICE_H_

// The gRPC adapter of the assignment service: each method calls UnitManager
// or TaskManager and converts its absl::Status. No rules, no SQL here.

#include <functional>
#include <string>
#include <vector>

#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "services/assignment/task_manager.h"
#include "services/assignment/unit_manager.h"

namespace chiso::assignment {

namespace v1 = chiso::assignment::v1;

class AssignmentServiceImpl final : public chiso::assignment::v1::AssignmentService::Service {
 public:
  // Neither manager is owned; both must outlive the service.
  AssignmentServiceImpl(UnitManager* units, TaskManager* tasks) : units_(units), tasks_(tasks) {}

  // Called with task names ("tasks/{id}") after every committed change that
  // can alter their reminders: create, update, delete, cancel, reopen, a
  // progress report, an import, a unit merge that moved them. Set before
  // serving.
  void SetTaskChangeListener(std::function<void(std::vector<std::string> task_names)> listener) {
    on_tasks_changed_ = std::move(listener);
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

 private:
  void TasksChanged(std::vector<std::string> task_names) const;
  UnitManager* units_;
  TaskManager* tasks_;
  std::function<void(std::vector<std::string>)> on_tasks_changed_;
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_SERVICE_H_
