#include "services/assignment/task_manager.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/civil/business_time.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace chiso::assignment {
namespace {

using ::chiso::common::v1::Date;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace pv1 = ::chiso::plan::v1;

Date D(int y, int m, int d) {
  Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::string Key(const Date& d) { return absl::StrCat(d.year(), "-", d.month(), "-", d.day()); }

constexpr char kPlan[] = "plans/ddci-2024";
constexpr char kClosedPlan[] = "plans/old-2023";

class TaskManagerTest : public ::testing::Test {
 protected:
  // The database of the test: SQLite in memory unless a fixture says.
  virtual std::unique_ptr<storage::Database> OpenDb() { return *storage::OpenSqlite(":memory:"); }

  void SetUp() override {
    db_ = OpenDb();
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, AssignmentMigrations()).ok());
    store_ = NewSqlAssignmentStore(db_.get());
    absl::StatusOr<Catalog> catalog = Catalog::Builtin();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<Catalog>(*std::move(catalog));
    // A fictional province with two districts, each with its own finance
    // division abbreviated "Phòng TC-KH".
    province_ =
        Put("UBND-TNS", "Ủy ban nhân dân tỉnh Núi Sương", apb::UNIT_KIND_PROVINCIAL_COMMITTEE, "");
    district_ = Put("UBND-HKL", "Ủy ban nhân dân huyện Khau Lừ", apb::UNIT_KIND_DISTRICT_COMMITTEE,
                    province_.name(), {"UBND huyện Khau Lừ"});
    finance_ = Put("HKL-TCKH", "Phòng Tài chính - Kế hoạch huyện Khau Lừ", apb::UNIT_KIND_DIVISION,
                   district_.name(), {"Phòng TC-KH"});
    office_ = Put("HKL-VP", "Văn phòng HĐND và UBND huyện Khau Lừ", apb::UNIT_KIND_OFFICE,
                  district_.name());
    economy_ = Put("HKL-KTHT", "Phòng Kinh tế và Hạ tầng huyện Khau Lừ", apb::UNIT_KIND_DIVISION,
                   district_.name());
    other_district_ = Put("UBND-HBM", "Ủy ban nhân dân huyện Bó Mười",
                          apb::UNIT_KIND_DISTRICT_COMMITTEE, province_.name());
    other_finance_ = Put("HBM-TCKH", "Phòng Tài chính - Kế hoạch huyện Bó Mười",
                         apb::UNIT_KIND_DIVISION, other_district_.name(), {"Phòng TC-KH"});

    pv1::Plan plan;
    plan.set_name(kPlan);
    plan.set_title("Nâng cao chỉ số DDCI huyện Khau Lừ năm 2024");
    plan.mutable_issuer()->set_display_name(district_.display_name());
    plan.mutable_issuer()->set_unit(district_.name());
    *plan.mutable_issued_on() = D(2024, 1, 15);
    plan.mutable_period()->set_start_year(2024);
    plan.mutable_period()->set_end_year(2024);
    plan.set_status(pv1::PLAN_STATUS_ISSUED);
    pv1::Objective* objective = plan.add_objectives();
    objective->set_id("o-time");
    objective->set_framework("DDCI");
    objective->set_component("TIME_COSTS");
    objective = plan.add_objectives();
    objective->set_id("o-open");
    objective->set_framework("DDCI");
    objective->set_component("TRANSPARENCY");
    plans_.Put(plan);
    pv1::Plan closed = plan;
    closed.set_name(kClosedPlan);
    closed.set_status(pv1::PLAN_STATUS_CLOSED);
    plans_.Put(closed);

    SetDay(2024, 2, 1);
    manager_ = std::make_unique<TaskManager>(store_.get(), &plans_, catalog_.get(), &clock_, &ids_,
                                             TaskManagerOptions());
  }

  void SetDay(int y, int m, int d) { clock_.Set(civil::At(absl::CivilDay(y, m, d), 9, 0)); }

  Unit Put(const std::string& code, const std::string& name, apb::UnitKind kind,
           const std::string& parent, const std::vector<std::string>& aliases = {}) {
    Unit unit;
    unit.set_name(absl::StrCat("units/", ids_.Next()));
    unit.set_code(code);
    unit.set_display_name(name);
    unit.set_kind(kind);
    unit.set_parent(parent);
    unit.set_state(apb::UNIT_STATE_ACTIVE);
    for (const std::string& a : aliases) unit.add_aliases(a);
    absl::StatusOr<Unit> created = store_->CreateUnit(unit);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Unit();
  }

  // A task request due on `due`, led by `lead`.
  apb::Task Draft(const std::string& title, const Unit& lead, const Date& due,
                  const std::string& plan = kPlan) {
    apb::Task task;
    task.set_plan(plan);
    task.set_title(title);
    task.mutable_lead_unit()->set_unit(lead.name());
    *task.mutable_schedule()->add_milestones()->mutable_due_date() = due;
    return task;
  }

  absl::StatusOr<apb::Task> Create(const apb::Task& task) {
    apb::CreateTaskRequest request;
    *request.mutable_task() = task;
    return manager_->CreateTask(request);
  }

  apb::Task MustCreate(const apb::Task& task) {
    absl::StatusOr<apb::Task> created = Create(task);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : apb::Task();
  }

  apb::Task Get(const std::string& name) {
    apb::GetTaskRequest request;
    request.set_name(name);
    absl::StatusOr<apb::Task> task = manager_->GetTask(request);
    EXPECT_TRUE(task.ok()) << task.status();
    return task.ok() ? *task : apb::Task();
  }

  absl::StatusOr<apb::ReportProgressResponse> Report(const apb::Task& task, const Unit& unit,
                                                     apb::TaskStatus status, int percent,
                                                     bool evidence) {
    apb::ReportProgressRequest request;
    request.set_task(task.name());
    apb::ProgressReport* report = request.mutable_progress_report();
    report->set_reporting_unit(unit.name());
    report->set_status(status);
    report->set_percent_complete(percent);
    report->set_note("Đã triển khai");
    if (evidence) report->add_evidence()->mutable_document()->set_number("17/BC-UBND");
    return manager_->ReportProgress(request);
  }

  std::vector<std::string> Titles(const apb::TaskFilter& filter, int page_size = 0) {
    std::vector<std::string> titles;
    apb::ListTasksRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(page_size);
    for (int guard = 0; guard < 20; ++guard) {
      absl::StatusOr<apb::ListTasksResponse> page = manager_->ListTasks(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const apb::Task& t : page->tasks()) titles.push_back(t.title());
      if (page->next_page_token().empty()) break;
      request.set_page_token(page->next_page_token());
    }
    return titles;
  }

  IdGenerator ids_;
  civil::FakeClock clock_;
  InMemoryPlanClient plans_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AssignmentStore> store_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<TaskManager> manager_;
  Unit province_, district_, finance_, office_, economy_, other_district_, other_finance_;
};

