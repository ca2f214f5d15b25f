#include "services/notification/operations_manager.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/civil/proto_time.h"
#include "common/ids/page_token.h"
#include "google/protobuf/util/time_util.h"
#include "services/notification/message_builder.h"

namespace chiso::notification {
namespace {

using civil::ToTimestamp;
using google::protobuf::util::TimeUtil;

google::protobuf::Duration ToDuration(absl::Duration d) {
  return TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

// A dead letter of either source with its position in the listing: newest
// first; within one millisecond reminder letters before delivery letters,
// each kind in descending byte order of its id (the order of the queue's
// sorted set and of the database's index).
struct Candidate {
  int64_t dead_ms = 0;
  int kind = 0;  // 1 reminder, 0 delivery
  std::string id;
  pb::DeadLetter letter;
};

std::tuple<int64_t, int, const std::string&> Position(const Candidate& c) {
  return std::tie(c.dead_ms, c.kind, c.id);
}

bool NewerFirst(const Candidate& a, const Candidate& b) { return Position(a) > Position(b); }

// Page keys: "<dead ms>\n<dead letter name>".
absl::StatusOr<Candidate> ParseDeadKey(const std::string& text) {
  const absl::Status malformed = absl::InvalidArgumentError("page_token: malformed");
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('\n', 1));
  Candidate key;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &key.dead_ms)) return malformed;
  absl::StatusOr<DeadLetterRef> ref = ParseDeadLetterName("page_token", parts[1]);
  if (!ref.ok()) return malformed;
  key.kind = ref->kind == DeadLetterRef::Kind::kReminder ? 1 : 0;
  key.id = ref->id;
  return key;
}

// The notification a queued payload would have become; only the reminder id
// when the payload cannot be decoded.
pb::Notification FromPayload(const std::string& id, const std::string& bytes,
                             const calendar::WorkingCalendar& calendar) {
  pb::ReminderPayload payload;
  if (!payload.ParseFromString(bytes)) {
    pb::Notification n;
    n.set_reminder_id(id);
    return n;
  }
  pb::Notification n = BuildNotification(payload, calendar);
  if (n.reminder_id().empty()) n.set_reminder_id(id);
  return n;
}

// Page keys of pending reminders: "<fire ms>\n<reminder id>".
std::string PendingKey(const reminders::PendingPosition& at) {
  return absl::StrCat(at.fire_at_ms, "\n", at.id);
}

absl::StatusOr<reminders::PendingPosition> ParsePendingKey(const std::string& text) {
  const absl::Status malformed = absl::InvalidArgumentError("page_token: malformed");
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits('\n', 1));
  reminders::PendingPosition at;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &at.fire_at_ms) || at.fire_at_ms < 0 ||
      parts[1].empty() || !CheckReminderIdPrefix("page_token", parts[1]).ok()) {
    return malformed;
  }
  at.id = std::move(parts[1]);
  return at;
}

// A queued reminder as listed: what its payload says, and where it stands in
// the queue. Only the queue's part when the payload cannot be decoded.
pb::PendingReminder ToPendingReminder(const reminders::PendingReminder& queued) {
  pb::PendingReminder out;
  pb::ReminderPayload payload;
  if (payload.ParseFromString(queued.payload)) {
    out.set_kind(KindOf(payload));
    out.set_rule(payload.rule());
    out.set_task(payload.task());
    out.set_plan(payload.plan());
    if (payload.has_due_date()) *out.mutable_due_date() = payload.due_date();
    *out.mutable_recipients() = payload.recipients();
    for (pb::Recipient& r : *out.mutable_recipients()) r.clear_read_time();
    out.set_subject(payload.subject());
    out.set_lead_unit_display_name(payload.lead_unit_display_name());
  }
  out.set_reminder_id(queued.id);
  *out.mutable_fire_time() = ToTimestamp(absl::FromUnixMillis(queued.fire_at_ms));
  *out.mutable_scheduled_fire_time() =
      ToTimestamp(absl::FromUnixMillis(queued.scheduled_fire_at_ms));
  out.set_attempts(static_cast<int32_t>(queued.attempts));
  return out;
}

