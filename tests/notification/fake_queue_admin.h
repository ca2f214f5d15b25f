// The reminder queue as the notification service's operator methods see it,
// in memory, for tests of the service and of chisoctl: statistics, dead
// letters and pending reminders set by the test, listed in the order and
// with the paging rules of reminders::Queue. `down` makes every call fail as
// an unreachable Redis does.
#ifndef CHISO_TESTS_NOTIFICATION_FAKE_QUEUE_ADMIN_H_
#define CHISO_TESTS_NOTIFICATION_FAKE_QUEUE_ADMIN_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/reminders/queue.h"
#include "services/notification/queue_admin.h"

namespace chiso::notification::testing {

class FakeQueueAdmin : public QueueAdmin {
 public:
  absl::Status down;
  reminders::Stats stats;
  std::vector<reminders::DeadLetter> dead;
  std::vector<std::pair<std::string, int64_t>> requeued;
  // The reminders waiting in `due`, in any order.
  std::vector<reminders::PendingReminder> pending;
  // When positive, a Pending call examines at most this many (a smaller
  // bound than the query's, to show short pages).
  int examine_at_most = 0;
  // Every query Pending was given.
  std::vector<reminders::PendingQuery> pending_queries;

  absl::StatusOr<reminders::Stats> GetStats() override {
    if (!down.ok()) return down;
    return stats;
  }

  absl::StatusOr<std::vector<reminders::DeadLetter>> ListDead(
      int limit, absl::string_view prefix, int64_t before_ms,
      absl::string_view before_id) override {
    if (!down.ok()) return down;
    std::vector<reminders::DeadLetter> out;
    for (const reminders::DeadLetter& d : dead) {
      const bool before = before_ms == 0 || d.dead_at_ms < before_ms ||
                          (!before_id.empty() && d.dead_at_ms == before_ms && d.id < before_id);
      if (absl::StartsWith(d.id, prefix) && before) out.push_back(d);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(a.dead_at_ms, a.id) > std::tie(b.dead_at_ms, b.id);
    });
    if (static_cast<int>(out.size()) > limit) out.resize(limit);
    return out;
  }

  absl::Status Requeue(absl::string_view id, int64_t fire_at_ms) override {
    if (!down.ok()) return down;
    for (auto it = dead.begin(); it != dead.end(); ++it) {
      if (it->id == id) {
        dead.erase(it);
        requeued.emplace_back(std::string(id), fire_at_ms);
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError(absl::StrCat(id, " is not dead"));
  }

  absl::StatusOr<reminders::PendingPage> Pending(const reminders::PendingQuery& query) override {
    pending_queries.push_back(query);
    if (!down.ok()) return down;
    std::vector<reminders::PendingReminder> sorted = pending;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return std::tie(a.fire_at_ms, a.id) < std::tie(b.fire_at_ms, b.id);
    });
    const int budget =
        examine_at_most > 0 ? std::min(examine_at_most, query.max_examined) : query.max_examined;
    const size_t limit = static_cast<size_t>(std::min(query.limit, 500));
    reminders::PendingPage page;
    reminders::PendingPosition last;
    for (const reminders::PendingReminder& r : sorted) {
      if (query.after.has_value() &&
          std::tie(r.fire_at_ms, r.id) <= std::tie(query.after->fire_at_ms, query.after->id)) {
        continue;
      }
      if (page.examined == budget || page.items.size() == limit) {
        page.next = last;
        break;
      }
      ++page.examined;
      last = {r.fire_at_ms, r.id};
      chiso::notification::v1::ReminderPayload payload;
      const bool plan_matches = query.plan.empty() || (payload.ParseFromString(r.payload) &&
                                                       payload.plan() == query.plan);
      if (absl::StartsWith(r.id, query.id_prefix) && plan_matches) page.items.push_back(r);
    }
    return page;
  }
};

}  // namespace chiso::notification::testing

#endif  // CHISO_TESTS_NOTIFICATION_FAKE_QUEUE_ADMIN_H_
