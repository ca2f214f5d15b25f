#include "tools/chisoctl/notification_commands.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "common/civil/business_time.h"
#include "common/civil/date.h"
#include "common/civil/proto_time.h"
#include "common/text/text.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tools/chisoctl/assignment_commands.h"
#include "tools/chisoctl/command_table.h"
#include "tools/chisoctl/connection.h"
#include "tools/chisoctl/rpc.h"
#include "tools/chisoctl/table.h"

namespace chiso::chisoctl {
namespace {

namespace npb = chiso::notification::v1;
using Stub = npb::NotificationService::Stub;

constexpr char kDefaultNotificationAddr[] = "localhost:50054";
// Limits of the contract, checked here so that bad input fails before a call.
constexpr int kMaxRecipients = 100;
constexpr int kMaxMarkReadNames = 500;
constexpr int kMaxPageSize = 500;
constexpr int kDefaultLimit = 50;
constexpr size_t kMinSecretBytes = 32;
constexpr size_t kMaxSecretBytes = 256;
constexpr int kMaxMaxAttempts = 50;
// Larger secret files are refused without being read to the end.
constexpr size_t kMaxSecretFileBytes = 64 * 1024;

class NotificationCommands;

// One command of a notification area ("inbox list", "webhook create", …).
struct Command {
  std::string area;
  std::string verb;
  // What follows "chisoctl <area> <verb>" in the synopsis.
  std::string synopsis;
  // The description and flags, for --help.
  std::string help;
  // Positional arguments: from `min_args` to `max_args` (-1: no limit),
  // named in errors as `arg_name`.
  int min_args = 0;
  int max_args = 0;
  std::string arg_name;
  std::vector<FlagSpec> flags;
  int (NotificationCommands::*run)();
};

const std::vector<Command>& Commands();

std::string AreaVerbs(absl::string_view area) { return command_table::AreaVerbs(Commands(), area); }

void PrintAreaHelp(absl::string_view area, std::ostream& out) {
  command_table::PrintAreaHelp(Commands(), area, out);
}

void PrintCommandHelp(const Command& command, std::ostream& out) {
  command_table::PrintCommandHelp(command, "--notification-addr", out);
}

int UsageError(std::ostream& err, absl::string_view message, const Command* command,
               absl::string_view area = "") {
  return command_table::UsageError(err, message, command, area);
}

using command_table::AsName;
using command_table::IsIdText;

// An inbox: "units/ID" or "people/ID"; empty when `text` is neither.
std::string AsInbox(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  for (absl::string_view prefix : {"units/", "people/"}) {
    absl::string_view id = text;
    if (absl::ConsumePrefix(&id, prefix) && IsIdText(id)) return std::string(text);
  }
  return "";
}

// ---------------------------------------------------------------------------
// Kinds, times and durations
// ---------------------------------------------------------------------------

// "due-soon", "due", "overdue", "escalation", "check-in", "report-due".
std::string KindName(int kind) {
  std::string name = EnumShortName(npb::NotificationKind_descriptor(), "NOTIFICATION_KIND_", kind);
  absl::string_view short_name = name;
  absl::ConsumePrefix(&short_name, "task-");
  return std::string(short_name);
}

std::string KindChoices() {
  const google::protobuf::EnumDescriptor* type = npb::NotificationKind_descriptor();
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) names.push_back(KindName(type->value(i)->number()));
  }
  return absl::StrJoin(names, ", ");
}

// Parses --kind values (repeated or comma lists) written as KindName does,
// with "-" or "_", in any case; the full enum names are accepted too.
absl::StatusOr<std::vector<npb::NotificationKind>> ParseKinds(
    const std::vector<std::string>& values) {
  const google::protobuf::EnumDescriptor* type = npb::NotificationKind_descriptor();
  std::vector<npb::NotificationKind> kinds;
  for (const std::string& value : values) {
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(part));
      std::replace(name.begin(), name.end(), '-', '_');
      std::replace(name.begin(), name.end(), ' ', '_');
      absl::string_view bare = name;
      absl::ConsumePrefix(&bare, "NOTIFICATION_KIND_");
      const google::protobuf::EnumValueDescriptor* found = nullptr;
      for (const std::string& candidate : {absl::StrCat("NOTIFICATION_KIND_TASK_", bare),
                                           absl::StrCat("NOTIFICATION_KIND_", bare)}) {
        if (found == nullptr) found = type->FindValueByName(candidate);
      }
      if (found == nullptr || found->number() == 0) {
        return absl::InvalidArgumentError(absl::StrCat("--kind: unknown value ",
                                                       text::QuoteForMessage(part),
                                                       "; expected one of ", KindChoices()));
      }
      const auto kind = static_cast<npb::NotificationKind>(found->number());
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
    }
  }
  return kinds;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// "30/04/2024 08:00" in business time (Asia/Ho_Chi_Minh, UTC+7).
std::string FormatTime(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%d/%m/%Y %H:%M", ToTime(ts), civil::BusinessTimeZone());
}

// Same, "" when the field is unset.
std::string FormatTimeIf(bool has, const google::protobuf::Timestamp& ts) {
  return has ? FormatTime(ts) : "";
}

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// "1.5s", "2h5m", "50ms": to the millisecond.
std::string FormatDuration(const google::protobuf::Duration& d) {
  return absl::FormatDuration(absl::Trunc(ToDuration(d), absl::Milliseconds(1)));
}

