// The store's part of the notification service's scope, on both backends:
// listings limited to a unit's subtree by the recipients' ancestors (filters
// matching only through recipients in scope), whether an inbox lies in a
// subtree, the read state MarkRead's audit events digest, and dead
// deliveries read one at a time.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/civil/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/notification/notification_store.h"
#include "tests/notification/notification_fixtures.h"
#include "tests/support/test_database.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::At;
using ::chiso::notification::testing::Built;
using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Person;
using ::chiso::notification::testing::Unit;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

class NotificationScopeStoreTest : public ::testing::TestWithParam<test_support::Backend> {
 protected:
  void SetUp() override {
    clock_.Set(At(2024, 4, 30, 1, 0));
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, NotificationMigrations()).ok());
    store_ = std::make_unique<NotificationStore>(db_.get(), &ids_, [this] { return clock_.Now(); });
    to_a_ = Deliver("task/a/2024-04-30/due", {Unit(div_a_, "A", {dept_})});
    to_b_ = Deliver("task/b/2024-04-30/due", {Unit(div_b_, "B", {dept_})});
    to_person_a_ =
        Deliver("task/pa/2024-04-30/escalate-1", {Person(person_a_, "PA", {div_a_, dept_})});
    to_both_ =
        Deliver("task/ab/2024-04-30/due", {Unit(div_a_, "A", {dept_}), Unit(div_b_, "B", {dept_})});
  }

  pb::Notification Deliver(const std::string& reminder_id, std::vector<pb::Recipient> recipients) {
    absl::StatusOr<std::vector<Delivered>> out =
        store_->Deliver({Built(reminder_id, At(2024, 4, 30), std::move(recipients))}, nullptr);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->front().notification : pb::Notification();
  }

  std::vector<std::string> List(const InboxQuery& query) {
    absl::StatusOr<NotificationPage> page = store_->ListNotifications(query, std::nullopt, 50);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    for (const pb::Notification& n : page->notifications) out.push_back(n.reminder_id());
    return out;
  }

  civil::FakeClock clock_;
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<NotificationStore> store_;
  const std::string dept_ = "units/" + NewId();
  const std::string div_a_ = "units/" + NewId();
  const std::string div_b_ = "units/" + NewId();
  const std::string person_a_ = "people/" + NewId();
  pb::Notification to_a_, to_b_, to_person_a_, to_both_;
};

