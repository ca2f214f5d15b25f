// chisoctl against the real plan service, started in-process as
// services/plan/main.cc wires it (in-memory SQLite, built-in catalog) and
// listening on a free port of 127.0.0.1.

#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_service.h"
#include "services/plan/plan_store.h"
#include "tests/chisoctl/run_cli.h"
#include "tools/chisoctl/cli.h"

namespace chiso::chisoctl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
namespace pb = chiso::plan::v1;

const std::string kYamlFixture = std::string(CHISOCTL_TESTDATA) + "/ddci_2020_sxd.yaml";
const std::string kJsonFixture = std::string(CHISOCTL_TESTDATA) + "/ddci_2020_sxd.json";

class ChisoctlEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    absl::StatusOr<Catalog> catalog = Catalog::Builtin();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<Catalog>(*std::move(catalog));
    absl::StatusOr<std::unique_ptr<storage::Database>> db =
        storage::OpenSqlite(storage::SqliteOptions{.path = ":memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(storage::Migrate(*db_, plan::PlanMigrations()).ok());
    store_ = plan::NewSqlPlanStore(db_.get());
    manager_ = std::make_unique<plan::PlanManager>(
        store_.get(), catalog_.get(), civil::Clock::Real(), &ids_, /*metrics=*/nullptr);
    service_ = std::make_unique<plan::PlanServiceImpl>(manager_.get());

    ServerOptions options;
    options.service_name = "plan";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(
        options, {{pb::PlanService::service_full_name(), service_.get()}},
        std::make_shared<prometheus::Registry>(), [this]() -> absl::Status {
          return healthy_ ? absl::OkStatus() : absl::UnavailableError("database down");
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
    addr_ = absl::StrCat("127.0.0.1:", server_->port());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
      server_->Wait();
    }
    log::SetOutput(nullptr);
  }

  Result Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "--addr=" + addr_);
    return RunCli(args, Environment(), input);
  }

  // Runs a command with --json and parses the plan it prints.
  pb::Plan RunForPlan(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "--json");
    Result r = Run(std::move(args), input);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    pb::Plan plan;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &plan).ok()) << r.out;
    return plan;
  }

  pb::ListPlansResponse RunForList(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    Result r = Run(std::move(args));
    EXPECT_EQ(r.code, kExitOk) << r.err;
    pb::ListPlansResponse response;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &response).ok()) << r.out;
    return response;
  }

  std::ostringstream logs_;
  std::unique_ptr<Catalog> catalog_;
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<plan::PlanStore> store_;
  std::unique_ptr<plan::PlanManager> manager_;
  std::unique_ptr<plan::PlanServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::atomic<bool> healthy_{true};
  std::string addr_;
};