// "1 notification", "2 notifications".
std::string Count(int64_t n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

// Reads a webhook secret from `path` ("-": `in`): the bytes of the file
// without one trailing line break, 32–256 bytes of UTF-8. The secret never
// appears in a message.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, std::istream& in) {
  std::string data;
  auto read_from = [&data](std::istream& stream) {
    char buffer[4096];
    while (data.size() <= kMaxSecretFileBytes && stream.read(buffer, sizeof(buffer)).gcount() > 0) {
      data.append(buffer, static_cast<size_t>(stream.gcount()));
    }
    return !stream.bad();
  };
  const std::string shown = path == "-" ? "standard input" : path;
  if (path == "-") {
    if (!read_from(in)) {
      return absl::InvalidArgumentError("--secret-file: cannot read standard input");
    }
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      return absl::InvalidArgumentError(
          absl::StrCat("--secret-file: cannot read ", path, ": ", std::strerror(errno)));
    }
    if (!read_from(file)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--secret-file: cannot read ", path, " (is it a directory?)"));
    }
  }
  if (data.size() > kMaxSecretFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--secret-file: ", shown, " is too large for a secret (32 to 256 bytes)"));
  }
  if (absl::EndsWith(data, "\n")) data.pop_back();
  if (absl::EndsWith(data, "\r")) data.pop_back();
  if (data.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--secret-file: ", shown, " is empty"));
  }
  if (data.size() < kMinSecretBytes || data.size() > kMaxSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--secret-file: the secret in ", shown, " is ", data.size(),
                     " bytes; it must be 32 to 256 bytes (e.g. openssl rand -hex 32 > FILE)"));
  }
  if (!text::IsValidUtf8(data)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--secret-file: the secret in ", shown,
                     " is not UTF-8 text; use printable characters (openssl rand -hex 32)"));
  }
  return data;
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

// Writes "Label:   value" lines, the labels padded to one width; values are
// made safe for a terminal.
class KeyValues {
 public:
  void Add(absl::string_view key, absl::string_view value) {
    if (!value.empty()) lines_.emplace_back(absl::StrCat(key, ":"), text::ForTerminal(value));
  }
  void Render(std::ostream& out) const {
    size_t width = 0;
    for (const auto& [key, value] : lines_) width = std::max(width, key.size());
    for (const auto& [key, value] : lines_) {
      out << key << std::string(width - key.size() + 2, ' ') << value << "\n";
    }
  }

 private:
  std::vector<std::pair<std::string, std::string>> lines_;
};

// The inbox of a recipient, "" for a post.
std::string InboxOf(const npb::Recipient& recipient) {
  switch (recipient.who_case()) {
    case npb::Recipient::kUnit:
      return recipient.unit();
    case npb::Recipient::kPerson:
      return recipient.person();
    default:
      return "";
  }
}

std::string RecipientText(const npb::Recipient& recipient) {
  if (!recipient.display_name().empty()) return recipient.display_name();
  return recipient.who_case() == npb::Recipient::kPost ? recipient.post() : InboxOf(recipient);
}

// Whether the inboxes asked about have read `n`: "yes", "no", "1/3" (read by
// some), "-" (no inbox: posts only). The inboxes asked about are `inboxes`
// (with `subtree`, also those under them); all of n's when none are given.
std::string ReadText(const npb::Notification& n, const std::vector<std::string>& inboxes,
                     bool subtree) {
  auto asked = [&inboxes](const std::string& name) {
    return std::find(inboxes.begin(), inboxes.end(), name) != inboxes.end();
  };
  int total = 0;
  int read = 0;
  for (const npb::Recipient& recipient : n.recipients()) {
    const std::string inbox = InboxOf(recipient);
    if (inbox.empty()) continue;
    if (!inboxes.empty()) {
      bool match = asked(inbox);
      if (subtree) {
        for (const std::string& ancestor : recipient.ancestors()) match = match || asked(ancestor);
      }
      if (!match) continue;
    }
    ++total;
    if (recipient.has_read_time()) ++read;
  }
  if (total == 0) return "-";
  if (read == total) return "yes";
  if (read == 0) return "no";
  return absl::StrCat(read, "/", total);
}

void RenderNotifications(const npb::ListNotificationsResponse& response,
                         const std::vector<std::string>& inboxes, bool subtree, std::ostream& out) {
  if (response.notifications().empty()) {
    out << "No notifications.\n";
    return;
  }
  Table table(
      {{"NAME"}, {"FIRED"}, {"KIND"}, {"TITLE", 64}, {"RECIPIENTS", 40}, {"LATE"}, {"READ"}});
  for (const npb::Notification& n : response.notifications()) {
    std::vector<std::string> recipients;
    for (const npb::Recipient& recipient : n.recipients()) {
      recipients.push_back(RecipientText(recipient));
    }
    table.AddRow({n.name(), FormatTimeIf(n.has_fire_time(), n.fire_time()), KindName(n.kind()),
                  n.title(), absl::StrJoin(recipients, "; "),
                  n.late() ? absl::StrCat("+", FormatDuration(n.lateness())) : "",
                  ReadText(n, inboxes, subtree)});
  }
  table.Render(out);
}

std::string FilterText(const npb::DeliveryFilter& filter) {
  std::vector<std::string> parts;
  if (!filter.recipients().empty()) {
    parts.push_back(absl::StrCat(absl::StrJoin(filter.recipients(), ", "),
                                 filter.include_subtree() ? " and their subtrees" : ""));
  }
  if (!filter.kinds().empty()) {
    std::vector<std::string> kinds;
    for (int kind : filter.kinds()) kinds.push_back(KindName(kind));
    parts.push_back(absl::StrCat("kinds ", absl::StrJoin(kinds, ", ")));
  }
  if (!filter.plan().empty()) parts.push_back(absl::StrCat("plan ", filter.plan()));
  return parts.empty() ? "every notification" : absl::StrJoin(parts, "; ");
}

std::string StateText(npb::WebhookState state) {
  return EnumShortName(npb::WebhookState_descriptor(), "WEBHOOK_STATE_", state);
}

void RenderWebhook(const npb::Webhook& webhook, std::ostream& out) {
  KeyValues kv;
  kv.Add("Name", webhook.name());
  kv.Add("Display name", webhook.display_name());
  kv.Add("URL", webhook.url());
  kv.Add("State", StateText(webhook.state()));
  kv.Add("Delivers", FilterText(webhook.filter()));
  kv.Add("Max attempts", absl::StrCat(webhook.max_attempts()));
  kv.Add("Secret set",
         FormatTimeIf(webhook.has_secret_update_time(), webhook.secret_update_time()));
  kv.Add("Last success",
         FormatTimeIf(webhook.has_last_success_time(), webhook.last_success_time()));
  kv.Add("Last failure",
         FormatTimeIf(webhook.has_last_failure_time(), webhook.last_failure_time()));
  kv.Add("Last error", webhook.last_error());
  if (webhook.consecutive_failures() > 0) {
    kv.Add("Failures in a row", absl::StrCat(webhook.consecutive_failures()));
  }
  kv.Add("Etag", webhook.etag());
  kv.Add("Created", FormatTimeIf(webhook.has_create_time(), webhook.create_time()));
  kv.Add("Updated", FormatTimeIf(webhook.has_update_time(), webhook.update_time()));
  kv.Render(out);
}