// A reminder the queue dead-lettered, as listed.
pb::DeadLetter ReminderLetter(const reminders::DeadLetter& d,
                              const calendar::WorkingCalendar& calendar) {
  pb::DeadLetter letter;
  letter.set_name(DeadLetterName({DeadLetterRef::Kind::kReminder, d.id}));
  letter.set_reminder_id(d.id);
  *letter.mutable_notification() = FromPayload(d.id, d.payload, calendar);
  letter.set_attempts(static_cast<int32_t>(d.attempts));
  letter.set_last_error(d.last_error);
  *letter.mutable_dead_time() = ToTimestamp(absl::FromUnixMillis(d.dead_at_ms));
  return letter;
}

// A webhook delivery that failed every attempt, as listed.
pb::DeadLetter DeliveryLetter(DeadDelivery d) {
  pb::DeadLetter letter;
  letter.set_name(DeadLetterName({DeadLetterRef::Kind::kDelivery, d.id}));
  letter.set_reminder_id(d.notification.reminder_id());
  letter.set_webhook(WebhookName(d.webhook_id));
  for (pb::Recipient& r : *d.notification.mutable_recipients()) r.clear_read_time();
  *letter.mutable_notification() = std::move(d.notification);
  letter.set_attempts(d.attempts);
  letter.set_last_error(d.last_error);
  *letter.mutable_dead_time() = ToTimestamp(absl::FromUnixMillis(d.dead_ms));
  return letter;
}

// How many dead reminders sharing a reminder id as prefix are read to find
// one by its id (ids that extend it, "overdue-1" → "overdue-10", are few).
constexpr int kDeadLookup = 100;

}  // namespace

OperationsManager::OperationsManager(QueueAdmin* queue, NotificationStore* store,
                                     const LatenessWindow* lateness,
                                     const calendar::WorkingCalendar* calendar,
                                     const civil::Clock* clock, std::function<void()> on_retry)
    : queue_(queue),
      store_(store),
      lateness_(lateness),
      calendar_(calendar),
      clock_(clock),
      on_retry_(std::move(on_retry)) {}

absl::StatusOr<pb::QueueStats> OperationsManager::GetQueueStats(
    const pb::GetQueueStatsRequest& request) {
  absl::StatusOr<absl::Duration> window = CheckDuration("window", request.window());
  if (!window.ok()) return window.status();
  if (*window < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("window: must not be negative");
  }
  if (*window == absl::ZeroDuration()) *window = absl::Minutes(5);
  *window = std::min(*window, absl::Hours(1));
  absl::StatusOr<reminders::Stats> stats = queue_->GetStats();
  if (!stats.ok()) return stats.status();
  pb::QueueStats out;
  out.set_due_count(stats->due);
  out.set_ready_count(stats->ready);
  out.set_leased_count(stats->leased);
  out.set_dead_count(stats->dead);
  *out.mutable_oldest_due_age() =
      ToDuration(absl::Milliseconds(std::max<int64_t>(0, stats->oldest_ready_age_ms)));
  out.set_epoch(stats->epoch);
  *out.mutable_server_time() = ToTimestamp(absl::FromUnixMillis(stats->now_ms));
  const LatenessSummary summary = lateness_->Summarize(clock_->Now(), *window);
  pb::LatenessStats* lateness = out.mutable_lateness();
  *lateness->mutable_window() = ToDuration(*window);
  lateness->set_delivered_count(summary.count);
  *lateness->mutable_p50() = ToDuration(summary.p50);
  *lateness->mutable_p99() = ToDuration(summary.p99);
  *lateness->mutable_max() = ToDuration(summary.max);
  return out;
}

