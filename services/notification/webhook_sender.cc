#include "services/notification/webhook_sender.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "google/protobuf/util/json_util.h"

namespace chiso::notification {
namespace {

namespace pb = chiso::notification::v1;

void InitCurlOnce() {
  // curl_global_init is not thread-safe; every sender calls it through here
  // before starting its threads.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// POSTs `body` to `url`; OK for a 2xx answer, otherwise the error to record
// ("HTTP 503", "timeout after 10s", "connection: …").
absl::Status Post(const std::string& url, const std::vector<std::string>& headers,
                  const std::string& body, absl::Duration timeout) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::InternalError("curl: cannot create a handle");
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  std::unique_ptr<curl_slist, HeaderListDeleter> header_list(list);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  // Threads other than main must not get SIGALRM from the resolver.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // A redirect would send the signed notification somewhere the
  // administrator did not register.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &DiscardBody);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "chiso-notification/1");
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(
        absl::StrCat("timeout after ", absl::FormatDuration(timeout)));
  }
  if (rc != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("connection: ", curl_easy_strerror(rc)));
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code > 299) return absl::UnavailableError(absl::StrCat("HTTP ", code));
  return absl::OkStatus();
}

}  // namespace

std::string SignatureHeader(absl::string_view secret, absl::string_view timestamp,
                            absl::string_view body) {
  const std::string message = absl::StrCat(timestamp, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  return absl::StrCat("sha256=", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(mac), length)));
}

std::string NotificationJson(const pb::Notification& n) {
  pb::Notification copy = n;
  for (pb::Recipient& r : *copy.mutable_recipients()) r.clear_read_time();
  std::string json;
  // A Notification built by this service always converts; an error would
  // leave the body empty, which the receiver rejects and the outbox retries.
  (void)google::protobuf::util::MessageToJsonString(copy, &json,
                                                    google::protobuf::util::JsonPrintOptions());
  return json;
}

WebhookSender::WebhookSender(NotificationStore* store, const civil::Clock* clock,
                             NotificationMetrics* metrics, WebhookSenderOptions options)
    : store_(store), clock_(clock), metrics_(metrics), options_(options) {
  InitCurlOnce();
}

WebhookSender::~WebhookSender() { Stop(); }

void WebhookSender::Start() {
  absl::MutexLock lock(&mu_);
  stopping_ = false;
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

void WebhookSender::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WebhookSender::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

absl::Duration WebhookSender::Backoff(const WebhookSenderOptions& options, int attempt) {
  const int doublings = std::clamp(attempt - 1, 0, 40);
  absl::Duration d = options.backoff_base;
  for (int i = 0; i < doublings && d < options.backoff_cap; ++i) d *= 2;
  d = std::min(d, options.backoff_cap);
  static thread_local absl::BitGen gen;
  return d / 2 + absl::Nanoseconds(absl::Uniform<int64_t>(absl::IntervalClosed, gen, 0,
                                                          absl::ToInt64Nanoseconds(d / 2)));
}

void WebhookSender::Send(const OutboxDelivery& delivery) {
  const std::string body = NotificationJson(delivery.notification);
  const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(clock_->Now()));
  const std::vector<std::string> headers = {
      "Content-Type: application/json",
      absl::StrCat("Idempotency-Key: ", delivery.notification.reminder_id()),
      absl::StrCat("X-Chiso-Timestamp: ", timestamp),
      absl::StrCat("X-Chiso-Signature: ", SignatureHeader(delivery.secret, timestamp, body)),
      // No "Expect: 100-continue" round trip for bodies over 1 KiB.
      "Expect:",
  };
  const absl::Status sent = Post(delivery.url, headers, body, options_.timeout);
  const absl::Time now = clock_->Now();
  absl::Status recorded;
  if (sent.ok()) {
    recorded = store_->DeliverySucceeded(delivery.id, now);
  } else {
    const int attempt = delivery.attempts + 1;
    std::optional<absl::Time> retry_at;
    if (attempt < delivery.max_attempts) retry_at = now + Backoff(options_, attempt);
    recorded = store_->DeliveryFailed(delivery.id, std::string(sent.message()), now, retry_at);
    log::Log(retry_at.has_value() ? log::Level::kInfo : log::Level::kWarning,
             retry_at.has_value() ? "webhook delivery failed; will retry"
                                  : "webhook delivery dead-lettered",
             {{"webhook", WebhookName(delivery.webhook_id)},
              {"reminder_id", delivery.notification.reminder_id()},
              {"attempt", attempt},
              {"error", std::string(sent.message())}});
  }
  if (metrics_ != nullptr) {
    metrics_->Delivered(
        NotificationMetrics::Channel::kWebhook,
        sent.ok() ? NotificationMetrics::Result::kOk : NotificationMetrics::Result::kError);
  }
  if (!recorded.ok()) {
    // The claim's lease runs out and the delivery is tried again.
    log::Warning("webhook outcome not recorded",
                 {{"delivery", delivery.id}, {"error", recorded.ToString()}});
  }
}

void WebhookSender::Run() {
  absl::Duration error_pause = absl::Milliseconds(100);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      woken_ = false;
    }
    absl::StatusOr<std::vector<OutboxDelivery>> claimed =
        store_->ClaimDeliveries(clock_->Now(), options_.lease, options_.batch);
    absl::Duration wait = options_.idle_poll;
    if (!claimed.ok()) {
      log::Warning("webhook outbox not read", {{"error", claimed.status().ToString()}});
      wait = error_pause;
      error_pause = std::min(error_pause * 2, absl::Seconds(5));
    } else {
      error_pause = absl::Milliseconds(100);
      for (const OutboxDelivery& d : *claimed) {
        Send(d);
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
      }
      if (static_cast<int>(claimed->size()) == options_.batch) continue;
      absl::StatusOr<std::optional<absl::Time>> next = store_->NextDeliveryTime();
      if (next.ok() && next->has_value()) {
        wait = std::clamp(**next - clock_->Now(), absl::ZeroDuration(), options_.idle_poll);
      }
    }
    absl::MutexLock lock(&mu_);
    auto ready = [this]() { return stopping_ || woken_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
  }
}

}  // namespace chiso::notification