void RenderWebhookList(const npb::ListWebhooksResponse& response, std::ostream& out) {
  if (response.webhooks().empty()) {
    out << "No webhooks.\n";
    return;
  }
  Table table({{"NAME"},
               {"STATE"},
               {"DISPLAY NAME", 40},
               {"URL", 50},
               {"DELIVERS", 40},
               {"LAST SUCCESS"},
               {"FAILURES", 0, true},
               {"LAST ERROR", 40}});
  for (const npb::Webhook& w : response.webhooks()) {
    table.AddRow({w.name(), StateText(w.state()), w.display_name(), w.url(), FilterText(w.filter()),
                  FormatTimeIf(w.has_last_success_time(), w.last_success_time()),
                  absl::StrCat(w.consecutive_failures()), w.last_error()});
  }
  table.Render(out);
}

void RenderQueueStats(const npb::QueueStats& stats, std::ostream& out) {
  KeyValues kv;
  kv.Add("Due", absl::StrCat(stats.due_count()));
  kv.Add("Ready", absl::StrCat(stats.ready_count()));
  kv.Add("Leased", absl::StrCat(stats.leased_count()));
  kv.Add("Dead", absl::StrCat(stats.dead_count()));
  kv.Add("Oldest due age", FormatDuration(stats.oldest_due_age()));
  const npb::LatenessStats& lateness = stats.lateness();
  kv.Add("Lateness window", FormatDuration(lateness.window()));
  kv.Add("Delivered", absl::StrCat(lateness.delivered_count()));
  kv.Add("Lateness p50", FormatDuration(lateness.p50()));
  kv.Add("Lateness p99", FormatDuration(lateness.p99()));
  kv.Add("Lateness max", FormatDuration(lateness.max()));
  kv.Add("Epoch", stats.epoch());
  kv.Add("Server time", FormatTimeIf(stats.has_server_time(), stats.server_time()));
  kv.Render(out);
}

void RenderDeadLetters(const npb::ListDeadLettersResponse& response, std::ostream& out) {
  if (response.dead_letters().empty()) {
    out << "No dead letters.\n";
    return;
  }
  Table table({{"NAME"},
               {"DEAD AT"},
               {"ATTEMPTS", 0, true},
               {"REMINDER"},
               {"WEBHOOK"},
               {"LAST ERROR", 40},
               {"TITLE", 50}});
  for (const npb::DeadLetter& d : response.dead_letters()) {
    table.AddRow({d.name(), FormatTimeIf(d.has_dead_time(), d.dead_time()),
                  absl::StrCat(d.attempts()), d.reminder_id(), d.webhook(), d.last_error(),
                  d.notification().title()});
  }
  table.Render(out);
}

// "30/04/2024 08:00", and the attempt it will be when an earlier one failed:
// "30/04/2024 08:01 (attempt 3)".
std::string FireText(const npb::PendingReminder& r) {
  std::string text = FormatTimeIf(r.has_fire_time(), r.fire_time());
  if (r.attempts() > 0) absl::StrAppend(&text, " (attempt ", r.attempts() + 1, ")");
  return text;
}

void RenderPendingReminders(const npb::ListPendingRemindersResponse& response, std::ostream& out) {
  if (response.reminders().empty()) {
    out << "No pending reminders.\n";
    return;
  }
  Table table(
      {{"FIRE"}, {"KIND"}, {"RULE"}, {"DUE"}, {"TASK/PLAN"}, {"RECIPIENTS", 40}, {"SUBJECT", 50}});
  for (const npb::PendingReminder& r : response.reminders()) {
    std::vector<std::string> recipients;
    for (const npb::Recipient& recipient : r.recipients()) {
      recipients.push_back(RecipientText(recipient));
    }
    table.AddRow({FireText(r), r.kind() == 0 ? "" : KindName(r.kind()), r.rule(),
                  FormatDate(r.due_date()), r.task().empty() ? r.plan() : r.task(),
                  absl::StrJoin(recipients, "; "),
                  r.subject().empty() ? r.reminder_id() : r.subject()});
  }
  table.Render(out);
}

// ---------------------------------------------------------------------------
// The commands
// ---------------------------------------------------------------------------

class NotificationCommands {
 public:
  NotificationCommands(const Command& command, const ParsedArgs& args, std::string addr,
                       std::shared_ptr<grpc::Channel> channel, absl::Duration timeout,
                       std::istream& in, std::ostream& out, std::ostream& err)
      : command_(command),
        args_(args),
        addr_(std::move(addr)),
        timeout_(timeout),
        json_(args.GetBool("json")),
        in_(in),
        out_(out),
        err_(err),
        stub_(npb::NotificationService::NewStub(channel)) {}

  int Run() { return (this->*command_.run)(); }

  int InboxList();
  int InboxRead();
  int QueueStats();
  int QueuePending();
  int QueueDead();
  int QueueRetry();
  int WebhookCreate();
  int WebhookGet();
  int WebhookList();
  int WebhookPause() { return SetState(npb::WEBHOOK_STATE_PAUSED); }
  int WebhookResume() { return SetState(npb::WEBHOOK_STATE_ACTIVE); }
  int WebhookDelete();

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

  template <typename Request, typename Response>
  grpc::Status Call(Method<Request, Response> method, const Request& request, Response* response) {
    return CallWithDeadline(*stub_, method, timeout_, request, response);
  }

  int Failed(const grpc::Status& status) {
    return shared::ReportFailure(status, "the notification service", addr_, timeout_, err_);
  }
  int Usage(absl::string_view message) { return UsageError(err_, message, &command_); }
  int Json(const google::protobuf::Message& message) {
    return shared::PrintJson(message, out_, err_);
  }
  const std::string& Arg() const { return args_.positional[0]; }

