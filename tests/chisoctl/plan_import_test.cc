// "chisoctl plan import" against fake plan and assignment services started
// in-process on a free port of 127.0.0.1: the fakes record each request and
// answer with canned responses written here (not the document parser's), so
// the tests check what the command sends and prints whatever the parser
// currently reads.

#include "tools/chisoctl/plan_import.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/chisoctl/run_cli.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
namespace apb = chiso::assignment::v1;
namespace cpb = chiso::common::v1;
namespace ppb = chiso::plan::v1;
using google::protobuf::util::MessageDifferencer;

// Nothing listens on port 1: calls there fail at once with UNAVAILABLE.
constexpr char kNobody[] = "127.0.0.1:1";

// The document a test imports; the fake plan service does not read it.
constexpr char kDocument[] =
    "Số: 15/KH-STP\n\nKẾ HOẠCH\n\nNâng cao Chỉ số DDCI của Sở Tư pháp năm 2024\n";

class FakePlanService final : public ppb::PlanService::Service {
 public:
  grpc::Status ImportPlanDocument(grpc::ServerContext*,
                                  const ppb::ImportPlanDocumentRequest* request,
                                  ppb::ImportPlanDocumentResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(*request);
    if (!status.ok()) return status;
    *response = canned;
    if (request->commit()) response->mutable_plan()->set_name("plans/p1");
    return grpc::Status::OK;
  }

  std::mutex mu;
  grpc::Status status = grpc::Status::OK;
  ppb::ImportPlanDocumentResponse canned;
  std::vector<ppb::ImportPlanDocumentRequest> requests;
};

class FakeAssignmentService final : public apb::AssignmentService::Service {
 public:
  grpc::Status ResolveUnit(grpc::ServerContext*, const apb::ResolveUnitRequest* request,
                           apb::ResolveUnitResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    resolve_requests.push_back(*request);
    auto it = units.find(request->text());
    if (it != units.end()) {
      *response = it->second;
    } else {
      response->set_outcome(apb::RESOLUTION_OUTCOME_UNRESOLVED);
    }
    return grpc::Status::OK;
  }

  grpc::Status ImportTasks(grpc::ServerContext*, const apb::ImportTasksRequest* request,
                           apb::ImportTasksResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    import_requests.push_back(*request);
    if (!import_status.ok()) return import_status;
    *response = imported;
    return grpc::Status::OK;
  }

  std::mutex mu;
  // ResolveUnit's answer per text; other texts are unresolved.
  std::map<std::string, apb::ResolveUnitResponse> units;
  grpc::Status import_status = grpc::Status::OK;
  apb::ImportTasksResponse imported;
  std::vector<apb::ResolveUnitRequest> resolve_requests;
  std::vector<apb::ImportTasksRequest> import_requests;
};

apb::UnitCandidate Candidate(const std::string& unit, const std::string& name) {
  apb::UnitCandidate candidate;
  candidate.set_unit(unit);
  candidate.set_display_name(name);
  candidate.set_score(90);
  return candidate;
}

apb::ResolveUnitResponse Resolved(const std::string& unit, const std::string& name) {
  apb::ResolveUnitResponse response;
  response.set_outcome(apb::RESOLUTION_OUTCOME_RESOLVED);
  *response.add_candidates() = Candidate(unit, name);
  return response;
}

