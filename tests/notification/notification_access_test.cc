// Authorization, scope and audit of the notification service, over gRPC on
// loopback with authentication on (API keys from a keys file written here):
// who may call each RPC, which inboxes a caller reads and marks, what its
// streams carry, that webhook secrets never come back, and that every change
// leaves exactly one audit event.
#include "services/notification/notification_access.h"

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "common/civil/clock.h"
#include "common/civil/proto_time.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/notification/delivery_hub.h"
#include "services/notification/lateness_window.h"
#include "services/notification/notification_domain.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_store.h"
#include "tests/access/test_identities.h"
#include "tests/notification/fake_queue_admin.h"
#include "tests/notification/notification_fixtures.h"

namespace chiso::notification {
namespace {

using ::chiso::common::v1::AuditEvent;
using ::chiso::common::v1::ListAuditEventsRequest;
using ::chiso::common::v1::ListAuditEventsResponse;
using ::chiso::notification::testing::At;
using ::chiso::notification::testing::Built;
using ::chiso::notification::testing::FakeQueueAdmin;
using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Person;
using ::chiso::notification::testing::Post;
using ::chiso::notification::testing::Unit;
using ::chiso::testing::TestIdentities;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const google::protobuf::ServiceDescriptor* ServiceDescriptor() {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      pb::NotificationService::service_full_name());
}

// The units: a department with two divisions, A and B.
const std::string kDept = "units/" + NewId();
const std::string kDivA = "units/" + NewId();
const std::string kDivB = "units/" + NewId();
const std::string kOtherDept = "units/" + NewId();
const std::string kPersonA = "people/" + NewId();  // works in A
const std::string kPersonB = "people/" + NewId();  // works in B
const std::string kAdmin = "people/" + NewId();

class NotificationAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    clock_.Set(At(2024, 4, 30, 2, 0));
    AddCallers();
    gate_ = NewNotificationGate(identities_.authenticator());

    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, NotificationMigrations()).ok());
    store_ = std::make_unique<NotificationStore>(db_.get(), &ids_, [this] { return clock_.Now(); });
    audit_ = std::make_unique<audit::AuditLog>(db_.get(), [this] { return clock_.Now(); });
    hub_ = std::make_unique<DeliveryHub>(0);
    InboxOptions inbox_options;
    inbox_options.cancel_poll = absl::Milliseconds(20);
    inbox_ =
        std::make_unique<InboxManager>(store_.get(), hub_.get(), &clock_, nullptr, inbox_options);
    webhooks_ = std::make_unique<WebhookManager>(store_.get(), WebhookRules());
    operations_ = std::make_unique<OperationsManager>(&queue_, store_.get(), &lateness_,
                                                      &calendar::WorkingCalendar::Builtin(),
                                                      &clock_, [this] { ++sender_wakes_; });
    service_ = std::make_unique<NotificationServiceImpl>(
        inbox_.get(), webhooks_.get(), operations_.get(), gate_.get(), audit_.get());
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    options.shutdown_deadline = absl::Seconds(2);
    server_ =
        *Server::Start(options, {{pb::NotificationService::service_full_name(), service_.get()}},
                       std::make_shared<prometheus::Registry>(), nullptr);
    stub_ = pb::NotificationService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    hub_->Shutdown();
    server_.reset();
    log::SetOutput(nullptr);
  }

  // One API key per caller of the tests.
  void AddCallers() {
    tokens_["admin"] = identities_.Person(kAdmin, kDept, {auth::Role::kAdministrator});
    tokens_["viewer-a"] = identities_.Person(kPersonA, kDivA, {auth::Role::kViewer});
    tokens_["viewer-dept"] = identities_.Person("people/" + NewId(), kDept, {auth::Role::kViewer});
    tokens_["planner-a"] = identities_.Person("people/" + NewId(), kDivA, {auth::Role::kPlanner});
    tokens_["hsdt"] = identities_.System("systems/hsdt", kDivB, {"read"});
  }

  // A context carrying the bearer key of `who` ("" for none).
  std::unique_ptr<grpc::ClientContext> As(const std::string& who) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!who.empty()) TestIdentities::Authorize(ctx.get(), tokens_.at(who));
    return ctx;
  }

  // Stores a notification as the consumer does and tells the streams.
  pb::Notification Deliver(const std::string& reminder_id, std::vector<pb::Recipient> recipients,
                           absl::Time fire = At(2024, 4, 30)) {
    absl::StatusOr<std::vector<Delivered>> d =
        store_->Deliver({Built(reminder_id, fire, std::move(recipients))}, nullptr);
    EXPECT_TRUE(d.ok()) << d.status();
    hub_->Published(d->front().seq);
    return d->front().notification;
  }
  static pb::Recipient DivA() { return Unit(kDivA, "Phòng A", {kDept}); }
  static pb::Recipient DivB() { return Unit(kDivB, "Phòng B", {kDept}); }

  std::vector<std::string> ListIds(const std::string& who, pb::ListNotificationsRequest request,
                                   grpc::Status* status = nullptr) {
    std::vector<std::string> ids;
    do {
      pb::ListNotificationsResponse response;
      grpc::Status s = stub_->ListNotifications(As(who).get(), request, &response);
      if (status != nullptr) *status = s;
      EXPECT_TRUE(s.ok() || status != nullptr) << s.error_message();
      if (!s.ok()) return ids;
      for (const pb::Notification& n : response.notifications()) ids.push_back(n.reminder_id());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return ids;
  }
  std::vector<std::string> ListIds(const std::string& who) {
    return ListIds(who, pb::ListNotificationsRequest());
  }

  grpc::Status MarkRead(const std::string& who, const std::string& recipient,
                        std::vector<std::string> names, int* marked = nullptr) {
    pb::MarkReadRequest request;
    request.set_recipient(recipient);
    for (const std::string& name : names) request.mutable_notifications()->add_names(name);
    pb::MarkReadResponse response;
    grpc::Status s = stub_->MarkRead(As(who).get(), request, &response);
    if (marked != nullptr) *marked = response.marked_count();
    return s;
  }

  grpc::Status MarkAllRead(const std::string& who, const std::string& recipient) {
    pb::MarkReadRequest request;
    request.set_recipient(recipient);
    *request.mutable_fired_before() = civil::ToTimestamp(clock_.Now() + absl::Hours(24 * 365));
    pb::MarkReadResponse response;
    return stub_->MarkRead(As(who).get(), request, &response);
  }

  std::vector<AuditEvent> AuditEvents() {
    std::vector<AuditEvent> events;
    ListAuditEventsRequest request;
    do {
      ListAuditEventsResponse response;
      grpc::Status s = stub_->ListAuditEvents(As("admin").get(), request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const AuditEvent& e : response.events()) events.push_back(e);
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return events;
  }

  pb::Webhook ValidWebhook(const std::string& display) {
    pb::Webhook w;
    w.set_display_name(display);
    w.set_url("https://vanban.example.gov.vn/hook");
    w.set_secret(std::string(40, 's'));
    return w;
  }

  // Reads the notifications of a stream (heartbeats skipped) until `n` came.
  std::vector<std::string> ReadNotifications(grpc::ClientReader<pb::SubscribeResponse>* reader,
                                             int n) {
    std::vector<std::string> got;
    pb::SubscribeResponse event;
    while (static_cast<int>(got.size()) < n && reader->Read(&event)) {
      if (event.has_notification()) got.push_back(event.notification().reminder_id());
    }
    return got;
  }

  std::ostringstream logs_;
  civil::FakeClock clock_;
  IdGenerator ids_;
  FakeQueueAdmin queue_;
  LatenessWindow lateness_;
  int sender_wakes_ = 0;
  TestIdentities identities_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<auth::AccessGate> gate_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<NotificationStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<DeliveryHub> hub_;
  std::unique_ptr<InboxManager> inbox_;
  std::unique_ptr<WebhookManager> webhooks_;
  std::unique_ptr<OperationsManager> operations_;
  std::unique_ptr<NotificationServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<pb::NotificationService::Stub> stub_;
};

// ---- The rules --------------------------------------------------------------

TEST(NotificationRulesTest, EveryMethodHasExactlyOneRule) {
  EXPECT_TRUE(NewNotificationGate(nullptr)->CheckRules(*ServiceDescriptor()).ok())
      << NewNotificationGate(nullptr)->CheckRules(*ServiceDescriptor());
}

TEST(NotificationScopeTest, ARecipientIsInScopeThroughItsUnitOrItsAncestors) {
  InboxScope a;
  a.restricted = true;
  a.unit = kDivA;
  InboxScope dept = a;
  dept.unit = kDept;
  EXPECT_TRUE(RecipientInScope(a, Unit(kDivA, "A", {kDept})));
  EXPECT_FALSE(RecipientInScope(a, Unit(kDivB, "B", {kDept})));
  EXPECT_TRUE(RecipientInScope(dept, Unit(kDivB, "B", {kDept})));
  // A person's ancestors begin with the person's own unit.
  EXPECT_TRUE(RecipientInScope(a, Person(kPersonA, "A", {kDivA, kDept})));
  EXPECT_FALSE(RecipientInScope(a, Person(kPersonB, "B", {kDivB, kDept})));
  // A post has no inbox: in no restricted scope.
  EXPECT_FALSE(RecipientInScope(a, Post("Phó Chủ tịch", {kDivA})));
  EXPECT_TRUE(RecipientInScope(InboxScope(), Post("Phó Chủ tịch")));
  InboxScope none;
  none.restricted = true;
  EXPECT_FALSE(RecipientInScope(none, Unit(kDivA, "A", {kDept})));
}

TEST(NotificationScopeTest, AFilterNarrowsTheScopeOfAStreamButNeverWidensIt) {
  InboxScope a;
  a.restricted = true;
  a.unit = kDivA;
  const pb::Notification to_b =
      Built("task/b/2024-04-30/due", At(2024, 4, 30), {Unit(kDivB, "B", {kDept})});
  const pb::Notification to_both = Built("task/ab/2024-04-30/due", At(2024, 4, 30),
                                         {Unit(kDivA, "A", {kDept}), Unit(kDivB, "B", {kDept})});
  pb::DeliveryFilter everything;
  EXPECT_FALSE(MatchesInScope(everything, a, to_b));
  EXPECT_TRUE(MatchesInScope(everything, a, to_both));
  EXPECT_TRUE(MatchesInScope(everything, InboxScope(), to_b));
  pb::DeliveryFilter only_b;
  only_b.add_recipients(kDivB);
  EXPECT_FALSE(MatchesInScope(only_b, a, to_b));
  // B is a recipient, but not one in A's scope: the filter cannot use it.
  EXPECT_FALSE(MatchesInScope(only_b, a, to_both));
  EXPECT_TRUE(MatchesInScope(only_b, InboxScope(), to_both));
  pb::DeliveryFilter dept_subtree;
  dept_subtree.add_recipients(kDept);
  dept_subtree.set_include_subtree(true);
  EXPECT_FALSE(MatchesInScope(dept_subtree, a, to_b));
  EXPECT_TRUE(MatchesInScope(dept_subtree, a, to_both));
}

// ---- Authentication and permissions -------------------------------------------

TEST_F(NotificationAccessTest, EveryRpcRefusesACallerWithoutCredential) {
  for (const std::string& bearer :
       {std::string(), std::string("Bearer chiso_nokey_") + std::string(43, 'x')}) {
    auto ctx = [&] {
      auto c = std::make_unique<grpc::ClientContext>();
      if (!bearer.empty()) c->AddMetadata("authorization", bearer);
      return c;
    };
    std::vector<std::pair<std::string, grpc::Status>> results;
    {
      pb::ListNotificationsResponse r;
      results.emplace_back(
          "ListNotifications",
          stub_->ListNotifications(ctx().get(), pb::ListNotificationsRequest(), &r));
    }
    {
      pb::MarkReadRequest request;
      request.set_recipient(kDivA);
      *request.mutable_fired_before() = civil::ToTimestamp(clock_.Now());
      pb::MarkReadResponse r;
      results.emplace_back("MarkRead", stub_->MarkRead(ctx().get(), request, &r));
    }
    {
      auto c = ctx();
      auto reader = stub_->Subscribe(c.get(), pb::SubscribeRequest());
      pb::SubscribeResponse event;
      EXPECT_FALSE(reader->Read(&event));
      results.emplace_back("Subscribe", reader->Finish());
    }
    {
      pb::CreateWebhookRequest request;
      *request.mutable_webhook() = ValidWebhook("x");
      pb::Webhook r;
      results.emplace_back("CreateWebhook", stub_->CreateWebhook(ctx().get(), request, &r));
    }
    {
      pb::GetWebhookRequest request;
      request.set_name("webhooks/" + NewId());
      pb::Webhook r;
      results.emplace_back("GetWebhook", stub_->GetWebhook(ctx().get(), request, &r));
    }
    {
      pb::ListWebhooksResponse r;
      results.emplace_back("ListWebhooks",
                           stub_->ListWebhooks(ctx().get(), pb::ListWebhooksRequest(), &r));
    }
    {
      pb::UpdateWebhookRequest request;
      request.mutable_webhook()->set_name("webhooks/" + NewId());
      request.mutable_update_mask()->add_paths("display_name");
      pb::Webhook r;
      results.emplace_back("UpdateWebhook", stub_->UpdateWebhook(ctx().get(), request, &r));
    }
    {
      pb::DeleteWebhookRequest request;
      request.set_name("webhooks/" + NewId());
      google::protobuf::Empty r;
      results.emplace_back("DeleteWebhook", stub_->DeleteWebhook(ctx().get(), request, &r));
    }
    {
      pb::QueueStats r;
      results.emplace_back("GetQueueStats",
                           stub_->GetQueueStats(ctx().get(), pb::GetQueueStatsRequest(), &r));
    }
    {
      pb::ListDeadLettersResponse r;
      results.emplace_back("ListDeadLetters",
                           stub_->ListDeadLetters(ctx().get(), pb::ListDeadLettersRequest(), &r));
    }
    {
      pb::RetryDeadLetterRequest request;
      request.set_name(DeadLetterName({DeadLetterRef::Kind::kReminder, "task/x/2024-04-30/due"}));
      pb::RetryDeadLetterResponse r;
      results.emplace_back("RetryDeadLetter", stub_->RetryDeadLetter(ctx().get(), request, &r));
    }
    {
      pb::ListPendingRemindersResponse r;
      results.emplace_back(
          "ListPendingReminders",
          stub_->ListPendingReminders(ctx().get(), pb::ListPendingRemindersRequest(), &r));
    }
    {
      ListAuditEventsResponse r;
      results.emplace_back("ListAuditEvents",
                           stub_->ListAuditEvents(ctx().get(), ListAuditEventsRequest(), &r));
    }
    ASSERT_EQ(static_cast<int>(results.size()), ServiceDescriptor()->method_count());
    for (const auto& [method, status] : results) {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method << " with \"" << bearer.substr(0, 12) << "\": " << status.error_message();
    }
  }
  EXPECT_TRUE(queue_.requeued.empty());
  EXPECT_THAT(AuditEvents(), IsEmpty());
}

TEST_F(NotificationAccessTest, WebhooksTheQueueAndTheAuditTrailNeedTheirPermission) {
  pb::CreateWebhookRequest create;
  *create.mutable_webhook() = ValidWebhook("Văn bản");
  pb::Webhook hook;
  grpc::Status s = stub_->CreateWebhook(As("planner-a").get(), create, &hook);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("\"administer\""));
  pb::ListWebhooksResponse listed;
  s = stub_->ListWebhooks(As("viewer-a").get(), pb::ListWebhooksRequest(), &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("ListWebhooks needs the permission \"administer\""));
  pb::QueueStats stats;
  EXPECT_EQ(stub_->GetQueueStats(As("viewer-dept").get(), pb::GetQueueStatsRequest(), &stats)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  pb::ListDeadLettersResponse dead;
  EXPECT_EQ(
      stub_->ListDeadLetters(As("hsdt").get(), pb::ListDeadLettersRequest(), &dead).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  ListAuditEventsResponse events;
  s = stub_->ListAuditEvents(As("viewer-dept").get(), ListAuditEventsRequest(), &events);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("\"audit.read\""));

  // An administrator may; a system granted "read" lists pending reminders.
  ASSERT_TRUE(stub_->CreateWebhook(As("admin").get(), create, &hook).ok());
  ASSERT_TRUE(stub_->ListDeadLetters(As("admin").get(), pb::ListDeadLettersRequest(), &dead).ok());
  pb::ListPendingRemindersResponse pending;
  EXPECT_TRUE(
      stub_->ListPendingReminders(As("hsdt").get(), pb::ListPendingRemindersRequest(), &pending)
          .ok());
  EXPECT_EQ(stub_->CreateWebhook(As("hsdt").get(), create, &hook).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// ---- Inbox scope ----------------------------------------------------------------

TEST_F(NotificationAccessTest, AViewerOfADivisionReadsItsInboxesButNotAnotherDivisions) {
  const pb::Notification to_a = Deliver("task/a/2024-04-30/due", {DivA()}, At(2024, 4, 30, 1));
  const pb::Notification to_b = Deliver("task/b/2024-04-30/due", {DivB()}, At(2024, 4, 30, 2));
  const pb::Notification to_person_a =
      Deliver("task/pa/2024-04-30/escalate-1", {Person(kPersonA, "Nguyễn Văn A", {kDivA, kDept})},
              At(2024, 4, 30, 3));
  const pb::Notification to_person_b =
      Deliver("task/pb/2024-04-30/escalate-1", {Person(kPersonB, "Trần Thị B", {kDivB, kDept})},
              At(2024, 4, 30, 4));
  const pb::Notification to_both =
      Deliver("task/ab/2024-04-30/due", {DivA(), DivB()}, At(2024, 4, 30, 5));
  // B read the shared one; A's viewer must not learn when.
  ASSERT_TRUE(MarkRead("admin", kDivB, {to_both.name()}).ok());

  EXPECT_THAT(ListIds("viewer-a"),
              UnorderedElementsAre("task/a/2024-04-30/due", "task/pa/2024-04-30/escalate-1",
                                   "task/ab/2024-04-30/due"));
  pb::ListNotificationsRequest request;
  request.mutable_filter()->add_recipients(kDivA);
  EXPECT_THAT(ListIds("viewer-a", request),
              UnorderedElementsAre("task/a/2024-04-30/due", "task/ab/2024-04-30/due"));
  // Naming B's inbox yields nothing, as an inbox that does not exist does,
  // even for the notification B shares with A.
  request.mutable_filter()->Clear();
  request.mutable_filter()->add_recipients(kDivB);
  EXPECT_THAT(ListIds("viewer-a", request), IsEmpty());
  request.mutable_filter()->add_recipients(kPersonB);
  request.mutable_filter()->set_unread_only(true);
  EXPECT_THAT(ListIds("viewer-a", request), IsEmpty());
  request.mutable_filter()->Clear();
  request.mutable_filter()->add_recipients(kDept);
  request.mutable_filter()->set_include_subtree(true);
  EXPECT_THAT(ListIds("viewer-a", request),
              UnorderedElementsAre("task/a/2024-04-30/due", "task/pa/2024-04-30/escalate-1",
                                   "task/ab/2024-04-30/due"));
  pb::ListNotificationsResponse page;
  ASSERT_TRUE(
      stub_->ListNotifications(As("viewer-a").get(), pb::ListNotificationsRequest(), &page).ok());
  ASSERT_EQ(page.notifications(0).reminder_id(), "task/ab/2024-04-30/due");
  EXPECT_FALSE(page.notifications(0).recipients(1).has_read_time());
  ASSERT_TRUE(
      stub_->ListNotifications(As("admin").get(), pb::ListNotificationsRequest(), &page).ok());
  EXPECT_TRUE(page.notifications(0).recipients(1).has_read_time());

  // MarkRead: B's inbox answers as a missing one, whatever is asked.
  grpc::Status s = MarkRead("viewer-a", kDivB, {to_b.name()});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  const std::string missing = s.error_message();
  EXPECT_EQ(missing, absl::StrCat("recipient: ", kDivB, " not found"));
  s = MarkAllRead("viewer-a", kDivB);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), missing);
  s = MarkRead("viewer-a", kPersonB, {to_person_b.name()});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), absl::StrCat("recipient: ", kPersonB, " not found"));
  s = MarkAllRead("viewer-a", kOtherDept);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), absl::StrCat("recipient: ", kOtherDept, " not found"));
  // Its own unit's inbox and its own person inbox it marks.
  int marked = 0;
  ASSERT_TRUE(MarkRead("viewer-a", kDivA, {to_a.name(), to_both.name()}, &marked).ok());
  EXPECT_EQ(marked, 2);
  ASSERT_TRUE(MarkRead("viewer-a", kPersonA, {to_person_a.name()}, &marked).ok());
  EXPECT_EQ(marked, 1);
  // A notification of B's, named in A's own inbox, is simply not there.
  s = MarkRead("viewer-a", kDivA, {to_b.name()});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  // Nothing of B's was marked.
  request.Clear();
  request.mutable_filter()->add_recipients(kDivB);
  request.mutable_filter()->set_unread_only(true);
  EXPECT_THAT(ListIds("admin", request), UnorderedElementsAre("task/b/2024-04-30/due"));
}

