// The webhook sender against a small HTTP server in the test: the signed
// request, retries after failures, dead letters after the last attempt, and
// paused webhooks.
#include "services/notification/webhook_sender.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/civil/clock.h"
#include "common/log/log.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/notification/notification_fixtures.h"

namespace chiso::notification {
namespace {

using ::chiso::notification::testing::At;
using ::chiso::notification::testing::Built;
using ::chiso::notification::testing::NewId;
using ::chiso::notification::testing::Unit;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// An HTTP/1.1 server on 127.0.0.1 that records each request and answers
// with the next status of `statuses` (the last one repeats); status 0 never
// answers (the client times out).
class TinyHttpServer {
 public:
  struct Request {
    std::string request_line;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };

  explicit TinyHttpServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 16);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TinyHttpServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/hooks/chiso"); }

  std::vector<Request> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  // Waits until `n` requests came; false after `timeout`.
  bool WaitFor(size_t n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() { return requests_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  // Waits for `fd` to be readable; false when stopping.
  bool Readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void Serve() {
    while (Readable(fd_)) {
      const int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      Handle(conn);
      close(conn);
    }
  }

  void Handle(int conn) {
    std::string data;
    char buf[4096];
    size_t header_end = std::string::npos;
    size_t content_length = 0;
    while (Readable(conn)) {
      const ssize_t n = read(conn, buf, sizeof(buf));
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        for (absl::string_view line : absl::StrSplit(data.substr(0, header_end), "\r\n")) {
          if (absl::StartsWithIgnoreCase(line, "content-length:")) {
            (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &content_length);
          }
        }
      }
      if (data.size() >= header_end + 4 + content_length) break;
    }
    if (stop_) return;
    Request request;
    std::vector<std::string> lines = absl::StrSplit(data.substr(0, header_end), "\r\n");
    request.request_line = lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      request.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    request.body = data.substr(header_end + 4, content_length);
    int status = 0;
    {
      absl::MutexLock lock(&mu_);
      status = statuses_[std::min(requests_.size(), statuses_.size() - 1)];
      requests_.push_back(std::move(request));
    }
    if (status == 0) {
      while (Readable(conn) && read(conn, buf, sizeof(buf)) > 0) {
      }
      return;
    }
    const std::string reply =
        absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    (void)!write(conn, reply.data(), reply.size());
  }

  std::vector<int> statuses_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

class WebhookSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, NotificationMigrations()).ok());
    store_ = std::make_unique<NotificationStore>(db_.get(), &ids_, [] { return absl::Now(); });
    options_.threads = 1;
    options_.backoff_base = absl::Milliseconds(20);
    options_.backoff_cap = absl::Milliseconds(40);
    options_.idle_poll = absl::Milliseconds(20);
    options_.timeout = absl::Seconds(5);
  }
  void TearDown() override { log::SetOutput(nullptr); }

  std::string AddWebhook(const std::string& url, int max_attempts,
                         pb::WebhookState state = pb::WEBHOOK_STATE_ACTIVE) {
    pb::Webhook w;
    w.set_display_name("Hệ thống văn bản");
    w.set_url(url);
    w.set_state(state);
    w.set_max_attempts(max_attempts);
    absl::StatusOr<pb::Webhook> created = store_->CreateWebhook(w, secret_);
    EXPECT_TRUE(created.ok()) << created.status();
    return created->name().substr(kWebhooks.size());
  }

  pb::Notification Deliver(const std::string& reminder_id) {
    pb::Notification built = Built(reminder_id, At(2024, 4, 30), {Unit(unit_, "Phòng TC-KH")});
    absl::StatusOr<std::vector<Delivered>> d = store_->Deliver({built}, nullptr);
    EXPECT_TRUE(d.ok()) << d.status();
    return d->front().notification;
  }

  // Polls the store until `done` holds (the sender records outcomes after
  // the HTTP exchange, on its own thread).
  template <typename F>
  bool Eventually(F done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  std::ostringstream logs_;
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<NotificationStore> store_;
  WebhookSenderOptions options_;
  const std::string secret_ = "bí mật chung của hệ thống văn bản 2024";
  const std::string unit_ = "units/" + NewId();
};

