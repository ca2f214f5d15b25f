#include "tools/chisoctl/scoring_commands.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <system_error>
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
#include "chiso/plan/v1/plan_service.pb.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "common/civil/business_time.h"
#include "common/text/text.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tools/chisoctl/assignment_commands.h"
#include "tools/chisoctl/command_table.h"
#include "tools/chisoctl/connection.h"
#include "tools/chisoctl/plan_file.h"
#include "tools/chisoctl/rpc.h"
#include "tools/chisoctl/table.h"

namespace chiso::chisoctl {
namespace {

namespace spb = chiso::scoring::v1;
using chiso::common::v1::Measure;
using chiso::common::v1::Period;
using Stub = spb::ScoringService::Stub;

constexpr char kDefaultScoringAddr[] = "localhost:50053";
constexpr char kAddrFlag[] = "--scoring-addr";
// Limits of the contract, checked here so that bad input fails before a call.
constexpr int kMinYear = 2000;
constexpr int kMaxYear = 2100;
constexpr size_t kMaxCodeLength = 64;
constexpr size_t kMaxFrameworkIdLength = 63;
constexpr int kMaxPageSize = 500;
constexpr int kMaxRankingPageSize = 10000;
constexpr int kDefaultListLimit = 50;
constexpr int kDefaultRankingLimit = 1000;
constexpr int kMaxLimit = 10000;
constexpr uintmax_t kMaxCsvBytes = uintmax_t{10} << 20;
// Width of the keys of the framework view ("Display name:").
constexpr int kKeyWidth = 14;

class ScoringCommands;

// One scoring command. Areas of one command ("ranking", "trend",
// "scorecard") have an empty verb.
struct Command {
  std::string area;
  std::string verb;
  // What follows "chisoctl <area> [<verb>]" in the synopsis.
  std::string synopsis;
  // The description and flags, for --help.
  std::string help;
  // The positional arguments, all required, as errors name them.
  std::vector<std::string> args;
  std::vector<FlagSpec> flags;
  int (ScoringCommands::*run)();
};

const std::vector<Command>& Commands();

std::string AreaVerbs(absl::string_view area) { return command_table::AreaVerbs(Commands(), area); }

// The command of an area of one command; null for areas with verbs.
const Command* SingleCommand(absl::string_view area) {
  for (const Command& command : Commands()) {
    if (command.area == area && command.verb.empty()) return &command;
  }
  return nullptr;
}

void PrintCommandHelp(const Command& command, std::ostream& out) {
  if (!command.verb.empty()) {
    command_table::PrintCommandHelp(command, kAddrFlag, out);
    return;
  }
  out << "Usage: chisoctl [global flags] " << command.area << " " << command.synopsis << "\n\n"
      << command.help << "\nGlobal flags: " << kAddrFlag
      << "=HOST:PORT, --json, --timeout=DURATION (see chisoctl --help).\n";
}

int UsageError(std::ostream& err, absl::string_view message, const Command* command,
               absl::string_view area = "") {
  if (command != nullptr && command->verb.empty()) {
    return command_table::UsageError<Command>(err, message, nullptr, command->area);
  }
  return command_table::UsageError(err, message, command, area);
}

// ---------------------------------------------------------------------------
// Argument values
// ---------------------------------------------------------------------------

using command_table::AsName;
using command_table::IsIdText;

// "units/ID" exactly; empty otherwise.
std::string AsUnit(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  absl::string_view id = text;
  return absl::ConsumePrefix(&id, "units/") && IsIdText(id) ? std::string(text) : "";
}

// `what` is how the message names the value: "--year" or "YEAR".
absl::Status BadValue(absl::string_view what, absl::string_view expected, absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": expected ", expected, " (got ", text::QuoteForMessage(text), ")"));
}

absl::StatusOr<int> ParseYear(absl::string_view what, absl::string_view text) {
  int year = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &year) || year < kMinYear ||
      year > kMaxYear) {
    return BadValue(what, absl::StrCat("a year from ", kMinYear, " to ", kMaxYear), text);
  }
  return year;
}

// "2019-2023" (also with an en dash, or spaced) or "2020" for one year.
absl::StatusOr<Period> ParseYears(absl::string_view what, absl::string_view text) {
  std::string normalized(absl::StripAsciiWhitespace(text));
  for (const std::string dash : {"–", "—"}) {
    size_t at;
    while ((at = normalized.find(dash)) != std::string::npos) {
      normalized.replace(at, dash.size(), "-");
    }
  }
  normalized.erase(std::remove(normalized.begin(), normalized.end(), ' '), normalized.end());
  const std::vector<std::string> parts = absl::StrSplit(normalized, '-');
  const std::string expected =
      absl::StrCat("years A-B (e.g. 2019-2023) or one year, from ", kMinYear, " to ", kMaxYear);
  int start = 0;
  int end = 0;
  bool ok = false;
  if (parts.size() == 1) {
    ok = absl::SimpleAtoi(parts[0], &start);
    end = start;
  } else if (parts.size() == 2) {
    ok = absl::SimpleAtoi(parts[0], &start) && absl::SimpleAtoi(parts[1], &end);
  }
  if (!ok || start < kMinYear || end > kMaxYear || end < kMinYear || start > kMaxYear) {
    return BadValue(what, expected, text);
  }
  if (start > end) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": the first year comes after the last (",
                                                   text::QuoteForMessage(text), ")"));
  }
  Period period;
  period.set_start_year(start);
  period.set_end_year(end);
  return period;
}

// A framework or component code, upper-cased: 1–64 of A–Z, 0–9 and '_',
// starting with a letter ("pci" is taken as "PCI").
absl::StatusOr<std::string> ParseCode(absl::string_view what, absl::string_view kind,
                                      absl::string_view text) {
  const std::string code = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  const bool ok = !code.empty() && code.size() <= kMaxCodeLength && absl::ascii_isalpha(code[0]) &&
                  std::all_of(code.begin(), code.end(), [](unsigned char c) {
                    return absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '_';
                  });
  if (!ok) {
    return BadValue(what, absl::StrCat("a ", kind, " code of letters, digits and _ (up to 64)"),
                    text);
  }
  return code;
}

std::string LevelName(int level) { return EnumShortName(spb::Level_descriptor(), "LEVEL_", level); }

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

