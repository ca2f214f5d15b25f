// The notification service over gRPC on loopback, with its real store (an
// in-memory database) and a fake reminder queue: request checks and their
// status codes, inboxes, webhooks, dead letters of both kinds, and Subscribe
// streams resumed from a cursor.
#include "services/notification/notification_service.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/civil/clock.h"
#include "common/ids/page_token.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/notification/delivery_hub.h"
#include "services/notification/lateness_window.h"
#include "services/notification/notification_domain.h"
#include "services/notification/notification_store.h"
#include "tests/notification/fake_queue_admin.h"
#include "tests/notification/notification_fixtures.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::At;
using ::chiso::notification::testing::Built;
using ::chiso::notification::testing::FakeQueueAdmin;
using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Unit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class NotificationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    clock_.Set(At(2024, 4, 30, 2, 0));
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, NotificationMigrations()).ok());
    store_ = std::make_unique<NotificationStore>(db_.get(), &ids_, [this] { return clock_.Now(); });
    hub_ = std::make_unique<DeliveryHub>(0);
    InboxOptions inbox_options;
    inbox_options.cancel_poll = absl::Milliseconds(20);
    inbox_ =
        std::make_unique<InboxManager>(store_.get(), hub_.get(), &clock_, nullptr, inbox_options);
    webhooks_ = std::make_unique<WebhookManager>(store_.get(), WebhookRules());
    operations_ = std::make_unique<OperationsManager>(&queue_, store_.get(), &lateness_,
                                                      &calendar::WorkingCalendar::Builtin(),
                                                      &clock_, [this] { ++sender_wakes_; });
    service_ =
        std::make_unique<NotificationServiceImpl>(inbox_.get(), webhooks_.get(), operations_.get());
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

  // Stores a notification as the consumer does and tells the streams.
  pb::Notification Deliver(const std::string& reminder_id, const std::string& unit,
                           absl::Time fire) {
    absl::StatusOr<std::vector<Delivered>> d =
        store_->Deliver({Built(reminder_id, fire, {Unit(unit, "Đơn vị")})}, nullptr);
    EXPECT_TRUE(d.ok()) << d.status();
    hub_->Published(d->front().seq);
    return d->front().notification;
  }

  grpc::Status List(const pb::ListNotificationsRequest& request,
                    pb::ListNotificationsResponse* response) {
    grpc::ClientContext ctx;
    return stub_->ListNotifications(&ctx, request, response);
  }

  grpc::Status MarkRead(const pb::MarkReadRequest& request, int* marked = nullptr) {
    grpc::ClientContext ctx;
    pb::MarkReadResponse response;
    grpc::Status s = stub_->MarkRead(&ctx, request, &response);
    if (marked != nullptr) *marked = response.marked_count();
    return s;
  }

  grpc::Status CreateWebhook(const pb::Webhook& webhook, pb::Webhook* out) {
    grpc::ClientContext ctx;
    pb::CreateWebhookRequest request;
    *request.mutable_webhook() = webhook;
    return stub_->CreateWebhook(&ctx, request, out);
  }

  pb::Webhook ValidWebhook(const std::string& display) {
    pb::Webhook w;
    w.set_display_name(display);
    w.set_url("https://vanban.example.gov.vn/hook");
    w.set_secret(std::string(32, 'k'));
    return w;
  }

  // Reads events of a stream until `n` notifications came (heartbeats are
  // collected too) or the stream ends.
  struct Stream {
    std::unique_ptr<grpc::ClientContext> ctx = std::make_unique<grpc::ClientContext>();
    std::unique_ptr<grpc::ClientReader<pb::SubscribeResponse>> reader;
  };
  Stream Open(const pb::SubscribeRequest& request) {
    Stream s;
    s.ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    s.reader = stub_->Subscribe(s.ctx.get(), request);
    return s;
  }

  std::ostringstream logs_;
  civil::FakeClock clock_;
  IdGenerator ids_;
  FakeQueueAdmin queue_;
  LatenessWindow lateness_;
  int sender_wakes_ = 0;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<NotificationStore> store_;
  std::unique_ptr<DeliveryHub> hub_;
  std::unique_ptr<InboxManager> inbox_;
  std::unique_ptr<WebhookManager> webhooks_;
  std::unique_ptr<OperationsManager> operations_;
  std::unique_ptr<NotificationServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<pb::NotificationService::Stub> stub_;
  const std::string finance_ = "units/" + NewId();
  const std::string office_ = "units/" + NewId();
};

// ---- Inbox --------------------------------------------------------------------

