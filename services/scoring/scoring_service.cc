#include "services/scoring/scoring_service.h"

#include "common/status/grpc_status.h"

namespace chiso::scoring {

grpc::Status ScoringServiceImpl::CreateFramework(grpc::ServerContext*,
                                                 const pb::CreateFrameworkRequest* request,
                                                 Framework* response) {
  return ReplyWith(manager_->CreateFramework(*request), response);
}

grpc::Status ScoringServiceImpl::GetFramework(grpc::ServerContext*,
                                              const pb::GetFrameworkRequest* request,
                                              Framework* response) {
  return ReplyWith(manager_->GetFramework(*request), response);
}

grpc::Status ScoringServiceImpl::ListFrameworks(grpc::ServerContext*,
                                                const pb::ListFrameworksRequest* request,
                                                pb::ListFrameworksResponse* response) {
  return ReplyWith(manager_->ListFrameworks(*request), response);
}

grpc::Status ScoringServiceImpl::UpdateFramework(grpc::ServerContext*,
                                                 const pb::UpdateFrameworkRequest* request,
                                                 Framework* response) {
  return ReplyWith(manager_->UpdateFramework(*request), response);
}

grpc::Status ScoringServiceImpl::DeleteFramework(grpc::ServerContext*,
                                                 const pb::DeleteFrameworkRequest* request,
                                                 google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->DeleteFramework(*request));
}

grpc::Status ScoringServiceImpl::CreateResult(grpc::ServerContext*,
                                              const pb::CreateResultRequest* request,
                                              Result* response) {
  return ReplyWith(manager_->CreateResult(*request), response);
}

grpc::Status ScoringServiceImpl::GetResult(grpc::ServerContext*,
                                           const pb::GetResultRequest* request, Result* response) {
  return ReplyWith(manager_->GetResult(*request), response);
}

grpc::Status ScoringServiceImpl::ListResults(grpc::ServerContext*,
                                             const pb::ListResultsRequest* request,
                                             pb::ListResultsResponse* response) {
  return ReplyWith(manager_->ListResults(*request), response);
}

grpc::Status ScoringServiceImpl::UpdateResult(grpc::ServerContext*,
                                              const pb::UpdateResultRequest* request,
                                              Result* response) {
  return ReplyWith(manager_->UpdateResult(*request), response);
}

grpc::Status ScoringServiceImpl::DeleteResult(grpc::ServerContext*,
                                              const pb::DeleteResultRequest* request,
                                              google::protobuf::Empty*) {
  return ToGrpcStatus(manager_->DeleteResult(*request));
}

grpc::Status ScoringServiceImpl::ImportResults(grpc::ServerContext*,
                                               const pb::ImportResultsRequest* request,
                                               pb::ImportResultsResponse* response) {
  return ReplyWith(manager_->ImportResults(*request), response);
}

grpc::Status ScoringServiceImpl::GetRanking(grpc::ServerContext*,
                                            const pb::GetRankingRequest* request,
                                            pb::GetRankingResponse* response) {
  return ReplyWith(manager_->GetRanking(*request), response);
}

grpc::Status ScoringServiceImpl::GetTrend(grpc::ServerContext*, const pb::GetTrendRequest* request,
                                          pb::GetTrendResponse* response) {
  return ReplyWith(manager_->GetTrend(*request), response);
}

grpc::Status ScoringServiceImpl::ComputeScorecard(grpc::ServerContext*,
                                                  const pb::ComputeScorecardRequest* request,
                                                  pb::ComputeScorecardResponse* response) {
  return ReplyWith(manager_->ComputeScorecard(*request), response);
}

}  // namespace chiso::scoring
