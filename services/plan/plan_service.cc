#include "services/plan/plan_service.h"

#include "common/status/grpc_status.h"

namespace chiso::plan {
namespace {

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status PlanServiceImpl::CreatePlan(grpc::ServerContext*, const pb::CreatePlanRequest* request,
                                         Plan* response) {
  return Reply(manager_->Create(*request), response);
}

grpc::Status PlanServiceImpl::GetPlan(grpc::ServerContext*, const pb::GetPlanRequest* request,
                                      Plan* response) {
  return Reply(manager_->Get(*request), response);
}

grpc::Status PlanServiceImpl::ListPlans(grpc::ServerContext*, const pb::ListPlansRequest* request,
                                        pb::ListPlansResponse* response) {
  return Reply(manager_->List(*request), response);
}

grpc::Status PlanServiceImpl::UpdatePlan(grpc::ServerContext*, const pb::UpdatePlanRequest* request,
                                         Plan* response) {
  return Reply(manager_->Update(*request), response);
}

grpc::Status PlanServiceImpl::DeletePlan(grpc::ServerContext*, const pb::DeletePlanRequest* request,
                                         google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->Delete(*request));
}

grpc::Status PlanServiceImpl::IssuePlan(grpc::ServerContext*, const pb::IssuePlanRequest* request,
                                        Plan* response) {
  return Reply(manager_->Issue(*request), response);
}

grpc::Status PlanServiceImpl::ClosePlan(grpc::ServerContext*, const pb::ClosePlanRequest* request,
                                        Plan* response) {
  return Reply(manager_->Close(*request), response);
}

}  // namespace chiso::plan
