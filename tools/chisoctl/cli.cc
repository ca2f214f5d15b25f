#include "tools/chisoctl/cli.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/civil/date.h"
#include "common/text/text.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "tools/chisoctl/args.h"
#include "tools/chisoctl/assignment_commands.h"
#include "tools/chisoctl/audit_commands.h"
#include "tools/chisoctl/connection.h"
#include "tools/chisoctl/notification_commands.h"
#include "tools/chisoctl/plan_file.h"
#include "tools/chisoctl/plan_import.h"
#include "tools/chisoctl/rpc.h"
#include "tools/chisoctl/scoring_commands.h"
#include "tools/chisoctl/table.h"

namespace chiso::chisoctl {
namespace {

namespace pb = chiso::plan::v1;
using chiso::common::v1::Date;

constexpr char kDefaultAddr[] = "localhost:50051";
constexpr absl::Duration kDefaultTimeout = absl::Seconds(10);

// Fields of Plan the server sets; a file's copy of them (say, the output of
// `plan get --json`) is not part of an update mask.
const std::set<std::string>& OutputOnlyFields() {
  static const auto* fields =
      new std::set<std::string>{"name",       "status",     "create_time", "update_time",
                                "issue_time", "close_time", "etag",        "close_reason"};
  return *fields;
}

constexpr char kUsage[] = R"(chisoctl: the command-line client of the chiso plan service.

Usage:
  chisoctl [global flags] plan <command> [NAME] [flags]

Commands:
  plan create  -f FILE | --title T --issuer I …        create a draft plan
  plan get     NAME                                    show a plan and its objectives
  plan list    [--issuer X] [--year N] [--status S] …  list plans (--all: every page)
  plan update  NAME -f FILE [--mask PATHS] | flags     change fields of a plan
  plan delete  NAME [--etag E]                         delete a draft plan
  plan issue   NAME [--number N] [--issued-on DATE]    issue (ban hành) a draft plan
  plan close   NAME [--archive] [--reason TEXT]        close or archive an issued plan
  plan import  FILE [--commit | --plan NAME] …         review a plan document (.docx or text);
                                                       --commit saves it and creates its tasks
  plan progress PLAN                                   progress and accountability matrix
                                                       (assignment service)
  health       [--service NAME]                        is the service SERVING? (exit 0 if so,
                                                       1 if NOT_SERVING)

Assignment commands (the assignment service, --assignment-addr):
  unit create|get|list|update|end|merge|resolve|import|summary
  person create|get|list
  task create|list|show|report|complete|cancel
Run "chisoctl unit --help" (person, task) for their commands.

Notification commands (the notification service, --notification-addr):
  inbox list|read                      reminders in the inboxes of units and people
  queue stats|pending|dead|retry       the reminder queue: backlog, what fires next,
                                       lateness, dead letters
  webhook create|get|list|pause|resume|delete
                                       deliveries to other systems (secret from a file)
Run "chisoctl inbox --help" (queue, webhook) for their commands.

Scoring commands (the scoring service, --scoring-addr):
  framework list|get|create|delete     versions of index frameworks (bộ chỉ số)
  results import|list                  results per unit and year, CSV import
  ranking FRAMEWORK YEAR               a peer group ranked, with its median
  trend SUBJECT FRAMEWORK              one subject over the years
  scorecard PLAN                       a plan's targets: met or not, and who acts
Run "chisoctl framework --help" (results) or "chisoctl ranking --help" (trend, scorecard).

Audit (every service, at its address flag):
  audit list --service plan|assignment|scoring|notification [--principal P]
             [--resource R] [--rpc M] [--request-id ID] [--since TIME] [--until TIME]
             [--limit N]       the changes made through a service's API, newest first
Run "chisoctl audit list --help" for its flags.
Run "chisoctl plan <command> --help" for the flags of one command.

NAME is "plans/ID" or just ID.

Global flags (before or after the command):
  --addr=HOST:PORT     the plan service (default: $CHISO_PLAN_ADDR, else localhost:50051)
  --assignment-addr=HOST:PORT
                       the assignment service (default: $CHISO_ASSIGNMENT_ADDR, else
                       localhost:50052)
  --notification-addr=HOST:PORT
                       the notification service (default: $CHISO_NOTIFICATION_ADDR, else
                       localhost:50054)
  --scoring-addr=HOST:PORT
                       the scoring service (default: $CHISO_SCORING_ADDR, else
                       localhost:50053)
  --json               print the response as protobuf JSON (snake_case names, every
                       field present) instead of a table; for scripts
  --timeout=DURATION   deadline of each call: 10s, 500ms, 1m (default 10s)
  --tls-ca-file=FILE   CA bundle (PEM) the services' certificates are checked
                       against (default: $CHISO_TLS_CA_FILE, else
                       var/secrets/ca.pem when it exists, else the system's roots)
  --tls-cert-file=FILE, --tls-key-file=FILE
                       client certificate and key (PEM) for mutual TLS (default:
                       $CHISO_TLS_CERT_FILE/$CHISO_TLS_KEY_FILE, else
                       var/secrets/chisoctl.pem and .key when they exist)
  --token-file=FILE    bearer token (JWT or API key) sent with every call (default:
                       $CHISO_TOKEN_FILE, else var/secrets/chisoctl.token when it exists)
  --plaintext          no TLS, for a suite started with --plaintext (default:
                       $CHISO_PLAINTEXT=1); the token is then sent in clear
  -h, --help           this help
  (var/secrets above: $CHISO_SECRETS_DIR when set, else var/secrets under the current
  directory, where `make run` writes the local CA, certificates and the operator's key.)

Files (-f): JSON in the protobuf JSON mapping of chiso.plan.v1.Plan, or YAML
with the same structure; the format follows the extension (.json, .yaml,
.yml); "-" reads standard input (JSON, else YAML). See docs/CHISOCTL.md.

Exit codes:
  0  success
  1  any other error (INTERNAL, UNIMPLEMENTED, PERMISSION_DENIED, …)
  2  usage error: unknown command or flag, missing NAME, bad flag value,
     unreadable file, JSON or YAML that does not parse
  3  NOT_FOUND: no such plan, unit, person, task, notification, webhook or dead letter
  4  the server refused the request: INVALID_ARGUMENT, FAILED_PRECONDITION,
     ALREADY_EXISTS, ABORTED, OUT_OF_RANGE
  5  the server cannot be reached: UNAVAILABLE, DEADLINE_EXCEEDED
Errors go to stderr as "chisoctl: <CODE>: <message>".
)";

constexpr char kPlanFieldFlags[] =
    R"(  --number=N           document number (số ký hiệu), e.g. 45/KH-SXD
  --title=TEXT         title (trích yếu)
  --issuer=TEXT        issuing body as written (issuer.display_name)
  --issued-on=DATE     date of issue: DD/MM/YYYY or YYYY-MM-DD
  --period=YEARS       years covered: 2022-2025, or 2020 for one year
  --place=TEXT         place of issue (địa danh), e.g. "Lạng Sơn"
  --supersedes=NAME    the plan this one amends or replaces
)";

// One command of "chisoctl plan".
struct Verb {
  std::string name;
  // What follows "chisoctl plan <name>" in the synopsis.
  std::string synopsis;
  // The description and flags, for --help.
  std::string help;
  // Takes exactly one NAME argument.
  bool takes_name = false;
  std::vector<FlagSpec> flags;
};

std::vector<FlagSpec> GlobalFlags() {
  std::vector<FlagSpec> flags = {
      {"addr"},        {"assignment-addr"}, {"notification-addr"}, {"scoring-addr"},
      {"json", false}, {"timeout"},         {"help", false, 'h'}};
  for (FlagSpec& flag : SecurityFlags()) flags.push_back(std::move(flag));
  return flags;
}

std::vector<FlagSpec> PlanFieldFlags() {
  return {{"number"}, {"title"}, {"issuer"}, {"issued-on"}, {"period"}, {"place"}, {"supersedes"}};
}

std::vector<FlagSpec> Concat(std::vector<FlagSpec> a, const std::vector<FlagSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<Verb>& Verbs() {
  static const auto* verbs = new std::vector<Verb>{
      {"create", "(-f FILE | --title T --issuer I [flags])",
       absl::StrCat(
           "Creates a plan in draft status from a file, from flags, or both (flags win).\n\n"
           "Flags:\n"
           "  -f, --file=FILE      the plan as JSON (.json) or YAML (.yaml, .yml); - for stdin\n",
           kPlanFieldFlags,
           "  --validate-only      check the plan and show it without saving it\n"),
       false, Concat({{"file", true, 'f'}, {"validate-only", false}}, PlanFieldFlags())},
      {"get", "NAME", "Shows a plan: its fields, then its objectives.\n", true, {}},
      {"list",
       "[flags]",
       "Lists plans, oldest first, one page at a time (--all for every page).\n\n"
       "Flags:\n"
       "  --issuer=TEXT        issuing body, ignoring case and diacritics; or units/ID\n"
       "  --year=N             a year within the plan's period\n"
       "  --framework=CODE     plans with an objective on this index, e.g. DDCI\n"
       "  --status=S           draft, issued, closed or archived; repeat it or give a comma list\n"
       "  --page-size=N        plans per page (server default 50, at most 500)\n"
       "  --page-token=T       continue a listing (the token printed after a page)\n"
       "  --all                follow the page tokens to the end\n",
       false,
       {{"issuer"},
        {"year"},
        {"framework"},
        {"status"},
        {"page-size"},
        {"page-token"},
        {"all", false}}},
      {"update", "NAME (-f FILE [--mask PATHS] | flags) [--etag E]",
       absl::StrCat(
           "Changes fields of a plan. With -f and no --mask, the fields set at the top level of\n"
           "the file are changed (output-only fields such as name, status and times are skipped;\n"
           "an etag in the file is sent unless --etag is given). Flags are added to the mask.\n"
           "An issued plan accepts only reporting_rules, recipients, issuer.unit and "
           "parent_plans.\n\n"
           "Flags:\n"
           "  -f, --file=FILE      the new values as JSON or YAML; - for stdin\n"
           "  --mask=PATHS         fields to change, comma separated: "
           "title,objectives,issuer.unit;\n"
           "                       a field named here but given no value is cleared\n"
           "  --etag=E             fail with ABORTED if the plan changed since it had this etag\n",
           kPlanFieldFlags),
       true, Concat({{"file", true, 'f'}, {"mask"}, {"etag"}}, PlanFieldFlags())},
      {"delete",
       "NAME [--etag E]",
       "Deletes a draft plan (issued plans are closed or archived instead).\n\n"
       "Flags:\n"
       "  --etag=E             fail with ABORTED if the plan changed since it had this etag\n",
       true,
       {{"etag"}}},
      {"issue",
       "NAME [--number N] [--issued-on DATE] [--etag E]",
       "Issues (ban hành) a draft plan. It needs a number, a date of issue, a title and an\n"
       "issuer; the number and date may be given here.\n\n"
       "Flags:\n"
       "  --number=N           document number to issue under, e.g. 45/KH-SXD\n"
       "  --issued-on=DATE     date of issue: DD/MM/YYYY or YYYY-MM-DD\n"
       "  --etag=E             fail with ABORTED if the plan changed since it had this etag\n",
       true,
       {{"number"}, {"issued-on"}, {"etag"}}},
      {"close",
       "NAME [--archive] [--reason TEXT] [--etag E]",
       "Closes an issued plan (its work is over), or with --archive archives an issued or\n"
       "closed plan (withdrawn or superseded).\n\n"
       "Flags:\n"
       "  --archive            archive instead of close\n"
       "  --reason=TEXT        why, kept with the plan\n"
       "  --etag=E             fail with ABORTED if the plan changed since it had this etag\n",
       true,
       {{"archive", false}, {"reason"}, {"etag"}}},
      {"import",
       "FILE [--commit | --plan NAME] [--issuer NAME] [--issuer-unit UNIT] [--context UNIT]",
       "Reads a plan document (KẾ HOẠCH) with the plan service and shows it for review: the\n"
       "plan's header and objectives, the task drafts with their units (resolved by the\n"
       "assignment service at --assignment-addr when it answers), and the warnings. Nothing\n"
       "is saved.\n\n"
       "With --commit the plan is saved as a draft and the assignment service creates its\n"
       "tasks; a draft whose lead unit is collective, ambiguous or unknown is listed for a\n"
       "person to decide. --plan NAME creates the tasks of FILE in a plan saved before (after\n"
       "a failed or partial import): tasks already created are not created again.\n\n"
       "FILE is a .docx file or UTF-8 text (as pasted from Word or a PDF); - reads stdin.\n\n"
       "Flags:\n"
       "  --commit             save the plan (status draft) and create its tasks\n"
       "  --plan=NAME          create the tasks in this plan instead (plans/ID or ID)\n"
       "  --issuer=NAME        the issuing body as written, when the document does not say\n"
       "  --issuer-unit=UNIT   the issuing body in the unit directory (units/ID or ID)\n"
       "  --context=UNIT       the unit whose subtree unit names resolve in (default:\n"
       "                       --issuer-unit; with neither, the plan's issuer unit)\n"
       "\nWith --json: the ImportPlanDocumentResponse, then (--commit, --plan) the\n"
       "ImportTasksResponse.\n",
       false,
       {{"commit", false}, {"plan"}, {"issuer"}, {"issuer-unit"}, {"context"}}},
  };
  return *verbs;
}

const Verb* FindVerb(absl::string_view name) {
  for (const Verb& verb : Verbs()) {
    if (verb.name == name) return &verb;
  }
  return nullptr;
}

std::string VerbList() {
  std::vector<std::string> names;
  for (const Verb& verb : Verbs()) names.push_back(verb.name);
  return absl::StrJoin(names, ", ");
}

void PrintVerbHelp(const Verb& verb, std::ostream& out) {
  out << "Usage: chisoctl [global flags] plan " << verb.name << " " << verb.synopsis << "\n\n"
      << verb.help << "\nGlobal flags: --addr=HOST:PORT, --json, --timeout=DURATION "
      << "(see chisoctl --help).\n";
}

// Prints a usage error and returns kExitUsage.
int Usage(std::ostream& err, absl::string_view message, const Verb* verb = nullptr) {
  err << "chisoctl: " << message << "\n";
  if (verb != nullptr) {
    err << "Run \"chisoctl plan " << verb->name << " --help\" for usage.\n";
  } else {
    err << "Run \"chisoctl --help\" for usage.\n";
  }
  return kExitUsage;
}

// ---------------------------------------------------------------------------
// Flag values
// ---------------------------------------------------------------------------

absl::StatusOr<std::string> ParsePlanName(absl::string_view text) {
  absl::string_view name = absl::StripAsciiWhitespace(text);
  if (absl::StartsWith(name, "plans/") && name.size() > 6 &&
      name.find('/', 6) == absl::string_view::npos) {
    return std::string(name);
  }
  if (!name.empty() && name.find('/') == absl::string_view::npos) {
    return absl::StrCat("plans/", name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("NAME must be plans/ID or ID (got \"", text, "\")"));
}

absl::StatusOr<Date> ParseDateFlag(absl::string_view flag, absl::string_view text) {
  absl::StatusOr<absl::CivilDay> day = civil::ParseDate(text);
  if (!day.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": expected DD/MM/YYYY or YYYY-MM-DD: ", day.status().message()));
  }
  Date date;
  date.set_year(static_cast<int>(day->year()));
  date.set_month(day->month());
  date.set_day(day->day());
  return date;
}

absl::StatusOr<int> ParseIntFlag(absl::string_view flag, absl::string_view text, int min) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": expected a whole number from ", min, " (got \"", text, "\")"));
  }
  return value;
}