// "2022–2024", "2022", or "" when unset.
std::string YearsText(const Period& years) {
  if (years.start_year() == 0 && years.end_year() == 0) return "";
  if (years.start_year() == years.end_year()) return absl::StrCat(years.start_year());
  return absl::StrCat(years.start_year(), "–", years.end_year());
}

std::string TimeText(bool has, const google::protobuf::Timestamp& ts) {
  if (!has) return "";
  const absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%d/%m/%Y %H:%M", t, civil::BusinessTimeZone());
}

std::string UnitRefText(const chiso::common::v1::UnitRef& unit) {
  return unit.display_name().empty() ? unit.unit() : unit.display_name();
}

// The display name, else the unit or entity.
std::string SubjectText(const spb::Subject& subject) {
  if (!subject.display_name().empty()) return subject.display_name();
  return subject.kind_case() == spb::Subject::kUnit ? subject.unit() : subject.entity();
}

// Same, with the unit's name after a display name: "Sở Xây dựng (units/ID)".
std::string SubjectLongText(const spb::Subject& subject) {
  const std::string shown = SubjectText(subject);
  if (subject.kind_case() == spb::Subject::kUnit && shown != subject.unit()) {
    return absl::StrCat(shown, " (", subject.unit(), ")");
  }
  return shown;
}

// "16/23", "16", or "" when no rank.
std::string RankText(int rank, int rank_of) {
  if (rank <= 0) return "";
  return rank_of > 0 ? absl::StrCat(rank, "/", rank_of) : absl::StrCat(rank);
}

// "framework/component", or "framework (total)".
std::string IndexText(absl::string_view framework, absl::string_view component) {
  return component.empty() ? absl::StrCat(framework, " (total)")
                           : absl::StrCat(framework, "/", component);
}

// Writes "Key:          value" lines; empty values are left out.
void KeyValue(std::ostream& out, absl::string_view key, absl::string_view value) {
  if (value.empty()) return;
  out << text::PadRight(absl::StrCat(key, ":"), kKeyWidth) << text::ForTerminal(value) << "\n";
}

void RenderFramework(const spb::Framework& f, std::ostream& out) {
  KeyValue(out, "Name", f.name());
  KeyValue(out, "Code", f.code());
  KeyValue(out, "Display name", f.display_name());
  KeyValue(out, "Level", LevelName(f.level()));
  KeyValue(out, "Years", YearsText(f.valid_years()));
  KeyValue(out, "Measured by", UnitRefText(f.measured_by()));
  std::string aggregation =
      EnumShortName(spb::Aggregation_descriptor(), "AGGREGATION_", f.aggregation());
  if ((f.aggregation() == spb::AGGREGATION_WEIGHTED_SUM_SCALED ||
       f.aggregation() == spb::AGGREGATION_MEAN_SCALED) &&
      !f.scale().value().empty()) {
    absl::StrAppend(&aggregation, ", scale ", f.scale().value());
  }
  KeyValue(out, "Aggregation", aggregation);
  const std::string measure = f.total_measure() == Measure::MEASURE_PERCENT ? "percent" : "score";
  KeyValue(
      out, "Total",
      absl::StrCat(measure, ", ", f.total_decimals() > 0 ? f.total_decimals() : 2, " decimals"));
  KeyValue(out, "Origin",
           EnumShortName(spb::FrameworkOrigin_descriptor(), "FRAMEWORK_ORIGIN_", f.origin()));
  KeyValue(out, "Etag", f.etag());
  KeyValue(out, "Created", TimeText(f.has_create_time(), f.create_time()));
  KeyValue(out, "Updated", TimeText(f.has_update_time(), f.update_time()));

  out << "\nComponents (" << f.components_size() << "):\n";
  Table components({{"CODE"},
                    {"NAME", 48},
                    {"MIN", 0, true},
                    {"MAX", 0, true},
                    {"WEIGHT", 0, true},
                    {"BETTER"}});
  for (const spb::Component& c : f.components()) {
    components.AddRow({c.code(), c.name_vi().empty() ? c.name_en() : c.name_vi(), c.min().value(),
                       c.max().value(), c.weight() > 0 ? absl::StrCat(c.weight(), "%") : "",
                       c.higher_is_better() ? "higher" : "lower"});
  }
  components.Render(out, "  ");

  if (f.grade_bands().empty()) {
    out << "\nGrade bands: none\n";
  } else {
    out << "\nGrade bands:\n";
    Table bands({{"GRADE"}, {"LABEL", 40}, {"FROM", 0, true}});
    for (const spb::GradeBand& band : f.grade_bands()) {
      bands.AddRow({band.grade(), band.label(), band.lower_bound().value()});
    }
    bands.Render(out, "  ");
  }

  if (!f.provenance().empty()) {
    out << "\nProvenance:\n";
    Table notes({{"SUBJECT", 32}, {"PROVENANCE"}, {"NOTE", 72}});
    for (const spb::ProvenanceNote& note : f.provenance()) {
      notes.AddRow({note.subject(),
                    EnumShortName(spb::Provenance_descriptor(), "PROVENANCE_", note.provenance()),
                    note.note()});
    }
    notes.Render(out, "  ");
  }
}

void RenderFrameworkList(const spb::ListFrameworksResponse& response, std::ostream& out) {
  if (response.frameworks().empty()) {
    out << "No frameworks.\n";
    return;
  }
  Table table({{"NAME"},
               {"CODE"},
               {"LEVEL"},
               {"YEARS"},
               {"COMPONENTS", 0, true},
               {"AGGREGATION"},
               {"ORIGIN"}});
  for (const spb::Framework& f : response.frameworks()) {
    table.AddRow(
        {f.name(), f.code(), LevelName(f.level()), YearsText(f.valid_years()),
         absl::StrCat(f.components_size()),
         EnumShortName(spb::Aggregation_descriptor(), "AGGREGATION_", f.aggregation()),
         EnumShortName(spb::FrameworkOrigin_descriptor(), "FRAMEWORK_ORIGIN_", f.origin())});
  }
  table.Render(out);
}

