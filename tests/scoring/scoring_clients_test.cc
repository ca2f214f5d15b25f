// The scoring service's view of the plan and assignment services: the gRPC
// readers against tiny fake services started in-process, and the in-memory
// readers.

#include "services/scoring/scoring_clients.h"

#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace chiso::scoring {
namespace {

namespace av1 = chiso::assignment::v1;
namespace pv1 = chiso::plan::v1;
using ::testing::HasSubstr;

// Knows one plan, "plans/p1"; "plans/slow" answers after a second.
class FakePlanService : public pv1::PlanService::Service {
 public:
  grpc::Status GetPlan(grpc::ServerContext*, const pv1::GetPlanRequest* request,
                       pv1::Plan* response) override {
    if (request->name() == "plans/slow") {
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (request->name() == "plans/p1") {
      response->set_name("plans/p1");
      response->set_number("60/KH-STNMT");
      return grpc::Status::OK;
    }
    if (request->name().rfind("plans/", 0) != 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("name: ", request->name(), " is not a plan name"));
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(request->name(), " not found"));
  }
};

// Knows units/u1 (code STNMT-LS) and units/u2 (code STNMT-LS-VP), and the
// summary of plans/p1.
class FakeAssignmentService : public av1::AssignmentService::Service {
 public:
  grpc::Status GetUnit(grpc::ServerContext*, const av1::GetUnitRequest* request,
                       av1::Unit* response) override {
    for (const av1::Unit& unit : Units()) {
      if (unit.name() == request->name()) {
        *response = unit;
        return grpc::Status::OK;
      }
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(request->name(), " not found"));
  }

  grpc::Status ListUnits(grpc::ServerContext*, const av1::ListUnitsRequest* request,
                         av1::ListUnitsResponse* response) override {
    last_list_request_ = *request;
    for (const av1::Unit& unit : Units()) {
      if (request->filter().code().empty() || unit.code() == request->filter().code()) {
        *response->add_units() = unit;
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status GetPlanSummary(grpc::ServerContext*, const av1::GetPlanSummaryRequest* request,
                              av1::PlanSummary* response) override {
    if (request->plan() != "plans/p1") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(request->plan(), " not found"));
    }
    response->set_plan("plans/p1");
    response->mutable_tasks()->set_total(3);
    av1::ComponentAccountability* row = response->add_components();
    row->mutable_component()->set_framework("DDCI");
    row->mutable_component()->set_component("TIME_COSTS");
    row->add_objective_ids("o2");
    return grpc::Status::OK;
  }

  av1::ListUnitsRequest last_list_request_;

 private:
  static std::vector<av1::Unit> Units() {
    av1::Unit u1;
    u1.set_name("units/u1");
    u1.set_code("STNMT-LS");
    u1.set_display_name("Sở Tài nguyên và Môi trường");
    av1::Unit u2;
    u2.set_name("units/u2");
    u2.set_code("STNMT-LS-VP");
    u2.set_display_name("Văn phòng Sở");
    return {u1, u2};
  }
};

class GrpcReadersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    ServerOptions options;
    options.service_name = "fakes";
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    options.shutdown_deadline = absl::Seconds(2);
    absl::StatusOr<std::unique_ptr<Server>> server =
        Server::Start(options,
                      {{pv1::PlanService::service_full_name(), &plans_},
                       {av1::AssignmentService::service_full_name(), &assignment_}},
                      std::make_shared<prometheus::Registry>(), nullptr);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
    plan_reader_ = NewGrpcPlanReader(channel, absl::Seconds(5));
    directory_ = NewGrpcDirectoryReader(channel, absl::Seconds(5));
  }
  void TearDown() override {
    server_.reset();
    log::SetOutput(nullptr);
  }

  std::ostringstream logs_;
  FakePlanService plans_;
  FakeAssignmentService assignment_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<PlanReader> plan_reader_;
  std::unique_ptr<DirectoryReader> directory_;
};

TEST_F(GrpcReadersTest, GetsAPlan) {
  absl::StatusOr<pv1::Plan> plan = plan_reader_->GetPlan("plans/p1");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->number(), "60/KH-STNMT");
}

TEST_F(GrpcReadersTest, PassesNotFoundAndInvalidArgumentThrough) {
  absl::Status missing = plan_reader_->GetPlan("plans/none").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_EQ(missing.message(), "plans/none not found");
  absl::Status bad = plan_reader_->GetPlan("tasks/1").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument) << bad;
  EXPECT_EQ(directory_->GetUnit("units/none").status().code(), absl::StatusCode::kNotFound);
  absl::Status no_summary = directory_->GetPlanSummary("plans/none").status();
  EXPECT_EQ(no_summary.code(), absl::StatusCode::kNotFound) << no_summary;
  EXPECT_EQ(no_summary.message(), "plans/none not found");
}

TEST_F(GrpcReadersTest, GetsUnitsAndFindsThemByExactCode) {
  absl::StatusOr<av1::Unit> unit = directory_->GetUnit("units/u2");
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->code(), "STNMT-LS-VP");

  absl::StatusOr<std::optional<av1::Unit>> found = directory_->FindUnitByCode("STNMT-LS");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name(), "units/u1");
  EXPECT_EQ(assignment_.last_list_request_.filter().code(), "STNMT-LS");

  absl::StatusOr<std::optional<av1::Unit>> none = directory_->FindUnitByCode("UBND-CL");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  // An empty code matches nothing rather than the first unit listed.
  absl::StatusOr<std::optional<av1::Unit>> empty = directory_->FindUnitByCode("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_FALSE(empty->has_value());
}