absl::StatusOr<chiso::common::v1::Period> ParsePeriodFlag(absl::string_view text) {
  std::string normalized(absl::StripAsciiWhitespace(text));
  // Accept an en dash and spaces: "2022 – 2025".
  for (const std::string dash : {"–", "—"}) {
    size_t at;
    while ((at = normalized.find(dash)) != std::string::npos)
      normalized.replace(at, dash.size(), "-");
  }
  normalized.erase(std::remove(normalized.begin(), normalized.end(), ' '), normalized.end());
  std::vector<std::string> parts = absl::StrSplit(normalized, '-');
  chiso::common::v1::Period period;
  int start = 0;
  int end = 0;
  bool ok = false;
  if (parts.size() == 1) {
    ok = absl::SimpleAtoi(parts[0], &start);
    end = start;
  } else if (parts.size() == 2) {
    ok = absl::SimpleAtoi(parts[0], &start) && absl::SimpleAtoi(parts[1], &end);
  }
  if (!ok || start <= 0 || end <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--period: expected YYYY-YYYY or YYYY (got \"", text, "\")"));
  }
  period.set_start_year(start);
  period.set_end_year(end);
  return period;
}

absl::StatusOr<absl::Duration> ParseTimeout(absl::string_view text) {
  absl::Duration timeout;
  int seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) {
    timeout = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &timeout)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--timeout: expected a duration such as 10s, 500ms or 1m (got \"", text, "\")"));
  }
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout: must be more than zero");
  }
  if (timeout > absl::Hours(24)) {
    return absl::InvalidArgumentError("--timeout: at most 24h");
  }
  return timeout;
}