absl::StatusOr<pb::ListPendingRemindersResponse> OperationsManager::ListPendingReminders(
    const pb::ListPendingRemindersRequest& request, const InboxScope& scope) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const pb::PendingReminderFilter& filter = request.filter();
  if (!filter.plan().empty()) {
    absl::StatusOr<std::string> id = ParseName("filter.plan", kPlans, filter.plan());
    if (!id.ok()) return id.status();
  }
  if (absl::Status s =
          CheckReminderIdPrefix("filter.reminder_id_prefix", filter.reminder_id_prefix());
      !s.ok()) {
    return s;
  }
  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  reminders::PendingQuery query;
  query.limit = *size;
  query.id_prefix = filter.reminder_id_prefix();
  query.plan = filter.plan();
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    absl::StatusOr<reminders::PendingPosition> after = ParsePendingKey(*key);
    if (!after.ok()) return after.status();
    query.after = *std::move(after);
  }
  absl::StatusOr<reminders::PendingPage> page = queue_->Pending(query);
  if (!page.ok()) return page.status();
  pb::ListPendingRemindersResponse response;
  for (const reminders::PendingReminder& queued : page->items) {
    pb::PendingReminder reminder = ToPendingReminder(queued);
    // The page token follows the queue, so leaving reminders out keeps
    // paging exact.
    if (!AnyRecipientInScope(scope, reminder.recipients())) continue;
    *response.add_reminders() = std::move(reminder);
  }
  if (page->next.has_value()) {
    response.set_next_page_token(EncodePageToken(fingerprint, PendingKey(*page->next)));
  }
  return response;
}

absl::StatusOr<pb::ListDeadLettersResponse> OperationsManager::ListDeadLetters(
    const pb::ListDeadLettersRequest& request) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  const pb::DeadLetterFilter& filter = request.filter();
  std::string webhook_id;
  if (!filter.webhook().empty()) {
    absl::StatusOr<std::string> id = ParseName("filter.webhook", kWebhooks, filter.webhook());
    if (!id.ok()) return id.status();
    webhook_id = *std::move(id);
  }
  if (static_cast<int>(filter.reminder_id_prefix().size()) > kMaxReminderIdPrefixBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.reminder_id_prefix: at most ", kMaxReminderIdPrefixBytes, " bytes"));
  }
  int64_t dead_after_ms = INT64_MIN;
  if (filter.has_dead_after()) {
    absl::StatusOr<absl::Time> t = CheckTimestamp("filter.dead_after", filter.dead_after());
    if (!t.ok()) return t.status();
    dead_after_ms = absl::ToUnixMillis(*t);
  }
  const std::string fingerprint = Fingerprint(filter.SerializeAsString());
  std::optional<Candidate> after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> key = DecodePageToken(request.page_token(), fingerprint);
    if (!key.ok()) return key.status();
    absl::StatusOr<Candidate> parsed = ParseDeadKey(*key);
    if (!parsed.ok()) return parsed.status();
    after = *std::move(parsed);
  }
  auto wanted = [&](const Candidate& c) {
    return c.dead_ms >= dead_after_ms && (!after.has_value() || Position(c) < Position(*after));
  };
  const int fetch = *size + 1;
  std::vector<Candidate> candidates;

  // Reminders dead-lettered by the queue have no webhook.
  if (webhook_id.empty()) {
    int64_t before_ms = 0;
    std::string before_id;
    if (after.has_value()) {
      before_ms = after->dead_ms;
      // After a delivery letter, every reminder letter of its millisecond
      // came before it: only older ones are left.
      if (after->kind == 1) before_id = after->id;
    }
    absl::StatusOr<std::vector<reminders::DeadLetter>> dead =
        queue_->ListDead(fetch, filter.reminder_id_prefix(), before_ms, before_id);
    if (!dead.ok()) return dead.status();
    for (const reminders::DeadLetter& d : *dead) {
      Candidate c;
      c.dead_ms = d.dead_at_ms;
      c.kind = 1;
      c.id = d.id;
      c.letter = ReminderLetter(d, *calendar_);
      if (wanted(c)) candidates.push_back(std::move(c));
    }
  }

  DeadDeliveryQuery query;
  query.webhook_id = webhook_id;
  query.reminder_id_prefix = filter.reminder_id_prefix();
  query.dead_after_ms = dead_after_ms;
  query.limit = fetch;
  if (after.has_value()) {
    // After a reminder letter every delivery letter of its millisecond is
    // still to come ('~' sorts after every id character).
    query.before = std::make_pair(after->dead_ms, after->kind == 0 ? after->id : std::string("~"));
  }
  absl::StatusOr<std::vector<DeadDelivery>> deliveries = store_->ListDeadDeliveries(query);
  if (!deliveries.ok()) return deliveries.status();
  for (DeadDelivery& d : *deliveries) {
    Candidate c;
    c.dead_ms = d.dead_ms;
    c.kind = 0;
    c.id = d.id;
    c.letter = DeliveryLetter(std::move(d));
    if (wanted(c)) candidates.push_back(std::move(c));
  }

  std::sort(candidates.begin(), candidates.end(), NewerFirst);
  pb::ListDeadLettersResponse response;
  for (size_t i = 0; i < candidates.size() && static_cast<int>(i) < *size; ++i) {
    *response.add_dead_letters() = std::move(candidates[i].letter);
  }
  if (static_cast<int>(candidates.size()) > *size) {
    const int64_t last_ms = candidates[*size - 1].dead_ms;
    response.set_next_page_token(EncodePageToken(
        fingerprint, absl::StrCat(last_ms, "\n", response.dead_letters(*size - 1).name())));
  }
  return response;
}

