// The notification service over gRPC on loopback, with its real store (an
// in-memory database) and a fake reminder queue: request checks and their
// status codes, inboxes, webhooks, dead letters of both kinds, and Subscribe
// streams resumed from a cursor.
#include "services/notification/notification_service.h"

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/civil/clock.h"
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
#include "tests/notification/notification_fixtures.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::At;
using ::chiso::notification::testing::Built;
using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Unit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The queue as the operator methods see it, in memory; `down` makes every
// call fail as an unreachable Redis does.
class FakeQueue : public QueueAdmin {
 public:
  absl::Status down;
  reminders::Stats stats;
  std::vector<reminders::DeadLetter> dead;
  std::vector<std::pair<std::string, int64_t>> requeued;

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
};

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
  FakeQueue queue_;
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
