#ifndef CHISO_SERVICES_PLAN_PLAN_SERVICE_H_
#define CHISO_SERVICES_PLAN_PLAN_SERVICE_H_

// The gRPC adapter of the plan service: each method calls PlanManager and
// converts its absl::Status.

#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "services/plan/plan_manager.h"

namespace chiso::plan {

class PlanServiceImpl final : public chiso::plan::v1::PlanService::Service {
 public:
  // `manager` is not owned and must outlive the service.
  explicit PlanServiceImpl(PlanManager* manager) : manager_(manager) {}

  grpc::Status CreatePlan(grpc::ServerContext* context, const pb::CreatePlanRequest* request,
                          Plan* response) override;
  grpc::Status GetPlan(grpc::ServerContext* context, const pb::GetPlanRequest* request,
                       Plan* response) override;
  grpc::Status ListPlans(grpc::ServerContext* context, const pb::ListPlansRequest* request,
                         pb::ListPlansResponse* response) override;
  grpc::Status UpdatePlan(grpc::ServerContext* context, const pb::UpdatePlanRequest* request,
                          Plan* response) override;
  grpc::Status DeletePlan(grpc::ServerContext* context, const pb::DeletePlanRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status IssuePlan(grpc::ServerContext* context, const pb::IssuePlanRequest* request,
                         Plan* response) override;
  grpc::Status ClosePlan(grpc::ServerContext* context, const pb::ClosePlanRequest* request,
                         Plan* response) override;
  grpc::Status ImportPlanDocument(grpc::ServerContext* context,
                                  const pb::ImportPlanDocumentRequest* request,
                                  pb::ImportPlanDocumentResponse* response) override;

 private:
  PlanManager* manager_;
};

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_SERVICE_H_
