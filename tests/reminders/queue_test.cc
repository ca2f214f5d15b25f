// The reminder queue against a private redis-server. Times come from Redis's
// own clock (Stats.now_ms), as the scripts use it.
#include "common/reminders/queue.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/redis_server.h"

namespace chiso::reminders {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Item At(const std::string& id, int64_t fire_at_ms, const std::string& payload = "payload") {
  Item item;
  item.id = id;
  item.fire_at_ms = fire_at_ms;
  item.payload = payload;
  return item;
}

Ack AckOf(const Claimed& c, std::string generation = "") {
  Ack ack;
  ack.id = c.id;
  ack.attempt = c.attempt;
  ack.generation = std::move(generation);
  return ack;
}

Nack NackOf(const Claimed& c, std::string error, bool permanent = false) {
  Nack nack;
  nack.id = c.id;
  nack.attempt = c.attempt;
  nack.error = std::move(error);
  nack.permanent = permanent;
  return nack;
}

std::vector<std::string> Ids(const std::vector<Claimed>& items) {
  std::vector<std::string> ids;
  for (const Claimed& c : items) ids.push_back(c.id);
  return ids;
}

TEST(OwnerOfTest, TakesKindAndOwnerId) {
  absl::StatusOr<std::string> owner = OwnerOf("task/01HV3K/2024-04-30/before-7d");
  ASSERT_TRUE(owner.ok()) << owner.status();
  EXPECT_EQ(*owner, "task/01HV3K");
  EXPECT_EQ(*OwnerOf("plan/60-KH/2025-03-25/report-5wd"), "plan/60-KH");
}

TEST(OwnerOfTest, NamesThePartThatIsWrong) {
  struct Case {
    const char* id;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{{"task/1/2024-04-30", "3 segments"},
                                         {"Task/1/2024-04-30/due", "kind"},
                                         {"task//2024-04-30/due", "owner id"},
                                         {"task/a b/2024-04-30/due", "owner id"},
                                         {"task/1/30-04-2024/due", "YYYY-MM-DD"},
                                         {"task/1/2024-13-01/due", "YYYY-MM-DD"},
                                         {"task/1/2024-04-30/Due!", "rule"}}) {
    absl::StatusOr<std::string> owner = OwnerOf(c.id);
    ASSERT_FALSE(owner.ok()) << c.id;
    EXPECT_EQ(owner.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(owner.status().message()), HasSubstr(c.why)) << c.id;
  }
}

TEST(MaxRetryDelayTest, DoublesFromTheBaseUpToTheCap) {
  QueueOptions options;
  options.backoff_base = absl::Seconds(1);
  options.backoff_cap = absl::Seconds(5);
  EXPECT_EQ(MaxRetryDelay(options, 1), absl::Seconds(1));
  EXPECT_EQ(MaxRetryDelay(options, 2), absl::Seconds(2));
  EXPECT_EQ(MaxRetryDelay(options, 3), absl::Seconds(4));
  EXPECT_EQ(MaxRetryDelay(options, 4), absl::Seconds(5));
  EXPECT_EQ(MaxRetryDelay(options, 1000), absl::Seconds(5));
}

class QueueTest : public ::testing::Test {
 protected:
  void SetUp() override { CHISO_START_REDIS_OR_SKIP(redis_); }

  std::unique_ptr<Queue> MakeQueue(QueueOptions options = {}) {
    return std::make_unique<Queue>(redis_.endpoint(), std::move(options));
  }

  int64_t Now(Queue& q) {
    absl::StatusOr<Stats> stats = q.GetStats();
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? stats->now_ms : 0;
  }

  // Waits until Redis's clock reaches `t`.
  void WaitUntil(Queue& q, int64_t t) {
    while (Now(q) < t) absl::SleepFor(absl::Milliseconds(10));
  }

  // Claims until something comes (a retry's delay is random), at most 10 s.
  ClaimResult ClaimSome(Queue& q, int limit = 10) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (true) {
      absl::StatusOr<ClaimResult> r = q.Claim(limit);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok() || !r->items.empty() || absl::Now() > deadline)
        return r.ok() ? *r : ClaimResult();
      absl::SleepFor(absl::Milliseconds(5));
    }
  }

  std::optional<std::string> ZScore(const std::string& key, const std::string& member) {
    redis::Connection conn(redis_.endpoint());
    absl::StatusOr<redis::Reply> r = conn.Command({"ZSCORE", key, member});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->is_nil()) return std::nullopt;
    return r->str;
  }

  test_support::RedisServer redis_;
};

TEST_F(QueueTest, NotClaimableBeforeItsFireTimeAndClaimableAfter) {
  auto q = MakeQueue();
  const int64_t fire = Now(*q) + 400;
  absl::StatusOr<ScheduleResult> s = q->Schedule({At("task/1/2025-07-04/due", fire, "hello")});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->scheduled, 1);

  absl::StatusOr<ClaimResult> early = q->Claim(10);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_THAT(early->items, IsEmpty());
  ASSERT_TRUE(early->next_fire_ms.has_value());
  EXPECT_EQ(*early->next_fire_ms, fire);
  EXPECT_LT(early->now_ms, fire);

  WaitUntil(*q, fire);
  absl::StatusOr<ClaimResult> late = q->Claim(10);
  ASSERT_TRUE(late.ok()) << late.status();
  ASSERT_EQ(late->items.size(), 1u);
  EXPECT_EQ(late->items[0].id, "task/1/2025-07-04/due");
  EXPECT_EQ(late->items[0].fire_at_ms, fire);
  EXPECT_EQ(late->items[0].attempt, 1);
  EXPECT_EQ(late->items[0].payload, "hello");
  EXPECT_GE(late->now_ms, fire);

  absl::StatusOr<Stats> stats = q->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->due, 0);
  EXPECT_EQ(stats->leased, 1);
}