TEST_F(ChisoctlEndToEndTest, CreateListIssueAndCloseTheDdciPlan) {
  // Create from the YAML fixture: a draft with eight DDCI objectives.
  Result created = Run({"plan", "create", "-f", kYamlFixture});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  EXPECT_THAT(created.err, IsEmpty());
  EXPECT_THAT(created.out, HasSubstr("Status:        draft\n"));
  EXPECT_THAT(created.out, HasSubstr("Issuer:        Sở Xây dựng tỉnh Lạng Sơn\n"));
  EXPECT_THAT(created.out, HasSubstr("Objectives (8):\n"));
  for (const char* component :
       {"TRANSPARENCY", "TIME_COSTS", "INFORMAL_CHARGES", "EQUAL_COMPETITION", "BUSINESS_SUPPORT",
        "LEGAL_INSTITUTIONS", "LEADERSHIP", "DYNAMISM"}) {
    EXPECT_THAT(created.out, HasSubstr(absl::StrCat("DDCI       ", component))) << component;
  }
  EXPECT_THAT(created.out, HasSubstr("6.42 @2019, rank 17/23"));
  EXPECT_THAT(created.out, HasSubstr("> 7.50 @2020"));
  EXPECT_THAT(created.out, HasSubstr("> 5.50 @2020"));

  // The name is the first line of the plan view.
  const std::string first_line = created.out.substr(0, created.out.find('\n'));
  ASSERT_THAT(first_line, StartsWith("Name:"));
  const std::string name(absl::StripAsciiWhitespace(first_line.substr(5)));
  ASSERT_THAT(name, StartsWith("plans/"));
  const std::string id = name.substr(6);

  // Get by bare id, as JSON: snake_case names, decimals as written.
  Result got = Run({"--json", "plan", "get", id});
  ASSERT_EQ(got.code, kExitOk) << got.err;
  EXPECT_THAT(got.out, HasSubstr("\"rank_of\": 23"));
  EXPECT_THAT(got.out, HasSubstr("\"value\": \"6.70\""));
  EXPECT_THAT(got.out, HasSubstr("\"comparator\": \"COMPARATOR_ABOVE\""));
  EXPECT_THAT(got.out, HasSubstr("\"status\": \"PLAN_STATUS_DRAFT\""));

  // List: the table finds it by issuer, without diacritics.
  Result listed = Run({"plan", "list", "--issuer", "so xay dung", "--year=2020", "--framework",
                       "DDCI", "--status=draft"});
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  std::vector<std::string> lines = absl::StrSplit(listed.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << listed.out;
  EXPECT_THAT(lines[0], AllOf(StartsWith("NAME"), HasSubstr("NUMBER"), HasSubstr("ISSUED"),
                              HasSubstr("STATUS"), HasSubstr("ISSUER"), HasSubstr("TITLE"),
                              HasSubstr("OBJECTIVES")));
  EXPECT_THAT(lines[1],
              AllOf(StartsWith(name), HasSubstr("/KH-SXD"), HasSubstr("draft"),
                    HasSubstr("Sở Xây dựng tỉnh Lạng Sơn"), HasSubstr("Kế hoạch cải thiện")));
  EXPECT_THAT(lines[1], ::testing::EndsWith(" 8"));
  EXPECT_THAT(lines[1], HasSubstr("…"));  // the long title is cut

  // Issue with its number and date.
  Result issued = Run({"plan", "issue", name, "--number", "45/KH-SXD", "--issued-on=15/05/2020"});
  ASSERT_EQ(issued.code, kExitOk) << issued.err;
  EXPECT_THAT(issued.out, HasSubstr("Number:        45/KH-SXD\n"));
  EXPECT_THAT(issued.out, HasSubstr("Issued on:     15/05/2020\n"));
  EXPECT_THAT(issued.out, HasSubstr("Status:        issued\n"));

  // Objectives of an issued plan are fixed: FAILED_PRECONDITION, exit 4.
  Result refused = Run({"plan", "update", id, "-f", kYamlFixture, "--mask=objectives"});
  EXPECT_EQ(refused.code, kExitRefused);
  EXPECT_THAT(refused.err, StartsWith("chisoctl: FAILED_PRECONDITION: "));
  EXPECT_THAT(refused.out, IsEmpty());

  // An issued plan cannot be deleted either.
  Result not_deleted = Run({"plan", "delete", id});
  EXPECT_EQ(not_deleted.code, kExitRefused);
  EXPECT_THAT(not_deleted.err, StartsWith("chisoctl: FAILED_PRECONDITION: "));

  // Close it.
  Result closed = Run({"plan", "close", id, "--reason", "Đã hoàn thành năm 2020"});
  ASSERT_EQ(closed.code, kExitOk) << closed.err;
  EXPECT_THAT(closed.out, HasSubstr("Status:        closed\n"));
  EXPECT_THAT(closed.out, HasSubstr("Close reason:  Đã hoàn thành năm 2020\n"));

  pb::ListPlansResponse closed_plans = RunForList({"plan", "list", "--status", "closed,archived"});
  ASSERT_EQ(closed_plans.plans_size(), 1);
  EXPECT_EQ(closed_plans.plans(0).name(), name);
  EXPECT_EQ(closed_plans.plans(0).number(), "45/KH-SXD");
  EXPECT_EQ(RunForList({"plan", "list", "--status=draft"}).plans_size(), 0);

  // Closing again is refused; archiving is allowed.
  EXPECT_EQ(Run({"plan", "close", id}).code, kExitRefused);
  EXPECT_EQ(RunForPlan({"plan", "close", id, "--archive"}).status(), pb::PLAN_STATUS_ARCHIVED);
}

TEST_F(ChisoctlEndToEndTest, JsonFixtureCreatesTheSamePlan) {
  pb::Plan from_yaml = RunForPlan({"plan", "create", "-f", kYamlFixture});
  pb::Plan from_json = RunForPlan({"plan", "create", "--file", kJsonFixture});
  ASSERT_EQ(from_json.objectives_size(), 8);
  EXPECT_EQ(from_json.objectives(0).baseline().value().value(), "6.42");
  EXPECT_EQ(from_json.objectives(4).target().value().value(), "6.80");
  EXPECT_EQ(from_json.title(), from_yaml.title());
  EXPECT_NE(from_json.name(), from_yaml.name());
}

TEST_F(ChisoctlEndToEndTest, NotFoundExitsThree) {
  Result r = Run({"plan", "get", "01aaaaaaaaaaaaaaaaaaaaaaaa"});
  EXPECT_EQ(r.code, kExitNotFound);
  EXPECT_THAT(r.err, StartsWith("chisoctl: NOT_FOUND: "));
  EXPECT_THAT(r.err, HasSubstr("plans/01aaaaaaaaaaaaaaaaaaaaaaaa"));
  EXPECT_THAT(r.out, IsEmpty());

  EXPECT_EQ(Run({"plan", "issue", "01aaaaaaaaaaaaaaaaaaaaaaaa", "--number=1/KH"}).code,
            kExitNotFound);
  EXPECT_EQ(Run({"plan", "delete", "plans/01aaaaaaaaaaaaaaaaaaaaaaaa"}).code, kExitNotFound);
}

TEST_F(ChisoctlEndToEndTest, InvalidPlanExitsFour) {
  const std::string yaml =
      "title: Kế hoạch thử\n"
      "issuer: {display_name: Sở Xây dựng tỉnh Lạng Sơn}\n"
      "objectives:\n"
      "  - framework: DDCI\n"
      "    component: GREEN_GROWTH\n"
      "    target: {year: 2020, comparator: COMPARATOR_ABOVE, value: {value: 7.00}}\n";
  Result r = Run({"plan", "create", "-f", "-"}, yaml);
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, StartsWith("chisoctl: INVALID_ARGUMENT: "));
  EXPECT_THAT(r.err, HasSubstr("GREEN_GROWTH"));
  EXPECT_THAT(r.err, HasSubstr("TRANSPARENCY"));  // the valid codes are listed

  // A target without comparator.
  r = Run(
      {"plan", "create", "-f", "-"},
      "title: T\nissuer: {display_name: X}\n"
      "objectives: [{framework: DDCI, component: DYNAMISM, target: {year: 2020, value: 7.0}}]\n");
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, HasSubstr("comparator"));

  // Nothing was saved.
  EXPECT_EQ(RunForList({"plan", "list"}).plans_size(), 0);
}

