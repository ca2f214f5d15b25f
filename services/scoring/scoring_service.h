#ifndef CHISO_SERVICES_SCORING_SCORING_SERVICE_H_
#define CHISO_SERVICES_SCORING_SCORING_SERVICE_H_

// The gRPC adapter of the scoring service: each method admits the caller
// through the access gate (scoring_access.h), calls ScoringManager on its
// behalf and converts its absl::Status.

#include <memory>

#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "common/auth/access.h"
#include "services/scoring/scoring_manager.h"

namespace chiso::scoring {

class ScoringServiceImpl final : public chiso::scoring::v1::ScoringService::Service {
 public:
  // Neither is owned; both must outlive the service. Without a gate,
  // authentication is off: every caller is anonymous and unrestricted.
  explicit ScoringServiceImpl(ScoringManager* manager, const auth::AccessGate* gate = nullptr);

  grpc::Status CreateFramework(grpc::ServerContext* context,
                               const pb::CreateFrameworkRequest* request,
                               Framework* response) override;
  grpc::Status GetFramework(grpc::ServerContext* context, const pb::GetFrameworkRequest* request,
                            Framework* response) override;
  grpc::Status ListFrameworks(grpc::ServerContext* context,
                              const pb::ListFrameworksRequest* request,
                              pb::ListFrameworksResponse* response) override;
  grpc::Status UpdateFramework(grpc::ServerContext* context,
                               const pb::UpdateFrameworkRequest* request,
                               Framework* response) override;
  grpc::Status DeleteFramework(grpc::ServerContext* context,
                               const pb::DeleteFrameworkRequest* request,
                               google::protobuf::Empty* response) override;
  grpc::Status CreateResult(grpc::ServerContext* context, const pb::CreateResultRequest* request,
                            Result* response) override;
  grpc::Status GetResult(grpc::ServerContext* context, const pb::GetResultRequest* request,
                         Result* response) override;
  grpc::Status ListResults(grpc::ServerContext* context, const pb::ListResultsRequest* request,
                           pb::ListResultsResponse* response) override;
  grpc::Status UpdateResult(grpc::ServerContext* context, const pb::UpdateResultRequest* request,
                            Result* response) override;
  grpc::Status DeleteResult(grpc::ServerContext* context, const pb::DeleteResultRequest* request,
                            google::protobuf::Empty* response) override;
  grpc::Status ImportResults(grpc::ServerContext* context, const pb::ImportResultsRequest* request,
                             pb::ImportResultsResponse* response) override;
  grpc::Status GetRanking(grpc::ServerContext* context, const pb::GetRankingRequest* request,
                          pb::GetRankingResponse* response) override;
  grpc::Status GetTrend(grpc::ServerContext* context, const pb::GetTrendRequest* request,
                        pb::GetTrendResponse* response) override;
  grpc::Status ComputeScorecard(grpc::ServerContext* context,
                                const pb::ComputeScorecardRequest* request,
                                pb::ComputeScorecardResponse* response) override;
  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const chiso::common::v1::ListAuditEventsRequest* request,
                               chiso::common::v1::ListAuditEventsResponse* response) override;

 private:
  ScoringManager* manager_;
  // The gate used when none is given (authentication off).
  std::unique_ptr<auth::AccessGate> own_gate_;
  const auth::AccessGate* gate_;
};

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_SERVICE_H_
