#ifndef CHISO_SERVICES_NOTIFICATION_INBOX_MANAGER_H_
#define CHISO_SERVICES_NOTIFICATION_INBOX_MANAGER_H_

// The inbox and stream operations of the notification service, one per RPC:
// ListNotifications, MarkRead and Subscribe. They read the service's own
// database only, never Redis. Errors are those the proto comments list; the
// store's errors (Unavailable, DataLoss…) pass through.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "common/civil/clock.h"
#include "services/notification/delivery_hub.h"
#include "services/notification/notification_access.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/notification_store.h"

namespace chiso::notification {

struct InboxOptions {
  // How far back Subscribe replays (`since`, cursors); older is OUT_OF_RANGE.
  absl::Duration retention = absl::Hours(24 * 14);
  // Longest a stream waits before it looks whether its client is gone.
  absl::Duration cancel_poll = absl::Milliseconds(200);
  // Log entries a stream reads from the store at a time.
  int replay_batch = 200;
};

class InboxManager {
 public:
  // None of the arguments is owned; all must outlive the manager. `metrics`
  // may be null.
  InboxManager(NotificationStore* store, DeliveryHub* hub, const civil::Clock* clock,
               NotificationMetrics* metrics, InboxOptions options = {});

  // `scope` (default: every inbox) limits what a caller sees and marks
  // (notification_access.h).

  // Errors: InvalidArgument for a bad page size, page token or filter.
  absl::StatusOr<pb::ListNotificationsResponse> ListNotifications(
      const pb::ListNotificationsRequest& request, const InboxScope& scope = InboxScope());
  // Errors: InvalidArgument for a missing recipient or selection, or more
  // than 500 names; NotFound for a notification not in that inbox, or for
  // an inbox outside the scope; PermissionDenied for an inbox in scope that
  // is not the caller's own.
  absl::StatusOr<pb::MarkReadResponse> MarkRead(const pb::MarkReadRequest& request,
                                                const InboxScope& scope = InboxScope());
  // The read state MarkRead would change for `request` (NotificationStore::
  // ReadState), for its audit event; empty for a request MarkRead refuses
  // as malformed.
  absl::StatusOr<std::string> ReadState(const pb::MarkReadRequest& request);

  NotificationStore* store() const { return store_; }

  // Writes the events of one stream with `write` (false: the client is gone)
  // until the client goes (`cancelled` returns true, or a write fails:
  // Cancelled) or the service shuts down (Unavailable: reconnect with the
  // last cursor). Errors before the first event: InvalidArgument for a bad
  // filter, cursor, `since` in the future or heartbeat interval; OutOfRange
  // for a cursor or `since` older than the retention.
  absl::Status Subscribe(const pb::SubscribeRequest& request,
                         const std::function<bool()>& cancelled,
                         const std::function<bool(const pb::SubscribeResponse&)>& write,
                         const InboxScope& scope = InboxScope());

 private:
  // A checked MarkRead request.
  struct MarkReadSelection {
    std::string inbox;
    std::vector<std::string> ids;            // the named notifications, or
    std::optional<absl::Time> fired_before;  // every one fired before this
  };
  static absl::StatusOr<MarkReadSelection> CheckMarkRead(const pb::MarkReadRequest& request);

  NotificationStore* store_;
  DeliveryHub* hub_;
  const civil::Clock* clock_;
  NotificationMetrics* metrics_;
  InboxOptions options_;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_INBOX_MANAGER_H_
