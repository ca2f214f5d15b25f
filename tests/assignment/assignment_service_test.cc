// The assignment service over gRPC, in front of the real plan service (both
// in-process, talking gRPC on loopback): the adapter's status mapping, the
// plan-service check, and the domain metrics.

#include "services/assignment/assignment_service.h"

#include <sstream>

#include "absl/strings/str_cat.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "services/assignment/assignment_metrics.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/plan_client.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_service.h"
#include "services/plan/plan_store.h"

namespace chiso::assignment {
namespace {

namespace pv1 = chiso::plan::v1;
using ::testing::HasSubstr;

class AssignmentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&logs_);
    // 2024-05-02, 09:00 in Hà Nội.
    clock_.Set(absl::FromCivil(absl::CivilSecond(2024, 5, 2, 2, 0, 0), absl::UTCTimeZone()));
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();

    plan_db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*plan_db_, plan::PlanMigrations()).ok());
    plan_store_ = plan::NewSqlPlanStore(plan_db_.get());
    plan_manager_ =
        std::make_unique<plan::PlanManager>(plan_store_.get(), &catalog_, &clock_, &ids_, nullptr);
    plan_service_ = std::make_unique<plan::PlanServiceImpl>(plan_manager_.get());
    plan_server_ =
        *Server::Start(options, {{pv1::PlanService::service_full_name(), plan_service_.get()}},
                       std::make_shared<prometheus::Registry>(), nullptr);

    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, AssignmentMigrations()).ok());
    store_ = NewSqlAssignmentStore(db_.get());
    plans_ = NewGrpcPlanClient(grpc::CreateChannel(absl::StrCat("127.0.0.1:", plan_server_->port()),
                                                   grpc::InsecureChannelCredentials()));
    units_ = std::make_unique<UnitManager>(store_.get(), &clock_, &ids_);
    tasks_ = std::make_unique<TaskManager>(store_.get(), plans_.get(), &catalog_, &clock_, &ids_);
    service_ = std::make_unique<AssignmentServiceImpl>(units_.get(), tasks_.get());
    server_ =
        *Server::Start(options, {{v1::AssignmentService::service_full_name(), service_.get()}},
                       std::make_shared<prometheus::Registry>(), nullptr);
    stub_ = v1::AssignmentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));

    district_ = MustCreateUnit("HDM", "UBND huyện Hà Mỹ", v1::UNIT_KIND_DISTRICT_COMMITTEE, "");
    office_ = MustCreateUnit("HDM-VP", "Văn phòng HĐND và UBND huyện", v1::UNIT_KIND_OFFICE,
                             district_.name());
    finance_ = MustCreateUnit("HDM-TCKH", "Phòng Tài chính - Kế hoạch", v1::UNIT_KIND_DIVISION,
                              district_.name(), "Phòng TC-KH");
    inspect_ =
        MustCreateUnit("HDM-TT", "Thanh tra huyện", v1::UNIT_KIND_DIVISION, district_.name());
  }
  void TearDown() override {
    server_.reset();
    plan_server_.reset();
    log::SetOutput(nullptr);
  }

  v1::Unit MustCreateUnit(const std::string& code, const std::string& name, v1::UnitKind kind,
                          const std::string& parent, const std::string& alias = "") {
    grpc::ClientContext ctx;
    v1::CreateUnitRequest req;
    req.mutable_unit()->set_code(code);
    req.mutable_unit()->set_display_name(name);
    req.mutable_unit()->set_kind(kind);
    req.mutable_unit()->set_parent(parent);
    if (!alias.empty()) req.mutable_unit()->add_aliases(alias);
    v1::Unit out;
    grpc::Status s = stub_->CreateUnit(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // An issued 2024 DDCI plan of the district.
  std::string IssuedPlan() {
    pv1::CreatePlanRequest create;
    pv1::Plan* plan = create.mutable_plan();
    plan->set_number(absl::StrCat(++plan_serial_, "/KH-UBND"));
    plan->set_title("Cải thiện chỉ số DDCI huyện Hà Mỹ năm 2024");
    plan->mutable_issuer()->set_display_name("UBND huyện Hà Mỹ");
    plan->mutable_issuer()->set_unit(district_.name());
    plan->mutable_issued_on()->set_year(2024);
    plan->mutable_issued_on()->set_month(3);
    plan->mutable_issued_on()->set_day(1);
    plan->mutable_period()->set_start_year(2024);
    plan->mutable_period()->set_end_year(2024);
    auto* o = plan->add_objectives();
    o->set_framework("DDCI");
    o->set_component("TIME_COSTS");
    o->mutable_target()->set_year(2024);
    o->mutable_target()->set_comparator(chiso::common::v1::COMPARATOR_AT_LEAST);
    o->mutable_target()->mutable_value()->set_value("8.50");
    const std::string name = plan_manager_->Create(create)->name();
    pv1::IssuePlanRequest issue;
    issue.set_name(name);
    EXPECT_TRUE(plan_manager_->Issue(issue).ok());
    return name;
  }

  grpc::Status CreateTask(const std::string& plan, const std::string& lead,
                          const std::string& timeframe, v1::Task* out) {
    grpc::ClientContext ctx;
    v1::CreateTaskRequest req;
    v1::Task* t = req.mutable_task();
    t->set_plan(plan);
    t->set_objective_id("o1");
    t->set_title("Rút ngắn thời gian giải quyết hồ sơ");
    t->mutable_lead_unit()->set_display_name(lead);
    t->set_supervisor_post("Phó Chủ tịch UBND huyện phụ trách kinh tế");
    t->mutable_schedule()->set_phrase(timeframe);
    return stub_->CreateTask(&ctx, req, out);
  }

  std::ostringstream logs_;
  Catalog catalog_ = *Catalog::Builtin();
  civil::FakeClock clock_;
  IdGenerator ids_;
  int plan_serial_ = 0;
  std::unique_ptr<storage::Database> plan_db_;
  std::unique_ptr<plan::PlanStore> plan_store_;
  std::unique_ptr<plan::PlanManager> plan_manager_;
  std::unique_ptr<plan::PlanServiceImpl> plan_service_;
  std::unique_ptr<Server> plan_server_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AssignmentStore> store_;
  std::unique_ptr<PlanClient> plans_;
  std::unique_ptr<UnitManager> units_;
  std::unique_ptr<TaskManager> tasks_;
  std::unique_ptr<AssignmentServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::AssignmentService::Stub> stub_;
  v1::Unit district_, office_, finance_, inspect_;
};

TEST_F(AssignmentServiceTest, ResolvesNamesAsDocumentsWriteThem) {
  grpc::ClientContext ctx;
  v1::ResolveUnitRequest req;
  req.set_text("phong tai chinh ke hoach");
  req.set_context_unit(district_.name());
  v1::ResolveUnitResponse out;
  ASSERT_TRUE(stub_->ResolveUnit(&ctx, req, &out).ok());
  EXPECT_EQ(out.outcome(), v1::RESOLUTION_OUTCOME_RESOLVED);
  ASSERT_GT(out.candidates_size(), 0);
  EXPECT_EQ(out.candidates(0).unit(), finance_.name());
}

TEST_F(AssignmentServiceTest, TasksAreCheckedAgainstThePlanService) {
  v1::Task out;
  grpc::Status s = CreateTask("plans/01hzzzzzzzzzzzzzzzzzzzzzzz", "Phòng TC-KH",
                              "hoàn thành trước ngày 30/6/2024", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  const std::string plan = IssuedPlan();
  ASSERT_TRUE(CreateTask(plan, "Phòng TC-KH", "hoàn thành trước ngày 30/6/2024", &out).ok());
  EXPECT_EQ(out.lead_unit().unit(), finance_.name());
  pv1::ClosePlanRequest close;
  close.set_name(plan);
  ASSERT_TRUE(plan_manager_->Close(close).ok());
  s = CreateTask(plan, "Phòng TC-KH", "hoàn thành trước ngày 30/6/2024", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
}

TEST_F(AssignmentServiceTest, AnswersPreciseStatusesForBadTasks) {
  const std::string plan = IssuedPlan();
  v1::Task out;
  grpc::Status s =
      CreateTask(plan, "Phòng Tài chính - Kế hoạch, Thanh tra huyện", "trước ngày 30/6/2024", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("exactly one lead"));
  s = CreateTask(plan, "Thanh tra huyện", "khi nào rảnh", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("khi nào rảnh"));
  grpc::ClientContext ctx;
  v1::GetTaskRequest get;
  get.set_name("tasks/01hzzzzzzzzzzzzzzzzzzzzzzz");
  EXPECT_EQ(stub_->GetTask(&ctx, get, &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AssignmentServiceTest, PlanSummarySplitsOnTrackAndOverdueForTheClockDate) {
  const std::string plan = IssuedPlan();
  v1::Task t;
  // Today is 2 May 2024.
  ASSERT_TRUE(CreateTask(plan, "Thanh tra huyện", "hoàn thành trước ngày 30/4/2024", &t).ok());
  ASSERT_TRUE(CreateTask(plan, "Văn phòng HĐND và UBND huyện", "trong Quý III/2024", &t).ok());
  ASSERT_TRUE(CreateTask(plan, "Phòng TC-KH", "xong trước 5/5/2024", &t).ok());
  grpc::ClientContext ctx;
  v1::GetPlanSummaryRequest req;
  req.set_plan(plan);
  v1::PlanSummary summary;
  ASSERT_TRUE(stub_->GetPlanSummary(&ctx, req, &summary).ok());
  EXPECT_EQ(summary.tasks().overdue(), 1);
  EXPECT_EQ(summary.tasks().on_track(), 1);
  EXPECT_EQ(summary.tasks().due_soon(), 1);
  ASSERT_EQ(summary.components_size(), 1);
}

// Found by tests/rpcfuzz: a person whose name held a NUL was stored, and
// ListPeople, whose page tokens carry the name, then refused its own token
// ("page_token: malformed"), so nobody after that person could be listed.
TEST_F(AssignmentServiceTest, APersonNameWithANulIsRefusedSoListPeoplePagesOn) {
  for (bool update : {false, true}) {
    grpc::ClientContext ctx;
    v1::Person out;
    grpc::Status s;
    if (!update) {
      v1::CreatePersonRequest req;
      req.mutable_person()->set_display_name(std::string("Nguyễn\0Văn An", 16));
      req.mutable_person()->set_unit(finance_.name());
      s = stub_->CreatePerson(&ctx, req, &out);
    } else {
      v1::CreatePersonRequest create;
      create.mutable_person()->set_display_name("Nguyễn Văn An");
      grpc::ClientContext create_ctx;
      v1::Person created;
      ASSERT_TRUE(stub_->CreatePerson(&create_ctx, create, &created).ok());
      v1::UpdatePersonRequest req;
      req.mutable_person()->set_name(created.name());
      req.mutable_person()->set_display_name(std::string("a\0b", 3));
      req.mutable_update_mask()->add_paths("display_name");
      s = stub_->UpdatePerson(&ctx, req, &out);
    }
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("person.display_name"));
  }
  for (const char* name : {"Lê Thị Bình", "Trần Văn Cường"}) {
    grpc::ClientContext ctx;
    v1::CreatePersonRequest req;
    req.mutable_person()->set_display_name(name);
    v1::Person out;
    ASSERT_TRUE(stub_->CreatePerson(&ctx, req, &out).ok());
  }
  v1::ListPeopleRequest list;
  list.set_page_size(1);
  int listed = 0;
  do {
    grpc::ClientContext ctx;
    v1::ListPeopleResponse page;
    grpc::Status s = stub_->ListPeople(&ctx, list, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    listed += page.people_size();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(listed, 3);
}

TEST(AssignmentMetrics, CountsTasksByLeadUnitAndTimelinessAndDropsStaleSeries) {
  prometheus::Registry registry;
  AssignmentMetrics metrics(registry);
  v1::Unit unit;
  unit.set_name("units/a");
  unit.set_display_name("Thanh tra huyện");
  std::vector<v1::Task> tasks(4);
  for (v1::Task& t : tasks) t.mutable_lead_unit()->set_unit("units/a");
  tasks[0].set_timeliness(v1::TIMELINESS_OVERDUE);
  tasks[1].set_timeliness(v1::TIMELINESS_OVERDUE);
  tasks[2].set_timeliness(v1::TIMELINESS_DONE_ON_TIME);
  tasks[3].set_timeliness(v1::TIMELINESS_DONE_LATE);
  metrics.Update(tasks, {unit});
  auto text = [&registry] {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry.Collect());
    return out.str();
  };
  EXPECT_THAT(text(),
              HasSubstr("chiso_tasks{lead_unit=\"Thanh tra huyện\",timeliness=\"overdue\"} 2"));
  EXPECT_THAT(text(), HasSubstr("chiso_unit_on_time_ratio{unit=\"Thanh tra huyện\"} 0.5"));
  // Two units of the same name (every district has a "Thanh tra huyện") are
  // told apart by their codes.
  v1::Unit coded = unit;
  coded.set_code("TT-XL");
  v1::Unit other = coded;
  other.set_name("units/b");
  other.set_code("TT-CS");
  std::vector<v1::Task> two(2);
  two[0].mutable_lead_unit()->set_unit("units/a");
  two[1].mutable_lead_unit()->set_unit("units/b");
  for (v1::Task& t : two) t.set_timeliness(v1::TIMELINESS_OVERDUE);
  metrics.Update(two, {coded, other});
  EXPECT_THAT(text(), HasSubstr("chiso_tasks{lead_unit=\"TT-XL\",timeliness=\"overdue\"} 1"));
  EXPECT_THAT(text(), HasSubstr("chiso_tasks{lead_unit=\"TT-CS\",timeliness=\"overdue\"} 1"));

  tasks.resize(1);
  metrics.Update(tasks, {unit});
  EXPECT_THAT(text(), HasSubstr("timeliness=\"overdue\"} 1"));
  EXPECT_THAT(text(), ::testing::Not(HasSubstr("done_late")));
  EXPECT_THAT(text(), ::testing::Not(HasSubstr("chiso_unit_on_time_ratio{")));
}

}  // namespace
}  // namespace chiso::assignment
