#include "services/notification/inbox_manager.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/civil/proto_time.h"
#include "common/ids/page_token.h"

namespace chiso::notification {
namespace {

// Page keys of listings newest fire time first: "<fire ms>\n<id>".
std::string FireKeyText(const FireKey& key) { return absl::StrCat(key.fire_ms, "\n", key.id); }

absl::StatusOr<FireKey> ParseFireKey(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('\n', 1));
  FireKey key;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &key.fire_ms) || parts[1].empty()) {
    return absl::InvalidArgumentError("page_token: malformed");
  }
  key.id = parts[1];
  return key;
}

int64_t Millis(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1000000;
}

}  // namespace

InboxManager::InboxManager(NotificationStore* store, DeliveryHub* hub, const civil::Clock* clock,
                           NotificationMetrics* metrics, InboxOptions options)
    : store_(store), hub_(hub), clock_(clock), metrics_(metrics), options_(options) {}

absl::StatusOr<pb::ListNotificationsResponse> InboxManager::ListNotifications(
    const pb::ListNotificationsRequest& request, const InboxScope& scope) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<InboxQuery> query = CheckNotificationFilter(request.filter());
  if (!query.ok()) return query.status();
  if (scope.restricted) query->scope = scope.unit;
  const std::string fingerprint = Fingerprint(request.filter().SerializeAsString());
  std::optional<FireKey> after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    absl::StatusOr<FireKey> parsed = ParseFireKey(*key);
    if (!parsed.ok()) return parsed.status();
    after = *std::move(parsed);
  }
  absl::StatusOr<NotificationPage> page = store_->ListNotifications(*query, after, *size);
  if (!page.ok()) return page.status();
  pb::ListNotificationsResponse response;
  for (pb::Notification& n : page->notifications) {
    HideReadTimesOutOfScope(scope, n);
    *response.add_notifications() = std::move(n);
  }
  if (page->more && response.notifications_size() > 0) {
    const pb::Notification& last = response.notifications(response.notifications_size() - 1);
    const FireKey key{Millis(last.fire_time()), last.name().substr(kNotifications.size())};
    response.set_next_page_token(EncodePageToken(fingerprint, FireKeyText(key)));
  }
  return response;
}

absl::StatusOr<InboxManager::MarkReadSelection> InboxManager::CheckMarkRead(
    const pb::MarkReadRequest& request) {
  MarkReadSelection selection;
  absl::StatusOr<std::string> inbox = ParseInboxName("recipient", request.recipient());
  if (!inbox.ok()) return inbox.status();
  selection.inbox = *std::move(inbox);
  switch (request.selection_case()) {
    case pb::MarkReadRequest::kNotifications: {
      const auto& names = request.notifications().names();
      if (names.empty()) {
        return absl::InvalidArgumentError("notifications.names: at least one name");
      }
      if (names.size() > kMaxMarkReadNames) {
        return absl::InvalidArgumentError(absl::StrCat(
            "notifications.names: at most ", kMaxMarkReadNames, " names (got ", names.size(), ")"));
      }
      for (int i = 0; i < names.size(); ++i) {
        absl::StatusOr<std::string> id =
            ParseName(absl::StrCat("notifications.names[", i, "]"), kNotifications, names[i]);
        if (!id.ok()) return id.status();
        if (std::find(selection.ids.begin(), selection.ids.end(), *id) == selection.ids.end()) {
          selection.ids.push_back(*std::move(id));
        }
      }
      return selection;
    }
    case pb::MarkReadRequest::kFiredBefore: {
      absl::StatusOr<absl::Time> before = CheckTimestamp("fired_before", request.fired_before());
      if (!before.ok()) return before.status();
      selection.fired_before = *before;
      return selection;
    }
    default:
      return absl::InvalidArgumentError(
          "selection: required (notifications, or fired_before to mark all as read)");
  }
}

absl::StatusOr<std::string> InboxManager::ReadState(const pb::MarkReadRequest& request) {
  absl::StatusOr<MarkReadSelection> selection = CheckMarkRead(request);
  if (!selection.ok()) return std::string();
  std::optional<int64_t> before_ms;
  if (selection->fired_before.has_value()) {
    before_ms = absl::ToUnixMillis(*selection->fired_before);
  }
  return store_->ReadState(selection->inbox, selection->ids, before_ms);
}

absl::StatusOr<pb::MarkReadResponse> InboxManager::MarkRead(const pb::MarkReadRequest& request,
                                                            const InboxScope& scope) {
  absl::StatusOr<MarkReadSelection> selection = CheckMarkRead(request);
  if (!selection.ok()) return selection.status();
  if (!OwnsInbox(scope, selection->inbox)) {
    // In scope (readable) but not the caller's: denied; otherwise it is
    // answered as an inbox that does not exist.
    absl::StatusOr<bool> visible = store_->InboxInScope(selection->inbox, scope.unit);
    if (!visible.ok()) return visible.status();
    if (*visible && !scope.unit.empty()) return MarkReadNotOwnInbox(scope, selection->inbox);
    return InboxNotFound(selection->inbox);
  }
  absl::StatusOr<int> marked =
      selection->fired_before.has_value()
          ? store_->MarkReadFiredBefore(selection->inbox, *selection->fired_before)
          : store_->MarkRead(selection->inbox, selection->ids);
  if (!marked.ok()) return marked.status();
  pb::MarkReadResponse response;
  response.set_marked_count(*marked);
  return response;
}

