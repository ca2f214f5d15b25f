#ifndef CHISO_SERVICES_ASSIGNMENT_PLAN_CLIENT_H_
#define CHISO_SERVICES_ASSIGNMENT_PLAN_CLIENT_H_

// What the assignment service asks of the plan service: the plan a task
// belongs to. The service never reads the plan service's database
// (ARCHITECTURE.md); it calls PlanService.GetPlan through this interface, so
// tests can use InMemoryPlanClient instead of a server.

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "grpcpp/channel.h"

namespace chiso::assignment {

class PlanClient {
 public:
  virtual ~PlanClient() = default;

  // Returns the plan named `name` ("plans/{id}"). Errors: NotFound "plans/…
  // not found"; InvalidArgument for a malformed name; Unavailable or
  // DeadlineExceeded, saying so, when the plan service does not answer.
  virtual absl::StatusOr<chiso::plan::v1::Plan> GetPlan(absl::string_view name) = 0;
};

// A PlanClient calling PlanService over `channel`, each call bounded by
// `timeout`.
std::unique_ptr<PlanClient> NewGrpcPlanClient(std::shared_ptr<grpc::Channel> channel,
                                              absl::Duration timeout = absl::Seconds(5));

// A PlanClient over plans held in memory (tests, tools). Thread-safe.
class InMemoryPlanClient : public PlanClient {
 public:
  // Adds or replaces the plan under its name.
  void Put(const chiso::plan::v1::Plan& plan);
  // Makes every call fail with `status` until it is cleared with OkStatus().
  void FailWith(absl::Status status);

  absl::StatusOr<chiso::plan::v1::Plan> GetPlan(absl::string_view name) override;

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, chiso::plan::v1::Plan> plans_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

// Returns the plan `name` if tasks may be added to it or changed: it must
// exist (NotFound, with `field` naming the request field) and be a draft or
// issued (FailedPrecondition for a closed or archived plan: its work is over).
absl::StatusOr<chiso::plan::v1::Plan> PlanOpenForTasks(PlanClient& client, absl::string_view field,
                                                       absl::string_view name);

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_PLAN_CLIENT_H_
