// "chisoctl plan import" end to end across the real plan and assignment
// binaries, run as child processes: a department's small DDCI plan, written
// here, is reviewed (its objective, its task draft, the units it names
// resolved within the department), then committed, and the task it gives the
// department's office is read back from the assignment service.
//
// The document parser is still growing, so the checks stay with what this
// document says plainly: its number, one objective "đạt trên 7,50 điểm", one
// task led by "Văn phòng Sở" with "Thanh tra Sở", due "trước ngày 30/6/2024".

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/chisoctl/run_cli.h"
#include "tests/support/child_process.h"
#include "tests/support/service_process.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {
namespace {

using test_support::MakeService;
using test_support::ServiceChannel;
using test_support::ServiceProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
namespace apb = chiso::assignment::v1;

constexpr char kDocument[] =
    "UBND TỈNH HÒA BÌNH\n"
    "SỞ TƯ PHÁP\n\n"
    "Số: 15/KH-STP\n\n"
    "Hòa Bình, ngày 12 tháng 3 năm 2024\n\n"
    "KẾ HOẠCH\n\n"
    "Nâng cao Chỉ số DDCI của Sở Tư pháp năm 2024\n\n"
    "II. NỘI DUNG VÀ PHÂN CÔNG NHIỆM VỤ\n\n"
    "1. Chỉ số “Chi phí thời gian”\n\n"
    "- Chỉ tiêu phấn đấu năm 2024: đạt trên 7,50 điểm (Năm 2023 được 6,10 điểm).\n\n"
    "- Giao Văn phòng Sở chủ trì, phối hợp với Thanh tra Sở rà soát, cắt giảm thời gian "
    "giải quyết thủ tục hành chính.\n\n"
    "* Thời gian thực hiện: hoàn thành trước ngày 30/6/2024.\n\n"
    "GIÁM ĐỐC\n\n"
    "Lê Văn Minh\n";

class PlanImportEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/chiso-e2e-import-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    plan_ = MakeService("plan", CHISO_PLAN_BIN, dir_);
    assignment_ = MakeService("assignment", CHISO_ASSIGNMENT_BIN, dir_);
    ASSERT_TRUE(test_support::StartService(*plan_, dir_, {}));
    ASSERT_TRUE(test_support::StartService(*assignment_, dir_,
                                           {absl::StrCat("--plan_addr=127.0.0.1:", plan_->port)}));
    directory_ = apb::AssignmentService::NewStub(ServiceChannel(assignment_->port));

    department_ = CreateUnit("STP", "Sở Tư pháp", apb::UNIT_KIND_DEPARTMENT, "");
    office_ = CreateUnit("VP-STP", "Văn phòng Sở Tư pháp", apb::UNIT_KIND_OFFICE, department_);
    inspectorate_ =
        CreateUnit("TTR-STP", "Thanh tra Sở Tư pháp", apb::UNIT_KIND_DIVISION, department_);
    // Another department with an office and an inspectorate of its own:
    // "Văn phòng Sở" means the issuer's.
    const std::string other = CreateUnit("SNV", "Sở Nội vụ", apb::UNIT_KIND_DEPARTMENT, "");
    CreateUnit("VP-SNV", "Văn phòng Sở Nội vụ", apb::UNIT_KIND_OFFICE, other);
    CreateUnit("TTR-SNV", "Thanh tra Sở Nội vụ", apb::UNIT_KIND_DIVISION, other);

    file_ = absl::StrCat(dir_, "/ke-hoach-15.txt");
    std::ofstream(file_) << kDocument;
  }

  void TearDown() override {
    // Close our connection first: a server shutting down waits seconds for
    // connected clients to go away.
    directory_.reset();
    for (ServiceProcess* s : {assignment_.get(), plan_.get()}) {
      if (s != nullptr) (void)s->process.Stop();
    }
    if (!dir_.empty()) (void)std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  std::string CreateUnit(const std::string& code, const std::string& name, apb::UnitKind kind,
                         const std::string& parent) {
    return test_support::CreateUnit(*directory_, code, name, kind, parent);
  }

  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(), {absl::StrCat("--addr=127.0.0.1:", plan_->port),
                               absl::StrCat("--assignment-addr=127.0.0.1:", assignment_->port)});
    return RunCli(args, Environment());
  }

  // The tasks the office leads.
  std::vector<apb::Task> OfficeTasks() {
    grpc::ClientContext ctx;
    apb::ListTasksRequest request;
    request.mutable_filter()->set_unit(office_);
    request.mutable_filter()->set_unit_role(apb::UNIT_ROLE_LEAD);
    apb::ListTasksResponse response;
    grpc::Status status = directory_->ListTasks(&ctx, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.tasks().begin(), response.tasks().end()};
  }

  std::string dir_;
  std::unique_ptr<ServiceProcess> plan_;
  std::unique_ptr<ServiceProcess> assignment_;
  std::unique_ptr<apb::AssignmentService::Stub> directory_;
  std::string department_;
  std::string office_;
  std::string inspectorate_;
  std::string file_;
};

