// Authorization and audit of the assignment service over gRPC, with
// authentication on (API keys): who may call what, scope by unit subtree,
// NOT_FOUND for what lies outside it, and one audit event per change.

#include "services/assignment/assignment_access.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "common/audit/audit_log.h"
#include "common/catalog/catalog.h"
#include "common/civil/business_time.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "services/assignment/assignment_service.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/plan_client.h"
#include "services/assignment/task_manager.h"
#include "services/assignment/unit_manager.h"
#include "tests/access/test_identities.h"

namespace chiso::assignment {
namespace {

namespace v1 = chiso::assignment::v1;
namespace pv1 = chiso::plan::v1;
namespace cv1 = chiso::common::v1;
using ::chiso::testing::TestIdentities;
using ::testing::HasSubstr;

cv1::Date D(int y, int m, int d) {
  cv1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

const google::protobuf::ServiceDescriptor& ServiceDescriptor() {
  return *v1::Task::descriptor()->file()->FindServiceByName("AssignmentService");
}

TEST(AssignmentRulesTest, CoverEveryMethodOfTheService) {
  std::unique_ptr<auth::AccessGate> gate = NewAssignmentGate(nullptr);
  absl::Status status = gate->CheckRules(ServiceDescriptor());
  EXPECT_TRUE(status.ok()) << status;
}

class AssignmentAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Set(civil::At(absl::CivilDay(2024, 2, 1), 9, 0));
    db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*db_, AssignmentMigrations()).ok());
    store_ = NewSqlAssignmentStore(db_.get());
    units_ = std::make_unique<UnitManager>(store_.get(), &clock_, &ids_);
    tasks_ = std::make_unique<TaskManager>(store_.get(), &plans_, &catalog_, &clock_, &ids_);

    gate_ = NewAssignmentGate(identities_.authenticator());
    service_ = std::make_unique<AssignmentServiceImpl>(units_.get(), tasks_.get(), gate_.get());

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::AssignmentService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

    admin_ = identities_.Person("people/admin", "units/none", {auth::Role::kAdministrator});
    // The province, with divisions A (and A's team A1) and B.
    province_ = MustCreateUnit("P", "Ủy ban nhân dân tỉnh", v1::UNIT_KIND_PROVINCIAL_COMMITTEE, "");
    a_ = MustCreateUnit("A", "Sở Tài chính", v1::UNIT_KIND_DEPARTMENT, province_.name());
    a1_ = MustCreateUnit("A1", "Phòng Ngân sách", v1::UNIT_KIND_DIVISION, a_.name());
    b_ = MustCreateUnit("B", "Sở Xây dựng", v1::UNIT_KIND_DEPARTMENT, province_.name());
    PutPlan("plans/plan-a", a_);
    PutPlan("plans/plan-b", b_);
    task_a_ = MustCreateTask("plans/plan-a", a1_.name(), "Lập dự toán");
    task_b_ = MustCreateTask("plans/plan-b", b_.name(), "Cấp phép xây dựng");