// The TOTAL cell of a result: the published total as given; else the
// service's display total (the computed one rounded to the version's
// digits), "(computed)". When both exist and differ by more than rounding,
// the exact computed one follows with a "*".
std::string TotalText(const spb::Result& r, bool* starred) {
  const bool published = r.has_published_total() && !r.published_total().value().empty();
  const bool computed = r.has_computed_total() && !r.computed_total().value().empty();
  if (published) {
    if (computed && r.total_mismatch()) {
      *starred = true;
      return absl::StrCat(r.published_total().value(), " (computed ", r.computed_total().value(),
                          "*)");
    }
    return r.published_total().value();
  }
  if (computed) {
    const std::string& shown =
        r.display_total().value().empty() ? r.computed_total().value() : r.display_total().value();
    return absl::StrCat(shown, " (computed)");
  }
  return "";
}

void RenderResults(const spb::ListResultsResponse& response, std::ostream& out) {
  if (response.results().empty()) {
    out << "No results.\n";
    return;
  }
  Table table({{"NAME"},
               {"SUBJECT", 40},
               {"FRAMEWORK"},
               {"YEAR"},
               {"TOTAL"},
               {"RANK", 0, true},
               {"GRADE"}});
  bool starred = false;
  for (const spb::Result& r : response.results()) {
    table.AddRow({r.name(), SubjectText(r.subject()), r.framework_code(), absl::StrCat(r.year()),
                  TotalText(r, &starred), RankText(r.published_rank(), r.published_rank_of()),
                  r.grade().empty() ? r.published_tier() : r.grade()});
  }
  table.Render(out);
  if (starred) {
    out << "\n* the total computed from the component scores differs from the published one by "
           "more than rounding.\n";
  }
}

// The plan service's view of an objective, so that baselines, targets and
// actuals print as plans do (table.h): the scoring service's Observation and
// Target have the fields of the plan's Baseline and Target, number for
// number.
chiso::plan::v1::Objective AsObjective(Measure measure, const spb::Observation* observation,
                                       const spb::Target* target) {
  chiso::plan::v1::Objective objective;
  objective.set_measure(measure);
  if (observation != nullptr) {
    objective.mutable_baseline()->ParseFromString(observation->SerializeAsString());
  }
  if (target != nullptr) objective.mutable_target()->ParseFromString(target->SerializeAsString());
  return objective;
}

std::string ObservationText(Measure measure, bool has, const spb::Observation& observation) {
  if (!has) return "";
  return FormatBaseline(AsObjective(measure, &observation, nullptr));
}

std::string AttainmentText(spb::Attainment attainment) {
  switch (attainment) {
    case spb::ATTAINMENT_MET:
      return "đạt";
    case spb::ATTAINMENT_NOT_MET:
      return "không đạt";
    case spb::ATTAINMENT_NO_DATA:
      return "chưa có số liệu";
    default:
      return "";
  }
}

constexpr char kBelowMedian[] = "dưới trung vị";

void RenderScorecard(const spb::ComputeScorecardResponse& response, std::ostream& out) {
  out << "Scorecard of " << response.plan();
  if (response.has_subject())
    out << " for " << text::ForTerminal(SubjectLongText(response.subject()));
  const std::string computed = TimeText(response.has_compute_time(), response.compute_time());
  if (!computed.empty()) out << ", computed " << computed;
  out << "\n\n";
  if (response.lines().empty()) {
    out << "The plan has no objectives.\n";
  } else {
    Table table({{"OBJ"},
                 {"INDEX"},
                 {"BASELINE"},
                 {"TARGET"},
                 {"ACTUAL"},
                 {"ATTAINMENT"},
                 {"GAP", 0, true},
                 {"BELOW MEDIAN"},
                 {"POINTS TO GAIN", 0, true},
                 {"LEAD UNITS", 48},
                 {"OVERDUE/TASKS", 0, true}});
    for (const spb::ScorecardLine& line : response.lines()) {
      std::vector<std::string> leads;
      for (const auto& unit : line.lead_units()) leads.push_back(UnitRefText(unit));
      const spb::TaskProgress& tasks = line.task_progress();
      table.AddRow({line.objective_id(), IndexText(line.framework(), line.component()),
                    ObservationText(line.measure(), line.has_baseline(), line.baseline()),
                    line.has_target()
                        ? FormatTarget(AsObjective(line.measure(), nullptr, &line.target()))
                        : "",
                    ObservationText(line.measure(), line.has_actual(), line.actual()),
                    AttainmentText(line.attainment()), line.gap().value(),
                    line.below_median() ? kBelowMedian : "", line.points_to_gain().value(),
                    absl::StrJoin(leads, "; "),
                    absl::StrCat(tasks.overdue_count(), "/", tasks.task_count())});
    }
    table.Render(out);
  }
  if (!response.priorities().empty()) {
    out << "\nPriorities (most points to gain first):\n";
    Table table({{"#", 0, true},
                 {"INDEX"},
                 {"OBJ"},
                 {"SCORE", 0, true},
                 {"REFERENCE", 0, true},
                 {"POINTS TO GAIN", 0, true}});
    int n = 0;
    for (const spb::ComponentPriority& p : response.priorities()) {
      table.AddRow({absl::StrCat(++n), IndexText(p.framework(), p.component()), p.objective_id(),
                    p.score().value(), p.reference().value(), p.points_to_gain().value()});
    }
    table.Render(out, "  ");
  }
  out << "\n"
      << response.met_count() << " met (đạt), " << response.not_met_count()
      << " not met (không đạt), " << response.no_data_count()
      << " without data (chưa có số liệu).\n";
}

// ---------------------------------------------------------------------------
// The commands
// ---------------------------------------------------------------------------

class ScoringCommands {
 public:
  ScoringCommands(const Command& command, const ParsedArgs& args, std::string addr,
                  std::shared_ptr<grpc::Channel> channel, absl::Duration timeout, std::istream& in,
                  std::ostream& out, std::ostream& err)
      : command_(command),
        args_(args),
        addr_(std::move(addr)),
        timeout_(timeout),
        json_(args.GetBool("json")),
        in_(in),
        out_(out),
        err_(err),
        stub_(spb::ScoringService::NewStub(channel)) {}

  int Run() { return (this->*command_.run)(); }

  int FrameworkList();
  int FrameworkGet();
  int FrameworkCreate();
  int FrameworkDelete();
  int ResultsImport();
  int ResultsList();
  int Ranking();
  int Trend();
  int Scorecard();

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

  template <typename Request, typename Response>
  grpc::Status Call(Method<Request, Response> method, const Request& request, Response* response) {
    return CallWithDeadline(*stub_, method, timeout_, request, response);
  }