TEST_F(PlanImportEndToEndTest, ReviewShowsTheObjectiveTheDraftAndItsUnits) {
  Result r = Run({"plan", "import", file_, "--issuer", "Sở Tư pháp", "--issuer-unit", department_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Number:        15/KH-STP\n"));
  EXPECT_THAT(r.out, HasSubstr("Objectives (1):"));
  EXPECT_THAT(r.out, HasSubstr("TIME_COSTS"));
  EXPECT_THAT(r.out, HasSubstr("> 7.50 @2024"));
  EXPECT_THAT(r.out, HasSubstr("Task drafts (1):"));
  EXPECT_THAT(r.out,
              HasSubstr(absl::StrCat("Văn phòng Sở → ", office_, " (Văn phòng Sở Tư pháp)")));
  EXPECT_THAT(r.out,
              HasSubstr(absl::StrCat("Thanh tra Sở → ", inspectorate_, " (Thanh tra Sở Tư pháp)")));
  EXPECT_THAT(r.out, HasSubstr("trước 30/06/2024"));
  EXPECT_THAT(r.out, HasSubstr("1 objective, 1 task draft, "));
  EXPECT_THAT(r.out, HasSubstr("Re-run with --commit"));

  // Nothing was saved.
  EXPECT_THAT(Run({"plan", "list"}).out, HasSubstr("No plans."));
  EXPECT_TRUE(OfficeTasks().empty());
}

TEST_F(PlanImportEndToEndTest, ReviewWorksWithOnlyThePlanServiceUp) {
  directory_.reset();
  ASSERT_TRUE(assignment_->process.Stop().ok());
  Result r = Run({"plan", "import", file_, "--issuer-unit", department_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Units not resolved: cannot reach the assignment service"));
  EXPECT_THAT(r.out, Not(HasSubstr("→")));
  EXPECT_THAT(r.out, HasSubstr("1 objective, 1 task draft, "));
}

TEST_F(PlanImportEndToEndTest, CommitSavesThePlanAndCreatesTheTaskOnce) {
  Result r = Run({"plan", "import", file_, "--commit", "--issuer", "Sở Tư pháp", "--issuer-unit",
                  department_});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, StartsWith("Saved the plan as plans/"));
  EXPECT_THAT(r.out, HasSubstr("1 task created, 0 drafts need a decision."));

  std::vector<apb::Task> tasks = OfficeTasks();
  ASSERT_EQ(tasks.size(), 1u);
  const apb::Task& task = tasks[0];
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("Saved the plan as ", task.plan(), " (draft)")));
  EXPECT_EQ(task.lead_unit().unit(), office_);
  ASSERT_EQ(task.coordinating_units_size(), 1);
  EXPECT_EQ(task.coordinating_units(0).unit(), inspectorate_);
  EXPECT_EQ(task.next_due_date().year(), 2024);
  EXPECT_EQ(task.next_due_date().month(), 6);
  EXPECT_EQ(task.next_due_date().day(), 30);
  EXPECT_THAT(task.source_draft_id(), Not(::testing::IsEmpty()));

  // Importing the tasks again into the saved plan creates nothing new.
  r = Run({"plan", "import", file_, "--plan", task.plan()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("already-imported"));
  EXPECT_THAT(r.out, HasSubstr("0 tasks created, 0 drafts need a decision."));
  EXPECT_EQ(OfficeTasks().size(), 1u);

  // The plan itself cannot be committed twice: the hint names --plan.
  r = Run({"plan", "import", file_, "--commit", "--issuer", "Sở Tư pháp", "--issuer-unit",
           department_});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, StartsWith("chisoctl: ALREADY_EXISTS: "));
  EXPECT_THAT(r.err, HasSubstr("--plan NAME"));
}

}  // namespace
}  // namespace chiso::chisoctl
