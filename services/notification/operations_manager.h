#ifndef CHISO_SERVICES_NOTIFICATION_OPERATIONS_MANAGER_H_
#define CHISO_SERVICES_NOTIFICATION_OPERATIONS_MANAGER_H_

// The operator methods of the notification service: the queue's statistics,
// the reminders waiting in it, and the dead letters of both kinds under one
// name space (see
// DeadLetterRef): reminders the queue dead-lettered, kept in Redis, and
// webhook deliveries that failed every attempt, kept in this service's
// database. Methods that need Redis answer Unavailable while it cannot be
// reached; those that do not (a listing filtered by webhook, retrying a
// webhook delivery) keep working.

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chiso/notification/v1/notification_service.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "common/calendar/working_calendar.h"
#include "common/civil/clock.h"
#include "services/notification/lateness_window.h"
#include "services/notification/notification_access.h"
#include "services/notification/notification_store.h"
#include "services/notification/queue_admin.h"

namespace chiso::notification {

class OperationsManager {
 public:
  // None of the pointers is owned; all must outlive the manager.
  // `on_retry` (may be empty) is called after a webhook delivery is put back
  // in the outbox, to wake the sender.
  OperationsManager(QueueAdmin* queue, NotificationStore* store, const LatenessWindow* lateness,
                    const calendar::WorkingCalendar* calendar, const civil::Clock* clock,
                    std::function<void()> on_retry = nullptr);

  // Errors: InvalidArgument for a bad window; Unavailable.
  absl::StatusOr<pb::QueueStats> GetQueueStats(const pb::GetQueueStatsRequest& request);
  // The reminders waiting in the queue, soonest first; a page holds what one
  // bounded read of the queue found (see reminders::Queue::Pending), so it
  // may be short or empty and still have a next page token. Errors:
  // InvalidArgument for a bad page size, page token (or one issued for
  // another filter), filter.plan or filter.reminder_id_prefix; Unavailable.
  // With a restricted `scope`, only reminders with a recipient in it are
  // listed (pages may be shorter still).
  absl::StatusOr<pb::ListPendingRemindersResponse> ListPendingReminders(
      const pb::ListPendingRemindersRequest& request, const InboxScope& scope = InboxScope());
  // Errors: InvalidArgument for a bad page size, page token or filter;
  // Unavailable.
  absl::StatusOr<pb::ListDeadLettersResponse> ListDeadLetters(
      const pb::ListDeadLettersRequest& request);
  // Errors: InvalidArgument for a bad name or a fire time more than 30 days
  // ahead; NotFound when there is no such dead letter; Unavailable.
  // With `audit`, the retry records one event for `caller` (before: the dead
  // letter as it was; after: none, it is gone) in the same transaction as a
  // webhook delivery's retry; a reminder is requeued in Redis inside that
  // transaction, so a failed requeue leaves no event.
  absl::StatusOr<pb::RetryDeadLetterResponse> RetryDeadLetter(
      const pb::RetryDeadLetterRequest& request, audit::AuditLog* audit = nullptr,
      const auth::Caller& caller = auth::AnonymousCaller());

 private:
  // The dead letter `ref` as stored, serialized; "" when there is none.
  absl::StatusOr<std::string> StoredDeadLetter(const DeadLetterRef& ref);

  QueueAdmin* queue_;
  NotificationStore* store_;
  const LatenessWindow* lateness_;
  const calendar::WorkingCalendar* calendar_;
  const civil::Clock* clock_;
  std::function<void()> on_retry_;
};

}  // namespace chiso::notification

#endif  // CHISO_SERVICES_NOTIFICATION_OPERATIONS_MANAGER_H_