TEST_F(NotificationAccessTest, ADepartmentViewerSeesBothDivisionsButMarksOnlyItsOwnInbox) {
  Deliver("task/a/2024-04-30/due", {DivA()}, At(2024, 4, 30, 1));
  const pb::Notification to_b = Deliver("task/b/2024-04-30/due", {DivB()}, At(2024, 4, 30, 2));
  Deliver("task/pb/2024-04-30/escalate-1", {Person(kPersonB, "Trần Thị B", {kDivB, kDept})},
          At(2024, 4, 30, 3));
  const pb::Notification to_dept =
      Deliver("plan/k/2024-04-30/report-1d", {Unit(kDept, "Sở Nội vụ")}, At(2024, 4, 30, 4));
  Deliver("task/other/2024-04-30/due", {Unit(kOtherDept, "Sở Tài chính")}, At(2024, 4, 30, 5));

  EXPECT_THAT(ListIds("viewer-dept"),
              UnorderedElementsAre("task/a/2024-04-30/due", "task/b/2024-04-30/due",
                                   "task/pb/2024-04-30/escalate-1", "plan/k/2024-04-30/report-1d"));
  pb::ListNotificationsRequest request;
  request.mutable_filter()->add_recipients(kDivB);
  EXPECT_THAT(ListIds("viewer-dept", request), UnorderedElementsAre("task/b/2024-04-30/due"));
  EXPECT_THAT(ListIds("admin"), ::testing::SizeIs(5));

  // B's inbox is in its scope, but the read state is B's.
  grpc::Status s = MarkRead("viewer-dept", kDivB, {to_b.name()});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("member of the recipient unit"));
  EXPECT_THAT(s.error_message(), HasSubstr(kDivB));
  EXPECT_EQ(MarkAllRead("viewer-dept", kPersonB).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(MarkAllRead("viewer-dept", kOtherDept).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(MarkRead("viewer-dept", kDept, {to_dept.name()}).ok());
  EXPECT_TRUE(MarkRead("admin", kDivB, {to_b.name()}).ok());
}

TEST_F(NotificationAccessTest, ScopedListingsPageExactly) {
  std::vector<std::string> expected;
  for (int i = 0; i < 9; ++i) {
    const std::string a = absl::StrCat("task/a", i, "/2024-04-30/due");
    Deliver(a, {DivA()}, At(2024, 4, 30, 1, i));
    expected.push_back(a);
    for (int j = 0; j < 3; ++j) {
      Deliver(absl::StrCat("task/b", i, j, "/2024-04-30/due"), {DivB()}, At(2024, 4, 30, 1, i));
    }
  }
  pb::ListNotificationsRequest request;
  request.set_page_size(2);
  std::vector<std::string> got;
  int pages = 0;
  do {
    pb::ListNotificationsResponse response;
    ASSERT_TRUE(stub_->ListNotifications(As("viewer-a").get(), request, &response).ok());
    EXPECT_EQ(response.notifications_size(), response.next_page_token().empty() ? 1 : 2);
    for (const pb::Notification& n : response.notifications()) got.push_back(n.reminder_id());
    request.set_page_token(response.next_page_token());
    ++pages;
  } while (!request.page_token().empty());
  EXPECT_EQ(pages, 5);
  std::reverse(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
}

TEST_F(NotificationAccessTest, PendingRemindersOfAnotherDivisionAreNotListed) {
  auto queued = [&](const std::string& id, const pb::Recipient& r) {
    pb::ReminderPayload payload;
    payload.set_reminder_id(id);
    payload.set_rule("due");
    *payload.add_recipients() = r;
    reminders::PendingReminder p;
    p.id = id;
    p.fire_at_ms = absl::ToUnixMillis(clock_.Now() + absl::Hours(1));
    p.scheduled_fire_at_ms = p.fire_at_ms;
    p.payload = payload.SerializeAsString();
    queue_.pending.push_back(p);
  };
  queued("task/a/2024-05-02/due", DivA());
  queued("task/b/2024-05-02/due", DivB());
  queued("task/pa/2024-05-02/due", Person(kPersonA, "A", {kDivA, kDept}));
  auto ids = [&](const std::string& who) {
    pb::ListPendingRemindersResponse response;
    grpc::Status s =
        stub_->ListPendingReminders(As(who).get(), pb::ListPendingRemindersRequest(), &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> out;
    for (const pb::PendingReminder& r : response.reminders()) out.push_back(r.reminder_id());
    return out;
  };
  EXPECT_THAT(ids("viewer-a"),
              UnorderedElementsAre("task/a/2024-05-02/due", "task/pa/2024-05-02/due"));
  EXPECT_THAT(ids("hsdt"), UnorderedElementsAre("task/b/2024-05-02/due"));
  EXPECT_THAT(ids("viewer-dept"), ::testing::SizeIs(3));
  EXPECT_THAT(ids("admin"), ::testing::SizeIs(3));
}

// ---- Subscribe --------------------------------------------------------------------

TEST_F(NotificationAccessTest, AStreamCarriesOnlyTheNotificationsOfTheCallersScope) {
  clock_.Advance(absl::Seconds(1));
  pb::SubscribeRequest request;
  *request.mutable_since() = civil::ToTimestamp(clock_.Now());
  auto a_ctx = As("viewer-a");
  auto a_stream = stub_->Subscribe(a_ctx.get(), request);
  // A filter naming both divisions still carries only A's.
  pb::SubscribeRequest widened = request;
  widened.mutable_filter()->add_recipients(kDivB);
  widened.mutable_filter()->add_recipients(kDivA);
  auto widened_ctx = As("viewer-a");
  auto widened_stream = stub_->Subscribe(widened_ctx.get(), widened);
  auto dept_ctx = As("viewer-dept");
  auto dept_stream = stub_->Subscribe(dept_ctx.get(), request);
  auto system_ctx = As("hsdt");
  auto system_stream = stub_->Subscribe(system_ctx.get(), request);

  Deliver("task/b1/2024-04-30/due", {DivB()});
  Deliver("task/a1/2024-04-30/due", {DivA()});
  Deliver("task/pb/2024-04-30/escalate-1", {Person(kPersonB, "B", {kDivB, kDept})});
  Deliver("task/pa/2024-04-30/escalate-1", {Person(kPersonA, "A", {kDivA, kDept})});
  Deliver("task/b2/2024-04-30/due", {DivB()});
  Deliver("task/a2/2024-04-30/due", {DivA()});

  EXPECT_EQ(ReadNotifications(a_stream.get(), 3),
            (std::vector<std::string>{"task/a1/2024-04-30/due", "task/pa/2024-04-30/escalate-1",
                                      "task/a2/2024-04-30/due"}));
  EXPECT_EQ(ReadNotifications(widened_stream.get(), 2),
            (std::vector<std::string>{"task/a1/2024-04-30/due", "task/a2/2024-04-30/due"}));
  EXPECT_EQ(ReadNotifications(dept_stream.get(), 6).size(), 6u);
  EXPECT_EQ(ReadNotifications(system_stream.get(), 3),
            (std::vector<std::string>{"task/b1/2024-04-30/due", "task/pb/2024-04-30/escalate-1",
                                      "task/b2/2024-04-30/due"}));
  for (auto* ctx : {a_ctx.get(), widened_ctx.get(), dept_ctx.get(), system_ctx.get()}) {
    ctx->TryCancel();
  }
  pb::SubscribeResponse event;
  for (auto* stream :
       {a_stream.get(), widened_stream.get(), dept_stream.get(), system_stream.get()}) {
    while (stream->Read(&event)) {
    }
    stream->Finish();
  }
}

// ---- Webhook secrets ----------------------------------------------------------------

TEST_F(NotificationAccessTest, NoMethodEverReturnsAWebhookSecret) {
  const std::string secret = std::string(48, 'q');
  pb::CreateWebhookRequest create;
  *create.mutable_webhook() = ValidWebhook("Văn bản");
  create.mutable_webhook()->set_secret(secret);
  pb::Webhook created;
  ASSERT_TRUE(stub_->CreateWebhook(As("admin").get(), create, &created).ok());
  EXPECT_THAT(created.secret(), IsEmpty());
  EXPECT_FALSE(absl::StrContains(created.SerializeAsString(), secret));

  pb::GetWebhookRequest get;
  get.set_name(created.name());
  pb::Webhook got;
  ASSERT_TRUE(stub_->GetWebhook(As("admin").get(), get, &got).ok());
  EXPECT_THAT(got.secret(), IsEmpty());

  pb::ListWebhooksResponse listed;
  ASSERT_TRUE(stub_->ListWebhooks(As("admin").get(), pb::ListWebhooksRequest(), &listed).ok());
  ASSERT_EQ(listed.webhooks_size(), 1);
  EXPECT_THAT(listed.webhooks(0).secret(), IsEmpty());

  const std::string rotated = std::string(64, 'r');
  pb::UpdateWebhookRequest update;
  update.mutable_webhook()->set_name(created.name());
  update.mutable_webhook()->set_secret(rotated);
  update.mutable_webhook()->set_display_name("Văn bản điện tử");
  update.mutable_update_mask()->add_paths("secret");
  update.mutable_update_mask()->add_paths("display_name");
  pb::Webhook updated;
  ASSERT_TRUE(stub_->UpdateWebhook(As("admin").get(), update, &updated).ok());
  EXPECT_THAT(updated.secret(), IsEmpty());
  EXPECT_FALSE(absl::StrContains(updated.SerializeAsString(), rotated));

  // The dead letters of its deliveries do not carry it either, and the
  // sender signs with the rotated one.
  Deliver("task/w/2024-04-30/due", {DivA()});
  std::vector<OutboxDelivery> claimed = *store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].secret, rotated);
  ASSERT_TRUE(store_->DeliveryFailed(claimed[0].id, "HTTP 500", clock_.Now(), std::nullopt).ok());
  pb::ListDeadLettersResponse dead;
  ASSERT_TRUE(stub_->ListDeadLetters(As("admin").get(), pb::ListDeadLettersRequest(), &dead).ok());
  ASSERT_EQ(dead.dead_letters_size(), 1);
  EXPECT_FALSE(absl::StrContains(dead.SerializeAsString(), rotated));
  EXPECT_FALSE(absl::StrContains(dead.SerializeAsString(), secret));
}

// ---- Audit ------------------------------------------------------------------------------

TEST_F(NotificationAccessTest, EachSuccessfulChangeLeavesExactlyOneAuditEvent) {
  const pb::Notification to_a = Deliver("task/a/2024-04-30/due", {DivA()});
  const pb::Notification to_b = Deliver("task/b/2024-04-30/due", {DivB()});
  // Background delivery is not an RPC change.
  EXPECT_THAT(AuditEvents(), IsEmpty());
  size_t expected = 0;
  auto expect_new_event = [&](const std::string& rpc, const std::string& resource,
                              const std::string& principal) {
    const std::vector<AuditEvent> events = AuditEvents();
    ASSERT_EQ(events.size(), ++expected) << rpc;
    const AuditEvent& e = events.front();  // newest first
    EXPECT_EQ(e.rpc(), absl::StrCat("chiso.notification.v1.NotificationService/", rpc));
    EXPECT_EQ(e.resource(), resource);
    EXPECT_EQ(e.principal(), principal);
  };
  auto expect_no_new_event = [&](const std::string& what) {
    EXPECT_EQ(AuditEvents().size(), expected) << what;
  };

  // MarkRead.
  ASSERT_TRUE(MarkRead("viewer-a", kDivA, {to_a.name()}).ok());
  expect_new_event("MarkRead", kDivA, kPersonA);
  EXPECT_NE(AuditEvents().front().before_sha256(), AuditEvents().front().after_sha256());
  // Marking read again changes nothing, and leaves no event.
  int marked = -1;
  ASSERT_TRUE(MarkRead("viewer-a", kDivA, {to_a.name()}, &marked).ok());
  EXPECT_EQ(marked, 0);
  expect_no_new_event("MarkRead of what was read");
  EXPECT_EQ(MarkRead("viewer-a", kDivB, {to_b.name()}).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(MarkRead("viewer-dept", kDivB, {to_b.name()}).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(MarkRead("viewer-a", kDivA, {"notifications/" + NewId()}).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(MarkRead("viewer-a", kDivA, {"garbage"}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  expect_no_new_event("refused MarkRead");

  // Webhooks.
  pb::CreateWebhookRequest create;
  *create.mutable_webhook() = ValidWebhook("Văn bản");
  create.mutable_webhook()->set_max_attempts(1);
  pb::Webhook hook;
  EXPECT_EQ(stub_->CreateWebhook(As("planner-a").get(), create, &hook).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  pb::CreateWebhookRequest bad_create = create;
  bad_create.mutable_webhook()->set_url("ftp://x");
  EXPECT_EQ(stub_->CreateWebhook(As("admin").get(), bad_create, &hook).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  expect_no_new_event("refused CreateWebhook");
  ASSERT_TRUE(stub_->CreateWebhook(As("admin").get(), create, &hook).ok());
  expect_new_event("CreateWebhook", hook.name(), kAdmin);
  EXPECT_THAT(AuditEvents().front().before_sha256(), IsEmpty());

  pb::UpdateWebhookRequest update;
  update.mutable_webhook()->set_name(hook.name());
  update.mutable_webhook()->set_display_name("Văn bản mới");
  update.mutable_webhook()->set_etag("99");
  update.mutable_update_mask()->add_paths("display_name");
  pb::Webhook updated;
  EXPECT_EQ(stub_->UpdateWebhook(As("admin").get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED);
  expect_no_new_event("UpdateWebhook with a stale etag");
  update.mutable_webhook()->set_etag(hook.etag());
  ASSERT_TRUE(stub_->UpdateWebhook(As("admin").get(), update, &updated).ok());
  expect_new_event("UpdateWebhook", hook.name(), kAdmin);

  // Dead letters: a webhook delivery and a reminder of the queue.
  Deliver("task/w/2024-04-30/due", {DivA()});
  std::vector<OutboxDelivery> claimed = *store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5);
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store_->DeliveryFailed(claimed[0].id, "HTTP 500", clock_.Now(), std::nullopt).ok());
  const std::string delivery_letter =
      DeadLetterName({DeadLetterRef::Kind::kDelivery, claimed[0].id});
  pb::RetryDeadLetterRequest retry;
  retry.set_name(delivery_letter);
  pb::RetryDeadLetterResponse retried;
  ASSERT_TRUE(stub_->RetryDeadLetter(As("admin").get(), retry, &retried).ok());
  expect_new_event("RetryDeadLetter", delivery_letter, kAdmin);
  EXPECT_FALSE(AuditEvents().front().before_sha256().empty());
  EXPECT_EQ(sender_wakes_, 1);
  EXPECT_EQ(stub_->RetryDeadLetter(As("admin").get(), retry, &retried).error_code(),
            grpc::StatusCode::NOT_FOUND);
  expect_no_new_event("retrying a delivery twice");

  const std::string reminder = "task/r1/2024-04-30/overdue-1";
  queue_.dead.push_back(
      {reminder, "", 8, "inbox store: disk full", absl::ToUnixMillis(clock_.Now())});
  retry.set_name(DeadLetterName({DeadLetterRef::Kind::kReminder, reminder}));
  queue_.down = absl::UnavailableError("reminder queue (redis): connection refused");
  EXPECT_EQ(stub_->RetryDeadLetter(As("admin").get(), retry, &retried).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  queue_.down = absl::OkStatus();
  expect_no_new_event("retry while Redis is down");
  ASSERT_TRUE(stub_->RetryDeadLetter(As("admin").get(), retry, &retried).ok());
  expect_new_event("RetryDeadLetter", retry.name(), kAdmin);
  ASSERT_EQ(queue_.requeued.size(), 1u);
  EXPECT_EQ(stub_->RetryDeadLetter(As("admin").get(), retry, &retried).error_code(),
            grpc::StatusCode::NOT_FOUND);
  expect_no_new_event("retrying a reminder twice");

  pb::DeleteWebhookRequest del;
  del.set_name(hook.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->DeleteWebhook(As("viewer-dept").get(), del, &empty).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  del.set_etag("1");  // stale: the update made it 2
  EXPECT_EQ(stub_->DeleteWebhook(As("admin").get(), del, &empty).error_code(),
            grpc::StatusCode::ABORTED);
  expect_no_new_event("refused DeleteWebhook");
  del.clear_etag();
  ASSERT_TRUE(stub_->DeleteWebhook(As("admin").get(), del, &empty).ok());
  expect_new_event("DeleteWebhook", hook.name(), kAdmin);
  EXPECT_THAT(AuditEvents().front().after_sha256(), IsEmpty());
  EXPECT_EQ(stub_->DeleteWebhook(As("admin").get(), del, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
  expect_no_new_event("deleting twice");

  // Reads change nothing and record nothing.
  ListIds("admin");
  pb::ListWebhooksResponse listed;
  ASSERT_TRUE(stub_->ListWebhooks(As("admin").get(), pb::ListWebhooksRequest(), &listed).ok());
  expect_no_new_event("reads");
}

}  // namespace
}  // namespace chiso::notification
