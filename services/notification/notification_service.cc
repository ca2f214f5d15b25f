#include "services/notification/notification_service.h"

#include "common/status/grpc_status.h"

namespace chiso::notification {

grpc::Status NotificationServiceImpl::ListNotifications(grpc::ServerContext*,
                                                        const pb::ListNotificationsRequest* request,
                                                        pb::ListNotificationsResponse* response) {
  return ReplyWith(inbox_->ListNotifications(*request), response);
}

grpc::Status NotificationServiceImpl::MarkRead(grpc::ServerContext*,
                                               const pb::MarkReadRequest* request,
                                               pb::MarkReadResponse* response) {
  return ReplyWith(inbox_->MarkRead(*request), response);
}

grpc::Status NotificationServiceImpl::Subscribe(grpc::ServerContext* context,
                                                const pb::SubscribeRequest* request,
                                                grpc::ServerWriter<pb::SubscribeResponse>* writer) {
  return ToGrpcStatus(inbox_->Subscribe(
      *request, [context] { return context->IsCancelled(); },
      [writer](const pb::SubscribeResponse& event) { return writer->Write(event); }));
}

grpc::Status NotificationServiceImpl::CreateWebhook(grpc::ServerContext*,
                                                    const pb::CreateWebhookRequest* request,
                                                    pb::Webhook* response) {
  return ReplyWith(webhooks_->CreateWebhook(*request), response);
}

grpc::Status NotificationServiceImpl::GetWebhook(grpc::ServerContext*,
                                                 const pb::GetWebhookRequest* request,
                                                 pb::Webhook* response) {
  return ReplyWith(webhooks_->GetWebhook(*request), response);
}

grpc::Status NotificationServiceImpl::ListWebhooks(grpc::ServerContext*,
                                                   const pb::ListWebhooksRequest* request,
                                                   pb::ListWebhooksResponse* response) {
  return ReplyWith(webhooks_->ListWebhooks(*request), response);
}

grpc::Status NotificationServiceImpl::UpdateWebhook(grpc::ServerContext*,
                                                    const pb::UpdateWebhookRequest* request,
                                                    pb::Webhook* response) {
  return ReplyWith(webhooks_->UpdateWebhook(*request), response);
}

grpc::Status NotificationServiceImpl::DeleteWebhook(grpc::ServerContext*,
                                                    const pb::DeleteWebhookRequest* request,
                                                    google::protobuf::Empty*) {
  return ToGrpcStatus(webhooks_->DeleteWebhook(*request));
}

grpc::Status NotificationServiceImpl::GetQueueStats(grpc::ServerContext*,
                                                    const pb::GetQueueStatsRequest* request,
                                                    pb::QueueStats* response) {
  return ReplyWith(operations_->GetQueueStats(*request), response);
}

grpc::Status NotificationServiceImpl::ListDeadLetters(grpc::ServerContext*,
                                                      const pb::ListDeadLettersRequest* request,
                                                      pb::ListDeadLettersResponse* response) {
  return ReplyWith(operations_->ListDeadLetters(*request), response);
}

grpc::Status NotificationServiceImpl::RetryDeadLetter(grpc::ServerContext*,
                                                      const pb::RetryDeadLetterRequest* request,
                                                      pb::RetryDeadLetterResponse* response) {
  return ReplyWith(operations_->RetryDeadLetter(*request), response);
}

grpc::Status NotificationServiceImpl::ListPendingReminders(
    grpc::ServerContext*, const pb::ListPendingRemindersRequest* request,
    pb::ListPendingRemindersResponse* response) {
  return ReplyWith(operations_->ListPendingReminders(*request), response);
}

}  // namespace chiso::notification