    reporter_a_ = identities_.Person("people/ra", a_.name(), {auth::Role::kReporter});
    viewer_a_ = identities_.Person("people/va", a_.name(), {auth::Role::kViewer});
    planner_a_ = identities_.Person("people/pa", a_.name(), {auth::Role::kPlanner});
    reporter_b_ = identities_.Person("people/rb", b_.name(), {auth::Role::kReporter});
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // A context carrying `token` ("" for none).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) TestIdentities::Authorize(context.get(), token);
    return context;
  }

  void PutPlan(const std::string& name, const v1::Unit& issuer) {
    pv1::Plan plan;
    plan.set_name(name);
    plan.set_title(absl::StrCat("Kế hoạch của ", issuer.display_name()));
    plan.mutable_issuer()->set_unit(issuer.name());
    plan.mutable_issuer()->set_display_name(issuer.display_name());
    *plan.mutable_issued_on() = D(2024, 1, 15);
    plan.mutable_period()->set_start_year(2024);
    plan.mutable_period()->set_end_year(2024);
    plan.set_status(pv1::PLAN_STATUS_ISSUED);
    plans_.Put(plan);
  }

  v1::Unit MustCreateUnit(const std::string& code, const std::string& name, v1::UnitKind kind,
                          const std::string& parent) {
    v1::CreateUnitRequest request;
    request.mutable_unit()->set_code(code);
    request.mutable_unit()->set_display_name(name);
    request.mutable_unit()->set_kind(kind);
    request.mutable_unit()->set_parent(parent);
    v1::Unit unit;
    const grpc::Status status = stub_->CreateUnit(As(admin_).get(), request, &unit);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return unit;
  }

  static v1::CreateTaskRequest TaskRequest(const std::string& plan, const std::string& lead,
                                           const std::string& title) {
    v1::CreateTaskRequest request;
    request.mutable_task()->set_plan(plan);
    request.mutable_task()->set_title(title);
    request.mutable_task()->mutable_lead_unit()->set_unit(lead);
    *request.mutable_task()->mutable_schedule()->add_milestones()->mutable_due_date() =
        D(2024, 6, 30);
    return request;
  }

  v1::Task MustCreateTask(const std::string& plan, const std::string& lead,
                          const std::string& title) {
    v1::Task task;
    const grpc::Status status =
        stub_->CreateTask(As(admin_).get(), TaskRequest(plan, lead, title), &task);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return task;
  }

  static v1::ReportProgressRequest Report(const v1::Task& task, const std::string& unit,
                                          int percent) {
    v1::ReportProgressRequest request;
    request.set_task(task.name());
    request.mutable_progress_report()->set_reporting_unit(unit);
    request.mutable_progress_report()->set_percent_complete(percent);
    request.mutable_progress_report()->set_note("Đang thực hiện");
    return request;
  }

  // Audit events recorded so far.
  int AuditEvents() {
    cv1::ListAuditEventsRequest request;
    request.set_page_size(1000);
    cv1::ListAuditEventsResponse response;
    const grpc::Status status = stub_->ListAuditEvents(As(admin_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.events_size();
  }

  std::vector<std::string> TaskNames(const std::string& token) {
    v1::ListTasksRequest request;
    v1::ListTasksResponse response;
    const grpc::Status status = stub_->ListTasks(As(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const v1::Task& task : response.tasks()) names.push_back(task.name());
    return names;
  }

  civil::FakeClock clock_;
  IdGenerator ids_;
  TestIdentities identities_;
  Catalog catalog_ = *Catalog::Builtin();
  InMemoryPlanClient plans_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AssignmentStore> store_;
  std::unique_ptr<UnitManager> units_;
  std::unique_ptr<TaskManager> tasks_;
  std::unique_ptr<auth::AccessGate> gate_;
  std::unique_ptr<AssignmentServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AssignmentService::Stub> stub_;
  std::string admin_, reporter_a_, viewer_a_, planner_a_, reporter_b_;
  v1::Unit province_, a_, a1_, b_;
  v1::Task task_a_, task_b_;
};

TEST_F(AssignmentAccessTest, ReporterReportsOnTheTasksOfTheirSubtree) {
  const int before = AuditEvents();
  v1::ReportProgressResponse response;
  const grpc::Status status =
      stub_->ReportProgress(As(reporter_a_).get(), Report(task_a_, a1_.name(), 40), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.task().percent_complete(), 40);
  EXPECT_EQ(AuditEvents(), before + 1);
}

TEST_F(AssignmentAccessTest, ARetriedReportWithItsRequestIdLeavesNoSecondAuditEvent) {
  const int before = AuditEvents();
  v1::ReportProgressRequest request = Report(task_a_, a1_.name(), 40);
  request.set_request_id("5f0c6b1e-4a52-4c1e-9a51-2b7f3c9d0e11");
  request.set_etag(task_a_.etag());
  v1::ReportProgressResponse first;
  const grpc::Status status = stub_->ReportProgress(As(reporter_a_).get(), request, &first);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(AuditEvents(), before + 1);

  // The retry carries the etag the first call saw, now stale: it is the
  // first result, not an ABORTED, and nothing more is recorded.
  v1::ReportProgressResponse again;
  const grpc::Status retried = stub_->ReportProgress(As(reporter_a_).get(), request, &again);
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_EQ(again.progress_report().name(), first.progress_report().name());
  EXPECT_EQ(again.task().etag(), first.task().etag());
  EXPECT_EQ(AuditEvents(), before + 1);

  v1::ListProgressReportsRequest list;
  list.set_parent(task_a_.name());
  v1::ListProgressReportsResponse reports;
  ASSERT_TRUE(stub_->ListProgressReports(As(reporter_a_).get(), list, &reports).ok());
  EXPECT_EQ(reports.progress_reports_size(), 1);
}

TEST_F(AssignmentAccessTest, ReporterCannotReportOnAnotherDivisionsTask) {
  const int before = AuditEvents();
  v1::ReportProgressResponse response;
  const grpc::Status status =
      stub_->ReportProgress(As(reporter_a_).get(), Report(task_b_, b_.name(), 40), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  // Exactly as a task that does not exist.
  v1::ReportProgressRequest missing = Report(task_b_, b_.name(), 40);
  missing.set_task("tasks/no-such-task");
  const grpc::Status absent = stub_->ReportProgress(As(reporter_a_).get(), missing, &response);
  EXPECT_EQ(absent.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), absl::StrCat(task_b_.name(), " not found"));
  EXPECT_EQ(absent.error_message(), "tasks/no-such-task not found");
  EXPECT_EQ(AuditEvents(), before);

  // Nor read it.
  v1::GetTaskRequest get;
  get.set_name(task_b_.name());
  v1::Task task;
  EXPECT_EQ(stub_->GetTask(As(reporter_a_).get(), get, &task).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListProgressReportsRequest reports;
  reports.set_parent(task_b_.name());
  v1::ListProgressReportsResponse listed;
  EXPECT_EQ(stub_->ListProgressReports(As(reporter_a_).get(), reports, &listed).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AssignmentAccessTest, ListTasksShowsOnlyTheCallersSubtree) {
  EXPECT_THAT(TaskNames(reporter_a_), ::testing::ElementsAre(task_a_.name()));
  EXPECT_THAT(TaskNames(reporter_b_), ::testing::ElementsAre(task_b_.name()));
  EXPECT_THAT(TaskNames(admin_), ::testing::UnorderedElementsAre(task_a_.name(), task_b_.name()));

  // Paging over the scope stays correct.
  for (int i = 0; i < 3; ++i) MustCreateTask("plans/plan-b", b_.name(), absl::StrCat("B ", i));
  MustCreateTask("plans/plan-a", a_.name(), "A 2");
  std::vector<std::string> seen;
  v1::ListTasksRequest request;
  request.set_page_size(1);
  for (int pages = 0; pages < 10; ++pages) {
    v1::ListTasksResponse response;
    ASSERT_TRUE(stub_->ListTasks(As(reporter_a_).get(), request, &response).ok());
    for (const v1::Task& task : response.tasks()) seen.push_back(task.plan());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("plans/plan-a", "plans/plan-a"));

  // A filter on another subtree's unit is a unit that does not exist.
  v1::ListTasksRequest other;
  other.mutable_filter()->set_unit(b_.name());
  v1::ListTasksResponse response;
  EXPECT_EQ(stub_->ListTasks(As(reporter_a_).get(), other, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AssignmentAccessTest, TasksOfAPlanIssuedInTheSubtreeAreVisible) {
  // B leads a task of A's plan: A's people see it through the plan's issuer.
  const v1::Task shared = MustCreateTask("plans/plan-a", b_.name(), "Phối hợp cấp phép");
  EXPECT_THAT(TaskNames(viewer_a_), ::testing::UnorderedElementsAre(task_a_.name(), shared.name()));
  // But a reporter of A neither leads nor coordinates it.
  v1::ReportProgressResponse response;
  const grpc::Status status =
      stub_->ReportProgress(As(reporter_a_).get(), Report(shared, b_.name(), 10), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("report"));
}

TEST_F(AssignmentAccessTest, ReporterReportsOnlyForUnitsOfTheirSubtree) {
  // A coordinates B's task; A's reporter may report as A, not as the lead B.
  v1::UpdateTaskRequest update;
  update.mutable_task()->set_name(task_b_.name());
  update.mutable_task()->add_coordinating_units()->set_unit(a_.name());
  update.mutable_update_mask()->add_paths("coordinating_units");
  v1::Task updated;
  ASSERT_TRUE(stub_->UpdateTask(As(admin_).get(), update, &updated).ok());

  v1::ReportProgressResponse response;
  EXPECT_TRUE(
      stub_->ReportProgress(As(reporter_a_).get(), Report(task_b_, a_.name(), 20), &response).ok());
  const grpc::Status as_lead =
      stub_->ReportProgress(As(reporter_a_).get(), Report(task_b_, b_.name(), 20), &response);
  EXPECT_EQ(as_lead.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(as_lead.error_message(), HasSubstr("reporting_unit"));
}

TEST_F(AssignmentAccessTest, ViewerCannotReport) {
  const int before = AuditEvents();
  v1::ReportProgressResponse response;
  const grpc::Status status =
      stub_->ReportProgress(As(viewer_a_).get(), Report(task_a_, a1_.name(), 40), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("\"report\""));
  EXPECT_EQ(AuditEvents(), before);
}

TEST_F(AssignmentAccessTest, PlannerCannotCreateUnitsOrTasksOutsideTheirSubtree) {
  const int before = AuditEvents();
  v1::CreateUnitRequest unit;
  unit.mutable_unit()->set_code("B9");
  unit.mutable_unit()->set_display_name("Phòng mới của B");
  unit.mutable_unit()->set_kind(v1::UNIT_KIND_DIVISION);
  unit.mutable_unit()->set_parent(b_.name());
  v1::Unit created;
  const grpc::Status under_b = stub_->CreateUnit(As(planner_a_).get(), unit, &created);
  EXPECT_EQ(under_b.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(under_b.error_message(), absl::StrCat("unit.parent: ", b_.name(), " not found"));

  unit.mutable_unit()->clear_parent();
  EXPECT_EQ(stub_->CreateUnit(As(planner_a_).get(), unit, &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::Task task;
  const grpc::Status for_b = stub_->CreateTask(
      As(planner_a_).get(), TaskRequest("plans/plan-b", b_.name(), "Không được"), &task);
  EXPECT_EQ(for_b.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(for_b.error_message(), "task.plan: plans/plan-b not found");
  EXPECT_EQ(AuditEvents(), before);

  // Within their subtree they may.
  unit.mutable_unit()->set_code("A9");
  unit.mutable_unit()->set_parent(a_.name());
  ASSERT_TRUE(stub_->CreateUnit(As(planner_a_).get(), unit, &created).ok());
  ASSERT_TRUE(stub_
                  ->CreateTask(As(planner_a_).get(),
                               TaskRequest("plans/plan-a", created.name(), "Được"), &task)
                  .ok());
  EXPECT_EQ(AuditEvents(), before + 2);
}

TEST_F(AssignmentAccessTest, EndUnitNeedsAdminister) {
  v1::EndUnitRequest request;
  request.set_name(a1_.name());
  *request.mutable_valid_to() = D(2024, 1, 31);
  v1::Unit unit;
  const grpc::Status status = stub_->EndUnit(As(planner_a_).get(), request, &unit);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("administer"));

  v1::MergeUnitRequest merge;
  merge.set_name(a1_.name());
  merge.set_successor(a_.name());
  *merge.mutable_effective_date() = D(2024, 2, 1);
  v1::MergeUnitResponse merged;
  EXPECT_EQ(stub_->MergeUnit(As(planner_a_).get(), merge, &merged).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AssignmentAccessTest, UnitsAndPeopleOutsideTheSubtreeAreMissing) {
  v1::GetUnitRequest get;
  get.set_name(b_.name());
  v1::Unit unit;
  const grpc::Status status = stub_->GetUnit(As(viewer_a_).get(), get, &unit);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), absl::StrCat(b_.name(), " not found"));

  v1::ListUnitsRequest list;
  v1::ListUnitsResponse units;
  ASSERT_TRUE(stub_->ListUnits(As(viewer_a_).get(), list, &units).ok());
  std::vector<std::string> names;
  for (const v1::Unit& u : units.units()) names.push_back(u.name());
  EXPECT_THAT(names, ::testing::UnorderedElementsAre(a_.name(), a1_.name()));

  v1::CreatePersonRequest person;
  person.mutable_person()->set_display_name("Nguyễn Văn B");
  person.mutable_person()->set_unit(b_.name());
  v1::Person created;
  ASSERT_TRUE(stub_->CreatePerson(As(admin_).get(), person, &created).ok());
  v1::GetPersonRequest get_person;
  get_person.set_name(created.name());
  v1::Person got;
  EXPECT_EQ(stub_->GetPerson(As(planner_a_).get(), get_person, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListPeopleRequest people;
  v1::ListPeopleResponse listed;
  ASSERT_TRUE(stub_->ListPeople(As(planner_a_).get(), people, &listed).ok());
  EXPECT_EQ(listed.people_size(), 0);
  ASSERT_TRUE(stub_->ListPeople(As(admin_).get(), people, &listed).ok());
  EXPECT_EQ(listed.people_size(), 1);
}

TEST_F(AssignmentAccessTest, PlannerChangesOnlyTasksOfPlansIssuedInTheirSubtree) {
  // A's team leads a task of B's plan: A's planner sees it but may not
  // change it; B's plan is not theirs.
  const v1::Task of_b = MustCreateTask("plans/plan-b", a1_.name(), "Hỗ trợ B");
  const int before = AuditEvents();
  v1::CancelTaskRequest cancel;
  cancel.set_name(of_b.name());
  cancel.set_reason("Không còn cần");
  v1::Task task;
  const grpc::Status status = stub_->CancelTask(As(planner_a_).get(), cancel, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("plan"));
  cancel.set_name(task_b_.name());
  EXPECT_EQ(stub_->CancelTask(As(planner_a_).get(), cancel, &task).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(AuditEvents(), before);

  cancel.set_name(task_a_.name());
  ASSERT_TRUE(stub_->CancelTask(As(planner_a_).get(), cancel, &task).ok());
  EXPECT_EQ(AuditEvents(), before + 1);
}

TEST_F(AssignmentAccessTest, EverySuccessfulChangeLeavesOneAuditEventAndFailuresNone) {
  int events = AuditEvents();
  v1::Unit unit = MustCreateUnit("A7", "Phòng Thẩm định", v1::UNIT_KIND_DIVISION, a_.name());
  EXPECT_EQ(AuditEvents(), ++events);

  v1::UpdateUnitRequest update;
  update.mutable_unit()->set_name(unit.name());
  update.mutable_unit()->set_display_name("Phòng Thẩm định giá");
  update.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(stub_->UpdateUnit(As(planner_a_).get(), update, &unit).ok());
  EXPECT_EQ(AuditEvents(), ++events);
  update.mutable_unit()->set_etag("stale");
  EXPECT_EQ(stub_->UpdateUnit(As(planner_a_).get(), update, &unit).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(AuditEvents(), events);

  v1::CreatePersonRequest person;
  person.mutable_person()->set_display_name("Trần Thị C");
  person.mutable_person()->set_unit(unit.name());
  v1::Person created;
  ASSERT_TRUE(stub_->CreatePerson(As(planner_a_).get(), person, &created).ok());
  EXPECT_EQ(AuditEvents(), ++events);
  v1::DeletePersonRequest remove;
  remove.set_name(created.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub_->DeletePerson(As(planner_a_).get(), remove, &empty).ok());
  EXPECT_EQ(AuditEvents(), ++events);
  EXPECT_EQ(stub_->DeletePerson(As(planner_a_).get(), remove, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(AuditEvents(), events);

  v1::ReportProgressResponse reported;
  ASSERT_TRUE(
      stub_->ReportProgress(As(reporter_a_).get(), Report(task_a_, a1_.name(), 30), &reported)
          .ok());
  EXPECT_EQ(AuditEvents(), ++events);
  EXPECT_EQ(
      stub_->ReportProgress(As(reporter_a_).get(), Report(task_a_, a1_.name(), 300), &reported)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(AuditEvents(), events);

  v1::MergeUnitRequest merge;
  merge.set_name(unit.name());
  merge.set_successor(a1_.name());
  *merge.mutable_effective_date() = D(2024, 2, 1);
  merge.set_validate_only(true);
  v1::MergeUnitResponse merged;
  ASSERT_TRUE(stub_->MergeUnit(As(admin_).get(), merge, &merged).ok());
  EXPECT_EQ(AuditEvents(), events);
  merge.set_validate_only(false);
  ASSERT_TRUE(stub_->MergeUnit(As(admin_).get(), merge, &merged).ok());
  EXPECT_EQ(AuditEvents(), ++events);

  // The event names who did it.
  cv1::ListAuditEventsRequest request;
  request.set_resource(task_a_.name());
  cv1::ListAuditEventsResponse response;
  ASSERT_TRUE(stub_->ListAuditEvents(As(admin_).get(), request, &response).ok());
  ASSERT_GE(response.events_size(), 1);
  EXPECT_THAT(response.events(0).principal(), HasSubstr("people/ra"));
  EXPECT_THAT(response.events(0).rpc(), HasSubstr("ReportProgress"));

  // Only administrators read the trail.
  EXPECT_EQ(stub_->ListAuditEvents(As(planner_a_).get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AssignmentAccessTest, EveryRpcRefusesACallerWithoutCredential) {
  const google::protobuf::ServiceDescriptor& service = ServiceDescriptor();
  int checked = 0;
  auto expect_refused = [&](const std::string& method, const grpc::Status& status) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << method;
    ++checked;
  };
  const int before = AuditEvents();
  {
    v1::Unit out;
    expect_refused("CreateUnit", stub_->CreateUnit(As("").get(), {}, &out));
    expect_refused("GetUnit", stub_->GetUnit(As("").get(), {}, &out));
    expect_refused("UpdateUnit", stub_->UpdateUnit(As("").get(), {}, &out));
    expect_refused("EndUnit", stub_->EndUnit(As("").get(), {}, &out));
  }
  {
    v1::ListUnitsResponse out;
    expect_refused("ListUnits", stub_->ListUnits(As("").get(), {}, &out));
    v1::MergeUnitResponse merged;
    expect_refused("MergeUnit", stub_->MergeUnit(As("").get(), {}, &merged));
    v1::ResolveUnitResponse resolved;
    expect_refused("ResolveUnit", stub_->ResolveUnit(As("").get(), {}, &resolved));
  }
  {
    v1::Person out;
    expect_refused("CreatePerson", stub_->CreatePerson(As("").get(), {}, &out));
    expect_refused("GetPerson", stub_->GetPerson(As("").get(), {}, &out));
    expect_refused("UpdatePerson", stub_->UpdatePerson(As("").get(), {}, &out));
    v1::ListPeopleResponse people;
    expect_refused("ListPeople", stub_->ListPeople(As("").get(), {}, &people));
    google::protobuf::Empty empty;
    expect_refused("DeletePerson", stub_->DeletePerson(As("").get(), {}, &empty));
    expect_refused("DeleteTask", stub_->DeleteTask(As("").get(), {}, &empty));
  }
  {
    v1::Task out;
    expect_refused("CreateTask", stub_->CreateTask(As("").get(), {}, &out));
    expect_refused("GetTask", stub_->GetTask(As("").get(), {}, &out));
    expect_refused("UpdateTask", stub_->UpdateTask(As("").get(), {}, &out));
    expect_refused("CancelTask", stub_->CancelTask(As("").get(), {}, &out));
    expect_refused("ReopenTask", stub_->ReopenTask(As("").get(), {}, &out));
    v1::ListTasksResponse tasks;
    expect_refused("ListTasks", stub_->ListTasks(As("").get(), {}, &tasks));
  }
  {
    v1::ReportProgressResponse reported;
    expect_refused("ReportProgress", stub_->ReportProgress(As("").get(), {}, &reported));
    v1::ProgressReport report;
    expect_refused("GetProgressReport", stub_->GetProgressReport(As("").get(), {}, &report));
    v1::ListProgressReportsResponse reports;
    expect_refused("ListProgressReports", stub_->ListProgressReports(As("").get(), {}, &reports));
    v1::ImportTasksResponse imported;
    expect_refused("ImportTasks", stub_->ImportTasks(As("").get(), {}, &imported));
    v1::UnitSummary unit_summary;
    expect_refused("GetUnitSummary", stub_->GetUnitSummary(As("").get(), {}, &unit_summary));
    v1::PlanSummary plan_summary;
    expect_refused("GetPlanSummary", stub_->GetPlanSummary(As("").get(), {}, &plan_summary));
    cv1::ListAuditEventsResponse events;
    expect_refused("ListAuditEvents", stub_->ListAuditEvents(As("").get(), {}, &events));
  }
  // A tampered token is no better than none.
  {
    std::string tampered = reporter_a_;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    v1::Unit out;
    v1::GetUnitRequest get;
    get.set_name(a_.name());
    EXPECT_EQ(stub_->GetUnit(As(tampered).get(), get, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(checked, service.method_count());
  EXPECT_EQ(AuditEvents(), before);
}

TEST_F(AssignmentAccessTest, ImportsAndSummariesStayWithinTheSubtree) {
  const int before = AuditEvents();
  v1::ImportTasksRequest import;
  import.set_plan("plans/plan-b");
  cv1::TaskDraft* draft = import.add_drafts();
  draft->set_draft_id("d1");
  draft->set_title("Rà soát thủ tục");
  draft->add_lead_units("Sở Xây dựng");
  v1::ImportTasksResponse imported;
  const grpc::Status status = stub_->ImportTasks(As(planner_a_).get(), import, &imported);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "plan: plans/plan-b not found");
  EXPECT_EQ(AuditEvents(), before);

  v1::GetUnitSummaryRequest summary;
  summary.set_unit(b_.name());
  v1::UnitSummary unit_summary;
  EXPECT_EQ(stub_->GetUnitSummary(As(viewer_a_).get(), summary, &unit_summary).error_code(),
            grpc::StatusCode::NOT_FOUND);
  summary.set_unit(a_.name());
  summary.set_include_subtree(true);
  ASSERT_TRUE(stub_->GetUnitSummary(As(viewer_a_).get(), summary, &unit_summary).ok());
  EXPECT_EQ(unit_summary.lead_tasks().total(), 1);
}

TEST_F(AssignmentAccessTest, ResolveUnitOffersOnlyUnitsInScope) {
  v1::ResolveUnitRequest request;
  request.set_text("Sở Xây dựng");
  v1::ResolveUnitResponse response;
  ASSERT_TRUE(stub_->ResolveUnit(As(admin_).get(), request, &response).ok());
  ASSERT_EQ(response.outcome(), v1::RESOLUTION_OUTCOME_RESOLVED);
  EXPECT_EQ(response.candidates(0).unit(), b_.name());

  ASSERT_TRUE(stub_->ResolveUnit(As(viewer_a_).get(), request, &response).ok());
  EXPECT_NE(response.outcome(), v1::RESOLUTION_OUTCOME_RESOLVED);
  for (const v1::UnitCandidate& candidate : response.candidates()) {
    EXPECT_NE(candidate.unit(), b_.name());
  }
  request.set_context_unit(b_.name());
  const grpc::Status status = stub_->ResolveUnit(As(viewer_a_).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("context_unit: unit \"", b_.name(), "\" not found"));
}

TEST_F(AssignmentAccessTest, CommittedUnitChangesAndOnlyThoseAreAnnounced) {
  int announced = 0;
  service_->SetUnitChangeListener([&announced] { ++announced; });
  v1::CreateUnitRequest request;
  request.mutable_unit()->set_code("B5");
  request.mutable_unit()->set_display_name("Phòng Quản lý nhà");
  request.mutable_unit()->set_kind(v1::UNIT_KIND_DIVISION);
  request.mutable_unit()->set_parent(b_.name());
  v1::Unit unit;
  EXPECT_EQ(stub_->CreateUnit(As(planner_a_).get(), request, &unit).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(announced, 0);
  ASSERT_TRUE(stub_->CreateUnit(As(admin_).get(), request, &unit).ok());
  EXPECT_EQ(announced, 1);
  v1::EndUnitRequest end;
  end.set_name(unit.name());
  *end.mutable_valid_to() = D(2024, 1, 31);
  ASSERT_TRUE(stub_->EndUnit(As(admin_).get(), end, &unit).ok());
  EXPECT_EQ(announced, 2);
}

TEST_F(AssignmentAccessTest, PlanSummaryOfAnotherSubtreeShowsOnlyTheCallersTasks) {
  // B's plan with a task led by A's team and one led by B.
  const v1::Task helped = MustCreateTask("plans/plan-b", a1_.name(), "Hỗ trợ B");
  v1::GetPlanSummaryRequest request;
  request.set_plan("plans/plan-b");
  v1::PlanSummary summary;
  ASSERT_TRUE(stub_->GetPlanSummary(As(viewer_a_).get(), request, &summary).ok());
  EXPECT_EQ(summary.tasks().total(), 1);
  ASSERT_TRUE(stub_->GetPlanSummary(As(reporter_b_).get(), request, &summary).ok());
  EXPECT_EQ(summary.tasks().total(), 2);
  // A plan of which the caller sees nothing is missing.
  request.set_plan("plans/plan-a");
  EXPECT_EQ(stub_->GetPlanSummary(As(reporter_b_).get(), request, &summary).error_code(),
            grpc::StatusCode::NOT_FOUND);
  (void)helped;
}

TEST_F(AssignmentAccessTest, TaskUnitsResolveOnlyWithinTheCallersScope) {
  const int before = AuditEvents();
  // By display name: B's unit is not offered to A's planner.
  v1::CreateTaskRequest request = TaskRequest("plans/plan-a", "", "Phối hợp cấp phép");
  request.mutable_task()->mutable_lead_unit()->set_display_name("Sở Xây dựng");
  v1::Task task;
  grpc::Status status = stub_->CreateTask(As(planner_a_).get(), request, &task);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr(b_.name())));
  EXPECT_EQ(AuditEvents(), before);

  // By name: out of scope answers exactly as a missing unit.
  request = TaskRequest("plans/plan-a", b_.name(), "Phối hợp cấp phép");
  status = stub_->CreateTask(As(planner_a_).get(), request, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), absl::StrCat("task.lead_unit.unit: ", b_.name(), " not found"));
  request = TaskRequest("plans/plan-a", "units/nonexistent", "Phối hợp cấp phép");
  status = stub_->CreateTask(As(planner_a_).get(), request, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "task.lead_unit.unit: units/nonexistent not found");

  // A coordinating unit out of scope too.
  request = TaskRequest("plans/plan-a", a1_.name(), "Phối hợp cấp phép");
  request.mutable_task()->add_coordinating_units()->set_unit(b_.name());
  status = stub_->CreateTask(As(planner_a_).get(), request, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("task.coordinating_units[0].unit: ", b_.name(), " not found"));

  // An ended unit out of scope: missing, without its display name.
  const v1::Unit ended = MustCreateUnit("B9", "Phòng Giải thể", v1::UNIT_KIND_DIVISION, b_.name());
  v1::EndUnitRequest end;
  end.set_name(ended.name());
  *end.mutable_valid_to() = D(2024, 1, 31);
  v1::Unit unit;
  ASSERT_TRUE(stub_->EndUnit(As(admin_).get(), end, &unit).ok());
  const int after_end = AuditEvents();
  request = TaskRequest("plans/plan-a", ended.name(), "Phối hợp cấp phép");
  status = stub_->CreateTask(As(planner_a_).get(), request, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("task.lead_unit.unit: ", ended.name(), " not found"));

  // UpdateTask may not move a task to an out-of-scope lead either.
  v1::UpdateTaskRequest update;
  update.mutable_task()->set_name(task_a_.name());
  update.mutable_task()->mutable_lead_unit()->set_unit(b_.name());
  update.mutable_update_mask()->add_paths("lead_unit");
  status = stub_->UpdateTask(As(planner_a_).get(), update, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), absl::StrCat("task.lead_unit.unit: ", b_.name(), " not found"));
  EXPECT_EQ(AuditEvents(), after_end);

  // Units the task already names stay allowed.
  request = TaskRequest("plans/plan-a", a1_.name(), "Phối hợp với B");
  request.mutable_task()->add_coordinating_units()->set_unit(b_.name());
  ASSERT_TRUE(stub_->CreateTask(As(admin_).get(), request, &task).ok());
  v1::UpdateTaskRequest retitle;
  retitle.mutable_task()->set_name(task.name());
  retitle.mutable_task()->set_title("Phối hợp với Sở Xây dựng");
  retitle.mutable_update_mask()->add_paths("title");
  status = stub_->UpdateTask(As(planner_a_).get(), retitle, &task);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // Unrestricted callers resolve as before.
  request = TaskRequest("plans/plan-a", "", "Phối hợp cấp phép");
  request.mutable_task()->mutable_lead_unit()->set_display_name("Sở Xây dựng");
  status = stub_->CreateTask(As(admin_).get(), request, &task);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(task.lead_unit().unit(), b_.name());
}

TEST_F(AssignmentAccessTest, ImportedDraftsResolveOnlyWithinTheCallersScope) {
  for (bool validate_only : {true, false}) {
    SCOPED_TRACE(validate_only);
    const int before = AuditEvents();
    v1::ImportTasksRequest import;
    import.set_plan("plans/plan-a");
    import.set_validate_only(validate_only);
    cv1::TaskDraft* draft = import.add_drafts();
    draft->set_draft_id("d1");
    draft->set_title("Rà soát thủ tục");
    draft->add_lead_units("Sở Xây dựng");
    draft->add_coordinating_units("Sở Xây dựng");
    *draft->mutable_schedule()->add_milestones()->mutable_due_date() = D(2024, 6, 30);
    v1::ImportTasksResponse imported;
    const grpc::Status status = stub_->ImportTasks(As(planner_a_).get(), import, &imported);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(imported.results_size(), 1);
    const v1::DraftResult& result = imported.results(0);
    EXPECT_TRUE(result.tasks().empty());
    ASSERT_EQ(result.lead_units_size(), 1);
    EXPECT_EQ(result.lead_units(0).outcome(), v1::RESOLUTION_OUTCOME_UNRESOLVED);
    EXPECT_THAT(result.DebugString(), ::testing::Not(HasSubstr(b_.name())));
    if (validate_only) {
      EXPECT_EQ(AuditEvents(), before);
    }
  }
}

TEST_F(AssignmentAccessTest, ListTasksOfAHiddenPlanAnswersAsAMissingOne) {
  v1::ListTasksRequest request;
  v1::ListTasksResponse response;
  request.mutable_filter()->set_plan("plans/plan-b");
  grpc::Status status = stub_->ListTasks(As(viewer_a_).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "plans/plan-b not found");
  request.mutable_filter()->set_plan("plans/nonexistent");
  status = stub_->ListTasks(As(viewer_a_).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "plans/nonexistent not found");

  // Taking part in the plan shows the caller's tasks of it, as
  // GetPlanSummary counts them.
  const v1::Task helped = MustCreateTask("plans/plan-b", a1_.name(), "Hỗ trợ B");
  request.mutable_filter()->set_plan("plans/plan-b");
  status = stub_->ListTasks(As(viewer_a_).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.tasks_size(), 1);
  EXPECT_EQ(response.tasks(0).name(), helped.name());
  // Unrestricted callers see every task of the plan.
  ASSERT_TRUE(stub_->ListTasks(As(admin_).get(), request, &response).ok());
  EXPECT_EQ(response.tasks_size(), 2);
}

TEST_F(AssignmentAccessTest, TaskRefusalsDoNotNameAHiddenIssuer) {
  const v1::Task of_b = MustCreateTask("plans/plan-b", a1_.name(), "Hỗ trợ B");
  v1::CancelTaskRequest cancel;
  cancel.set_name(of_b.name());
  cancel.set_reason("Không còn cần");
  v1::Task task;
  grpc::Status status = stub_->CancelTask(As(planner_a_).get(), cancel, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr(b_.name())));
  v1::DeleteTaskRequest remove;
  remove.set_name(of_b.name());
  google::protobuf::Empty empty;
  status = stub_->DeleteTask(As(planner_a_).get(), remove, &empty);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr(b_.name())));
}

}  // namespace
}  // namespace chiso::assignment