  int Failed(const grpc::Status& status) {
    return shared::ReportFailure(status, "the scoring service", addr_, timeout_, err_);
  }
  int Usage(absl::string_view message) { return UsageError(err_, message, &command_); }
  int Json(const google::protobuf::Message& message) {
    return shared::PrintJson(message, out_, err_);
  }
  const std::string& Arg(size_t i) const { return args_.positional[i]; }

  // A failed parse as a usage error; nullopt when it parsed.
  template <typename T>
  std::optional<int> Check(const absl::StatusOr<T>& parsed) {
    if (parsed.ok()) return std::nullopt;
    return Usage(parsed.status().message());
  }

  std::optional<int> Level(spb::Level* level) {
    if (!args_.Has("level")) return std::nullopt;
    absl::StatusOr<int> parsed =
        ParseEnumValue(spb::Level_descriptor(), "LEVEL_", "level", args_.Get("level"));
    if (auto rc = Check(parsed)) return rc;
    *level = static_cast<spb::Level>(*parsed);
    return std::nullopt;
  }

  // --framework or --component: a code, upper-cased.
  std::optional<int> CodeFlag(const char* flag, absl::string_view kind, std::string* code) {
    if (!args_.Has(flag)) return std::nullopt;
    absl::StatusOr<std::string> parsed = ParseCode(absl::StrCat("--", flag), kind, args_.Get(flag));
    if (auto rc = Check(parsed)) return rc;
    *code = *parsed;
    return std::nullopt;
  }

  std::optional<int> Limit(int default_limit, int* limit) {
    *limit = default_limit;
    if (!args_.Has("limit")) return std::nullopt;
    int value = 0;
    if (!absl::SimpleAtoi(args_.Get("limit"), &value) || value < 1 || value > kMaxLimit) {
      return Usage(absl::StrCat("--limit: expected a whole number from 1 to ", kMaxLimit, " (got ",
                                text::QuoteForMessage(args_.Get("limit")), ")"));
    }
    *limit = value;
    return std::nullopt;
  }

  std::optional<int> FrameworkName(std::string* name) {
    *name = AsName("frameworks", Arg(0));
    if (name->empty()) {
      return Usage(absl::StrCat("NAME must be frameworks/ID or ID (got ",
                                text::QuoteForMessage(Arg(0)), ")"));
    }
    return std::nullopt;
  }

  // --unit units/ID or --entity NAME (not both) into `subject`; `*given` says
  // whether either was.
  std::optional<int> SubjectFlags(spb::Subject* subject, bool* given) {
    *given = false;
    if (args_.Has("unit") && args_.Has("entity")) {
      return Usage("give --unit or --entity, not both");
    }
    if (args_.Has("unit")) {
      const std::string unit = AsUnit(args_.Get("unit"));
      if (unit.empty()) {
        return Usage(absl::StrCat("--unit: expected units/ID (got ",
                                  text::QuoteForMessage(args_.Get("unit")), ")"));
      }
      subject->set_unit(unit);
      *given = true;
    }
    if (args_.Has("entity")) {
      const std::string entity = text::CollapseWhitespace(args_.Get("entity"));
      if (entity.empty()) return Usage("--entity: must not be empty");
      subject->set_entity(entity);
      *given = true;
    }
    return std::nullopt;
  }

  void More(const std::string& token, int limit, absl::string_view what) {
    if (!token.empty()) {
      out_ << "\nMore " << what << " match; raise --limit (now " << limit << ") to see them.\n";
    }
  }

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

// --- framework -------------------------------------------------------------

int ScoringCommands::FrameworkList() {
  spb::ListFrameworksRequest request;
  spb::FrameworkFilter* filter = request.mutable_filter();
  if (auto rc = CodeFlag("code", "framework", filter->mutable_code())) return *rc;
  spb::Level level = spb::LEVEL_UNSPECIFIED;
  if (auto rc = Level(&level)) return *rc;
  filter->set_level(level);
  if (args_.Has("year")) {
    absl::StatusOr<int> year = ParseYear("--year", args_.Get("year"));
    if (auto rc = Check(year)) return *rc;
    filter->set_year(*year);
  }
  if (args_.Has("origin")) {
    absl::StatusOr<int> origin = ParseEnumValue(spb::FrameworkOrigin_descriptor(),
                                                "FRAMEWORK_ORIGIN_", "origin", args_.Get("origin"));
    if (auto rc = Check(origin)) return *rc;
    filter->set_origin(static_cast<spb::FrameworkOrigin>(*origin));
  }
  spb::ListFrameworksResponse result;
  grpc::Status status = CollectPages(
      request, std::numeric_limits<int>::max(), kMaxPageSize,
      [&](const auto& req, auto* page) { return Call(&Stub::ListFrameworks, req, page); },
      [](auto& response) { return response.mutable_frameworks(); }, &result);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(result);
  RenderFrameworkList(result, out_);
  return kExitOk;
}

int ScoringCommands::FrameworkGet() {
  spb::GetFrameworkRequest request;
  if (auto rc = FrameworkName(request.mutable_name())) return *rc;
  spb::Framework response;
  grpc::Status status = Call(&Stub::GetFramework, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderFramework(response, out_);
  return kExitOk;
}

// Collects text-format errors as "FILE: line L, column C: message".
class TextFormatErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit TextFormatErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!first_.empty()) return;
    first_ = line < 0 ? absl::StrCat(source_, ": ", message)
                      : absl::StrCat(source_, ": line ", line + 1, ", column ", column + 1, ": ",
                                     message);
  }
  const std::string& first() const { return first_; }

 private:
  const std::string source_;
  std::string first_;
};

