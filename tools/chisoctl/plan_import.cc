#include "tools/chisoctl/plan_import.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/civil/period.h"
#include "common/text/text.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tools/chisoctl/assignment_commands.h"
#include "tools/chisoctl/cli.h"
#include "tools/chisoctl/command_table.h"
#include "tools/chisoctl/plan_file.h"
#include "tools/chisoctl/rpc.h"
#include "tools/chisoctl/table.h"

namespace chiso::chisoctl {
namespace {

namespace apb = chiso::assignment::v1;
namespace cpb = chiso::common::v1;
namespace ppb = chiso::plan::v1;

// The plan service reads .docx files up to 20 MiB (text up to 2 MiB, which it
// checks itself); a larger file is refused before it travels.
constexpr size_t kMaxDocumentBytes = 20 << 20;
// Candidates shown for a name that did not resolve to one unit.
constexpr int kShownCandidates = 3;
// How a .docx file (a ZIP archive) starts.
constexpr absl::string_view kZipMagic("PK\x03\x04", 4);

// The command as command_table::UsageError names it.
struct ImportCommand {
  std::string area = "plan";
  std::string verb = "import";
};

int Usage(std::ostream& err, absl::string_view message) {
  static const ImportCommand* const command = new ImportCommand();
  return command_table::UsageError(err, message, command);
}

// "1 objective", "2 objectives".
std::string Count(int n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

std::string Roman(int quarter) {
  static constexpr const char* kRoman[] = {"I", "II", "III", "IV"};
  return kRoman[std::clamp(quarter, 1, 4) - 1];
}

std::string SummarizePeriod(const cpb::CalendarPeriod& period) {
  const std::string year = period.year() == 0 ? "" : absl::StrCat(period.year());
  switch (period.kind()) {
    case cpb::CalendarPeriod::KIND_MONTH:
      return absl::StrCat("tháng ", period.index(), year.empty() ? "" : "/", year);
    case cpb::CalendarPeriod::KIND_QUARTER:
      if (year.empty()) return absl::StrCat("Quý ", Roman(period.index()));
      return civil::FormatQuarter({period.year(), period.index()});
    case cpb::CalendarPeriod::KIND_HALF:
      return absl::StrCat(period.index() == 2 ? "6 tháng cuối năm" : "6 tháng đầu năm",
                          year.empty() ? "" : " ", year);
    case cpb::CalendarPeriod::KIND_YEAR:
      return year.empty() ? "trong năm" : absl::StrCat("năm ", year);
    default:
      return "";
  }
}

std::string SummarizeRecurrence(const cpb::Recurrence& recurrence) {
  std::string text;
  switch (recurrence.frequency()) {
    case cpb::FREQUENCY_MONTHLY:
      text = recurrence.day() > 0 ? absl::StrCat("ngày ", recurrence.day(), " hằng tháng")
                                  : "hằng tháng";
      break;
    case cpb::FREQUENCY_QUARTERLY:
      text = recurrence.day() > 0
                 ? absl::StrCat("ngày ", recurrence.day(), " tháng cuối quý, hằng quý")
                 : "hằng quý";
      break;
    case cpb::FREQUENCY_SEMIANNUAL:
      text = "6 tháng một lần";
      break;
    case cpb::FREQUENCY_ANNUAL:
      if (recurrence.quarter() > 0) {
        text = absl::StrCat("Quý ", Roman(recurrence.quarter()), " hằng năm");
      } else if (recurrence.month() > 0 && recurrence.day() > 0) {
        text = absl::StrFormat("trước %02d/%02d hằng năm", recurrence.day(), recurrence.month());
      } else if (recurrence.month() > 0) {
        text = absl::StrCat("tháng ", recurrence.month(), " hằng năm");
      } else {
        text = "hằng năm";
      }
      break;
    default:
      return "";
  }
  if (recurrence.year_offset() < 0) absl::StrAppend(&text, ", năm trước liền kề năm kế hoạch");
  return text;
}

std::string SummarizeMilestone(const cpb::Milestone& milestone) {
  std::string text;
  switch (milestone.when_case()) {
    case cpb::Milestone::kDueDate:
      text = absl::StrCat("trước ", FormatDate(milestone.due_date()));
      break;
    case cpb::Milestone::kPeriod:
      text = SummarizePeriod(milestone.period());
      break;
    case cpb::Milestone::kRecurrence:
      text = SummarizeRecurrence(milestone.recurrence());
      break;
    case cpb::Milestone::kContinuous:
      text = "thường xuyên";
      break;
    default:
      break;
  }
  if (text.empty()) text = milestone.phrase();
  if (milestone.label().empty() || text.empty()) return text;
  return absl::StrCat(milestone.label(), ": ", text);
}

// "9", "9–11", or "" when the lines are unknown.
std::string Lines(int first, int last) {
  if (first <= 0) return "";
  if (last <= first) return absl::StrCat(first);
  return absl::StrCat(first, "–", last);
}

// The key ImportTasks knows a draft by: its draft_id, else "L<first>-<last>".
std::string DraftKey(const cpb::TaskDraft& draft) {
  if (!draft.draft_id().empty()) return draft.draft_id();
  return absl::StrCat("L", draft.first_line(), "-", draft.last_line());
}

std::string ComponentText(absl::string_view framework, absl::string_view component) {
  return absl::StrCat(framework, " ", component.empty() ? "(total)" : component);
}

// What a draft serves: "objective o1 (DDCI TIME_COSTS)", "DDCI TRANSPARENCY",
// "general".
std::string DraftTarget(const cpb::TaskDraft& draft, const ppb::Plan& plan) {
  if (!draft.objective_id().empty()) {
    for (const ppb::Objective& objective : plan.objectives()) {
      if (objective.id() == draft.objective_id()) {
        return absl::StrCat("objective ", objective.id(), " (",
                            ComponentText(objective.framework(), objective.component()), ")");
      }
    }
    return absl::StrCat("objective ", draft.objective_id(), " (not in the plan)");
  }
  if (draft.framework().empty()) return "general (no index)";
  return ComponentText(draft.framework(), draft.component());
}

// "Văn phòng Sở → units/3 (Văn phòng Sở Nội vụ)", "Phòng X → ambiguous;
// candidates: units/1 (…), units/2 (…)", "Các đơn vị → collective".
std::string ResolutionText(const apb::UnitResolution& resolution) {
  std::string text = absl::StrCat(resolution.text(), " → ");
  if (resolution.outcome() == apb::RESOLUTION_OUTCOME_RESOLVED) {
    absl::StrAppend(&text, resolution.unit().unit());
    if (!resolution.unit().display_name().empty()) {
      absl::StrAppend(&text, " (", resolution.unit().display_name(), ")");
    }
    return text;
  }
  absl::StrAppend(&text, EnumShortName(apb::ResolutionOutcome_descriptor(), "RESOLUTION_OUTCOME_",
                                       resolution.outcome()));
  std::vector<std::string> candidates;
  for (const apb::UnitCandidate& candidate : resolution.candidates()) {
    if (candidates.size() == static_cast<size_t>(kShownCandidates)) break;
    candidates.push_back(absl::StrCat(candidate.unit(), " (", candidate.display_name(), ")"));
  }
  if (!candidates.empty()) {
    absl::StrAppend(&text, "; candidates: ", absl::StrJoin(candidates, ", "));
  }
  return text;
}

// A ResolveUnit answer as ImportTasks would report it: the best candidate
// (or its successor) when resolved, the candidates otherwise.
apb::UnitResolution ToResolution(const std::string& text,
                                 const apb::ResolveUnitResponse& response) {
  apb::UnitResolution resolution;
  resolution.set_text(text);
  resolution.set_outcome(response.outcome());
  if (response.outcome() == apb::RESOLUTION_OUTCOME_RESOLVED && response.candidates_size() > 0) {
    const apb::UnitCandidate& best = response.candidates(0);
    if (best.successor().empty()) {
      resolution.mutable_unit()->set_unit(best.unit());
      resolution.mutable_unit()->set_display_name(best.display_name());
    } else {
      resolution.mutable_unit()->set_unit(best.successor());
      resolution.mutable_unit()->set_display_name(
          absl::StrCat("successor of ", best.display_name()));
    }
  } else {
    if (response.outcome() == apb::RESOLUTION_OUTCOME_RESOLVED) {
      resolution.set_outcome(apb::RESOLUTION_OUTCOME_UNRESOLVED);
    }
    *resolution.mutable_candidates() = response.candidates();
  }
  return resolution;
}

// A file name as a shell reads it back: quoted unless it is plain.
std::string ShellWord(const std::string& word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return absl::ascii_isalnum(c) ||
           absl::string_view("-_./+,:=@%").find(c) != absl::string_view::npos;
  });
  if (plain) return word;
  return absl::StrCat("'", absl::StrReplaceAll(word, {{"'", "'\\''"}}), "'");
}

class PlanImport {
 public:
  PlanImport(const ParsedArgs& args, const PlanImportTargets& targets, std::istream& in,
             std::ostream& out, std::ostream& err)
      : args_(args), targets_(targets), in_(in), out_(out), err_(err) {}

