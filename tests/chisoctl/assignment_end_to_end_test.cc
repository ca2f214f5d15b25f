// chisoctl against the real assignment and plan services, both started
// in-process on free ports of 127.0.0.1 (in-memory SQLite, built-in
// catalog), the assignment service on a fake clock: a fictional district's
// units imported from CSV, a plan created and issued, tasks entered with
// their timeframes as written, then the on-track/overdue split of the clock
// date in `task list`, `plan progress` and `unit summary`.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "common/text/text.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/assignment/assignment_service.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/plan_client.h"
#include "services/assignment/task_manager.h"
#include "services/assignment/unit_manager.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_service.h"
#include "services/plan/plan_store.h"
#include "tests/chisoctl/run_cli.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
namespace apb = chiso::assignment::v1;
namespace ppb = chiso::plan::v1;

// The units of a fictional district, children listed before their parent
// (the import orders them).
constexpr char kUnitsCsv[] =
    "code,name,kind,parent_code,aliases\n"
    "PVHTT-XL,Phòng Văn hóa và Thông tin,division,UBND-XL,Phòng VH-TT\n"
    "UBND-XL,UBND huyện Xuân Lâm,district-committee,,Ủy ban nhân dân huyện Xuân Lâm\n"
    "VP-XL,Văn phòng HĐND và UBND huyện,office,UBND-XL,VP HĐND và UBND huyện\n"
    "TCKH-XL,Phòng Tài chính - Kế hoạch,division,UBND-XL,Phòng TC-KH;TC-KH\n"
    "TTRA-XL,Thanh tra huyện,division,UBND-XL,\n"
    "CA-XL,Công an huyện,other-body,UBND-XL,\n";

// The clock date of the test: 15 May 2024, mid-morning in Vietnam.
const absl::CivilDay kToday(2024, 5, 15);

class AssignmentEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    absl::StatusOr<Catalog> catalog = Catalog::Builtin();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<Catalog>(*std::move(catalog));

    // The plan service, as services/plan/main.cc wires it.
    absl::StatusOr<std::unique_ptr<storage::Database>> plan_db =
        storage::OpenSqlite(storage::SqliteOptions{.path = ":memory:"});
    ASSERT_TRUE(plan_db.ok()) << plan_db.status();
    plan_db_ = *std::move(plan_db);
    ASSERT_TRUE(storage::Migrate(*plan_db_, plan::PlanMigrations()).ok());
    plan_store_ = plan::NewSqlPlanStore(plan_db_.get());
    plan_manager_ = std::make_unique<plan::PlanManager>(
        plan_store_.get(), catalog_.get(), civil::Clock::Real(), &ids_, /*metrics=*/nullptr);
    plan_service_ = std::make_unique<plan::PlanServiceImpl>(plan_manager_.get());
    plan_server_ = StartServer("plan", ppb::PlanService::service_full_name(), plan_service_.get());
    ASSERT_NE(plan_server_, nullptr);
    plan_addr_ = absl::StrCat("127.0.0.1:", plan_server_->port());

    // The assignment service on the fake clock, calling the plan service.
    clock_.Set(civil::StartOfBusinessDay(kToday) + absl::Hours(9));
    absl::StatusOr<std::unique_ptr<storage::Database>> db =
        storage::OpenSqlite(storage::SqliteOptions{.path = ":memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(storage::Migrate(*db_, assignment::AssignmentMigrations()).ok());
    store_ = assignment::NewSqlAssignmentStore(db_.get());
    plans_ = assignment::NewGrpcPlanClient(
        grpc::CreateChannel(plan_addr_, grpc::InsecureChannelCredentials()));
    units_ = std::make_unique<assignment::UnitManager>(store_.get(), &clock_, &ids_);
    tasks_ = std::make_unique<assignment::TaskManager>(store_.get(), plans_.get(), catalog_.get(),
                                                       &clock_, &ids_);
    service_ = std::make_unique<assignment::AssignmentServiceImpl>(units_.get(), tasks_.get());
    server_ =
        StartServer("assignment", apb::AssignmentService::service_full_name(), service_.get());
    ASSERT_NE(server_, nullptr);
    addr_ = absl::StrCat("127.0.0.1:", server_->port());
  }

  void TearDown() override {
    for (Server* server : {server_.get(), plan_server_.get()}) {
      if (server != nullptr) {
        server->Shutdown();
        server->Wait();
      }
    }
    for (const std::string& path : files_) std::remove(path.c_str());
    log::SetOutput(nullptr);
  }

  std::unique_ptr<Server> StartServer(const std::string& name, const std::string& full_name,
                                      grpc::Service* service) {
    ServerOptions options;
    options.service_name = name;
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(options, {{full_name, service}}, std::make_shared<prometheus::Registry>(),
                      []() { return absl::OkStatus(); });
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    // Unique per process: ctest runs the tests of this file in parallel.
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/chisoctl-", ::getpid(), "-", name);
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }

  Result Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--addr=" + plan_addr_, "--assignment-addr=" + addr_});
    return RunCli(args, Environment(), input);
  }

  // Runs a command with --json, expects success, and parses what it prints.
  template <typename Message>
  Message RunJson(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "--json");
    Result r = Run(std::move(args), input);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    Message message;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &message).ok()) << r.out;
    return message;
  }

  std::string UnitOf(const std::string& code) {
    apb::ListUnitsResponse units =
        RunJson<apb::ListUnitsResponse>({"unit", "list", "--code", code});
    EXPECT_EQ(units.units_size(), 1) << code;
    return units.units_size() == 1 ? units.units(0).name() : "";
  }

  std::ostringstream logs_;
  std::unique_ptr<Catalog> catalog_;
  IdGenerator ids_;
  civil::FakeClock clock_;
  std::unique_ptr<storage::Database> plan_db_;
  std::unique_ptr<plan::PlanStore> plan_store_;
  std::unique_ptr<plan::PlanManager> plan_manager_;
  std::unique_ptr<plan::PlanServiceImpl> plan_service_;
  std::unique_ptr<Server> plan_server_;
  std::string plan_addr_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<assignment::AssignmentStore> store_;
  std::unique_ptr<assignment::PlanClient> plans_;
  std::unique_ptr<assignment::UnitManager> units_;
  std::unique_ptr<assignment::TaskManager> tasks_;
  std::unique_ptr<assignment::AssignmentServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::string addr_;
  std::vector<std::string> files_;
};