TEST_F(TaskManagerTest, CreatesFromAPhraseOnlyScheduleAndResolvesTheLeadInTheIssuerSubtree) {
  apb::Task task;
  task.set_plan(kPlan);
  task.set_title("Rà soát thủ tục đầu tư");
  task.mutable_lead_unit()->set_display_name("Phòng TC-KH");
  task.add_coordinating_units()->set_display_name("Văn phòng HĐND và UBND huyện Khau Lừ");
  task.mutable_schedule()->set_phrase(
      "Xây dựng kế hoạch trong Quý I/2024, triển khai xong trước 30/9/2024");
  task.set_objective_id("o-time");
  apb::Task created = MustCreate(task);
  EXPECT_THAT(created.name(), HasSubstr("tasks/"));
  EXPECT_EQ(created.lead_unit().unit(), finance_.name());  // not Bó Mười's
  EXPECT_EQ(created.lead_unit().display_name(), "Phòng TC-KH");
  EXPECT_EQ(created.coordinating_units(0).unit(), office_.name());
  EXPECT_EQ(created.status(), apb::TASK_STATUS_NOT_STARTED);
  EXPECT_EQ(created.effective_component().component(), "TIME_COSTS");
  ASSERT_EQ(created.occurrences_size(), 2);
  EXPECT_EQ(Key(created.occurrences(0).due_date()), "2024-3-31");
  EXPECT_EQ(Key(created.occurrences(1).due_date()), "2024-9-30");
  EXPECT_EQ(Key(created.next_due_date()), "2024-3-31");
  EXPECT_EQ(created.timeliness(), apb::TIMELINESS_ON_TRACK);
  EXPECT_EQ(created.etag(), "1");
  EXPECT_EQ(Get(created.name()).schedule().phrase(), task.schedule().phrase());
}

TEST_F(TaskManagerTest, RejectsAClauseWithTwoLeads) {
  apb::Task task = Draft("Công khai thủ tục", finance_, D(2024, 6, 30));
  task.mutable_lead_unit()->clear_unit();
  task.mutable_lead_unit()->set_display_name(
      "Phòng Tài chính - Kế hoạch huyện Khau Lừ, Phòng Kinh tế và Hạ tầng huyện Khau Lừ");
  absl::StatusOr<apb::Task> created = Create(task);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(created.status().message(), HasSubstr("one lead"));
}

TEST_F(TaskManagerTest, ChecksThePlan) {
  EXPECT_EQ(Create(Draft("x", finance_, D(2024, 6, 30), "plans/nope")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Create(Draft("x", finance_, D(2024, 6, 30), kClosedPlan)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TaskManagerTest, UnresolvedOrUnknownUnitsAreRejected) {
  apb::Task task = Draft("x", finance_, D(2024, 6, 30));
  task.mutable_lead_unit()->clear_unit();
  task.mutable_lead_unit()->set_display_name("Phòng Văn hóa và Thông tin huyện Khau Lừ");
  absl::StatusOr<apb::Task> created = Create(task);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(created.status().message(), HasSubstr("candidates"));

  apb::Task unknown = Draft("x", finance_, D(2024, 6, 30));
  unknown.mutable_lead_unit()->set_unit("units/nobody");
  EXPECT_EQ(Create(unknown).status().code(), absl::StatusCode::kNotFound);

  apb::Task same = Draft("x", finance_, D(2024, 6, 30));
  same.add_coordinating_units()->set_display_name("Phòng TC-KH");
  EXPECT_EQ(Create(same).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TaskManagerTest, TimelinessAtTheBoundaries) {
  apb::Task today = MustCreate(Draft("Hạn hôm nay", finance_, D(2024, 5, 10)));
  apb::Task yesterday = MustCreate(Draft("Hạn hôm qua", finance_, D(2024, 5, 9)));
  apb::Task later = MustCreate(Draft("Còn xa", finance_, D(2024, 8, 1)));
  SetDay(2024, 5, 10);
  EXPECT_EQ(Get(today.name()).timeliness(), apb::TIMELINESS_DUE_SOON);
  EXPECT_EQ(Get(yesterday.name()).timeliness(), apb::TIMELINESS_OVERDUE);
  EXPECT_EQ(Get(later.name()).timeliness(), apb::TIMELINESS_ON_TRACK);

  SetDay(2024, 5, 11);
  absl::StatusOr<apb::ReportProgressResponse> done =
      Report(today, finance_, apb::TASK_STATUS_DONE, 100, true);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->task().status(), apb::TASK_STATUS_DONE);
  EXPECT_EQ(done->task().timeliness(), apb::TIMELINESS_DONE_LATE);
  EXPECT_EQ(done->task().percent_complete(), 100);
  EXPECT_EQ(Get(today.name()).timeliness(), apb::TIMELINESS_DONE_LATE);
}

TEST_F(TaskManagerTest, CompletingNeedsEvidenceUnlessAnEarlierReportHadIt) {
  apb::Task task = MustCreate(Draft("Báo cáo", finance_, D(2024, 6, 30)));
  absl::StatusOr<apb::ReportProgressResponse> bare =
      Report(task, finance_, apb::TASK_STATUS_DONE, 100, false);
  EXPECT_EQ(bare.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get(task.name()).status(), apb::TASK_STATUS_NOT_STARTED);

  absl::StatusOr<apb::ReportProgressResponse> partial =
      Report(task, finance_, apb::TASK_STATUS_IN_PROGRESS, 40, true);
  ASSERT_TRUE(partial.ok()) << partial.status();
  EXPECT_EQ(partial->task().status(), apb::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ(partial->task().percent_complete(), 40);
  EXPECT_THAT(partial->progress_report().name(), HasSubstr(task.name() + "/progressReports/"));
  EXPECT_EQ(Key(partial->progress_report().as_of()), "2024-2-1");

  absl::StatusOr<apb::ReportProgressResponse> done =
      Report(task, finance_, apb::TASK_STATUS_DONE, 100, false);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->task().timeliness(), apb::TIMELINESS_DONE_ON_TIME);

  apb::GetProgressReportRequest get;
  get.set_name(partial->progress_report().name());
  absl::StatusOr<apb::ProgressReport> stored = manager_->GetProgressReport(get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->percent_complete(), 40);

  apb::ListProgressReportsRequest list;
  list.set_parent(task.name());
  list.set_page_size(1);
  absl::StatusOr<apb::ListProgressReportsResponse> first = manager_->ListProgressReports(list);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->progress_reports_size(), 1);
  EXPECT_EQ(first->progress_reports(0).name(), done->progress_report().name());  // newest first
  list.set_page_token(first->next_page_token());
  absl::StatusOr<apb::ListProgressReportsResponse> second = manager_->ListProgressReports(list);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->progress_reports_size(), 1);
  EXPECT_EQ(second->progress_reports(0).name(), partial->progress_report().name());
  EXPECT_TRUE(second->next_page_token().empty());
}

// A second DONE report (more evidence, days later) keeps the completion date,
// so a task done on time stays done on time.
TEST_F(TaskManagerTest, ASecondDoneReportKeepsTheCompletionDate) {
  apb::Task task = MustCreate(Draft("Báo cáo quý", finance_, D(2024, 3, 31)));
  SetDay(2024, 3, 20);
  absl::StatusOr<apb::ReportProgressResponse> done =
      Report(task, finance_, apb::TASK_STATUS_DONE, 100, true);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->task().timeliness(), apb::TIMELINESS_DONE_ON_TIME);
  const int64_t completed = done->task().complete_time().seconds();
  SetDay(2024, 4, 10);
  absl::StatusOr<apb::ReportProgressResponse> again =
      Report(Get(task.name()), finance_, apb::TASK_STATUS_DONE, 100, true);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->task().complete_time().seconds(), completed);
  EXPECT_EQ(again->task().timeliness(), apb::TIMELINESS_DONE_ON_TIME);
}

