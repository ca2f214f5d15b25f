#ifndef CHISO_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
#define CHISO_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_

// The gRPC adapter of the notification service: each method admits the
// caller through the access gate (notification_access.h), passes its scope
// to a manager, records the changes in the audit log, and converts the
// absl::Status. No SQL here.

#include <memory>

#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "services/notification/inbox_manager.h"
#include "services/notification/notification_access.h"
#include "services/notification/operations_manager.h"
#include "services/notification/webhook_manager.h"

namespace chiso::notification {

class NotificationServiceImpl final : public pb::NotificationService::Service {
 public:
  // Nothing is owned; all must outlive the service. Without `gate`,
  // authentication is off (every caller anonymous and unrestricted); without
  // `audit`, the service keeps its audit trail in the database of the
  // inbox's store (migrated with NotificationMigrations()).
  NotificationServiceImpl(InboxManager* inbox, WebhookManager* webhooks,
                          OperationsManager* operations, const auth::AccessGate* gate = nullptr,
                          audit::AuditLog* audit = nullptr);

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
  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const chiso::common::v1::ListAuditEventsRequest* request,
                               chiso::common::v1::ListAuditEventsResponse* response) override;

 private:
  InboxManager* inbox_;
  WebhookManager* webhooks_;
  OperationsManager* operations_;
  std::unique_ptr<auth::AccessGate> own_gate_;
  std::unique_ptr<audit::AuditLog> own_audit_;
  const auth::AccessGate* gate_;
  audit::AuditLog* audit_;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