  int Run() {
    if (args_.positional.empty()) {
      return Usage(err_, "missing FILE (a .docx or UTF-8 text file; - for standard input)");
    }
    if (args_.positional.size() > 1) {
      return Usage(err_, absl::StrCat("unexpected argument \"", args_.positional[1], "\""));
    }
    file_ = args_.positional[0];
    if (args_.GetBool("commit") && args_.Has("plan")) {
      return Usage(err_,
                   "--commit and --plan exclude each other: --commit saves a new plan, --plan "
                   "creates the tasks in a plan saved before");
    }
    if (std::optional<int> rc = NameFlag("plan", "plans", &plan_)) return *rc;
    std::string issuer_unit;
    if (std::optional<int> rc = NameFlag("issuer-unit", "units", &issuer_unit)) return *rc;
    if (std::optional<int> rc = NameFlag("context", "units", &context_)) return *rc;
    if (context_.empty()) context_ = issuer_unit;

    ppb::ImportPlanDocumentRequest request;
    if (absl::Status s = ReadDocument(&request); !s.ok()) return Usage(err_, s.message());
    if (!args_.Get("issuer").empty()) {
      request.mutable_issuer()->set_display_name(args_.Get("issuer"));
    }
    if (!issuer_unit.empty()) request.mutable_issuer()->set_unit(issuer_unit);
    request.set_commit(args_.GetBool("commit"));

    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        Dial(targets_.plan_addr, targets_.security);
    if (!channel.ok()) return Usage(err_, channel.status().message());
    auto stub = ppb::PlanService::NewStub(*channel);
    ppb::ImportPlanDocumentResponse response;
    grpc::Status status = CallWithDeadline(*stub, &ppb::PlanService::Stub::ImportPlanDocument,
                                           targets_.timeout, request, &response);
    if (!status.ok()) return ImportFailed(status);
    if (targets_.json) {
      if (int rc = shared::PrintJson(response, out_, err_); rc != kExitOk) return rc;
    }
    if (!plan_.empty()) return ImportTasks(plan_, response);
    if (request.commit()) {
      if (!targets_.json) PrintSaved(response);
      return ImportTasks(response.plan().name(), response);
    }
    if (!targets_.json) Review(response);
    return kExitOk;
  }

