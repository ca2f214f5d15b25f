#include "services/notification/notification_domain.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ids/ids.h"
#include "common/text/fields.h"
#include "common/text/text.h"

namespace chiso::notification {
namespace {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range of the JSON
// mapping of Timestamp.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int64_t kMaxDurationSeconds = 315576000000;

constexpr absl::string_view kCursorVersion = "c1";
constexpr absl::string_view kReminderLetter = "reminder-";
constexpr absl::string_view kDeliveryLetter = "delivery-";

std::string Quote(absl::string_view text) { return text::QuoteForMessage(text); }

// Checks the recipients, kinds and plan shared by both filters.
absl::Status CheckRecipients(absl::string_view field,
                             const google::protobuf::RepeatedPtrField<std::string>& recipients) {
  if (recipients.size() > kMaxFilterRecipients) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": at most ", kMaxFilterRecipients,
                                                   " recipients (got ", recipients.size(), ")"));
  }
  for (int i = 0; i < recipients.size(); ++i) {
    absl::StatusOr<std::string> name =
        ParseInboxName(absl::StrCat(field, "[", i, "]"), recipients[i]);
    if (!name.ok()) return name.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int>> CheckKinds(absl::string_view field,
                                            const google::protobuf::RepeatedField<int>& kinds) {
  std::vector<int> out;
  for (int kind : kinds) {
    if (!pb::NotificationKind_IsValid(kind) || kind == pb::NOTIFICATION_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": unknown kind ", kind));
    }
    if (std::find(out.begin(), out.end(), kind) == out.end()) out.push_back(kind);
  }
  return out;
}

absl::Status CheckOptionalName(absl::string_view field, absl::string_view prefix,
                               absl::string_view name) {
  if (name.empty()) return absl::OkStatus();
  return ParseName(field, prefix, name).status();
}

bool HasAnyOf(const google::protobuf::RepeatedPtrField<std::string>& names,
              const absl::flat_hash_set<std::string>& set) {
  for (const std::string& name : names) {
    if (set.contains(name)) return true;
  }
  return false;
}

absl::Status CheckUrl(const std::string& url, const WebhookRules& rules) {
  if (url.empty()) return absl::InvalidArgumentError("webhook.url: required");
  if (static_cast<int>(url.size()) > kMaxWebhookUrlChars) {
    return absl::InvalidArgumentError(absl::StrCat("webhook.url: at most ", kMaxWebhookUrlChars,
                                                   " characters (got ", url.size(), ")"));
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook.url: ", Quote(url),
                       " has spaces, control or non-ASCII characters (percent-encode them)"));
    }
  }
  const std::string lower = absl::AsciiStrToLower(url);
  absl::string_view rest;
  if (absl::StartsWith(lower, "https://")) {
    rest = absl::string_view(url).substr(8);
  } else if (absl::StartsWith(lower, "http://")) {
    if (!rules.allow_insecure) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook.url: ", Quote(url),
                       " must use https:// (plain http is accepted only when the service runs "
                       "with --allow_insecure_webhooks)"));
    }
    rest = absl::string_view(url).substr(7);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook.url: ", Quote(url), " must be an https:// URL"));
  }
  const absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const absl::string_view host = authority.substr(
      authority.rfind('@') == absl::string_view::npos ? 0 : authority.rfind('@') + 1);
  if (host.empty() || host[0] == ':') {
    return absl::InvalidArgumentError(absl::StrCat("webhook.url: ", Quote(url), " has no host"));
  }
  if (absl::StrContains(rest, '#')) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook.url: ", Quote(url), " must not have a fragment (#…)"));
  }
  return absl::OkStatus();
}

