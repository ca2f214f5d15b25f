#include "services/assignment/assignment_service.h"

#include "common/status/grpc_status.h"

namespace chiso::assignment {

void AssignmentServiceImpl::TasksChanged(std::vector<std::string> task_names) const {
  if (on_tasks_changed_ && !task_names.empty()) on_tasks_changed_(std::move(task_names));
}

grpc::Status AssignmentServiceImpl::CreateUnit(grpc::ServerContext*,
                                               const v1::CreateUnitRequest* request,
                                               v1::Unit* response) {
  return ReplyWith(units_->CreateUnit(*request), response);
}

grpc::Status AssignmentServiceImpl::GetUnit(grpc::ServerContext*, const v1::GetUnitRequest* request,
                                            v1::Unit* response) {
  return ReplyWith(units_->GetUnit(*request), response);
}

grpc::Status AssignmentServiceImpl::ListUnits(grpc::ServerContext*,
                                              const v1::ListUnitsRequest* request,
                                              v1::ListUnitsResponse* response) {
  return ReplyWith(units_->ListUnits(*request), response);
}

grpc::Status AssignmentServiceImpl::UpdateUnit(grpc::ServerContext*,
                                               const v1::UpdateUnitRequest* request,
                                               v1::Unit* response) {
  return ReplyWith(units_->UpdateUnit(*request), response);
}

grpc::Status AssignmentServiceImpl::EndUnit(grpc::ServerContext*, const v1::EndUnitRequest* request,
                                            v1::Unit* response) {
  return ReplyWith(units_->EndUnit(*request), response);
}

grpc::Status AssignmentServiceImpl::MergeUnit(grpc::ServerContext*,
                                              const v1::MergeUnitRequest* request,
                                              v1::MergeUnitResponse* response) {
  absl::StatusOr<MergeUnitOutcome> outcome = units_->MergeUnit(*request);
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  *response = std::move(outcome->response);
  std::vector<std::string> moved;
  for (const std::string& id : outcome->moved_task_ids) moved.push_back("tasks/" + id);
  TasksChanged(std::move(moved));
  return grpc::Status::OK;
}

grpc::Status AssignmentServiceImpl::ResolveUnit(grpc::ServerContext*,
                                                const v1::ResolveUnitRequest* request,
                                                v1::ResolveUnitResponse* response) {
  return ReplyWith(units_->ResolveUnit(*request), response);
}

grpc::Status AssignmentServiceImpl::CreatePerson(grpc::ServerContext*,
                                                 const v1::CreatePersonRequest* request,
                                                 v1::Person* response) {
  return ReplyWith(units_->CreatePerson(*request), response);
}

grpc::Status AssignmentServiceImpl::GetPerson(grpc::ServerContext*,
                                              const v1::GetPersonRequest* request,
                                              v1::Person* response) {
  return ReplyWith(units_->GetPerson(*request), response);
}

grpc::Status AssignmentServiceImpl::ListPeople(grpc::ServerContext*,
                                               const v1::ListPeopleRequest* request,
                                               v1::ListPeopleResponse* response) {
  return ReplyWith(units_->ListPeople(*request), response);
}

grpc::Status AssignmentServiceImpl::UpdatePerson(grpc::ServerContext*,
                                                 const v1::UpdatePersonRequest* request,
                                                 v1::Person* response) {
  return ReplyWith(units_->UpdatePerson(*request), response);
}

grpc::Status AssignmentServiceImpl::DeletePerson(grpc::ServerContext*,
                                                 const v1::DeletePersonRequest* request,
                                                 google::protobuf::Empty* response) {
  (void)response;
  return ToGrpcStatus(units_->DeletePerson(*request));
}

grpc::Status AssignmentServiceImpl::CreateTask(grpc::ServerContext*,
                                               const v1::CreateTaskRequest* request,
                                               v1::Task* response) {
  absl::StatusOr<v1::Task> task = tasks_->CreateTask(*request);
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::GetTask(grpc::ServerContext*, const v1::GetTaskRequest* request,
                                            v1::Task* response) {
  return ReplyWith(tasks_->GetTask(*request), response);
}

grpc::Status AssignmentServiceImpl::ListTasks(grpc::ServerContext*,
                                              const v1::ListTasksRequest* request,
                                              v1::ListTasksResponse* response) {
  return ReplyWith(tasks_->ListTasks(*request), response);
}

grpc::Status AssignmentServiceImpl::UpdateTask(grpc::ServerContext*,
                                               const v1::UpdateTaskRequest* request,
                                               v1::Task* response) {
  absl::StatusOr<v1::Task> task = tasks_->UpdateTask(*request);
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::DeleteTask(grpc::ServerContext*,
                                               const v1::DeleteTaskRequest* request,
                                               google::protobuf::Empty* response) {
  (void)response;
  absl::Status status = tasks_->DeleteTask(*request);
  if (status.ok()) TasksChanged({request->name()});
  return ToGrpcStatus(status);
}

grpc::Status AssignmentServiceImpl::CancelTask(grpc::ServerContext*,
                                               const v1::CancelTaskRequest* request,
                                               v1::Task* response) {
  absl::StatusOr<v1::Task> task = tasks_->CancelTask(*request);
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::ReopenTask(grpc::ServerContext*,
                                               const v1::ReopenTaskRequest* request,
                                               v1::Task* response) {
  absl::StatusOr<v1::Task> task = tasks_->ReopenTask(*request);
  if (task.ok()) TasksChanged({task->name()});
  return ReplyWith(std::move(task), response);
}

grpc::Status AssignmentServiceImpl::ReportProgress(grpc::ServerContext*,
                                                   const v1::ReportProgressRequest* request,
                                                   v1::ReportProgressResponse* response) {
  absl::StatusOr<v1::ReportProgressResponse> reported = tasks_->ReportProgress(*request);
  if (reported.ok()) TasksChanged({reported->task().name()});
  return ReplyWith(std::move(reported), response);
}

grpc::Status AssignmentServiceImpl::GetProgressReport(grpc::ServerContext*,
                                                      const v1::GetProgressReportRequest* request,
                                                      v1::ProgressReport* response) {
  return ReplyWith(tasks_->GetProgressReport(*request), response);
}

grpc::Status AssignmentServiceImpl::ListProgressReports(
    grpc::ServerContext*, const v1::ListProgressReportsRequest* request,
    v1::ListProgressReportsResponse* response) {
  return ReplyWith(tasks_->ListProgressReports(*request), response);
}

grpc::Status AssignmentServiceImpl::ImportTasks(grpc::ServerContext*,
                                                const v1::ImportTasksRequest* request,
                                                v1::ImportTasksResponse* response) {
  absl::StatusOr<v1::ImportTasksResponse> imported = tasks_->ImportTasks(*request);
  if (imported.ok() && !request->validate_only()) {
    std::vector<std::string> names;
    for (const auto& result : imported->results()) {
      names.insert(names.end(), result.tasks().begin(), result.tasks().end());
    }
    TasksChanged(std::move(names));
  }
  return ReplyWith(std::move(imported), response);
}

grpc::Status AssignmentServiceImpl::GetUnitSummary(grpc::ServerContext*,
                                                   const v1::GetUnitSummaryRequest* request,
                                                   v1::UnitSummary* response) {
  return ReplyWith(tasks_->GetUnitSummary(*request), response);
}

grpc::Status AssignmentServiceImpl::GetPlanSummary(grpc::ServerContext*,
                                                   const v1::GetPlanSummaryRequest* request,
                                                   v1::PlanSummary* response) {
  return ReplyWith(tasks_->GetPlanSummary(*request), response);
}

}  // namespace chiso::assignment