TEST_F(QueueTest, SchedulingTwiceDeliversOnce) {
  auto q = MakeQueue();
  const int64_t now = Now(*q);
  const std::string id = "task/2/2025-07-04/before-1d";
  ASSERT_TRUE(q->Schedule({At(id, now - 10), At(id, now - 10)}).ok());
  ASSERT_TRUE(q->Schedule({At(id, now - 10)}).ok());
  absl::StatusOr<ClaimResult> first = q->Claim(10);
  ASSERT_TRUE(first.ok());
  ASSERT_THAT(Ids(first->items), ElementsAre(id));
  // Leased: another schedule (a reconciler) is skipped.
  absl::StatusOr<ScheduleResult> again = q->Schedule({At(id, now - 10)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->skipped, 1);
  absl::StatusOr<ClaimResult> second = q->Claim(10);
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(second->items, IsEmpty());
}

TEST_F(QueueTest, MovingAPendingReminderChangesItsFireTime) {
  auto q = MakeQueue();
  const int64_t now = Now(*q);
  const std::string id = "task/2/2025-07-04/due";
  ASSERT_TRUE(q->Schedule({At(id, now + 60'000)}).ok());
  absl::StatusOr<ScheduleResult> moved = q->Schedule({At(id, now - 1, "new payload")});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->scheduled, 1);
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->items.size(), 1u);
  EXPECT_EQ(c->items[0].fire_at_ms, now - 1);
  EXPECT_EQ(c->items[0].payload, "new payload");
}

TEST_F(QueueTest, TombstonesBlockReschedulingDeliveredAndCancelledIds) {
  auto q = MakeQueue();
  const int64_t now = Now(*q);
  const std::string delivered = "task/3/2025-07-04/due";
  const std::string cancelled = "task/3/2025-07-04/before-1d";
  ASSERT_TRUE(q->Schedule({At(delivered, now - 5), At(cancelled, now + 60'000)}).ok());
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->items.size(), 1u);
  absl::StatusOr<std::vector<Settle>> settled = q->Settle({AckOf(c->items[0])}, {});
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_THAT(*settled, ElementsAre(Settle::kDone));
  absl::StatusOr<int> n = q->Cancel({cancelled});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);

  absl::StatusOr<ScheduleResult> again =
      q->Schedule({At(delivered, now - 5), At(cancelled, now - 5)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->scheduled, 0);
  EXPECT_EQ(again->skipped, 2);
  absl::StatusOr<ClaimResult> none = q->Claim(10);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->items, IsEmpty());
  EXPECT_FALSE(none->next_fire_ms.has_value());
}

TEST_F(QueueTest, TombstonesAreForgottenAfterTheRetention) {
  QueueOptions options;
  options.tombstone_retention = absl::Milliseconds(200);
  auto q = MakeQueue(options);
  const int64_t now = Now(*q);
  const std::string id = "plan/9/2025-03-25/report-1d";
  ASSERT_TRUE(q->Cancel({id}).ok());
  ASSERT_EQ(q->Schedule({At(id, now)})->skipped, 1);
  WaitUntil(*q, now + 250);
  ASSERT_TRUE(q->Claim(1).ok());  // a claim trims old tombstones
  absl::StatusOr<ScheduleResult> s = q->Schedule({At(id, now)});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->scheduled, 1);
}

TEST_F(QueueTest, AnExpiredLeaseIsRedeliveredAndTheOldAttemptIsStale) {
  QueueOptions options;
  options.lease = absl::Milliseconds(300);
  auto q = MakeQueue(options);
  const int64_t fire = Now(*q) - 1000;
  const std::string id = "task/4/2025-07-04/overdue-1";
  ASSERT_TRUE(q->Schedule({At(id, fire)}).ok());
  absl::StatusOr<ClaimResult> first = q->Claim(10);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 1u);
  EXPECT_EQ(first->items[0].attempt, 1);
  // The lease expiry is the next thing a claim has to do.
  ASSERT_TRUE(first->next_fire_ms.has_value());
  EXPECT_EQ(*first->next_fire_ms, first->now_ms + 300);

  WaitUntil(*q, first->now_ms + 301);
  absl::StatusOr<ClaimResult> second = q->Claim(10);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->reaped, 1);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].id, id);
  EXPECT_EQ(second->items[0].attempt, 2);
  EXPECT_EQ(second->items[0].fire_at_ms, fire);  // the original fire time

  absl::StatusOr<std::vector<Settle>> old = q->Settle({AckOf(first->items[0])}, {});
  ASSERT_TRUE(old.ok());
  EXPECT_THAT(*old, ElementsAre(Settle::kStale));
  absl::StatusOr<std::vector<Settle>> current = q->Settle({AckOf(second->items[0])}, {});
  ASSERT_TRUE(current.ok());
  EXPECT_THAT(*current, ElementsAre(Settle::kDone));
}

