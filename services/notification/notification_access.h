#ifndef CHISO_SERVICES_NOTIFICATION_NOTIFICATION_ACCESS_H_
#define CHISO_SERVICES_NOTIFICATION_NOTIFICATION_ACCESS_H_

// Who may do what in the notification service: the permission of every RPC
// (one table, NotificationRules) and the scope of inboxes, streams and
// pending reminders.
//
// Permissions (common/auth/access.h):
//   ListNotifications, Subscribe, ListPendingReminders   read
//   MarkRead                                               read, own inbox only
//   CreateWebhook, GetWebhook, ListWebhooks,
//   UpdateWebhook, DeleteWebhook, GetQueueStats,
//   ListDeadLetters, RetryDeadLetter                       administer
//   ListAuditEvents                                        audit.read
//
// Scope. Every stored recipient carries the ancestors of its unit, nearest
// first, as snapshotted when the reminder was scheduled; for a person they
// begin with the person's own unit (services/assignment puts it there), so a
// person lies in the subtree of their unit. A recipient with an inbox (a unit
// or a person; a post written as text has none) is in the scope of a
// restricted caller (see auth::Caller::Unrestricted) when the caller's unit
// is the recipient unit or one of those ancestors. No other service is
// called: the snapshot decides, so a unit moved since keeps its older
// notifications where they were.
//  - ListNotifications: a restricted caller lists only notifications with a
//    recipient in scope (in SQL, so pages stay exact); a `filter.recipients`
//    entry matches only through recipients in scope, so naming an inbox
//    outside the scope yields nothing from it, as naming an inbox that does
//    not exist does. Read times of recipients outside the scope are left
//    unset.
//  - MarkRead: read state belongs to the recipient. A restricted caller marks
//    only its own inboxes: its unit's, or its own person inbox ("the
//    recipient person, or a member of the recipient unit"). Another inbox it
//    can read (a unit below its own) is PERMISSION_DENIED naming the rule;
//    one outside its scope, or unknown to it, is NOT_FOUND "recipient: <inbox>
//    not found", the same for both.
//  - Subscribe: a restricted caller's stream carries only notifications with
//    a recipient in scope, and its filter matches only through those
//    recipients: a filter narrows the scope, never widens it.
//  - ListPendingReminders: a restricted caller sees only reminders with a
//    recipient in scope (pages may already be short; see the proto).
//  - Webhooks, queue statistics, dead letters and the audit trail belong to
//    no unit: the permission alone decides, for the whole service.
//
// Audit: MarkRead, CreateWebhook, UpdateWebhook, DeleteWebhook and
// RetryDeadLetter each record one event (common/audit) when they succeed,
// none when they fail. The consumer's background delivery of reminders and
// the webhook sender's attempts are not RPC mutations and are not audited
// (the delivery log and the webhook status record them).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "common/auth/access.h"
#include "common/auth/authenticator.h"
#include "services/notification/notification_domain.h"

namespace chiso::notification {

// The permission every NotificationService RPC needs.
std::vector<auth::RpcRule> NotificationRules();

// The gate of the service; a null `authenticator` turns authentication off.
std::unique_ptr<auth::AccessGate> NewNotificationGate(
    std::shared_ptr<const auth::Authenticator> authenticator);

// Which inboxes a caller sees, in the terms of the store.
struct InboxScope {
  // False: every inbox (administrators, services, authentication off).
  bool restricted = false;
  // The caller's unit, "units/{id}"; empty sees nothing.
  std::string unit;
  // The caller's principal id ("people/{id}" for a person): its own inbox.
  std::string principal;
};

InboxScope ScopeOf(const auth::Caller& caller);

// The recipient has an inbox and lies in the scope (always for an
// unrestricted scope).
bool RecipientInScope(const InboxScope& scope, const pb::Recipient& recipient);

// Some recipient of `recipients` is in the scope.
bool AnyRecipientInScope(const InboxScope& scope,
                         const google::protobuf::RepeatedPtrField<pb::Recipient>& recipients);

// Clears the read times of the recipients outside the scope.
void HideReadTimesOutOfScope(const InboxScope& scope, pb::Notification& notification);

// Whether a stream with `filter` and `scope` carries `n`: Matches(filter, n)
// for an unrestricted scope; otherwise the filter must match through the
// recipients in scope.
bool MatchesInScope(const pb::DeliveryFilter& filter, const InboxScope& scope,
                    const pb::Notification& n);

// Whether the caller marks `inbox` as its own (see MarkRead above).
bool OwnsInbox(const InboxScope& scope, absl::string_view inbox);

// PERMISSION_DENIED for MarkRead on an inbox in scope that is not the
// caller's own.
absl::Status MarkReadNotOwnInbox(const InboxScope& scope, absl::string_view inbox);

// NOT_FOUND for an inbox outside the scope (or unknown to it).
absl::Status InboxNotFound(absl::string_view inbox);

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_NOTIFICATION_ACCESS_H_