absl::StatusOr<std::vector<pb::PlanStatus>> ParseStatuses(const std::vector<std::string>& values) {
  std::vector<pb::PlanStatus> statuses;
  for (const std::string& value : values) {
    for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(part));
      if (!absl::StartsWith(name, "PLAN_STATUS_")) name = absl::StrCat("PLAN_STATUS_", name);
      pb::PlanStatus status;
      if (!pb::PlanStatus_Parse(name, &status) || status == pb::PLAN_STATUS_UNSPECIFIED) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--status: expected draft, issued, closed or archived (got \"", part, "\")"));
      }
      if (std::find(statuses.begin(), statuses.end(), status) == statuses.end()) {
        statuses.push_back(status);
      }
    }
  }
  return statuses;
}

// "issuedOn" -> "issued_on", segment by segment.
std::string SnakeCasePath(absl::string_view path) {
  std::string out;
  for (char c : path) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += absl::ascii_tolower(static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

// Applies --number, --title, … to `plan` and appends the update-mask path of
// each flag given to `paths`.
absl::Status ApplyPlanFlags(const ParsedArgs& args, pb::Plan* plan,
                            std::vector<std::string>* paths) {
  if (args.Has("number")) {
    plan->set_number(args.Get("number"));
    paths->push_back("number");
  }
  if (args.Has("title")) {
    plan->set_title(args.Get("title"));
    paths->push_back("title");
  }
  if (args.Has("issuer")) {
    plan->mutable_issuer()->set_display_name(args.Get("issuer"));
    paths->push_back("issuer.display_name");
  }
  if (args.Has("issued-on")) {
    absl::StatusOr<Date> date = ParseDateFlag("issued-on", args.Get("issued-on"));
    if (!date.ok()) return date.status();
    *plan->mutable_issued_on() = *date;
    paths->push_back("issued_on");
  }
  if (args.Has("period")) {
    absl::StatusOr<chiso::common::v1::Period> period = ParsePeriodFlag(args.Get("period"));
    if (!period.ok()) return period.status();
    *plan->mutable_period() = *period;
    paths->push_back("period");
  }
  if (args.Has("place")) {
    plan->set_place(args.Get("place"));
    paths->push_back("place");
  }
  if (args.Has("supersedes")) {
    absl::StatusOr<std::string> name = ParsePlanName(args.Get("supersedes"));
    if (!name.ok())
      return absl::InvalidArgumentError(absl::StrCat("--supersedes: ", name.status().message()));
    plan->set_supersedes(*name);
    paths->push_back("supersedes");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------

// Prints a failed call as "chisoctl: <CODE>: <message>" (saying which
// address could not be reached, or how long was waited) and returns the exit
// code for it.
int ReportFailure(const grpc::Status& status, absl::string_view what, const std::string& addr,
                  absl::Duration timeout, std::ostream& err) {
  err << "chisoctl: "
      << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": ";
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      err << "cannot reach " << what << " at " << addr;
      if (!status.error_message().empty()) err << " (" << status.error_message() << ")";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      err << "no answer from " << what << " at " << addr << " within "
          << absl::FormatDuration(timeout) << " (see --timeout)";
      break;
    default:
      err << status.error_message();
  }
  err << "\n";
  return ExitCodeFor(status.error_code());
}

class PlanCommands {
 public:
  PlanCommands(const Verb& verb, const ParsedArgs& args, std::string addr, Security security,
               absl::Duration timeout, bool json, std::istream& in, std::ostream& out,
               std::ostream& err)
      : verb_(verb),
        args_(args),
        addr_(std::move(addr)),
        security_(std::move(security)),
        timeout_(timeout),
        json_(json),
        in_(in),
        out_(out),
        err_(err) {}

  int Run() {
    if (verb_.takes_name) {
      if (args_.positional.empty()) return Usage(err_, "missing NAME (plans/ID or ID)", &verb_);
      absl::StatusOr<std::string> name = ParsePlanName(args_.positional[0]);
      if (!name.ok()) return Usage(err_, name.status().message(), &verb_);
      name_ = *name;
    }
    const size_t expected = verb_.takes_name ? 1 : 0;
    if (args_.positional.size() > expected) {
      return Usage(err_, absl::StrCat("unexpected argument \"", args_.positional[expected], "\""),
                   &verb_);
    }
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Dial(addr_, security_);
    if (!channel.ok()) return Usage(err_, channel.status().message(), &verb_);
    stub_ = pb::PlanService::NewStub(*channel);
    if (verb_.name == "create") return Create();
    if (verb_.name == "get") return Get();
    if (verb_.name == "list") return List();
    if (verb_.name == "update") return Update();
    if (verb_.name == "delete") return Delete();
    if (verb_.name == "issue") return Issue();
    if (verb_.name == "close") return Close();
    return Usage(err_, absl::StrCat("unknown command \"plan ", verb_.name, "\""));
  }

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (pb::PlanService::Stub::*)(grpc::ClientContext*, const Request&,
                                                         Response*);

  template <typename Request, typename Response>
  grpc::Status Call(Method<Request, Response> method, const Request& request, Response* response) {
    return CallWithDeadline(*stub_, method, timeout_, request, response);
  }

  int Failed(const grpc::Status& status) {
    return ReportFailure(status, "the plan service", addr_, timeout_, err_);
  }

  int PrintJson(const google::protobuf::Message& message) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    std::string json;
    const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
    if (!status.ok()) {
      err_ << "chisoctl: cannot print the response as JSON: " << status.message() << "\n";
      return kExitError;
    }
    out_ << json;
    if (json.empty() || json.back() != '\n') out_ << "\n";
    return kExitOk;
  }

  int PrintPlan(const pb::Plan& plan) {
    if (json_) return PrintJson(plan);
    RenderPlan(plan, out_);
    return kExitOk;
  }

  // Reads -f (if given) and the plan flags. `paths` receives the update-mask
  // paths of the flags, `file_fields` the top-level fields of the file.
  std::optional<int> ReadPlan(pb::Plan* plan, std::vector<std::string>* file_fields,
                              std::vector<std::string>* paths) {
    if (args_.Has("file")) {
      absl::StatusOr<LoadedPlan> loaded = LoadPlanFile(args_.Get("file"), in_);
      if (!loaded.ok()) return Usage(err_, loaded.status().message(), &verb_);
      *plan = std::move(loaded->plan);
      *file_fields = std::move(loaded->fields);
    }
    if (absl::Status s = ApplyPlanFlags(args_, plan, paths); !s.ok()) {
      return Usage(err_, s.message(), &verb_);
    }
    return std::nullopt;
  }

  int Create() {
    pb::CreatePlanRequest request;
    std::vector<std::string> file_fields;
    std::vector<std::string> paths;
    if (std::optional<int> failed = ReadPlan(request.mutable_plan(), &file_fields, &paths)) {
      return *failed;
    }
    if (!args_.Has("file") && paths.empty()) {
      return Usage(err_,
                   "nothing to create: give -f FILE or the plan's fields (--title, --issuer, …)",
                   &verb_);
    }
    request.set_validate_only(args_.GetBool("validate-only"));
    pb::Plan response;
    grpc::Status status = Call(&pb::PlanService::Stub::CreatePlan, request, &response);
    if (!status.ok()) return Failed(status);
    return PrintPlan(response);
  }

  int Get() {
    pb::GetPlanRequest request;
    request.set_name(name_);
    pb::Plan response;
    grpc::Status status = Call(&pb::PlanService::Stub::GetPlan, request, &response);
    if (!status.ok()) return Failed(status);
    return PrintPlan(response);
  }

  int List() {
    pb::ListPlansRequest request;
    auto* filter = request.mutable_filter();
    filter->set_issuer(args_.Get("issuer"));
    filter->set_framework(args_.Get("framework"));
    if (args_.Has("year")) {
      absl::StatusOr<int> year = ParseIntFlag("year", args_.Get("year"), 1);
      if (!year.ok()) return Usage(err_, year.status().message(), &verb_);
      filter->set_year(*year);
    }
    absl::StatusOr<std::vector<pb::PlanStatus>> statuses = ParseStatuses(args_.GetAll("status"));
    if (!statuses.ok()) return Usage(err_, statuses.status().message(), &verb_);
    for (pb::PlanStatus status : *statuses) filter->add_statuses(status);
    if (args_.Has("page-size")) {
      absl::StatusOr<int> size = ParseIntFlag("page-size", args_.Get("page-size"), 0);
      if (!size.ok()) return Usage(err_, size.status().message(), &verb_);
      request.set_page_size(*size);
    }
    request.set_page_token(args_.Get("page-token"));
    const bool all = args_.GetBool("all");

    pb::ListPlansResponse result;
    while (true) {
      pb::ListPlansResponse page;
      grpc::Status status = Call(&pb::PlanService::Stub::ListPlans, request, &page);
      if (!status.ok()) return Failed(status);
      for (pb::Plan& plan : *page.mutable_plans()) *result.add_plans() = std::move(plan);
      result.set_next_page_token(page.next_page_token());
      if (!all || page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }

    if (json_) return PrintJson(result);
    RenderPlanList({result.plans().begin(), result.plans().end()}, out_);
    if (!result.next_page_token().empty()) {
      out_ << "\nMore plans: add --page-token=" << result.next_page_token()
           << " (or --all for every page).\n";
    }
    return kExitOk;
  }

  int Update() {
    pb::UpdatePlanRequest request;
    pb::Plan* plan = request.mutable_plan();
    std::vector<std::string> file_fields;
    std::vector<std::string> flag_paths;
    if (std::optional<int> failed = ReadPlan(plan, &file_fields, &flag_paths)) return *failed;
    if (!plan->name().empty() && plan->name() != name_) {
      return Usage(err_,
                   absl::StrCat("the file is for ", plan->name(), " but the command names ", name_),
                   &verb_);
    }

    std::vector<std::string> paths;
    if (args_.Has("mask")) {
      for (absl::string_view path :
           absl::StrSplit(args_.Get("mask"), ',', absl::SkipWhitespace())) {
        paths.push_back(SnakeCasePath(absl::StripAsciiWhitespace(path)));
      }
    } else {
      for (const std::string& field : file_fields) {
        if (OutputOnlyFields().count(field) == 0) paths.push_back(field);
      }
    }
    for (const std::string& path : flag_paths) {
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
    }
    if (paths.empty()) {
      return Usage(
          err_,
          args_.Has("file")
              ? "nothing to update: the file sets no field that can change (or give --mask)"
              : "nothing to update: give -f FILE, --mask or a field flag (--title, …)",
          &verb_);
    }
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    plan->set_name(name_);
    if (args_.Has("etag")) plan->set_etag(args_.Get("etag"));

    pb::Plan response;
    grpc::Status status = Call(&pb::PlanService::Stub::UpdatePlan, request, &response);
    if (!status.ok()) return Failed(status);
    return PrintPlan(response);
  }

  int Delete() {
    pb::DeletePlanRequest request;
    request.set_name(name_);
    request.set_etag(args_.Get("etag"));
    google::protobuf::Empty response;
    grpc::Status status = Call(&pb::PlanService::Stub::DeletePlan, request, &response);
    if (!status.ok()) return Failed(status);
    if (json_) return PrintJson(response);
    out_ << "Deleted " << name_ << ".\n";
    return kExitOk;
  }

  int Issue() {
    pb::IssuePlanRequest request;
    request.set_name(name_);
    request.set_number(args_.Get("number"));
    if (args_.Has("issued-on")) {
      absl::StatusOr<Date> date = ParseDateFlag("issued-on", args_.Get("issued-on"));
      if (!date.ok()) return Usage(err_, date.status().message(), &verb_);
      *request.mutable_issued_on() = *date;
    }
    request.set_etag(args_.Get("etag"));
    pb::Plan response;
    grpc::Status status = Call(&pb::PlanService::Stub::IssuePlan, request, &response);
    if (!status.ok()) return Failed(status);
    return PrintPlan(response);
  }

  int Close() {
    pb::ClosePlanRequest request;
    request.set_name(name_);
    request.set_archive(args_.GetBool("archive"));
    request.set_reason(args_.Get("reason"));
    request.set_etag(args_.Get("etag"));
    pb::Plan response;
    grpc::Status status = Call(&pb::PlanService::Stub::ClosePlan, request, &response);
    if (!status.ok()) return Failed(status);
    return PrintPlan(response);
  }

  const Verb& verb_;
  const ParsedArgs& args_;
  const std::string addr_;
  const Security security_;
  const absl::Duration timeout_;
  const bool json_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::string name_;
  std::unique_ptr<pb::PlanService::Stub> stub_;
};

}  // namespace

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
      return kExitRefused;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return kExitUnreachable;
    default:
      return kExitError;
  }
}

