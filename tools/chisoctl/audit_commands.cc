#include "tools/chisoctl/audit_commands.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/common/v1/audit.pb.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "common/civil/business_time.h"
#include "common/civil/proto_time.h"
#include "common/text/text.h"
#include "grpcpp/channel.h"
#include "tools/chisoctl/assignment_commands.h"
#include "tools/chisoctl/command_table.h"
#include "tools/chisoctl/connection.h"
#include "tools/chisoctl/notification_commands.h"
#include "tools/chisoctl/rpc.h"
#include "tools/chisoctl/scoring_commands.h"
#include "tools/chisoctl/table.h"

namespace chiso::chisoctl {
namespace {

namespace cv1 = chiso::common::v1;

// ListAuditEvents takes 1 to 1000 events per page.
constexpr int kMaxPageSize = 1000;
constexpr int kDefaultLimit = 100;
constexpr char kServices[] = "plan, assignment, scoring or notification";
constexpr char kAddrFlags[] = "--addr|--assignment-addr|--scoring-addr|--notification-addr";

// One command of "chisoctl audit" (the shape command_table.h expects).
struct Command {
  std::string area;
  std::string verb;
  std::string synopsis;
  std::string help;
  std::vector<FlagSpec> flags;
};

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {"audit",
       "list",
       "--service plan|assignment|scoring|notification [--principal P] [--resource R] "
       "[--rpc M] [--request-id ID] [--since TIME] [--until TIME] [--limit N]",
       absl::StrCat(
           "Lists the audit trail of one service (ListAuditEvents; permission audit.read), "
           "newest\n"
           "first: TIME (Asia/Ho_Chi_Minh), PRINCIPAL, RPC, RESOURCE, REQUEST ID, CLIENT CERT.\n"
           "Every change made through a service's API has one event. The service is called at\n"
           "its address flag: --addr (plan), --assignment-addr, --scoring-addr or\n"
           "--notification-addr.\n\n"
           "Flags:\n"
           "  --service=S          plan, assignment, scoring or notification (required)\n"
           "  --principal=P        events of this principal (people/ID, systems/ID, services/ID,\n"
           "                       anonymous)\n"
           "  --resource=R         events about this resource, e.g. plans/01HV3K\n"
           "  --rpc=M              events of this method: UpdatePlan, or its full name\n"
           "  --request-id=ID      events of the call with this x-request-id\n"
           "  --since=TIME         events at or after TIME\n"
           "  --until=TIME         events before TIME\n"
           "  --limit=N            at most N events, following the pages (default ",
           kDefaultLimit,
           ")\n\n"
           "TIME is RFC 3339 with its offset (2024-04-30T08:00:00+07:00), or DD/MM/YYYY [HH:MM],\n"
           "YYYY-MM-DD [HH:MM] in business time (UTC+7), or now, or +DURATION.\n"
           "With --json: the ListAuditEventsResponse (every field of each event).\n"),
       {{"service"},
        {"principal"},
        {"resource"},
        {"rpc"},
        {"request-id"},
        {"since"},
        {"until"},
        {"limit"}}},
  };
  return *commands;
}

int UsageError(std::ostream& err, absl::string_view message, const Command* command,
               absl::string_view area = "") {
  return command_table::UsageError(err, message, command, area);
}

// "30/04/2024 08:00:05" in business time (Asia/Ho_Chi_Minh, UTC+7); "" when
// unset.
std::string FormatTime(bool has, const google::protobuf::Timestamp& ts) {
  if (!has) return "";
  const absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%d/%m/%Y %H:%M:%S", t, civil::BusinessTimeZone());
}

// "UpdatePlan" for "chiso.plan.v1.PlanService/UpdatePlan".
std::string MethodName(const std::string& rpc) {
  const size_t slash = rpc.rfind('/');
  return slash == std::string::npos ? rpc : rpc.substr(slash + 1);
}

void RenderEvents(const cv1::ListAuditEventsResponse& response, std::ostream& out) {
  if (response.events().empty()) {
    out << "No audit events.\n";
    return;
  }
  Table table({{"TIME"},
               {"PRINCIPAL", 40},
               {"RPC", 40},
               {"RESOURCE", 48},
               {"REQUEST ID", 40},
               {"CLIENT CERT", 40}});
  for (const cv1::AuditEvent& event : response.events()) {
    table.AddRow({FormatTime(event.has_time(), event.time()), event.principal(),
                  MethodName(event.rpc()), event.resource(), event.request_id(),
                  event.client_certificate()});
  }
  table.Render(out);
}

// Lists the events of the service `Service` at `channel`, page by page, up
// to `limit`.
template <typename Service>
grpc::Status ListEvents(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                        const cv1::ListAuditEventsRequest& request, int limit,
                        cv1::ListAuditEventsResponse* result) {
  std::unique_ptr<typename Service::Stub> stub = Service::NewStub(channel);
  return CollectPages(
      request, limit, kMaxPageSize,
      [&](const cv1::ListAuditEventsRequest& req, cv1::ListAuditEventsResponse* page) {
        return CallWithDeadline(*stub, &Service::Stub::ListAuditEvents, timeout, req, page);
      },
      [](cv1::ListAuditEventsResponse& response) { return response.mutable_events(); }, result);
}

std::optional<std::string> FlagValue(const ParsedArgs& parsed, absl::string_view flag) {
  return parsed.Has(flag) ? std::optional<std::string>(parsed.Get(flag)) : std::nullopt;
}

