#include "common/reminders/queue.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/reminders/queue_scripts.h"

namespace chiso::reminders {
namespace {

// Items per schedule or cancel script call: big enough to amortise the
// round trip, small enough to keep each call around a millisecond.
constexpr size_t kScheduleChunk = 500;
constexpr size_t kMaxSyncItems = 2000;
constexpr int kMaxListDead = 1000;
constexpr int kMaxPendingLimit = 500;
constexpr int kMaxPendingExamined = 5000;
// Entries one pending script call examines: about a millisecond of Redis.
constexpr int kPendingBatch = 500;

// Indexes into Queue::keys_ (scripts::kKeyNames).
constexpr size_t kWakeKey = 8;
constexpr size_t kGenKey = 10;

struct Scripts {
  redis::Script schedule, sync_owner, cancel, claim, settle, extend, stats, ensure_epoch, list_dead,
      pending, requeue, hold_leadership, release_leadership;
};

// Built once per process: each Script computes its SHA1 up front.
const Scripts& S() {
  static const Scripts* scripts = [] {
    const auto queue = [](const char* body) {
      return redis::Script(absl::StrCat(scripts::kPrelude, body));
    };
    return new Scripts{queue(scripts::kSchedule),
                       queue(scripts::kSyncOwner),
                       queue(scripts::kCancel),
                       queue(scripts::kClaim),
                       queue(scripts::kSettle),
                       queue(scripts::kExtend),
                       queue(scripts::kStats),
                       queue(scripts::kEnsureEpoch),
                       queue(scripts::kListDead),
                       queue(scripts::kPending),
                       queue(scripts::kRequeue),
                       redis::Script(scripts::kHoldLeadership),
                       redis::Script(scripts::kReleaseLeadership)};
  }();
  return *scripts;
}

absl::BitGen& Random() {
  thread_local absl::BitGen gen;
  return gen;
}

bool IsLowerAlpha(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

bool IsOwnerId(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= ' ' || c > '~' || c == '/') return false;
  }
  return true;
}

bool IsDate(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  const int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool IsRule(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::Status CheckOwner(absl::string_view owner) {
  const size_t slash = owner.find('/');
  if (slash == absl::string_view::npos || !IsLowerAlpha(owner.substr(0, slash)) ||
      !IsOwnerId(owner.substr(slash + 1))) {
    return absl::InvalidArgumentError(
        absl::StrCat("reminder owner \"", owner, "\" is not <kind>/<id> (e.g. task/42)"));
  }
  return absl::OkStatus();
}

absl::Status CheckItems(const std::vector<Item>& items) {
  for (const Item& item : items) {
    absl::StatusOr<std::string> owner = OwnerOf(item.id);
    if (!owner.ok()) return owner.status();
    if (item.fire_at_ms < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reminder \"", item.id, "\": fire_at_ms is negative (", item.fire_at_ms, ")"));
    }
  }
  return absl::OkStatus();
}

void AppendItem(const Item& item, std::vector<std::string>& args) {
  args.push_back(item.id);
  args.push_back(absl::StrCat(item.fire_at_ms));
  args.push_back(item.payload);
}

absl::StatusOr<int64_t> Int(const redis::Reply& reply, absl::string_view what) {
  if (reply.type != redis::Reply::Type::kInteger) {
    return absl::InternalError(absl::StrCat(what, ": expected an integer in the reply"));
  }
  return reply.integer;
}

absl::StatusOr<const std::vector<redis::Reply>*> Array(const redis::Reply& reply, size_t min,
                                                       absl::string_view what) {
  if (reply.type != redis::Reply::Type::kArray || reply.elements.size() < min) {
    return absl::InternalError(
        absl::StrCat(what, ": expected an array of at least ", min, " in the reply"));
  }
  return &reply.elements;
}

absl::StatusOr<ClaimResult> ParseClaim(const redis::Reply& reply) {
  absl::StatusOr<const std::vector<redis::Reply>*> a = Array(reply, 3, "claim");
  if (!a.ok()) return a.status();
  const std::vector<redis::Reply>& e = **a;
  if ((e.size() - 3) % 4 != 0) return absl::InternalError("claim: malformed reply");
  ClaimResult result;
  absl::StatusOr<int64_t> now = Int(e[0], "claim");
  if (!now.ok()) return now.status();
  result.now_ms = *now;
  if (!e[1].is_nil()) {
    absl::StatusOr<int64_t> next = Int(e[1], "claim");
    if (!next.ok()) return next.status();
    result.next_fire_ms = *next;
  }
  absl::StatusOr<int64_t> reaped = Int(e[2], "claim");
  if (!reaped.ok()) return reaped.status();
  result.reaped = static_cast<int>(*reaped);
  result.items.reserve((e.size() - 3) / 4);
  for (size_t i = 3; i < e.size(); i += 4) {
    Claimed c;
    c.id = e[i].str;
    absl::StatusOr<int64_t> fire = Int(e[i + 1], "claim");
    absl::StatusOr<int64_t> attempt = Int(e[i + 2], "claim");
    if (!fire.ok()) return fire.status();
    if (!attempt.ok()) return attempt.status();
    c.fire_at_ms = *fire;
    c.attempt = *attempt;
    c.payload = e[i + 3].str;
    result.items.push_back(std::move(c));
  }
  return result;
}

absl::StatusOr<std::vector<Settle>> ParseSettle(const redis::Reply& reply, size_t expected) {
  absl::StatusOr<const std::vector<redis::Reply>*> a = Array(reply, expected, "settle");
  if (!a.ok()) return a.status();
  std::vector<Settle> out;
  out.reserve(expected);
  for (const redis::Reply& r : **a) {
    absl::StatusOr<int64_t> code = Int(r, "settle");
    if (!code.ok()) return code.status();
    switch (*code) {
      case 0:
        out.push_back(Settle::kDone);
        break;
      case 1:
        out.push_back(Settle::kRetried);
        break;
      case 2:
        out.push_back(Settle::kDeadLettered);
        break;
      default:
        out.push_back(Settle::kStale);
        break;
    }
  }
  return out;
}

absl::Status ValidateOptions(const QueueOptions& o) {
  if (o.prefix.empty()) return absl::InvalidArgumentError("QueueOptions.prefix is empty");
  if (o.lease < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("QueueOptions.lease must be at least 1ms");
  }
  if (o.max_attempts < 1) {
    return absl::InvalidArgumentError("QueueOptions.max_attempts must be at least 1");
  }
  if (o.backoff_base < absl::ZeroDuration() || o.backoff_cap < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("QueueOptions.backoff_base/backoff_cap are negative");
  }
  if (o.tombstone_retention < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("QueueOptions.tombstone_retention is negative");
  }
  if (o.claim_limit < 1 || o.claim_limit > 1000) {
    return absl::InvalidArgumentError("QueueOptions.claim_limit must be 1..1000");
  }
  if (o.reap_limit < 1 || o.reap_limit > 1000) {
    return absl::InvalidArgumentError("QueueOptions.reap_limit must be 1..1000");
  }
  return absl::OkStatus();
}

// Escapes the glob characters of HSCAN MATCH.
std::string GlobLiteral(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> OwnerOf(absl::string_view reminder_id) {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reminder id \"", reminder_id, "\" is not <kind>/<owner id>/<YYYY-MM-DD>/<rule>: ", why));
  };
  std::vector<absl::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = reminder_id.find('/', start);
    parts.push_back(reminder_id.substr(
        start, slash == absl::string_view::npos ? absl::string_view::npos : slash - start));
    if (slash == absl::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 4) return bad(absl::StrCat(parts.size(), " segments instead of 4"));
  if (!IsLowerAlpha(parts[0])) return bad("the kind must be lowercase letters");
  if (!IsOwnerId(parts[1])) return bad("the owner id must be printable ASCII without spaces");
  if (!IsDate(parts[2])) return bad("the date must be YYYY-MM-DD");
  if (!IsRule(parts[3])) return bad("the rule must be lowercase letters, digits and '-'");
  return absl::StrCat(parts[0], "/", parts[1]);
}

