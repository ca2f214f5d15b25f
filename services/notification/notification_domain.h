#ifndef CHISO_SERVICES_NOTIFICATION_NOTIFICATION_DOMAIN_H_
#define CHISO_SERVICES_NOTIFICATION_NOTIFICATION_DOMAIN_H_

// The rules of the notification service that need no I/O: resource names,
// the checks of filters and webhooks, which notifications a filter matches,
// the opaque Subscribe cursor and the dead-letter names. Errors are
// InvalidArgument naming the field and the rule, as the proto comments ask.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace chiso::notification {

namespace pb = chiso::notification::v1;

inline constexpr absl::string_view kNotifications = "notifications/";
inline constexpr absl::string_view kWebhooks = "webhooks/";
inline constexpr absl::string_view kDeadLetters = "deadLetters/";
inline constexpr absl::string_view kUnits = "units/";
inline constexpr absl::string_view kPeople = "people/";
inline constexpr absl::string_view kPlans = "plans/";
inline constexpr absl::string_view kTasks = "tasks/";

// Most recipients a filter may name, and most names one MarkRead may mark.
inline constexpr int kMaxFilterRecipients = 100;
inline constexpr int kMaxMarkReadNames = 500;
inline constexpr int kMaxWebhookDisplayNameChars = 200;
inline constexpr int kMaxWebhookUrlChars = 2000;
inline constexpr int kMinSecretBytes = 32;
inline constexpr int kMaxSecretBytes = 256;
inline constexpr int kDefaultMaxAttempts = 10;
inline constexpr int kMaxMaxAttempts = 50;
// Longest reminder id prefix a filter may give, in bytes.
inline constexpr int kMaxReminderIdPrefixBytes = 300;

std::string NotificationName(absl::string_view id);
std::string WebhookName(absl::string_view id);

// The id of "{prefix}{id}", an id as IdGenerator makes them. Errors:
// InvalidArgument "<field>: required" when empty, "<field>: "x" is not a
// <prefix>{id} name" otherwise.
absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view prefix,
                                      absl::string_view name);
// An inbox, "units/{id}" or "people/{id}"; returns it unchanged.
absl::StatusOr<std::string> ParseInboxName(absl::string_view field, absl::string_view name);

// The inbox key of a recipient ("units/…" or "people/…"), or "" for a post,
// which has no inbox.
std::string InboxOf(const pb::Recipient& recipient);

// A timestamp inside the range the protobuf JSON mapping accepts (years
// 1–9999, nanos 0–999,999,999). Errors: InvalidArgument naming `field`.
absl::StatusOr<absl::Time> CheckTimestamp(absl::string_view field,
                                          const google::protobuf::Timestamp& t);
// A well-formed Duration (seconds and nanos of the same sign, nanos in
// range, at most 10,000 years).
absl::StatusOr<absl::Duration> CheckDuration(absl::string_view field,
                                             const google::protobuf::Duration& d);

// ---- Filters ----------------------------------------------------------------

// A checked NotificationFilter, in the store's terms.
struct InboxQuery {
  std::vector<std::string> recipients;  // "units/…" / "people/…", distinct
  bool include_subtree = false;
  bool unread_only = false;
  std::vector<int> kinds;               // distinct NotificationKind values
  std::string plan;                     // "plans/…"
  std::string task;                     // "tasks/…"
  int64_t fired_after_ms = INT64_MIN;   // inclusive
  int64_t fired_before_ms = INT64_MAX;  // exclusive
  // Set: only notifications with an inbox recipient under this unit (the
  // recipient unit itself or one of its ancestors), and `recipients` match
  // only through such recipients. Empty text matches nothing. Unset: every
  // inbox.
  std::optional<std::string> scope;
};
absl::StatusOr<InboxQuery> CheckNotificationFilter(const pb::NotificationFilter& filter);

// Checks a DeliveryFilter; `field` prefixes the messages ("filter",
// "webhook.filter").
absl::Status CheckDeliveryFilter(absl::string_view field, const pb::DeliveryFilter& filter);

// Whether `n` matches a checked DeliveryFilter: a recipient named by the
// filter (units, people, and with include_subtree any recipient, posts
// included, whose ancestors name one of the filter's units), one of its
// kinds, its plan.
bool Matches(const pb::DeliveryFilter& filter, const pb::Notification& n);

// A reminder id prefix of a filter: empty, or text that can begin a reminder
// id "<kind>/<owner id>/<YYYY-MM-DD>/<rule>" (kind of a–z, owner id of
// printable ASCII without '/', the date's digits and dashes where they
// belong, rule of a–z, 0–9 and '-'), at most kMaxReminderIdPrefixBytes. A
// whole reminder id passes too. Errors: InvalidArgument naming `field` and
// the part that no reminder id can have.
absl::Status CheckReminderIdPrefix(absl::string_view field, absl::string_view prefix);

// ---- Webhooks ---------------------------------------------------------------

struct WebhookRules {
  // Plain http:// endpoints are accepted (local development only).
  bool allow_insecure = false;
};

// Checks the fields of a webhook to create and normalises them in place:
// display name cleaned, state UNSPECIFIED → ACTIVE, max_attempts 0 → 10 and
// capped at 50. Output-only fields are cleared. The secret is checked and
// left in place (the caller moves it out before storing the webhook).
absl::Status CheckNewWebhook(pb::Webhook& webhook, const WebhookRules& rules);

// Applies the fields of `update_mask` from `patch` to `stored`, checking them
// as on create. Sets `*secret` and returns true in `*secret_changed` when the
// mask names "secret". Errors: InvalidArgument for an empty mask, an unknown
// or output-only path, or a bad value.
absl::Status ApplyWebhookUpdate(const pb::Webhook& patch, const google::protobuf::FieldMask& mask,
                                const WebhookRules& rules, pb::Webhook& stored, std::string* secret,
                                bool* secret_changed);

// Nothing when `sent` is empty or equals `current`; otherwise Aborted
// "etag: <name> changed since it was read (etag "1", now "2"); read it again".
absl::Status CheckEtag(absl::string_view name, absl::string_view current, absl::string_view sent);

// ---- Subscribe cursors ------------------------------------------------------

// A position in the delivery log: every notification with a sequence number
// up to `seq` has been passed; `issued` is when the position was handed out
// (the retention check uses it, so heartbeats keep an idle client's cursor
// fresh).
struct Cursor {
  int64_t seq = 0;
  absl::Time issued;
};
std::string EncodeCursor(const Cursor& cursor);
// Errors: InvalidArgument "cursor: malformed …".
absl::StatusOr<Cursor> DecodeCursor(absl::string_view text);

// Heartbeat interval of a SubscribeRequest: 0 → 30 s, otherwise 5–300 s.
absl::StatusOr<absl::Duration> HeartbeatInterval(const google::protobuf::Duration& d);

// ---- Dead letters -----------------------------------------------------------

// Dead letters live in two places and share one name space:
//   deadLetters/reminder-<id>  a reminder the queue dead-lettered; <id> is the
//                              reminder id in unpadded base64url (it has
//                              slashes), e.g. deadLetters/reminder-dGFzay8…
//   deadLetters/delivery-<id>  a webhook delivery that failed every attempt;
//                              <id> is the delivery's id in this service.
struct DeadLetterRef {
  enum class Kind { kReminder, kDelivery };
  Kind kind = Kind::kReminder;
  std::string id;  // the reminder id, or the delivery id
};
std::string DeadLetterName(const DeadLetterRef& ref);
absl::StatusOr<DeadLetterRef> ParseDeadLetterName(absl::string_view field, absl::string_view name);

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_NOTIFICATION_DOMAIN_H_
