// Two replicas of a service on one PostgreSQL database, as the production
// overlay runs them: each is a separate process with its own connections,
// and callers reach either. What one replica writes the other reads at once,
// and a uniqueness rule holds across both even when callers race.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

namespace chiso {
namespace {

namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;
namespace pv1 = chiso::plan::v1;
using test_support::MakeService;
using test_support::ServiceChannel;
using test_support::ServiceProcess;

constexpr int kCallers = 8;

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/chiso-e2e-replicas-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    absl::StatusOr<std::string> plan_db = test_support::FreshPostgresUrl();
    absl::StatusOr<std::string> assignment_db = test_support::FreshPostgresUrl();
    ASSERT_TRUE(plan_db.ok()) << plan_db.status();
    ASSERT_TRUE(assignment_db.ok()) << assignment_db.status();
    for (const char* name : {"plan-a", "plan-b"}) {
      plans_.push_back(MakeService(name, CHISO_PLAN_BIN, dir_));
      ASSERT_TRUE(test_support::StartService(*plans_.back(), dir_,
                                             {absl::StrCat("--database_url=", *plan_db)}));
    }
    for (const char* name : {"assignment-a", "assignment-b"}) {
      assignments_.push_back(MakeService(name, CHISO_ASSIGNMENT_BIN, dir_));
      ASSERT_TRUE(
          test_support::StartService(*assignments_.back(), dir_,
                                     {absl::StrCat("--database_url=", *assignment_db),
                                      absl::StrCat("--plan_addr=127.0.0.1:", plans_[0]->port)}));
    }
    for (const auto& p : plans_) plan_stubs_.push_back(pv1::PlanService::NewStub(Channel(*p)));
    for (const auto& a : assignments_) {
      assignment_stubs_.push_back(av1::AssignmentService::NewStub(Channel(*a)));
    }
  }

  void TearDown() override {
    plan_stubs_.clear();
    assignment_stubs_.clear();
    for (auto& s : assignments_) (void)s->process.Stop();
    for (auto& s : plans_) (void)s->process.Stop();
    if (!dir_.empty()) (void)system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  static std::shared_ptr<grpc::Channel> Channel(const ServiceProcess& s) {
    return ServiceChannel(s.port);
  }

  static pv1::Plan NumberedPlan(const std::string& number) {
    pv1::Plan plan;
    plan.set_number(number);
    plan.set_title("Nâng cao Chỉ số DDCI năm 2025");
    plan.mutable_issuer()->set_display_name("UBND huyện Minh Sơn");
    plan.mutable_issued_on()->set_year(2025);
    plan.mutable_issued_on()->set_month(3);
    plan.mutable_issued_on()->set_day(14);
    plan.mutable_period()->set_start_year(2025);
    plan.mutable_period()->set_end_year(2025);
    pv1::Objective* o = plan.add_objectives();
    o->set_framework("DDCI");
    o->set_component("TRANSPARENCY");
    o->mutable_target()->set_year(2025);
    o->mutable_target()->set_comparator(cv1::COMPARATOR_AT_LEAST);
    o->mutable_target()->mutable_value()->set_value("7,5");
    return plan;
  }

  std::string dir_;
  std::vector<std::unique_ptr<ServiceProcess>> plans_, assignments_;
  std::vector<std::unique_ptr<pv1::PlanService::Stub>> plan_stubs_;
  std::vector<std::unique_ptr<av1::AssignmentService::Stub>> assignment_stubs_;
};

TEST_F(ReplicasTest, CallersRacingThroughBothReplicasGetOneNumberedPlan) {
  std::atomic<int> created{0}, taken{0}, other{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      pv1::CreatePlanRequest req;
      *req.mutable_plan() = NumberedPlan("12/KH-UBND");
      pv1::Plan out;
      grpc::Status s = plan_stubs_[i % 2]->CreatePlan(&ctx, req, &out);
      if (s.ok()) {
        ++created;
      } else if (s.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        ++taken;
      } else {
        ADD_FAILURE() << s.error_code() << " " << s.error_message();
        ++other;
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(taken.load(), kCallers - 1);
  // Both replicas list the one plan.
  for (auto& stub : plan_stubs_) {
    grpc::ClientContext ctx;
    pv1::ListPlansRequest req;
    pv1::ListPlansResponse resp;
    ASSERT_TRUE(stub->ListPlans(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.plans_size(), 1);
  }
}

TEST_F(ReplicasTest, AUnitCodeIsTakenOnceAndEitherReplicaReadsTheUnit) {
  std::atomic<int> created{0};
  std::vector<std::string> names(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      grpc::ClientContext ctx;
      av1::CreateUnitRequest req;
      req.mutable_unit()->set_code("PNV");
      req.mutable_unit()->set_display_name("Phòng Nội vụ");
      req.mutable_unit()->set_kind(av1::UNIT_KIND_DIVISION);
      av1::Unit out;
      grpc::Status s = assignment_stubs_[i % 2]->CreateUnit(&ctx, req, &out);
      if (s.ok()) {
        ++created;
        names[i] = out.name();
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
      }
    });
  }
  for (auto& t : callers) t.join();
  ASSERT_EQ(created.load(), 1);
  std::string name;
  for (const std::string& n : names) name += n;
  for (auto& stub : assignment_stubs_) {
    grpc::ClientContext ctx;
    av1::GetUnitRequest req;
    req.set_name(name);
    av1::Unit unit;
    grpc::Status s = stub->GetUnit(&ctx, req, &unit);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(unit.code(), "PNV");
  }
}

}  // namespace
}  // namespace chiso