absl::Duration MaxRetryDelay(const QueueOptions& options, int64_t attempt) {
  absl::Duration delay = options.backoff_base;
  for (int64_t n = 1; n < attempt && delay < options.backoff_cap; ++n) delay *= 2;
  return std::min(delay, options.backoff_cap);
}

Queue::Queue(redis::Endpoint endpoint, QueueOptions options)
    : options_(std::move(options)),
      options_status_(ValidateOptions(options_)),
      conn_(std::move(endpoint)) {
  for (const char* name : scripts::kKeyNames)
    keys_.push_back(absl::StrCat(options_.prefix, ":", name));
}

redis::Connection::ScriptCall Queue::Call(const redis::Script& script,
                                          std::vector<std::string> args) const {
  redis::Connection::ScriptCall call;
  call.script = &script;
  call.keys = keys_;
  args.insert(args.begin(), options_.prefix);
  call.args = std::move(args);
  return call;
}

absl::StatusOr<redis::Reply> Queue::Run(const redis::Script& script, std::vector<std::string> args,
                                        absl::string_view what) {
  if (!options_status_.ok()) return options_status_;
  redis::Connection::ScriptCall call = Call(script, std::move(args));
  absl::StatusOr<redis::Reply> reply = conn_.Eval(script, call.keys, call.args);
  if (!reply.ok()) return reply.status();
  if (absl::Status s = redis::ReplyStatus(*reply, what); !s.ok()) return s;
  return reply;
}

