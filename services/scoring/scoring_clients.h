#ifndef CHISO_SERVICES_SCORING_SCORING_CLIENTS_H_
#define CHISO_SERVICES_SCORING_SCORING_CLIENTS_H_

// What the scoring service asks of the other services (ARCHITECTURE.md:
// scoring → assignment → plan): the plan and its objectives, the plan's
// accountability matrix, and units of the directory. It never reads their
// databases. Tests use the in-memory implementations instead of servers.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "grpcpp/channel.h"

namespace chiso::scoring {

class PlanReader {
 public:
  virtual ~PlanReader() = default;
  // The plan "plans/{id}". Errors: NotFound "plans/… not found";
  // InvalidArgument for a malformed name; Unavailable (saying the plan
  // service does not answer) for an unreachable service or a deadline.
  virtual absl::StatusOr<chiso::plan::v1::Plan> GetPlan(absl::string_view name) = 0;
};

class DirectoryReader {
 public:
  virtual ~DirectoryReader() = default;
  // The unit "units/{id}". Errors: NotFound; InvalidArgument; Unavailable as
  // for PlanReader.
  virtual absl::StatusOr<chiso::assignment::v1::Unit> GetUnit(absl::string_view name) = 0;
  // The unit with exactly this code, or nullopt. Errors: Unavailable.
  virtual absl::StatusOr<std::optional<chiso::assignment::v1::Unit>> FindUnitByCode(
      absl::string_view code) = 0;
  // The plan's accountability matrix (AssignmentService.GetPlanSummary).
  // Errors: NotFound; Unavailable.
  virtual absl::StatusOr<chiso::assignment::v1::PlanSummary> GetPlanSummary(
      absl::string_view plan) = 0;
};

// One unit of the directory and its parent, as the copy of the unit tree
// keeps them (common/unitdir).
struct UnitParent {
  std::string unit;    // "units/{id}"
  std::string parent;  // "units/{id}", "" for a root
};

class UnitLister {
 public:
  virtual ~UnitLister() = default;
  // Every unit of the directory, ended and merged ones included, with its
  // parent. Errors: Unavailable as for PlanReader; ResourceExhausted when the
  // directory holds more than `max_units`.
  virtual absl::StatusOr<std::vector<UnitParent>> ListAllUnits(int max_units) = 0;
};

// Clients over gRPC channels, each call bounded by `timeout`. Transport
// failures and deadlines become Unavailable naming the service. Every call
// carries the service's own credential (chiso::AttachServiceCredential).
std::unique_ptr<PlanReader> NewGrpcPlanReader(std::shared_ptr<grpc::Channel> channel,
                                              absl::Duration timeout = absl::Seconds(5));
std::unique_ptr<DirectoryReader> NewGrpcDirectoryReader(std::shared_ptr<grpc::Channel> channel,
                                                        absl::Duration timeout = absl::Seconds(5));
// ListUnits of the assignment service, page after page (each page bounded by
// `timeout`).
std::unique_ptr<UnitLister> NewGrpcUnitLister(std::shared_ptr<grpc::Channel> channel,
                                              absl::Duration timeout = absl::Seconds(5));

// In-memory implementations for tests and tools. Thread-safe.
class InMemoryPlanReader : public PlanReader {
 public:
  void Put(const chiso::plan::v1::Plan& plan);
  // Every call fails with `status` until cleared with OkStatus().
  void FailWith(absl::Status status);
  absl::StatusOr<chiso::plan::v1::Plan> GetPlan(absl::string_view name) override;

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, chiso::plan::v1::Plan> plans_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

class InMemoryDirectoryReader : public DirectoryReader {
 public:
  void PutUnit(const chiso::assignment::v1::Unit& unit);
  void PutPlanSummary(const chiso::assignment::v1::PlanSummary& summary);
  void FailWith(absl::Status status);
  absl::StatusOr<chiso::assignment::v1::Unit> GetUnit(absl::string_view name) override;
  absl::StatusOr<std::optional<chiso::assignment::v1::Unit>> FindUnitByCode(
      absl::string_view code) override;
  // A plan without a stored summary has an empty one (no tasks yet).
  absl::StatusOr<chiso::assignment::v1::PlanSummary> GetPlanSummary(
      absl::string_view plan) override;

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, chiso::assignment::v1::Unit> units_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, chiso::assignment::v1::PlanSummary> summaries_
      ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_CLIENTS_H_