TEST_F(QueueTest, ALeaseReapedAtMaxAttemptsIsDeadLettered) {
  QueueOptions options;
  options.lease = absl::Milliseconds(100);
  options.max_attempts = 1;
  auto q = MakeQueue(options);
  const std::string id = "task/4/2025-07-04/due";
  ASSERT_TRUE(q->Schedule({At(id, Now(*q))}).ok());
  absl::StatusOr<ClaimResult> first = q->Claim(10);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 1u);
  WaitUntil(*q, first->now_ms + 101);
  absl::StatusOr<ClaimResult> second = q->Claim(10);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->reaped, 1);
  EXPECT_THAT(second->items, IsEmpty());
  absl::StatusOr<std::vector<DeadLetter>> dead = q->ListDead(10);
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].last_error, "lease expired after 1 attempts");
}

TEST_F(QueueTest, ExtendKeepsTheLeaseForItsHolderOnly) {
  QueueOptions options;
  options.lease = absl::Milliseconds(300);
  auto q = MakeQueue(options);
  ASSERT_TRUE(q->Schedule({At("task/5/2025-07-04/due", Now(*q))}).ok());
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->items.size(), 1u);
  absl::StatusOr<bool> wrong = q->Extend(c->items[0].id, 7, absl::Seconds(30));
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  absl::StatusOr<bool> held = q->Extend(c->items[0].id, c->items[0].attempt, absl::Seconds(30));
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(*held);
  WaitUntil(*q, c->now_ms + 400);
  absl::StatusOr<ClaimResult> later = q->Claim(10);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->reaped, 0);
  EXPECT_THAT(later->items, IsEmpty());
}

TEST_F(QueueTest, ANackWaitsABackoffWithinTheCap) {
  QueueOptions options;
  options.backoff_base = absl::Minutes(10);
  options.backoff_cap = absl::Hours(1);
  auto q = MakeQueue(options);
  const std::string id = "task/6/2025-07-04/due";
  ASSERT_TRUE(q->Schedule({At(id, Now(*q) - 50)}).ok());
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->items.size(), 1u);
  const int64_t before = Now(*q);
  absl::StatusOr<std::vector<Settle>> s = q->Settle({}, {NackOf(c->items[0], "smtp 451")});
  const int64_t after = Now(*q);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre(Settle::kRetried));
  std::optional<std::string> score = ZScore("{rem}:due", id);
  ASSERT_TRUE(score.has_value());
  const int64_t retry_at = std::stoll(*score);
  EXPECT_GE(retry_at, before);
  EXPECT_LE(retry_at, after + absl::ToInt64Milliseconds(absl::Minutes(10)));
  absl::StatusOr<Stats> stats = q->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->due, 1);
  EXPECT_EQ(stats->leased, 0);

  // A reconciler sending the same reminder again does not cut the backoff
  // short; a new fire time does move it.
  ASSERT_TRUE(q->Schedule({At(id, c->items[0].fire_at_ms)}).ok());
  EXPECT_EQ(ZScore("{rem}:due", id), score);
  ASSERT_TRUE(q->Schedule({At(id, before + 5)}).ok());
  EXPECT_EQ(ZScore("{rem}:due", id), absl::StrCat(before + 5));
}

TEST_F(QueueTest, NacksDeadLetterAtMaxAttemptsAndRequeueBringsThemBack) {
  QueueOptions options;
  options.max_attempts = 3;
  options.backoff_base = absl::Milliseconds(1);
  options.backoff_cap = absl::Milliseconds(1);
  auto q = MakeQueue(options);
  const std::string id = "task/7/2025-07-04/due";
  const int64_t fire = Now(*q) - 5;
  ASSERT_TRUE(q->Schedule({At(id, fire, "p7")}).ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ClaimResult c = ClaimSome(*q);
    ASSERT_EQ(c.items.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(c.items[0].attempt, attempt);
    EXPECT_EQ(c.items[0].fire_at_ms, fire);
    absl::StatusOr<std::vector<Settle>> s =
        q->Settle({}, {NackOf(c.items[0], absl::StrCat("failure ", attempt))});
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_THAT(*s, ElementsAre(attempt < 3 ? Settle::kRetried : Settle::kDeadLettered));
  }
  absl::StatusOr<ClaimResult> none = q->Claim(10);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->items, IsEmpty());

  absl::StatusOr<std::vector<DeadLetter>> dead = q->ListDead(10);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].id, id);
  EXPECT_EQ((*dead)[0].payload, "p7");
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ((*dead)[0].last_error, "failure 3");
  EXPECT_EQ((*dead)[0].fire_at_ms, fire);
  EXPECT_EQ(q->GetStats()->dead, 1);
  // Dead letters are not scheduled over.
  EXPECT_EQ(q->Schedule({At(id, fire)})->skipped, 1);

  ASSERT_TRUE(q->Requeue(id, 0).ok());
  absl::StatusOr<ClaimResult> again = q->Claim(10);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->items.size(), 1u);
  EXPECT_EQ(again->items[0].attempt, 1);
  EXPECT_EQ(again->items[0].payload, "p7");
  EXPECT_EQ(q->GetStats()->dead, 0);
  EXPECT_EQ(q->Requeue(id, 0).code(), absl::StatusCode::kNotFound);
}

