#include "services/scoring/scoring_clients.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/server/transport.h"
#include "common/status/grpc_status.h"
#include "grpcpp/client_context.h"

namespace chiso::scoring {
namespace {

namespace av1 = chiso::assignment::v1;
namespace pv1 = chiso::plan::v1;

// Prepares the context of an outgoing call: it ends after `timeout` and
// carries this service's own credential.
void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
  AttachServiceCredential(&context);
}

// The status of a failed call to `service` ("plan", "assignment"). A service
// that cannot be reached, does not answer in time or does not serve the
// method is Unavailable, saying which service; every other error (NotFound,
// InvalidArgument, …) is the service's own answer and passes through.
absl::Status CallError(absl::string_view service, absl::string_view call,
                       const grpc::Status& status) {
  const absl::Status error = FromGrpcStatus(status);
  switch (error.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnimplemented:
      return absl::UnavailableError(absl::StrCat("the ", service, " service does not answer (",
                                                 call, "): ", error.message()));
    default:
      return error;
  }
}

class GrpcPlanReader : public PlanReader {
 public:
  GrpcPlanReader(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(pv1::PlanService::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<pv1::Plan> GetPlan(absl::string_view name) override {
    grpc::ClientContext context;
    SetDeadline(context, timeout_);
    pv1::GetPlanRequest request;
    request.set_name(std::string(name));
    pv1::Plan plan;
    const grpc::Status status = stub_->GetPlan(&context, request, &plan);
    if (!status.ok()) return CallError("plan", absl::StrCat("GetPlan ", name), status);
    return plan;
  }

 private:
  std::unique_ptr<pv1::PlanService::Stub> stub_;
  absl::Duration timeout_;
};

class GrpcDirectoryReader : public DirectoryReader {
 public:
  GrpcDirectoryReader(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(av1::AssignmentService::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<av1::Unit> GetUnit(absl::string_view name) override {
    grpc::ClientContext context;
    SetDeadline(context, timeout_);
    av1::GetUnitRequest request;
    request.set_name(std::string(name));
    av1::Unit unit;
    const grpc::Status status = stub_->GetUnit(&context, request, &unit);
    if (!status.ok()) return CallError("assignment", absl::StrCat("GetUnit ", name), status);
    return unit;
  }

  absl::StatusOr<std::optional<av1::Unit>> FindUnitByCode(absl::string_view code) override {
    // An empty filter would match every unit.
    if (code.empty()) return std::optional<av1::Unit>();
    grpc::ClientContext context;
    SetDeadline(context, timeout_);
    av1::ListUnitsRequest request;
    request.set_page_size(2);
    request.mutable_filter()->set_code(std::string(code));
    av1::ListUnitsResponse response;
    const grpc::Status status = stub_->ListUnits(&context, request, &response);
    if (!status.ok()) {
      return CallError("assignment", absl::StrCat("ListUnits code ", code), status);
    }
    for (const av1::Unit& unit : response.units()) {
      if (unit.code() == code) return std::optional<av1::Unit>(unit);
    }
    return std::optional<av1::Unit>();
  }

  absl::StatusOr<av1::PlanSummary> GetPlanSummary(absl::string_view plan) override {
    grpc::ClientContext context;
    SetDeadline(context, timeout_);
    av1::GetPlanSummaryRequest request;
    request.set_plan(std::string(plan));
    av1::PlanSummary summary;
    const grpc::Status status = stub_->GetPlanSummary(&context, request, &summary);
    if (!status.ok()) {
      return CallError("assignment", absl::StrCat("GetPlanSummary ", plan), status);
    }
    return summary;
  }

 private:
  std::unique_ptr<av1::AssignmentService::Stub> stub_;
  absl::Duration timeout_;
};

class GrpcUnitLister : public UnitLister {
 public:
  GrpcUnitLister(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : stub_(av1::AssignmentService::NewStub(std::move(channel))), timeout_(timeout) {}

  absl::StatusOr<std::vector<UnitParent>> ListAllUnits(int max_units) override {
    std::vector<UnitParent> units;
    av1::ListUnitsRequest request;
    request.set_page_size(kPageSize);
    // No filter: every state, so ended and merged units keep their place in
    // the tree (their results stay in their parents' scope).
    for (;;) {
      grpc::ClientContext context;
      SetDeadline(context, timeout_);
      av1::ListUnitsResponse response;
      const grpc::Status status = stub_->ListUnits(&context, request, &response);
      if (!status.ok()) return CallError("assignment", "ListUnits", status);
      for (const av1::Unit& unit : response.units()) {
        units.push_back(UnitParent{unit.name(), unit.parent()});
      }
      if (static_cast<int64_t>(units.size()) > max_units) {
        return absl::ResourceExhaustedError(
            absl::StrCat("the assignment service lists more than ", max_units, " units"));
      }
      if (response.next_page_token().empty()) return units;
      if (response.units_size() == 0 || response.next_page_token() == request.page_token()) {
        return absl::UnavailableError(
            "the assignment service does not answer (ListUnits): a page token that lists "
            "nothing more");
      }
      request.set_page_token(response.next_page_token());
    }
  }

 private:
  static constexpr int kPageSize = 500;
  std::unique_ptr<av1::AssignmentService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace

std::unique_ptr<UnitLister> NewGrpcUnitLister(std::shared_ptr<grpc::Channel> channel,
                                              absl::Duration timeout) {
  return std::make_unique<GrpcUnitLister>(std::move(channel), timeout);
}

std::unique_ptr<PlanReader> NewGrpcPlanReader(std::shared_ptr<grpc::Channel> channel,
                                              absl::Duration timeout) {
  return std::make_unique<GrpcPlanReader>(std::move(channel), timeout);
}

std::unique_ptr<DirectoryReader> NewGrpcDirectoryReader(std::shared_ptr<grpc::Channel> channel,
                                                        absl::Duration timeout) {
  return std::make_unique<GrpcDirectoryReader>(std::move(channel), timeout);
}

void InMemoryPlanReader::Put(const pv1::Plan& plan) {
  absl::MutexLock lock(&mu_);
  plans_[plan.name()] = plan;
}

void InMemoryPlanReader::FailWith(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

absl::StatusOr<pv1::Plan> InMemoryPlanReader::GetPlan(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  auto it = plans_.find(name);
  if (it == plans_.end()) return absl::NotFoundError(absl::StrCat(name, " not found"));
  return it->second;
}

void InMemoryDirectoryReader::PutUnit(const av1::Unit& unit) {
  absl::MutexLock lock(&mu_);
  units_[unit.name()] = unit;
}

void InMemoryDirectoryReader::PutPlanSummary(const av1::PlanSummary& summary) {
  absl::MutexLock lock(&mu_);
  summaries_[summary.plan()] = summary;
}

void InMemoryDirectoryReader::FailWith(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

absl::StatusOr<av1::Unit> InMemoryDirectoryReader::GetUnit(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  auto it = units_.find(name);
  if (it == units_.end()) return absl::NotFoundError(absl::StrCat(name, " not found"));
  return it->second;
}

absl::StatusOr<std::optional<av1::Unit>> InMemoryDirectoryReader::FindUnitByCode(
    absl::string_view code) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  if (code.empty()) return std::optional<av1::Unit>();
  for (const auto& [name, unit] : units_) {
    if (unit.code() == code) return std::optional<av1::Unit>(unit);
  }
  return std::optional<av1::Unit>();
}

absl::StatusOr<av1::PlanSummary> InMemoryDirectoryReader::GetPlanSummary(absl::string_view plan) {
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  auto it = summaries_.find(plan);
  if (it != summaries_.end()) return it->second;
  av1::PlanSummary empty;
  empty.set_plan(std::string(plan));
  return empty;
}

}  // namespace chiso::scoring