Environment Environment::FromProcess() {
  Environment env;
  env.in = &std::cin;
  if (const char* addr = std::getenv("CHISO_PLAN_ADDR"); addr != nullptr) env.plan_addr = addr;
  if (const char* addr = std::getenv("CHISO_ASSIGNMENT_ADDR"); addr != nullptr) {
    env.assignment_addr = addr;
  }
  // Connection security: the variables, else the secrets directory of a
  // suite started by `make run` (scripts/run.sh writes these files).
  auto variable = [](const char* name) -> std::string {
    const char* value = std::getenv(name);
    return value == nullptr ? "" : value;
  };
  const std::string plaintext = absl::AsciiStrToLower(variable("CHISO_PLAINTEXT"));
  env.plaintext = plaintext == "1" || plaintext == "true" || plaintext == "yes";
  std::string secrets = variable("CHISO_SECRETS_DIR");
  if (secrets.empty()) secrets = "var/secrets";
  auto setting = [&](const char* name, const char* file) -> std::string {
    std::string value = variable(name);
    if (!value.empty()) return value;
    const std::string path = absl::StrCat(secrets, "/", file);
    return std::ifstream(path).good() ? path : "";
  };
  env.tls_ca_file = setting("CHISO_TLS_CA_FILE", "ca.pem");
  env.tls_cert_file = setting("CHISO_TLS_CERT_FILE", "chisoctl.pem");
  env.tls_key_file = setting("CHISO_TLS_KEY_FILE", "chisoctl.key");
  env.token_file = setting("CHISO_TOKEN_FILE", "chisoctl.token");
  return env;
}