TEST_F(QueueTest, ListDeadFiltersByPrefixAndPagesThroughTies) {
  auto q = MakeQueue();
  const int64_t now = Now(*q);
  std::vector<Item> items;
  for (int i = 0; i < 5; ++i) items.push_back(At(absl::StrCat("task/", i, "/2025-07-04/due"), now));
  items.push_back(At("plan/1/2025-07-04/report-1d", now));
  ASSERT_TRUE(q->Schedule(items).ok());
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->items.size(), 6u);
  std::vector<Nack> nacks;
  for (const Claimed& item : c->items) nacks.push_back(NackOf(item, "undecodable", true));
  // One settle: all die in the same millisecond.
  absl::StatusOr<std::vector<Settle>> s = q->Settle({}, nacks);
  ASSERT_TRUE(s.ok());
  for (Settle one : *s) EXPECT_EQ(one, Settle::kDeadLettered);

  absl::StatusOr<std::vector<DeadLetter>> plans = q->ListDead(10, "plan/");
  ASSERT_TRUE(plans.ok());
  ASSERT_EQ(plans->size(), 1u);
  EXPECT_EQ((*plans)[0].id, "plan/1/2025-07-04/report-1d");

  std::vector<std::string> seen;
  int64_t before_ms = 0;
  std::string before_id;
  for (int page = 0; page < 5; ++page) {
    absl::StatusOr<std::vector<DeadLetter>> got = q->ListDead(2, "task/", before_ms, before_id);
    ASSERT_TRUE(got.ok()) << got.status();
    if (got->empty()) break;
    for (const DeadLetter& d : *got) seen.push_back(d.id);
    before_ms = got->back().dead_at_ms;
    before_id = got->back().id;
  }
  EXPECT_THAT(seen,
              ElementsAre("task/4/2025-07-04/due", "task/3/2025-07-04/due", "task/2/2025-07-04/due",
                          "task/1/2025-07-04/due", "task/0/2025-07-04/due"));
}

// ---- Pending ------------------------------------------------------------------

std::vector<std::string> Ids(const std::vector<PendingReminder>& items) {
  std::vector<std::string> ids;
  for (const PendingReminder& r : items) ids.push_back(r.id);
  return ids;
}

// A payload as a producer queues it, about `plan`.
std::string PayloadOf(const std::string& id, const std::string& plan) {
  chiso::notification::v1::ReminderPayload payload;
  payload.set_reminder_id(id);
  payload.set_plan(plan);
  payload.set_subject(absl::StrCat("Nhắc việc ", id));
  return payload.SerializeAsString();
}

// "task/0/2025-07-04/due" … "task/<n-1>/2025-07-04/due", all firing at `fire`.
std::vector<Item> DueTasks(int n, int64_t fire) {
  std::vector<Item> items;
  for (int i = 0; i < n; ++i)
    items.push_back(At(absl::StrCat("task/", i, "/2025-07-04/due"), fire));
  return items;
}

PendingQuery After(const PendingPage& page, int limit = 50) {
  PendingQuery query;
  query.after = page.next;
  query.limit = limit;
  return query;
}

class QueuePendingTest : public QueueTest {
 protected:
  // Every key of the database and its DUMP, to show that nothing changed.
  std::map<std::string, std::string> Snapshot() {
    redis::Connection conn(redis_.endpoint());
    std::map<std::string, std::string> keys;
    absl::StatusOr<redis::Reply> all = conn.Command({"KEYS", "*"});
    EXPECT_TRUE(all.ok()) << all.status();
    if (!all.ok()) return keys;
    for (const redis::Reply& key : all->elements) {
      absl::StatusOr<redis::Reply> dump = conn.Command({"DUMP", key.str});
      EXPECT_TRUE(dump.ok()) << dump.status();
      if (dump.ok()) keys[key.str] = dump->str;
    }
    return keys;
  }

  // Follows `next` from the head until the end; the pages' sizes in `sizes`.
  std::vector<std::string> All(Queue& q, PendingQuery query, std::vector<size_t>* sizes = nullptr) {
    std::vector<std::string> ids;
    for (int call = 0; call < 100; ++call) {
      absl::StatusOr<PendingPage> page = q.Pending(query);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const PendingReminder& r : page->items) ids.push_back(r.id);
      if (sizes != nullptr) sizes->push_back(page->items.size());
      if (!page->next.has_value()) break;
      query.after = page->next;
    }
    return ids;
  }
};

TEST_F(QueuePendingTest, ListsInFireTimeOrderThenByIdAndChangesNothing) {
  auto q = MakeQueue();
  const int64_t now = Now(*q);
  ASSERT_TRUE(
      q->Schedule({At("task/b/2025-07-04/due", now + 2000), At("task/c/2025-07-04/due", now + 1000),
                   At("plan/p/2025-07-04/report-1d", now + 2000, "report"),
                   At("task/a/2025-07-04/due", now + 2000), At("task/z/2025-06-30/due", 5)})
          .ok());
  const std::map<std::string, std::string> before = Snapshot();
  ASSERT_FALSE(before.empty());

  absl::StatusOr<PendingPage> page = q->Pending({});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(page->items), ElementsAre("task/z/2025-06-30/due", "task/c/2025-07-04/due",
                                            "plan/p/2025-07-04/report-1d", "task/a/2025-07-04/due",
                                            "task/b/2025-07-04/due"));
  EXPECT_FALSE(page->next.has_value());
  EXPECT_EQ(page->examined, 5);
  const PendingReminder& report = page->items[2];
  EXPECT_EQ(report.fire_at_ms, now + 2000);
  EXPECT_EQ(report.scheduled_fire_at_ms, now + 2000);
  EXPECT_EQ(report.attempts, 0);
  EXPECT_EQ(report.payload, "report");
  // Past its fire time (the workers are behind) and still listed.
  EXPECT_EQ(page->items[0].fire_at_ms, 5);

  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(q->GetStats()->due, 5);
}

