#ifndef CHISO_SERVICES_NOTIFICATION_NOTIFICATION_STORE_H_
#define CHISO_SERVICES_NOTIFICATION_NOTIFICATION_STORE_H_

// Persistence of the notification service: the inboxes and delivery log
// (notifications and their recipients), webhooks, and the webhook outbox with
// its dead letters.
//
// A notification is stored whole (its protobuf encoding, read times unset)
// plus the columns it is filtered on. Its `seq` is its position in the
// delivery log: assigned inside the write transaction, which SQLite runs one
// at a time, so a reader that has seen seq n has seen every seq below it
// (what Subscribe cursors rely on). Delivery is idempotent on reminder_id,
// and the webhook outbox rows of a notification are written in the same
// transaction as the notification: a crash loses neither.
//
// Methods take bare ids, not resource names, and take values that the caller
// has already checked. Errors common to every method: those of
// storage::Database (Unavailable, ResourceExhausted, DataLoss, Internal);
// DataLoss also when a stored body cannot be decoded.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "common/ids/ids.h"
#include "common/storage/database.h"
#include "services/notification/notification_domain.h"

namespace chiso::notification {

// The schema, for storage::Migrate (OpenServiceDatabase).
const std::vector<storage::Migration>& NotificationMigrations();

// What Deliver did with one notification.
struct Delivered {
  // The stored notification (read times unset): the new one, or the one
  // stored before for the same reminder_id.
  pb::Notification notification;
  int64_t seq = 0;
  // The reminder was already stored: nothing was written.
  bool duplicate = false;
  // Webhook deliveries queued in the outbox.
  int webhook_deliveries = 0;
};

// One page of a notification listing.
struct NotificationPage {
  std::vector<pb::Notification> notifications;  // with read times
  bool more = false;
};

// A keyset position in a listing newest fire time first.
struct FireKey {
  int64_t fire_ms = 0;
  std::string id;
};

// An entry of the delivery log.
struct LogEntry {
  int64_t seq = 0;
  pb::Notification notification;  // read times unset
};

// A webhook delivery claimed by the sender.
struct OutboxDelivery {
  std::string id;
  std::string webhook_id;
  std::string url;
  std::string secret;
  int max_attempts = 0;
  // Attempts made before this one.
  int attempts = 0;
  pb::Notification notification;  // read times unset
};

// A webhook delivery that failed every attempt.
struct DeadDelivery {
  std::string id;
  std::string webhook_id;
  pb::Notification notification;
  int attempts = 0;
  std::string last_error;
  int64_t dead_ms = 0;
};

// Which dead deliveries to list, newest first; all given fields must match.
struct DeadDeliveryQuery {
  std::string webhook_id;
  std::string reminder_id_prefix;
  int64_t dead_after_ms = INT64_MIN;  // inclusive
  // Keyset: only those before (dead_ms, id) in newest-first order.
  std::optional<std::pair<int64_t, std::string>> before;
  int limit = 50;
};

class NotificationStore {
 public:
  // `db` (migrated with NotificationMigrations()), `ids` and `now` must
  // outlive the store; `now` gives the delivery and read times.
  NotificationStore(storage::Database* db, IdGenerator* ids, std::function<absl::Time()> now);

  // The database the store writes to (the audit log of the service shares
  // it, so a change and its audit event commit together).
  storage::Database* database() const { return db_; }

  // ---- Inbox and delivery log ---------------------------------------------

  // Stores each built notification (without name, deliver time or
  // lateness) in one transaction: a reminder_id already stored comes back
  // as a duplicate, unchanged; a new one gets an id, the next seq and the
  // delivery time, then `stamp` (run inside the transaction) sets what
  // derives from the delivery time (lateness, late), then its recipients and
  // the outbox rows of every active webhook whose filter matches are
  // written. All or nothing.
  absl::StatusOr<std::vector<Delivered>> Deliver(
      const std::vector<pb::Notification>& built,
      const std::function<void(pb::Notification&)>& stamp);

  // Notifications matching `query`, newest fire time first, after `after`
  // (nullopt: from the start), at most `limit`.
  absl::StatusOr<NotificationPage> ListNotifications(const InboxQuery& query,
                                                     const std::optional<FireKey>& after,
                                                     int limit);