absl::StatusOr<ScheduleResult> Queue::Schedule(const std::vector<Item>& items) {
  if (absl::Status s = CheckItems(items); !s.ok()) return s;
  ScheduleResult result;
  for (size_t begin = 0; begin < items.size(); begin += kScheduleChunk) {
    const size_t end = std::min(items.size(), begin + kScheduleChunk);
    std::vector<std::string> args;
    args.reserve(3 * (end - begin));
    for (size_t i = begin; i < end; ++i) AppendItem(items[i], args);
    absl::StatusOr<redis::Reply> reply = Run(S().schedule, std::move(args), "reminder schedule");
    if (!reply.ok()) return reply.status();
    absl::StatusOr<const std::vector<redis::Reply>*> a = Array(*reply, 2, "schedule");
    if (!a.ok()) return a.status();
    result.scheduled += static_cast<int>((**a)[0].integer);
    result.skipped += static_cast<int>((**a)[1].integer);
  }
  return result;
}

absl::StatusOr<SyncResult> Queue::SyncOwner(absl::string_view owner, absl::string_view generation,
                                            const std::vector<Item>& items) {
  if (absl::Status s = CheckOwner(owner); !s.ok()) return s;
  if (generation.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("sync of \"", owner, "\": generation is empty"));
  }
  if (items.size() > kMaxSyncItems) {
    return absl::InvalidArgumentError(
        absl::StrCat("sync of \"", owner, "\": ", items.size(), " items, at most ", kMaxSyncItems));
  }
  if (absl::Status s = CheckItems(items); !s.ok()) return s;
  for (const Item& item : items) {
    if (*OwnerOf(item.id) != owner) {
      return absl::InvalidArgumentError(
          absl::StrCat("sync of \"", owner, "\": reminder \"", item.id, "\" is not its own"));
    }
  }
  std::vector<std::string> args = {std::string(owner), std::string(generation)};
  for (const Item& item : items) AppendItem(item, args);
  absl::StatusOr<redis::Reply> reply = Run(S().sync_owner, std::move(args), "reminder sync");
  if (!reply.ok()) return reply.status();
  absl::StatusOr<const std::vector<redis::Reply>*> a = Array(*reply, 3, "sync");
  if (!a.ok()) return a.status();
  SyncResult result;
  result.scheduled = static_cast<int>((**a)[0].integer);
  result.skipped = static_cast<int>((**a)[1].integer);
  result.removed = static_cast<int>((**a)[2].integer);
  result.stale = (**a).size() > 3 && (**a)[3].integer == 1;
  return result;
}