std::string PlanServiceAddress(const std::optional<std::string>& addr_flag,
                               const Environment& env) {
  if (addr_flag.has_value()) return *addr_flag;
  return env.plan_addr.empty() ? kDefaultAddr : env.plan_addr;
}

namespace {

// Where and how long to call, from the global flags.
struct Connection {
  std::string addr;
  Security security;
  absl::Duration timeout = kDefaultTimeout;
};

// Fills `conn` from --addr/--timeout (and the environment); returns kExitOk,
// or kExitUsage after printing the problem.
int ResolveConnection(const ParsedArgs& parsed, const Environment& env, std::ostream& err,
                      Connection* conn, const Verb* verb = nullptr) {
  conn->addr = PlanServiceAddress(
      parsed.Has("addr") ? std::optional<std::string>(parsed.Get("addr")) : std::nullopt, env);
  if (conn->addr.empty()) return Usage(err, "--addr: must not be empty (HOST:PORT)", verb);
  conn->security = ResolveSecurity(parsed, env);
  if (parsed.Has("timeout")) {
    absl::StatusOr<absl::Duration> timeout = ParseTimeout(parsed.Get("timeout"));
    if (!timeout.ok()) return Usage(err, timeout.status().message(), verb);
    conn->timeout = *timeout;
  }
  return kExitOk;
}

// Asks grpc.health.v1.Health/Check about `service` ("" for the whole
// server). Exit 0 when SERVING, 1 when not, else the code of the failure.
int RunHealth(const Connection& conn, const std::string& service, bool json, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = Dial(conn.addr, conn.security);
  if (!channel.ok()) return Usage(err, channel.status().message());
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = CallWithDeadline(*stub, &grpc::health::v1::Health::Stub::Check,
                                               conn.timeout, request, &response);
  if (!status.ok()) return ReportFailure(status, "the service", conn.addr, conn.timeout, err);
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  if (json) {
    out << "{\"status\": \"" << name << "\"}\n";
  } else {
    out << name << "\n";
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? kExitOk : kExitError;
}

}  // namespace

int RunChisoctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return RunChisoctl(args, out, err, Environment::FromProcess());
}

int RunChisoctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const Environment& env) {
  // Arguments travel in protobuf strings, which must be UTF-8.
  for (size_t i = 0; i < args.size(); ++i) {
    if (!text::IsValidUtf8(args[i])) {
      return Usage(err, absl::StrCat("argument ", i + 1, " is not valid UTF-8 text"));
    }
  }

  // Global flags, up to the command.
  ParsedArgs parsed;
  size_t next = 0;
  if (absl::Status s =
          ParseArgs(args, 0, GlobalFlags(), /*stop_at_positional=*/true, &parsed, &next);
      !s.ok()) {
    return Usage(err, s.message());
  }
  if (next >= args.size()) {
    if (parsed.GetBool("help")) {
      out << kUsage;
      return kExitOk;
    }
    err << kUsage;
    return kExitUsage;
  }
  const std::string& area = args[next];
  if (area == "help") {
    out << kUsage;
    return kExitOk;
  }
  if (area == "health") {
    if (absl::Status st = ParseArgs(args, next + 1, Concat(GlobalFlags(), {{"service"}}),
                                    /*stop_at_positional=*/false, &parsed, nullptr);
        !st.ok()) {
      return Usage(err, absl::StrCat(st.message(), " for \"health\""));
    }
    if (parsed.GetBool("help")) {
      out << "Usage: chisoctl [global flags] health [--service NAME]\n\n"
             "Asks grpc.health.v1.Health whether the server, or the service NAME (e.g.\n"
             "chiso.plan.v1.PlanService), is SERVING. Exit 0 when SERVING, 1 when NOT_SERVING,\n"
             "3 for a service the server does not know, 5 when it cannot be reached.\n";
      return kExitOk;
    }
    if (!parsed.positional.empty()) {
      return Usage(
          err, absl::StrCat("unexpected argument \"", parsed.positional[0], "\" for \"health\""));
    }
    Connection conn;
    if (int rc = ResolveConnection(parsed, env, err, &conn); rc != kExitOk) return rc;
    return RunHealth(conn, parsed.Get("service"), parsed.GetBool("json"), out, err);
  }
  if (area == "unit" || area == "person" || area == "task") {
    return RunAssignmentCommand(args, next, parsed, env, out, err);
  }
  if (IsNotificationArea(area)) return RunNotificationCommand(args, next, parsed, env, out, err);
  if (IsScoringArea(area)) return RunScoringCommand(args, next, parsed, env, out, err);
  if (IsAuditArea(area)) return RunAuditCommand(args, next, parsed, env, out, err);
  if (area != "plan") {
    return Usage(err, absl::StrCat("unknown command \"", area,
                                   "\" (expected plan, unit, person, task, inbox, queue, "
                                   "webhook, framework, results, ranking, trend, scorecard, "
                                   "audit or health)"));
  }

  // The plan command: its verb, then the verb's flags and arguments.
  size_t verb_at = 0;
  if (absl::Status s =
          ParseArgs(args, next + 1, GlobalFlags(), /*stop_at_positional=*/true, &parsed, &verb_at);
      !s.ok()) {
    return Usage(err, s.message());
  }
  if (verb_at >= args.size()) {
    if (parsed.GetBool("help")) {
      out << kUsage;
      return kExitOk;
    }
    return Usage(err,
                 absl::StrCat("missing command after \"plan\": one of ", VerbList(), ", progress"));
  }
  if (args[verb_at] == "progress") {
    // "plan progress" is answered by the assignment service.
    return RunAssignmentCommand(args, next, parsed, env, out, err);
  }
  const Verb* verb = FindVerb(args[verb_at]);
  if (verb == nullptr) {
    return Usage(err, absl::StrCat("unknown command \"plan ", args[verb_at], "\"; expected one of ",
                                   VerbList(), ", progress"));
  }
  if (absl::Status s = ParseArgs(args, verb_at + 1, Concat(GlobalFlags(), verb->flags),
                                 /*stop_at_positional=*/false, &parsed, nullptr);
      !s.ok()) {
    return Usage(err, absl::StrCat(s.message(), " for \"plan ", verb->name, "\""), verb);
  }
  if (parsed.GetBool("help")) {
    PrintVerbHelp(*verb, out);
    return kExitOk;
  }

  Connection conn;
  if (int rc = ResolveConnection(parsed, env, err, &conn, verb); rc != kExitOk) return rc;

  std::istringstream no_input;
  std::istream& in = env.in != nullptr ? *env.in : no_input;
  if (verb->name == "import") {
    PlanImportTargets targets;
    targets.plan_addr = conn.addr;
    targets.assignment_addr = AssignmentServiceAddress(
        parsed.Has("assignment-addr") ? std::optional<std::string>(parsed.Get("assignment-addr"))
                                      : std::nullopt,
        env);
    if (targets.assignment_addr.empty()) {
      return Usage(err, "--assignment-addr: must not be empty (HOST:PORT)", verb);
    }
    targets.timeout = conn.timeout;
    targets.security = conn.security;
    targets.json = parsed.GetBool("json");
    return RunPlanImport(parsed, targets, in, out, err);
  }
  PlanCommands commands(*verb, parsed, conn.addr, conn.security, conn.timeout,
                        parsed.GetBool("json"), in, out, err);
  return commands.Run();
}

namespace shared {

int ReportFailure(const grpc::Status& status, absl::string_view what, const std::string& addr,
                  absl::Duration timeout, std::ostream& err) {
  return chisoctl::ReportFailure(status, what, addr, timeout, err);
}

absl::StatusOr<Date> ParseDateFlag(absl::string_view flag, absl::string_view text) {
  return chisoctl::ParseDateFlag(flag, text);
}

absl::StatusOr<int> ParseIntFlag(absl::string_view flag, absl::string_view text, int min) {
  return chisoctl::ParseIntFlag(flag, text, min);
}

absl::StatusOr<absl::Duration> ParseTimeout(absl::string_view text) {
  return chisoctl::ParseTimeout(text);
}

std::vector<FlagSpec> GlobalFlags() { return chisoctl::GlobalFlags(); }

int PrintJson(const google::protobuf::Message& message, std::ostream& out, std::ostream& err) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    err << "chisoctl: cannot print the response as JSON: " << status.message() << "\n";
    return kExitError;
  }
  out << json;
  if (json.empty() || json.back() != '\n') out << "\n";
  return kExitOk;
}

}  // namespace shared

}  // namespace chiso::chisoctl
