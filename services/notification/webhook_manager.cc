#include "services/notification/webhook_manager.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids/page_token.h"

namespace chiso::notification {
namespace {

// Listings of webhooks have no filter; the fingerprint still ties a token to
// this listing.
constexpr absl::string_view kListing = "webhooks by display name";

std::string WebhookKey(const pb::Webhook& w) {
  return absl::StrCat(w.display_name(), "\n", w.name());
}

}  // namespace

WebhookManager::WebhookManager(NotificationStore* store, WebhookRules rules)
    : store_(store), rules_(rules) {}

absl::StatusOr<pb::Webhook> WebhookManager::CreateWebhook(const pb::CreateWebhookRequest& request) {
  if (!request.has_webhook()) return absl::InvalidArgumentError("webhook: required");
  pb::Webhook webhook = request.webhook();
  if (absl::Status s = CheckNewWebhook(webhook, rules_); !s.ok()) return s;
  std::string secret = std::move(*webhook.mutable_secret());
  webhook.clear_secret();
  return store_->CreateWebhook(std::move(webhook), secret);
}

absl::StatusOr<pb::Webhook> WebhookManager::GetWebhook(const pb::GetWebhookRequest& request) {
  absl::StatusOr<std::string> id = ParseName("name", kWebhooks, request.name());
  if (!id.ok()) return id.status();
  return store_->GetWebhook(*id);
}

absl::StatusOr<pb::ListWebhooksResponse> WebhookManager::ListWebhooks(
    const pb::ListWebhooksRequest& request) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const std::string fingerprint = Fingerprint(kListing);
  std::string after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    after = *std::move(key);
  }
  bool more = false;
  absl::StatusOr<std::vector<pb::Webhook>> webhooks = store_->ListWebhooks(after, *size, &more);
  if (!webhooks.ok()) return webhooks.status();
  pb::ListWebhooksResponse response;
  for (pb::Webhook& w : *webhooks) *response.add_webhooks() = std::move(w);
  if (more && response.webhooks_size() > 0) {
    response.set_next_page_token(
        EncodePageToken(fingerprint, WebhookKey(response.webhooks(response.webhooks_size() - 1))));
  }
  return response;
}

absl::StatusOr<pb::Webhook> WebhookManager::UpdateWebhook(const pb::UpdateWebhookRequest& request) {
  absl::StatusOr<std::string> id = ParseName("webhook.name", kWebhooks, request.webhook().name());
  if (!id.ok()) return id.status();
  if (request.update_mask().paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask: required (any of display_name, url, secret, filter, state, max_attempts)");
  }
  return store_->UpdateWebhook(
      *id, [&](pb::Webhook& stored, std::string* secret, bool* secret_changed) -> absl::Status {
        if (absl::Status s = CheckEtag(stored.name(), stored.etag(), request.webhook().etag());
            !s.ok()) {
          return s;
        }
        return ApplyWebhookUpdate(request.webhook(), request.update_mask(), rules_, stored, secret,
                                  secret_changed);
      });
}

absl::Status WebhookManager::DeleteWebhook(const pb::DeleteWebhookRequest& request) {
  absl::StatusOr<std::string> id = ParseName("name", kWebhooks, request.name());
  if (!id.ok()) return id.status();
  return store_->DeleteWebhook(*id, [&](const pb::Webhook& stored) {
    return CheckEtag(stored.name(), stored.etag(), request.etag());
  });
}

}  // namespace chiso::notification
