#include "services/notification/notification_access.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"

namespace chiso::notification {

using auth::Permission;

std::vector<auth::RpcRule> NotificationRules() {
  return {
      {"ListNotifications", Permission::kRead},
      {"MarkRead", Permission::kRead},
      {"Subscribe", Permission::kRead},
      {"CreateWebhook", Permission::kAdminister},
      {"GetWebhook", Permission::kAdminister},
      {"ListWebhooks", Permission::kAdminister},
      {"UpdateWebhook", Permission::kAdminister},
      {"DeleteWebhook", Permission::kAdminister},
      {"GetQueueStats", Permission::kAdminister},
      {"ListDeadLetters", Permission::kAdminister},
      {"RetryDeadLetter", Permission::kAdminister},
      {"ListPendingReminders", Permission::kRead},
      {"ListAuditEvents", Permission::kAuditRead},
  };
}

std::unique_ptr<auth::AccessGate> NewNotificationGate(
    std::shared_ptr<const auth::Authenticator> authenticator) {
  return std::make_unique<auth::AccessGate>(pb::NotificationService::service_full_name(),
                                            NotificationRules(), std::move(authenticator));
}

InboxScope ScopeOf(const auth::Caller& caller) {
  InboxScope scope;
  scope.restricted = !caller.Unrestricted();
  scope.unit = caller.principal.unit;
  scope.principal = caller.principal.id;
  return scope;
}

bool RecipientInScope(const InboxScope& scope, const pb::Recipient& recipient) {
  if (!scope.restricted) return true;
  const std::string inbox = InboxOf(recipient);
  if (inbox.empty() || scope.unit.empty()) return false;
  if (inbox == scope.unit) return true;
  const auto& ancestors = recipient.ancestors();
  return std::find(ancestors.begin(), ancestors.end(), scope.unit) != ancestors.end();
}

bool AnyRecipientInScope(const InboxScope& scope,
                         const google::protobuf::RepeatedPtrField<pb::Recipient>& recipients) {
  if (!scope.restricted) return true;
  for (const pb::Recipient& r : recipients) {
    if (RecipientInScope(scope, r)) return true;
  }
  return false;
}

void HideReadTimesOutOfScope(const InboxScope& scope, pb::Notification& notification) {
  if (!scope.restricted) return;
  for (pb::Recipient& r : *notification.mutable_recipients()) {
    if (!RecipientInScope(scope, r)) r.clear_read_time();
  }
}

bool MatchesInScope(const pb::DeliveryFilter& filter, const InboxScope& scope,
                    const pb::Notification& n) {
  if (!scope.restricted) return Matches(filter, n);
  if (!AnyRecipientInScope(scope, n.recipients())) return false;
  if (filter.recipients().empty()) return Matches(filter, n);
  // The filter may match only through the recipients in scope.
  pb::Notification visible;
  visible.set_kind(n.kind());
  visible.set_plan(n.plan());
  for (const pb::Recipient& r : n.recipients()) {
    if (RecipientInScope(scope, r)) *visible.add_recipients() = r;
  }
  return Matches(filter, visible);
}

bool OwnsInbox(const InboxScope& scope, absl::string_view inbox) {
  if (!scope.restricted) return true;
  return (!scope.unit.empty() && inbox == scope.unit) ||
         (!scope.principal.empty() && inbox == scope.principal);
}

absl::Status MarkReadNotOwnInbox(const InboxScope& scope, absl::string_view inbox) {
  return absl::PermissionDeniedError(absl::StrCat(
      "MarkRead needs the recipient itself: the recipient person, or a member of the recipient "
      "unit (an administrator marks any inbox); ",
      scope.principal, " of ", scope.unit.empty() ? "no unit" : scope.unit, " may read ", inbox,
      " but does not belong to it"));
}

absl::Status InboxNotFound(absl::string_view inbox) {
  return absl::NotFoundError(absl::StrCat("recipient: ", inbox, " not found"));
}

}  // namespace chiso::notification
