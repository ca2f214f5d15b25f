#include "services/scoring/scoring_service.h"

#include "common/status/grpc_status.h"
#include "services/scoring/scoring_access.h"

namespace chiso::scoring {

ScoringServiceImpl::ScoringServiceImpl(ScoringManager* manager, const auth::AccessGate* gate)
    : manager_(manager) {
  if (gate == nullptr) {
    own_gate_ = NewScoringGate(nullptr);
    gate = own_gate_.get();
  }
  gate_ = gate;
}

// Admits the caller of `method` or returns the gate's refusal.
#define CHISO_ADMIT(caller, context, method)                                \
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*(context), (method)); \
  if (!caller.ok()) return ToGrpcStatus(caller.status())

grpc::Status ScoringServiceImpl::CreateFramework(grpc::ServerContext* context,
                                                 const pb::CreateFrameworkRequest* request,
                                                 Framework* response) {
  CHISO_ADMIT(caller, context, "CreateFramework");
  return ReplyWith(manager_->CreateFramework(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::GetFramework(grpc::ServerContext* context,
                                              const pb::GetFrameworkRequest* request,
                                              Framework* response) {
  CHISO_ADMIT(caller, context, "GetFramework");
  return ReplyWith(manager_->GetFramework(*request), response);
}

grpc::Status ScoringServiceImpl::ListFrameworks(grpc::ServerContext* context,
                                                const pb::ListFrameworksRequest* request,
                                                pb::ListFrameworksResponse* response) {
  CHISO_ADMIT(caller, context, "ListFrameworks");
  return ReplyWith(manager_->ListFrameworks(*request), response);
}

grpc::Status ScoringServiceImpl::UpdateFramework(grpc::ServerContext* context,
                                                 const pb::UpdateFrameworkRequest* request,
                                                 Framework* response) {
  CHISO_ADMIT(caller, context, "UpdateFramework");
  return ReplyWith(manager_->UpdateFramework(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::DeleteFramework(grpc::ServerContext* context,
                                                 const pb::DeleteFrameworkRequest* request,
                                                 google::protobuf::Empty*) {
  CHISO_ADMIT(caller, context, "DeleteFramework");
  return ToGrpcStatus(manager_->DeleteFramework(*caller, *request));
}

grpc::Status ScoringServiceImpl::CreateResult(grpc::ServerContext* context,
                                              const pb::CreateResultRequest* request,
                                              Result* response) {
  CHISO_ADMIT(caller, context, "CreateResult");
  return ReplyWith(manager_->CreateResult(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::GetResult(grpc::ServerContext* context,
                                           const pb::GetResultRequest* request, Result* response) {
  CHISO_ADMIT(caller, context, "GetResult");
  return ReplyWith(manager_->GetResult(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::ListResults(grpc::ServerContext* context,
                                             const pb::ListResultsRequest* request,
                                             pb::ListResultsResponse* response) {
  CHISO_ADMIT(caller, context, "ListResults");
  return ReplyWith(manager_->ListResults(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::UpdateResult(grpc::ServerContext* context,
                                              const pb::UpdateResultRequest* request,
                                              Result* response) {
  CHISO_ADMIT(caller, context, "UpdateResult");
  return ReplyWith(manager_->UpdateResult(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::DeleteResult(grpc::ServerContext* context,
                                              const pb::DeleteResultRequest* request,
                                              google::protobuf::Empty*) {
  CHISO_ADMIT(caller, context, "DeleteResult");
  return ToGrpcStatus(manager_->DeleteResult(*caller, *request));
}

grpc::Status ScoringServiceImpl::ImportResults(grpc::ServerContext* context,
                                               const pb::ImportResultsRequest* request,
                                               pb::ImportResultsResponse* response) {
  CHISO_ADMIT(caller, context, "ImportResults");
  return ReplyWith(manager_->ImportResults(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::GetRanking(grpc::ServerContext* context,
                                            const pb::GetRankingRequest* request,
                                            pb::GetRankingResponse* response) {
  // Published rankings are public: "read" is enough, whatever the scope.
  CHISO_ADMIT(caller, context, "GetRanking");
  return ReplyWith(manager_->GetRanking(*request), response);
}

grpc::Status ScoringServiceImpl::GetTrend(grpc::ServerContext* context,
                                          const pb::GetTrendRequest* request,
                                          pb::GetTrendResponse* response) {
  CHISO_ADMIT(caller, context, "GetTrend");
  return ReplyWith(manager_->GetTrend(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::ComputeScorecard(grpc::ServerContext* context,
                                                  const pb::ComputeScorecardRequest* request,
                                                  pb::ComputeScorecardResponse* response) {
  CHISO_ADMIT(caller, context, "ComputeScorecard");
  return ReplyWith(manager_->ComputeScorecard(*caller, *request), response);
}

grpc::Status ScoringServiceImpl::ListAuditEvents(
    grpc::ServerContext* context, const chiso::common::v1::ListAuditEventsRequest* request,
    chiso::common::v1::ListAuditEventsResponse* response) {
  CHISO_ADMIT(caller, context, "ListAuditEvents");
  return ReplyWith(manager_->ListAuditEvents(*request), response);
}

#undef CHISO_ADMIT

}  // namespace chiso::scoring
