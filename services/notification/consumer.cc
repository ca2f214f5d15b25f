#include "services/notification/consumer.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/reminders/policy.h"
#include "google/protobuf/util/time_util.h"
#include "services/notification/message_builder.h"

namespace chiso::notification {
namespace {

using google::protobuf::util::TimeUtil;

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace

ReminderConsumer::ReminderConsumer(NotificationStore* store, DeliveryHub* hub,
                                   const calendar::WorkingCalendar* calendar,
                                   const civil::Clock* clock, NotificationMetrics* metrics,
                                   LatenessWindow* lateness, std::function<void()> on_webhook_work,
                                   ConsumerOptions options)
    : store_(store),
      hub_(hub),
      calendar_(calendar),
      clock_(clock),
      metrics_(metrics),
      lateness_(lateness),
      on_webhook_work_(std::move(on_webhook_work)),
      options_(options) {}

reminders::BatchHandler ReminderConsumer::AsHandler() {
  return [this](const std::vector<reminders::Claimed>& batch) { return Handle(batch); };
}

std::vector<reminders::Outcome> ReminderConsumer::Handle(
    const std::vector<reminders::Claimed>& batch) {
  std::vector<reminders::Outcome> outcomes(batch.size());
  // Items whose payload decoded, with their index in the batch.
  std::vector<size_t> index;
  std::vector<pb::ReminderPayload> payloads;
  std::vector<pb::Notification> built;
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::StatusOr<pb::ReminderPayload> payload = reminders::ParsePayload(batch[i].payload);
    if (!payload.ok()) {
      outcomes[i].kind = reminders::Outcome::Kind::kDead;
      outcomes[i].error = absl::StrCat("payload: ", payload.status().message());
      continue;
    }
    if (payload->reminder_id() != batch[i].id) {
      outcomes[i].kind = reminders::Outcome::Kind::kDead;
      outcomes[i].error = absl::StrCat("payload: reminder_id \"", payload->reminder_id(),
                                       "\" is not the queue's id \"", batch[i].id, "\"");
      continue;
    }
    index.push_back(i);
    built.push_back(BuildNotification(*payload, *calendar_));
    payloads.push_back(*std::move(payload));
  }
  if (built.empty()) return outcomes;

  const absl::Duration threshold = options_.late_threshold;
  auto stamp = [threshold](pb::Notification& n) {
    const absl::Duration lateness =
        std::max(absl::ZeroDuration(), ToTime(n.deliver_time()) - ToTime(n.fire_time()));
    *n.mutable_lateness() = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(lateness));
    n.set_late(lateness > threshold);
  };
  // One transaction for the batch (one disk sync); should it fail, each
  // reminder is tried alone, so one that cannot be stored does not hold back
  // the others.
  std::vector<absl::StatusOr<Delivered>> results(built.size(), absl::InternalError("not stored"));
  absl::StatusOr<std::vector<Delivered>> all = store_->Deliver(built, stamp);
  if (all.ok()) {
    for (size_t k = 0; k < built.size(); ++k) results[k] = std::move((*all)[k]);
  } else {
    log::Warning(
        "batch not stored; storing one by one",
        {{"size", static_cast<int64_t>(built.size())}, {"error", all.status().ToString()}});
    for (size_t k = 0; k < built.size(); ++k) {
      absl::StatusOr<std::vector<Delivered>> one = store_->Deliver({built[k]}, stamp);
      if (one.ok()) {
        results[k] = std::move(one->front());
      } else {
        results[k] = one.status();
      }
    }
  }

  const absl::Time now = clock_->Now();
  int64_t last_seq = 0;
  bool webhook_work = false;
  for (size_t k = 0; k < built.size(); ++k) {
    reminders::Outcome& outcome = outcomes[index[k]];
    const absl::StatusOr<Delivered>& result = results[k];
    if (!result.ok()) {
      outcome.kind = reminders::Outcome::Kind::kRetry;
      outcome.error = absl::StrCat("inbox store: ", result.status().message());
      if (metrics_ != nullptr) {
        metrics_->Delivered(NotificationMetrics::Channel::kInbox,
                            NotificationMetrics::Result::kError);
      }
      continue;
    }
    if (!result->duplicate) {
      last_seq = std::max(last_seq, result->seq);
      webhook_work = webhook_work || result->webhook_deliveries > 0;
      const absl::Duration lateness =
          TimeUtil::DurationToNanoseconds(result->notification.lateness()) * absl::Nanoseconds(1);
      if (metrics_ != nullptr) metrics_->ObserveLateness(lateness);
      if (lateness_ != nullptr) {
        lateness_->Add(ToTime(result->notification.deliver_time()), lateness);
      }
      if (result->notification.late()) {
        log::Warning("reminder delivered late",
                     {{"reminder_id", result->notification.reminder_id()},
                      {"lateness_s", absl::ToDoubleSeconds(lateness)}});
      }
    }
    if (metrics_ != nullptr) {
      metrics_->Delivered(NotificationMetrics::Channel::kInbox,
                          result->duplicate ? NotificationMetrics::Result::kDuplicate
                                            : NotificationMetrics::Result::kOk);
    }
    // A redelivered link is acked like a first delivery: its chain must go
    // on even though its notification was stored before.
    outcome.kind = reminders::Outcome::Kind::kAck;
    outcome.generation = payloads[k].generation();
    std::optional<pb::ReminderPayload> next =
        reminders::NextInChainAfter(payloads[k], *calendar_, now);
    if (next.has_value()) outcome.next = reminders::ToQueueItem(*next);
  }
  if (last_seq > 0) hub_->Published(last_seq);
  if (webhook_work && on_webhook_work_) on_webhook_work_();
  return outcomes;
}

}  // namespace chiso::notification
