#include "tools/chisoctl/assignment_commands.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tools/chisoctl/command_table.h"
#include "tools/chisoctl/connection.h"
#include "tools/chisoctl/plan_file.h"
#include "tools/chisoctl/rpc.h"
#include "tools/chisoctl/table.h"
#include "tools/chisoctl/unit_csv.h"

namespace chiso::chisoctl {
namespace {

namespace apb = chiso::assignment::v1;
using chiso::common::v1::Date;
using Stub = apb::AssignmentService::Stub;

constexpr char kDefaultAssignmentAddr[] = "localhost:50052";

class AssignmentCommands;

// One command of an assignment area ("unit create", "task list", …).
struct Command {
  std::string area;
  std::string verb;
  // What follows "chisoctl <area> <verb>" in the synopsis.
  std::string synopsis;
  // The description and flags, for --help.
  std::string help;
  // Positional arguments: exactly this many, named in errors as `arg_name`.
  int positional = 0;
  std::string arg_name;
  std::vector<FlagSpec> flags;
  int (AssignmentCommands::*run)();
};

const std::vector<Command>& Commands();

std::string AreaVerbs(absl::string_view area) { return command_table::AreaVerbs(Commands(), area); }

void PrintAreaHelp(absl::string_view area, std::ostream& out) {
  command_table::PrintAreaHelp(Commands(), area, out);
}

void PrintCommandHelp(const Command& command, std::ostream& out) {
  command_table::PrintCommandHelp(command, "--assignment-addr", out);
}

int UsageError(std::ostream& err, absl::string_view message, const Command* command,
               absl::string_view area = "") {
  return command_table::UsageError(err, message, command, area);
}

// "units/ID" for "units/ID" or "ID"; empty when `text` is not such a name.
std::string AsName(absl::string_view collection, absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const std::string prefix = absl::StrCat(collection, "/");
  if (absl::StartsWith(text, prefix) && text.size() > prefix.size() &&
      text.find('/', prefix.size()) == absl::string_view::npos) {
    return std::string(text);
  }
  if (!text.empty() && text.find('/') == absl::string_view::npos &&
      text.find(' ') == absl::string_view::npos) {
    return absl::StrCat(prefix, text);
  }
  return "";
}

std::string Kind(apb::UnitKind kind) {
  return EnumShortName(apb::UnitKind_descriptor(), "UNIT_KIND_", kind);
}
std::string State(apb::UnitState state) {
  return EnumShortName(apb::UnitState_descriptor(), "UNIT_STATE_", state);
}
std::string Status(apb::TaskStatus status) {
  return EnumShortName(apb::TaskStatus_descriptor(), "TASK_STATUS_", status);
}
std::string Timeliness(apb::Timeliness timeliness) {
  return EnumShortName(apb::Timeliness_descriptor(), "TIMELINESS_", timeliness);
}

std::string UnitRefText(const chiso::common::v1::UnitRef& ref) {
  if (ref.display_name().empty()) return ref.unit();
  return ref.display_name();
}

std::string Ratio(bool has, double ratio) {
  return has ? absl::StrFormat("%.0f%%", ratio * 100) : "-";
}

// Writes "Label:   value" lines, the labels padded to one width.
class KeyValues {
 public:
  void Add(absl::string_view key, absl::string_view value) {
    if (!value.empty()) lines_.emplace_back(absl::StrCat(key, ":"), std::string(value));
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

std::vector<Column> CountColumns(std::vector<Column> first) {
  for (const char* header :
       {"ON TRACK", "DUE SOON", "OVERDUE", "DONE ON TIME", "DONE LATE", "CANCELLED", "TOTAL"}) {
    first.push_back({header, 0, true});
  }
  return first;
}

std::vector<std::string> CountCells(std::vector<std::string> first,
                                    const apb::TimelinessCounts& counts) {
  for (int value : {counts.on_track(), counts.due_soon(), counts.overdue(), counts.done_on_time(),
                    counts.done_late(), counts.cancelled(), counts.total()}) {
    first.push_back(absl::StrCat(value));
  }
  return first;
}

void RenderUnit(const apb::Unit& unit, std::ostream& out) {
  KeyValues kv;
  kv.Add("Name", unit.name());
  kv.Add("Code", unit.code());
  kv.Add("Display name", unit.display_name());
  kv.Add("Kind", Kind(unit.kind()));
  kv.Add("Parent", unit.parent());
  kv.Add("Aliases", absl::StrJoin(unit.aliases(), "; "));
  kv.Add("Head", unit.head());
  kv.Add("Valid from", FormatDate(unit.valid_from()));
  kv.Add("Valid to", FormatDate(unit.valid_to()));
  kv.Add("Merged into", unit.merged_into());
  kv.Add("State", State(unit.state()));
  kv.Render(out);
}

void RenderUnitList(const std::vector<apb::Unit>& units, std::ostream& out) {
  if (units.empty()) {
    out << "No units.\n";
    return;
  }
  Table table(
      {{"NAME"}, {"CODE"}, {"KIND"}, {"STATE"}, {"PARENT"}, {"DISPLAY NAME", 60}, {"ALIASES", 40}});
  for (const apb::Unit& unit : units) {
    table.AddRow({unit.name(), unit.code(), Kind(unit.kind()), State(unit.state()), unit.parent(),
                  unit.display_name(), absl::StrJoin(unit.aliases(), "; ")});
  }
  table.Render(out);
}

void RenderPerson(const apb::Person& person, std::ostream& out) {
  KeyValues kv;
  kv.Add("Name", person.name());
  kv.Add("Display name", person.display_name());
  kv.Add("Title", person.title());
  kv.Add("Unit", person.unit());
  kv.Render(out);
}

std::string Supervisor(const apb::Task& task) {
  return task.has_supervisor_person() ? task.supervisor_person() : task.supervisor_post();
}

void RenderTask(const apb::Task& task, std::ostream& out) {
  KeyValues kv;
  kv.Add("Name", task.name());
  kv.Add("Plan", task.plan());
  kv.Add("Objective", task.objective_id());
  if (!task.effective_component().framework().empty()) {
    kv.Add("Component", absl::StrCat(task.effective_component().framework(), " ",
                                     task.effective_component().component()));
  }
  kv.Add("Title", task.title());
  kv.Add("Description", task.description());
  kv.Add("Lead unit", absl::StrCat(UnitRefText(task.lead_unit()),
                                   task.lead_unit().unit().empty()
                                       ? ""
                                       : absl::StrCat(" (", task.lead_unit().unit(), ")")));
  std::vector<std::string> coordinating;
  for (const auto& ref : task.coordinating_units()) coordinating.push_back(UnitRefText(ref));
  kv.Add("Coordinating", absl::StrJoin(coordinating, "; "));
  kv.Add("Supervisor", Supervisor(task));
  kv.Add("Deliverable", task.deliverable());
  kv.Add("Timeframe", task.schedule().phrase());
  kv.Add("Status", Status(task.status()));
  kv.Add("Timeliness", Timeliness(task.timeliness()));
  kv.Add("Complete", absl::StrCat(task.percent_complete(), "%"));
  kv.Add("Next due", FormatDate(task.next_due_date()));
  kv.Add("Status reason", task.status_reason());
  kv.Render(out);
  if (task.occurrences_size() > 0) {
    out << "\nOccurrences (" << task.occurrences_size() << "):\n";
    Table table({{"DUE"}, {"FROM"}, {"LABEL", 40}, {"STATUS"}, {"TIMELINESS"}});
    for (const apb::TaskOccurrence& occurrence : task.occurrences()) {
      table.AddRow({FormatDate(occurrence.due_date()), FormatDate(occurrence.window_start()),
                    occurrence.label(), Status(occurrence.status()),
                    Timeliness(occurrence.timeliness())});
    }
    table.Render(out, "  ");
  }
}

void RenderTaskList(const std::vector<apb::Task>& tasks, std::ostream& out) {
  if (tasks.empty()) {
    out << "No tasks.\n";
    return;
  }
  Table table({{"NAME"},
               {"DUE"},
               {"TIMELINESS"},
               {"STATUS"},
               {"%", 0, true},
               {"LEAD", 40},
               {"TITLE", 50},
               {"TIMEFRAME", 50}});
  for (const apb::Task& task : tasks) {
    table.AddRow({task.name(), FormatDate(task.next_due_date()), Timeliness(task.timeliness()),
                  Status(task.status()), absl::StrCat(task.percent_complete()),
                  UnitRefText(task.lead_unit()), task.title(), task.schedule().phrase()});
  }
  table.Render(out);
}

void RenderOverdue(const google::protobuf::RepeatedPtrField<apb::OverdueTask>& overdue,
                   std::ostream& out) {
  Table table(
      {{"TASK"}, {"DUE"}, {"DAYS LATE", 0, true}, {"%", 0, true}, {"LEAD", 40}, {"TITLE", 60}});
  for (const apb::OverdueTask& task : overdue) {
    table.AddRow({task.task(), FormatDate(task.due_date()), absl::StrCat(task.days_overdue()),
                  absl::StrCat(task.percent_complete()), UnitRefText(task.lead_unit()),
                  task.title()});
  }
  table.Render(out, "  ");
}

void RenderUnitSummary(const apb::UnitSummary& summary, std::ostream& out) {
  KeyValues kv;
  kv.Add("Unit", summary.unit());
  kv.Add("Display name", summary.display_name());
  kv.Add("On time", Ratio(summary.has_on_time_ratio(), summary.on_time_ratio()));
  kv.Render(out);
  out << "\n";
  Table table(CountColumns({{"COUNTED"}}));
  table.AddRow(CountCells({"tasks led"}, summary.lead_tasks()));
  table.AddRow(CountCells({"tasks coordinated"}, summary.coordinating_tasks()));
  table.AddRow(CountCells({"occurrences led"}, summary.lead_occurrences()));
  table.Render(out);
  if (summary.overdue_tasks_size() > 0) {
    out << "\nOverdue tasks (" << summary.overdue_tasks_size() << "):\n";
    RenderOverdue(summary.overdue_tasks(), out);
  }
}

std::string ComponentText(const apb::ComponentRef& component) {
  if (component.framework().empty()) return "(general)";
  return absl::StrCat(component.framework(), " ", component.component());
}

void RenderPlanSummary(const apb::PlanSummary& summary, std::ostream& out) {
  KeyValues kv;
  kv.Add("Plan", summary.plan());
  kv.Add("On time", Ratio(summary.has_on_time_ratio(), summary.on_time_ratio()));
  kv.Render(out);
  out << "\n";
  Table totals(CountColumns({{"COUNTED"}}));
  totals.AddRow(CountCells({"tasks"}, summary.tasks()));
  totals.AddRow(CountCells({"occurrences"}, summary.occurrences()));
  totals.Render(out);
  out << "\nAccountability:\n";
  if (summary.components().empty()) {
    out << "  No tasks.\n";
    return;
  }
  std::vector<Column> columns = CountColumns({{"COMPONENT", 30}, {"LEAD UNIT", 50}});
  columns.push_back({"MEAN %", 0, true});
  Table matrix(columns);
  for (const apb::ComponentAccountability& component : summary.components()) {
    const std::string name = ComponentText(component.component());
    for (const apb::LeadUnitProgress& lead : component.lead_units()) {
      std::vector<std::string> cells =
          CountCells({name, UnitRefText(lead.lead_unit())}, lead.counts());
      cells.push_back(absl::StrCat(lead.mean_percent_complete()));
      matrix.AddRow(std::move(cells));
    }
  }
  matrix.Render(out, "  ");
}

// ---------------------------------------------------------------------------
// The commands
// ---------------------------------------------------------------------------

class AssignmentCommands {
 public:
  AssignmentCommands(const Command& command, const ParsedArgs& args, std::string addr,
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
        stub_(apb::AssignmentService::NewStub(channel)) {}

  int Run() { return (this->*command_.run)(); }

  int UnitCreate();
  int UnitGet();
  int UnitList();
  int UnitUpdate();
  int UnitEnd();
  int UnitMerge();
  int UnitResolve();
  int UnitImport();
  int UnitSummary();
  int PersonCreate();
  int PersonGet();
  int PersonList();
  int TaskCreate();
  int TaskList();
  int TaskShow();
  int TaskReport();
  int TaskComplete();
  int TaskCancel();
  int PlanProgress();

 private:
  template <typename Request, typename Response>
  using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

  template <typename Request, typename Response>
  grpc::Status Call(Method<Request, Response> method, const Request& request, Response* response) {
    return CallWithDeadline(*stub_, method, timeout_, request, response);
  }

  int Failed(const grpc::Status& status) {
    return shared::ReportFailure(status, "the assignment service", addr_, timeout_, err_);
  }
  int Usage(absl::string_view message) { return UsageError(err_, message, &command_); }
  int Json(const google::protobuf::Message& message) {
    return shared::PrintJson(message, out_, err_);
  }
  const std::string& Arg() const { return args_.positional[0]; }

  // Parses an optional date flag into `date`; returns an exit code on error.
  std::optional<int> DateFlag(const char* flag, Date* date) {
    if (!args_.Has(flag)) return std::nullopt;
    absl::StatusOr<Date> parsed = shared::ParseDateFlag(flag, args_.Get(flag));
    if (!parsed.ok()) return Usage(parsed.status().message());
    *date = *parsed;
    return std::nullopt;
  }

  // The unit with exactly this code, "" when none; sets `*failed` when the
  // call failed.
  std::string UnitByCode(const std::string& code, std::optional<int>* failed) {
    apb::ListUnitsRequest request;
    request.mutable_filter()->set_code(code);
    request.set_page_size(2);
    apb::ListUnitsResponse response;
    grpc::Status status = Call(&Stub::ListUnits, request, &response);
    if (!status.ok()) {
      // A string that is not a valid code is refused by the filter: not a code.
      if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) return "";
      *failed = Failed(status);
      return "";
    }
    return response.units_size() == 1 ? response.units(0).name() : "";
  }

  // Turns what a user wrote for a unit into "units/{id}": a name, a code, or
  // (when `resolve` is set) a unit name as written, resolved by ResolveUnit.
  std::optional<int> UnitName(absl::string_view flag, const std::string& text, std::string* name,
                              bool resolve = true) {
    if (absl::StartsWith(text, "units/")) {
      *name = text;
      return std::nullopt;
    }
    std::optional<int> failed;
    *name = UnitByCode(text, &failed);
    if (failed) return failed;
    if (!name->empty()) return std::nullopt;
    const bool looks_like_id = !AsName("units", text).empty() &&
                               std::all_of(text.begin(), text.end(), [](unsigned char c) {
                                 return absl::ascii_isalnum(c) || c == '-' || c == '_';
                               });
    if (!resolve || looks_like_id) {
      *name = AsName("units", text);
      if (name->empty()) return Usage(absl::StrCat(flag, ": not a unit name, code or id: ", text));
      return std::nullopt;
    }
    apb::ResolveUnitRequest request;
    request.set_text(text);
    apb::ResolveUnitResponse response;
    grpc::Status status = Call(&Stub::ResolveUnit, request, &response);
    if (!status.ok()) return Failed(status);
    if (response.outcome() == apb::RESOLUTION_OUTCOME_RESOLVED && response.candidates_size() > 0) {
      *name = response.candidates(0).unit();
      return std::nullopt;
    }
    std::vector<std::string> candidates;
    for (const apb::UnitCandidate& candidate : response.candidates()) {
      candidates.push_back(absl::StrCat(candidate.display_name(), " (", candidate.unit(), ")"));
    }
    err_ << "chisoctl: NOT_FOUND: " << flag << ": \"" << text << "\" is "
         << EnumShortName(apb::ResolutionOutcome_descriptor(), "RESOLUTION_OUTCOME_",
                          response.outcome());
    if (!candidates.empty()) err_ << "; candidates: " << absl::StrJoin(candidates, "; ");
    err_ << "\n";
    return kExitNotFound;
  }

  // A unit reference for a task: a known unit by name or code, else the
  // text as written for the service to resolve within the plan.
  std::optional<int> UnitRefArg(const std::string& text, chiso::common::v1::UnitRef* ref) {
    if (absl::StartsWith(text, "units/")) {
      ref->set_unit(text);
      return std::nullopt;
    }
    std::optional<int> failed;
    std::string name = UnitByCode(text, &failed);
    if (failed) return failed;
    if (!name.empty()) {
      ref->set_unit(name);
    } else {
      ref->set_display_name(text);
    }
    return std::nullopt;
  }

  std::optional<int> TaskName(std::string* name) {
    *name = AsName("tasks", Arg());
    if (name->empty())
      return Usage(absl::StrCat("NAME must be tasks/ID or ID (got \"", Arg(), "\")"));
    return std::nullopt;
  }

  std::optional<int> PlanName(const std::string& text, std::string* name) {
    *name = AsName("plans", text);
    if (name->empty())
      return Usage(absl::StrCat("PLAN must be plans/ID or ID (got \"", text, "\")"));
    return std::nullopt;
  }

  std::optional<int> PageSize(int32_t* size) {
    if (!args_.Has("page-size")) return std::nullopt;
    absl::StatusOr<int> parsed = shared::ParseIntFlag("page-size", args_.Get("page-size"), 0);
    if (!parsed.ok()) return Usage(parsed.status().message());
    *size = *parsed;
    return std::nullopt;
  }

  void MorePages(const std::string& token, absl::string_view what) {
    if (!token.empty()) {
      out_ << "\nMore " << what << ": add --page-token=" << token
           << " (or --all for every page).\n";
    }
  }

  int Report(const std::string& task, apb::TaskStatus status, int percent);

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

// --- units -----------------------------------------------------------------

int AssignmentCommands::UnitCreate() {
  apb::CreateUnitRequest request;
  apb::Unit* unit = request.mutable_unit();
  if (args_.Has("file")) {
    std::vector<std::string> fields;
    if (absl::Status s = LoadMessageFile(args_.Get("file"), in_, unit, &fields); !s.ok()) {
      return Usage(s.message());
    }
  } else if (!args_.Has("code") && !args_.Has("name")) {
    return Usage("nothing to create: give -f FILE or --code, --name and --kind");
  }
  if (args_.Has("code")) unit->set_code(args_.Get("code"));
  if (args_.Has("name")) unit->set_display_name(args_.Get("name"));
  if (args_.Has("kind")) {
    absl::StatusOr<apb::UnitKind> kind = ParseUnitKind(args_.Get("kind"));
    if (!kind.ok()) return Usage(kind.status().message());
    unit->set_kind(*kind);
  }
  if (args_.Has("parent")) {
    std::string parent;
    if (auto rc = UnitName("--parent", args_.Get("parent"), &parent)) return *rc;
    unit->set_parent(parent);
  }
  for (const std::string& alias : args_.GetAll("alias")) unit->add_aliases(alias);
  if (auto rc = DateFlag("valid-from", unit->mutable_valid_from())) return *rc;
  if (!args_.Has("valid-from") && unit->valid_from().year() == 0) unit->clear_valid_from();
  apb::Unit response;
  grpc::Status status = Call(&Stub::CreateUnit, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderUnit(response, out_);
  return kExitOk;
}

int AssignmentCommands::UnitGet() {
  apb::GetUnitRequest request;
  std::string name;
  if (auto rc = UnitName("NAME", Arg(), &name)) return *rc;
  request.set_name(name);
  apb::Unit response;
  grpc::Status status = Call(&Stub::GetUnit, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderUnit(response, out_);
  return kExitOk;
}

int AssignmentCommands::UnitList() {
  apb::ListUnitsRequest request;
  apb::UnitFilter* filter = request.mutable_filter();
  if (args_.Has("parent")) {
    if (auto rc = UnitName("--parent", args_.Get("parent"), filter->mutable_parent())) return *rc;
  }
  if (args_.Has("subtree-of")) {
    if (auto rc = UnitName("--subtree-of", args_.Get("subtree-of"), filter->mutable_ancestor())) {
      return *rc;
    }
  }
  absl::StatusOr<std::vector<int>> kinds =
      ParseEnumList(apb::UnitKind_descriptor(), "UNIT_KIND_", "kind", args_.GetAll("kind"));
  if (!kinds.ok()) return Usage(kinds.status().message());
  for (int kind : *kinds) filter->add_kinds(static_cast<apb::UnitKind>(kind));
  absl::StatusOr<std::vector<int>> states =
      ParseEnumList(apb::UnitState_descriptor(), "UNIT_STATE_", "state", args_.GetAll("state"));
  if (!states.ok()) return Usage(states.status().message());
  for (int state : *states) filter->add_states(static_cast<apb::UnitState>(state));
  filter->set_code(args_.Get("code"));
  filter->set_text(args_.Get("text"));
  int32_t size = 0;
  if (auto rc = PageSize(&size)) return *rc;
  request.set_page_size(size);
  request.set_page_token(args_.Get("page-token"));
  apb::ListUnitsResponse result;
  while (true) {
    apb::ListUnitsResponse page;
    grpc::Status status = Call(&Stub::ListUnits, request, &page);
    if (!status.ok()) return Failed(status);
    for (apb::Unit& unit : *page.mutable_units()) *result.add_units() = std::move(unit);
    result.set_next_page_token(page.next_page_token());
    if (!args_.GetBool("all") || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (json_) return Json(result);
  RenderUnitList({result.units().begin(), result.units().end()}, out_);
  MorePages(result.next_page_token(), "units");
  return kExitOk;
}

int AssignmentCommands::UnitUpdate() {
  apb::UpdateUnitRequest request;
  std::string name;
  if (auto rc = UnitName("NAME", Arg(), &name)) return *rc;
  std::vector<std::string> fields;
  if (absl::Status s = LoadMessageFile(args_.Get("file"), in_, request.mutable_unit(), &fields);
      !s.ok()) {
    return Usage(s.message());
  }
  static const std::set<std::string> kOutputOnly = {
      "name", "state", "etag", "create_time", "update_time", "valid_to", "merged_into"};
  std::vector<std::string> paths;
  if (args_.Has("mask")) {
    for (absl::string_view path : absl::StrSplit(args_.Get("mask"), ',', absl::SkipWhitespace())) {
      paths.emplace_back(absl::StripAsciiWhitespace(path));
    }
  } else {
    for (const std::string& field : fields) {
      if (kOutputOnly.count(field) == 0) paths.push_back(field);
    }
  }
  if (paths.empty()) return Usage("nothing to update: the file sets no field that can change");
  for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
  request.mutable_unit()->set_name(name);
  if (args_.Has("etag")) request.mutable_unit()->set_etag(args_.Get("etag"));
  apb::Unit response;
  grpc::Status status = Call(&Stub::UpdateUnit, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderUnit(response, out_);
  return kExitOk;
}

int AssignmentCommands::UnitEnd() {
  apb::EndUnitRequest request;
  if (auto rc = UnitName("NAME", Arg(), request.mutable_name())) return *rc;
  if (!args_.Has("on")) return Usage("missing --on DATE (the unit's last day)");
  if (auto rc = DateFlag("on", request.mutable_valid_to())) return *rc;
  request.set_etag(args_.Get("etag"));
  apb::Unit response;
  grpc::Status status = Call(&Stub::EndUnit, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderUnit(response, out_);
  return kExitOk;
}

int AssignmentCommands::UnitMerge() {
  apb::MergeUnitRequest request;
  if (auto rc = UnitName("NAME", Arg(), request.mutable_name())) return *rc;
  if (!args_.Has("into")) return Usage("missing --into UNIT (the successor)");
  if (!args_.Has("on")) return Usage("missing --on DATE (the date the merge takes effect)");
  if (auto rc = UnitName("--into", args_.Get("into"), request.mutable_successor())) return *rc;
  if (auto rc = DateFlag("on", request.mutable_effective_date())) return *rc;
  request.set_etag(args_.Get("etag"));
  request.set_validate_only(args_.GetBool("validate-only"));
  apb::MergeUnitResponse response;
  grpc::Status status = Call(&Stub::MergeUnit, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  out_ << (request.validate_only() ? "Would merge " : "Merged ") << response.unit().name() << " ("
       << response.unit().display_name() << ") into " << response.successor().name() << " ("
       << response.successor().display_name() << "): " << response.moved_task_count() << " tasks ("
       << response.moved_lead_task_count() << " as lead) and " << response.moved_child_unit_count()
       << " child units move.\n";
  return kExitOk;
}

int AssignmentCommands::UnitResolve() {
  apb::ResolveUnitRequest request;
  request.set_text(Arg());
  if (args_.Has("context")) {
    if (auto rc = UnitName("--context", args_.Get("context"), request.mutable_context_unit())) {
      return *rc;
    }
  }
  if (auto rc = DateFlag("as-of", request.mutable_as_of())) return *rc;
  if (args_.Has("max")) {
    absl::StatusOr<int> max = shared::ParseIntFlag("max", args_.Get("max"), 1);
    if (!max.ok()) return Usage(max.status().message());
    request.set_max_candidates(*max);
  }
  apb::ResolveUnitResponse response;
  grpc::Status status = Call(&Stub::ResolveUnit, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  out_ << "Outcome: "
       << EnumShortName(apb::ResolutionOutcome_descriptor(), "RESOLUTION_OUTCOME_",
                        response.outcome())
       << "\n";
  if (response.candidates().empty()) return kExitOk;
  out_ << "\n";
  Table table(
      {{"UNIT"}, {"SCORE", 0, true}, {"DISPLAY NAME", 60}, {"KIND"}, {"MATCHED", 40}, {"REASONS"}});
  for (const apb::UnitCandidate& candidate : response.candidates()) {
    std::vector<std::string> reasons;
    for (int reason : candidate.reasons()) {
      reasons.push_back(EnumShortName(apb::MatchReason_descriptor(), "MATCH_REASON_", reason));
    }
    table.AddRow({candidate.unit(), absl::StrCat(candidate.score()), candidate.display_name(),
                  Kind(candidate.kind()), candidate.matched_text(), absl::StrJoin(reasons, ",")});
  }
  table.Render(out_);
  return kExitOk;
}

int AssignmentCommands::UnitImport() {
  const std::string& path = Arg();
  absl::StatusOr<std::string> text = ReadInputText(path, in_);
  if (!text.ok()) return Usage(text.status().message());
  absl::StatusOr<UnitCsv> csv = ParseUnitCsv(*text, path == "-" ? "<stdin>" : path);
  if (!csv.ok()) return Usage(csv.status().message());

  // Codes outside the file and codes taken: ask the directory.
  std::map<std::string, std::string> directory;  // code → units/{id}
  std::optional<int> failed;
  auto in_directory = [&](const std::string& code) {
    if (failed) return false;
    auto it = directory.find(code);
    if (it == directory.end()) it = directory.emplace(code, UnitByCode(code, &failed)).first;
    return !it->second.empty();
  };
  std::vector<UnitCsvRow> fresh;
  for (UnitCsvRow& row : csv->rows) {
    if (in_directory(row.code)) {
      csv->problems.push_back(
          {row.line, absl::StrCat("code ", row.code, " is already in the directory (",
                                  directory[row.code], ")")});
    } else {
      fresh.push_back(std::move(row));
    }
  }
  if (failed) return *failed;
  csv->rows = std::move(fresh);
  OrderParentsFirst(&*csv, in_directory);
  if (failed) return *failed;

  const std::string source = path == "-" ? "<stdin>" : path;
  for (const UnitCsvProblem& problem : csv->problems) {
    err_ << "chisoctl: " << source << ": line " << problem.line << ": " << problem.reason << "\n";
  }
  const bool skip = args_.GetBool("skip-invalid");
  if (!csv->problems.empty() && !skip) {
    err_ << "chisoctl: " << csv->problems.size() << " bad row"
         << (csv->problems.size() == 1 ? "" : "s")
         << "; nothing was created (fix them, or add --skip-invalid)\n";
    return kExitRefused;
  }

  apb::ListUnitsResponse created;
  Table table({{"LINE", 0, true}, {"NAME"}, {"CODE"}, {"KIND"}, {"PARENT"}, {"DISPLAY NAME", 60}});
  const bool dry_run = args_.GetBool("validate-only");
  for (const UnitCsvRow& row : csv->rows) {
    apb::CreateUnitRequest request;
    apb::Unit* unit = request.mutable_unit();
    unit->set_code(row.code);
    unit->set_display_name(row.name);
    unit->set_kind(row.kind);
    for (const std::string& alias : row.aliases) unit->add_aliases(alias);
    if (!row.parent_code.empty()) {
      auto it = directory.find(row.parent_code);
      unit->set_parent(it != directory.end() && !it->second.empty() ? it->second
                                                                    : "(" + row.parent_code + ")");
    }
    apb::Unit response;
    if (dry_run) {
      response = *unit;
    } else {
      grpc::Status status = Call(&Stub::CreateUnit, request, &response);
      if (!status.ok()) {
        err_ << "chisoctl: " << source << ": line " << row.line << ": ";
        const int rc = Failed(status);
        err_ << "chisoctl: stopped after creating " << created.units_size() << " units\n";
        return rc;
      }
      directory[row.code] = response.name();
    }
    table.AddRow({absl::StrCat(row.line), response.name(), response.code(), Kind(response.kind()),
                  response.parent(), response.display_name()});
    *created.add_units() = std::move(response);
  }
  if (json_) return Json(created);
  if (!csv->rows.empty()) table.Render(out_);
  out_ << (dry_run ? "Would create " : "Created ") << csv->rows.size() << " units";
  if (!csv->problems.empty()) out_ << "; skipped " << csv->problems.size() << " bad rows";
  out_ << ".\n";
  return kExitOk;
}

int AssignmentCommands::UnitSummary() {
  apb::GetUnitSummaryRequest request;
  if (auto rc = UnitName("UNIT", Arg(), request.mutable_unit())) return *rc;
  request.set_include_subtree(args_.GetBool("subtree"));
  if (args_.Has("plan")) {
    if (auto rc = PlanName(args_.Get("plan"), request.mutable_plan())) return *rc;
  }
  if (auto rc = DateFlag("as-of", request.mutable_as_of())) return *rc;
  apb::UnitSummary response;
  grpc::Status status = Call(&Stub::GetUnitSummary, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderUnitSummary(response, out_);
  return kExitOk;
}

// --- people ----------------------------------------------------------------

int AssignmentCommands::PersonCreate() {
  apb::CreatePersonRequest request;
  apb::Person* person = request.mutable_person();
  if (args_.Has("file")) {
    std::vector<std::string> fields;
    if (absl::Status s = LoadMessageFile(args_.Get("file"), in_, person, &fields); !s.ok()) {
      return Usage(s.message());
    }
  } else if (!args_.Has("name")) {
    return Usage("nothing to create: give -f FILE or --name");
  }
  if (args_.Has("name")) person->set_display_name(args_.Get("name"));
  if (args_.Has("title")) person->set_title(args_.Get("title"));
  if (args_.Has("unit")) {
    if (auto rc = UnitName("--unit", args_.Get("unit"), person->mutable_unit())) return *rc;
  }
  apb::Person response;
  grpc::Status status = Call(&Stub::CreatePerson, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderPerson(response, out_);
  return kExitOk;
}

int AssignmentCommands::PersonGet() {
  apb::GetPersonRequest request;
  request.set_name(AsName("people", Arg()));
  if (request.name().empty()) return Usage("NAME must be people/ID or ID");
  apb::Person response;
  grpc::Status status = Call(&Stub::GetPerson, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderPerson(response, out_);
  return kExitOk;
}

int AssignmentCommands::PersonList() {
  apb::ListPeopleRequest request;
  if (args_.Has("unit")) {
    if (auto rc = UnitName("--unit", args_.Get("unit"), request.mutable_filter()->mutable_unit())) {
      return *rc;
    }
  }
  request.mutable_filter()->set_include_subtree(args_.GetBool("subtree"));
  request.mutable_filter()->set_text(args_.Get("text"));
  int32_t size = 0;
  if (auto rc = PageSize(&size)) return *rc;
  request.set_page_size(size);
  request.set_page_token(args_.Get("page-token"));
  apb::ListPeopleResponse result;
  while (true) {
    apb::ListPeopleResponse page;
    grpc::Status status = Call(&Stub::ListPeople, request, &page);
    if (!status.ok()) return Failed(status);
    for (apb::Person& person : *page.mutable_people()) *result.add_people() = std::move(person);
    result.set_next_page_token(page.next_page_token());
    if (!args_.GetBool("all") || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (json_) return Json(result);
  if (result.people().empty()) {
    out_ << "No people.\n";
  } else {
    Table table({{"NAME"}, {"DISPLAY NAME", 40}, {"TITLE", 50}, {"UNIT"}});
    for (const apb::Person& person : result.people()) {
      table.AddRow({person.name(), person.display_name(), person.title(), person.unit()});
    }
    table.Render(out_);
  }
  MorePages(result.next_page_token(), "people");
  return kExitOk;
}

// --- tasks -----------------------------------------------------------------

int AssignmentCommands::TaskCreate() {
  apb::CreateTaskRequest request;
  apb::Task* task = request.mutable_task();
  if (args_.Has("file")) {
    std::vector<std::string> fields;
    if (absl::Status s = LoadMessageFile(args_.Get("file"), in_, task, &fields); !s.ok()) {
      return Usage(s.message());
    }
  } else {
    for (const char* flag : {"plan", "title", "lead", "timeframe"}) {
      if (!args_.Has(flag)) {
        return Usage(absl::StrCat("missing --", flag, " (or give the task with -f FILE)"));
      }
    }
  }
  if (args_.Has("plan")) {
    if (auto rc = PlanName(args_.Get("plan"), task->mutable_plan())) return *rc;
  }
  if (args_.Has("title")) task->set_title(args_.Get("title"));
  if (args_.Has("description")) task->set_description(args_.Get("description"));
  if (args_.Has("objective")) task->set_objective_id(args_.Get("objective"));
  if (args_.Has("lead")) {
    task->clear_lead_unit();
    if (auto rc = UnitRefArg(args_.Get("lead"), task->mutable_lead_unit())) return *rc;
  }
  for (const std::string& text : args_.GetAll("coordinating")) {
    if (auto rc = UnitRefArg(text, task->add_coordinating_units())) return *rc;
  }
  if (args_.Has("supervisor")) {
    const std::string supervisor = args_.Get("supervisor");
    if (absl::StartsWith(supervisor, "people/")) {
      task->set_supervisor_person(supervisor);
    } else {
      task->set_supervisor_post(supervisor);
    }
  }
  if (args_.Has("deliverable")) task->set_deliverable(args_.Get("deliverable"));
  if (args_.Has("timeframe")) {
    task->clear_schedule();
    task->mutable_schedule()->set_phrase(args_.Get("timeframe"));
  }
  apb::Task response;
  grpc::Status status = Call(&Stub::CreateTask, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderTask(response, out_);
  return kExitOk;
}

int AssignmentCommands::TaskList() {
  apb::ListTasksRequest request;
  apb::TaskFilter* filter = request.mutable_filter();
  if (args_.Has("plan")) {
    if (auto rc = PlanName(args_.Get("plan"), filter->mutable_plan())) return *rc;
  }
  if (args_.Has("unit")) {
    if (auto rc = UnitName("--unit", args_.Get("unit"), filter->mutable_unit())) return *rc;
  }
  if (args_.Has("role")) {
    std::string role = absl::AsciiStrToLower(args_.Get("role"));
    if (role == "coordinating") role = "coordinator";
    absl::StatusOr<int> parsed =
        ParseEnumValue(apb::UnitRole_descriptor(), "UNIT_ROLE_", "role", role);
    if (!parsed.ok()) return Usage(parsed.status().message());
    filter->set_unit_role(static_cast<apb::UnitRole>(*parsed));
  }
  filter->set_include_subtree(args_.GetBool("subtree"));
  absl::StatusOr<std::vector<int>> statuses =
      ParseEnumList(apb::TaskStatus_descriptor(), "TASK_STATUS_", "status", args_.GetAll("status"));
  if (!statuses.ok()) return Usage(statuses.status().message());
  for (int status : *statuses) filter->add_statuses(static_cast<apb::TaskStatus>(status));
  absl::StatusOr<std::vector<int>> timeliness = ParseEnumList(
      apb::Timeliness_descriptor(), "TIMELINESS_", "timeliness", args_.GetAll("timeliness"));
  if (!timeliness.ok()) return Usage(timeliness.status().message());
  for (int value : *timeliness) filter->add_timeliness(static_cast<apb::Timeliness>(value));
  if (auto rc = DateFlag("due-from", filter->mutable_due_from())) return *rc;
  if (auto rc = DateFlag("due-to", filter->mutable_due_to())) return *rc;
  filter->set_text(args_.Get("text"));
  int32_t size = 0;
  if (auto rc = PageSize(&size)) return *rc;
  request.set_page_size(size);
  request.set_page_token(args_.Get("page-token"));
  apb::ListTasksResponse result;
  while (true) {
    apb::ListTasksResponse page;
    grpc::Status status = Call(&Stub::ListTasks, request, &page);
    if (!status.ok()) return Failed(status);
    for (apb::Task& task : *page.mutable_tasks()) *result.add_tasks() = std::move(task);
    result.set_next_page_token(page.next_page_token());
    if (!args_.GetBool("all") || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  if (json_) return Json(result);
  RenderTaskList({result.tasks().begin(), result.tasks().end()}, out_);
  MorePages(result.next_page_token(), "tasks");
  return kExitOk;
}

int AssignmentCommands::TaskShow() {
  apb::GetTaskRequest request;
  if (auto rc = TaskName(request.mutable_name())) return *rc;
  apb::Task response;
  grpc::Status status = Call(&Stub::GetTask, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderTask(response, out_);
  return kExitOk;
}

int AssignmentCommands::Report(const std::string& task, apb::TaskStatus status, int percent) {
  apb::ReportProgressRequest request;
  request.set_task(task);
  apb::ProgressReport* report = request.mutable_progress_report();
  if (!args_.Has("by")) return Usage("missing --by UNIT (the reporting unit)");
  if (auto rc = UnitName("--by", args_.Get("by"), report->mutable_reporting_unit())) return *rc;
  report->set_percent_complete(percent);
  report->set_status(status);
  report->set_note(args_.Get("note"));
  if (auto rc = DateFlag("as-of", report->mutable_as_of())) return *rc;
  if (auto rc = DateFlag("occurrence", report->mutable_occurrence_due_date())) return *rc;
  for (const std::string& ref : args_.GetAll("evidence")) {
    apb::Evidence* evidence = report->add_evidence();
    if (absl::StartsWith(ref, "http://") || absl::StartsWith(ref, "https://")) {
      evidence->set_url(ref);
    } else {
      evidence->mutable_document()->set_number(ref);
    }
  }
  request.set_etag(args_.Get("etag"));
  apb::ReportProgressResponse response;
  grpc::Status result = Call(&Stub::ReportProgress, request, &response);
  if (!result.ok()) return Failed(result);
  if (json_) return Json(response);
  out_ << "Recorded " << response.progress_report().name() << ".\n\n";
  RenderTask(response.task(), out_);
  return kExitOk;
}

int AssignmentCommands::TaskReport() {
  std::string name;
  if (auto rc = TaskName(&name)) return *rc;
  if (!args_.Has("percent")) return Usage("missing --percent N (0-100)");
  absl::StatusOr<int> percent = shared::ParseIntFlag("percent", args_.Get("percent"), 0);
  if (!percent.ok() || *percent > 100) return Usage("--percent: expected a whole number 0-100");
  apb::TaskStatus status = apb::TASK_STATUS_UNSPECIFIED;
  if (args_.Has("status")) {
    absl::StatusOr<int> parsed =
        ParseEnumValue(apb::TaskStatus_descriptor(), "TASK_STATUS_", "status", args_.Get("status"));
    if (!parsed.ok()) return Usage(parsed.status().message());
    status = static_cast<apb::TaskStatus>(*parsed);
    if (status != apb::TASK_STATUS_DONE && status != apb::TASK_STATUS_IN_PROGRESS) {
      return Usage("--status: expected done or in-progress");
    }
  }
  return Report(name, status, *percent);
}

int AssignmentCommands::TaskComplete() {
  std::string name;
  if (auto rc = TaskName(&name)) return *rc;
  return Report(name, apb::TASK_STATUS_DONE, 100);
}

int AssignmentCommands::TaskCancel() {
  apb::CancelTaskRequest request;
  if (auto rc = TaskName(request.mutable_name())) return *rc;
  if (!args_.Has("reason") || args_.Get("reason").empty()) {
    return Usage("missing --reason TEXT (why the task is cancelled)");
  }
  request.set_reason(args_.Get("reason"));
  request.set_etag(args_.Get("etag"));
  apb::Task response;
  grpc::Status status = Call(&Stub::CancelTask, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderTask(response, out_);
  return kExitOk;
}

int AssignmentCommands::PlanProgress() {
  apb::GetPlanSummaryRequest request;
  if (auto rc = PlanName(Arg(), request.mutable_plan())) return *rc;
  if (auto rc = DateFlag("as-of", request.mutable_as_of())) return *rc;
  apb::PlanSummary response;
  grpc::Status status = Call(&Stub::GetPlanSummary, request, &response);
  if (!status.ok()) return Failed(status);
  if (json_) return Json(response);
  RenderPlanSummary(response, out_);
  return kExitOk;
}

// ---------------------------------------------------------------------------
// The table of commands
// ---------------------------------------------------------------------------

constexpr char kPagingFlags[] =
    "  --page-size=N        results per page\n"
    "  --page-token=T       continue a listing (the token printed after a page)\n"
    "  --all                follow the page tokens to the end\n";

constexpr char kUnitArg[] =
    "A UNIT is units/ID, a unit code (UBND-HX), or where noted a name as written,\n"
    "resolved by the service (\"Phòng TC-KH\").\n";

std::vector<FlagSpec> Paging(std::vector<FlagSpec> flags) {
  flags.push_back({"page-size"});
  flags.push_back({"page-token"});
  flags.push_back({"all", false});
  return flags;
}

const std::vector<Command>& Commands() {
  using C = AssignmentCommands;
  static const auto* commands = new std::vector<Command>{
      {"unit",
       "create",
       "(-f FILE | --code C --name N --kind K [--parent P] [--alias A]...)",
       absl::StrCat("Creates a unit in the directory.\n\nFlags:\n"
                    "  -f, --file=FILE      the unit as JSON or YAML (chiso.assignment.v1.Unit)\n"
                    "  --code=C             unique code (mã đơn vị)\n"
                    "  --name=TEXT          official name (display_name)\n"
                    "  --kind=K             department, office, division, sub-department, "
                    "center,\n"
                    "                       provincial-committee, district-committee,\n"
                    "                       commune-committee, other-body\n"
                    "  --parent=UNIT        parent unit\n"
                    "  --alias=TEXT         another name or abbreviation; repeat it\n"
                    "  --valid-from=DATE    first day the unit exists\n\n",
                    kUnitArg),
       0,
       "",
       {{"file", true, 'f'}, {"code"}, {"name"}, {"kind"}, {"parent"}, {"alias"}, {"valid-from"}},
       &C::UnitCreate},
      {"unit",
       "get",
       "UNIT",
       absl::StrCat("Shows a unit, also after it ended or merged.\n\n", kUnitArg),
       1,
       "UNIT",
       {},
       &C::UnitGet},
      {"unit", "list", "[--parent P] [--subtree-of P] [--kind K] [--text T] [--all]",
       absl::StrCat("Lists units ordered by code.\n\nFlags:\n"
                    "  --parent=UNIT        only its direct children\n"
                    "  --subtree-of=UNIT    only units under it\n"
                    "  --kind=K             only these kinds (repeat or comma list)\n"
                    "  --state=S            active, ended or merged (repeat or comma list)\n"
                    "  --code=C             only the unit with this code\n"
                    "  --text=TEXT          name, code or alias contains it (ignoring case and\n"
                    "                       diacritics)\n",
                    kPagingFlags),
       0, "", Paging({{"parent"}, {"subtree-of"}, {"kind"}, {"state"}, {"code"}, {"text"}}),
       &C::UnitList},
      {"unit",
       "update",
       "UNIT -f FILE [--mask PATHS] [--etag E]",
       "Changes the fields of a unit that the file sets (or those named in --mask).\n"
       "valid_to, merged_into and state change only by end and merge.\n\nFlags:\n"
       "  -f, --file=FILE      the new values as JSON or YAML\n"
       "  --mask=PATHS         fields to change, comma separated: display_name,aliases\n"
       "  --etag=E             fail with ABORTED if the unit changed since\n",
       1,
       "UNIT",
       {{"file", true, 'f'}, {"mask"}, {"etag"}},
       &C::UnitUpdate},
      {"unit",
       "end",
       "UNIT --on DATE [--etag E]",
       "Ends a unit without a successor (giải thể); DATE is its last day.\n",
       1,
       "UNIT",
       {{"on"}, {"etag"}},
       &C::UnitEnd},
      {"unit",
       "merge",
       "UNIT --into UNIT2 --on DATE [--validate-only] [--etag E]",
       "Merges a unit into a successor (sáp nhập): its open tasks and child units move.\n"
       "--validate-only reports what would move without changing anything.\n",
       1,
       "UNIT",
       {{"into"}, {"on"}, {"validate-only", false}, {"etag"}},
       &C::UnitMerge},
      {"unit",
       "resolve",
       "TEXT [--context UNIT] [--as-of DATE] [--max N]",
       "Resolves a unit name as a document writes it to ranked candidates.\n",
       1,
       "TEXT",
       {{"context"}, {"as-of"}, {"max"}},
       &C::UnitResolve},
      {"unit",
       "import",
       "FILE.csv [--skip-invalid] [--validate-only]",
       "Creates units from a CSV file with the header code,name,kind,parent_code,aliases\n"
       "(aliases separated by \";\"; parent_code a code in the file or in the directory).\n"
       "Parents are created before children. Every row is checked first; if any is bad\n"
       "each is reported with its line and nothing is created (exit 4), unless\n"
       "--skip-invalid, which creates the good rows (and not those under a bad one).\n"
       "--validate-only checks and shows what would be created.\n",
       1,
       "FILE.csv",
       {{"skip-invalid", false}, {"validate-only", false}},
       &C::UnitImport},
      {"unit",
       "summary",
       "UNIT [--subtree] [--plan PLAN] [--as-of DATE]",
       "A unit's record: its tasks by timeliness as lead and as coordinator, its on-time\n"
       "ratio, and its overdue tasks. --as-of judges timeliness on that day instead of\n"
       "today (where things stood, or will stand if nothing is reported).\n",
       1,
       "UNIT",
       {{"subtree", false}, {"plan"}, {"as-of"}},
       &C::UnitSummary},
      {"person",
       "create",
       "(-f FILE | --name N [--title T] [--unit UNIT])",
       "Creates a person (cán bộ).\n",
       0,
       "",
       {{"file", true, 'f'}, {"name"}, {"title"}, {"unit"}},
       &C::PersonCreate},
      {"person",
       "get",
       "NAME",
       "Shows a person (people/ID or ID).\n",
       1,
       "NAME",
       {},
       &C::PersonGet},
      {"person", "list", "[--unit UNIT [--subtree]] [--text T] [--all]",
       absl::StrCat("Lists people by name.\n\nFlags:\n", kPagingFlags), 0, "",
       Paging({{"unit"}, {"subtree", false}, {"text"}}), &C::PersonList},
      {"task",
       "create",
       "(-f FILE | --plan P --title T --lead UNIT --timeframe TEXT [flags])",
       absl::StrCat(
           "Creates a task of a plan.\n\nFlags:\n"
           "  -f, --file=FILE        the task as JSON or YAML (chiso.assignment.v1.Task)\n"
           "  --plan=PLAN            plans/ID or ID\n"
           "  --title=TEXT           what must be done\n"
           "  --description=TEXT     full text as written\n"
           "  --objective=ID         the plan objective it serves\n"
           "  --lead=UNIT            the lead unit (đơn vị chủ trì): units/ID, a code, or the\n"
           "                         name as written, resolved within the plan's issuer\n"
           "  --coordinating=UNIT    a coordinating unit; repeat it\n"
           "  --supervisor=TEXT      people/ID, or the post as written\n"
           "  --deliverable=TEXT     the product (sản phẩm)\n"
           "  --timeframe=TEXT       the timeframe as written (\"trong Quý I/2024\")\n"),
       0,
       "",
       {{"file", true, 'f'},
        {"plan"},
        {"title"},
        {"description"},
        {"objective"},
        {"lead"},
        {"coordinating"},
        {"supervisor"},
        {"deliverable"},
        {"timeframe"}},
       &C::TaskCreate},
      {"task", "list",
       "[--plan P] [--unit U [--role lead|coordinating]] [--timeliness T] [--due-from D] "
       "[--due-to D] [--all]",
       absl::StrCat(
           "Lists tasks by next due date.\n\nFlags:\n"
           "  --plan=PLAN          only this plan's tasks\n"
           "  --unit=UNIT          only tasks this unit leads or coordinates\n"
           "  --role=R             with --unit: lead or coordinating\n"
           "  --subtree            with --unit: also the units under it\n"
           "  --status=S           not-started, in-progress, done, cancelled (comma list)\n"
           "  --timeliness=T       on-track, due-soon, overdue, done-on-time, done-late\n"
           "  --due-from=DATE      next due on or after\n"
           "  --due-to=DATE        next due on or before\n"
           "  --text=TEXT          title or description contains it\n",
           kPagingFlags),
       0, "",
       Paging({{"plan"},
               {"unit"},
               {"role"},
               {"subtree", false},
               {"status"},
               {"timeliness"},
               {"due-from"},
               {"due-to"},
               {"text"}}),
       &C::TaskList},
      {"task",
       "show",
       "NAME",
       "Shows a task with its occurrences (tasks/ID or ID).\n",
       1,
       "NAME",
       {},
       &C::TaskShow},
      {"task",
       "report",
       "NAME --percent N --by UNIT [--status done|in-progress] [--note T] [--evidence REF]...",
       "Records a progress report from the lead or a coordinating unit.\n\nFlags:\n"
       "  --percent=N          completion, 0-100\n"
       "  --by=UNIT            the reporting unit\n"
       "  --status=S           in-progress, or done (lead only) to complete\n"
       "  --note=TEXT          what was done\n"
       "  --evidence=REF       a document number (125/BC-UBND) or a https:// link; repeat\n"
       "  --as-of=DATE         the date the report describes (default today)\n"
       "  --occurrence=DATE    the occurrence reported on, by its due date\n"
       "  --etag=E             fail with ABORTED if the task changed since\n",
       1,
       "NAME",
       {{"percent"},
        {"by"},
        {"status"},
        {"note"},
        {"evidence"},
        {"as-of"},
        {"occurrence"},
        {"etag"}},
       &C::TaskReport},
      {"task",
       "complete",
       "NAME --by UNIT --evidence REF [...] [--note T]",
       "Completes a task: a report of 100% and status done from the lead unit.\n"
       "Flags as for task report.\n",
       1,
       "NAME",
       {{"by"}, {"note"}, {"evidence"}, {"as-of"}, {"occurrence"}, {"etag"}},
       &C::TaskComplete},
      {"task",
       "cancel",
       "NAME --reason TEXT [--etag E]",
       "Cancels a task (hủy nhiệm vụ).\n",
       1,
       "NAME",
       {{"reason"}, {"etag"}},
       &C::TaskCancel},
      {"plan",
       "progress",
       "PLAN [--as-of DATE]",
       "A plan's progress: tasks and occurrences by timeliness, and the accountability\n"
       "matrix (component, lead unit, counts, mean percent). Asks the assignment service.\n"
       "--as-of judges timeliness on that day instead of today.\n",
       1,
       "PLAN",
       {{"as-of"}},
       &C::PlanProgress},
  };
  return *commands;
}

}  // namespace

std::string AssignmentServiceAddress(const std::optional<std::string>& addr_flag,
                                     const Environment& env) {
  if (addr_flag.has_value()) return *addr_flag;
  return env.assignment_addr.empty() ? kDefaultAssignmentAddr : env.assignment_addr;
}

int RunAssignmentCommand(const std::vector<std::string>& args, size_t area_at, ParsedArgs parsed,
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
  const size_t expected = static_cast<size_t>(command->positional);
  if (parsed.positional.size() < expected) {
    return UsageError(err, absl::StrCat("missing ", command->arg_name), command);
  }
  if (parsed.positional.size() > expected) {
    return UsageError(
        err, absl::StrCat("unexpected argument \"", parsed.positional[expected], "\""), command);
  }
  if (expected > 0 && absl::StripAsciiWhitespace(parsed.positional[0]).empty()) {
    return UsageError(err, absl::StrCat(command->arg_name, " must not be empty"), command);
  }

  const std::string addr = AssignmentServiceAddress(
      parsed.Has("assignment-addr") ? std::optional<std::string>(parsed.Get("assignment-addr"))
                                    : std::nullopt,
      env);
  if (addr.empty()) {
    return UsageError(err, "--assignment-addr: must not be empty (HOST:PORT)", command);
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
  AssignmentCommands commands(*command, parsed, addr, *channel, timeout, in, out, err);
  return commands.Run();
}

}  // namespace chiso::chisoctl