absl::Status CheckSecret(const std::string& secret) {
  if (static_cast<int>(secret.size()) < kMinSecretBytes ||
      static_cast<int>(secret.size()) > kMaxSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat("webhook.secret: must be ", kMinSecretBytes, "–",
                                                   kMaxSecretBytes, " bytes (got ", secret.size(),
                                                   ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckDisplayName(std::string* name) {
  if (absl::Status s =
          text::CleanLineField("webhook.display_name", name, kMaxWebhookDisplayNameChars);
      !s.ok()) {
    return s;
  }
  if (name->empty()) return absl::InvalidArgumentError("webhook.display_name: required");
  // The name is the sort key ListWebhooks' page tokens carry, which refuse a
  // NUL: a webhook named with one would end the listing at its page.
  if (absl::StrContains(*name, '\0')) {
    return absl::InvalidArgumentError("webhook.display_name: must not contain a NUL character");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> NormalizeMaxAttempts(int value) {
  if (value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook.max_attempts: must not be negative (got ", value, ")"));
  }
  if (value == 0) return kDefaultMaxAttempts;
  return std::min(value, kMaxMaxAttempts);
}

absl::Status CheckState(pb::WebhookState* state, bool unspecified_is_active) {
  if (!pb::WebhookState_IsValid(*state)) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhook.state: unknown state ", static_cast<int>(*state)));
  }
  if (*state == pb::WEBHOOK_STATE_UNSPECIFIED) {
    if (!unspecified_is_active) {
      return absl::InvalidArgumentError(
          "webhook.state: ACTIVE or PAUSED when named in update_mask");
    }
    *state = pb::WEBHOOK_STATE_ACTIVE;
  }
  return absl::OkStatus();
}

}  // namespace

std::string NotificationName(absl::string_view id) { return absl::StrCat(kNotifications, id); }
std::string WebhookName(absl::string_view id) { return absl::StrCat(kWebhooks, id); }

absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view prefix,
                                      absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (!absl::StartsWith(name, prefix) || !IsValidId(name.substr(prefix.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", Quote(name), " is not a ", prefix, "{id} name"));
  }
  return std::string(name.substr(prefix.size()));
}

absl::StatusOr<std::string> ParseInboxName(absl::string_view field, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  const absl::string_view prefix = absl::StartsWith(name, kPeople) ? kPeople : kUnits;
  if (!absl::StartsWith(name, prefix) || !IsValidId(name.substr(prefix.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", Quote(name), " is not a units/{id} or people/{id} name"));
  }
  return std::string(name);
}

std::string InboxOf(const pb::Recipient& recipient) {
  switch (recipient.who_case()) {
    case pb::Recipient::kUnit:
      return recipient.unit();
    case pb::Recipient::kPerson:
      return recipient.person();
    default:
      return std::string();
  }
}

absl::StatusOr<absl::Time> CheckTimestamp(absl::string_view field,
                                          const google::protobuf::Timestamp& t) {
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a valid timestamp (years 1–9999, nanos 0–999999999)"));
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::StatusOr<absl::Duration> CheckDuration(absl::string_view field,
                                             const google::protobuf::Duration& d) {
  const bool sign_ok = (d.seconds() >= 0 && d.nanos() >= 0) || (d.seconds() <= 0 && d.nanos() <= 0);
  if (!sign_ok || d.nanos() > 999999999 || d.nanos() < -999999999 ||
      d.seconds() > kMaxDurationSeconds || d.seconds() < -kMaxDurationSeconds) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid duration"));
  }
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// ---- Filters ----------------------------------------------------------------

absl::StatusOr<InboxQuery> CheckNotificationFilter(const pb::NotificationFilter& filter) {
  InboxQuery query;
  if (absl::Status s = CheckRecipients("filter.recipients", filter.recipients()); !s.ok()) {
    return s;
  }
  for (const std::string& r : filter.recipients()) {
    if (std::find(query.recipients.begin(), query.recipients.end(), r) == query.recipients.end()) {
      query.recipients.push_back(r);
    }
  }
  if (filter.include_subtree() && query.recipients.empty()) {
    return absl::InvalidArgumentError(
        "filter.include_subtree: needs filter.recipients (the units whose subtrees to include)");
  }
  if (filter.unread_only() && query.recipients.empty()) {
    return absl::InvalidArgumentError(
        "filter.unread_only: needs filter.recipients (unread by whom)");
  }
  query.include_subtree = filter.include_subtree();
  query.unread_only = filter.unread_only();
  absl::StatusOr<std::vector<int>> kinds = CheckKinds("filter.kinds", filter.kinds());
  if (!kinds.ok()) return kinds.status();
  query.kinds = *std::move(kinds);
  if (absl::Status s = CheckOptionalName("filter.plan", kPlans, filter.plan()); !s.ok()) return s;
  if (absl::Status s = CheckOptionalName("filter.task", kTasks, filter.task()); !s.ok()) return s;
  query.plan = filter.plan();
  query.task = filter.task();
  if (filter.has_fired_after()) {
    absl::StatusOr<absl::Time> t = CheckTimestamp("filter.fired_after", filter.fired_after());
    if (!t.ok()) return t.status();
    query.fired_after_ms = absl::ToUnixMillis(*t);
  }
  if (filter.has_fired_before()) {
    absl::StatusOr<absl::Time> t = CheckTimestamp("filter.fired_before", filter.fired_before());
    if (!t.ok()) return t.status();
    query.fired_before_ms = absl::ToUnixMillis(*t);
  }
  return query;
}

absl::Status CheckDeliveryFilter(absl::string_view field, const pb::DeliveryFilter& filter) {
  if (absl::Status s = CheckRecipients(absl::StrCat(field, ".recipients"), filter.recipients());
      !s.ok()) {
    return s;
  }
  if (filter.include_subtree() && filter.recipients().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".include_subtree: needs ", field,
                     ".recipients (the units whose subtrees to include)"));
  }
  if (absl::Status s = CheckKinds(absl::StrCat(field, ".kinds"), filter.kinds()).status();
      !s.ok()) {
    return s;
  }
  return CheckOptionalName(absl::StrCat(field, ".plan"), kPlans, filter.plan());
}

absl::Status CheckReminderIdPrefix(absl::string_view field, absl::string_view prefix) {
  if (static_cast<int>(prefix.size()) > kMaxReminderIdPrefixBytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": at most ", kMaxReminderIdPrefixBytes,
                                                   " bytes (got ", prefix.size(), ")"));
  }
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", Quote(prefix),
                     " cannot begin a reminder id <kind>/<owner id>/<YYYY-MM-DD>/<rule>: ", why));
  };
  const std::vector<absl::string_view> parts = absl::StrSplit(prefix, '/');
  if (parts.size() > 4) return bad("it has more than 4 segments");
  for (size_t i = 0; i < parts.size(); ++i) {
    const absl::string_view part = parts[i];
    const bool closed = i + 1 < parts.size();  // a '/' follows
    switch (i) {
      case 0:
        if ((closed && part.empty()) ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
          return bad("the kind is lowercase letters (task, plan)");
        }
        break;
      case 1:
        if ((closed && part.empty()) ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c > ' ' && c <= '~'; })) {
          return bad("the owner id is printable ASCII without spaces");
        }
        break;
      case 2:
        for (size_t k = 0; k < part.size(); ++k) {
          const bool dash = k == 4 || k == 7;
          if (k >= 10 || (dash ? part[k] != '-' : !absl::ascii_isdigit(part[k]))) {
            return bad("the date is YYYY-MM-DD");
          }
        }
        if (closed && part.size() != 10) return bad("the date is YYYY-MM-DD");
        break;
      default:
        if (!std::all_of(part.begin(), part.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            })) {
          return bad("the rule is lowercase letters, digits and '-'");
        }
    }
  }
  return absl::OkStatus();
}