int ScoringCommands::FrameworkCreate() {
  spb::CreateFrameworkRequest request;
  if (args_.Has("id")) {
    const std::string id(absl::StripAsciiWhitespace(args_.Get("id")));
    const bool ok = !id.empty() && id.size() <= kMaxFrameworkIdLength &&
                    absl::ascii_islower(static_cast<unsigned char>(id[0])) &&
                    std::all_of(id.begin(), id.end(), [](unsigned char c) {
                      return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
                    });
    if (!ok) {
      return Usage(
          absl::StrCat("--id: expected 1 to 63 of a-z, 0-9 and -, starting with a letter, e.g. "
                       "ddci-2024-district (got ",
                       text::QuoteForMessage(args_.Get("id")), ")"));
    }
    request.set_framework_id(id);
  }
  const std::string& path = Arg(0);
  spb::Framework* framework = request.mutable_framework();
  const std::string lower = absl::AsciiStrToLower(path);
  if (absl::EndsWith(lower, ".json") || absl::EndsWith(lower, ".yaml") ||
      absl::EndsWith(lower, ".yml")) {
    // The plan-file loader's JSON and YAML, with its shorthands.
    std::vector<std::string> fields;
    if (absl::Status s = LoadMessageFile(path, in_, framework, &fields); !s.ok()) {
      return Usage(s.message());
    }
  } else {
    absl::StatusOr<std::string> text = ReadInputText(path, in_);
    if (auto rc = Check(text)) return *rc;
    const std::string source = path == "-" ? "<stdin>" : path;
    google::protobuf::TextFormat::Parser parser;
    TextFormatErrors errors(source);
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(*text, framework)) {
      return Usage(errors.first().empty()
                       ? absl::StrCat(source, ": not a text-format chiso.scoring.v1.Framework")
                       : errors.first());
    }
  }
  spb::Framework response;
  grpc::Status status = Call(&Stub::CreateFramework, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderFramework(response, out_);
  return kExitOk;
}

int ScoringCommands::FrameworkDelete() {
  spb::DeleteFrameworkRequest request;
  if (auto rc = FrameworkName(request.mutable_name())) return *rc;
  request.set_etag(args_.Get("etag"));
  google::protobuf::Empty response;
  grpc::Status status = Call(&Stub::DeleteFramework, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  out_ << "Deleted " << request.name() << ".\n";
  return kExitOk;
}

// --- results ---------------------------------------------------------------

// Reads a results CSV: an existing regular file of at most 10 MiB of UTF-8
// text. The size is checked before the file is read.
absl::StatusOr<std::string> ReadCsvFile(const std::string& path) {
  std::error_code ec;
  const auto state = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(state)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": no such file"));
  }
  if (std::filesystem::is_directory(state)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxCsvBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is ", size,
                                                   " bytes; the service takes at most 10 MiB (",
                                                   kMaxCsvBytes, " bytes): split the file"));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::string data = buffer.str();
  if (data.size() > kMaxCsvBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 10 MiB, the most the service takes: split the file"));
  }
  if (data.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is empty: expected CSV with a header row"));
  }
  if (!text::IsValidUtf8(data)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not UTF-8 text: save it as CSV UTF-8"));
  }
  return data;
}

int ScoringCommands::ResultsImport() {
  spb::ImportResultsRequest request;
  absl::StatusOr<std::string> csv = ReadCsvFile(Arg(0));
  if (auto rc = Check(csv)) return *rc;
  request.set_csv(*std::move(csv));
  const bool skip = args_.GetBool("skip-invalid");
  const bool dry_run = args_.GetBool("dry-run");
  request.set_skip_invalid(skip);
  request.set_replace_existing(args_.GetBool("replace"));
  request.set_validate_only(dry_run);
  spb::ImportResultsResponse response;
  grpc::Status status = Call(&Stub::ImportResults, request, &response);
  if (!status.ok()) return Failed(status);

  if (json_) {
    if (int rc = Json(response); rc != kExitOk) return rc;
  } else {
    out_ << response.row_count() << (response.row_count() == 1 ? " row" : " rows") << " read, "
         << response.imported_count() << " imported, " << response.skipped_count() << " skipped";
    if (dry_run) out_ << " (dry run: nothing was written)";
    out_ << "\n";
    for (const spb::RowError& e : response.errors()) {
      out_ << "line " << e.line();
      if (!e.column().empty()) out_ << ", column " << text::ForTerminal(e.column());
      out_ << ": " << text::ForTerminal(e.reason()) << "\n";
    }
    if (response.errors_truncated()) {
      out_ << "… more bad rows: only the first " << response.errors_size() << " are listed.\n";
    }
  }
  const bool bad = !response.errors().empty() || response.skipped_count() > 0;
  // With --dry-run nothing is written; what would be is the good rows with
  // --skip-invalid, and none otherwise.
  const int imported = dry_run ? (skip ? response.row_count() - response.skipped_count() : 0)
                               : response.imported_count();
  if (bad && imported <= 0) {
    err_ << "chisoctl: nothing " << (dry_run ? "would be " : "") << "imported: "
         << (skip ? "every row is bad; fix the rows above"
                  : "fix the rows above or pass --skip-invalid")
         << "\n";
    return kExitRefused;
  }
  return kExitOk;
}

int ScoringCommands::ResultsList() {
  spb::ListResultsRequest request;
  spb::ResultFilter* filter = request.mutable_filter();
  if (auto rc = CodeFlag("framework", "framework", filter->mutable_framework_code())) return *rc;
  spb::Subject subject;
  bool has_subject = false;
  if (auto rc = SubjectFlags(&subject, &has_subject)) return *rc;
  filter->set_unit(subject.unit());
  filter->set_entity(subject.entity());
  spb::Level level = spb::LEVEL_UNSPECIFIED;
  if (auto rc = Level(&level)) return *rc;
  filter->set_level(level);
  if (args_.Has("year") && args_.Has("years")) return Usage("give --year or --years, not both");
  if (args_.Has("year")) {
    absl::StatusOr<int> year = ParseYear("--year", args_.Get("year"));
    if (auto rc = Check(year)) return *rc;
    filter->mutable_years()->set_start_year(*year);
    filter->mutable_years()->set_end_year(*year);
  }
  if (args_.Has("years")) {
    absl::StatusOr<Period> years = ParseYears("--years", args_.Get("years"));
    if (auto rc = Check(years)) return *rc;
    *filter->mutable_years() = *years;
  }
  filter->set_mismatch_only(args_.GetBool("mismatch-only"));
  int limit = 0;
  if (auto rc = Limit(kDefaultListLimit, &limit)) return *rc;

  spb::ListResultsResponse result;
  grpc::Status status = CollectPages(
      request, limit, kMaxPageSize,
      [&](const auto& req, auto* page) { return Call(&Stub::ListResults, req, page); },
      [](auto& response) { return response.mutable_results(); }, &result);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(result);
  RenderResults(result, out_);
  More(result.next_page_token(), limit, "results");
  return kExitOk;
}

