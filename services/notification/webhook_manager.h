#ifndef CHISO_SERVICES_NOTIFICATION_WEBHOOK_MANAGER_H_
#define CHISO_SERVICES_NOTIFICATION_WEBHOOK_MANAGER_H_

// The webhook operations of the notification service, one per RPC. Secrets
// are write-only: every webhook returned has an empty `secret`. Errors are
// those the proto comments list; the store's errors pass through.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "google/protobuf/empty.pb.h"
#include "services/notification/notification_domain.h"
#include "services/notification/notification_store.h"

namespace chiso::notification {

class WebhookManager {
 public:
  // `store` is not owned and must outlive the manager.
  WebhookManager(NotificationStore* store, WebhookRules rules);

  absl::StatusOr<pb::Webhook> CreateWebhook(const pb::CreateWebhookRequest& request);
  absl::StatusOr<pb::Webhook> GetWebhook(const pb::GetWebhookRequest& request);
  absl::StatusOr<pb::ListWebhooksResponse> ListWebhooks(const pb::ListWebhooksRequest& request);
  absl::StatusOr<pb::Webhook> UpdateWebhook(const pb::UpdateWebhookRequest& request);
  absl::Status DeleteWebhook(const pb::DeleteWebhookRequest& request);

 private:
  NotificationStore* store_;
  WebhookRules rules_;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_WEBHOOK_MANAGER_H_
