#include "services/plan/plan_service.h"

#include "common/status/grpc_status.h"

namespace chiso::plan {

grpc::Status PlanServiceImpl::CreatePlan(grpc::ServerContext*, const pb::CreatePlanRequest* request,
                                         Plan* response) {
  return ReplyWith(manager_->Create(*request), response);
}

grpc::Status PlanServiceImpl::GetPlan(grpc::ServerContext*, const pb::GetPlanRequest* request,
                                      Plan* response) {
  return ReplyWith(manager_->Get(*request), response);
}

grpc::Status PlanServiceImpl::ListPlans(grpc::ServerContext*, const pb::ListPlansRequest* request,
                                        pb::ListPlansResponse* response) {
  return ReplyWith(manager_->List(*request), response);
}

grpc::Status PlanServiceImpl::UpdatePlan(grpc::ServerContext*, const pb::UpdatePlanRequest* request,
                                         Plan* response) {
  return ReplyWith(manager_->Update(*request), response);
}

grpc::Status PlanServiceImpl::DeletePlan(grpc::ServerContext*, const pb::DeletePlanRequest* request,
                                         google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->Delete(*request));
}

grpc::Status PlanServiceImpl::IssuePlan(grpc::ServerContext*, const pb::IssuePlanRequest* request,
                                        Plan* response) {
  return ReplyWith(manager_->Issue(*request), response);
}

grpc::Status PlanServiceImpl::ClosePlan(grpc::ServerContext*, const pb::ClosePlanRequest* request,
                                        Plan* response) {
  return ReplyWith(manager_->Close(*request), response);
}

grpc::Status PlanServiceImpl::ImportPlanDocument(grpc::ServerContext*,
                                                 const pb::ImportPlanDocumentRequest* request,
                                                 pb::ImportPlanDocumentResponse* response) {
  return ReplyWith(manager_->Import(*request), response);
}

}  // namespace chiso::plan