TEST_F(ChisoctlEndToEndTest, IssueWithoutNumberIsRefused) {
  pb::Plan plan = RunForPlan({"plan", "create", "--title", "Kế hoạch DDCI năm 2021", "--issuer",
                              "UBND huyện Cao Lộc", "--period", "2021", "--place=Lạng Sơn"});
  EXPECT_EQ(plan.period().start_year(), 2021);
  EXPECT_EQ(plan.place(), "Lạng Sơn");
  Result r = Run({"plan", "issue", plan.name(), "--issued-on=2021-03-01"});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, StartsWith("chisoctl: FAILED_PRECONDITION: "));

  // The same number twice for one issuer and year: ALREADY_EXISTS.
  ASSERT_EQ(
      Run({"plan", "issue", plan.name(), "--number=12/KH-UBND", "--issued-on=2021-03-01"}).code,
      kExitOk);
  pb::Plan other = RunForPlan({"plan", "create", "--title=Khác", "--issuer=UBND huyện Cao Lộc"});
  r = Run({"plan", "issue", other.name(), "--number=12/KH-UBND", "--issued-on=02/03/2021"});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, StartsWith("chisoctl: ALREADY_EXISTS: "));
}

TEST_F(ChisoctlEndToEndTest, UpdateTakesTheMaskFromTheFileOrTheFlags) {
  pb::Plan plan = RunForPlan({"plan", "create", "-f", kYamlFixture});
  ASSERT_EQ(plan.objectives_size(), 8);

  // Only the top-level fields of the file change; output-only ones (here
  // the name) are left out of the mask.
  pb::Plan updated = RunForPlan({"plan", "update", plan.name(), "-f", "-"},
                                absl::StrCat("name: ", plan.name(),
                                             "\n"
                                             "title: Kế hoạch DDCI năm 2020 (sửa đổi)\n"
                                             "place: TP. Lạng Sơn\n"));
  EXPECT_EQ(updated.title(), "Kế hoạch DDCI năm 2020 (sửa đổi)");
  EXPECT_EQ(updated.place(), "TP. Lạng Sơn");
  EXPECT_EQ(updated.objectives_size(), 8);
  EXPECT_EQ(updated.funding(), plan.funding());

  // --mask picks fields of the file; flags add to it.
  updated = RunForPlan(
      {"plan", "update", plan.name(), "-f", kJsonFixture, "--mask=title", "--number=46/KH-SXD"});
  EXPECT_EQ(updated.title(), plan.title());
  EXPECT_EQ(updated.number(), "46/KH-SXD");
  EXPECT_EQ(updated.place(), "TP. Lạng Sơn");

  // A stale etag: ABORTED, exit 4.
  Result r = Run({"plan", "update", plan.name(), "--title=X", "--etag", plan.etag()});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_THAT(r.err, StartsWith("chisoctl: ABORTED: "));
  // The current one works.
  updated = RunForPlan({"plan", "update", plan.name(), "--title=X", "--etag", updated.etag()});
  EXPECT_EQ(updated.title(), "X");
}