  // Marks the notifications `ids` read in `inbox`. NotFound naming the
  // first id that is not in that inbox (then nothing is marked). Returns how
  // many were unread.
  absl::StatusOr<int> MarkRead(const std::string& inbox, const std::vector<std::string>& ids);
  // Marks read every notification of `inbox` that fired before `before`.
  absl::StatusOr<int> MarkReadFiredBefore(const std::string& inbox, absl::Time before);
  // Whether some stored notification has `inbox` as a recipient under
  // `unit` (the recipient unit itself or one of its snapshotted ancestors).
  absl::StatusOr<bool> InboxInScope(const std::string& inbox, const std::string& unit);
  // The read state of `inbox` for the notifications `ids`, or with
  // `fired_before_ms` for every notification of it that fired before then:
  // one line "notifications/{id} <position> <read ms|unread>" per recipient
  // row, in id order (what MarkRead changes, for its audit event).
  absl::StatusOr<std::string> ReadState(const std::string& inbox,
                                        const std::vector<std::string>& ids,
                                        std::optional<int64_t> fired_before_ms);

  // The log after `after_seq`, in order, at most `limit` entries.
  absl::StatusOr<std::vector<LogEntry>> ReadLog(int64_t after_seq, int limit);
  // The last seq written, 0 for an empty log.
  absl::StatusOr<int64_t> LastSeq();
  // The seq just before the first notification delivered at or after `t`
  // (LastSeq() when there is none).
  absl::StatusOr<int64_t> SeqBefore(absl::Time t);

  // ---- Webhooks -------------------------------------------------------------

  // Stores a checked webhook (its secret moved out into `secret`) with a
  // new id; returns it without the secret, etag "1".
  absl::StatusOr<pb::Webhook> CreateWebhook(pb::Webhook webhook, const std::string& secret);
  // NotFound "webhooks/{id} not found".
  absl::StatusOr<pb::Webhook> GetWebhook(const std::string& id);
  // Webhooks ordered by display name, then name, after the key
  // "display_name\nname" (empty: from the start).
  absl::StatusOr<std::vector<pb::Webhook>> ListWebhooks(const std::string& after_key, int limit,
                                                        bool* more);
  // Reads the webhook, lets `update` change it (and set `*secret` with
  // `*secret_changed`), and writes it with the next etag. `update`'s errors
  // roll back.
  using WebhookUpdate =
      std::function<absl::Status(pb::Webhook& webhook, std::string* secret, bool* secret_changed)>;
  absl::StatusOr<pb::Webhook> UpdateWebhook(const std::string& id, const WebhookUpdate& update);
  // Deletes the webhook with its pending and dead deliveries; `check` sees
  // it first (the etag check) and may refuse.
  absl::Status DeleteWebhook(const std::string& id,
                             const std::function<absl::Status(const pb::Webhook&)>& check);

  // ---- Webhook outbox -------------------------------------------------------

  // Claims up to `limit` pending deliveries of active webhooks whose next
  // attempt is due at `now`, pushing their next attempt `lease` ahead so
  // another sender does not take them meanwhile (and a crash mid-send
  // retries them after the lease).
  absl::StatusOr<std::vector<OutboxDelivery>> ClaimDeliveries(absl::Time now, absl::Duration lease,
                                                              int limit);
  // The earliest next attempt of a pending delivery to an active webhook.
  absl::StatusOr<std::optional<absl::Time>> NextDeliveryTime();
  // A delivery succeeded: it leaves the outbox; the webhook records it.
  absl::Status DeliverySucceeded(const std::string& delivery_id, absl::Time now);
  // An attempt failed: the delivery is tried again at `retry_at`, or, when
  // nullopt, dead-lettered. The webhook records the failure.
  absl::Status DeliveryFailed(const std::string& delivery_id, const std::string& error,
                              absl::Time now, std::optional<absl::Time> retry_at);
  // Dead deliveries matching `query`, newest first.
  absl::StatusOr<std::vector<DeadDelivery>> ListDeadDeliveries(const DeadDeliveryQuery& query);
  // A dead delivery; NotFound when it is not dead (or does not exist).
  absl::StatusOr<DeadDelivery> GetDeadDelivery(const std::string& id);
  // Puts a dead delivery back in the outbox with a fresh attempt count, to
  // be tried at `at`. NotFound when it is not dead (or does not exist).
  // Returns it.
  absl::StatusOr<DeadDelivery> RetryDeadDelivery(const std::string& id, absl::Time at);

 private:
  storage::Database* db_;
  IdGenerator* ids_;
  std::function<absl::Time()> now_;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_NOTIFICATION_STORE_H_