absl::StatusOr<std::vector<std::string>> Queue::Owners(absl::string_view kind_prefix) {
  if (!options_status_.ok()) return options_status_;
  std::set<std::string> owners;
  std::string cursor = "0";
  const std::string match = absl::StrCat(GlobLiteral(kind_prefix), "*");
  do {
    absl::StatusOr<redis::Reply> reply =
        conn_.Command({"HSCAN", keys_[kGenKey], cursor, "MATCH", match, "COUNT", "500"});
    if (!reply.ok()) return reply.status();
    if (absl::Status s = redis::ReplyStatus(*reply, "HSCAN of owner generations"); !s.ok()) {
      return s;
    }
    absl::StatusOr<const std::vector<redis::Reply>*> a = Array(*reply, 2, "HSCAN");
    if (!a.ok()) return a.status();
    cursor = (**a)[0].str;
    const std::vector<redis::Reply>& fields = (**a)[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) owners.insert(fields[i].str);
  } while (cursor != "0");
  return std::vector<std::string>(owners.begin(), owners.end());
}

absl::StatusOr<int> Queue::Cancel(const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (absl::StatusOr<std::string> owner = OwnerOf(id); !owner.ok()) return owner.status();
  }
  int cancelled = 0;
  for (size_t begin = 0; begin < ids.size(); begin += kScheduleChunk) {
    const size_t end = std::min(ids.size(), begin + kScheduleChunk);
    std::vector<std::string> args(ids.begin() + begin, ids.begin() + end);
    absl::StatusOr<redis::Reply> reply = Run(S().cancel, std::move(args), "reminder cancel");
    if (!reply.ok()) return reply.status();
    absl::StatusOr<int64_t> n = Int(*reply, "cancel");
    if (!n.ok()) return n.status();
    cancelled += static_cast<int>(*n);
  }
  return cancelled;
}

std::vector<std::string> Queue::ClaimArgs(int limit) const {
  return {absl::StrCat(limit), absl::StrCat(absl::ToInt64Milliseconds(options_.lease)),
          absl::StrCat(options_.reap_limit), absl::StrCat(options_.max_attempts),
          absl::StrCat(absl::ToInt64Milliseconds(options_.tombstone_retention))};
}

absl::StatusOr<ClaimResult> Queue::Claim(int limit) {
  if (limit < 1) return absl::InvalidArgumentError(absl::StrCat("claim limit ", limit, " < 1"));
  limit = std::min(limit, options_.claim_limit);
  absl::StatusOr<redis::Reply> reply = Run(S().claim, ClaimArgs(limit), "reminder claim");
  if (!reply.ok()) return reply.status();
  return ParseClaim(*reply);
}

absl::StatusOr<std::vector<std::string>> Queue::SettleArgs(const std::vector<Ack>& acks,
                                                           const std::vector<Nack>& nacks) {
  std::vector<std::string> args = {absl::StrCat(options_.max_attempts), absl::StrCat(acks.size())};
  args.reserve(2 + 6 * acks.size() + 5 * nacks.size());
  for (const Ack& ack : acks) {
    if (absl::StatusOr<std::string> o = OwnerOf(ack.id); !o.ok()) return o.status();
    args.push_back(ack.id);
    args.push_back(absl::StrCat(ack.attempt));
    args.push_back(ack.generation);
    if (ack.next.has_value()) {
      if (absl::Status s = CheckItems({*ack.next}); !s.ok()) return s;
      args.push_back(ack.next->id);
      args.push_back(absl::StrCat(ack.next->fire_at_ms));
      args.push_back(ack.next->payload);
    } else {
      args.insert(args.end(), {"", "0", ""});
    }
  }
  for (const Nack& nack : nacks) {
    if (absl::StatusOr<std::string> o = OwnerOf(nack.id); !o.ok()) return o.status();
    const absl::Duration max = MaxRetryDelay(options_, nack.attempt);
    const int64_t max_ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(max));
    const int64_t delay_ms = absl::Uniform<int64_t>(absl::IntervalClosed, Random(), 0, max_ms);
    args.push_back(nack.id);
    args.push_back(absl::StrCat(nack.attempt));
    args.push_back(nack.permanent ? "1" : "0");
    args.push_back(absl::StrCat(delay_ms));
    args.push_back(nack.error);
  }
  return args;
}