TEST_F(NotificationServiceTest, ListNotificationsChecksItsRequest) {
  pb::ListNotificationsResponse response;
  pb::ListNotificationsRequest request;
  request.set_page_size(-1);
  EXPECT_EQ(List(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  request.set_page_token("garbage");
  EXPECT_EQ(List(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  request.mutable_filter()->set_unread_only(true);
  grpc::Status s = List(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("filter.unread_only"));
  request.Clear();
  request.mutable_filter()->add_recipients("phong-tai-chinh");
  s = List(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("filter.recipients[0]"));
  request.Clear();
  request.mutable_filter()->mutable_kinds()->Add(42);
  EXPECT_EQ(List(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  request.mutable_filter()->mutable_fired_after()->set_nanos(-5);
  EXPECT_EQ(List(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(NotificationServiceTest, ListsPagesBoundToTheirFilter) {
  for (int i = 0; i < 5; ++i) {
    Deliver(absl::StrCat("task/t", i, "/2024-04-30/due"), finance_, At(2024, 4, 25 + i));
  }
  Deliver("task/x/2024-04-30/due", office_, At(2024, 4, 30));
  pb::ListNotificationsRequest request;
  request.set_page_size(2);
  request.mutable_filter()->add_recipients(finance_);
  std::vector<std::string> seen;
  std::string token;
  do {
    request.set_page_token(token);
    pb::ListNotificationsResponse response;
    ASSERT_TRUE(List(request, &response).ok());
    for (const pb::Notification& n : response.notifications()) seen.push_back(n.reminder_id());
    token = response.next_page_token();
    if (!token.empty()) {
      pb::ListNotificationsRequest other = request;
      other.set_page_token(token);
      other.mutable_filter()->set_unread_only(true);
      pb::ListNotificationsResponse ignored;
      grpc::Status s = List(other, &ignored);
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_THAT(s.error_message(), HasSubstr("different filter"));
    }
  } while (!token.empty());
  EXPECT_THAT(seen, ElementsAre("task/t4/2024-04-30/due", "task/t3/2024-04-30/due",
                                "task/t2/2024-04-30/due", "task/t1/2024-04-30/due",
                                "task/t0/2024-04-30/due"));
}

TEST_F(NotificationServiceTest, MarkReadChecksItsRequestAndMarksOnce) {
  const pb::Notification n = Deliver("task/a/2024-04-30/due", finance_, At(2024, 4, 30));
  pb::MarkReadRequest request;
  request.mutable_notifications()->add_names(n.name());
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no recipient
  request.set_recipient("units/nope");
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_recipient(finance_);
  request.clear_notifications();
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no selection
  request.mutable_notifications();
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no names
  for (int i = 0; i < 501; ++i) request.mutable_notifications()->add_names(n.name());
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.mutable_notifications()->clear_names();
  request.mutable_notifications()->add_names("notifications/bad id");
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.mutable_notifications()->clear_names();
  request.mutable_notifications()->add_names(NotificationName(NewId()));
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_recipient(office_);
  request.mutable_notifications()->clear_names();
  request.mutable_notifications()->add_names(n.name());
  EXPECT_EQ(MarkRead(request).error_code(), grpc::StatusCode::NOT_FOUND);  // not in that inbox

  request.set_recipient(finance_);
  int marked = -1;
  ASSERT_TRUE(MarkRead(request, &marked).ok());
  EXPECT_EQ(marked, 1);
  ASSERT_TRUE(MarkRead(request, &marked).ok());
  EXPECT_EQ(marked, 0);

  Deliver("task/b/2024-04-30/due", finance_, At(2024, 4, 29));
  pb::MarkReadRequest all;
  all.set_recipient(finance_);
  *all.mutable_fired_before() = civil::ToTimestamp(clock_.Now());
  ASSERT_TRUE(MarkRead(all, &marked).ok());
  EXPECT_EQ(marked, 1);
  pb::ListNotificationsRequest unread;
  unread.mutable_filter()->add_recipients(finance_);
  unread.mutable_filter()->set_unread_only(true);
  pb::ListNotificationsResponse response;
  ASSERT_TRUE(List(unread, &response).ok());
  EXPECT_THAT(response.notifications(), IsEmpty());
}

// ---- Webhooks -----------------------------------------------------------------

TEST_F(NotificationServiceTest, WebhookSecretsAreWriteOnly) {
  pb::Webhook created;
  pb::Webhook insecure = ValidWebhook("Hệ thống văn bản");
  insecure.set_url("http://vanban.example.gov.vn/hook");
  grpc::Status s = CreateWebhook(insecure, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("https"));
  pb::Webhook weak = ValidWebhook("Hệ thống văn bản");
  weak.set_secret("short");
  EXPECT_EQ(CreateWebhook(weak, &created).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext empty_ctx;
  EXPECT_EQ(stub_->CreateWebhook(&empty_ctx, pb::CreateWebhookRequest(), &created).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(CreateWebhook(ValidWebhook("Hệ thống văn bản"), &created).ok());
  EXPECT_THAT(created.name(), HasSubstr("webhooks/"));
  EXPECT_TRUE(created.secret().empty());
  EXPECT_EQ(created.state(), pb::WEBHOOK_STATE_ACTIVE);
  EXPECT_EQ(created.max_attempts(), 10);

  grpc::ClientContext get_ctx;
  pb::GetWebhookRequest get;
  get.set_name(created.name());
  pb::Webhook got;
  ASSERT_TRUE(stub_->GetWebhook(&get_ctx, get, &got).ok());
  EXPECT_TRUE(got.secret().empty());
  get.set_name(WebhookName(NewId()));
  grpc::ClientContext missing_ctx;
  EXPECT_EQ(stub_->GetWebhook(&missing_ctx, get, &got).error_code(), grpc::StatusCode::NOT_FOUND);

  // Rotating the secret.
  clock_.Advance(absl::Hours(1));
  pb::UpdateWebhookRequest update;
  update.mutable_webhook()->set_name(created.name());
  update.mutable_webhook()->set_secret(std::string(48, 'r'));
  update.mutable_webhook()->set_etag(created.etag());
  update.mutable_update_mask()->add_paths("secret");
  grpc::ClientContext update_ctx;
  pb::Webhook rotated;
  ASSERT_TRUE(stub_->UpdateWebhook(&update_ctx, update, &rotated).ok());
  EXPECT_TRUE(rotated.secret().empty());
  EXPECT_GT(rotated.secret_update_time().seconds(), created.secret_update_time().seconds());
  EXPECT_NE(rotated.etag(), created.etag());
  // The old etag no longer matches.
  grpc::ClientContext stale_ctx;
  EXPECT_EQ(stub_->UpdateWebhook(&stale_ctx, update, &rotated).error_code(),
            grpc::StatusCode::ABORTED);
  update.clear_update_mask();
  grpc::ClientContext no_mask_ctx;
  EXPECT_EQ(stub_->UpdateWebhook(&no_mask_ctx, update, &rotated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Found by tests/rpcfuzz: a webhook whose display name held a NUL was
// stored, and ListWebhooks, whose page tokens carry the name, then refused
// its own token ("page_token: malformed") on the page that ended with it.
TEST_F(NotificationServiceTest, AWebhookNameWithANulIsRefusedSoListWebhooksPagesOn) {
  pb::Webhook out;
  grpc::Status s = CreateWebhook(ValidWebhook(std::string("A\0B", 3)), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("webhook.display_name"));
  pb::Webhook a, b;
  ASSERT_TRUE(CreateWebhook(ValidWebhook("A – văn bản"), &a).ok());
  ASSERT_TRUE(CreateWebhook(ValidWebhook("B – một cửa"), &b).ok());
  pb::UpdateWebhookRequest update;
  update.mutable_webhook()->set_name(a.name());
  update.mutable_webhook()->set_display_name(std::string("A\0", 2));
  update.mutable_update_mask()->add_paths("display_name");
  grpc::ClientContext update_ctx;
  s = stub_->UpdateWebhook(&update_ctx, update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("webhook.display_name"));
  pb::ListWebhooksRequest request;
  request.set_page_size(1);
  int listed = 0;
  do {
    grpc::ClientContext ctx;
    pb::ListWebhooksResponse response;
    s = stub_->ListWebhooks(&ctx, request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    listed += response.webhooks_size();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(listed, 2);
}

TEST_F(NotificationServiceTest, WebhooksListByDisplayNameAndDelete) {
  pb::Webhook b, a, c;
  ASSERT_TRUE(CreateWebhook(ValidWebhook("B – cổng dịch vụ công"), &b).ok());
  ASSERT_TRUE(CreateWebhook(ValidWebhook("A – văn bản"), &a).ok());
  ASSERT_TRUE(CreateWebhook(ValidWebhook("C – một cửa"), &c).ok());
  pb::ListWebhooksRequest request;
  request.set_page_size(2);
  std::vector<std::string> names;
  do {
    grpc::ClientContext ctx;
    pb::ListWebhooksResponse response;
    ASSERT_TRUE(stub_->ListWebhooks(&ctx, request, &response).ok());
    for (const pb::Webhook& w : response.webhooks()) {
      names.push_back(w.display_name());
      EXPECT_TRUE(w.secret().empty());
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_THAT(names, ElementsAre("A – văn bản", "B – cổng dịch vụ công", "C – một cửa"));

  pb::DeleteWebhookRequest del;
  del.set_name(a.name());
  del.set_etag("99");
  google::protobuf::Empty empty;
  grpc::ClientContext abort_ctx;
  EXPECT_EQ(stub_->DeleteWebhook(&abort_ctx, del, &empty).error_code(), grpc::StatusCode::ABORTED);
  del.set_etag(a.etag());
  grpc::ClientContext del_ctx;
  ASSERT_TRUE(stub_->DeleteWebhook(&del_ctx, del, &empty).ok());
  grpc::ClientContext again_ctx;
  EXPECT_EQ(stub_->DeleteWebhook(&again_ctx, del, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
  del.set_name("webhooks/");
  grpc::ClientContext bad_ctx;
  EXPECT_EQ(stub_->DeleteWebhook(&bad_ctx, del, &empty).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// ---- Queue operations ---------------------------------------------------------

TEST_F(NotificationServiceTest, QueueStatsComeFromRedisAndTheLatenessWindow) {
  queue_.stats.now_ms = absl::ToUnixMillis(clock_.Now());
  queue_.stats.due = 12;
  queue_.stats.ready = 3;
  queue_.stats.leased = 2;
  queue_.stats.dead = 1;
  queue_.stats.oldest_ready_age_ms = 1500;
  queue_.stats.epoch = "e1";
  for (int i = 1; i <= 100; ++i) {
    lateness_.Add(clock_.Now() - absl::Seconds(10), absl::Milliseconds(i));
  }
  lateness_.Add(clock_.Now() - absl::Minutes(30), absl::Seconds(90));  // outside 5 min

  pb::GetQueueStatsRequest request;
  pb::QueueStats stats;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->GetQueueStats(&ctx, request, &stats).ok());
  EXPECT_EQ(stats.due_count(), 12);
  EXPECT_EQ(stats.ready_count(), 3);
  EXPECT_EQ(stats.leased_count(), 2);
  EXPECT_EQ(stats.dead_count(), 1);
  EXPECT_EQ(stats.oldest_due_age().seconds(), 1);
  EXPECT_EQ(stats.oldest_due_age().nanos(), 500000000);
  EXPECT_EQ(stats.epoch(), "e1");
  EXPECT_EQ(stats.lateness().window().seconds(), 300);
  EXPECT_EQ(stats.lateness().delivered_count(), 100);
  EXPECT_EQ(stats.lateness().p50().nanos(), 50000000);
  EXPECT_EQ(stats.lateness().p99().nanos(), 99000000);
  EXPECT_EQ(stats.lateness().max().nanos(), 100000000);

  request.mutable_window()->set_seconds(7200);  // capped at an hour
  grpc::ClientContext hour_ctx;
  ASSERT_TRUE(stub_->GetQueueStats(&hour_ctx, request, &stats).ok());
  EXPECT_EQ(stats.lateness().window().seconds(), 3600);
  EXPECT_EQ(stats.lateness().delivered_count(), 101);
  EXPECT_EQ(stats.lateness().max().seconds(), 90);

  request.mutable_window()->set_seconds(-1);
  grpc::ClientContext bad_ctx;
  EXPECT_EQ(stub_->GetQueueStats(&bad_ctx, request, &stats).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  queue_.down = absl::UnavailableError("reminder queue (redis): connection refused");
  grpc::ClientContext down_ctx;
  EXPECT_EQ(stub_->GetQueueStats(&down_ctx, request, &stats).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(NotificationServiceTest, DeadLettersOfBothKindsAreListedAndRetried) {
  // A webhook delivery that failed every attempt.
  pb::Webhook hook;
  pb::Webhook w = ValidWebhook("Văn bản");
  w.set_max_attempts(1);
  ASSERT_TRUE(CreateWebhook(w, &hook).ok());
  Deliver("task/w/2024-04-30/due", finance_, At(2024, 4, 30));
  std::vector<OutboxDelivery> claimed = *store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5);
  ASSERT_EQ(claimed.size(), 1u);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(store_->DeliveryFailed(claimed[0].id, "HTTP 500", clock_.Now(), std::nullopt).ok());
  // Reminders the queue dead-lettered, one older and one newer.
  pb::ReminderPayload payload;
  payload.set_reminder_id("task/r1/2024-04-30/overdue-1");
  payload.set_rule("overdue-1");
  payload.set_subject("Rà soát thủ tục");
  queue_.dead.push_back({"task/r1/2024-04-30/overdue-1", payload.SerializeAsString(), 8,
                         "inbox store: disk full",
                         absl::ToUnixMillis(clock_.Now() - absl::Minutes(1))});
  queue_.dead.push_back({"task/r2/2024-04-30/due", "\xff\xfe garbage", 1, "payload: not a payload",
                         absl::ToUnixMillis(clock_.Now() + absl::Minutes(1))});

  pb::ListDeadLettersRequest request;
  request.set_page_size(2);
  std::vector<pb::DeadLetter> letters;
  do {
    grpc::ClientContext ctx;
    pb::ListDeadLettersResponse response;
    ASSERT_TRUE(stub_->ListDeadLetters(&ctx, request, &response).ok());
    for (const pb::DeadLetter& d : response.dead_letters()) letters.push_back(d);
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  ASSERT_EQ(letters.size(), 3u);
  EXPECT_EQ(letters[0].reminder_id(), "task/r2/2024-04-30/due");
  EXPECT_EQ(letters[0].notification().reminder_id(), "task/r2/2024-04-30/due");
  EXPECT_EQ(letters[0].last_error(), "payload: not a payload");
  EXPECT_TRUE(letters[0].webhook().empty());
  EXPECT_EQ(letters[1].reminder_id(), "task/w/2024-04-30/due");
  EXPECT_EQ(letters[1].webhook(), hook.name());
  EXPECT_FALSE(letters[1].notification().name().empty());
  EXPECT_EQ(letters[1].last_error(), "HTTP 500");
  EXPECT_EQ(letters[2].reminder_id(), "task/r1/2024-04-30/overdue-1");
  EXPECT_TRUE(letters[2].notification().name().empty());
  EXPECT_THAT(letters[2].notification().title(), HasSubstr("Rà soát thủ tục"));
  EXPECT_EQ(letters[2].attempts(), 8);

  // Filters.
  pb::ListDeadLettersRequest by_webhook;
  by_webhook.mutable_filter()->set_webhook(hook.name());
  queue_.down = absl::UnavailableError("reminder queue (redis): down");
  grpc::ClientContext webhook_ctx;
  pb::ListDeadLettersResponse only_webhook;
  ASSERT_TRUE(stub_->ListDeadLetters(&webhook_ctx, by_webhook, &only_webhook).ok());
  ASSERT_EQ(only_webhook.dead_letters_size(), 1);
  grpc::ClientContext down_ctx;
  pb::ListDeadLettersResponse ignored;
  EXPECT_EQ(stub_->ListDeadLetters(&down_ctx, pb::ListDeadLettersRequest(), &ignored).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  queue_.down = absl::OkStatus();
  pb::ListDeadLettersRequest by_prefix;
  by_prefix.mutable_filter()->set_reminder_id_prefix("task/r");
  grpc::ClientContext prefix_ctx;
  pb::ListDeadLettersResponse prefixed;
  ASSERT_TRUE(stub_->ListDeadLetters(&prefix_ctx, by_prefix, &prefixed).ok());
  EXPECT_EQ(prefixed.dead_letters_size(), 2);
  pb::ListDeadLettersRequest bad;
  bad.mutable_filter()->set_webhook("webhooks/x y");
  grpc::ClientContext bad_ctx;
  EXPECT_EQ(stub_->ListDeadLetters(&bad_ctx, bad, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Retry: a reminder goes back to the queue, a delivery to the outbox.
  pb::RetryDeadLetterRequest retry;
  retry.set_name(letters[2].name());
  *retry.mutable_fire_time() = civil::ToTimestamp(clock_.Now() + absl::Hours(24 * 31));
  grpc::ClientContext far_ctx;
  pb::RetryDeadLetterResponse retried;
  EXPECT_EQ(stub_->RetryDeadLetter(&far_ctx, retry, &retried).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  retry.clear_fire_time();
  grpc::ClientContext retry_ctx;
  ASSERT_TRUE(stub_->RetryDeadLetter(&retry_ctx, retry, &retried).ok());
  EXPECT_EQ(retried.reminder_id(), "task/r1/2024-04-30/overdue-1");
  EXPECT_TRUE(retried.webhook().empty());
  ASSERT_EQ(queue_.requeued.size(), 1u);
  EXPECT_EQ(queue_.requeued[0].second, absl::ToUnixMillis(clock_.Now()));
  grpc::ClientContext twice_ctx;
  EXPECT_EQ(stub_->RetryDeadLetter(&twice_ctx, retry, &retried).error_code(),
            grpc::StatusCode::NOT_FOUND);

  retry.set_name(letters[1].name());
  grpc::ClientContext delivery_ctx;
  ASSERT_TRUE(stub_->RetryDeadLetter(&delivery_ctx, retry, &retried).ok());
  EXPECT_EQ(retried.webhook(), hook.name());
  EXPECT_EQ(retried.reminder_id(), "task/w/2024-04-30/due");
  EXPECT_EQ(sender_wakes_, 1);
  EXPECT_EQ(store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5)->size(), 1u);
  retry.set_name("deadLetters/unknown");
  grpc::ClientContext unknown_ctx;
  EXPECT_EQ(stub_->RetryDeadLetter(&unknown_ctx, retry, &retried).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(NotificationServiceTest, DeadLettersOfTheSameMillisecondPageWithoutGapsOrRepeats) {
  pb::Webhook w = ValidWebhook("Văn bản");
  w.set_max_attempts(1);
  pb::Webhook first, second;
  ASSERT_TRUE(CreateWebhook(w, &first).ok());
  ASSERT_TRUE(CreateWebhook(w, &second).ok());
  Deliver("task/w/2024-04-30/due", finance_, At(2024, 4, 30));
  const std::vector<OutboxDelivery> claimed =
      *store_->ClaimDeliveries(clock_.Now(), absl::Minutes(1), 5);
  ASSERT_EQ(claimed.size(), 2u);
  for (const OutboxDelivery& d : claimed) {
    ASSERT_TRUE(store_->DeliveryFailed(d.id, "HTTP 500", clock_.Now(), std::nullopt).ok());
  }
  for (const char* id :
       {"task/a/2024-04-30/due", "task/b/2024-04-30/due", "plan/c/2024-04-30/report-1d"}) {
    queue_.dead.push_back({id, "", 8, "lease expired", absl::ToUnixMillis(clock_.Now())});
  }
  pb::ListDeadLettersRequest request;
  request.set_page_size(1);
  std::vector<std::string> seen;
  do {
    grpc::ClientContext ctx;
    pb::ListDeadLettersResponse response;
    ASSERT_TRUE(stub_->ListDeadLetters(&ctx, request, &response).ok());
    ASSERT_LE(response.dead_letters_size(), 1);
    for (const pb::DeadLetter& d : response.dead_letters()) {
      seen.push_back(d.webhook().empty() ? d.reminder_id() : d.webhook());
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && seen.size() < 10);
  const std::vector<std::string> hooks = {std::max(first.name(), second.name()),
                                          std::min(first.name(), second.name())};
  EXPECT_THAT(seen, ElementsAre("task/b/2024-04-30/due", "task/a/2024-04-30/due",
                                "plan/c/2024-04-30/report-1d", hooks[0], hooks[1]));
}

// ---- Pending reminders ----------------------------------------------------------

// A reminder waiting in the queue, its payload as a producer writes it.
reminders::PendingReminder Queued(const std::string& id, absl::Time fire, const std::string& plan,
                                  const std::vector<pb::Recipient>& recipients = {}) {
  pb::ReminderPayload payload;
  payload.set_reminder_id(id);
  payload.set_rule(id.substr(id.rfind('/') + 1));
  if (absl::StartsWith(id, "task/")) {
    payload.set_task(absl::StrCat("tasks/", id.substr(5, id.find('/', 5) - 5)));
  }
  payload.set_plan(plan);
  payload.mutable_due_date()->set_year(2024);
  payload.mutable_due_date()->set_month(4);
  payload.mutable_due_date()->set_day(30);
  payload.set_fire_at_ms(absl::ToUnixMillis(fire));
  for (const pb::Recipient& r : recipients) *payload.add_recipients() = r;
  payload.set_subject(absl::StrCat("Việc ", id));
  payload.set_lead_unit_display_name("Phòng Tài chính - Kế hoạch");
  reminders::PendingReminder queued;
  queued.id = id;
  queued.fire_at_ms = absl::ToUnixMillis(fire);
  queued.scheduled_fire_at_ms = queued.fire_at_ms;
  queued.payload = payload.SerializeAsString();
  return queued;
}

TEST_F(NotificationServiceTest, ListPendingRemindersChecksItsRequestBeforeReadingTheQueue) {
  auto code_of = [&](const pb::ListPendingRemindersRequest& request) {
    grpc::ClientContext ctx;
    pb::ListPendingRemindersResponse response;
    grpc::Status status = stub_->ListPendingReminders(&ctx, request, &response);
    return std::make_pair(status.error_code(), status.error_message());
  };
  struct Case {
    std::function<void(pb::ListPendingRemindersRequest&)> set;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.set_page_size(-1); }, "page_size"},
      {[](auto& r) { r.mutable_filter()->set_plan("tasks/" + NewId()); }, "filter.plan"},
      {[](auto& r) { r.mutable_filter()->set_plan("plans/"); }, "filter.plan"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix("Task/"); }, "the kind"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix("task//"); }, "the owner id"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix("task/a b"); }, "the owner id"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix("task/a/30-04"); }, "the date"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix("task/a/2024-04/"); }, "the date"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix("task/a/2024-04-30/Due"); },
       "the rule"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix("task/a/2024-04-30/due/x"); },
       "more than 4 segments"},
      {[](auto& r) { r.mutable_filter()->set_reminder_id_prefix(std::string(301, 'a')); },
       "at most 300 bytes"},
      {[](auto& r) { r.set_page_token("not-a-token"); }, "page_token: malformed"},
      {[](auto& r) { r.set_page_token(EncodePageToken(Fingerprint(""), "soon\ntask/a")); },
       "page_token: malformed"},
      {[](auto& r) { r.set_page_token(EncodePageToken(Fingerprint(""), "5\nTask a")); },
       "page_token: malformed"},
  };
  for (const Case& c : cases) {
    pb::ListPendingRemindersRequest request;
    c.set(request);
    const auto [code, message] = code_of(request);
    EXPECT_EQ(code, grpc::StatusCode::INVALID_ARGUMENT) << request.ShortDebugString();
    EXPECT_THAT(message, HasSubstr(c.message)) << request.ShortDebugString();
  }
  EXPECT_THAT(queue_.pending_queries, IsEmpty());

  // Prefixes that can begin a reminder id, down to a whole one, are fine.
  for (const char* prefix : {"t", "task", "task/", "task/01HV3K", "plan/60-KH/2024-0",
                             "task/a/2024-04-30/", "task/a/2024-04-30/overdue-2"}) {
    pb::ListPendingRemindersRequest request;
    request.mutable_filter()->set_reminder_id_prefix(prefix);
    EXPECT_EQ(code_of(request).first, grpc::StatusCode::OK) << prefix;
  }

  queue_.down = absl::UnavailableError("reminder queue (redis): connection refused");
  const auto [code, message] = code_of(pb::ListPendingRemindersRequest());
  EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(message, HasSubstr("reminder queue (redis)"));
}

TEST_F(NotificationServiceTest, PendingRemindersAreListedSoonestFirstFromTheirPayloads) {
  const std::string plan = "plans/" + NewId();
  const absl::Time eight = At(2024, 4, 30, 1, 0);  // 08:00 in Hà Nội
  queue_.pending = {
      Queued("task/b/2024-04-30/due", eight, plan,
             {Unit(finance_, "Phòng Tài chính - Kế hoạch"),
              Unit(office_, "Văn phòng", {}, pb::RECIPIENT_ROLE_COORDINATING_UNIT)}),
      Queued("task/a/2024-04-30/due", eight, plan),
      Queued("plan/p/2024-04-30/report-1d", eight - absl::Hours(24), plan),
  };
  reminders::PendingReminder retry = Queued("task/c/2024-04-30/overdue-1", eight, plan);
  retry.fire_at_ms += 90'000;
  retry.attempts = 2;
  queue_.pending.push_back(retry);
  reminders::PendingReminder junk;
  junk.id = "task/d/2024-04-30/due";
  junk.fire_at_ms = retry.fire_at_ms + 1;
  junk.scheduled_fire_at_ms = junk.fire_at_ms;
  junk.payload = "\xff\xff";
  queue_.pending.push_back(junk);

  pb::ListPendingRemindersResponse response;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->ListPendingReminders(&ctx, pb::ListPendingRemindersRequest(), &response).ok());
  ASSERT_EQ(response.reminders_size(), 5);
  EXPECT_TRUE(response.next_page_token().empty());
  std::vector<std::string> ids;
  for (const pb::PendingReminder& r : response.reminders()) ids.push_back(r.reminder_id());
  EXPECT_THAT(ids, ElementsAre("plan/p/2024-04-30/report-1d", "task/a/2024-04-30/due",
                               "task/b/2024-04-30/due", "task/c/2024-04-30/overdue-1",
                               "task/d/2024-04-30/due"));
  ASSERT_EQ(queue_.pending_queries.size(), 1u);
  EXPECT_EQ(queue_.pending_queries[0].limit, 50);  // page_size 0
  EXPECT_FALSE(queue_.pending_queries[0].after.has_value());

  const pb::PendingReminder& b = response.reminders(2);
  EXPECT_EQ(b.kind(), pb::NOTIFICATION_KIND_TASK_DUE);
  EXPECT_EQ(b.rule(), "due");
  EXPECT_EQ(b.task(), "tasks/b");
  EXPECT_EQ(b.plan(), plan);
  EXPECT_EQ(b.due_date().day(), 30);
  EXPECT_EQ(b.fire_time().seconds(), absl::ToUnixSeconds(eight));
  EXPECT_EQ(b.scheduled_fire_time().seconds(), absl::ToUnixSeconds(eight));
  EXPECT_EQ(b.attempts(), 0);
  ASSERT_EQ(b.recipients_size(), 2);
  EXPECT_EQ(b.recipients(1).unit(), office_);
  EXPECT_EQ(b.recipients(1).role(), pb::RECIPIENT_ROLE_COORDINATING_UNIT);
  EXPECT_EQ(b.subject(), "Việc task/b/2024-04-30/due");
  EXPECT_EQ(b.lead_unit_display_name(), "Phòng Tài chính - Kế hoạch");
  EXPECT_EQ(response.reminders(0).kind(), pb::NOTIFICATION_KIND_REPORT_DUE);
  EXPECT_TRUE(response.reminders(0).task().empty());
  // Waiting out a retry: fires 90 s after the time it was scheduled for.
  const pb::PendingReminder& c = response.reminders(3);
  EXPECT_EQ(c.kind(), pb::NOTIFICATION_KIND_TASK_OVERDUE);
  EXPECT_EQ(c.attempts(), 2);
  EXPECT_EQ(c.fire_time().seconds() - c.scheduled_fire_time().seconds(), 90);
  // A payload that cannot be decoded shows what the queue knows.
  const pb::PendingReminder& d = response.reminders(4);
  EXPECT_EQ(d.kind(), pb::NOTIFICATION_KIND_UNSPECIFIED);
  EXPECT_TRUE(d.subject().empty());
  EXPECT_EQ(d.fire_time().seconds(), absl::ToUnixSeconds(eight) + 90);

  // The plan and prefix filters reach the queue as given; the page size is
  // capped at 500.
  pb::ListPendingRemindersRequest filtered;
  filtered.set_page_size(1000);
  filtered.mutable_filter()->set_plan(plan);
  filtered.mutable_filter()->set_reminder_id_prefix("task/");
  grpc::ClientContext filtered_ctx;
  ASSERT_TRUE(stub_->ListPendingReminders(&filtered_ctx, filtered, &response).ok());
  EXPECT_EQ(response.reminders_size(), 3);  // d's payload cannot say its plan
  EXPECT_EQ(queue_.pending_queries.back().limit, 500);
  EXPECT_EQ(queue_.pending_queries.back().plan, plan);
  EXPECT_EQ(queue_.pending_queries.back().id_prefix, "task/");
}

TEST_F(NotificationServiceTest, PendingPagesAreBoundToTheirFilterAndMayBeShort) {
  const std::string plan = "plans/" + NewId();
  const absl::Time eight = At(2024, 4, 30, 1, 0);
  for (int i = 0; i < 7; ++i) {
    queue_.pending.push_back(Queued(absl::StrCat("task/", i, "/2024-04-30/due"), eight, plan));
  }
  queue_.pending.push_back(Queued("plan/p/2024-04-30/report-1d", eight, plan));
  queue_.examine_at_most = 3;

  // Only the report matches; it is the first entry, so later pages examine
  // the tasks, find nothing, and still say where to go on.
  pb::ListPendingRemindersRequest request;
  request.mutable_filter()->set_reminder_id_prefix("plan/");
  std::vector<int> sizes;
  std::string token;
  for (int call = 0; call < 10; ++call) {
    request.set_page_token(token);
    pb::ListPendingRemindersResponse page;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->ListPendingReminders(&ctx, request, &page).ok());
    sizes.push_back(page.reminders_size());
    token = page.next_page_token();
    if (token.empty()) break;
  }
  EXPECT_THAT(sizes, ElementsAre(1, 0, 0));

  // Pages of two, each resuming after the last one examined.
  queue_.examine_at_most = 0;
  pb::ListPendingRemindersRequest all;
  all.set_page_size(2);
  pb::ListPendingRemindersResponse first;
  grpc::ClientContext first_ctx;
  ASSERT_TRUE(stub_->ListPendingReminders(&first_ctx, all, &first).ok());
  ASSERT_EQ(first.reminders_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  all.set_page_token(first.next_page_token());
  pb::ListPendingRemindersResponse second;
  grpc::ClientContext second_ctx;
  ASSERT_TRUE(stub_->ListPendingReminders(&second_ctx, all, &second).ok());
  ASSERT_EQ(second.reminders_size(), 2);
  EXPECT_EQ(second.reminders(0).reminder_id(), "task/1/2024-04-30/due");
  ASSERT_TRUE(queue_.pending_queries.back().after.has_value());
  EXPECT_EQ(queue_.pending_queries.back().after->id, "task/0/2024-04-30/due");
  EXPECT_EQ(queue_.pending_queries.back().after->fire_at_ms, absl::ToUnixMillis(eight));

  // The token belongs to the empty filter.
  pb::ListPendingRemindersRequest other = all;
  other.mutable_filter()->set_plan(plan);
  pb::ListPendingRemindersResponse ignored;
  grpc::ClientContext other_ctx;
  grpc::Status status = stub_->ListPendingReminders(&other_ctx, other, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("issued for a different filter"));
}

// ---- Subscribe ------------------------------------------------------------------

TEST_F(NotificationServiceTest, SubscribeChecksItsRequest) {
  auto code_of = [&](const pb::SubscribeRequest& request) {
    Stream s = Open(request);
    pb::SubscribeResponse event;
    EXPECT_FALSE(s.reader->Read(&event));
    return s.reader->Finish().error_code();
  };
  pb::SubscribeRequest request;
  request.set_cursor("not-a-cursor");
  EXPECT_EQ(code_of(request), grpc::StatusCode::INVALID_ARGUMENT);
  *request.mutable_since() = civil::ToTimestamp(clock_.Now() + absl::Minutes(1));
  EXPECT_EQ(code_of(request), grpc::StatusCode::INVALID_ARGUMENT);
  *request.mutable_since() = civil::ToTimestamp(clock_.Now() - absl::Hours(24 * 15));
  EXPECT_EQ(code_of(request), grpc::StatusCode::OUT_OF_RANGE);
  request.set_cursor(EncodeCursor({0, clock_.Now() - absl::Hours(24 * 15)}));
  EXPECT_EQ(code_of(request), grpc::StatusCode::OUT_OF_RANGE);
  request.set_cursor(EncodeCursor({7, clock_.Now()}));  // ahead of an empty log
  EXPECT_EQ(code_of(request), grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  request.mutable_heartbeat_interval()->set_seconds(1);
  EXPECT_EQ(code_of(request), grpc::StatusCode::INVALID_ARGUMENT);
  request.Clear();
  request.mutable_filter()->set_include_subtree(true);
  EXPECT_EQ(code_of(request), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(NotificationServiceTest, ReconnectingWithTheLastCursorMissesNothingAndRepeatsNothing) {
  Deliver("task/before/2024-04-30/due", finance_, At(2024, 4, 30));
  clock_.Advance(absl::Seconds(1));
  // From now on (a stream without a start would begin wherever the log is
  // when the server gets the call, which races with the deliveries below).
  pb::SubscribeRequest request;
  request.mutable_filter()->add_recipients(finance_);
  *request.mutable_since() = civil::ToTimestamp(clock_.Now());
  Stream first = Open(request);
  Deliver("task/a/2024-04-30/due", finance_, At(2024, 4, 30));
  pb::SubscribeResponse event;
  ASSERT_TRUE(first.reader->Read(&event));
  EXPECT_EQ(event.notification().reminder_id(), "task/a/2024-04-30/due");
  Deliver("task/other/2024-04-30/due", office_, At(2024, 4, 30));  // filtered out
  Deliver("task/b/2024-04-30/due", finance_, At(2024, 4, 30));
  ASSERT_TRUE(first.reader->Read(&event));
  EXPECT_EQ(event.notification().reminder_id(), "task/b/2024-04-30/due");
  EXPECT_FALSE(event.notification().recipients(0).has_read_time());
  const std::string cursor = event.cursor();
  first.ctx->TryCancel();
  while (first.reader->Read(&event)) {
  }
  first.reader->Finish();

  // Delivered while disconnected.
  Deliver("task/c/2024-04-30/due", finance_, At(2024, 4, 30));
  Deliver("task/d/2024-04-30/due", finance_, At(2024, 4, 30));
  request.set_cursor(cursor);
  Stream second = Open(request);
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(second.reader->Read(&event));
    got.push_back(event.notification().reminder_id());
  }
  Deliver("task/e/2024-04-30/due", finance_, At(2024, 4, 30));
  ASSERT_TRUE(second.reader->Read(&event));
  got.push_back(event.notification().reminder_id());
  EXPECT_THAT(
      got, ElementsAre("task/c/2024-04-30/due", "task/d/2024-04-30/due", "task/e/2024-04-30/due"));

  // Shutting down ends the stream with UNAVAILABLE, to reconnect elsewhere.
  hub_->Shutdown();
  EXPECT_FALSE(second.reader->Read(&event));
  grpc::Status end = second.reader->Finish();
  EXPECT_EQ(end.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(end.error_message(), HasSubstr("cursor"));
}

TEST_F(NotificationServiceTest, SinceReplaysThenHeartbeatsCarryTheCursor) {
  Deliver("task/old/2024-04-30/due", finance_, At(2024, 4, 30));
  clock_.Advance(absl::Minutes(10));
  const absl::Time since = clock_.Now();
  Deliver("task/new/2024-04-30/due", finance_, At(2024, 4, 30));
  pb::SubscribeRequest request;
  *request.mutable_since() = civil::ToTimestamp(since);
  request.mutable_heartbeat_interval()->set_seconds(5);
  Stream s = Open(request);
  pb::SubscribeResponse event;
  ASSERT_TRUE(s.reader->Read(&event));
  EXPECT_EQ(event.notification().reminder_id(), "task/new/2024-04-30/due");
  // Idle: once the interval passed, a heartbeat with the current position.
  clock_.Advance(absl::Seconds(6));
  ASSERT_TRUE(s.reader->Read(&event));
  ASSERT_TRUE(event.has_heartbeat());
  EXPECT_EQ(event.heartbeat().server_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  absl::StatusOr<Cursor> position = DecodeCursor(event.cursor());
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(position->seq, 2);
  s.ctx->TryCancel();
  while (s.reader->Read(&event)) {
  }
  s.reader->Finish();
}

}  // namespace
}  // namespace chiso::notification