INSTANTIATE_TEST_SUITE_P(Backends, NotificationScopeStoreTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(NotificationScopeStoreTest, AScopedListingHasOnlyNotificationsWithARecipientInTheSubtree) {
  InboxQuery query;
  EXPECT_EQ(List(query).size(), 4u);
  query.scope = div_a_;
  EXPECT_THAT(List(query),
              UnorderedElementsAre("task/a/2024-04-30/due", "task/pa/2024-04-30/escalate-1",
                                   "task/ab/2024-04-30/due"));
  query.scope = dept_;
  EXPECT_EQ(List(query).size(), 4u);
  query.scope = "units/" + NewId();
  EXPECT_THAT(List(query), IsEmpty());
  query.scope = "";
  EXPECT_THAT(List(query), IsEmpty());
}

TEST_P(NotificationScopeStoreTest, RecipientFiltersMatchOnlyThroughRecipientsInScope) {
  InboxQuery query;
  query.scope = div_a_;
  query.recipients = {div_b_};
  EXPECT_THAT(List(query), IsEmpty());
  query.recipients = {div_a_, div_b_};
  EXPECT_THAT(List(query), UnorderedElementsAre("task/a/2024-04-30/due", "task/ab/2024-04-30/due"));
  query.recipients = {dept_};
  query.include_subtree = true;
  EXPECT_THAT(List(query),
              UnorderedElementsAre("task/a/2024-04-30/due", "task/pa/2024-04-30/escalate-1",
                                   "task/ab/2024-04-30/due"));
  // Unread by B: B's read state is not A's to query.
  query.recipients = {div_b_};
  query.include_subtree = false;
  query.unread_only = true;
  EXPECT_THAT(List(query), IsEmpty());
  query.scope.reset();
  EXPECT_THAT(List(query), UnorderedElementsAre("task/b/2024-04-30/due", "task/ab/2024-04-30/due"));
}

TEST_P(NotificationScopeStoreTest, AnInboxIsInTheScopeOfItsUnitAndItsAncestors) {
  EXPECT_TRUE(*store_->InboxInScope(div_a_, div_a_));
  EXPECT_TRUE(*store_->InboxInScope(div_a_, dept_));
  EXPECT_FALSE(*store_->InboxInScope(div_a_, div_b_));
  // A person through the unit their ancestors begin with.
  EXPECT_TRUE(*store_->InboxInScope(person_a_, div_a_));
  EXPECT_TRUE(*store_->InboxInScope(person_a_, dept_));
  EXPECT_FALSE(*store_->InboxInScope(person_a_, div_b_));
  EXPECT_FALSE(*store_->InboxInScope("units/" + NewId(), dept_));
}

TEST_P(NotificationScopeStoreTest, ReadStateShowsWhatMarkReadChanges) {
  const std::vector<std::string> ids = {IdOf(to_a_.name()), IdOf(to_both_.name())};
  const std::string before = *store_->ReadState(div_a_, ids, std::nullopt);
  EXPECT_THAT(before, HasSubstr(to_a_.name() + " 0 unread"));
  EXPECT_THAT(before, HasSubstr(to_both_.name() + " 0 unread"));
  EXPECT_EQ(*store_->ReadState(div_a_, {}, std::nullopt), "");
  ASSERT_EQ(*store_->MarkRead(div_a_, {IdOf(to_a_.name())}), 1);
  const std::string after = *store_->ReadState(div_a_, ids, std::nullopt);
  EXPECT_NE(before, after);
  EXPECT_THAT(after, HasSubstr(to_both_.name() + " 0 unread"));
  EXPECT_FALSE(absl::StrContains(after, to_a_.name() + " 0 unread"));
  // Everything that fired before a time: both of A's.
  const std::string all = *store_->ReadState(div_a_, {}, absl::ToUnixMillis(At(2024, 5, 1)));
  EXPECT_EQ(all, after);
  // B's row of the shared notification is B's, not A's.
  EXPECT_THAT(*store_->ReadState(div_b_, ids, std::nullopt),
              HasSubstr(to_both_.name() + " 1 unread"));
}

TEST_P(NotificationScopeStoreTest, ADeadDeliveryIsReadByItsId) {
  pb::Webhook w;
  w.set_display_name("Văn bản");
  w.set_url("https://example.gov.vn/hook");
  w.set_state(pb::WEBHOOK_STATE_ACTIVE);
  w.set_max_attempts(1);
  ASSERT_TRUE(store_->CreateWebhook(w, std::string(32, 's')).ok());
  Deliver("task/w/2024-04-30/due", {Unit(div_a_, "A", {dept_})});
  std::vector<OutboxDelivery> claimed = *store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_TRUE(absl::IsNotFound(store_->GetDeadDelivery(claimed[0].id).status()));
  ASSERT_TRUE(store_->DeliveryFailed(claimed[0].id, "HTTP 500", clock_.Now(), std::nullopt).ok());
  absl::StatusOr<DeadDelivery> dead = store_->GetDeadDelivery(claimed[0].id);
  ASSERT_TRUE(dead.ok()) << dead.status();
  EXPECT_EQ(dead->notification.reminder_id(), "task/w/2024-04-30/due");
  EXPECT_EQ(dead->last_error, "HTTP 500");
  ASSERT_TRUE(store_->RetryDeadDelivery(claimed[0].id, clock_.Now()).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetDeadDelivery(claimed[0].id).status()));
}

}  // namespace
}  // namespace chiso::notification