// --- ranking, trend, scorecard ----------------------------------------------

int ScoringCommands::Ranking() {
  spb::GetRankingRequest request;
  absl::StatusOr<std::string> code = ParseCode("FRAMEWORK", "framework", Arg(0));
  if (auto rc = Check(code)) return *rc;
  request.set_framework_code(*code);
  absl::StatusOr<int> year = ParseYear("YEAR", Arg(1));
  if (auto rc = Check(year)) return *rc;
  request.set_year(*year);
  spb::Level level = spb::LEVEL_UNSPECIFIED;
  if (auto rc = Level(&level)) return *rc;
  request.set_level(level);
  if (args_.Has("peer-group")) {
    const std::string group = text::CollapseWhitespace(args_.Get("peer-group"));
    if (group.empty()) return Usage("--peer-group: must not be empty");
    request.set_peer_group(group);
  }
  if (auto rc = CodeFlag("component", "component", request.mutable_component())) return *rc;
  int limit = 0;
  if (auto rc = Limit(kDefaultRankingLimit, &limit)) return *rc;

  spb::GetRankingResponse result;
  bool first = true;
  while (true) {
    request.set_page_size(std::min(limit - result.entries_size(), kMaxRankingPageSize));
    spb::GetRankingResponse page;
    grpc::Status status = Call(&Stub::GetRanking, request, &page);
    if (!status.ok()) return Failed(status);
    if (first) {
      result = page;
      result.clear_entries();
      first = false;
    }
    for (spb::RankingEntry& e : *page.mutable_entries()) {
      if (result.entries_size() < limit) *result.add_entries() = std::move(e);
    }
    result.set_next_page_token(page.next_page_token());
    if (page.next_page_token().empty() || page.entries().empty() ||
        result.entries_size() >= limit) {
      break;
    }
    request.set_page_token(page.next_page_token());
  }
  if (json_) return Json(result);

  out_ << request.framework_code() << " " << request.year();
  if (level != spb::LEVEL_UNSPECIFIED) out_ << " " << LevelName(level);
  if (!request.peer_group().empty()) {
    out_ << ", peer group " << text::QuoteForMessage(request.peer_group());
  }
  out_ << ", by " << (request.component().empty() ? "the total" : request.component());
  const bool ranks = result.basis() == spb::RANKING_BASIS_PUBLISHED_RANKS;
  out_ << " (basis: " << (ranks ? "published ranks" : "scores") << "): n = " << result.count();
  if (result.has_median_score() && !result.median_score().value().empty()) {
    out_ << ", median score " << result.median_score().value();
  }
  if ((ranks || !result.has_median_score()) && !result.median_rank().value().empty()) {
    out_ << ", median rank " << result.median_rank().value();
  }
  out_ << ", " << result.below_median_count() << " below the median (" << kBelowMedian << ")\n\n";
  Table table({{"RANK", 0, true}, {"SUBJECT", 48}, {"SCORE", 0, true}, {"BELOW MEDIAN"}});
  for (const spb::RankingEntry& e : result.entries()) {
    table.AddRow({absl::StrCat(e.rank()), SubjectText(e.subject()), e.score().value(),
                  e.below_median() ? kBelowMedian : ""});
  }
  table.Render(out_);
  More(result.next_page_token(), limit, "entries");
  return kExitOk;
}

int ScoringCommands::Trend() {
  spb::GetTrendRequest request;
  const std::string subject(absl::StripAsciiWhitespace(Arg(0)));
  if (absl::StartsWith(subject, "units/")) {
    const std::string unit = AsUnit(subject);
    if (unit.empty()) {
      return Usage(absl::StrCat("SUBJECT: expected units/ID or an entity name (got ",
                                text::QuoteForMessage(Arg(0)), ")"));
    }
    request.mutable_subject()->set_unit(unit);
  } else {
    const std::string entity = text::CollapseWhitespace(subject);
    if (entity.empty()) return Usage("SUBJECT must not be empty");
    request.mutable_subject()->set_entity(entity);
  }
  absl::StatusOr<std::string> code = ParseCode("FRAMEWORK", "framework", Arg(1));
  if (auto rc = Check(code)) return *rc;
  request.set_framework_code(*code);
  if (auto rc = CodeFlag("component", "component", request.mutable_component())) return *rc;
  if (args_.Has("years")) {
    absl::StatusOr<Period> years = ParseYears("--years", args_.Get("years"));
    if (auto rc = Check(years)) return *rc;
    *request.mutable_years() = *years;
  }
  if (args_.Has("by")) {
    const std::string by = absl::AsciiStrToLower(absl::StripAsciiWhitespace(args_.Get("by")));
    if (by == "rank") {
      request.set_basis(Measure::MEASURE_RANK);
    } else if (by == "score") {
      request.set_basis(Measure::MEASURE_SCORE);
    } else {
      return Usage(absl::StrCat("--by: expected rank or score (got ",
                                text::QuoteForMessage(args_.Get("by")), ")"));
    }
  }
  spb::GetTrendResponse response;
  grpc::Status status = Call(&Stub::GetTrend, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);

  const bool ranks = response.basis() == Measure::MEASURE_RANK;
  out_ << request.framework_code() << " "
       << (request.component().empty() ? "total" : request.component()) << " of "
       << text::ForTerminal(SubjectText(request.subject())) << ", compared on "
       << (ranks ? "ranks" : "scores") << "\n\n";
  Table table({{"YEAR"},
               {"SCORE", 0, true},
               {"Δ", 0, true},
               {"RANK", 0, true},
               {"ΔRANK", 0, true},
               {"DECLINED"}});
  const spb::TrendPoint* previous = nullptr;
  for (const spb::TrendPoint& p : response.points()) {
    const bool rank_compared = previous != nullptr && previous->rank() > 0 && p.rank() > 0;
    std::string rank_delta;
    if (rank_compared) {
      rank_delta =
          p.rank_delta() > 0 ? absl::StrCat("+", p.rank_delta()) : absl::StrCat(p.rank_delta());
    }
    table.AddRow({absl::StrCat(p.year()), p.score().value(), p.score_delta().value(),
                  RankText(p.rank(), p.rank_of()), rank_delta, p.declined() ? "yes" : ""});
    previous = &p;
  }
  table.Render(out_);

  // The value of the point of `year` on the trend's basis, e.g. "rank 26/63".
  auto value_in = [&](int year) -> std::string {
    for (const spb::TrendPoint& p : response.points()) {
      if (p.year() != year) continue;
      if (ranks) return p.rank() > 0 ? absl::StrCat("rank ", RankText(p.rank(), p.rank_of())) : "";
      return p.score().value();
    }
    return "";
  };
  auto year_line = [&](absl::string_view label, int year) {
    if (year == 0) return;
    out_ << label << year;
    const std::string value = value_in(year);
    if (!value.empty()) out_ << " (" << value << ")";
    out_ << "\n";
  };
  out_ << "\n";
  year_line("Best year:  ", response.best_year());
  year_line("Worst year: ", response.worst_year());
  const int declines = response.consecutive_declines();
  out_ << "Consecutive declines: " << declines;
  if (declines > 0 && declines <= response.points_size()) {
    const int from = response.points(response.points_size() - declines).year();
    const int to = response.points(response.points_size() - 1).year();
    out_ << " (" << (from == to ? absl::StrCat(to) : absl::StrCat(from, "–", to)) << ")";
  }
  out_ << "\n";
  return kExitOk;
}

