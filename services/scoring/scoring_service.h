#ifndef CHISO_SERVICES_SCORING_SCORING_SERVICE_H_
#define CHISO_SERVICES_SCORING_SCORING_SERVICE_H_

// The gRPC adapter of the scoring service: each method calls ScoringManager
// and converts its absl::Status.

#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "services/scoring/scoring_manager.h"

namespace chiso::scoring {

class ScoringServiceImpl final : public chiso::scoring::v1::ScoringService::Service {
 public:
  // `manager` is not owned and must outlive the service.
  explicit ScoringServiceImpl(ScoringManager* manager) : manager_(manager) {}

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

 private:
  ScoringManager* manager_;
};

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_SERVICE_H_