// Every line of a table has `cell` starting at the same terminal column as
// the heading `header`.
void ExpectAlignedUnder(const std::string& table, const std::string& header,
                        const std::vector<std::string>& cells) {
  std::vector<std::string> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  ASSERT_FALSE(lines.empty());
  const size_t at = lines[0].find(header);
  ASSERT_NE(at, std::string::npos) << table;
  const int column = text::DisplayWidth(lines[0].substr(0, at));
  for (const std::string& cell : cells) {
    bool found = false;
    for (const std::string& line : lines) {
      const size_t pos = line.find(cell);
      if (pos == std::string::npos) continue;
      found = true;
      EXPECT_EQ(text::DisplayWidth(line.substr(0, pos)), column) << line;
    }
    EXPECT_TRUE(found) << cell << " not in\n" << table;
  }
}

TEST_F(AssignmentEndToEndTest, ImportRefusesTheWholeFileWhenARowIsBad) {
  const std::string bad =
      WriteFile("bad_units.csv", absl::StrCat(kUnitsCsv,
                                              "XA-XL,Xã Tân Hòa,hamlet,UBND-XL,\n"
                                              "TO-XL,Tổ công tác,other-body,KHONG-CO,\n"));
  Result r = Run({"unit", "import", bad});
  EXPECT_EQ(r.code, kExitRefused) << r.err;
  EXPECT_THAT(r.err, HasSubstr("bad_units.csv: line 8: kind: unknown value \"hamlet\""));
  EXPECT_THAT(r.err, HasSubstr("bad_units.csv: line 9: parent_code KHONG-CO is neither in the "
                               "file nor in the directory"));
  EXPECT_THAT(r.err, HasSubstr("2 bad rows; nothing was created"));
  EXPECT_THAT(Run({"unit", "list"}).out, HasSubstr("No units."));

  // With --skip-invalid the good rows go in, parents first.
  r = Run({"unit", "import", bad, "--skip-invalid"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Created 6 units; skipped 2 bad rows."));

  // Importing again: every code is taken.
  r = Run({"unit", "import", WriteFile("units.csv", kUnitsCsv)});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, HasSubstr("units.csv: line 3: code UBND-XL is already in the directory"));
}

TEST_F(AssignmentEndToEndTest, TasksOfADistrictPlanAndTheirTimeliness) {
  // Units from CSV, children before their parent in the file.
  Result imported = Run({"unit", "import", WriteFile("units.csv", kUnitsCsv)});
  ASSERT_EQ(imported.code, kExitOk) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("Created 6 units."));
  const std::string ubnd = UnitOf("UBND-XL");
  const std::string tckh = UnitOf("TCKH-XL");
  const std::string ttra = UnitOf("TTRA-XL");
  const std::string ca = UnitOf("CA-XL");
  const std::string vp = UnitOf("VP-XL");
  const std::string vhtt = UnitOf("PVHTT-XL");
  apb::Unit district = RunJson<apb::Unit>({"unit", "get", "UBND-XL"});
  EXPECT_EQ(district.display_name(), "UBND huyện Xuân Lâm");
  EXPECT_EQ(RunJson<apb::Unit>({"unit", "get", tckh}).parent(), ubnd);

  // The children's table lines up Vietnamese names.
  Result children = Run({"unit", "list", "--parent", "UBND-XL"});
  ASSERT_EQ(children.code, kExitOk) << children.err;
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(children.out, '\n', absl::SkipEmpty())).size(),
            6u)
      << children.out;
  ExpectAlignedUnder(children.out, "DISPLAY NAME",
                     {"Phòng Văn hóa và Thông tin", "Văn phòng HĐND và UBND huyện",
                      "Phòng Tài chính - Kế hoạch", "Thanh tra huyện", "Công an huyện"});
  ExpectAlignedUnder(children.out, "ALIASES", {"Phòng VH-TT", "VP HĐND và UBND huyện"});
  EXPECT_EQ(RunJson<apb::ListUnitsResponse>({"unit", "list", "--text", "phong tc-kh"}).units_size(),
            1);
  apb::ResolveUnitResponse resolved =
      RunJson<apb::ResolveUnitResponse>({"unit", "resolve", "Phòng TC-KH", "--context", "UBND-XL"});
  EXPECT_EQ(resolved.outcome(), apb::RESOLUTION_OUTCOME_RESOLVED);
  ASSERT_GT(resolved.candidates_size(), 0);
  EXPECT_EQ(resolved.candidates(0).unit(), tckh);

  // A plan of the district, created and issued with the plan commands.
  ppb::Plan plan =
      RunJson<ppb::Plan>({"plan", "create", "-f", "-"},
                         absl::StrCat("title: Kế hoạch nâng cao hiệu quả công tác năm 2024\n"
                                      "issuer: {display_name: UBND huyện Xuân Lâm, unit: ",
                                      ubnd, "}\nperiod: {start_year: 2024, end_year: 2024}\n"));
  ASSERT_THAT(plan.name(), StartsWith("plans/"));
  Result issued =
      Run({"plan", "issue", plan.name(), "--number=07/KH-UBND", "--issued-on=12/01/2024"});
  ASSERT_EQ(issued.code, kExitOk) << issued.err;

  // Tasks with their timeframes exactly as written, leads by name or code,
  // supervisors as posts.
  struct Entry {
    std::string title;
    std::string lead;
    std::string timeframe;
    std::string lead_unit;
    std::vector<std::string> extra;
  };
  const std::string post = "Phó Chủ tịch UBND huyện phụ trách khối kinh tế";
  const std::vector<Entry> entries = {
      {"Rà soát danh mục dự án đầu tư công",
       "Phòng TC-KH",
       "hoàn thành trước ngày 30/4/2024",
       tckh,
       {}},
      {"Kiểm tra việc thực hiện quy chế dân chủ",
       "Thanh tra huyện",
       "trong Quý I/2024",
       ttra,
       {"--coordinating", "Công an huyện"}},
      {"Cập nhật văn bản lên cổng thông tin điện tử",
       "Văn phòng HĐND và UBND huyện",
       "Ngay từ đầu năm và triển khai thực hiện thường xuyên trong năm",
       vp,
       {}},
      {"Tổ chức tuyên truyền về cải cách hành chính",
       "Phòng Văn hóa và Thông tin",
       "Xây dựng kế hoạch trong Quý I/2024, triển khai xong trước 30/9/2024",
       vhtt,
       {"--deliverable", "Kế hoạch tuyên truyền"}},
      {"Tổng hợp dự toán bổ sung giữa năm", "TCKH-XL", "hoàn thành trước ngày 30/6/2024", tckh, {}},
  };
  std::vector<std::string> task;
  for (const Entry& entry : entries) {
    std::vector<std::string> args = {"task",         "create",    "--plan",      plan.name(),
                                     "--title",      entry.title, "--lead",      entry.lead,
                                     "--supervisor", post,        "--timeframe", entry.timeframe};
    args.insert(args.end(), entry.extra.begin(), entry.extra.end());
    apb::Task created = RunJson<apb::Task>(args);
    EXPECT_EQ(created.schedule().phrase(), entry.timeframe);
    EXPECT_EQ(created.lead_unit().unit(), entry.lead_unit) << entry.title;
    EXPECT_EQ(created.supervisor_post(), post);
    EXPECT_EQ(created.status(), apb::TASK_STATUS_NOT_STARTED);
    task.push_back(created.name());
  }
  ASSERT_EQ(task.size(), 5u);
  apb::Task coordinated = RunJson<apb::Task>({"task", "show", task[1]});
  ASSERT_EQ(coordinated.coordinating_units_size(), 1);
  EXPECT_EQ(coordinated.coordinating_units(0).unit(), ca);

  // On 15/05/2024: the tasks due by 30/4 and in Quý I are overdue, and so is
  // the two-step task whose first step was due in Quý I; the continuous task
  // and the one due 30/6 are on track.
  apb::ListTasksResponse overdue = RunJson<apb::ListTasksResponse>(
      {"task", "list", "--plan", plan.name(), "--timeliness", "overdue"});
  std::vector<std::string> overdue_names;
  for (const apb::Task& t : overdue.tasks()) overdue_names.push_back(t.name());
  EXPECT_THAT(overdue_names, ::testing::UnorderedElementsAre(task[0], task[1], task[3]));
  Result overdue_table = Run({"task", "list", "--timeliness=overdue"});
  ASSERT_EQ(overdue_table.code, kExitOk) << overdue_table.err;
  EXPECT_THAT(overdue_table.out, StartsWith("NAME"));
  EXPECT_THAT(overdue_table.out, HasSubstr("trong Quý I/2024"));
  ExpectAlignedUnder(overdue_table.out, "TITLE",
                     {"Rà soát danh mục dự án đầu tư công", "Tổ chức tuyên truyền"});
  apb::ListTasksResponse on_track = RunJson<apb::ListTasksResponse>(
      {"task", "list", "--plan", plan.name(), "--timeliness", "on-track,due-soon"});
  EXPECT_EQ(on_track.tasks_size(), 2);

  apb::PlanSummary progress = RunJson<apb::PlanSummary>({"plan", "progress", plan.name()});
  EXPECT_EQ(progress.tasks().total(), 5);
  EXPECT_EQ(progress.tasks().overdue(), 3);
  EXPECT_EQ(progress.tasks().on_track() + progress.tasks().due_soon(), 2);
  Result progress_table = Run({"plan", "progress", plan.name()});
  ASSERT_EQ(progress_table.code, kExitOk) << progress_table.err;
  EXPECT_THAT(progress_table.out, HasSubstr("Accountability:"));
  EXPECT_THAT(progress_table.out, HasSubstr("Phòng TC-KH"));

  apb::UnitSummary tckh_summary = RunJson<apb::UnitSummary>({"unit", "summary", "TCKH-XL"});
  EXPECT_EQ(tckh_summary.unit(), tckh);
  EXPECT_EQ(tckh_summary.lead_tasks().overdue(), 1);
  EXPECT_EQ(tckh_summary.lead_tasks().on_track() + tckh_summary.lead_tasks().due_soon(), 1);
  ASSERT_EQ(tckh_summary.overdue_tasks_size(), 1);
  EXPECT_EQ(tckh_summary.overdue_tasks(0).task(), task[0]);
  EXPECT_EQ(tckh_summary.overdue_tasks(0).days_overdue(), 15);
  apb::UnitSummary ca_summary = RunJson<apb::UnitSummary>({"unit", "summary", ca});
  EXPECT_EQ(ca_summary.coordinating_tasks().overdue(), 1);
  Result summary_table = Run({"unit", "summary", "TCKH-XL"});
  ASSERT_EQ(summary_table.code, kExitOk) << summary_table.err;
  EXPECT_THAT(summary_table.out, HasSubstr("tasks led"));
  EXPECT_THAT(summary_table.out, HasSubstr("Overdue tasks (1):"));

  // Reports: progress from the lead, completion with evidence, a cancel.
  apb::ReportProgressResponse reported = RunJson<apb::ReportProgressResponse>(
      {"task", "report", task[4], "--percent", "40", "--by", "Phòng TC-KH", "--note",
       "Đã tổng hợp số liệu của các xã"});
  EXPECT_EQ(reported.task().percent_complete(), 40);
  EXPECT_EQ(reported.task().status(), apb::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ(reported.progress_report().reporting_unit(), tckh);

  // A unit that neither leads nor coordinates is refused; so is completing
  // without evidence.
  EXPECT_EQ(Run({"task", "report", task[2], "--percent=10", "--by=CA-XL"}).code, kExitRefused);
  Result no_evidence = Run({"task", "complete", task[3], "--by", "PVHTT-XL"});
  EXPECT_EQ(no_evidence.code, kExitRefused) << no_evidence.err;

  apb::ReportProgressResponse completed = RunJson<apb::ReportProgressResponse>(
      {"task", "complete", task[1], "--by", "Thanh tra huyện", "--evidence", "21/BC-TTr",
       "--evidence", "https://xuanlam.example.vn/bao-cao"});
  EXPECT_EQ(completed.task().status(), apb::TASK_STATUS_DONE);
  EXPECT_EQ(completed.task().timeliness(), apb::TIMELINESS_DONE_LATE);
  EXPECT_EQ(completed.progress_report().evidence_size(), 2);

  Result cancelled =
      Run({"task", "cancel", task[0], "--reason", "Gộp vào nhiệm vụ rà soát cuối năm"});
  ASSERT_EQ(cancelled.code, kExitOk) << cancelled.err;
  EXPECT_THAT(cancelled.out, HasSubstr("cancelled"));
  EXPECT_THAT(cancelled.out, HasSubstr("Gộp vào nhiệm vụ rà soát cuối năm"));

  // The split after them: one overdue task left (the two-step one).
  overdue = RunJson<apb::ListTasksResponse>({"task", "list", "--timeliness", "overdue"});
  ASSERT_EQ(overdue.tasks_size(), 1);
  EXPECT_EQ(overdue.tasks(0).name(), task[3]);
  progress = RunJson<apb::PlanSummary>({"plan", "progress", plan.name()});
  EXPECT_EQ(progress.tasks().overdue(), 1);
  EXPECT_EQ(progress.tasks().done_late(), 1);
  EXPECT_EQ(progress.tasks().cancelled(), 1);
  EXPECT_EQ(progress.tasks().on_track() + progress.tasks().due_soon(), 2);
  apb::UnitSummary district_summary =
      RunJson<apb::UnitSummary>({"unit", "summary", "UBND-XL", "--subtree"});
  EXPECT_EQ(district_summary.lead_tasks().overdue(), 1);
  EXPECT_EQ(district_summary.lead_tasks().done_late(), 1);

  // The two-step task shows both steps.
  Result shown = Run({"task", "show", task[3]});
  ASSERT_EQ(shown.code, kExitOk) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("Occurrences (2):"));
  EXPECT_THAT(shown.out, HasSubstr("30/09/2024"));
  EXPECT_THAT(shown.out, HasSubstr("Kế hoạch tuyên truyền"));

  // Unknown names: NOT_FOUND, exit 3.
  Result missing = Run({"task", "show", "01aaaaaaaaaaaaaaaaaaaaaaaa"});
  EXPECT_EQ(missing.code, kExitNotFound) << missing.err;
  EXPECT_THAT(missing.err, StartsWith("chisoctl: NOT_FOUND: "));
  EXPECT_THAT(missing.out, IsEmpty());
}

}  // namespace
}  // namespace chiso::chisoctl