int ScoringCommands::Scorecard() {
  spb::ComputeScorecardRequest request;
  const std::string plan = AsName("plans", Arg(0));
  if (plan.empty()) {
    return Usage(
        absl::StrCat("PLAN must be plans/ID or ID (got ", text::QuoteForMessage(Arg(0)), ")"));
  }
  request.set_plan(plan);
  bool has_subject = false;
  spb::Subject subject;
  if (auto rc = SubjectFlags(&subject, &has_subject)) return *rc;
  if (has_subject) *request.mutable_subject() = subject;
  if (args_.Has("year")) {
    absl::StatusOr<int> year = ParseYear("--year", args_.Get("year"));
    if (auto rc = Check(year)) return *rc;
    request.set_year(*year);
  }
  spb::ComputeScorecardResponse response;
  grpc::Status status = Call(&Stub::ComputeScorecard, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderScorecard(response, out_);
  return kExitOk;
}

// ---------------------------------------------------------------------------
// The table of commands
// ---------------------------------------------------------------------------

constexpr char kLevels[] = "province, department, district or commune";

const std::vector<Command>& Commands() {
  using C = ScoringCommands;
  static const auto* commands = new std::vector<Command>{
      {"framework",
       "list",
       "[--code C] [--level L] [--year Y] [--origin catalog|api]",
       absl::StrCat(
           "Lists framework versions (phiên bản bộ chỉ số) by code, level and first year:\n"
           "NAME, CODE, LEVEL, YEARS, COMPONENTS (how many), AGGREGATION, ORIGIN.\n\n"
           "Flags:\n"
           "  --code=C             only this framework code, e.g. PCI, DDCI, PAR_INDEX\n"
           "  --level=L            ",
           kLevels,
           "\n"
           "  --year=Y             only versions valid in this year (2000-2100)\n"
           "  --origin=O           catalog (built in) or api (defined by an "
           "administrator)\n"),
       {},
       {{"code"}, {"level"}, {"year"}, {"origin"}},
       &C::FrameworkList},
      {"framework",
       "get",
       "NAME",
       "Shows a framework version (frameworks/ID or ID): its components with min, max and\n"
       "weight, its grade bands and where its definition comes from (provenance).\n",
       {"NAME"},
       {},
       &C::FrameworkGet},
      {"framework",
       "create",
       "FILE [--id ID]",
       "Creates a framework version from FILE, a chiso.scoring.v1.Framework in protobuf\n"
       "text format (.json, .yaml and .yml are read as for plan files; - reads standard\n"
       "input as text format). Prints the version created.\n\n"
       "Flags:\n"
       "  --id=ID              the new version's id, e.g. ddci-2024-district (1-63 of a-z,\n"
       "                       0-9 and -, starting with a letter); default: the service's\n",
       {"FILE"},
       {{"id"}},
       &C::FrameworkCreate},
      {"framework",
       "delete",
       "NAME [--etag E]",
       "Deletes a framework version defined through the API (catalog versions and versions\n"
       "that results use cannot be deleted).\n\n"
       "Flags:\n"
       "  --etag=E             fail with ABORTED if the version changed since\n",
       {"NAME"},
       {{"etag"}},
       &C::FrameworkDelete},
      {"results",
       "import",
       "FILE.csv [--skip-invalid] [--replace] [--dry-run]",
       "Imports results (kết quả chỉ số) from a UTF-8 CSV file of at most 10 MiB, with a\n"
       "header row naming the columns framework, level, year, unit or entity, then\n"
       "optionally peer_group, total, rank, rank_of, tier, note, and one column per\n"
       "component code (TIME_COSTS, …) with its score. Prints the rows read, imported and\n"
       "skipped, then each bad row as \"line L, column C: reason\". Without --skip-invalid a\n"
       "file with a bad row imports nothing, and the exit code is 4.\n\n"
       "Flags:\n"
       "  --skip-invalid       import the good rows and report the bad ones\n"
       "  --replace            a row for a subject, framework and year already recorded\n"
       "                       replaces it (otherwise it is a bad row)\n"
       "  --dry-run            check every row and write nothing\n",
       {"FILE.csv"},
       {{"skip-invalid", false}, {"replace", false}, {"dry-run", false}},
       &C::ResultsImport},
      {"results",
       "list",
       "[--framework C] [--unit units/ID | --entity E] [--level L] [--year Y | --years A-B] "
       "[--mismatch-only] [--limit N]",
       absl::StrCat(
           "Lists results by framework, year (newest first) and subject: NAME, SUBJECT,\n"
           "FRAMEWORK, YEAR, TOTAL, RANK, GRADE. TOTAL is the published total; without one,\n"
           "the total computed from the component scores, rounded to 2 decimals and marked\n"
           "(computed); when both exist and differ by more than rounding, the computed one\n"
           "follows with a *.\n\n"
           "Flags:\n"
           "  --framework=C        only this framework code\n"
           "  --unit=units/ID      only results about this unit\n"
           "  --entity=E           only results about this entity (e.g. \"Quảng Ninh\")\n"
           "  --level=L            ",
           kLevels,
           "\n"
           "  --year=Y             only this year\n"
           "  --years=A-B          only these years, e.g. 2019-2023\n"
           "  --mismatch-only      only results whose published and computed totals differ\n"
           "  --limit=N            at most N results, 1 to ",
           kMaxLimit, " (default ", kDefaultListLimit, ")\n"),
       {},
       {{"framework"},
        {"unit"},
        {"entity"},
        {"level"},
        {"year"},
        {"years"},
        {"mismatch-only", false},
        {"limit"}},
       &C::ResultsList},
      {"ranking",
       "",
       "FRAMEWORK YEAR [--level L] [--peer-group G] [--component C] [--limit N]",
       absl::StrCat(
           "Ranks a peer group in one year by the total or a component (ties share a rank),\n"
           "with the median: a header line gives the basis (scores, or published ranks when\n"
           "some results have no score), n, the median score or rank and how many are below\n"
           "it; then RANK, SUBJECT, SCORE and BELOW MEDIAN (dưới trung vị).\n\n"
           "Flags:\n"
           "  --level=L            ",
           kLevels,
           "\n"
           "  --peer-group=G       the group ranked together (exact); default: results\n"
           "                       without a peer group\n"
           "  --component=C        rank by this component code instead of the total\n"
           "  --limit=N            at most N entries, 1 to ",
           kMaxLimit, " (default ", kDefaultRankingLimit, "); the median covers the whole group\n"),
       {"FRAMEWORK", "YEAR"},
       {{"level"}, {"peer-group"}, {"component"}, {"limit"}},
       &C::Ranking},
      {"trend",
       "",
       "SUBJECT FRAMEWORK [--component C] [--years A-B] [--by rank|score]",
       "One subject's results over the years: YEAR, SCORE, Δ (change of score), RANK,\n"
       "ΔRANK (positive is worse), DECLINED; then the best and worst years and the run of\n"
       "consecutive declines up to the last year. SUBJECT is units/ID or an entity name as\n"
       "recorded (\"Lạng Sơn\").\n\n"
       "Flags:\n"
       "  --component=C        a component code; default: the total\n"
       "  --years=A-B          only these years, e.g. 2014-2023\n"
       "  --by=rank|score      compare ranks or scores (default: scores when every year has\n"
       "                       one, else ranks)\n",
       {"SUBJECT", "FRAMEWORK"},
       {{"component"}, {"years"}, {"by"}},
       &C::Trend},
      {"scorecard",
       "",
       "PLAN [--unit units/ID | --entity E] [--year Y]",
       "A plan's scorecard (bảng theo dõi chỉ tiêu): one row per objective with its\n"
       "baseline, target (≥ at least, > above, ≤ at most, < below), actual result,\n"
       "attainment (đạt, không đạt, chưa có số liệu), gap, whether it is below the peer\n"
       "median, points of the total still to gain, the lead units (đơn vị chủ trì) and\n"
       "their tasks (overdue/total); then the components in priority order and the counts.\n"
       "PLAN is plans/ID or ID.\n\n"
       "Flags:\n"
       "  --unit=units/ID      whose results to judge (default: the plan's issuer)\n"
       "  --entity=E           judge the results of an entity instead\n"
       "  --year=Y             judge every objective in this year instead of its target "
       "year\n",
       {"PLAN"},
       {{"unit"}, {"entity"}, {"year"}},
       &C::Scorecard},
  };
  return *commands;
}

}  // namespace