absl::StatusOr<std::vector<reminders::Settle>> Queue::Settle(const std::vector<Ack>& acks,
                                                             const std::vector<Nack>& nacks) {
  if (acks.empty() && nacks.empty()) return std::vector<reminders::Settle>();
  absl::StatusOr<std::vector<std::string>> args = SettleArgs(acks, nacks);
  if (!args.ok()) return args.status();
  absl::StatusOr<redis::Reply> reply = Run(S().settle, *std::move(args), "reminder settle");
  if (!reply.ok()) return reply.status();
  return ParseSettle(*reply, acks.size() + nacks.size());
}

absl::StatusOr<SettleClaimResult> Queue::SettleAndClaim(const std::vector<Ack>& acks,
                                                        const std::vector<Nack>& nacks, int limit) {
  if (!options_status_.ok()) return options_status_;
  if (limit < 0) return absl::InvalidArgumentError(absl::StrCat("claim limit ", limit, " < 0"));
  limit = std::min(limit, options_.claim_limit);
  const bool settle = !acks.empty() || !nacks.empty();
  std::vector<redis::Connection::ScriptCall> calls;
  if (settle) {
    absl::StatusOr<std::vector<std::string>> args = SettleArgs(acks, nacks);
    if (!args.ok()) return args.status();
    calls.push_back(Call(S().settle, *std::move(args)));
  }
  if (limit > 0) calls.push_back(Call(S().claim, ClaimArgs(limit)));
  SettleClaimResult result;
  if (calls.empty()) return result;
  absl::StatusOr<std::vector<redis::Reply>> replies = conn_.EvalPipeline(calls);
  if (!replies.ok()) return replies.status();
  size_t next = 0;
  if (settle) {
    const redis::Reply& r = (*replies)[next++];
    if (absl::Status s = redis::ReplyStatus(r, "reminder settle"); !s.ok()) return s;
    absl::StatusOr<std::vector<reminders::Settle>> settled =
        ParseSettle(r, acks.size() + nacks.size());
    if (!settled.ok()) return settled.status();
    result.settled = *std::move(settled);
  }
  if (limit > 0) {
    const redis::Reply& r = (*replies)[next];
    if (absl::Status s = redis::ReplyStatus(r, "reminder claim"); !s.ok()) return s;
    absl::StatusOr<ClaimResult> claim = ParseClaim(r);
    if (!claim.ok()) return claim.status();
    result.claim = *std::move(claim);
  }
  return result;
}

absl::StatusOr<bool> Queue::Extend(absl::string_view id, int64_t attempt, absl::Duration by) {
  if (by < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("extend of \"", id, "\": ", absl::FormatDuration(by), " is under 1ms"));
  }
  absl::StatusOr<redis::Reply> reply =
      Run(S().extend,
          {std::string(id), absl::StrCat(attempt), absl::StrCat(absl::ToInt64Milliseconds(by))},
          "reminder extend");
  if (!reply.ok()) return reply.status();
  absl::StatusOr<int64_t> held = Int(*reply, "extend");
  if (!held.ok()) return held.status();
  return *held == 1;
}

absl::StatusOr<Stats> Queue::GetStats() {
  absl::StatusOr<redis::Reply> reply = Run(S().stats, {}, "reminder stats");
  if (!reply.ok()) return reply.status();
  absl::StatusOr<const std::vector<redis::Reply>*> a = Array(*reply, 7, "stats");
  if (!a.ok()) return a.status();
  const std::vector<redis::Reply>& e = **a;
  Stats stats;
  int64_t* fields[] = {&stats.now_ms, &stats.due,  &stats.ready,
                       &stats.leased, &stats.dead, &stats.oldest_ready_age_ms};
  for (size_t i = 0; i < 6; ++i) {
    absl::StatusOr<int64_t> v = Int(e[i], "stats");
    if (!v.ok()) return v.status();
    *fields[i] = *v;
  }
  if (!e[6].is_nil()) stats.epoch = e[6].str;
  return stats;
}