TEST_F(QueuePendingTest, FiltersByPlanAndByIdPrefix) {
  auto q = MakeQueue();
  const int64_t later = Now(*q) + 3'600'000;
  const std::string a1 = "task/1/2025-07-04/due";
  const std::string a2 = "plan/A/2025-07-04/report-1d";
  const std::string b1 = "task/2/2025-07-04/due";
  const std::string a10 = "task/3/2025-07-04/due";
  const std::string junk = "task/4/2025-07-04/due";
  ASSERT_TRUE(q->Schedule({At(a1, later + 1, PayloadOf(a1, "plans/A")),
                           At(a2, later + 2, PayloadOf(a2, "plans/A")),
                           At(b1, later + 3, PayloadOf(b1, "plans/B")),
                           // Contains "plans/A" but is another plan.
                           At(a10, later + 4, PayloadOf(a10, "plans/A10")),
                           // Not a ReminderPayload at all, though it says "plans/A".
                           At(junk, later + 5, "\xff\xff plans/A")})
                  .ok());
  PendingQuery by_plan;
  by_plan.plan = "plans/A";
  absl::StatusOr<PendingPage> plan = q->Pending(by_plan);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(Ids(plan->items), ElementsAre(a1, a2));
  EXPECT_FALSE(plan->next.has_value());

  PendingQuery by_prefix;
  by_prefix.id_prefix = "task/";
  EXPECT_THAT(All(*q, by_prefix), ElementsAre(a1, b1, a10, junk));
  by_prefix.id_prefix = "task/2/";
  EXPECT_THAT(All(*q, by_prefix), ElementsAre(b1));
  by_prefix.id_prefix = "task/*";  // a prefix, not a pattern
  EXPECT_THAT(All(*q, by_prefix), IsEmpty());

  PendingQuery both;
  both.plan = "plans/A";
  both.id_prefix = "plan/";
  EXPECT_THAT(All(*q, both), ElementsAre(a2));
}

TEST_F(QueuePendingTest, LimitStopsAPageAndTheNextOneResumesAfterIt) {
  auto q = MakeQueue();
  const int64_t later = Now(*q) + 3'600'000;
  ASSERT_TRUE(q->Schedule(DueTasks(5, later)).ok());
  PendingQuery query;
  query.limit = 2;
  absl::StatusOr<PendingPage> first = q->Pending(query);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Ids(first->items), ElementsAre("task/0/2025-07-04/due", "task/1/2025-07-04/due"));
  ASSERT_TRUE(first->next.has_value());
  EXPECT_EQ(first->next->id, "task/1/2025-07-04/due");
  EXPECT_EQ(first->next->fire_at_ms, later);
  absl::StatusOr<PendingPage> second = q->Pending(After(*first, 2));
  ASSERT_TRUE(second.ok());
  EXPECT_THAT(Ids(second->items), ElementsAre("task/2/2025-07-04/due", "task/3/2025-07-04/due"));
  absl::StatusOr<PendingPage> last = q->Pending(After(*second, 2));
  ASSERT_TRUE(last.ok());
  EXPECT_THAT(Ids(last->items), ElementsAre("task/4/2025-07-04/due"));
  // The queue ended with this page: no empty page after it.
  EXPECT_FALSE(last->next.has_value());

  // A page that ends exactly at the last reminder says so too.
  query.limit = 5;
  absl::StatusOr<PendingPage> exact = q->Pending(query);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->items.size(), 5u);
  EXPECT_FALSE(exact->next.has_value());
}

TEST_F(QueuePendingTest, PagesThroughAQueueLargerThanABatchWithOneFireTime) {
  auto q = MakeQueue();
  const int64_t eight = Now(*q) + 3'600'000;  // every reminder of the day at 08:00
  std::vector<Item> items;
  std::vector<std::string> expected;
  for (int i = 0; i < 1200; ++i) {
    const std::string id = absl::StrFormat("task/%04d/2025-07-04/due", i);
    items.push_back(At(id, eight));
    expected.push_back(id);
  }
  items.push_back(At("task/early/2025-07-04/before-1d", eight - 1));
  items.push_back(At("task/late/2025-07-04/overdue-1", eight + 1));
  expected.insert(expected.begin(), "task/early/2025-07-04/before-1d");
  expected.push_back("task/late/2025-07-04/overdue-1");
  ASSERT_TRUE(q->Schedule(items).ok());

  // The limit is capped at 500.
  PendingQuery query;
  query.limit = 100000;
  std::vector<size_t> sizes;
  EXPECT_EQ(All(*q, query, &sizes), expected);
  EXPECT_THAT(sizes, ElementsAre(500, 500, 202));

  // A selective prefix: each call examines at most max_examined entries and
  // hands back where it stopped, even with nothing found.
  query = PendingQuery();
  query.id_prefix = "task/1";
  query.limit = 500;
  query.max_examined = 300;
  std::vector<std::string> ones;
  for (const std::string& id : expected) {
    if (absl::StartsWith(id, "task/1")) ones.push_back(id);
  }
  sizes.clear();
  EXPECT_EQ(All(*q, query, &sizes), ones);
  EXPECT_THAT(sizes, ElementsAre(0, 0, 0, 199, 1));
}