std::string ScoringServiceAddress(const std::optional<std::string>& addr_flag,
                                  const std::string& env_addr) {
  if (addr_flag.has_value()) return *addr_flag;
  return env_addr.empty() ? kDefaultScoringAddr : env_addr;
}

bool IsScoringArea(absl::string_view area) {
  return area == "framework" || area == "results" || area == "ranking" || area == "trend" ||
         area == "scorecard";
}

int RunScoringCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
                      const Environment& env, std::ostream& out, std::ostream& err) {
  const std::string& area = args[area_at];
  const Command* command = SingleCommand(area);
  size_t flags_at = area_at + 1;
  if (command == nullptr) {
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
      return UsageError(
          err, absl::StrCat("missing command after \"", area, "\": one of ", AreaVerbs(area)),
          nullptr, area);
    }
    for (const Command& candidate : Commands()) {
      if (candidate.area == area && candidate.verb == args[verb_at]) command = &candidate;
    }
    if (command == nullptr) {
      return UsageError(err,
                        absl::StrCat("unknown command \"", area, " ", args[verb_at],
                                     "\"; expected one of ", AreaVerbs(area)),
                        nullptr, area);
    }
    flags_at = verb_at + 1;
  }
  const std::string name =
      command->verb.empty() ? command->area : absl::StrCat(command->area, " ", command->verb);
  std::vector<FlagSpec> specs = shared::GlobalFlags();
  specs.insert(specs.end(), command->flags.begin(), command->flags.end());
  if (absl::Status s =
          ParseArgs(args, flags_at, specs, /*stop_at_positional=*/false, &parsed, nullptr);
      !s.ok()) {
    return UsageError(err, absl::StrCat(s.message(), " for \"", name, "\""), command);
  }
  if (parsed.GetBool("help")) {
    PrintCommandHelp(*command, out);
    return kExitOk;
  }
  const size_t given = parsed.positional.size();
  if (given < command->args.size()) {
    return UsageError(err, absl::StrCat("missing ", command->args[given]), command);
  }
  if (given > command->args.size()) {
    return UsageError(
        err, absl::StrCat("unexpected argument \"", parsed.positional[command->args.size()], "\""),
        command);
  }
  for (size_t i = 0; i < given; ++i) {
    if (absl::StripAsciiWhitespace(parsed.positional[i]).empty()) {
      return UsageError(err, absl::StrCat(command->args[i], " must not be empty"), command);
    }
  }

  const char* env_addr = std::getenv("CHISO_SCORING_ADDR");
  const std::string addr = ScoringServiceAddress(
      parsed.Has("scoring-addr") ? std::optional<std::string>(parsed.Get("scoring-addr"))
                                 : std::nullopt,
      env_addr == nullptr ? "" : env_addr);
  if (addr.empty())
    return UsageError(err, "--scoring-addr: must not be empty (HOST:PORT)", command);
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
  ScoringCommands commands(*command, parsed, addr, *channel, timeout, in, out, err);
  return commands.Run();
}

}  // namespace chiso::chisoctl