TEST(WebhookSignatureTest, IsHmacSha256OfTimestampDotBody) {
  // openssl dgst -sha256 -hmac '<secret>' over "1714438800.<body>".
  EXPECT_EQ(SignatureHeader("bí mật chung của hệ thống văn bản 2024", "1714438800",
                            R"({"reminderId":"task/01hv3k/2024-04-30/due"})"),
            "sha256=3d0015a14bbd62c27d76c18746823811d1f34e658ba3625cd3540a023ec1d49f");
}

TEST_F(WebhookSenderTest, PostsTheSignedNotification) {
  TinyHttpServer http({200});
  const std::string webhook = AddWebhook(http.url(), 3);
  const pb::Notification n = Deliver("task/01hv3k/2024-04-30/due");
  ASSERT_TRUE(store_->MarkRead(unit_, {n.name().substr(kNotifications.size())}).ok());
  WebhookSender sender(store_.get(), civil::Clock::Real(), nullptr, options_);
  sender.Start();
  ASSERT_TRUE(http.WaitFor(1, absl::Seconds(10)));
  ASSERT_TRUE(Eventually([&] { return !store_->NextDeliveryTime()->has_value(); }));
  sender.Stop();

  const TinyHttpServer::Request r = http.requests().at(0);
  EXPECT_THAT(r.request_line, StartsWith("POST /hooks/chiso "));
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("idempotency-key"), "task/01hv3k/2024-04-30/due");
  const std::string timestamp = r.headers.at("x-chiso-timestamp");
  int64_t seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(timestamp, &seconds));
  EXPECT_NEAR(static_cast<double>(seconds), static_cast<double>(absl::ToUnixSeconds(absl::Now())),
              60);
  EXPECT_EQ(r.headers.at("x-chiso-signature"), SignatureHeader(secret_, timestamp, r.body));
  pb::Notification sent;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &sent).ok()) << r.body;
  EXPECT_EQ(sent.name(), n.name());
  EXPECT_EQ(sent.reminder_id(), "task/01hv3k/2024-04-30/due");
  EXPECT_EQ(sent.title(), n.title());
  // Read in the inbox, but read times never leave the service.
  ASSERT_EQ(sent.recipients_size(), 1);
  EXPECT_FALSE(sent.recipients(0).has_read_time());

  const pb::Webhook w = *store_->GetWebhook(webhook);
  EXPECT_TRUE(w.has_last_success_time());
  EXPECT_EQ(w.consecutive_failures(), 0);
}

TEST_F(WebhookSenderTest, RetriesAfterAServerError) {
  TinyHttpServer http({500, 200});
  const std::string webhook = AddWebhook(http.url(), 3);
  Deliver("task/a/2024-04-30/due");
  WebhookSender sender(store_.get(), civil::Clock::Real(), nullptr, options_);
  sender.Start();
  ASSERT_TRUE(http.WaitFor(2, absl::Seconds(10)));
  ASSERT_TRUE(Eventually([&] { return !store_->NextDeliveryTime()->has_value(); }));
  sender.Stop();
  const std::vector<TinyHttpServer::Request> requests = http.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.at("idempotency-key"), requests[1].headers.at("idempotency-key"));
  EXPECT_EQ(requests[0].body, requests[1].body);
  const pb::Webhook w = *store_->GetWebhook(webhook);
  EXPECT_EQ(w.consecutive_failures(), 0);
  EXPECT_EQ(w.last_error(), "HTTP 500");
  EXPECT_TRUE(w.has_last_failure_time());
  EXPECT_TRUE(w.has_last_success_time());
  EXPECT_THAT(*store_->ListDeadDeliveries(DeadDeliveryQuery()), IsEmpty());
}

