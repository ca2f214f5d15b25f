#include "services/notification/notification_service.h"

#include <string>
#include <utility>

#include "common/status/grpc_status.h"

namespace chiso::notification {
namespace {

// Secrets are write-only: whatever the store hands back, no response
// carries one.
pb::Webhook WithoutSecret(pb::Webhook webhook) {
  webhook.clear_secret();
  return webhook;
}

}  // namespace

NotificationServiceImpl::NotificationServiceImpl(InboxManager* inbox, WebhookManager* webhooks,
                                                 OperationsManager* operations,
                                                 const auth::AccessGate* gate,
                                                 audit::AuditLog* audit)
    : inbox_(inbox), webhooks_(webhooks), operations_(operations), gate_(gate), audit_(audit) {
  if (gate_ == nullptr) {
    own_gate_ = NewNotificationGate(nullptr);
    gate_ = own_gate_.get();
  }
  if (audit_ == nullptr) {
    own_audit_ = std::make_unique<audit::AuditLog>(inbox_->store()->database());
    audit_ = own_audit_.get();
  }
}

grpc::Status NotificationServiceImpl::ListNotifications(grpc::ServerContext* context,
                                                        const pb::ListNotificationsRequest* request,
                                                        pb::ListNotificationsResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ListNotifications");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(inbox_->ListNotifications(*request, ScopeOf(*caller)), response);
}

grpc::Status NotificationServiceImpl::MarkRead(grpc::ServerContext* context,
                                               const pb::MarkReadRequest* request,
                                               pb::MarkReadResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "MarkRead");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  const InboxScope scope = ScopeOf(*caller);
  pb::MarkReadResponse marked;
  // The resource is the inbox; its before and after are the read state of
  // the selected notifications in it.
  const absl::Status status = audit_->Record(
      *caller, request->recipient(), [&] { return inbox_->ReadState(*request); },
      [&]() -> absl::StatusOr<audit::Change> {
        absl::StatusOr<pb::MarkReadResponse> done = inbox_->MarkRead(*request, scope);
        if (!done.ok()) return done.status();
        marked = *std::move(done);
        // Marking read what was read changes nothing and leaves no event.
        if (marked.marked_count() == 0) return audit::NoChange();
        absl::StatusOr<std::string> after = inbox_->ReadState(*request);
        if (!after.ok()) return after.status();
        return audit::Change{request->recipient(), *std::move(after)};
      });
  if (!status.ok()) return ToGrpcStatus(status);
  *response = std::move(marked);
  return grpc::Status::OK;
}

grpc::Status NotificationServiceImpl::Subscribe(grpc::ServerContext* context,
                                                const pb::SubscribeRequest* request,
                                                grpc::ServerWriter<pb::SubscribeResponse>* writer) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "Subscribe");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(inbox_->Subscribe(
      *request, [context] { return context->IsCancelled(); },
      [writer](const pb::SubscribeResponse& event) { return writer->Write(event); },
      ScopeOf(*caller)));
}

grpc::Status NotificationServiceImpl::CreateWebhook(grpc::ServerContext* context,
                                                    const pb::CreateWebhookRequest* request,
                                                    pb::Webhook* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "CreateWebhook");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<pb::Webhook> created = audit_->Mutate<pb::Webhook>(
      *caller, "", nullptr, [&] { return webhooks_->CreateWebhook(*request); });
  if (!created.ok()) return ToGrpcStatus(created.status());
  *response = WithoutSecret(*std::move(created));
  return grpc::Status::OK;
}

grpc::Status NotificationServiceImpl::GetWebhook(grpc::ServerContext* context,
                                                 const pb::GetWebhookRequest* request,
                                                 pb::Webhook* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "GetWebhook");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<pb::Webhook> webhook = webhooks_->GetWebhook(*request);
  if (!webhook.ok()) return ToGrpcStatus(webhook.status());
  *response = WithoutSecret(*std::move(webhook));
  return grpc::Status::OK;
}

grpc::Status NotificationServiceImpl::ListWebhooks(grpc::ServerContext* context,
                                                   const pb::ListWebhooksRequest* request,
                                                   pb::ListWebhooksResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ListWebhooks");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  grpc::Status status = ReplyWith(webhooks_->ListWebhooks(*request), response);
  for (pb::Webhook& w : *response->mutable_webhooks()) w.clear_secret();
  return status;
}

grpc::Status NotificationServiceImpl::UpdateWebhook(grpc::ServerContext* context,
                                                    const pb::UpdateWebhookRequest* request,
                                                    pb::Webhook* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "UpdateWebhook");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::string> id = ParseName("webhook.name", kWebhooks, request->webhook().name());
  if (!id.ok()) return ToGrpcStatus(id.status());
  pb::GetWebhookRequest get;
  get.set_name(request->webhook().name());
  absl::StatusOr<pb::Webhook> updated = audit_->Mutate<pb::Webhook>(
      *caller, request->webhook().name(), [&] { return audit::Before(webhooks_->GetWebhook(get)); },
      [&] { return webhooks_->UpdateWebhook(*request); });
  if (!updated.ok()) return ToGrpcStatus(updated.status());
  *response = WithoutSecret(*std::move(updated));
  return grpc::Status::OK;
}

grpc::Status NotificationServiceImpl::DeleteWebhook(grpc::ServerContext* context,
                                                    const pb::DeleteWebhookRequest* request,
                                                    google::protobuf::Empty*) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "DeleteWebhook");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::string> id = ParseName("name", kWebhooks, request->name());
  if (!id.ok()) return ToGrpcStatus(id.status());
  pb::GetWebhookRequest get;
  get.set_name(request->name());
  return ToGrpcStatus(audit_->Record(
      *caller, request->name(), [&] { return audit::Before(webhooks_->GetWebhook(get)); },
      [&]() -> absl::StatusOr<audit::Change> {
        if (absl::Status s = webhooks_->DeleteWebhook(*request); !s.ok()) return s;
        return audit::Change{request->name(), std::string()};
      }));
}

grpc::Status NotificationServiceImpl::GetQueueStats(grpc::ServerContext* context,
                                                    const pb::GetQueueStatsRequest* request,
                                                    pb::QueueStats* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "GetQueueStats");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(operations_->GetQueueStats(*request), response);
}

grpc::Status NotificationServiceImpl::ListDeadLetters(grpc::ServerContext* context,
                                                      const pb::ListDeadLettersRequest* request,
                                                      pb::ListDeadLettersResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ListDeadLetters");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(operations_->ListDeadLetters(*request), response);
}

grpc::Status NotificationServiceImpl::RetryDeadLetter(grpc::ServerContext* context,
                                                      const pb::RetryDeadLetterRequest* request,
                                                      pb::RetryDeadLetterResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "RetryDeadLetter");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(operations_->RetryDeadLetter(*request, audit_, *caller), response);
}

grpc::Status NotificationServiceImpl::ListPendingReminders(
    grpc::ServerContext* context, const pb::ListPendingRemindersRequest* request,
    pb::ListPendingRemindersResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ListPendingReminders");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(operations_->ListPendingReminders(*request, ScopeOf(*caller)), response);
}

grpc::Status NotificationServiceImpl::ListAuditEvents(
    grpc::ServerContext* context, const chiso::common::v1::ListAuditEventsRequest* request,
    chiso::common::v1::ListAuditEventsResponse* response) {
  absl::StatusOr<auth::Caller> caller = gate_->Admit(*context, "ListAuditEvents");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ReplyWith(audit_->List(*request), response);
}

}  // namespace chiso::notification