absl::StatusOr<std::string> OperationsManager::StoredDeadLetter(const DeadLetterRef& ref) {
  if (ref.kind == DeadLetterRef::Kind::kDelivery) {
    absl::StatusOr<DeadDelivery> d = store_->GetDeadDelivery(ref.id);
    if (!d.ok()) return audit::Before(absl::StatusOr<pb::DeadLetter>(d.status()));
    return audit::Serialize(DeliveryLetter(*std::move(d)));
  }
  absl::StatusOr<std::vector<reminders::DeadLetter>> dead =
      queue_->ListDead(kDeadLookup, ref.id, 0, "");
  // An id the queue cannot even hold was never dead-lettered there.
  if (absl::IsInvalidArgument(dead.status())) return std::string();
  if (!dead.ok()) return dead.status();
  for (const reminders::DeadLetter& d : *dead) {
    if (d.id == ref.id) return audit::Serialize(ReminderLetter(d, *calendar_));
  }
  return std::string();
}

absl::StatusOr<pb::RetryDeadLetterResponse> OperationsManager::RetryDeadLetter(
    const pb::RetryDeadLetterRequest& request, audit::AuditLog* audit, const auth::Caller& caller) {
  absl::StatusOr<DeadLetterRef> ref = ParseDeadLetterName("name", request.name());
  if (!ref.ok()) return ref.status();
  const absl::Time now = clock_->Now();
  absl::Time at = now;
  if (request.has_fire_time()) {
    absl::StatusOr<absl::Time> t = CheckTimestamp("fire_time", request.fire_time());
    if (!t.ok()) return t.status();
    if (*t > now + absl::Hours(24 * 30)) {
      return absl::InvalidArgumentError("fire_time: at most 30 days ahead");
    }
    at = std::max(*t, now);
  }
  pb::RetryDeadLetterResponse response;
  *response.mutable_fire_time() = ToTimestamp(at);
  // The retry, as the audited change: the dead letter is gone afterwards.
  auto retry = [&]() -> absl::StatusOr<audit::Change> {
    if (ref->kind == DeadLetterRef::Kind::kReminder) {
      if (absl::Status s = queue_->Requeue(ref->id, absl::ToUnixMillis(at)); !s.ok()) {
        // An id the queue cannot even hold was never dead-lettered there.
        if (absl::IsNotFound(s) || absl::IsInvalidArgument(s)) {
          return absl::NotFoundError(
              absl::StrCat(request.name(), " not found (perhaps already retried)"));
        }
        return s;
      }
      response.set_reminder_id(ref->id);
    } else {
      absl::StatusOr<DeadDelivery> retried = store_->RetryDeadDelivery(ref->id, at);
      if (!retried.ok()) return retried.status();
      response.set_reminder_id(retried->notification.reminder_id());
      response.set_webhook(WebhookName(retried->webhook_id));
    }
    return audit::Change{request.name(), std::string()};
  };
  const absl::Status status =
      audit == nullptr ? retry().status()
                       : audit->Record(
                             caller, request.name(), [&] { return StoredDeadLetter(*ref); }, retry);
  if (!status.ok()) return status;
  // After the commit, so the sender finds the delivery when it looks.
  if (ref->kind == DeadLetterRef::Kind::kDelivery && on_retry_) on_retry_();
  return response;
}

}  // namespace chiso::notification