TEST_F(QueuePendingTest, ResumesAfterTheCursorWhenItsReminderLeftOrMoved) {
  auto q = MakeQueue();
  const int64_t later = Now(*q) + 3'600'000;
  ASSERT_TRUE(q->Schedule(DueTasks(6, later)).ok());
  PendingQuery query;
  query.limit = 3;
  absl::StatusOr<PendingPage> first = q->Pending(query);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->next->id, "task/2/2025-07-04/due");

  // The cursor's reminder is cancelled, one behind it and one after it
  // arrive at the same time, and one after it moves earlier.
  ASSERT_EQ(*q->Cancel({"task/2/2025-07-04/due"}), 1);
  ASSERT_TRUE(q->Schedule({At("task/1a/2025-07-04/due", later), At("task/2a/2025-07-04/due", later),
                           At("task/5/2025-07-04/due", later - 10)})
                  .ok());
  absl::StatusOr<PendingPage> second = q->Pending(After(*first));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(second->items), ElementsAre("task/2a/2025-07-04/due", "task/3/2025-07-04/due",
                                              "task/4/2025-07-04/due"));
  EXPECT_FALSE(second->next.has_value());

  // A cursor past every reminder finds nothing; one before all finds all.
  PendingQuery beyond;
  beyond.after = PendingPosition{later + 1, "a"};
  EXPECT_THAT(q->Pending(beyond)->items, IsEmpty());
  beyond.after = PendingPosition{0, "a"};
  EXPECT_EQ(q->Pending(beyond)->items.size(), 7u);
}

TEST_F(QueuePendingTest, LeasedAndDeadRemindersAreNotListedAndRetriesShowTheirAttempt) {
  QueueOptions options;
  options.backoff_base = absl::Hours(1);
  options.backoff_cap = absl::Hours(1);
  auto q = MakeQueue(options);
  const int64_t now = Now(*q);
  const std::string leased = "task/1/2025-07-04/due";
  const std::string dead = "task/2/2025-07-04/due";
  const std::string retried = "task/3/2025-07-04/due";
  const std::string waiting = "task/4/2025-07-04/due";
  ASSERT_TRUE(q->Schedule({At(leased, now - 30), At(dead, now - 20), At(retried, now - 10),
                           At(waiting, now + 3'600'000)})
                  .ok());
  absl::StatusOr<ClaimResult> c = q->Claim(3);
  ASSERT_TRUE(c.ok());
  ASSERT_THAT(Ids(c->items), ElementsAre(leased, dead, retried));
  ASSERT_TRUE(
      q->Settle({}, {NackOf(c->items[1], "undecodable", true), NackOf(c->items[2], "503")}).ok());

  absl::StatusOr<PendingPage> page = q->Pending({});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 2u);
  std::vector<std::string> ids = Ids(page->items);
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(ids, ElementsAre(retried, waiting));
  for (const PendingReminder& r : page->items) {
    if (r.id != retried) continue;
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.scheduled_fire_at_ms, now - 10);
    EXPECT_GE(r.fire_at_ms, now);  // the retry, up to an hour later
  }
  EXPECT_EQ(q->GetStats()->leased, 1);
  EXPECT_EQ(q->GetStats()->dead, 1);
}

TEST_F(QueuePendingTest, RejectsBadLimitsAndPositions) {
  auto q = MakeQueue();
  PendingQuery query;
  query.limit = 0;
  EXPECT_EQ(q->Pending(query).status().code(), absl::StatusCode::kInvalidArgument);
  query = PendingQuery();
  query.max_examined = 0;
  EXPECT_EQ(q->Pending(query).status().code(), absl::StatusCode::kInvalidArgument);
  query.max_examined = 5001;
  EXPECT_EQ(q->Pending(query).status().code(), absl::StatusCode::kInvalidArgument);
  query = PendingQuery();
  query.after = PendingPosition{5, ""};
  EXPECT_EQ(q->Pending(query).status().code(), absl::StatusCode::kInvalidArgument);
  query.after = PendingPosition{-1, "task/1/2025-07-04/due"};
  EXPECT_EQ(q->Pending(query).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<PendingPage> empty = q->Pending({});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(empty->items, IsEmpty());
  EXPECT_FALSE(empty->next.has_value());
}

TEST_F(QueueTest, CancellingALeasedReminderMakesItsAckStale) {
  auto q = MakeQueue();
  const std::string id = "task/8/2025-07-04/due";
  ASSERT_TRUE(q->Schedule({At(id, Now(*q))}).ok());
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->items.size(), 1u);
  absl::StatusOr<int> n = q->Cancel({id});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  absl::StatusOr<std::vector<Settle>> s = q->Settle({AckOf(c->items[0])}, {});
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(*s, ElementsAre(Settle::kStale));
  EXPECT_EQ(q->GetStats()->leased, 0);
}

TEST_F(QueueTest, ACancelledPendingReminderNeverFires) {
  auto q = MakeQueue();
  const int64_t fire = Now(*q) + 200;
  const std::string id = "task/9/2025-07-04/due";
  ASSERT_TRUE(q->Schedule({At(id, fire)}).ok());
  ASSERT_EQ(*q->Cancel({id, "task/9/2025-07-04/before-1d"}), 1);
  WaitUntil(*q, fire + 50);
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(c->items, IsEmpty());
  EXPECT_EQ(q->GetStats()->due, 0);
}