bool Matches(const pb::DeliveryFilter& filter, const pb::Notification& n) {
  if (!filter.plan().empty() && filter.plan() != n.plan()) return false;
  if (!filter.kinds().empty() &&
      std::find(filter.kinds().begin(), filter.kinds().end(), n.kind()) == filter.kinds().end()) {
    return false;
  }
  if (filter.recipients().empty()) return true;
  const absl::flat_hash_set<std::string> wanted(filter.recipients().begin(),
                                                filter.recipients().end());
  for (const pb::Recipient& r : n.recipients()) {
    const std::string inbox = InboxOf(r);
    if (!inbox.empty() && wanted.contains(inbox)) return true;
    if (filter.include_subtree() && HasAnyOf(r.ancestors(), wanted)) return true;
  }
  return false;
}

// ---- Webhooks ---------------------------------------------------------------

absl::Status CheckNewWebhook(pb::Webhook& webhook, const WebhookRules& rules) {
  webhook.clear_name();
  webhook.clear_secret_update_time();
  webhook.clear_last_success_time();
  webhook.clear_last_failure_time();
  webhook.clear_last_error();
  webhook.clear_consecutive_failures();
  webhook.clear_etag();
  webhook.clear_create_time();
  webhook.clear_update_time();
  if (absl::Status s = CheckDisplayName(webhook.mutable_display_name()); !s.ok()) return s;
  if (absl::Status s = CheckUrl(webhook.url(), rules); !s.ok()) return s;
  if (absl::Status s = CheckSecret(webhook.secret()); !s.ok()) return s;
  if (absl::Status s = CheckDeliveryFilter("webhook.filter", webhook.filter()); !s.ok()) return s;
  pb::WebhookState state = webhook.state();
  if (absl::Status s = CheckState(&state, true); !s.ok()) return s;
  webhook.set_state(state);
  absl::StatusOr<int> attempts = NormalizeMaxAttempts(webhook.max_attempts());
  if (!attempts.ok()) return attempts.status();
  webhook.set_max_attempts(*attempts);
  return absl::OkStatus();
}

