#ifndef CHISO_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
#define CHISO_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_

// The gRPC adapter of the notification service: each method calls a manager
// and converts its absl::Status. No rules, no SQL here.

#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "services/notification/inbox_manager.h"
#include "services/notification/operations_manager.h"
#include "services/notification/webhook_manager.h"

namespace chiso::notification {

class NotificationServiceImpl final : public pb::NotificationService::Service {
 public:
  // No manager is owned; all must outlive the service.
  NotificationServiceImpl(InboxManager* inbox, WebhookManager* webhooks,
                          OperationsManager* operations)
      : inbox_(inbox), webhooks_(webhooks), operations_(operations) {}

  grpc::Status ListNotifications(grpc::ServerContext* context,
                                 const pb::ListNotificationsRequest* request,
                                 pb::ListNotificationsResponse* response) override;
  grpc::Status MarkRead(grpc::ServerContext* context, const pb::MarkReadRequest* request,
                        pb::MarkReadResponse* response) override;
  grpc::Status Subscribe(grpc::ServerContext* context, const pb::SubscribeRequest* request,
                         grpc::ServerWriter<pb::SubscribeResponse>* writer) override;
  grpc::Status CreateWebhook(grpc::ServerContext* context, const pb::CreateWebhookRequest* request,
                             pb::Webhook* response) override;
  grpc::Status GetWebhook(grpc::ServerContext* context, const pb::GetWebhookRequest* request,
                          pb::Webhook* response) override;
  grpc::Status ListWebhooks(grpc::ServerContext* context, const pb::ListWebhooksRequest* request,
                            pb::ListWebhooksResponse* response) override;
  grpc::Status UpdateWebhook(grpc::ServerContext* context, const pb::UpdateWebhookRequest* request,
                             pb::Webhook* response) override;
  grpc::Status DeleteWebhook(grpc::ServerContext* context, const pb::DeleteWebhookRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status GetQueueStats(grpc::ServerContext* context, const pb::GetQueueStatsRequest* request,
                             pb::QueueStats* response) override;
  grpc::Status ListDeadLetters(grpc::ServerContext* context,
                               const pb::ListDeadLettersRequest* request,
                               pb::ListDeadLettersResponse* response) override;
  grpc::Status RetryDeadLetter(grpc::ServerContext* context,
                               const pb::RetryDeadLetterRequest* request,
                               pb::RetryDeadLetterResponse* response) override;
  grpc::Status ListPendingReminders(grpc::ServerContext* context,
                                    const pb::ListPendingRemindersRequest* request,
                                    pb::ListPendingRemindersResponse* response) override;

 private:
  InboxManager* inbox_;
  WebhookManager* webhooks_;
  OperationsManager* operations_;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