TEST_F(GrpcReadersTest, GetsThePlanSummary) {
  absl::StatusOr<av1::PlanSummary> summary = directory_->GetPlanSummary("plans/p1");
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->tasks().total(), 3);
  ASSERT_EQ(summary->components_size(), 1);
  EXPECT_EQ(summary->components(0).component().component(), "TIME_COSTS");
}

TEST_F(GrpcReadersTest, ADeadlineIsUnavailableNamingTheService) {
  std::unique_ptr<PlanReader> impatient =
      NewGrpcPlanReader(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                            grpc::InsecureChannelCredentials()),
                        absl::Milliseconds(200));
  const absl::Time start = absl::Now();
  absl::Status s = impatient->GetPlan("plans/slow").status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("the plan service does not answer"));
}

TEST(GrpcReaders, AServiceThatIsDownIsUnavailableNotAHang) {
  const int port = test_support::FreePort();
  ASSERT_GT(port, 0);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  std::unique_ptr<PlanReader> plans = NewGrpcPlanReader(channel, absl::Milliseconds(300));
  std::unique_ptr<DirectoryReader> directory =
      NewGrpcDirectoryReader(channel, absl::Milliseconds(300));

  const absl::Time start = absl::Now();
  absl::Status plan = plans->GetPlan("plans/p1").status();
  EXPECT_EQ(plan.code(), absl::StatusCode::kUnavailable) << plan;
  EXPECT_THAT(std::string(plan.message()), HasSubstr("the plan service does not answer"));
  EXPECT_THAT(std::string(plan.message()), HasSubstr("plans/p1"));

  absl::Status unit = directory->GetUnit("units/u1").status();
  EXPECT_EQ(unit.code(), absl::StatusCode::kUnavailable) << unit;
  EXPECT_THAT(std::string(unit.message()), HasSubstr("the assignment service does not answer"));
  absl::Status by_code = directory->FindUnitByCode("STNMT-LS").status();
  EXPECT_EQ(by_code.code(), absl::StatusCode::kUnavailable) << by_code;
  absl::Status summary = directory->GetPlanSummary("plans/p1").status();
  EXPECT_EQ(summary.code(), absl::StatusCode::kUnavailable) << summary;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(GrpcReaders, AServerWithoutTheServiceIsUnavailable) {
  // A server that serves only the plan service, asked for units.
  std::ostringstream logs;
  log::SetOutput(&logs);
  FakePlanService plans;
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.drain_grace = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, {{pv1::PlanService::service_full_name(), &plans}},
                    std::make_shared<prometheus::Registry>(), nullptr);
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<DirectoryReader> directory =
      NewGrpcDirectoryReader(grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                                 grpc::InsecureChannelCredentials()),
                             absl::Seconds(5));
  absl::Status s = directory->GetUnit("units/u1").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("the assignment service does not answer"));
  server->reset();
  log::SetOutput(nullptr);
}

TEST(InMemoryPlanReader, ReturnsWhatWasPutAndFailsOnDemand) {
  InMemoryPlanReader reader;
  pv1::Plan plan;
  plan.set_name("plans/a");
  plan.set_title("Nâng cao chỉ số DDCI năm 2020");
  reader.Put(plan);
  EXPECT_EQ(reader.GetPlan("plans/a")->title(), plan.title());
  absl::Status missing = reader.GetPlan("plans/b").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "plans/b not found");
  reader.FailWith(absl::UnavailableError("down"));
  EXPECT_EQ(reader.GetPlan("plans/a").status().code(), absl::StatusCode::kUnavailable);
  reader.FailWith(absl::OkStatus());
  EXPECT_TRUE(reader.GetPlan("plans/a").ok());
}

TEST(InMemoryDirectoryReader, UnitsSummariesAndFailures) {
  InMemoryDirectoryReader directory;
  av1::Unit unit;
  unit.set_name("units/u1");
  unit.set_code("STNMT-LS");
  directory.PutUnit(unit);
  EXPECT_EQ(directory.GetUnit("units/u1")->code(), "STNMT-LS");
  EXPECT_EQ(directory.GetUnit("units/u9").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*directory.FindUnitByCode("STNMT-LS"))->name(), "units/u1");
  EXPECT_FALSE(directory.FindUnitByCode("STNMT")->has_value());
  EXPECT_FALSE(directory.FindUnitByCode("")->has_value());

  // Without a stored summary a plan has an empty one.
  absl::StatusOr<av1::PlanSummary> empty = directory.GetPlanSummary("plans/x");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->plan(), "plans/x");
  EXPECT_EQ(empty->components_size(), 0);
  av1::PlanSummary summary;
  summary.set_plan("plans/x");
  summary.add_components()->mutable_component()->set_framework("DDCI");
  directory.PutPlanSummary(summary);
  EXPECT_EQ(directory.GetPlanSummary("plans/x")->components_size(), 1);

  directory.FailWith(absl::UnavailableError("down"));
  EXPECT_EQ(directory.GetUnit("units/u1").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(directory.FindUnitByCode("STNMT-LS").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(directory.GetPlanSummary("plans/x").status().code(), absl::StatusCode::kUnavailable);
  directory.FailWith(absl::OkStatus());
  EXPECT_TRUE(directory.GetUnit("units/u1").ok());
}

}  // namespace
}  // namespace chiso::scoring