TEST_F(WebhookSenderTest, DeadLettersAfterTheLastAttempt) {
  TinyHttpServer http({500});
  const std::string webhook = AddWebhook(http.url(), 3);
  Deliver("task/a/2024-04-30/due");
  WebhookSender sender(store_.get(), civil::Clock::Real(), nullptr, options_);
  sender.Start();
  ASSERT_TRUE(
      Eventually([&] { return store_->ListDeadDeliveries(DeadDeliveryQuery())->size() == 1; }));
  // Nothing more is tried once it is dead.
  absl::SleepFor(absl::Milliseconds(200));
  sender.Stop();
  EXPECT_EQ(http.requests().size(), 3u);
  const DeadDelivery dead = store_->ListDeadDeliveries(DeadDeliveryQuery())->front();
  EXPECT_EQ(dead.webhook_id, webhook);
  EXPECT_EQ(dead.attempts, 3);
  EXPECT_EQ(dead.last_error, "HTTP 500");
  EXPECT_EQ(store_->GetWebhook(webhook)->consecutive_failures(), 3);
}

TEST_F(WebhookSenderTest, TimeoutsAndRefusedConnectionsAreFailures) {
  TinyHttpServer http({0});
  options_.timeout = absl::Milliseconds(200);
  const std::string silent = AddWebhook(http.url(), 1);
  // A port nothing listens on (the server's port, once it is gone).
  std::string refused_url;
  {
    TinyHttpServer gone({200});
    refused_url = gone.url();
  }
  const std::string refused = AddWebhook(refused_url, 1);
  Deliver("task/a/2024-04-30/due");
  WebhookSender sender(store_.get(), civil::Clock::Real(), nullptr, options_);
  sender.Start();
  ASSERT_TRUE(
      Eventually([&] { return store_->ListDeadDeliveries(DeadDeliveryQuery())->size() == 2; }));
  sender.Stop();
  EXPECT_THAT(store_->GetWebhook(silent)->last_error(), HasSubstr("timeout after"));
  EXPECT_THAT(store_->GetWebhook(refused)->last_error(), StartsWith("connection: "));
}

TEST_F(WebhookSenderTest, PausedWebhooksGetNothingUntilResumed) {
  TinyHttpServer http({200});
  const std::string webhook = AddWebhook(http.url(), 3);
  Deliver("task/a/2024-04-30/due");
  ASSERT_TRUE(store_
                  ->UpdateWebhook(webhook,
                                  [](pb::Webhook& w, std::string*, bool*) {
                                    w.set_state(pb::WEBHOOK_STATE_PAUSED);
                                    return absl::OkStatus();
                                  })
                  .ok());
  WebhookSender sender(store_.get(), civil::Clock::Real(), nullptr, options_);
  sender.Start();
  EXPECT_FALSE(http.WaitFor(1, absl::Milliseconds(300)));
  EXPECT_THAT(http.requests(), IsEmpty());
  // What was queued before the pause waits for the webhook to come back.
  ASSERT_TRUE(store_
                  ->UpdateWebhook(webhook,
                                  [](pb::Webhook& w, std::string*, bool*) {
                                    w.set_state(pb::WEBHOOK_STATE_ACTIVE);
                                    return absl::OkStatus();
                                  })
                  .ok());
  EXPECT_TRUE(http.WaitFor(1, absl::Seconds(10)));
  sender.Stop();
}

TEST(WebhookBackoffTest, DoublesWithJitterUpToTheCap) {
  WebhookSenderOptions options;
  options.backoff_base = absl::Seconds(5);
  options.backoff_cap = absl::Minutes(1);
  for (int i = 0; i < 20; ++i) {
    const absl::Duration first = WebhookSender::Backoff(options, 1);
    EXPECT_GE(first, absl::Milliseconds(2500));
    EXPECT_LE(first, absl::Seconds(5));
    const absl::Duration third = WebhookSender::Backoff(options, 3);
    EXPECT_GE(third, absl::Seconds(10));
    EXPECT_LE(third, absl::Seconds(20));
    const absl::Duration late = WebhookSender::Backoff(options, 30);
    EXPECT_GE(late, absl::Seconds(30));
    EXPECT_LE(late, absl::Minutes(1));
  }
}

}  // namespace
}  // namespace chiso::notification