std::string EnvOr(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

int AuditList(const Command& command, const ParsedArgs& parsed, const Environment& env,
              std::ostream& out, std::ostream& err) {
  auto usage = [&](absl::string_view message) { return UsageError(err, message, &command); };

  // The service and its address.
  if (!parsed.Has("service")) {
    return usage(absl::StrCat("missing --service: ", kServices));
  }
  const std::string service(absl::StripAsciiWhitespace(parsed.Get("service")));
  std::string addr;
  std::string addr_flag;
  if (service == "plan") {
    addr_flag = "--addr";
    addr = PlanServiceAddress(FlagValue(parsed, "addr"), env);
  } else if (service == "assignment") {
    addr_flag = "--assignment-addr";
    addr = AssignmentServiceAddress(FlagValue(parsed, "assignment-addr"), env);
  } else if (service == "scoring") {
    addr_flag = "--scoring-addr";
    addr = ScoringServiceAddress(FlagValue(parsed, "scoring-addr"), EnvOr("CHISO_SCORING_ADDR"));
  } else if (service == "notification") {
    addr_flag = "--notification-addr";
    addr = NotificationServiceAddress(FlagValue(parsed, "notification-addr"),
                                      EnvOr("CHISO_NOTIFICATION_ADDR"));
  } else {
    return usage(absl::StrCat("--service: expected ", kServices, " (got ",
                              text::QuoteForMessage(parsed.Get("service")), ")"));
  }
  if (addr.empty()) return usage(absl::StrCat(addr_flag, ": must not be empty (HOST:PORT)"));

  // The filter: every value is checked before any call.
  cv1::ListAuditEventsRequest request;
  struct Filter {
    const char* flag;
    std::string* field;
  };
  for (const Filter& filter :
       {Filter{"principal", request.mutable_principal()},
        Filter{"resource", request.mutable_resource()}, Filter{"rpc", request.mutable_rpc()},
        Filter{"request-id", request.mutable_request_id()}}) {
    if (!parsed.Has(filter.flag)) continue;
    *filter.field = std::string(absl::StripAsciiWhitespace(parsed.Get(filter.flag)));
    if (filter.field->empty()) return usage(absl::StrCat("--", filter.flag, ": must not be empty"));
  }
  const absl::Time now = absl::Now();
  std::optional<absl::Time> since;
  std::optional<absl::Time> until;
  if (parsed.Has("since")) {
    absl::StatusOr<absl::Time> t = ParseTimeArg("since", parsed.Get("since"), now);
    if (!t.ok()) return usage(t.status().message());
    since = *t;
    *request.mutable_since() = civil::ToTimestamp(*since);
  }
  if (parsed.Has("until")) {
    absl::StatusOr<absl::Time> t = ParseTimeArg("until", parsed.Get("until"), now);
    if (!t.ok()) return usage(t.status().message());
    until = *t;
    *request.mutable_until() = civil::ToTimestamp(*until);
  }
  if (since.has_value() && until.has_value() && *since >= *until) {
    return usage("--since must be before --until");
  }
  int limit = kDefaultLimit;
  if (parsed.Has("limit")) {
    absl::StatusOr<int> value = shared::ParseIntFlag("limit", parsed.Get("limit"), 1);
    if (!value.ok()) return usage(value.status().message());
    limit = *value;
  }
  absl::Duration timeout = absl::Seconds(10);
  if (parsed.Has("timeout")) {
    absl::StatusOr<absl::Duration> value = shared::ParseTimeout(parsed.Get("timeout"));
    if (!value.ok()) return usage(value.status().message());
    timeout = *value;
  }

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Dial(addr, ResolveSecurity(parsed, env));
  if (!channel.ok()) return usage(channel.status().message());
  cv1::ListAuditEventsResponse result;
  grpc::Status status;
  if (service == "plan") {
    status = ListEvents<chiso::plan::v1::PlanService>(*channel, timeout, request, limit, &result);
  } else if (service == "assignment") {
    status = ListEvents<chiso::assignment::v1::AssignmentService>(*channel, timeout, request, limit,
                                                                  &result);
  } else if (service == "scoring") {
    status =
        ListEvents<chiso::scoring::v1::ScoringService>(*channel, timeout, request, limit, &result);
  } else {
    status = ListEvents<chiso::notification::v1::NotificationService>(*channel, timeout, request,
                                                                      limit, &result);
  }
  if (!status.ok()) {
    return shared::ReportFailure(status, absl::StrCat("the ", service, " service"), addr, timeout,
                                 err);
  }
  if (parsed.GetBool("json")) return shared::PrintJson(result, out, err);
  RenderEvents(result, out);
  if (!result.next_page_token().empty()) {
    out << "\nMore audit events match; raise --limit (now " << limit << ") to see them.\n";
  }
  return kExitOk;
}

}  // namespace

bool IsAuditArea(absl::string_view area) { return area == "audit"; }

int RunAuditCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
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
      command_table::PrintAreaHelp(Commands(), area, out);
      return kExitOk;
    }
    return UsageError(err,
                      absl::StrCat("missing command after \"", area, "\": one of ",
                                   command_table::AreaVerbs(Commands(), area)),
                      nullptr, area);
  }
  const Command* command = nullptr;
  for (const Command& candidate : Commands()) {
    if (candidate.area == area && candidate.verb == args[verb_at]) command = &candidate;
  }
  if (command == nullptr) {
    return UsageError(
        err,
        absl::StrCat("unknown command \"", area, " ", args[verb_at], "\"; expected one of ",
                     command_table::AreaVerbs(Commands(), area)),
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
    command_table::PrintCommandHelp(*command, kAddrFlags, out);
    return kExitOk;
  }
  if (!parsed.positional.empty()) {
    return UsageError(err, absl::StrCat("unexpected argument \"", parsed.positional[0], "\""),
                      command);
  }
  return AuditList(*command, parsed, env, out, err);
}

}  // namespace chiso::chisoctl
