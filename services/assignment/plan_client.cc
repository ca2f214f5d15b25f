#include "services/assignment/plan_client.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/server/transport.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"

namespace chiso::assignment {
namespace {

namespace pv1 = chiso::plan::v1;

class GrpcPlanClient : public PlanClient {
 public:
  GrpcPlanClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(pv1::PlanService::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<pv1::Plan> GetPlan(absl::string_view name) override {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout_));
    // The plan service knows this service by its own credential.
    AttachServiceCredential(&context);
    pv1::GetPlanRequest request;
    request.set_name(std::string(name));
    pv1::Plan plan;
    const grpc::Status status = stub_->GetPlan(&context, request, &plan);
    if (status.ok()) return plan;
    const absl::Status error = FromGrpcStatus(status);
    switch (error.code()) {
      case absl::StatusCode::kUnavailable:
      case absl::StatusCode::kDeadlineExceeded:
        // The caller cannot fix this; say where the fault is.
        return absl::Status(error.code(), absl::StrCat("plan service did not answer for ", name,
                                                       ": ", error.message()));
      default:
        return error;
    }
  }

 private:
  std::unique_ptr<pv1::PlanService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<PlanClient> NewGrpcPlanClient(std::shared_ptr<grpc::Channel> channel,
                                              absl::Duration timeout) {
  return std::make_unique<GrpcPlanClient>(std::move(channel), timeout);
}

void InMemoryPlanClient::Put(const pv1::Plan& plan) {
  absl::MutexLock lock(&mu_);
  plans_[plan.name()] = plan;
}

void InMemoryPlanClient::FailWith(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

absl::StatusOr<pv1::Plan> InMemoryPlanClient::GetPlan(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  auto it = plans_.find(name);
  if (it == plans_.end()) return absl::NotFoundError(absl::StrCat(name, " not found"));
  return it->second;
}

absl::StatusOr<pv1::Plan> PlanOpenForTasks(PlanClient& client, absl::string_view field,
                                           absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  absl::StatusOr<pv1::Plan> plan = client.GetPlan(name);
  if (absl::IsNotFound(plan.status())) {
    return absl::NotFoundError(absl::StrCat(field, ": ", name, " not found"));
  }
  if (absl::IsInvalidArgument(plan.status())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", plan.status().message()));
  }
  if (!plan.ok()) return plan.status();
  if (plan->status() == pv1::PLAN_STATUS_CLOSED || plan->status() == pv1::PLAN_STATUS_ARCHIVED) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", name, " is ",
                     plan->status() == pv1::PLAN_STATUS_CLOSED ? "closed" : "archived",
                     "; its tasks can no longer change"));
  }
  return plan;
}

}  // namespace chiso::assignment