absl::Status InboxManager::Subscribe(const pb::SubscribeRequest& request,
                                     const std::function<bool()>& cancelled,
                                     const std::function<bool(const pb::SubscribeResponse&)>& write,
                                     const InboxScope& scope) {
  const pb::DeliveryFilter& filter = request.filter();
  if (absl::Status s = CheckDeliveryFilter("filter", filter); !s.ok()) return s;
  absl::StatusOr<absl::Duration> heartbeat = HeartbeatInterval(request.heartbeat_interval());
  if (!heartbeat.ok()) return heartbeat.status();
  const absl::Status shutting_down =
      absl::UnavailableError("the service is shutting down; reconnect with the last cursor");
  if (hub_->shutting_down()) return shutting_down;

  const absl::Time now = clock_->Now();
  const std::string retention = absl::FormatDuration(options_.retention);
  absl::StatusOr<int64_t> last = store_->LastSeq();
  if (!last.ok()) return last.status();
  int64_t position = *last;
  switch (request.start_case()) {
    case pb::SubscribeRequest::kCursor: {
      absl::StatusOr<Cursor> cursor = DecodeCursor(request.cursor());
      if (!cursor.ok()) return cursor.status();
      if (cursor->issued < now - options_.retention) {
        return absl::OutOfRangeError(
            absl::StrCat("cursor: older than the delivery log's retention (", retention,
                         "); subscribe again with `since` or without a start, and catch up with "
                         "ListNotifications"));
      }
      if (cursor->seq > *last) {
        return absl::InvalidArgumentError(
            "cursor: ahead of the delivery log (was it issued by another deployment?)");
      }
      position = cursor->seq;
      break;
    }
    case pb::SubscribeRequest::kSince: {
      absl::StatusOr<absl::Time> since = CheckTimestamp("since", request.since());
      if (!since.ok()) return since.status();
      if (*since > now) return absl::InvalidArgumentError("since: in the future");
      if (*since < now - options_.retention) {
        return absl::OutOfRangeError(
            absl::StrCat("since: older than the delivery log's retention (", retention, ")"));
      }
      absl::StatusOr<int64_t> before = store_->SeqBefore(*since);
      if (!before.ok()) return before.status();
      position = *before;
      break;
    }
    default:
      break;
  }

  absl::Time last_sent = clock_->Now();
  pb::SubscribeResponse event;
  while (true) {
    if (cancelled && cancelled()) return absl::CancelledError("the client went away");
    absl::StatusOr<std::vector<LogEntry>> entries =
        store_->ReadLog(position, options_.replay_batch);
    if (!entries.ok()) return entries.status();
    for (LogEntry& entry : *entries) {
      position = entry.seq;
      if (!MatchesInScope(filter, scope, entry.notification)) continue;
      if (hub_->shutting_down()) return shutting_down;
      event.Clear();
      const absl::Time delivered =
          absl::FromUnixSeconds(entry.notification.deliver_time().seconds()) +
          absl::Nanoseconds(entry.notification.deliver_time().nanos());
      event.set_cursor(EncodeCursor({entry.seq, delivered}));
      *event.mutable_notification() = std::move(entry.notification);
      // Before the write: once the client has the event, the heartbeat
      // interval already counts from it.
      last_sent = clock_->Now();
      if (!write(event)) {
        if (metrics_ != nullptr) {
          metrics_->Delivered(NotificationMetrics::Channel::kStream,
                              NotificationMetrics::Result::kError);
        }
        return absl::CancelledError("the client went away");
      }
      if (metrics_ != nullptr) {
        metrics_->Delivered(NotificationMetrics::Channel::kStream,
                            NotificationMetrics::Result::kOk);
      }
    }
    if (static_cast<int>(entries->size()) == options_.replay_batch) continue;

    const absl::Duration until_heartbeat = last_sent + *heartbeat - clock_->Now();
    const DeliveryHub::Wake wake = hub_->WaitBeyond(
        position, std::max(absl::ZeroDuration(), std::min(until_heartbeat, options_.cancel_poll)));
    if (wake == DeliveryHub::Wake::kShutdown) return shutting_down;
    if (wake == DeliveryHub::Wake::kGrown) continue;
    const absl::Time t = clock_->Now();
    if (t - last_sent >= *heartbeat) {
      event.Clear();
      *event.mutable_heartbeat()->mutable_server_time() = civil::ToTimestamp(t);
      event.set_cursor(EncodeCursor({position, t}));
      last_sent = t;
      if (!write(event)) return absl::CancelledError("the client went away");
    }
  }
}

}  // namespace chiso::notification
