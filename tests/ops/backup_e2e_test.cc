// Backup and restore of the plan service's SQLite database end to end, across
// the real binaries: `chiso-db backup` while the service runs and writes,
// more writes, the service stopped, `chiso-db restore` into a new data
// directory, the service started there: what was written before the backup
// is there, what came after is not.
#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/ops/run_tool.h"
#include "tests/plan/plan_fixtures.h"
#include "tests/support/child_process.h"
#include "tests/support/service_process.h"

namespace chiso {
namespace {

namespace pv1 = chiso::plan::v1;
using test_support::Describe;
using test_support::MakeService;
using test_support::RunTool;
using test_support::ServiceChannel;
using test_support::ServiceProcess;
using test_support::ToolResult;

// A minimal valid draft plan titled `title`.
pv1::Plan Draft(const std::string& title) {
  pv1::Plan plan = plan::testing::MinimalDraft();
  plan.set_title(title);
  return plan;
}

class BackupEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/chiso-e2e-backup-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    for (const char* sub : {"/live", "/backups", "/restored"}) {
      ASSERT_EQ(mkdir((dir_ + sub).c_str(), 0755), 0);
    }
  }

  void TearDown() override {
    stub_.reset();
    for (ServiceProcess* s : {live_.get(), restored_.get()}) {
      if (s != nullptr) (void)s->process.Stop();
    }
    if (!dir_.empty()) (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  // Starts the plan service on the data directory `sub` and points stub_ at it.
  std::unique_ptr<ServiceProcess> Start(const std::string& sub) {
    auto s = MakeService("plan", CHISO_PLAN_BIN, dir_ + sub);
    if (!test_support::StartService(*s, dir_ + sub, {"--redis="})) return nullptr;
    stub_ = pv1::PlanService::NewStub(ServiceChannel(s->port));
    return s;
  }

  void Stop(std::unique_ptr<ServiceProcess>& s) {
    stub_.reset();
    // Sanitizer builds may exit 1 at SIGTERM (LeakSanitizer): not asserted.
    (void)s->process.Stop();
    s.reset();
  }

  grpc::Status CreatePlan(const std::string& title, std::string* name) {
    grpc::ClientContext ctx;
    pv1::CreatePlanRequest req;
    *req.mutable_plan() = Draft(title);
    pv1::Plan out;
    grpc::Status s = stub_->CreatePlan(&ctx, req, &out);
    *name = out.name();
    return s;
  }

  grpc::Status GetPlan(const std::string& name, pv1::Plan* out) {
    grpc::ClientContext ctx;
    pv1::GetPlanRequest req;
    req.set_name(name);
    return stub_->GetPlan(&ctx, req, out);
  }

  ToolResult ChisoDb(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CHISO_DB_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    ToolResult r = RunTool(argv);
    last_ = Describe(argv, r);
    return r;
  }

  std::string dir_;
  std::string last_;
  std::unique_ptr<ServiceProcess> live_;
  std::unique_ptr<ServiceProcess> restored_;
  std::unique_ptr<pv1::PlanService::Stub> stub_;
};

TEST_F(BackupEndToEndTest, BackupWhileRunningThenRestoreIntoANewDataDirectory) {
  live_ = Start("/live");
  ASSERT_NE(live_, nullptr);
  std::string before;
  ASSERT_TRUE(CreatePlan("Kế hoạch trước sao lưu", &before).ok());

  // The backup runs while a client keeps creating plans.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<int> failed{0};
  std::thread writer([&] {
    while (!stop.load()) {
      std::string name;
      (CreatePlan("Kế hoạch trong lúc sao lưu", &name).ok() ? written : failed).fetch_add(1);
    }
  });
  while (written.load() < 3) absl::SleepFor(absl::Milliseconds(5));
  const std::string backup = dir_ + "/backups/plan-1.db";
  ToolResult r = ChisoDb({"backup", "--database", dir_ + "/live/plan.db", "--to", backup});
  stop = true;
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_TRUE(absl::StrContains(r.output, "integrity ok")) << last_;
  EXPECT_EQ(failed.load(), 0) << "writes failed while the backup ran";

  std::string after;
  ASSERT_TRUE(CreatePlan("Kế hoạch sau sao lưu", &after).ok());
  pv1::Plan plan;
  ASSERT_TRUE(GetPlan(after, &plan).ok());

  // The schema version, read while the service runs.
  r = ChisoDb({"version", "--database", dir_ + "/live/plan.db"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  int version = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(r.output), &version)) << last_;
  EXPECT_GT(version, 0);
  r = ChisoDb({"verify", "--from", backup});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_TRUE(absl::StrContains(r.output, absl::StrCat("schema version ", version))) << last_;

  Stop(live_);
  r = ChisoDb({"restore", "--from", backup, "--database", dir_ + "/restored/plan.db"});
  ASSERT_EQ(r.exit_code, 0) << last_;

  restored_ = Start("/restored");
  ASSERT_NE(restored_, nullptr);
  ASSERT_TRUE(GetPlan(before, &plan).ok()) << "the plan written before the backup is missing";
  EXPECT_EQ(plan.title(), "Kế hoạch trước sao lưu");
  EXPECT_EQ(GetPlan(after, &plan).error_code(), grpc::StatusCode::NOT_FOUND)
      << "the plan written after the backup is there";
  // The restored service writes on.
  std::string again;
  EXPECT_TRUE(CreatePlan("Kế hoạch sau khôi phục", &again).ok());

  // A restore over the database of the running service is refused.
  r = ChisoDb({"restore", "--from", backup, "--database", dir_ + "/restored/plan.db"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_TRUE(absl::StrContains(r.output, "stop the service")) << last_;
  EXPECT_TRUE(GetPlan(again, &plan).ok());

  r = ChisoDb({"version", "--database", dir_ + "/restored/plan.db"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_EQ(r.output, absl::StrCat(version, "\n")) << last_;
}

}  // namespace
}  // namespace chiso