// After a merge, a unit's closed tasks stay with it and are found from its
// successor: listing and summarising the successor include them.
TEST_F(TaskManagerTest, AMergedUnitsHistoryIsFoundFromItsSuccessor) {
  apb::Task done = MustCreate(Draft("Báo cáo đã xong", economy_, D(2024, 6, 30)));
  ASSERT_TRUE(Report(done, economy_, apb::TASK_STATUS_DONE, 100, true).ok());
  apb::Task open = MustCreate(Draft("Việc còn mở", economy_, D(2024, 9, 30)));
  ASSERT_TRUE(store_
                  ->Merge(economy_.name().substr(6), finance_.name().substr(6), D(2024, 3, 1),
                          nullptr, /*dry_run=*/false)
                  .ok());
  apb::TaskFilter by_successor;
  by_successor.set_unit(finance_.name());
  EXPECT_THAT(Titles(by_successor), ::testing::IsSupersetOf({"Báo cáo đã xong", "Việc còn mở"}));
  apb::GetUnitSummaryRequest summary;
  summary.set_unit(finance_.name());
  absl::StatusOr<apb::UnitSummary> s = manager_->GetUnitSummary(summary);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->lead_tasks().done_on_time(), 1);
}

TEST_F(TaskManagerTest, OnlyTheLeadCompletes) {
  apb::Task task = Draft("Phối hợp", finance_, D(2024, 6, 30));
  task.add_coordinating_units()->set_unit(economy_.name());
  apb::Task created = MustCreate(task);
  EXPECT_TRUE(Report(created, economy_, apb::TASK_STATUS_IN_PROGRESS, 10, false).ok());
  EXPECT_EQ(Report(created, economy_, apb::TASK_STATUS_DONE, 100, true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Report(created, office_, apb::TASK_STATUS_IN_PROGRESS, 10, false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(TaskManagerTest, CancelAndReopenNeedAReason) {
  apb::Task task = MustCreate(Draft("Hủy", finance_, D(2024, 6, 30)));
  apb::CancelTaskRequest cancel;
  cancel.set_name(task.name());
  EXPECT_EQ(manager_->CancelTask(cancel).status().code(), absl::StatusCode::kInvalidArgument);
  cancel.set_reason("Trùng với nhiệm vụ khác");
  cancel.set_etag("99");
  EXPECT_EQ(manager_->CancelTask(cancel).status().code(), absl::StatusCode::kAborted);
  cancel.clear_etag();
  absl::StatusOr<apb::Task> cancelled = manager_->CancelTask(cancel);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->status(), apb::TASK_STATUS_CANCELLED);
  EXPECT_EQ(cancelled->timeliness(), apb::TIMELINESS_UNSPECIFIED);
  EXPECT_EQ(cancelled->status_reason(), "Trùng với nhiệm vụ khác");
  EXPECT_EQ(manager_->CancelTask(cancel).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Report(task, finance_, apb::TASK_STATUS_IN_PROGRESS, 5, false).status().code(),
            absl::StatusCode::kFailedPrecondition);

  apb::ReopenTaskRequest reopen;
  reopen.set_name(task.name());
  EXPECT_EQ(manager_->ReopenTask(reopen).status().code(), absl::StatusCode::kInvalidArgument);
  reopen.set_reason("Giao lại theo chỉ đạo");
  absl::StatusOr<apb::Task> reopened = manager_->ReopenTask(reopen);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(reopened->status(), apb::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ(reopened->timeliness(), apb::TIMELINESS_ON_TRACK);
  EXPECT_EQ(manager_->ReopenTask(reopen).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TaskManagerTest, UpdateAndDelete) {
  apb::Task task = MustCreate(Draft("Cũ", finance_, D(2024, 6, 30)));
  apb::UpdateTaskRequest update;
  update.mutable_task()->set_name(task.name());
  update.mutable_task()->set_title("Mới");
  update.mutable_task()->mutable_lead_unit()->set_display_name(
      "Phòng Kinh tế và Hạ tầng huyện Khau Lừ");
  EXPECT_EQ(manager_->UpdateTask(update).status().code(), absl::StatusCode::kInvalidArgument);
  update.mutable_update_mask()->add_paths("status");
  EXPECT_EQ(manager_->UpdateTask(update).status().code(), absl::StatusCode::kInvalidArgument);
  update.mutable_update_mask()->clear_paths();
  update.mutable_update_mask()->add_paths("title");
  update.mutable_update_mask()->add_paths("lead_unit");
  update.mutable_task()->set_etag("7");
  EXPECT_EQ(manager_->UpdateTask(update).status().code(), absl::StatusCode::kAborted);
  update.mutable_task()->set_etag(task.etag());
  absl::StatusOr<apb::Task> updated = manager_->UpdateTask(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->title(), "Mới");
  EXPECT_EQ(updated->lead_unit().unit(), economy_.name());
  EXPECT_EQ(updated->etag(), "2");

  ASSERT_TRUE(Report(*updated, economy_, apb::TASK_STATUS_IN_PROGRESS, 10, false).ok());
  apb::DeleteTaskRequest del;
  del.set_name(task.name());
  EXPECT_EQ(manager_->DeleteTask(del).code(), absl::StatusCode::kFailedPrecondition);

  apb::Task other = MustCreate(Draft("Nhầm", finance_, D(2024, 6, 30)));
  del.set_name(other.name());
  EXPECT_TRUE(manager_->DeleteTask(del).ok());
  apb::GetTaskRequest get;
  get.set_name(other.name());
  EXPECT_EQ(manager_->GetTask(get).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TaskManagerTest, ListFiltersAndPages) {
  MustCreate(Draft("C tháng 7", finance_, D(2024, 7, 1)));
  MustCreate(Draft("A tháng 3", economy_, D(2024, 3, 1)));
  apb::Task coordinated = Draft("B tháng 5", office_, D(2024, 5, 1));
  coordinated.add_coordinating_units()->set_unit(finance_.name());
  MustCreate(coordinated);
  MustCreate(Draft("D Bó Mười", other_finance_, D(2024, 4, 1)));
  SetDay(2024, 4, 15);

  apb::TaskFilter all;
  all.set_plan(kPlan);
  EXPECT_THAT(Titles(all, 1), ElementsAre("A tháng 3", "D Bó Mười", "B tháng 5", "C tháng 7"));

  apb::TaskFilter subtree;
  subtree.set_unit(district_.name());
  subtree.set_include_subtree(true);
  subtree.set_unit_role(apb::UNIT_ROLE_LEAD);
  EXPECT_THAT(Titles(subtree, 2), ElementsAre("A tháng 3", "B tháng 5", "C tháng 7"));

  apb::TaskFilter finance;
  finance.set_unit(finance_.name());
  EXPECT_THAT(Titles(finance), ElementsAre("B tháng 5", "C tháng 7"));
  finance.set_unit_role(apb::UNIT_ROLE_COORDINATOR);
  EXPECT_THAT(Titles(finance), ElementsAre("B tháng 5"));

  apb::TaskFilter overdue;
  overdue.add_timeliness(apb::TIMELINESS_OVERDUE);
  EXPECT_THAT(Titles(overdue), ElementsAre("A tháng 3", "D Bó Mười"));

  apb::TaskFilter range;
  *range.mutable_due_from() = D(2024, 4, 1);
  *range.mutable_due_to() = D(2024, 5, 31);
  EXPECT_THAT(Titles(range), ElementsAre("D Bó Mười", "B tháng 5"));

  apb::ListTasksRequest request;
  request.set_page_size(1);
  absl::StatusOr<apb::ListTasksResponse> page = manager_->ListTasks(request);
  ASSERT_TRUE(page.ok());
  request.set_page_token(page->next_page_token());
  *request.mutable_filter() = overdue;
  EXPECT_EQ(manager_->ListTasks(request).status().code(), absl::StatusCode::kInvalidArgument);

  apb::TaskFilter missing;
  missing.set_unit("units/nobody");
  apb::ListTasksRequest bad;
  *bad.mutable_filter() = missing;
  EXPECT_EQ(manager_->ListTasks(bad).status().code(), absl::StatusCode::kNotFound);

  // A status repeated 40,000 times is one status, not 40,000 placeholders
  // (more than SQLite takes in one statement).
  apb::TaskFilter repeated;
  for (int i = 0; i < 40000; ++i) repeated.add_statuses(apb::TASK_STATUS_NOT_STARTED);
  apb::ListTasksRequest many;
  *many.mutable_filter() = repeated;
  absl::StatusOr<apb::ListTasksResponse> same = manager_->ListTasks(many);
  EXPECT_TRUE(same.ok()) << same.status();
}

TEST_F(TaskManagerTest, SummariesPerUnitAndPlan) {
  apb::Task a = Draft("Rút ngắn thời gian cấp phép", finance_, D(2024, 3, 1));
  a.set_objective_id("o-time");
  apb::Task b = Draft("Số hóa hồ sơ", economy_, D(2024, 3, 10));
  b.set_objective_id("o-time");
  apb::Task c = Draft("Giảm thời gian thẩm định", finance_, D(2024, 9, 1));
  c.set_objective_id("o-time");
  apb::Task created_a = MustCreate(a);
  MustCreate(b);
  MustCreate(c);
  SetDay(2024, 2, 20);
  ASSERT_TRUE(Report(created_a, finance_, apb::TASK_STATUS_DONE, 100, true).ok());
  SetDay(2024, 3, 15);

  apb::GetUnitSummaryRequest unit_request;
  unit_request.set_unit(district_.name());
  unit_request.set_include_subtree(true);
  absl::StatusOr<apb::UnitSummary> unit = manager_->GetUnitSummary(unit_request);
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->lead_tasks().total(), 3);
  EXPECT_EQ(unit->lead_tasks().done_on_time(), 1);
  EXPECT_EQ(unit->lead_tasks().overdue(), 1);
  EXPECT_EQ(unit->lead_tasks().on_track(), 1);
  ASSERT_TRUE(unit->has_on_time_ratio());
  EXPECT_DOUBLE_EQ(unit->on_time_ratio(), 1.0);
  ASSERT_EQ(unit->overdue_tasks_size(), 1);
  EXPECT_EQ(unit->overdue_tasks(0).title(), "Số hóa hồ sơ");
  EXPECT_EQ(unit->overdue_tasks(0).days_overdue(), 5);

  unit_request.set_unit(finance_.name());
  unit_request.set_include_subtree(false);
  unit = manager_->GetUnitSummary(unit_request);
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->lead_tasks().total(), 2);
  EXPECT_EQ(unit->overdue_tasks_size(), 0);

  apb::GetPlanSummaryRequest plan_request;
  plan_request.set_plan(kPlan);
  absl::StatusOr<apb::PlanSummary> plan = manager_->GetPlanSummary(plan_request);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->tasks().total(), 3);
  EXPECT_EQ(plan->tasks().overdue(), 1);
  ASSERT_GE(plan->components_size(), 2);
  const apb::ComponentAccountability& time = plan->components(0);
  EXPECT_EQ(time.component().component(), "TIME_COSTS");
  ASSERT_EQ(time.lead_units_size(), 2);
  EXPECT_EQ(time.lead_units(0).lead_unit().unit(), finance_.name());
  EXPECT_EQ(time.lead_units(0).tasks_size(), 2);
  EXPECT_EQ(time.lead_units(1).lead_unit().unit(), economy_.name());
  EXPECT_EQ(plan->components(1).counts().total(), 0);  // TRANSPARENCY: a gap

  plan_request.set_plan("plans/nope");
  EXPECT_EQ(manager_->GetPlanSummary(plan_request).status().code(), absl::StatusCode::kNotFound);
}

// A summary as of another day judges timeliness on that day: the review a
// leader asks for ("where will we stand at the end of the quarter?").
TEST_F(TaskManagerTest, SummariesAsOfAChosenDay) {
  MustCreate(Draft("Số hóa hồ sơ", economy_, D(2024, 3, 10)));
  MustCreate(Draft("Giảm thời gian thẩm định", finance_, D(2024, 9, 1)));
  SetDay(2024, 3, 1);

  apb::GetUnitSummaryRequest unit_request;
  unit_request.set_unit(district_.name());
  unit_request.set_include_subtree(true);
  absl::StatusOr<apb::UnitSummary> today = manager_->GetUnitSummary(unit_request);
  ASSERT_TRUE(today.ok()) << today.status();
  EXPECT_EQ(today->lead_tasks().overdue(), 0);

  *unit_request.mutable_as_of() = D(2024, 9, 11);
  absl::StatusOr<apb::UnitSummary> later = manager_->GetUnitSummary(unit_request);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->lead_tasks().overdue(), 2);
  ASSERT_EQ(later->overdue_tasks_size(), 2);
  EXPECT_EQ(later->overdue_tasks(0).title(), "Số hóa hồ sơ");
  EXPECT_EQ(later->overdue_tasks(0).days_overdue(), 185);
  EXPECT_EQ(later->overdue_tasks(1).days_overdue(), 10);

  apb::GetPlanSummaryRequest plan_request;
  plan_request.set_plan(kPlan);
  *plan_request.mutable_as_of() = D(2024, 3, 20);
  absl::StatusOr<apb::PlanSummary> plan = manager_->GetPlanSummary(plan_request);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->tasks().overdue(), 1);

  *plan_request.mutable_as_of() = D(2024, 2, 30);
  EXPECT_EQ(manager_->GetPlanSummary(plan_request).status().code(),
            absl::StatusCode::kInvalidArgument);
  *unit_request.mutable_as_of() = D(1999, 12, 31);
  EXPECT_EQ(manager_->GetUnitSummary(unit_request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- ImportTasks -----------------------------------------------------------
// Drafts in the style of a fictional 2024 district plan of Khau Lừ.

chiso::common::v1::TaskDraft ImportDraft(const std::string& title, const std::string& leads,
                                         const std::string& timeframe, int first_line,
                                         int last_line) {
  chiso::common::v1::TaskDraft draft;
  draft.set_title(title);
  draft.add_lead_units(leads);
  draft.mutable_schedule()->set_phrase(timeframe);
  draft.set_first_line(first_line);
  draft.set_last_line(last_line);
  return draft;
}

apb::ImportTasksRequest ImportRequest(const std::vector<chiso::common::v1::TaskDraft>& drafts,
                                      const std::string& plan = kPlan) {
  apb::ImportTasksRequest request;
  request.set_plan(plan);
  for (const chiso::common::v1::TaskDraft& d : drafts) *request.add_drafts() = d;
  return request;
}

std::vector<apb::ImportWarningCode> Codes(const apb::DraftResult& result) {
  std::vector<apb::ImportWarningCode> codes;
  for (const apb::ImportWarning& w : result.warnings()) codes.push_back(w.code());
  return codes;
}

// The draft whose lead clause names three units of the district.
chiso::common::v1::TaskDraft ThreeLeadDraft() {
  chiso::common::v1::TaskDraft draft =
      ImportDraft("Rà soát, cắt giảm thời gian giải quyết hồ sơ đất đai",
                  "Phòng TC-KH, Phòng Kinh tế và Hạ tầng huyện Khau Lừ và Văn phòng HĐND và UBND "
                  "huyện Khau Lừ",
                  "hoàn thành trước ngày 31/5/2024", 40, 44);
  draft.add_coordinating_units("Phòng TC-KH");
  draft.set_supervisor("Đồng chí Phó Chủ tịch UBND huyện phụ trách khối kinh tế");
  draft.set_objective_id("o-time");
  draft.set_deliverable("Báo cáo kết quả rà soát");
  return draft;
}

int StoredTaskCount(AssignmentStore& store) {
  absl::StatusOr<std::vector<apb::Task>> tasks = store.ListAllTasksForPlan("ddci-2024");
  EXPECT_TRUE(tasks.ok()) << tasks.status();
  return tasks.ok() ? static_cast<int>(tasks->size()) : -1;
}

TEST_F(TaskManagerTest, ImportSplitsAClauseWithThreeLeadsIntoThreeTasks) {
  absl::StatusOr<apb::ImportTasksResponse> response =
      manager_->ImportTasks(ImportRequest({ThreeLeadDraft()}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->created_task_count(), 3);
  EXPECT_EQ(response->needs_decision_count(), 0);
  ASSERT_EQ(response->results_size(), 1);
  const apb::DraftResult& result = response->results(0);
  EXPECT_EQ(result.index(), 0);
  EXPECT_EQ(result.draft_id(), "L40-44");
  EXPECT_EQ(result.outcome(), apb::DRAFT_OUTCOME_CREATED);
  ASSERT_EQ(result.lead_units_size(), 3);
  EXPECT_EQ(result.lead_units(0).text(), "Phòng TC-KH");
  EXPECT_EQ(result.lead_units(0).outcome(), apb::RESOLUTION_OUTCOME_RESOLVED);
  EXPECT_EQ(result.lead_units(0).unit().unit(), finance_.name());
  EXPECT_EQ(result.lead_units(1).unit().unit(), economy_.name());
  EXPECT_EQ(result.lead_units(2).unit().unit(), office_.name());
  ASSERT_EQ(result.coordinating_units_size(), 1);
  EXPECT_EQ(result.coordinating_units(0).unit().unit(), finance_.name());
  EXPECT_THAT(Codes(result),
              ::testing::UnorderedElementsAre(apb::IMPORT_WARNING_CODE_SUPERVISOR_AS_POST,
                                              apb::IMPORT_WARNING_CODE_ONE_LEAD_RULE_APPLIED,
                                              apb::IMPORT_WARNING_CODE_COORDINATOR_IS_LEAD));
  ASSERT_EQ(result.tasks_size(), 3);

  std::vector<std::string> leads;
  for (const std::string& name : result.tasks()) {
    apb::Task task = Get(name);
    leads.push_back(task.lead_unit().unit());
    EXPECT_EQ(task.source_draft_id(), "L40-44");
    EXPECT_EQ(task.title(), "Rà soát, cắt giảm thời gian giải quyết hồ sơ đất đai");
    EXPECT_EQ(task.objective_id(), "o-time");
    EXPECT_EQ(task.effective_component().component(), "TIME_COSTS");
    EXPECT_EQ(task.supervisor_post(), "Đồng chí Phó Chủ tịch UBND huyện phụ trách khối kinh tế");
    EXPECT_EQ(task.status(), apb::TASK_STATUS_NOT_STARTED);
    ASSERT_EQ(task.occurrences_size(), 1);
    EXPECT_EQ(Key(task.occurrences(0).due_date()), "2024-5-31");
    if (task.lead_unit().unit() == finance_.name()) {
      EXPECT_EQ(task.coordinating_units_size(), 0);  // the lead is not its own coordinator
    } else {
      ASSERT_EQ(task.coordinating_units_size(), 1);
      EXPECT_EQ(task.coordinating_units(0).unit(), finance_.name());
    }
  }
  EXPECT_THAT(leads, ElementsAre(finance_.name(), economy_.name(), office_.name()));
  EXPECT_EQ(StoredTaskCount(*store_), 3);
}

TEST_F(TaskManagerTest, ImportLeavesACollectiveLeadForAPerson) {
  absl::StatusOr<apb::ImportTasksResponse> response = manager_->ImportTasks(ImportRequest(
      {ImportDraft("Niêm yết công khai thủ tục hành chính tại nơi tiếp nhận",
                   "Các cơ quan, đơn vị trên địa bàn huyện", "trong Quý II/2024", 51, 52)}));
  ASSERT_TRUE(response.ok()) << response.status();
  const apb::DraftResult& result = response->results(0);
  EXPECT_EQ(result.outcome(), apb::DRAFT_OUTCOME_NEEDS_DECISION);
  ASSERT_EQ(result.lead_units_size(), 1);
  EXPECT_EQ(result.lead_units(0).outcome(), apb::RESOLUTION_OUTCOME_COLLECTIVE);
  EXPECT_EQ(result.lead_units(0).candidates_size(), 0);
  EXPECT_THAT(Codes(result), ElementsAre(apb::IMPORT_WARNING_CODE_COLLECTIVE_LEAD));
  EXPECT_EQ(result.warnings(0).field(), "lead_units[0]");
  EXPECT_THAT(result.warnings(0).message(), HasSubstr("collective"));
  EXPECT_EQ(result.tasks_size(), 0);
  EXPECT_EQ(response->created_task_count(), 0);
  EXPECT_EQ(response->needs_decision_count(), 1);
  EXPECT_EQ(StoredTaskCount(*store_), 0);
}

TEST_F(TaskManagerTest, ImportLeavesUnresolvedAndAmbiguousLeadsWithTheirCandidates) {
  absl::StatusOr<apb::ImportTasksResponse> response = manager_->ImportTasks(ImportRequest(
      {ImportDraft("Tổ chức đối thoại với doanh nghiệp", "Phòng Văn hóa và Thông tin huyện Khau Lừ",
                   "trước ngày 30/6/2024", 60, 61)}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->results(0).outcome(), apb::DRAFT_OUTCOME_NEEDS_DECISION);
  EXPECT_EQ(response->results(0).lead_units(0).outcome(), apb::RESOLUTION_OUTCOME_UNRESOLVED);
  EXPECT_THAT(Codes(response->results(0)), ElementsAre(apb::IMPORT_WARNING_CODE_UNRESOLVED_LEAD));
  EXPECT_EQ(StoredTaskCount(*store_), 0);

  // Seen from the province, "Phòng TC-KH" is either district's division.
  apb::ImportTasksRequest request = ImportRequest(
      {ImportDraft("Lập dự toán kinh phí", "Phòng TC-KH", "trước ngày 30/6/2024", 62, 62)});
  request.set_context_unit(province_.name());
  response = manager_->ImportTasks(request);
  ASSERT_TRUE(response.ok()) << response.status();
  const apb::DraftResult& result = response->results(0);
  EXPECT_EQ(result.outcome(), apb::DRAFT_OUTCOME_NEEDS_DECISION);
  EXPECT_EQ(result.lead_units(0).outcome(), apb::RESOLUTION_OUTCOME_AMBIGUOUS);
  std::vector<std::string> candidates;
  for (const apb::UnitCandidate& c : result.lead_units(0).candidates()) {
    candidates.push_back(c.unit());
  }
  EXPECT_THAT(candidates, ::testing::IsSupersetOf({finance_.name(), other_finance_.name()}));
  EXPECT_THAT(Codes(result), ElementsAre(apb::IMPORT_WARNING_CODE_AMBIGUOUS_LEAD));
  EXPECT_EQ(StoredTaskCount(*store_), 0);
}

TEST_F(TaskManagerTest, ImportOfAMixedDraftIsPartialAndDropsUnresolvedCoordinators) {
  chiso::common::v1::TaskDraft draft =
      ImportDraft("Cập nhật hồ sơ trên Cổng dịch vụ công", "Phòng TC-KH và các phòng chuyên môn",
                  "Thường xuyên", 70, 73);
  draft.add_coordinating_units("Phòng Kinh tế và Hạ tầng huyện Khau Lừ; Trung tâm Sao Băng");
  absl::StatusOr<apb::ImportTasksResponse> response = manager_->ImportTasks(ImportRequest({draft}));
  ASSERT_TRUE(response.ok()) << response.status();
  const apb::DraftResult& result = response->results(0);
  EXPECT_EQ(result.outcome(), apb::DRAFT_OUTCOME_PARTIAL);
  EXPECT_EQ(response->needs_decision_count(), 1);
  EXPECT_EQ(response->created_task_count(), 1);
  ASSERT_EQ(result.lead_units_size(), 2);
  EXPECT_EQ(result.lead_units(0).outcome(), apb::RESOLUTION_OUTCOME_RESOLVED);
  EXPECT_EQ(result.lead_units(1).outcome(), apb::RESOLUTION_OUTCOME_COLLECTIVE);
  ASSERT_EQ(result.coordinating_units_size(), 2);
  EXPECT_EQ(result.coordinating_units(0).outcome(), apb::RESOLUTION_OUTCOME_RESOLVED);
  EXPECT_NE(result.coordinating_units(1).outcome(), apb::RESOLUTION_OUTCOME_RESOLVED);
  EXPECT_THAT(Codes(result),
              ::testing::UnorderedElementsAre(apb::IMPORT_WARNING_CODE_ONE_LEAD_RULE_APPLIED,
                                              apb::IMPORT_WARNING_CODE_COLLECTIVE_LEAD,
                                              apb::IMPORT_WARNING_CODE_UNRESOLVED_COORDINATOR));
  ASSERT_EQ(result.tasks_size(), 1);
  apb::Task task = Get(result.tasks(0));
  EXPECT_EQ(task.lead_unit().unit(), finance_.name());
  ASSERT_EQ(task.coordinating_units_size(), 1);  // the unknown centre is left out
  EXPECT_EQ(task.coordinating_units(0).unit(), economy_.name());

  // Importing again creates nothing and still asks for the collective lead.
  response = manager_->ImportTasks(ImportRequest({draft}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->results(0).outcome(), apb::DRAFT_OUTCOME_PARTIAL);
  EXPECT_EQ(response->created_task_count(), 0);
  EXPECT_THAT(response->results(0).tasks(), ElementsAre(task.name()));
  EXPECT_EQ(StoredTaskCount(*store_), 1);
}

TEST_F(TaskManagerTest, ImportCreatesNoTaskForATimeframeThatDoesNotResolve) {
  absl::StatusOr<apb::ImportTasksResponse> response =
      manager_->ImportTasks(ImportRequest({ImportDraft("Khảo sát mức độ hài lòng", "Phòng TC-KH",
                                                       "khi có hướng dẫn của cấp trên", 80, 81)}));
  ASSERT_TRUE(response.ok()) << response.status();
  const apb::DraftResult& result = response->results(0);
  EXPECT_EQ(result.outcome(), apb::DRAFT_OUTCOME_NEEDS_DECISION);
  EXPECT_EQ(result.lead_units(0).outcome(), apb::RESOLUTION_OUTCOME_RESOLVED);
  EXPECT_THAT(Codes(result), ElementsAre(apb::IMPORT_WARNING_CODE_UNRESOLVED_TIMEFRAME));
  EXPECT_EQ(result.warnings(0).field(), "schedule.phrase");
  EXPECT_EQ(result.tasks_size(), 0);
  EXPECT_EQ(StoredTaskCount(*store_), 0);
}

// Many plans give a task no timeframe at all (work of the whole plan year):
// the task is created as continuous work, with a warning to give it a
// deadline, instead of being dropped.
TEST_F(TaskManagerTest, ImportCreatesATaskWithoutTimeframeAsContinuousWork) {
  absl::StatusOr<apb::ImportTasksResponse> response = manager_->ImportTasks(
      ImportRequest({ImportDraft("Tiếp công dân, xử lý phản ánh", "Phòng TC-KH", "", 90, 91)}));
  ASSERT_TRUE(response.ok()) << response.status();
  const apb::DraftResult& result = response->results(0);
  EXPECT_EQ(result.outcome(), apb::DRAFT_OUTCOME_CREATED);
  EXPECT_THAT(Codes(result), ElementsAre(apb::IMPORT_WARNING_CODE_NO_TIMEFRAME));
  ASSERT_EQ(result.tasks_size(), 1);
  const apb::Task task = Get(result.tasks(0));
  ASSERT_EQ(task.schedule().milestones_size(), 1);
  EXPECT_TRUE(task.schedule().milestones(0).has_continuous());
  EXPECT_FALSE(task.has_next_due_date());
}

TEST_F(TaskManagerTest, ImportWithValidateOnlyCreatesNothing) {
  apb::ImportTasksRequest request = ImportRequest({ThreeLeadDraft()});
  request.set_validate_only(true);
  absl::StatusOr<apb::ImportTasksResponse> response = manager_->ImportTasks(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->created_task_count(), 3);
  EXPECT_EQ(response->results(0).outcome(), apb::DRAFT_OUTCOME_CREATED);
  EXPECT_EQ(response->results(0).tasks_size(), 0);
  EXPECT_EQ(StoredTaskCount(*store_), 0);
}

TEST_F(TaskManagerTest, ImportingTheSameDraftsAgainCreatesNothingNew) {
  chiso::common::v1::TaskDraft keyed =
      ImportDraft("Công khai kết quả giải quyết hồ sơ", "Văn phòng HĐND và UBND huyện Khau Lừ",
                  "Quý III/2024", 0, 0);
  keyed.set_draft_id("muc-2.3");
  apb::ImportTasksRequest request = ImportRequest({ThreeLeadDraft(), keyed});
  absl::StatusOr<apb::ImportTasksResponse> first = manager_->ImportTasks(request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->created_task_count(), 4);
  EXPECT_EQ(first->results(1).draft_id(), "muc-2.3");

  absl::StatusOr<apb::ImportTasksResponse> again = manager_->ImportTasks(request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->created_task_count(), 0);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(again->results(i).outcome(), apb::DRAFT_OUTCOME_ALREADY_IMPORTED);
    EXPECT_EQ(std::vector<std::string>(again->results(i).tasks().begin(),
                                       again->results(i).tasks().end()),
              std::vector<std::string>(first->results(i).tasks().begin(),
                                       first->results(i).tasks().end()));
  }
  EXPECT_EQ(StoredTaskCount(*store_), 4);
}

TEST_F(TaskManagerTest, ImportIsAllOrNothingWhenTheStoreFails) {
  // The store refuses any task led by the district office, after the first
  // draft's task was inserted in the same transaction.
  const std::string office_id = office_.name().substr(office_.name().find('/') + 1);
  ASSERT_TRUE(db_->Transact([&](storage::Tx& tx) {
                   return tx.ExecScript(absl::StrCat(
                       "CREATE TRIGGER refuse_office BEFORE INSERT ON tasks WHEN "
                       "NEW.lead_unit_id = '",
                       office_id, "' BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;"));
                 })
                  .ok());
  absl::StatusOr<apb::ImportTasksResponse> response = manager_->ImportTasks(ImportRequest(
      {ImportDraft("Lập kế hoạch kiểm tra", "Phòng TC-KH", "trước ngày 30/4/2024", 90, 90),
       ImportDraft("Tổng hợp báo cáo", "Văn phòng HĐND và UBND huyện Khau Lừ",
                   "trước ngày 30/4/2024", 91, 91)}));
  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("simulated failure"));
  EXPECT_EQ(StoredTaskCount(*store_), 0);
}

TEST_F(TaskManagerTest, ImportRejectsMalformedRequests) {
  chiso::common::v1::TaskDraft good =
      ImportDraft("Kiểm tra", "Phòng TC-KH", "trước ngày 30/4/2024", 10, 12);
  EXPECT_EQ(manager_->ImportTasks(ImportRequest({})).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<chiso::common::v1::TaskDraft> many(1001, good);
  EXPECT_EQ(manager_->ImportTasks(ImportRequest(many)).status().code(),
            absl::StatusCode::kInvalidArgument);

  chiso::common::v1::TaskDraft unkeyed = good;
  unkeyed.set_first_line(0);
  unkeyed.set_last_line(0);
  absl::StatusOr<apb::ImportTasksResponse> response =
      manager_->ImportTasks(ImportRequest({good, unkeyed}));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("drafts[1]"));

  response = manager_->ImportTasks(ImportRequest({good, good}));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("L10-12"));

  chiso::common::v1::TaskDraft untitled = good;
  untitled.clear_title();
  EXPECT_EQ(manager_->ImportTasks(ImportRequest({untitled})).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(manager_->ImportTasks(ImportRequest({good}, kClosedPlan)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(manager_->ImportTasks(ImportRequest({good}, "plans/nope")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(StoredTaskCount(*store_), 0);
}

TEST_F(TaskManagerTest, ImportReportsAnUnknownObjective) {
  chiso::common::v1::TaskDraft draft =
      ImportDraft("Đào tạo cán bộ một cửa", "Phòng TC-KH", "trước ngày 30/4/2024", 95, 96);
  draft.set_objective_id("o-missing");
  absl::StatusOr<apb::ImportTasksResponse> response = manager_->ImportTasks(ImportRequest({draft}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->results(0).outcome(), apb::DRAFT_OUTCOME_NEEDS_DECISION);
  EXPECT_THAT(Codes(response->results(0)), ElementsAre(apb::IMPORT_WARNING_CODE_UNKNOWN_OBJECTIVE));
  EXPECT_EQ(StoredTaskCount(*store_), 0);
}

}  // namespace
}  // namespace chiso::assignment

namespace chiso::assignment {
namespace {

// ReportProgress's request_id, on both backends, with a database a second
// replica can open too (a file for SQLite, a shared schema for PostgreSQL).
class ReportRequestIdTest : public TaskManagerTest,
                            public ::testing::WithParamInterface<test_support::Backend> {
 protected:
  std::unique_ptr<storage::Database> OpenDb() override {
    if (GetParam() == test_support::Backend::kPostgres) {
      absl::StatusOr<std::string> url = test_support::FreshPostgresUrl();
      if (!url.ok()) {
        ADD_FAILURE() << url.status();
        return nullptr;
      }
      url_ = *url;
    } else {
      path_ =
          absl::StrCat(::testing::TempDir(), "/task_manager_test_", IdGenerator().Next(), ".db");
      url_ = absl::StrCat("sqlite:", path_);
    }
    return OpenReplica();
  }

  void TearDown() override {
    manager_.reset();
    store_.reset();
    db_.reset();
    if (!path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
    }
  }

  // Another connection to the test's database, as another replica has.
  std::unique_ptr<storage::Database> OpenReplica() {
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::OpenDatabase(url_, "");
    if (!db.ok()) {
      ADD_FAILURE() << db.status();
      return nullptr;
    }
    return *std::move(db);
  }

  apb::ReportProgressRequest Request(const apb::Task& task, const std::string& request_id,
                                     int percent) {
    apb::ReportProgressRequest request;
    request.set_task(task.name());
    request.set_request_id(request_id);
    request.set_etag(task.etag());
    apb::ProgressReport* report = request.mutable_progress_report();
    report->set_reporting_unit(finance_.name());
    report->set_status(apb::TASK_STATUS_IN_PROGRESS);
    report->set_percent_complete(percent);
    report->set_note("Đã triển khai");
    return request;
  }

  int ReportCount(const apb::Task& task) {
    apb::ListProgressReportsRequest request;
    request.set_parent(task.name());
    absl::StatusOr<apb::ListProgressReportsResponse> reports =
        manager_->ListProgressReports(request);
    EXPECT_TRUE(reports.ok()) << reports.status();
    return reports.ok() ? reports->progress_reports_size() : -1;
  }

  std::string url_;
  std::string path_;
};
INSTANTIATE_TEST_SUITE_P(Backends, ReportRequestIdTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(ReportRequestIdTest, ARetryReturnsTheFirstReportAndAddsNone) {
  absl::StatusOr<apb::Task> task = Create(Draft("Rà soát thủ tục", finance_, D(2024, 6, 30)));
  ASSERT_TRUE(task.ok()) << task.status();
  const apb::ReportProgressRequest request =
      Request(*task, "0b8f0c1e-7d6a-4f1e-9c0d-3a2b1c4d5e6f", 40);
  bool replayed = true;
  absl::StatusOr<apb::ReportProgressResponse> first = manager_->ReportProgress(request, &replayed);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(replayed);
  EXPECT_EQ(first->task().percent_complete(), 40);

  // The same request again (its etag now stale), then with another body: the
  // first report each time, and the task as it is.
  absl::StatusOr<apb::ReportProgressResponse> again = manager_->ReportProgress(request, &replayed);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(replayed);
  EXPECT_EQ(again->progress_report().name(), first->progress_report().name());
  EXPECT_EQ(again->progress_report().percent_complete(), 40);
  EXPECT_EQ(again->task().etag(), first->task().etag());
  EXPECT_EQ(again->task().percent_complete(), 40);
  apb::ReportProgressRequest changed = request;
  changed.clear_etag();
  changed.mutable_progress_report()->set_percent_complete(90);
  absl::StatusOr<apb::ReportProgressResponse> third = manager_->ReportProgress(changed);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->progress_report().name(), first->progress_report().name());
  EXPECT_EQ(third->task().percent_complete(), 40);
  EXPECT_EQ(ReportCount(*task), 1);
  EXPECT_EQ(Get(task->name()).etag(), first->task().etag());

  // Without a key, or with another, a report is added.
  apb::ReportProgressRequest other = changed;
  other.set_request_id("another-key");
  absl::StatusOr<apb::ReportProgressResponse> added = manager_->ReportProgress(other, &replayed);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_FALSE(replayed);
  EXPECT_NE(added->progress_report().name(), first->progress_report().name());
  other.clear_request_id();
  ASSERT_TRUE(manager_->ReportProgress(other).ok());
  ASSERT_TRUE(manager_->ReportProgress(other).ok());
  EXPECT_EQ(ReportCount(*task), 4);
}

TEST_P(ReportRequestIdTest, TheSameKeyOnAnotherTaskAddsAReport) {
  absl::StatusOr<apb::Task> a = Create(Draft("Rà soát thủ tục", finance_, D(2024, 6, 30)));
  absl::StatusOr<apb::Task> b = Create(Draft("Công khai thủ tục", finance_, D(2024, 6, 30)));
  ASSERT_TRUE(a.ok() && b.ok());
  absl::StatusOr<apb::ReportProgressResponse> on_a =
      manager_->ReportProgress(Request(*a, "shared-key", 20));
  ASSERT_TRUE(on_a.ok()) << on_a.status();
  bool replayed = true;
  absl::StatusOr<apb::ReportProgressResponse> on_b =
      manager_->ReportProgress(Request(*b, "shared-key", 30), &replayed);
  ASSERT_TRUE(on_b.ok()) << on_b.status();
  EXPECT_FALSE(replayed);
  EXPECT_EQ(on_b->task().name(), b->name());
  EXPECT_EQ(on_b->task().percent_complete(), 30);
  EXPECT_EQ(ReportCount(*a), 1);
  EXPECT_EQ(ReportCount(*b), 1);
}

TEST_P(ReportRequestIdTest, RefusesAMalformedKey) {
  absl::StatusOr<apb::Task> task = Create(Draft("Rà soát thủ tục", finance_, D(2024, 6, 30)));
  ASSERT_TRUE(task.ok()) << task.status();
  for (const std::string& bad :
       {std::string(129, 'k'), std::string("key\nwith a newline"), std::string("kh\xc3\xb3"),
        std::string("tab\tkey"), std::string("nul\0key", 7)}) {
    absl::StatusOr<apb::ReportProgressResponse> refused =
        manager_->ReportProgress(Request(*task, bad, 10));
    EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
    EXPECT_THAT(refused.status().message(), HasSubstr("request_id"));
  }
  EXPECT_EQ(ReportCount(*task), 0);
  absl::StatusOr<apb::ReportProgressResponse> longest =
      manager_->ReportProgress(Request(*task, std::string(128, '~'), 10));
  EXPECT_TRUE(longest.ok()) << longest.status();
}

TEST_P(ReportRequestIdTest, ConcurrentRetriesOnTwoReplicasAddOneReport) {
  absl::StatusOr<apb::Task> task = Create(Draft("Rà soát thủ tục", finance_, D(2024, 6, 30)));
  ASSERT_TRUE(task.ok()) << task.status();
  std::unique_ptr<storage::Database> replica = OpenReplica();
  ASSERT_NE(replica, nullptr);
  std::unique_ptr<AssignmentStore> replica_store = NewSqlAssignmentStore(replica.get());
  IdGenerator replica_ids;
  TaskManager replica_manager(replica_store.get(), &plans_, catalog_.get(), &clock_, &replica_ids,
                              TaskManagerOptions());
  for (int round = 0; round < 5; ++round) {
    const apb::Task current = Get(task->name());
    const apb::ReportProgressRequest request =
        Request(current, absl::StrCat("race-", round), 10 + round);
    std::atomic<int> ready{0};
    absl::StatusOr<apb::ReportProgressResponse> answers[2];
    auto run = [&](TaskManager* manager, int i) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      answers[i] = manager->ReportProgress(request);
    };
    std::thread one(run, manager_.get(), 0);
    std::thread two(run, &replica_manager, 1);
    one.join();
    two.join();
    ASSERT_TRUE(answers[0].ok()) << answers[0].status();
    ASSERT_TRUE(answers[1].ok()) << answers[1].status();
    EXPECT_EQ(answers[0]->progress_report().name(), answers[1]->progress_report().name());
    EXPECT_EQ(ReportCount(*task), round + 1);
  }
}

}  // namespace
}  // namespace chiso::assignment