TEST_F(ChisoctlEndToEndTest, GetJsonEditAndUpdateRoundTrip) {
  pb::Plan plan = RunForPlan({"plan", "create", "-f", kYamlFixture});
  Result got = Run({"--json", "plan", "get", plan.name()});
  ASSERT_EQ(got.code, kExitOk) << got.err;

  // Edit the printed JSON and send it back: the file names the same plan
  // and carries its etag, and its output-only fields stay out of the mask.
  std::string edited = got.out;
  const std::string from = "\"place\": \"Lạng Sơn\"";
  ASSERT_NE(edited.find(from), std::string::npos) << edited;
  edited.replace(edited.find(from), from.size(), "\"place\": \"TP. Lạng Sơn\"");
  pb::Plan updated = RunForPlan({"plan", "update", plan.name(), "-f", "-"}, edited);
  EXPECT_EQ(updated.place(), "TP. Lạng Sơn");
  EXPECT_EQ(updated.objectives_size(), 8);
  EXPECT_NE(updated.etag(), plan.etag());

  // Sending the same file again fails: its etag is now stale.
  Result stale = Run({"plan", "update", plan.name(), "-f", "-"}, edited);
  EXPECT_EQ(stale.code, kExitRefused);
  EXPECT_THAT(stale.err, StartsWith("chisoctl: ABORTED: "));
}

TEST_F(ChisoctlEndToEndTest, DeleteADraft) {
  pb::Plan plan = RunForPlan({"plan", "create", "--title=Nháp", "--issuer=Sở Xây dựng"});
  Result r = Run({"plan", "delete", plan.name()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, absl::StrCat("Deleted ", plan.name(), ".\n"));
  EXPECT_EQ(Run({"plan", "get", plan.name()}).code, kExitNotFound);
}

TEST_F(ChisoctlEndToEndTest, ListAllFollowsPageTokens) {
  for (int i = 1; i <= 5; ++i) {
    RunForPlan({"plan", "create", absl::StrCat("--title=Kế hoạch số ", i), "--issuer=Sở Xây dựng"});
  }
  Result page = Run({"plan", "list", "--page-size=2"});
  ASSERT_EQ(page.code, kExitOk) << page.err;
  EXPECT_THAT(page.out, HasSubstr("Kế hoạch số 1"));
  EXPECT_THAT(page.out, HasSubstr("Kế hoạch số 2"));
  EXPECT_THAT(page.out, Not(HasSubstr("Kế hoạch số 3")));
  EXPECT_THAT(page.out, HasSubstr("More plans: add --page-token="));

  pb::ListPlansResponse first = RunForList({"plan", "list", "--page-size=2"});
  ASSERT_EQ(first.plans_size(), 2);
  ASSERT_FALSE(first.next_page_token().empty());
  pb::ListPlansResponse second =
      RunForList({"plan", "list", "--page-size=2", "--page-token", first.next_page_token()});
  ASSERT_EQ(second.plans_size(), 2);
  EXPECT_EQ(second.plans(0).title(), "Kế hoạch số 3");

  Result all = Run({"plan", "list", "--page-size=2", "--all"});
  ASSERT_EQ(all.code, kExitOk) << all.err;
  for (int i = 1; i <= 5; ++i) EXPECT_THAT(all.out, HasSubstr(absl::StrCat("Kế hoạch số ", i)));
  EXPECT_THAT(all.out, Not(HasSubstr("More plans")));

  pb::ListPlansResponse everything = RunForList({"plan", "list", "--page-size=2", "--all"});
  EXPECT_EQ(everything.plans_size(), 5);
  EXPECT_TRUE(everything.next_page_token().empty());
}

TEST_F(ChisoctlEndToEndTest, ValidateOnlySavesNothing) {
  pb::Plan plan = RunForPlan({"plan", "create", "-f", kYamlFixture, "--validate-only"});
  EXPECT_EQ(plan.objectives_size(), 8);
  EXPECT_EQ(RunForList({"plan", "list"}).plans_size(), 0);
}

TEST_F(ChisoctlEndToEndTest, HealthSaysServingAndExitsByIt) {
  Result r = Run({"health"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");
  r = Run({"health", "--service", "chiso.plan.v1.PlanService"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  healthy_ = false;
  server_->CheckHealth();
  r = Run({"health", "--json"});
  EXPECT_EQ(r.code, kExitError);
  EXPECT_EQ(r.out, "{\"status\": \"NOT_SERVING\"}\n");
  r = Run({"health", "--service", "chiso.nothing.v1.Nope"});
  EXPECT_EQ(r.code, kExitNotFound);
  EXPECT_THAT(r.err, HasSubstr("NOT_FOUND"));
}

}  // namespace
}  // namespace chiso::chisoctl