  // The --recipient values (repeated or comma lists), checked and without
  // repeats.
  std::optional<int> Recipients(std::vector<std::string>* inboxes) {
    for (const std::string& value : args_.GetAll("recipient")) {
      for (absl::string_view part : absl::StrSplit(value, ',')) {
        const std::string inbox = AsInbox(part);
        if (inbox.empty()) {
          return Usage(absl::StrCat("--recipient: expected units/ID or people/ID (got ",
                                    text::QuoteForMessage(part), ")"));
        }
        if (std::find(inboxes->begin(), inboxes->end(), inbox) == inboxes->end()) {
          inboxes->push_back(inbox);
        }
      }
    }
    if (inboxes->size() > static_cast<size_t>(kMaxRecipients)) {
      return Usage(absl::StrCat("--recipient: at most ", kMaxRecipients, " inboxes (got ",
                                inboxes->size(), ")"));
    }
    return std::nullopt;
  }

  // --plan, --task, --webhook: "<collection>/ID" or "ID".
  std::optional<int> NameFlag(const char* flag, absl::string_view collection, std::string* name) {
    if (!args_.Has(flag)) return std::nullopt;
    *name = AsName(collection, args_.Get(flag));
    if (name->empty()) {
      return Usage(absl::StrCat("--", flag, ": expected ", collection, "/ID or ID (got ",
                                text::QuoteForMessage(args_.Get(flag)), ")"));
    }
    return std::nullopt;
  }

  std::optional<int> Kinds(google::protobuf::RepeatedField<int>* kinds) {
    absl::StatusOr<std::vector<npb::NotificationKind>> parsed = ParseKinds(args_.GetAll("kind"));
    if (!parsed.ok()) return Usage(parsed.status().message());
    for (npb::NotificationKind kind : *parsed) kinds->Add(kind);
    return std::nullopt;
  }

  std::optional<int> Limit(int* limit) {
    *limit = kDefaultLimit;
    if (!args_.Has("limit")) return std::nullopt;
    absl::StatusOr<int> parsed = shared::ParseIntFlag("limit", args_.Get("limit"), 1);
    if (!parsed.ok()) return Usage(parsed.status().message());
    *limit = *parsed;
    return std::nullopt;
  }

  // --prefix: a reminder id prefix, not blank.
  std::optional<int> Prefix(std::string* prefix) {
    if (!args_.Has("prefix")) return std::nullopt;
    *prefix = std::string(absl::StripAsciiWhitespace(args_.Get("prefix")));
    if (prefix->empty()) return Usage("--prefix: must not be empty (e.g. task/01HV3K/ or plan/)");
    return std::nullopt;
  }

  std::optional<int> WebhookName(std::string* name) {
    *name = AsName("webhooks", Arg());
    if (name->empty()) {
      return Usage(
          absl::StrCat("NAME must be webhooks/ID or ID (got ", text::QuoteForMessage(Arg()), ")"));
    }
    return std::nullopt;
  }

  void MoreResults(const std::string& token, int limit, absl::string_view what) {
    if (!token.empty()) {
      out_ << "\nMore " << what << " match; raise --limit (now " << limit << ") to see them.\n";
    }
  }

  int SetState(npb::WebhookState state);

  const Command& command_;
  const ParsedArgs& args_;
  const std::string addr_;
  const absl::Duration timeout_;
  const bool json_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<Stub> stub_;
};

// --- inbox -----------------------------------------------------------------

int NotificationCommands::InboxList() {
  npb::ListNotificationsRequest request;
  npb::NotificationFilter* filter = request.mutable_filter();
  std::vector<std::string> inboxes;
  if (auto rc = Recipients(&inboxes)) return *rc;
  const bool subtree = args_.GetBool("subtree");
  const bool unread = args_.GetBool("unread");
  if (subtree && inboxes.empty()) {
    return Usage("--subtree needs --recipient (the units whose subtrees to include)");
  }
  if (unread && inboxes.empty()) return Usage("--unread needs --recipient (unread by whom)");
  for (const std::string& inbox : inboxes) filter->add_recipients(inbox);
  filter->set_include_subtree(subtree);
  filter->set_unread_only(unread);
  if (auto rc = Kinds(filter->mutable_kinds())) return *rc;
  if (auto rc = NameFlag("plan", "plans", filter->mutable_plan())) return *rc;
  if (auto rc = NameFlag("task", "tasks", filter->mutable_task())) return *rc;
  int limit = 0;
  if (auto rc = Limit(&limit)) return *rc;

  npb::ListNotificationsResponse result;
  grpc::Status status = CollectPages(
      request, limit, kMaxPageSize,
      [&](const auto& req, auto* page) { return Call(&Stub::ListNotifications, req, page); },
      [](auto& response) { return response.mutable_notifications(); }, &result);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(result);
  RenderNotifications(result, inboxes, subtree, out_);
  MoreResults(result.next_page_token(), limit, "notifications");
  return kExitOk;
}