 private:
  // Reads --FLAG as "<collection>/ID" or ID into `name` (left empty when the
  // flag is not given); an exit code when it is malformed.
  std::optional<int> NameFlag(absl::string_view flag, absl::string_view collection,
                              std::string* name) {
    if (!args_.Has(flag)) return std::nullopt;
    *name = command_table::AsName(collection, args_.Get(flag));
    if (!name->empty()) return std::nullopt;
    return Usage(err_, absl::StrCat("--", flag, ": expected ", collection, "/ID or ID (got \"",
                                    args_.Get(flag), "\")"));
  }

  // FILE as the request's document: a .docx by its extension or its first
  // bytes, else UTF-8 text.
  absl::Status ReadDocument(ppb::ImportPlanDocumentRequest* request) {
    absl::StatusOr<std::string> bytes = ReadInputText(file_, in_, kMaxDocumentBytes);
    if (!bytes.ok()) return bytes.status();
    const std::string source = file_ == "-" ? "<stdin>" : file_;
    if (bytes->empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": empty"));
    if (absl::StartsWith(*bytes, kZipMagic) || absl::EndsWithIgnoreCase(file_, ".docx")) {
      request->set_docx(*std::move(bytes));
    } else if (text::IsValidUtf8(*bytes)) {
      request->set_text(*std::move(bytes));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(source,
                       ": neither UTF-8 text nor a .docx file (save a .doc or .pdf as .docx, or "
                       "its text as UTF-8)"));
    }
    return absl::OkStatus();
  }

  int ImportFailed(const grpc::Status& status) {
    const int rc = shared::ReportFailure(status, "the plan service", targets_.plan_addr,
                                         targets_.timeout, err_);
    if (!args_.GetBool("commit")) return rc;
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      err_ << "chisoctl: the plan was saved before. Find it (chisoctl plan list --issuer …) and "
              "create its missing tasks with:\n  "
           << RetryCommand("NAME") << "\n";
    } else if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      err_ << "chisoctl: nothing was saved. Run without --commit to review what was read; give "
              "the issuing body with --issuer when the document does not name it.\n";
    }
    return rc;
  }

  std::string RetryCommand(const std::string& plan) const {
    std::string command = absl::StrCat("chisoctl plan import ", ShellWord(file_), " --plan ", plan);
    if (!context_.empty()) absl::StrAppend(&command, " --context ", context_);
    return command;
  }

  std::string Summary(const ppb::ImportPlanDocumentResponse& response) const {
    return absl::StrCat(Count(response.plan().objectives_size(), "objective", "objectives"), ", ",
                        Count(response.task_drafts_size(), "task draft", "task drafts"), ", ",
                        Count(response.warnings_size(), "warning", "warnings"));
  }

  void PrintSaved(const ppb::ImportPlanDocumentResponse& response) {
    const ppb::Plan& plan = response.plan();
    out_ << "Saved the plan as " << plan.name() << " (" << FormatStatus(plan.status()) << ")";
    if (!plan.number().empty()) out_ << ", " << text::ForTerminal(plan.number());
    out_ << ": " << Summary(response) << ".\n";
    if (response.warnings_size() > 0) {
      out_ << "To see the warnings, run the command without --commit (that saves nothing); "
              "fix the plan\nwith chisoctl plan update "
           << plan.name() << ".\n";
    }
  }

  // ---------------------------------------------------------------------
  // The review
  // ---------------------------------------------------------------------

  // Resolves each distinct unit name of the drafts within the context,
  // unless the assignment service cannot answer: then `units_note_` says why
  // and the names stay as written.
  void ResolveNames(const ppb::ImportPlanDocumentResponse& response) {
    std::vector<std::string> names;
    for (const cpb::TaskDraft& draft : response.task_drafts()) {
      for (const auto* list : {&draft.lead_units(), &draft.coordinating_units()}) {
        for (const std::string& name : *list) {
          if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
      }
    }
    if (names.empty()) return;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        Dial(targets_.assignment_addr, targets_.security);
    if (!channel.ok()) {
      units_note_ = absl::StrCat("Units not resolved: ", channel.status().message(), ".");
      return;
    }
    auto stub = apb::AssignmentService::NewStub(*channel);
    for (const std::string& name : names) {
      apb::ResolveUnitRequest request;
      request.set_text(name);
      request.set_context_unit(context_);
      request.set_max_candidates(kShownCandidates);
      apb::ResolveUnitResponse response;
      grpc::Status status = CallWithDeadline(*stub, &apb::AssignmentService::Stub::ResolveUnit,
                                             targets_.timeout, request, &response);
      if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
        resolved_[name] = absl::StrCat(name, " → not checked: ", status.error_message());
        continue;
      }
      if (!status.ok()) {
        units_note_ = UnitsNotResolved(status);
        resolved_.clear();
        return;
      }
      resolved_[name] = ResolutionText(ToResolution(name, response));
    }
    units_note_ =
        context_.empty()
            ? "Units resolved by the assignment service without a context unit (give "
              "--issuer-unit or --context to resolve names such as \"Văn phòng Sở\")."
            : absl::StrCat("Units resolved by the assignment service within ", context_, ".");
  }

  std::string UnitsNotResolved(const grpc::Status& status) const {
    std::string why;
    switch (status.error_code()) {
      case grpc::StatusCode::UNAVAILABLE:
        why = absl::StrCat("cannot reach the assignment service at ", targets_.assignment_addr);
        break;
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        why = absl::StrCat("no answer from the assignment service at ", targets_.assignment_addr,
                           " within ", absl::FormatDuration(targets_.timeout));
        break;
      default:
        why = absl::StrCat(
            "the assignment service answered ",
            absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())), ": ",
            status.error_message());
    }
    return absl::StrCat("Units not resolved: ", why,
                        ". They are resolved when the tasks are created (--commit).");
  }

  std::string UnitText(const std::string& name) const {
    auto it = resolved_.find(name);
    return it == resolved_.end() ? name : it->second;
  }

  void Review(const ppb::ImportPlanDocumentResponse& response) {
    ResolveNames(response);
    out_ << "Plan read from " << text::ForTerminal(file_ == "-" ? "<stdin>" : file_)
         << " (not saved):\n";
    RenderPlan(response.plan(), out_);

    out_ << "\nTask drafts (" << response.task_drafts_size() << "):\n";
    if (!units_note_.empty()) out_ << "  " << units_note_ << "\n";
    for (const cpb::TaskDraft& draft : response.task_drafts()) {
      const std::string lines = Lines(draft.first_line(), draft.last_line());
      out_ << "\n  " << text::ForTerminal(DraftKey(draft))
           << (lines.empty()
                   ? ""
                   : absl::StrCat(draft.last_line() > draft.first_line() ? ", lines " : ", line ",
                                  lines))
           << ": " << text::ForTerminal(DraftTarget(draft, response.plan())) << "\n";
      std::vector<std::pair<std::string, std::string>> fields;
      fields.emplace_back("Title", draft.title());
      for (const std::string& lead : draft.lead_units()) {
        fields.emplace_back("Lead", UnitText(lead));
      }
      for (const std::string& unit : draft.coordinating_units()) {
        fields.emplace_back("Coordinating", UnitText(unit));
      }
      fields.emplace_back("Supervisor", draft.supervisor());
      fields.emplace_back("Deliverable", draft.deliverable());
      std::string timeframe = SummarizeSchedule(draft.schedule());
      fields.emplace_back("Timeframe", timeframe.empty() ? "(none)" : timeframe);
      RenderFields(fields, out_, 0, "    ");
    }

    out_ << "\nWarnings (" << response.warnings_size() << "):\n";
    if (response.warnings_size() > 0) {
      Table table({{"CODE"}, {"LINES"}, {"MESSAGE"}});
      for (const ppb::ImportWarning& warning : response.warnings()) {
        table.AddRow(
            {warning.code(), Lines(warning.first_line(), warning.last_line()), warning.message()});
      }
      table.Render(out_, "  ");
    }
    out_ << "\n"
         << Summary(response) << ".\n"
         << "Nothing was saved. Re-run with --commit to save the plan as a draft and create its "
            "tasks.\n";
  }

  // ---------------------------------------------------------------------
  // The tasks (--commit, --plan)
  // ---------------------------------------------------------------------

  int ImportTasks(const std::string& plan, const ppb::ImportPlanDocumentResponse& response) {
    if (response.task_drafts().empty()) {
      if (!targets_.json) out_ << "The document has no task drafts: no task to create.\n";
      return kExitOk;
    }
    apb::ImportTasksRequest request;
    request.set_plan(plan);
    *request.mutable_drafts() = response.task_drafts();
    request.set_context_unit(context_);
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        Dial(targets_.assignment_addr, targets_.security);
    if (!channel.ok()) return Usage(err_, channel.status().message());
    auto stub = apb::AssignmentService::NewStub(*channel);
    apb::ImportTasksResponse result;
    grpc::Status status = CallWithDeadline(*stub, &apb::AssignmentService::Stub::ImportTasks,
                                           targets_.timeout, request, &result);
    if (!status.ok()) {
      const int rc = shared::ReportFailure(status, "the assignment service",
                                           targets_.assignment_addr, targets_.timeout, err_);
      if (plan_.empty()) {
        err_ << "chisoctl: the plan was saved as " << plan
             << " (draft), but no task was created.\n"
                "Once the cause is fixed, create the tasks with:\n  "
             << RetryCommand(plan) << "\n";
      }
      return rc;
    }
    if (targets_.json) return shared::PrintJson(result, out_, err_);
    RenderTaskResults(plan, request, result);
    return kExitOk;
  }

  void RenderTaskResults(const std::string& plan, const apb::ImportTasksRequest& request,
                         const apb::ImportTasksResponse& result) {
    out_ << "\nTasks of " << plan
         << (context_.empty() ? std::string(" (names resolved within the plan's issuer unit)")
                              : absl::StrCat(" (names resolved within ", context_, ")"))
         << ":\n";
    Table table({{"DRAFT"}, {"LINES"}, {"OUTCOME"}, {"TASKS"}, {"LEAD"}});
    Table warnings({{"DRAFT"}, {"CODE"}, {"FIELD"}, {"MESSAGE"}});
    for (const apb::DraftResult& draft : result.results()) {
      std::string lines;
      if (draft.index() >= 0 && draft.index() < request.drafts_size()) {
        const cpb::TaskDraft& sent = request.drafts(draft.index());
        lines = Lines(sent.first_line(), sent.last_line());
      }
      std::vector<std::string> leads;
      for (const apb::UnitResolution& lead : draft.lead_units()) {
        leads.push_back(ResolutionText(lead));
      }
      table.AddRow(
          {draft.draft_id(), lines,
           EnumShortName(apb::DraftOutcome_descriptor(), "DRAFT_OUTCOME_", draft.outcome()),
           absl::StrJoin(draft.tasks(), ", "), absl::StrJoin(leads, "; ")});
      for (const apb::ImportWarning& warning : draft.warnings()) {
        warnings.AddRow({draft.draft_id(),
                         std::string(absl::StripPrefix(apb::ImportWarningCode_Name(warning.code()),
                                                       "IMPORT_WARNING_CODE_")),
                         warning.field(), warning.message()});
      }
    }
    table.Render(out_, "  ");
    const bool any_warning =
        std::any_of(result.results().begin(), result.results().end(),
                    [](const apb::DraftResult& r) { return r.warnings_size() > 0; });
    if (any_warning) {
      out_ << "\n  Warnings:\n";
      warnings.Render(out_, "  ");
    }
    out_ << "\n"
         << Count(result.created_task_count(), "task", "tasks") << " created, "
         << Count(result.needs_decision_count(), "draft needs", "drafts need") << " a decision.\n";
    if (result.needs_decision_count() > 0) {
      out_ << "For each draft that needs a decision, add the unit (chisoctl unit create) or an "
              "alias of it\n(chisoctl unit update), then create the missing tasks with:\n  "
           << RetryCommand(plan)
           << "\nTasks already created are not created again. A task can also be created by "
              "hand:\n  chisoctl task create --plan "
           << plan << " …\n";
    }
  }

  const ParsedArgs& args_;
  const PlanImportTargets& targets_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::string file_;
  // --plan, "plans/ID"; empty without it.
  std::string plan_;
  // --context, else --issuer-unit, "units/ID"; may be empty.
  std::string context_;
  // The review's unit names and how they resolved ("X → units/1 (…)").
  std::map<std::string, std::string> resolved_;
  // The review's line about unit resolution.
  std::string units_note_;
};

}  // namespace

std::string SummarizeSchedule(const cpb::Schedule& schedule) {
  std::vector<std::string> parts;
  for (const cpb::Milestone& milestone : schedule.milestones()) {
    std::string part = SummarizeMilestone(milestone);
    if (!part.empty()) parts.push_back(std::move(part));
  }
  if (!parts.empty()) return absl::StrJoin(parts, "; ");
  if (schedule.phrase().empty()) return "";
  return absl::StrCat("\"", schedule.phrase(), "\"");
}

int RunPlanImport(const ParsedArgs& args, const PlanImportTargets& targets, std::istream& in,
                  std::ostream& out, std::ostream& err) {
  return PlanImport(args, targets, in, out, err).Run();
}

}  // namespace chiso::chisoctl