cpb::Date MakeDate(int year, int month, int day) {
  cpb::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

// What the plan service might read from a small DDCI plan of a department:
// one objective, three task drafts (a dated one, a collective one with two
// milestones, one whose timeframe is not a deadline) and two warnings.
ppb::ImportPlanDocumentResponse ParsedPlan() {
  ppb::ImportPlanDocumentResponse response;
  ppb::Plan* plan = response.mutable_plan();
  plan->set_number("15/KH-STP");
  plan->set_title("Nâng cao Chỉ số DDCI của Sở Tư pháp năm 2024");
  plan->mutable_issuer()->set_display_name("Sở Tư pháp");
  *plan->mutable_issued_on() = MakeDate(2024, 3, 12);
  plan->set_place("Hòa Bình");
  plan->mutable_period()->set_start_year(2024);
  plan->mutable_period()->set_end_year(2024);
  plan->mutable_signer()->set_full_name("Lê Văn Minh");
  plan->mutable_signer()->set_post("GIÁM ĐỐC");
  plan->set_status(ppb::PLAN_STATUS_DRAFT);
  cpb::DocumentRef* parent = plan->add_parent_plans();
  parent->set_title("Kế hoạch");
  parent->set_number("30/KH-UBND");
  *parent->mutable_issued_on() = MakeDate(2024, 1, 20);
  parent->mutable_issuer()->set_display_name("UBND tỉnh");
  ppb::Objective* objective = plan->add_objectives();
  objective->set_id("o1");
  objective->set_framework("DDCI");
  objective->set_component("TIME_COSTS");
  objective->set_measure(cpb::MEASURE_SCORE);
  objective->mutable_baseline()->set_year(2023);
  objective->mutable_baseline()->mutable_value()->set_value("6.10");
  objective->mutable_target()->set_year(2024);
  objective->mutable_target()->set_comparator(cpb::COMPARATOR_ABOVE);
  objective->mutable_target()->mutable_value()->set_value("7.50");
  ppb::ReportingRule* rule = plan->add_reporting_rules();
  rule->set_frequency(cpb::FREQUENCY_QUARTERLY);
  rule->set_day(25);
  rule->set_phrase("trước ngày 25 tháng cuối Quý");

  cpb::TaskDraft* dated = response.add_task_drafts();
  dated->set_objective_id("o1");
  dated->set_title("Rà soát thủ tục hành chính");
  dated->add_lead_units("Văn phòng Sở");
  dated->add_coordinating_units("Thanh tra Sở");
  dated->set_supervisor("Phó Giám đốc Sở phụ trách");
  cpb::Milestone* due = dated->mutable_schedule()->add_milestones();
  *due->mutable_due_date() = MakeDate(2024, 6, 30);
  due->set_phrase("hoàn thành trước ngày 30/6/2024");
  dated->mutable_schedule()->set_phrase("hoàn thành trước ngày 30/6/2024");
  dated->set_first_line(9);
  dated->set_last_line(11);

  cpb::TaskDraft* collective = response.add_task_drafts();
  collective->set_framework("DDCI");
  collective->set_component("TRANSPARENCY");
  collective->set_title("Công khai thủ tục trên Cổng thông tin");
  collective->add_lead_units("Các phòng chuyên môn");
  cpb::Milestone* quarter = collective->mutable_schedule()->add_milestones();
  quarter->mutable_period()->set_year(2024);
  quarter->mutable_period()->set_kind(cpb::CalendarPeriod::KIND_QUARTER);
  quarter->mutable_period()->set_index(1);
  quarter->set_label("Xây dựng kế hoạch");
  collective->mutable_schedule()->add_milestones()->mutable_continuous();
  collective->set_first_line(14);
  collective->set_last_line(16);
  collective->set_draft_id("L14-16");

  cpb::TaskDraft* undated = response.add_task_drafts();
  undated->set_title("Tuyên truyền về Chỉ số DDCI");
  undated->add_lead_units("Phòng Hành chính");
  undated->mutable_schedule()->set_phrase("Ngay từ đầu năm");
  undated->set_first_line(18);
  undated->set_last_line(18);

  ppb::ImportWarning* not_deadline = response.add_warnings();
  not_deadline->set_code("NOT_A_DEADLINE");
  not_deadline->set_message("\"Ngay từ đầu năm\" is not a deadline; no milestone");
  not_deadline->set_first_line(18);
  not_deadline->set_last_line(18);
  ppb::ImportWarning* no_funding = response.add_warnings();
  no_funding->set_code("NO_FUNDING");
  no_funding->set_message("no funding (Kinh phí) section");
  return response;
}

apb::UnitResolution Resolution(const std::string& text, apb::ResolutionOutcome outcome,
                               const std::string& unit = "", const std::string& name = "") {
  apb::UnitResolution resolution;
  resolution.set_text(text);
  resolution.set_outcome(outcome);
  if (!unit.empty()) {
    resolution.mutable_unit()->set_unit(unit);
    resolution.mutable_unit()->set_display_name(name);
  }
  return resolution;
}

// ImportTasks' verdict on ParsedPlan's drafts: a task for the first, a
// decision for the other two.
apb::ImportTasksResponse Imported() {
  apb::ImportTasksResponse response;
  apb::DraftResult* created = response.add_results();
  created->set_index(0);
  created->set_draft_id("L9-11");
  created->set_outcome(apb::DRAFT_OUTCOME_CREATED);
  created->add_tasks("tasks/t1");
  *created->add_lead_units() = Resolution("Văn phòng Sở", apb::RESOLUTION_OUTCOME_RESOLVED,
                                          "units/vp", "Văn phòng Sở Tư pháp");
  apb::DraftResult* collective = response.add_results();
  collective->set_index(1);
  collective->set_draft_id("L14-16");
  collective->set_outcome(apb::DRAFT_OUTCOME_NEEDS_DECISION);
  *collective->add_lead_units() =
      Resolution("Các phòng chuyên môn", apb::RESOLUTION_OUTCOME_COLLECTIVE);
  apb::ImportWarning* warning = collective->add_warnings();
  warning->set_code(apb::IMPORT_WARNING_CODE_COLLECTIVE_LEAD);
  warning->set_field("lead_units[0]");
  warning->set_message("lead \"Các phòng chuyên môn\" is collective");
  apb::DraftResult* ambiguous = response.add_results();
  ambiguous->set_index(2);
  ambiguous->set_draft_id("L18-18");
  ambiguous->set_outcome(apb::DRAFT_OUTCOME_NEEDS_DECISION);
  *ambiguous->add_lead_units() = Resolution("Phòng Hành chính", apb::RESOLUTION_OUTCOME_AMBIGUOUS);
  response.set_created_task_count(1);
  response.set_needs_decision_count(2);
  return response;
}

class PlanImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan_.canned = ParsedPlan();
    assignment_.units["Văn phòng Sở"] = Resolved("units/vp", "Văn phòng Sở Tư pháp");
    assignment_.units["Thanh tra Sở"] = Resolved("units/tt", "Thanh tra Sở Tư pháp");
    apb::ResolveUnitResponse collective;
    collective.set_outcome(apb::RESOLUTION_OUTCOME_COLLECTIVE);
    assignment_.units["Các phòng chuyên môn"] = collective;
    apb::ResolveUnitResponse ambiguous;
    ambiguous.set_outcome(apb::RESOLUTION_OUTCOME_AMBIGUOUS);
    *ambiguous.add_candidates() = Candidate("units/hc1", "Phòng Hành chính - Tổ chức");
    *ambiguous.add_candidates() = Candidate("units/hc2", "Phòng Hành chính tư pháp");
    assignment_.units["Phòng Hành chính"] = ambiguous;
    assignment_.imported = Imported();

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&plan_);
    builder.RegisterService(&assignment_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    addr_ = absl::StrCat("127.0.0.1:", port);
    assignment_addr_ = addr_;
    file_ = WriteFile("plan.txt", kDocument);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    for (const std::string& path : files_) std::remove(path.c_str());
  }

  std::string WriteFile(const std::string& name, const std::string& bytes) {
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/chisoctl-import-", ::getpid(), "-", name);
    std::ofstream(path, std::ios::binary) << bytes;
    files_.push_back(path);
    return path;
  }

  Result Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--addr=" + addr_, "--assignment-addr=" + assignment_addr_});
    return RunCli(args, Environment(), input);
  }

  FakePlanService plan_;
  FakeAssignmentService assignment_;
  std::unique_ptr<grpc::Server> server_;
  std::string addr_;
  std::string assignment_addr_;
  std::string file_;
  std::vector<std::string> files_;
};