int NotificationCommands::InboxRead() {
  npb::MarkReadRequest request;
  const std::vector<std::string> recipients = args_.GetAll("recipient");
  if (recipients.empty()) return Usage("missing --recipient units/ID|people/ID (whose inbox)");
  if (recipients.size() > 1) {
    return Usage(absl::StrCat("--recipient: one inbox at a time (got ", recipients.size(), ")"));
  }
  const std::string inbox = AsInbox(recipients[0]);
  if (inbox.empty()) {
    return Usage(absl::StrCat("--recipient: expected units/ID or people/ID (got ",
                              text::QuoteForMessage(recipients[0]), ")"));
  }
  request.set_recipient(inbox);
  const bool all = args_.Has("all-before");
  if (all && !args_.positional.empty()) return Usage("give NAMEs or --all-before, not both");
  if (!all && args_.positional.empty()) {
    return Usage("missing NAME (notifications/ID or ID, as inbox list shows them) or --all-before");
  }
  if (args_.positional.size() > static_cast<size_t>(kMaxMarkReadNames)) {
    return Usage(absl::StrCat("at most ", kMaxMarkReadNames, " NAMEs at a time (got ",
                              args_.positional.size(), "); --all-before marks older ones"));
  }
  int asked = 0;
  if (all) {
    absl::StatusOr<absl::Time> before =
        ParseTimeArg("all-before", args_.Get("all-before"), absl::Now());
    if (!before.ok()) return Usage(before.status().message());
    *request.mutable_fired_before() = civil::ToTimestamp(*before);
  } else {
    npb::NotificationNames* names = request.mutable_notifications();
    for (const std::string& text : args_.positional) {
      const std::string name = AsName("notifications", text);
      if (name.empty()) {
        return Usage(absl::StrCat("NAME must be notifications/ID or ID (got ",
                                  text::QuoteForMessage(text), ")"));
      }
      if (std::find(names->names().begin(), names->names().end(), name) == names->names().end()) {
        names->add_names(name);
      }
    }
    asked = names->names_size();
  }
  npb::MarkReadResponse response;
  grpc::Status status = Call(&Stub::MarkRead, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  out_ << "Marked " << Count(response.marked_count(), "notification") << " as read in " << inbox;
  if (!all && response.marked_count() < asked) {
    out_ << " (" << asked - response.marked_count() << " already read)";
  }
  out_ << ".\n";
  return kExitOk;
}

// --- queue -----------------------------------------------------------------

int NotificationCommands::QueueStats() {
  npb::GetQueueStatsRequest request;
  if (args_.Has("window")) {
    // Same forms as --timeout: 5m, 90s, 1h, or whole seconds.
    absl::StatusOr<absl::Duration> window = shared::ParseTimeout(args_.Get("window"));
    if (!window.ok()) {
      return Usage(absl::StrCat("--window: expected a duration such as 5m or 1h (got ",
                                text::QuoteForMessage(args_.Get("window")), ")"));
    }
    *request.mutable_window() =
        google::protobuf::util::TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(*window));
  }
  npb::QueueStats response;
  grpc::Status status = Call(&Stub::GetQueueStats, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderQueueStats(response, out_);
  return kExitOk;
}

int NotificationCommands::QueuePending() {
  npb::ListPendingRemindersRequest request;
  npb::PendingReminderFilter* filter = request.mutable_filter();
  if (auto rc = NameFlag("plan", "plans", filter->mutable_plan())) return *rc;
  if (auto rc = Prefix(filter->mutable_reminder_id_prefix())) return *rc;
  const bool all = args_.GetBool("all");
  if (all && args_.Has("limit")) return Usage("give --limit or --all, not both");
  int limit = std::numeric_limits<int>::max();
  if (!all) {
    if (auto rc = Limit(&limit)) return *rc;
  }
  int page_size = kMaxPageSize;
  if (args_.Has("page-size")) {
    absl::StatusOr<int> parsed = shared::ParseIntFlag("page-size", args_.Get("page-size"), 1);
    if (!parsed.ok() || *parsed > kMaxPageSize) {
      return Usage(absl::StrCat("--page-size: expected 1 to ", kMaxPageSize, " (got ",
                                text::QuoteForMessage(args_.Get("page-size")), ")"));
    }
    page_size = *parsed;
  }

  npb::ListPendingRemindersResponse result;
  grpc::Status status = CollectPages(
      request, limit, page_size,
      [&](const auto& req, auto* page) { return Call(&Stub::ListPendingReminders, req, page); },
      [](auto& response) { return response.mutable_reminders(); }, &result);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(result);
  RenderPendingReminders(result, out_);
  if (!result.next_page_token().empty()) {
    out_ << "\nMore reminders are queued after these; raise --limit (now " << limit
         << ") or give --all to list every one that matches.\n";
  }
  return kExitOk;
}

int NotificationCommands::QueueDead() {
  npb::ListDeadLettersRequest request;
  npb::DeadLetterFilter* filter = request.mutable_filter();
  if (auto rc = Prefix(filter->mutable_reminder_id_prefix())) return *rc;
  if (auto rc = NameFlag("webhook", "webhooks", filter->mutable_webhook())) return *rc;
  int limit = 0;
  if (auto rc = Limit(&limit)) return *rc;

  npb::ListDeadLettersResponse result;
  grpc::Status status = CollectPages(
      request, limit, kMaxPageSize,
      [&](const auto& req, auto* page) { return Call(&Stub::ListDeadLetters, req, page); },
      [](auto& response) { return response.mutable_dead_letters(); }, &result);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(result);
  RenderDeadLetters(result, out_);
  MoreResults(result.next_page_token(), limit, "dead letters");
  return kExitOk;
}

int NotificationCommands::QueueRetry() {
  npb::RetryDeadLetterRequest request;
  const std::string name = AsName("deadLetters", Arg());
  if (name.empty()) {
    return Usage(
        absl::StrCat("DEADLETTER_NAME must be deadLetters/ID or ID, as queue dead shows "
                     "it (got ",
                     text::QuoteForMessage(Arg()), ")"));
  }
  request.set_name(name);
  if (args_.Has("at")) {
    absl::StatusOr<absl::Time> at = ParseTimeArg("at", args_.Get("at"), absl::Now());
    if (!at.ok()) return Usage(at.status().message());
    *request.mutable_fire_time() = civil::ToTimestamp(*at);
  }
  npb::RetryDeadLetterResponse response;
  grpc::Status status = Call(&Stub::RetryDeadLetter, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  const std::string when = FormatTimeIf(response.has_fire_time(), response.fire_time());
  if (response.webhook().empty()) {
    out_ << "Requeued reminder " << text::ForTerminal(response.reminder_id());
  } else {
    out_ << "Retrying the delivery of " << text::ForTerminal(response.reminder_id()) << " to "
         << response.webhook();
  }
  if (!when.empty()) out_ << " at " << when;
  out_ << ".\n";
  return kExitOk;
}

// --- webhooks --------------------------------------------------------------

int NotificationCommands::WebhookCreate() {
  if (args_.Has("secret")) {
    return Usage(
        "--secret is not accepted: on the command line a secret lands in the shell history "
        "and the process list; put it in a file readable only by you and give --secret-file "
        "FILE");
  }
  npb::CreateWebhookRequest request;
  npb::Webhook* webhook = request.mutable_webhook();
  const std::string display(absl::StripAsciiWhitespace(args_.Get("name")));
  if (display.empty()) return Usage("missing --name TEXT (the receiving system, as people say it)");
  webhook->set_display_name(display);
  const std::string url(absl::StripAsciiWhitespace(args_.Get("url")));
  if (url.empty()) return Usage("missing --url https://…");
  const std::string lower = absl::AsciiStrToLower(url);
  if ((!absl::StartsWith(lower, "https://") || url.size() == 8) &&
      (!absl::StartsWith(lower, "http://") || url.size() == 7)) {
    return Usage(
        absl::StrCat("--url: expected an https:// URL (got ", text::QuoteForMessage(url), ")"));
  }
  webhook->set_url(url);
  if (!args_.Has("secret-file")) {
    return Usage(
        "missing --secret-file FILE (the shared secret, 32 to 256 bytes, e.g. from "
        "openssl rand -hex 32)");
  }
  npb::DeliveryFilter* filter = webhook->mutable_filter();
  std::vector<std::string> inboxes;
  if (auto rc = Recipients(&inboxes)) return *rc;
  for (const std::string& inbox : inboxes) filter->add_recipients(inbox);
  if (args_.GetBool("subtree")) {
    if (inboxes.empty()) return Usage("--subtree needs --recipient");
    filter->set_include_subtree(true);
  }
  if (auto rc = Kinds(filter->mutable_kinds())) return *rc;
  if (auto rc = NameFlag("plan", "plans", filter->mutable_plan())) return *rc;
  if (args_.Has("max-attempts")) {
    absl::StatusOr<int> attempts =
        shared::ParseIntFlag("max-attempts", args_.Get("max-attempts"), 1);
    if (!attempts.ok() || *attempts > kMaxMaxAttempts) {
      return Usage(absl::StrCat("--max-attempts: expected 1 to ", kMaxMaxAttempts, " (got ",
                                text::QuoteForMessage(args_.Get("max-attempts")), ")"));
    }
    webhook->set_max_attempts(*attempts);
  }
  if (args_.GetBool("paused")) webhook->set_state(npb::WEBHOOK_STATE_PAUSED);
  absl::StatusOr<std::string> secret = ReadSecretFile(args_.Get("secret-file"), in_);
  if (!secret.ok()) return Usage(secret.status().message());
  webhook->set_secret(*std::move(secret));

  npb::Webhook response;
  grpc::Status status = Call(&Stub::CreateWebhook, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderWebhook(response, out_);
  return kExitOk;
}

int NotificationCommands::WebhookGet() {
  npb::GetWebhookRequest request;
  if (auto rc = WebhookName(request.mutable_name())) return *rc;
  npb::Webhook response;
  grpc::Status status = Call(&Stub::GetWebhook, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderWebhook(response, out_);
  return kExitOk;
}

int NotificationCommands::WebhookList() {
  npb::ListWebhooksRequest request;
  npb::ListWebhooksResponse result;
  grpc::Status status = CollectPages(
      request, std::numeric_limits<int>::max(), kMaxPageSize,
      [&](const auto& req, auto* page) { return Call(&Stub::ListWebhooks, req, page); },
      [](auto& response) { return response.mutable_webhooks(); }, &result);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(result);
  RenderWebhookList(result, out_);
  return kExitOk;
}

int NotificationCommands::SetState(npb::WebhookState state) {
  npb::UpdateWebhookRequest request;
  if (auto rc = WebhookName(request.mutable_webhook()->mutable_name())) return *rc;
  request.mutable_webhook()->set_state(state);
  request.mutable_webhook()->set_etag(args_.Get("etag"));
  request.mutable_update_mask()->add_paths("state");
  npb::Webhook response;
  grpc::Status status = Call(&Stub::UpdateWebhook, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderWebhook(response, out_);
  return kExitOk;
}

int NotificationCommands::WebhookDelete() {
  npb::DeleteWebhookRequest request;
  if (auto rc = WebhookName(request.mutable_name())) return *rc;
  request.set_etag(args_.Get("etag"));
  google::protobuf::Empty response;
  grpc::Status status = Call(&Stub::DeleteWebhook, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  out_ << "Deleted " << request.name() << ".\n";
  return kExitOk;
}

// ---------------------------------------------------------------------------
// The table of commands
// ---------------------------------------------------------------------------

constexpr char kTimeForms[] =
    "TIME is now, +DURATION (+30m, +2h), DD/MM/YYYY or YYYY-MM-DD (00:00 that day),\n"
    "\"DD/MM/YYYY HH:MM\" (business time, Asia/Ho_Chi_Minh), or RFC 3339 with an offset.\n";

const std::vector<Command>& Commands() {
  using C = NotificationCommands;
  static const auto* commands = new std::vector<Command>{
      {"inbox",
       "list",
       "[--recipient units/X|people/Y]... [--subtree] [--unread] [--kind K]... [--plan P] "
       "[--task T] [--limit N]",
       absl::StrCat(
           "Lists reminders (nhắc việc) delivered to inboxes, newest fire time first: NAME,\n"
           "FIRED (business time), KIND, TITLE, RECIPIENTS, LATE (how late it was delivered,\n"
           "when later than the threshold) and READ (by the inboxes asked about: yes, no,\n"
           "or how many of them).\n\nFlags:\n"
           "  --recipient=INBOX    units/ID or people/ID; repeat it or give a comma list\n"
           "                       (at most ",
           kMaxRecipients,
           ")\n"
           "  --subtree            with --recipient: also the inboxes under those units\n"
           "  --unread             with --recipient: only those still unread there\n"
           "  --kind=K             due-soon, due, overdue, escalation, check-in, report-due\n"
           "                       (repeat or comma list; _ or - both work)\n"
           "  --plan=PLAN          only reminders about this plan (plans/ID or ID)\n"
           "  --task=TASK          only reminders about this task (tasks/ID or ID)\n"
           "  --limit=N            at most N notifications (default ",
           kDefaultLimit, ")\n"),
       0,
       0,
       "",
       {{"recipient"},
        {"subtree", false},
        {"unread", false},
        {"kind"},
        {"plan"},
        {"task"},
        {"limit"}},
       &C::InboxList},
      {"inbox",
       "read",
       "--recipient INBOX (NAME... | --all-before TIME)",
       absl::StrCat("Marks notifications as read (đã đọc) in one inbox: the NAMEs given\n"
                    "(notifications/ID or ID, at most 500), or every one that fired before\n"
                    "TIME. Prints how many were unread and are now read.\n\nFlags:\n"
                    "  --recipient=INBOX    whose inbox: units/ID or people/ID\n"
                    "  --all-before=TIME    every notification that fired before TIME\n\n",
                    kTimeForms),
       0,
       -1,
       "NAME",
       {{"recipient"}, {"all-before"}},
       &C::InboxRead},
      {"queue",
       "stats",
       "[--window DURATION]",
       "The reminder queue's state: reminders due (waiting), ready (past their fire time,\n"
       "not yet claimed), leased, dead; the age of the oldest ready one; delivery lateness\n"
       "(p50, p99, max) over the window; and the queue's epoch (it changes when Redis lost\n"
       "its data and the producers rebuilt the queue).\n\nFlags:\n"
       "  --window=DURATION    recent deliveries the lateness covers (default 5m, at most 1h)\n",
       0,
       0,
       "",
       {{"window"}},
       &C::QueueStats},
      {"queue",
       "pending",
       "[--plan P] [--prefix P] [--limit N | --all] [--page-size N]",
       absl::StrCat(
           "Lists the reminders waiting in the queue for their fire time, soonest first:\n"
           "FIRE (business time; \"(attempt N)\" when an earlier attempt failed), KIND, RULE,\n"
           "DUE (the due date), TASK/PLAN, RECIPIENTS and SUBJECT. Reminders being delivered\n"
           "or dead-lettered are not listed (see queue stats and queue dead).\n\nFlags:\n"
           "  --plan=PLAN          only reminders about this plan: its tasks and its reports\n"
           "                       (plans/ID or ID)\n"
           "  --prefix=P           reminder ids starting with P: task/ID/, plan/ID/, plan/\n"
           "  --limit=N            at most N reminders (default ",
           kDefaultLimit,
           ")\n"
           "  --all                every pending reminder that matches (not with --limit)\n"
           "  --page-size=N        reminders asked for per call (1-",
           kMaxPageSize, ", default ", kMaxPageSize, ")\n"),
       0,
       0,
       "",
       {{"plan"}, {"prefix"}, {"limit"}, {"all", false}, {"page-size"}},
       &C::QueuePending},
      {"queue",
       "dead",
       "[--prefix P] [--webhook W] [--limit N]",
       absl::StrCat(
           "Lists dead letters, newest first: reminders that failed every attempt, and\n"
           "webhook deliveries that did.\n\nFlags:\n"
           "  --prefix=P           reminder ids starting with P: task/ID/, plan/ID/, plan/\n"
           "  --webhook=W          failed deliveries to this webhook (webhooks/ID or ID)\n"
           "  --limit=N            at most N dead letters (default ",
           kDefaultLimit, ")\n"),
       0,
       0,
       "",
       {{"prefix"}, {"webhook"}, {"limit"}},
       &C::QueueDead},
      {"queue",
       "retry",
       "DEADLETTER_NAME [--at TIME]",
       absl::StrCat("Requeues a dead letter with fresh attempts: a reminder goes back to the\n"
                    "queue, a webhook delivery is tried again. Inboxes that already have the\n"
                    "notification do not get it twice.\n\nFlags:\n"
                    "  --at=TIME            when to try again (default now; at most 30 days "
                    "ahead)\n\n",
                    kTimeForms),
       1,
       1,
       "DEADLETTER_NAME",
       {{"at"}},
       &C::QueueRetry},
      {"webhook",
       "create",
       "--name DISPLAY --url URL --secret-file FILE [--recipient INBOX]... [--subtree] "
       "[--kind K]... [--plan P] [--max-attempts N] [--paused]",
       "Registers a webhook: each matching notification is POSTed to URL as JSON, signed\n"
       "with HMAC-SHA256 of the shared secret (X-Chiso-Signature). The secret is read from\n"
       "a file, never from the command line, so it stays out of the shell history.\n\n"
       "Flags:\n"
       "  --name=TEXT          name to display, e.g. \"Hệ thống quản lý văn bản\"\n"
       "  --url=URL            the endpoint, https://…\n"
       "  --secret-file=FILE   the shared secret, 32 to 256 bytes (one trailing line break\n"
       "                       is dropped); - reads standard input. Make one with\n"
       "                       openssl rand -hex 32 > FILE\n"
       "  --recipient=INBOX    only notifications for these units/ID or people/ID\n"
       "  --subtree            with --recipient: also recipients under those units\n"
       "  --kind=K             only these kinds (as for inbox list)\n"
       "  --plan=PLAN          only notifications about this plan\n"
       "  --max-attempts=N     attempts per delivery before it is dead-lettered (1-50,\n"
       "                       default 10)\n"
       "  --paused             create it paused\n",
       0,
       0,
       "",
       {{"name"},
        {"url"},
        {"secret-file"},
        {"secret"},
        {"recipient"},
        {"subtree", false},
        {"kind"},
        {"plan"},
        {"max-attempts"},
        {"paused", false}},
       &C::WebhookCreate},
      {"webhook",
       "get",
       "NAME",
       "Shows a webhook (webhooks/ID or ID); never its secret.\n",
       1,
       1,
       "NAME",
       {},
       &C::WebhookGet},
      {"webhook",
       "list",
       "",
       "Lists webhooks by display name: NAME, STATE, DISPLAY NAME, URL, DELIVERS (the\n"
       "filter), LAST SUCCESS, FAILURES (in a row), LAST ERROR.\n",
       0,
       0,
       "",
       {},
       &C::WebhookList},
      {"webhook",
       "pause",
       "NAME [--etag E]",
       "Pauses a webhook: notifications delivered meanwhile are not sent to it (inboxes\n"
       "and streams still have them).\n\nFlags:\n"
       "  --etag=E             fail with ABORTED if the webhook changed since\n",
       1,
       1,
       "NAME",
       {{"etag"}},
       &C::WebhookPause},
      {"webhook",
       "resume",
       "NAME [--etag E]",
       "Resumes a paused webhook.\n\nFlags:\n"
       "  --etag=E             fail with ABORTED if the webhook changed since\n",
       1,
       1,
       "NAME",
       {{"etag"}},
       &C::WebhookResume},
      {"webhook",
       "delete",
       "NAME [--etag E]",
       "Deletes a webhook; its pending deliveries and dead letters are dropped.\n\nFlags:\n"
       "  --etag=E             fail with ABORTED if the webhook changed since\n",
       1,
       1,
       "NAME",
       {{"etag"}},
       &C::WebhookDelete},
  };
  return *commands;
}

}  // namespace

std::string NotificationServiceAddress(const std::optional<std::string>& addr_flag,
                                       const std::string& env_addr) {
  if (addr_flag.has_value()) return *addr_flag;
  return env_addr.empty() ? kDefaultNotificationAddr : env_addr;
}

bool IsNotificationArea(absl::string_view area) {
  return area == "inbox" || area == "queue" || area == "webhook";
}

absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view flag, absl::string_view text,
                                        absl::Time now) {
  const std::string value(absl::StripAsciiWhitespace(text));
  auto bad = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": expected ", expected, " (got ",
                                                   text::QuoteForMessage(text), ")"));
  };
  constexpr absl::string_view kForms =
      "now, +DURATION, DD/MM/YYYY [HH:MM], YYYY-MM-DD [HH:MM] or RFC 3339";
  if (value.empty()) return bad(kForms);
  if (absl::AsciiStrToLower(value) == "now") return now;
  if (value[0] == '+') {
    absl::Duration ahead;
    if (!absl::ParseDuration(value.substr(1), &ahead) || ahead < absl::ZeroDuration()) {
      return bad("+DURATION such as +30m or +2h");
    }
    return now + ahead;
  }
  if (value.find('T') != std::string::npos) {
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, value, &t, &error)) {
      return bad("RFC 3339 with an offset, e.g. 2024-04-30T08:00:00+07:00");
    }
    return t;
  }
  absl::string_view date = value;
  int hour = 0;
  int minute = 0;
  const size_t space = value.rfind(' ');
  if (space != std::string::npos && value.find(':', space) != std::string::npos) {
    const std::vector<absl::string_view> hm = absl::StrSplit(value.substr(space + 1), ':');
    if (hm.size() != 2 || hm[1].size() != 2 || !absl::SimpleAtoi(hm[0], &hour) ||
        !absl::SimpleAtoi(hm[1], &minute) || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
      return bad("a time of day HH:MM after the date, e.g. 30/04/2024 08:00");
    }
    date = absl::string_view(value).substr(0, space);
  }
  absl::StatusOr<absl::CivilDay> day = civil::ParseDate(date);
  if (!day.ok()) return bad(kForms);
  return civil::At(*day, hour, minute);
}

int RunNotificationCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
                           const Environment& env, std::ostream& out, std::ostream& err) {
  const std::string& area = args[area_at];
  size_t verb_at = 0;
  if (absl::Status s = ParseArgs(args, area_at + 1, shared::GlobalFlags(),
                                 /*stop_at_positional=*/true, &parsed, &verb_at);
      !s.ok()) {
    return UsageError(err, s.message(), nullptr, area);
  }
  if (verb_at >= args.size()) {
    if (parsed.GetBool("help")) {
      PrintAreaHelp(area, out);
      return kExitOk;
    }
    return UsageError(
        err, absl::StrCat("missing command after \"", area, "\": one of ", AreaVerbs(area)),
        nullptr, area);
  }
  const Command* command = nullptr;
  for (const Command& candidate : Commands()) {
    if (candidate.area == area && candidate.verb == args[verb_at]) command = &candidate;
  }
  if (command == nullptr) {
    return UsageError(err,
                      absl::StrCat("unknown command \"", area, " ", args[verb_at],
                                   "\"; expected one of ", AreaVerbs(area)),
                      nullptr, area);
  }
  std::vector<FlagSpec> specs = shared::GlobalFlags();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  if (absl::Status s =
          ParseArgs(args, verb_at + 1, specs, /*stop_at_positional=*/false, &parsed, nullptr);
      !s.ok()) {
    return UsageError(err, absl::StrCat(s.message(), " for \"", area, " ", command->verb, "\""),
                      command);
  }
  if (parsed.GetBool("help")) {
    PrintCommandHelp(*command, out);
    return kExitOk;
  }
  const size_t given = parsed.positional.size();
  if (given < static_cast<size_t>(command->min_args)) {
    return UsageError(err, absl::StrCat("missing ", command->arg_name), command);
  }
  if (command->max_args >= 0 && given > static_cast<size_t>(command->max_args)) {
    return UsageError(
        err, absl::StrCat("unexpected argument \"", parsed.positional[command->max_args], "\""),
        command);
  }
  for (const std::string& arg : parsed.positional) {
    if (absl::StripAsciiWhitespace(arg).empty()) {
      return UsageError(err, absl::StrCat(command->arg_name, " must not be empty"), command);
    }
  }

  const char* env_addr = std::getenv("CHISO_NOTIFICATION_ADDR");
  const std::string addr = NotificationServiceAddress(
      parsed.Has("notification-addr") ? std::optional<std::string>(parsed.Get("notification-addr"))
                                      : std::nullopt,
      env_addr == nullptr ? "" : env_addr);
  if (addr.empty()) {
    return UsageError(err, "--notification-addr: must not be empty (HOST:PORT)", command);
  }
  absl::Duration timeout = absl::Seconds(10);
  if (parsed.Has("timeout")) {
    absl::StatusOr<absl::Duration> parsed_timeout = shared::ParseTimeout(parsed.Get("timeout"));
    if (!parsed_timeout.ok()) return UsageError(err, parsed_timeout.status().message(), command);
    timeout = *parsed_timeout;
  }
  std::istringstream no_input;
  std::istream& in = env.in != nullptr ? *env.in : no_input;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Dial(addr, ResolveSecurity(parsed, env));
  if (!channel.ok()) return UsageError(err, channel.status().message(), command);
  NotificationCommands commands(*command, parsed, addr, *channel, timeout, in, out, err);
  return commands.Run();
}

}  // namespace chiso::chisoctl