TEST_F(QueueTest, AnAckWithANextLinkSchedulesItInTheSameStep) {
  auto q = MakeQueue();
  const int64_t now = Now(*q);
  ASSERT_TRUE(q->SyncOwner("task/10", "v1", {At("task/10/2025-07-04/overdue-1", now)}).ok());
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->items.size(), 1u);
  Ack ack = AckOf(c->items[0], "v1");
  ack.next = At("task/10/2025-07-04/overdue-2", now + 1, "link 2");
  absl::StatusOr<std::vector<Settle>> s = q->Settle({ack}, {});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre(Settle::kDone));
  WaitUntil(*q, now + 1);
  absl::StatusOr<ClaimResult> next = q->Claim(10);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->items.size(), 1u);
  EXPECT_EQ(next->items[0].id, "task/10/2025-07-04/overdue-2");
  EXPECT_EQ(next->items[0].payload, "link 2");
}

TEST_F(QueueTest, ANewGenerationStopsAStaleChainAndRemovesUnlistedReminders) {
  auto q = MakeQueue();
  const int64_t now = Now(*q);
  const std::string leased = "task/11/2025-07-04/overdue-1";
  const std::string dropped = "task/11/2025-07-04/overdue-2";
  const std::string kept = "task/11/2025-08-01/before-7d";
  absl::StatusOr<SyncResult> first =
      q->SyncOwner("task/11", "v1", {At(leased, now - 1), At(dropped, now + 60'000)});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->scheduled, 2);
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  ASSERT_THAT(Ids(c->items), ElementsAre(leased));

  // The task's deadline moved while `leased` was being delivered.
  absl::StatusOr<SyncResult> second =
      q->SyncOwner("task/11", "v2", {At(kept, now + 120'000), At(leased, now - 1)});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->removed, 1);    // `dropped`
  EXPECT_EQ(second->scheduled, 1);  // `kept`
  EXPECT_EQ(second->skipped, 1);    // `leased` is left to finish
  EXPECT_FALSE(ZScore("{rem}:due", dropped).has_value());

  Ack ack = AckOf(c->items[0], "v1");
  ack.next = At("task/11/2025-07-04/overdue-3", now);
  absl::StatusOr<std::vector<Settle>> s = q->Settle({ack}, {});
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(*s, ElementsAre(Settle::kDone));
  EXPECT_FALSE(ZScore("{rem}:due", "task/11/2025-07-04/overdue-3").has_value());
  absl::StatusOr<Stats> stats = q->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->due, 1);  // only `kept`
  // A removed reminder left no tombstone: it may come back.
  EXPECT_EQ(q->Schedule({At(dropped, now + 60'000)})->scheduled, 1);
}

TEST_F(QueueTest, SyncOwnerRejectsForeignIdsTooManyItemsAndNoGeneration) {
  auto q = MakeQueue();
  absl::StatusOr<SyncResult> foreign =
      q->SyncOwner("task/12", "v1", {At("task/13/2025-07-04/due", 1)});
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(foreign.status().message()), HasSubstr("not its own"));
  std::vector<Item> many;
  for (int i = 0; i < 2001; ++i) many.push_back(At("task/12/2025-07-04/due", i));
  EXPECT_EQ(q->SyncOwner("task/12", "v1", many).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q->SyncOwner("task/12", "", {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q->SyncOwner("task", "v1", {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q->Schedule({At("bad id", 1)}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q->GetStats()->due, 0);
}

TEST_F(QueueTest, ClaimIsBoundedByItsLimitAndLeavesTheRestReady) {
  QueueOptions options;
  options.claim_limit = 15;
  auto q = MakeQueue(options);
  const int64_t now = Now(*q);
  std::vector<Item> items;
  for (int i = 0; i < 25; ++i)
    items.push_back(At(absl::StrCat("task/", i, "/2025-07-04/due"), now - i));
  ASSERT_TRUE(q->Schedule(items).ok());
  absl::StatusOr<ClaimResult> c = q->Claim(10);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->items.size(), 10u);
  // Oldest first.
  EXPECT_EQ(c->items[0].id, "task/24/2025-07-04/due");
  absl::StatusOr<Stats> stats = q->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->ready, 15);
  EXPECT_EQ(stats->leased, 10);
  EXPECT_GE(stats->oldest_ready_age_ms, 14);
  // More were ready: the claim left a marker that wakes another worker.
  EXPECT_EQ(ZScore("{rem}:wake", "m"), "0");
  // The option caps what one claim may take.
  absl::StatusOr<ClaimResult> capped = q->Claim(100);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->items.size(), 15u);
  EXPECT_EQ(q->Claim(0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(QueueTest, ANewEarliestReminderWakesABlockedWaiter) {
  auto q = MakeQueue();
  ASSERT_TRUE(q->Schedule({At("task/14/2025-09-01/due", Now(*q) + 3'600'000)}).ok());
  auto waiter = MakeQueue();
  ASSERT_TRUE(waiter->WaitForWake(absl::Milliseconds(10)).ok());  // takes the marker
  absl::Time woke = absl::InfiniteFuture();
  std::thread t([&] {
    EXPECT_TRUE(waiter->WaitForWake(absl::Seconds(60)).ok());
    woke = absl::Now();
  });
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time scheduled = absl::Now();
  ASSERT_TRUE(q->Schedule({At("task/14/2025-07-04/due", Now(*q) + 1000)}).ok());
  t.join();
  EXPECT_LT(woke - scheduled, absl::Seconds(30));
}

TEST_F(QueueTest, TheEpochIsCreatedAgainAfterFlushAll) {
  auto q = MakeQueue();
  absl::StatusOr<Queue::Epoch> first = q->EnsureEpoch();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->id.size(), 32u);
  absl::StatusOr<Queue::Epoch> same = q->EnsureEpoch();
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->created);
  EXPECT_EQ(same->id, first->id);
  EXPECT_EQ(q->GetStats()->epoch, first->id);

  ASSERT_TRUE(q->connection().Command({"FLUSHALL"}).ok());
  EXPECT_EQ(q->GetStats()->epoch, "");
  absl::StatusOr<Queue::Epoch> fresh = q->EnsureEpoch();
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->created);
  EXPECT_NE(fresh->id, first->id);
}

TEST(QueueRestartTest, TheEpochSurvivesARestartAndIsCreatedAgainAfterDataLoss) {
  test_support::RedisServerOptions options;
  options.appendonly = true;
  test_support::RedisServer redis(options);
  CHISO_START_REDIS_OR_SKIP(redis);
  std::string epoch;
  {
    Queue q(redis.endpoint());
    absl::StatusOr<Queue::Epoch> e = q.EnsureEpoch();
    ASSERT_TRUE(e.ok()) << e.status();
    epoch = e->id;
  }
  ASSERT_TRUE(redis.Stop().ok());
  ASSERT_TRUE(redis.Start().ok());
  {
    Queue q(redis.endpoint());
    absl::StatusOr<Queue::Epoch> e = q.EnsureEpoch();
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_FALSE(e->created);
    EXPECT_EQ(e->id, epoch);
  }
  redis.Kill();
  ASSERT_TRUE(redis.Start(/*wipe_data=*/true).ok());
  {
    Queue q(redis.endpoint());
    absl::StatusOr<Queue::Epoch> e = q.EnsureEpoch();
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_TRUE(e->created);
    EXPECT_NE(e->id, epoch);
  }
}

TEST_F(QueueTest, LeadershipIsExclusiveAndExpires) {
  auto a = MakeQueue();
  auto b = MakeQueue();
  const absl::Duration ttl = absl::Milliseconds(300);
  EXPECT_TRUE(*a->HoldLeadership("assignment", "a", ttl));
  EXPECT_FALSE(*b->HoldLeadership("assignment", "b", ttl));
  EXPECT_TRUE(*b->HoldLeadership("plan", "b", ttl));        // another role
  EXPECT_TRUE(*a->HoldLeadership("assignment", "a", ttl));  // renewal
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_TRUE(*b->HoldLeadership("assignment", "b", ttl));
  EXPECT_FALSE(*a->HoldLeadership("assignment", "a", ttl));
  ASSERT_TRUE(a->ReleaseLeadership("assignment", "a").ok());  // not a's: no effect
  EXPECT_FALSE(*a->HoldLeadership("assignment", "a", ttl));
  ASSERT_TRUE(b->ReleaseLeadership("assignment", "b").ok());
  EXPECT_TRUE(*a->HoldLeadership("assignment", "a", absl::Seconds(30)));
}

TEST_F(QueueTest, OwnersListsSyncedOwnersByPrefix) {
  auto q = MakeQueue();
  const int64_t later = Now(*q) + 3'600'000;
  ASSERT_TRUE(q->SyncOwner("task/1", "g", {At("task/1/2025-07-04/due", later)}).ok());
  ASSERT_TRUE(q->SyncOwner("task/2", "g", {At("task/2/2025-07-04/due", later)}).ok());
  ASSERT_TRUE(q->SyncOwner("plan/9", "g", {At("plan/9/2025-07-04/report-1d", later)}).ok());
  EXPECT_THAT(*q->Owners("task/"), ElementsAre("task/1", "task/2"));
  EXPECT_THAT(*q->Owners("plan/"), ElementsAre("plan/9"));
  EXPECT_THAT(*q->Owners("t*"), IsEmpty());  // a prefix, not a pattern
  // Cleared owners have nothing left to protect and are not listed.
  absl::StatusOr<SyncResult> cleared = q->SyncOwner("task/2", "g2", {});
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->removed, 1);
  EXPECT_THAT(*q->Owners("task/"), ElementsAre("task/1"));
}

TEST_F(QueueTest, UsesTheConfiguredPrefixForEveryKey) {
  QueueOptions options;
  options.prefix = "{rem-test}";
  auto q = MakeQueue(options);
  ASSERT_TRUE(q->Schedule({At("task/1/2025-07-04/due", 5)}).ok());
  EXPECT_EQ(ZScore("{rem-test}:due", "task/1/2025-07-04/due"), "5");
  EXPECT_FALSE(ZScore("{rem}:due", "task/1/2025-07-04/due").has_value());
  EXPECT_EQ(MakeQueue()->GetStats()->due, 0);
}

TEST_F(QueueTest, WorksAgainAfterTheServerRestartedWithoutItsScripts) {
  auto q = MakeQueue();
  ASSERT_TRUE(q->Schedule({At("task/1/2025-07-04/due", 5)}).ok());
  redis_.Kill();
  ASSERT_TRUE(redis_.Start().ok());
  // The first call may meet the dead connection; the next reconnects and
  // loads the scripts again.
  absl::StatusOr<ScheduleResult> s = q->Schedule({At("task/1/2025-07-04/due", 5)});
  if (!s.ok()) s = q->Schedule({At("task/1/2025-07-04/due", 5)});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->scheduled, 1);
  absl::StatusOr<SettleClaimResult> r = q->SettleAndClaim({}, {}, 10);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->claim.items.size(), 1u);
}

}  // namespace
}  // namespace chiso::reminders