TEST_F(PlanImportTest, ReviewSendsTheTextAndIssuerAndSavesNothing) {
  Result r = Run({"plan", "import", file_, "--issuer", "Sở Tư pháp", "--issuer-unit", "stp"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.err, IsEmpty());
  ASSERT_EQ(plan_.requests.size(), 1u);
  const ppb::ImportPlanDocumentRequest& sent = plan_.requests[0];
  EXPECT_EQ(sent.text(), kDocument);
  EXPECT_EQ(sent.issuer().display_name(), "Sở Tư pháp");
  EXPECT_EQ(sent.issuer().unit(), "units/stp");
  EXPECT_FALSE(sent.commit());
  EXPECT_THAT(assignment_.import_requests, IsEmpty());
}

TEST_F(PlanImportTest, ReviewShowsHeaderObjectivesDraftsAndWarnings) {
  Result r = Run({"plan", "import", file_, "--issuer-unit", "units/stp"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  for (const char* line : {
           "Number:        15/KH-STP\n",
           "Place:         Hòa Bình\n",
           "Issued on:     12/03/2024\n",
           "Period:        2024\n",
           "Signer:        GIÁM ĐỐC · Lê Văn Minh\n",
           "Implements:    Kế hoạch, 30/KH-UBND, 20/01/2024, UBND tỉnh\n",
           "Reports:       quarterly, day 25: \"trước ngày 25 tháng cuối Quý\"\n",
           "  o1  DDCI       TIME_COSTS  score    6.10 @2023  > 7.50 @2024\n",
           "  L9-11, lines 9–11: objective o1 (DDCI TIME_COSTS)\n",
           "    Title:         Rà soát thủ tục hành chính\n",
           "    Lead:          Văn phòng Sở → units/vp (Văn phòng Sở Tư pháp)\n",
           "    Coordinating:  Thanh tra Sở → units/tt (Thanh tra Sở Tư pháp)\n",
           "    Supervisor:    Phó Giám đốc Sở phụ trách\n",
           "    Timeframe:     trước 30/06/2024\n",
           "  L14-16, lines 14–16: DDCI TRANSPARENCY\n",
           "    Lead:       Các phòng chuyên môn → collective\n",
           "    Timeframe:  Xây dựng kế hoạch: Quý I/2024; thường xuyên\n",
           "  L18-18, line 18: general (no index)\n",
           "    Lead:       Phòng Hành chính → ambiguous; candidates: units/hc1 (Phòng Hành chính "
           "- Tổ chức), units/hc2 (Phòng Hành chính tư pháp)\n",
           "    Timeframe:  \"Ngay từ đầu năm\"\n",
           "  Units resolved by the assignment service within units/stp.\n",
           "Warnings (2):\n",
           "  NOT_A_DEADLINE  18     \"Ngay từ đầu năm\" is not a deadline; no milestone\n",
           "  NO_FUNDING             no funding (Kinh phí) section\n",
       }) {
    EXPECT_THAT(r.out, HasSubstr(line)) << line;
  }
  EXPECT_THAT(r.out, HasSubstr("\n1 objective, 3 task drafts, 2 warnings.\n"
                               "Nothing was saved. Re-run with --commit"));
  // Each distinct name once, within the issuer unit.
  ASSERT_EQ(assignment_.resolve_requests.size(), 4u);
  for (const apb::ResolveUnitRequest& request : assignment_.resolve_requests) {
    EXPECT_EQ(request.context_unit(), "units/stp");
  }
}

TEST_F(PlanImportTest, ReviewResolvesWithinContextOverIssuerUnit) {
  Result r =
      Run({"plan", "import", file_, "--issuer-unit", "units/stp", "--context", "units/tinh"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_FALSE(assignment_.resolve_requests.empty());
  EXPECT_EQ(assignment_.resolve_requests[0].context_unit(), "units/tinh");
}

TEST_F(PlanImportTest, ReviewGoesOnWhenTheAssignmentServiceIsDown) {
  assignment_addr_ = kNobody;
  Result r = Run({"plan", "import", file_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(
      r.out, HasSubstr(absl::StrCat("  Units not resolved: cannot reach the assignment service at ",
                                    kNobody, ". They are resolved when the tasks are created")));
  EXPECT_THAT(r.out, HasSubstr("    Lead:          Văn phòng Sở\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("→")));
  EXPECT_THAT(r.out, HasSubstr("1 objective, 3 task drafts, 2 warnings."));
}

TEST_F(PlanImportTest, DocxIsSentAsBytesByExtensionOrSignature) {
  const std::string zip("PK\x03\x04\x14\x00\x00\x00\xff\xfe", 10);
  for (const std::string& path : {WriteFile("scan.bin", zip), WriteFile("plan.DOCX", "x")}) {
    plan_.requests.clear();
    Result r = Run({"--json", "plan", "import", path});
    ASSERT_EQ(r.code, kExitOk) << r.err;
    ASSERT_EQ(plan_.requests.size(), 1u);
    EXPECT_EQ(plan_.requests[0].document_case(), ppb::ImportPlanDocumentRequest::kDocx) << path;
  }
  EXPECT_EQ(plan_.requests[0].docx(), "x");
}

TEST_F(PlanImportTest, StandardInputIsRead) {
  Result r = Run({"--json", "plan", "import", "-"}, kDocument);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(plan_.requests.size(), 1u);
  EXPECT_EQ(plan_.requests[0].text(), kDocument);
}

TEST_F(PlanImportTest, ReviewJsonIsTheResponse) {
  Result r = Run({"--json", "plan", "import", file_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ppb::ImportPlanDocumentResponse printed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &printed).ok()) << r.out;
  EXPECT_TRUE(MessageDifferencer::Equals(printed, ParsedPlan()));
  EXPECT_THAT(assignment_.resolve_requests, IsEmpty());
}

TEST_F(PlanImportTest, CommitSavesThePlanAndImportsTheDraftsUnchanged) {
  Result r = Run({"plan", "import", file_, "--commit", "--issuer-unit", "stp"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(plan_.requests.size(), 1u);
  EXPECT_TRUE(plan_.requests[0].commit());
  ASSERT_EQ(assignment_.import_requests.size(), 1u);
  const apb::ImportTasksRequest& sent = assignment_.import_requests[0];
  EXPECT_EQ(sent.plan(), "plans/p1");
  EXPECT_EQ(sent.context_unit(), "units/stp");
  EXPECT_FALSE(sent.validate_only());
  ASSERT_EQ(sent.drafts_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(sent.drafts(i), ParsedPlan().task_drafts(i))) << i;
  }

  EXPECT_THAT(r.out, StartsWith("Saved the plan as plans/p1 (draft), 15/KH-STP: 1 objective, 3 "
                                "task drafts, 2 warnings.\n"));
  for (const char* line : {
           "  DRAFT   LINES  OUTCOME         TASKS     LEAD\n",
           "  L9-11   9–11   created         tasks/t1  Văn phòng Sở → units/vp (Văn phòng Sở Tư "
           "pháp)\n",
           "  L14-16  14–16  needs-decision            Các phòng chuyên môn → collective\n",
           "  L18-18  18     needs-decision            Phòng Hành chính → ambiguous\n",
           "  L14-16  COLLECTIVE_LEAD  lead_units[0]  lead \"Các phòng chuyên môn\" is "
           "collective\n",
           "\n1 task created, 2 drafts need a decision.\n",
       }) {
    EXPECT_THAT(r.out, HasSubstr(line)) << line;
  }
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("chisoctl plan import ", file_,
                                            " --plan plans/p1 --context units/stp\n")));
}

TEST_F(PlanImportTest, CommitJsonPrintsBothResponses) {
  Result r = Run({"--json", "plan", "import", file_, "--commit"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  // Two objects, one after the other; the first closes at column 0.
  const size_t split = r.out.find("\n}\n");
  ASSERT_NE(split, std::string::npos) << r.out;
  ppb::ImportPlanDocumentResponse document;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(r.out.substr(0, split + 3), &document).ok());
  EXPECT_EQ(document.plan().name(), "plans/p1");
  apb::ImportTasksResponse tasks;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out.substr(split + 3), &tasks).ok())
      << r.out.substr(split + 3);
  EXPECT_EQ(tasks.created_task_count(), 1);
  // No context given: the service uses the plan's issuer unit.
  ASSERT_EQ(assignment_.import_requests.size(), 1u);
  EXPECT_EQ(assignment_.import_requests[0].context_unit(), "");
}

TEST_F(PlanImportTest, FailedTaskImportNamesTheSavedPlanAndHowToRetry) {
  assignment_.import_status = grpc::Status(grpc::StatusCode::NOT_FOUND, "context_unit: units/x");
  Result r = Run({"plan", "import", file_, "--commit", "--context", "x"});
  EXPECT_EQ(r.code, kExitNotFound);
  EXPECT_THAT(r.out, StartsWith("Saved the plan as plans/p1 (draft)"));
  EXPECT_THAT(r.err, StartsWith("chisoctl: NOT_FOUND: context_unit: units/x\n"
                                "chisoctl: the plan was saved as plans/p1 (draft), but no task "
                                "was created.\n"));
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("  chisoctl plan import ", file_,
                                            " --plan plans/p1 --context "
                                            "units/x\n")));

  assignment_addr_ = kNobody;
  r = Run({"plan", "import", file_, "--commit"});
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_THAT(r.err, HasSubstr("cannot reach the assignment service"));
  EXPECT_THAT(r.err, HasSubstr("--plan plans/p1\n"));
}

TEST_F(PlanImportTest, PlanFlagImportsTheTasksIntoAnExistingPlan) {
  Result r = Run({"plan", "import", file_, "--plan", "old"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(plan_.requests.size(), 1u);
  EXPECT_FALSE(plan_.requests[0].commit());
  ASSERT_EQ(assignment_.import_requests.size(), 1u);
  EXPECT_EQ(assignment_.import_requests[0].plan(), "plans/old");
  EXPECT_THAT(r.out, Not(HasSubstr("Saved")));
  EXPECT_THAT(r.out, HasSubstr("1 task created, 2 drafts need a decision."));
}

TEST_F(PlanImportTest, ADocumentWithoutDraftsCreatesNoTask) {
  plan_.canned.clear_task_drafts();
  Result r = Run({"plan", "import", file_, "--commit"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("no task to create"));
  EXPECT_THAT(assignment_.import_requests, IsEmpty());
}

TEST_F(PlanImportTest, RefusedCommitSaysWhatToDo) {
  plan_.status = grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "15/KH-STP is taken");
  Result r = Run({"plan", "import", file_, "--commit"});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, StartsWith("chisoctl: ALREADY_EXISTS: 15/KH-STP is taken\n"));
  EXPECT_THAT(r.err, HasSubstr("--plan NAME"));
  EXPECT_THAT(assignment_.import_requests, IsEmpty());

  plan_.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "text: not UTF-8");
  r = Run({"plan", "import", file_});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_EQ(r.err, "chisoctl: INVALID_ARGUMENT: text: not UTF-8\n");
}

TEST(SummarizeScheduleTest, EachKindOfMilestone) {
  cpb::Schedule schedule;
  EXPECT_EQ(SummarizeSchedule(schedule), "");
  schedule.set_phrase("Ngay từ đầu năm");
  EXPECT_EQ(SummarizeSchedule(schedule), "\"Ngay từ đầu năm\"");

  *schedule.add_milestones()->mutable_due_date() = MakeDate(2024, 4, 30);
  cpb::CalendarPeriod* half = schedule.add_milestones()->mutable_period();
  half->set_year(2024);
  half->set_kind(cpb::CalendarPeriod::KIND_HALF);
  half->set_index(1);
  cpb::CalendarPeriod* month = schedule.add_milestones()->mutable_period();
  month->set_year(2024);
  month->set_kind(cpb::CalendarPeriod::KIND_MONTH);
  month->set_index(9);
  cpb::Recurrence* yearly = schedule.add_milestones()->mutable_recurrence();
  yearly->set_frequency(cpb::FREQUENCY_ANNUAL);
  yearly->set_quarter(3);
  yearly->set_year_offset(-1);
  cpb::Recurrence* report = schedule.add_milestones()->mutable_recurrence();
  report->set_frequency(cpb::FREQUENCY_ANNUAL);
  report->set_month(12);
  report->set_day(15);
  cpb::Milestone* labelled = schedule.add_milestones();
  labelled->mutable_continuous();
  labelled->set_label("Theo dõi");
  schedule.add_milestones()->set_phrase("khi có yêu cầu");
  EXPECT_EQ(SummarizeSchedule(schedule),
            "trước 30/04/2024; 6 tháng đầu năm 2024; tháng 9/2024; Quý III hằng năm, năm trước "
            "liền kề năm kế hoạch; trước 15/12 hằng năm; Theo dõi: thường xuyên; khi có yêu cầu");
}

}  // namespace
}  // namespace chiso::chisoctl
