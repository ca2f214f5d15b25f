// The assignment service's view of the plan service: the in-memory fake and
// the gRPC client against the real plan service started in-process.

#include "services/assignment/plan_client.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_service.h"
#include "services/plan/plan_store.h"

namespace chiso::assignment {
namespace {

namespace pv1 = chiso::plan::v1;
using ::testing::HasSubstr;

pv1::Plan DraftPlan() {
  pv1::Plan plan;
  plan.set_number("12/KH-UBND");
  plan.set_title("Cải thiện chỉ số DDCI năm 2024");
  plan.mutable_issuer()->set_display_name("UBND huyện Đồng Mỏ");
  plan.mutable_issued_on()->set_year(2024);
  plan.mutable_issued_on()->set_month(3);
  plan.mutable_issued_on()->set_day(15);
  return plan;
}

TEST(InMemoryPlanClient, ReturnsWhatWasPutAndNotFoundOtherwise) {
  InMemoryPlanClient client;
  pv1::Plan plan = DraftPlan();
  plan.set_name("plans/a");
  client.Put(plan);
  EXPECT_EQ(client.GetPlan("plans/a")->title(), plan.title());
  EXPECT_EQ(client.GetPlan("plans/b").status().code(), absl::StatusCode::kNotFound);
  client.FailWith(absl::UnavailableError("down"));
  EXPECT_EQ(client.GetPlan("plans/a").status().code(), absl::StatusCode::kUnavailable);
  client.FailWith(absl::OkStatus());
  EXPECT_TRUE(client.GetPlan("plans/a").ok());
}

TEST(PlanOpenForTasks, AcceptsDraftsAndIssuedPlansOnly) {
  InMemoryPlanClient client;
  for (auto [name, status] : std::vector<std::pair<std::string, pv1::PlanStatus>>{
           {"plans/draft", pv1::PLAN_STATUS_DRAFT},
           {"plans/issued", pv1::PLAN_STATUS_ISSUED},
           {"plans/closed", pv1::PLAN_STATUS_CLOSED},
           {"plans/archived", pv1::PLAN_STATUS_ARCHIVED}}) {
    pv1::Plan plan = DraftPlan();
    plan.set_name(name);
    plan.set_status(status);
    client.Put(plan);
  }
  EXPECT_TRUE(PlanOpenForTasks(client, "task.plan", "plans/draft").ok());
  EXPECT_TRUE(PlanOpenForTasks(client, "task.plan", "plans/issued").ok());
  absl::Status closed = PlanOpenForTasks(client, "task.plan", "plans/closed").status();
  EXPECT_EQ(closed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(closed.message()), HasSubstr("task.plan: plans/closed is closed"));
  EXPECT_EQ(PlanOpenForTasks(client, "task.plan", "plans/archived").status().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::Status missing = PlanOpenForTasks(client, "task.plan", "plans/none").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("task.plan: plans/none not found"));
  EXPECT_EQ(PlanOpenForTasks(client, "task.plan", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  client.FailWith(absl::UnavailableError("plan service down"));
  EXPECT_EQ(PlanOpenForTasks(client, "task.plan", "plans/draft").status().code(),
            absl::StatusCode::kUnavailable);
}

// The real plan service, wired as services/plan/main.cc wires it.
class GrpcPlanClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    catalog_ = std::make_unique<Catalog>(*Catalog::Builtin());
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, plan::PlanMigrations()).ok());
    store_ = plan::NewSqlPlanStore(db_.get());
    manager_ = std::make_unique<plan::PlanManager>(store_.get(), catalog_.get(),
                                                   civil::Clock::Real(), &ids_, nullptr);
    service_ = std::make_unique<plan::PlanServiceImpl>(manager_.get());
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    server_ = *Server::Start(options, {{pv1::PlanService::service_full_name(), service_.get()}},
                             std::make_shared<prometheus::Registry>(), nullptr);
    client_ = NewGrpcPlanClient(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                                    grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_.reset();
    log::SetOutput(nullptr);
  }

  std::ostringstream logs_;
  std::unique_ptr<Catalog> catalog_;
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<plan::PlanStore> store_;
  std::unique_ptr<plan::PlanManager> manager_;
  std::unique_ptr<plan::PlanServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<PlanClient> client_;
};

TEST_F(GrpcPlanClientTest, GetsPlansAndMapsErrors) {
  pv1::CreatePlanRequest create;
  *create.mutable_plan() = DraftPlan();
  absl::StatusOr<pv1::Plan> created = manager_->Create(create);
  ASSERT_TRUE(created.ok()) << created.status();

  absl::StatusOr<pv1::Plan> got = client_->GetPlan(created->name());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->number(), "12/KH-UBND");
  EXPECT_EQ(client_->GetPlan("plans/01hzzzzzzzzzzzzzzzzzzzzzzz").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->GetPlan("tasks/1").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GrpcPlanClientTest, AClosedPlanTakesNoNewTasks) {
  pv1::CreatePlanRequest create;
  *create.mutable_plan() = DraftPlan();
  const std::string name = manager_->Create(create)->name();
  pv1::IssuePlanRequest issue;
  issue.set_name(name);
  ASSERT_TRUE(manager_->Issue(issue).ok());
  EXPECT_TRUE(PlanOpenForTasks(*client_, "task.plan", name).ok());
  pv1::ClosePlanRequest close;
  close.set_name(name);
  ASSERT_TRUE(manager_->Close(close).ok());
  EXPECT_EQ(PlanOpenForTasks(*client_, "task.plan", name).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(GrpcPlanClient, AnUnreachablePlanServiceIsUnavailableNotAHang) {
  // Port 1 on loopback: nothing listens there.
  std::unique_ptr<PlanClient> client =
      NewGrpcPlanClient(grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()),
                        absl::Milliseconds(300));
  absl::Status s = client->GetPlan("plans/01hzzzzzzzzzzzzzzzzzzzzzzz").status();
  EXPECT_TRUE(absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("plan service did not answer"));
}

}  // namespace
}  // namespace chiso::assignment