absl::Status ApplyWebhookUpdate(const pb::Webhook& patch, const google::protobuf::FieldMask& mask,
                                const WebhookRules& rules, pb::Webhook& stored, std::string* secret,
                                bool* secret_changed) {
  *secret_changed = false;
  if (mask.paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask: required (any of display_name, url, secret, filter, state, max_attempts)");
  }
  for (const std::string& path : mask.paths()) {
    if (path == "display_name") {
      std::string name = patch.display_name();
      if (absl::Status s = CheckDisplayName(&name); !s.ok()) return s;
      stored.set_display_name(name);
    } else if (path == "url") {
      if (absl::Status s = CheckUrl(patch.url(), rules); !s.ok()) return s;
      stored.set_url(patch.url());
    } else if (path == "secret") {
      if (absl::Status s = CheckSecret(patch.secret()); !s.ok()) return s;
      *secret = patch.secret();
      *secret_changed = true;
    } else if (path == "filter") {
      if (absl::Status s = CheckDeliveryFilter("webhook.filter", patch.filter()); !s.ok()) {
        return s;
      }
      *stored.mutable_filter() = patch.filter();
    } else if (path == "state") {
      pb::WebhookState state = patch.state();
      if (absl::Status s = CheckState(&state, false); !s.ok()) return s;
      stored.set_state(state);
    } else if (path == "max_attempts") {
      absl::StatusOr<int> attempts = NormalizeMaxAttempts(patch.max_attempts());
      if (!attempts.ok()) return attempts.status();
      stored.set_max_attempts(*attempts);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: ", Quote(path),
                       " cannot be updated (any of display_name, url, secret, filter, state, "
                       "max_attempts)"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckEtag(absl::string_view name, absl::string_view current, absl::string_view sent) {
  if (sent.empty() || sent == current) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("etag: ", name, " changed since it was read (etag \"",
                                         sent, "\", now \"", current, "\"); read it again"));
}

// ---- Subscribe cursors ------------------------------------------------------

std::string EncodeCursor(const Cursor& cursor) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kCursorVersion, ".", cursor.seq, ".", absl::ToUnixMillis(cursor.issued)));
}

absl::StatusOr<Cursor> DecodeCursor(absl::string_view text) {
  std::string raw;
  const absl::Status malformed = absl::InvalidArgumentError(
      "cursor: malformed (send the cursor of an event of this service unchanged)");
  if (!absl::WebSafeBase64Unescape(text, &raw)) return malformed;
  std::vector<absl::string_view> parts = absl::StrSplit(raw, '.');
  Cursor cursor;
  int64_t issued_ms = 0;
  if (parts.size() != 3 || parts[0] != kCursorVersion || !absl::SimpleAtoi(parts[1], &cursor.seq) ||
      !absl::SimpleAtoi(parts[2], &issued_ms) || cursor.seq < 0 || issued_ms < 0) {
    return malformed;
  }
  cursor.issued = absl::FromUnixMillis(issued_ms);
  return cursor;
}

absl::StatusOr<absl::Duration> HeartbeatInterval(const google::protobuf::Duration& d) {
  absl::StatusOr<absl::Duration> interval = CheckDuration("heartbeat_interval", d);
  if (!interval.ok()) return interval.status();
  if (*interval == absl::ZeroDuration()) return absl::Seconds(30);
  if (*interval < absl::Seconds(5) || *interval > absl::Seconds(300)) {
    return absl::InvalidArgumentError(
        absl::StrCat("heartbeat_interval: must be 5–300 seconds, or 0 for 30 seconds (got ",
                     absl::FormatDuration(*interval), ")"));
  }
  return *interval;
}

// ---- Dead letters -----------------------------------------------------------

std::string DeadLetterName(const DeadLetterRef& ref) {
  if (ref.kind == DeadLetterRef::Kind::kDelivery) {
    return absl::StrCat(kDeadLetters, kDeliveryLetter, ref.id);
  }
  std::string encoded = absl::WebSafeBase64Escape(ref.id);
  return absl::StrCat(kDeadLetters, kReminderLetter, encoded);
}

absl::StatusOr<DeadLetterRef> ParseDeadLetterName(absl::string_view field, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat(field, ": ", Quote(name),
                   " is not a deadLetters/reminder-{id} or deadLetters/delivery-{id} name"));
  if (!absl::StartsWith(name, kDeadLetters)) return bad;
  absl::string_view rest = name.substr(kDeadLetters.size());
  DeadLetterRef ref;
  if (absl::ConsumePrefix(&rest, kDeliveryLetter)) {
    if (!IsValidId(rest)) return bad;
    ref.kind = DeadLetterRef::Kind::kDelivery;
    ref.id = std::string(rest);
    return ref;
  }
  if (absl::ConsumePrefix(&rest, kReminderLetter)) {
    std::string id;
    if (rest.empty() || absl::StrContains(rest, '=') || !absl::WebSafeBase64Unescape(rest, &id) ||
        id.empty() || absl::WebSafeBase64Escape(id) != rest) {
      return bad;
    }
    ref.kind = DeadLetterRef::Kind::kReminder;
    ref.id = std::move(id);
    return ref;
  }
  return bad;
}

}  // namespace chiso::notification