absl::StatusOr<Queue::Epoch> Queue::EnsureEpoch() {
  const std::string candidate = absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(Random()),
                                                absl::Uniform<uint64_t>(Random()));
  absl::StatusOr<redis::Reply> reply = Run(S().ensure_epoch, {candidate}, "reminder epoch");
  if (!reply.ok()) return reply.status();
  absl::StatusOr<const std::vector<redis::Reply>*> a = Array(*reply, 2, "epoch");
  if (!a.ok()) return a.status();
  Epoch epoch;
  epoch.id = (**a)[0].str;
  epoch.created = (**a)[1].integer == 1;
  return epoch;
}

absl::StatusOr<std::vector<DeadLetter>> Queue::ListDead(int limit, absl::string_view prefix,
                                                        int64_t before_ms,
                                                        absl::string_view before_id) {
  if (limit < 1 || limit > kMaxListDead) {
    return absl::InvalidArgumentError(
        absl::StrCat("dead letter limit ", limit, " is not 1..", kMaxListDead));
  }
  std::string max = "+inf";
  if (before_ms > 0) {
    max = before_id.empty() ? absl::StrCat("(", before_ms) : absl::StrCat(before_ms);
  } else if (!before_id.empty()) {
    return absl::InvalidArgumentError("dead letter paging: before_id needs before_ms");
  }
  absl::StatusOr<redis::Reply> reply =
      Run(S().list_dead, {absl::StrCat(limit), std::string(prefix), max, std::string(before_id)},
          "reminder dead letters");
  if (!reply.ok()) return reply.status();
  absl::StatusOr<const std::vector<redis::Reply>*> a = Array(*reply, 0, "dead letters");
  if (!a.ok()) return a.status();
  const std::vector<redis::Reply>& e = **a;
  if (e.size() % 6 != 0) return absl::InternalError("dead letters: malformed reply");
  std::vector<DeadLetter> out;
  for (size_t i = 0; i < e.size(); i += 6) {
    DeadLetter d;
    d.id = e[i].str;
    d.payload = e[i + 1].str;
    d.attempts = e[i + 2].integer;
    d.last_error = e[i + 3].str;
    d.dead_at_ms = e[i + 4].integer;
    d.fire_at_ms = e[i + 5].integer;
    out.push_back(std::move(d));
  }
  return out;
}

// A Lua script per batch rather than ZRANGEBYSCORE … LIMIT and HMGET from
// here: many reminders share one fire time (every "due" of a day fires at
// 08:00), so resuming inside such a tie group needs the cursor's rank
// (ZSCORE + ZRANK, or a binary search when it left), and the rank is only
// meaningful if the set does not change before the ZRANGE that uses it;
// LIMIT offsets would cost O(offset) and skip or repeat entries whenever a
// worker claims in between. The script also reads each payload, attempt and
// original fire time in the same instant as the entry, so an entry that is
// listed is pending with that payload. A batch is bounded (500 entries), so
// the script never holds Redis for long; the plan filter, which needs the
// payload decoded, is applied here, after the script's cheap substring test.
absl::StatusOr<PendingPage> Queue::Pending(const PendingQuery& query) {
  if (query.limit < 1) {
    return absl::InvalidArgumentError(absl::StrCat("pending limit ", query.limit, " < 1"));
  }
  if (query.max_examined < 1 || query.max_examined > kMaxPendingExamined) {
    return absl::InvalidArgumentError(absl::StrCat("pending max_examined ", query.max_examined,
                                                   " is not 1..", kMaxPendingExamined));
  }
  if (query.after.has_value() && (query.after->id.empty() || query.after->fire_at_ms < 0)) {
    return absl::InvalidArgumentError(
        "pending paging: the position needs an id and a fire time that is not negative");
  }
  const int limit = std::min(query.limit, kMaxPendingLimit);
  PendingPage page;
  std::optional<PendingPosition> at = query.after;
  bool more = true;
  while (more && static_cast<int>(page.items.size()) < limit &&
         page.examined < query.max_examined) {
    const int budget = std::min(kPendingBatch, query.max_examined - page.examined);
    absl::StatusOr<redis::Reply> reply =
        Run(S().pending,
            {at.has_value() ? absl::StrCat(at->fire_at_ms) : "", at.has_value() ? at->id : "",
             absl::StrCat(budget), absl::StrCat(limit - static_cast<int>(page.items.size())),
             query.id_prefix, query.plan},
            "reminder pending");
    if (!reply.ok()) return reply.status();
    absl::StatusOr<const std::vector<redis::Reply>*> a = Array(*reply, 4, "pending");
    if (!a.ok()) return a.status();
    const std::vector<redis::Reply>& e = **a;
    if ((e.size() - 4) % 5 != 0) return absl::InternalError("pending: malformed reply");
    more = e[0].integer == 1;
    const int examined = static_cast<int>(e[1].integer);
    page.examined += examined;
    if (examined > 0) at = PendingPosition{e[2].integer, e[3].str};
    for (size_t i = 4; i < e.size(); i += 5) {
      PendingReminder r;
      r.id = e[i].str;
      r.fire_at_ms = e[i + 1].integer;
      r.payload = e[i + 2].str;
      r.scheduled_fire_at_ms = e[i + 3].integer;
      r.attempts = e[i + 4].integer;
      if (!query.plan.empty()) {
        chiso::notification::v1::ReminderPayload payload;
        if (!payload.ParseFromString(r.payload) || payload.plan() != query.plan) continue;
      }
      page.items.push_back(std::move(r));
    }
    if (examined == 0) break;
  }
  if (more) page.next = std::move(at);
  return page;
}

absl::Status Queue::Requeue(absl::string_view id, int64_t fire_at_ms) {
  if (absl::StatusOr<std::string> o = OwnerOf(id); !o.ok()) return o.status();
  absl::StatusOr<redis::Reply> reply =
      Run(S().requeue, {std::string(id), absl::StrCat(fire_at_ms)}, "reminder requeue");
  if (!reply.ok()) return reply.status();
  if (reply->integer != 1) {
    return absl::NotFoundError(absl::StrCat("reminder \"", id, "\" is not dead-lettered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Queue::HoldLeadership(absl::string_view role, absl::string_view holder,
                                           absl::Duration ttl) {
  if (!options_status_.ok()) return options_status_;
  if (role.empty() || holder.empty()) {
    return absl::InvalidArgumentError("leadership needs a role and a holder");
  }
  if (ttl < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("leadership of \"", role, "\": ttl ", absl::FormatDuration(ttl), " < 1ms"));
  }
  const redis::Script& script = S().hold_leadership;
  absl::StatusOr<redis::Reply> reply =
      conn_.Eval(script, {absl::StrCat(options_.prefix, ":leader:", role)},
                 {std::string(holder), absl::StrCat(absl::ToInt64Milliseconds(ttl))});
  if (!reply.ok()) return reply.status();
  if (absl::Status s = redis::ReplyStatus(*reply, "leadership"); !s.ok()) return s;
  return reply->integer == 1;
}

absl::Status Queue::ReleaseLeadership(absl::string_view role, absl::string_view holder) {
  if (!options_status_.ok()) return options_status_;
  const redis::Script& script = S().release_leadership;
  absl::StatusOr<redis::Reply> reply =
      conn_.Eval(script, {absl::StrCat(options_.prefix, ":leader:", role)}, {std::string(holder)});
  if (!reply.ok()) return reply.status();
  return redis::ReplyStatus(*reply, "leadership release");
}

absl::Status Queue::WaitForWake(absl::Duration timeout) {
  if (!options_status_.ok()) return options_status_;
  if (timeout < absl::Milliseconds(1)) return absl::OkStatus();
  // The server's own timeout answers first; the socket timeout one second
  // later is only the watchdog for a server or network that went silent.
  absl::StatusOr<redis::Reply> reply = conn_.Command(
      {"BZPOPMIN", keys_[kWakeKey], absl::StrFormat("%.3f", absl::ToDoubleSeconds(timeout))},
      timeout + absl::Seconds(1));
  if (!reply.ok()) return reply.status();
  return redis::ReplyStatus(*reply, "BZPOPMIN of the wake marker");
}

}  // namespace chiso::reminders
