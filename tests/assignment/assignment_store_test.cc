#include "services/assignment/assignment_store.h"

#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/audit/audit_log.h"
#include "common/ids/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace chiso::assignment {
namespace {

using ::chiso::assignment::v1::TASK_STATUS_CANCELLED;
using ::chiso::assignment::v1::TASK_STATUS_DONE;
using ::chiso::assignment::v1::TASK_STATUS_IN_PROGRESS;
using ::chiso::assignment::v1::TASK_STATUS_NOT_STARTED;
using ::chiso::assignment::v1::TIMELINESS_DONE_ON_TIME;
using ::chiso::assignment::v1::TIMELINESS_DUE_SOON;
using ::chiso::assignment::v1::TIMELINESS_ON_TRACK;
using ::chiso::assignment::v1::TIMELINESS_OVERDUE;
using ::chiso::assignment::v1::UNIT_KIND_COMMUNE_COMMITTEE;
using ::chiso::assignment::v1::UNIT_KIND_DEPARTMENT;
using ::chiso::assignment::v1::UNIT_KIND_DISTRICT_COMMITTEE;
using ::chiso::assignment::v1::UNIT_KIND_DIVISION;
using ::chiso::assignment::v1::UNIT_KIND_PROVINCIAL_COMMITTEE;
using ::chiso::assignment::v1::UNIT_ROLE_COORDINATOR;
using ::chiso::assignment::v1::UNIT_ROLE_LEAD;
using ::chiso::assignment::v1::UNIT_STATE_MERGED;
using ::chiso::common::v1::Date;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// The id in "units/{id}", "tasks/{id}"…, or the report id in
// "tasks/{task}/progressReports/{id}".
std::string Id(const std::string& name) { return name.substr(name.rfind('/') + 1); }

Date D(int y, int m, int d) {
  Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

// Wraps a database so that the first UPDATE of a transaction is preceded by
// `interference` in the same transaction: a stand-in for a writer on another
// replica that committed between the store's read and its write.
class InterferingDatabase : public storage::Database {
 public:
  explicit InterferingDatabase(storage::Database* db) : db_(db) {}
  std::string interference;

  storage::Dialect dialect() const override { return db_->dialect(); }
  absl::Status Ping() override { return db_->Ping(); }
  absl::Status Read(const std::function<absl::Status(storage::Tx&)>& fn) override {
    return db_->Read(fn);
  }
  absl::Status Transact(const std::function<absl::Status(storage::Tx&)>& fn) override {
    return db_->Transact([&](storage::Tx& tx) {
      InterferingTx wrapped(tx, interference);
      return fn(wrapped);
    });
  }

 private:
  class InterferingTx : public storage::Tx {
   public:
    InterferingTx(storage::Tx& tx, std::string sql) : tx_(tx), sql_(std::move(sql)) {}
    absl::StatusOr<std::vector<storage::Row>> Query(
        absl::string_view sql, const std::vector<storage::Value>& params) override {
      return tx_.Query(sql, params);
    }
    absl::StatusOr<int64_t> Exec(absl::string_view sql,
                                 const std::vector<storage::Value>& params) override {
      if (!sql_.empty() && absl::StartsWith(sql, "UPDATE")) {
        if (absl::Status s = tx_.ExecScript(sql_); !s.ok()) return s;
        sql_.clear();
      }
      return tx_.Exec(sql, params);
    }
    absl::Status ExecScript(absl::string_view sql) override { return tx_.ExecScript(sql); }

   private:
    storage::Tx& tx_;
    std::string sql_;
  };
  storage::Database* db_;
};

class AssignmentStoreTest : public ::testing::TestWithParam<test_support::Backend> {
 protected:
  void SetUp() override {
    db_ = test_support::OpenTestDatabase(GetParam());
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(storage::Migrate(*db_, AssignmentMigrations()).ok());
    store_ = NewSqlAssignmentStore(db_.get());
    // A fictional province in the style of Lạng Sơn: the provincial
    // committee, one department with a division, and a district committee
    // with a division and a commune.
    province_ =
        Put("UBND-TKL", "Ủy ban nhân dân tỉnh Kỳ Lương", UNIT_KIND_PROVINCIAL_COMMITTEE, "");
    department_ = Put("SNV-TKL", "Sở Nội vụ tỉnh Kỳ Lương", UNIT_KIND_DEPARTMENT, province_.name());
    department_office_ =
        Put("SNV-VP", "Văn phòng Sở Nội vụ", UNIT_KIND_DIVISION, department_.name());
    district_ = Put("UBND-HDK", "Ủy ban nhân dân huyện Đồi Khánh", UNIT_KIND_DISTRICT_COMMITTEE,
                    province_.name(), {"UBND huyện Đồi Khánh"});
    district_finance_ = Put("HDK-TCKH", "Phòng Tài chính - Kế hoạch huyện Đồi Khánh",
                            UNIT_KIND_DIVISION, district_.name(), {"Phòng TC-KH"});
    commune_ =
        Put("XBV", "Ủy ban nhân dân xã Bản Vằn", UNIT_KIND_COMMUNE_COMMITTEE, district_.name());
  }

  Unit MakeUnit(const std::string& code, const std::string& display_name, UnitKind kind,
                const std::string& parent, const std::vector<std::string>& aliases = {}) {
    Unit unit;
    unit.set_name(absl::StrCat("units/", ids_.Next()));
    unit.set_code(code);
    unit.set_display_name(display_name);
    unit.set_kind(kind);
    unit.set_parent(parent);
    for (const std::string& a : aliases) unit.add_aliases(a);
    return unit;
  }

  Unit Put(const std::string& code, const std::string& display_name, UnitKind kind,
           const std::string& parent, const std::vector<std::string>& aliases = {}) {
    absl::StatusOr<Unit> unit =
        store_->CreateUnit(MakeUnit(code, display_name, kind, parent, aliases));
    EXPECT_TRUE(unit.ok()) << unit.status();
    return unit.ok() ? *unit : Unit();
  }

  Task MakeTask(const std::string& title, const Unit& lead,
                const std::vector<Unit>& coordinating = {},
                TaskStatus status = TASK_STATUS_NOT_STARTED, const std::string& plan = "plans/p1") {
    Task task;
    task.set_name(absl::StrCat("tasks/", ids_.Next()));
    task.set_plan(plan);
    task.set_title(title);
    task.mutable_lead_unit()->set_unit(lead.name());
    task.mutable_lead_unit()->set_display_name(lead.display_name());
    for (const Unit& u : coordinating) {
      auto* ref = task.add_coordinating_units();
      ref->set_unit(u.name());
      ref->set_display_name(u.display_name());
    }
    task.set_status(status);
    task.set_timeliness(status == TASK_STATUS_DONE ? TIMELINESS_DONE_ON_TIME : TIMELINESS_ON_TRACK);
    return task;
  }

  Task PutTask(const Task& task) {
    absl::StatusOr<Task> created = store_->CreateTask(task);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Task();
  }

  Person MakePerson(const std::string& display_name, const Unit& unit) {
    Person person;
    person.set_name(absl::StrCat("people/", ids_.Next()));
    person.set_display_name(display_name);
    person.set_unit(unit.name());
    return person;
  }

  std::vector<std::string> TaskTitles(const TaskQuery& query) {
    absl::StatusOr<TaskPage> page = store_->ListTasks(query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    if (page.ok()) {
      for (const Task& t : page->tasks) out.push_back(t.title());
    }
    return out;
  }

  std::vector<std::string> UnitCodes(const UnitQuery& query) {
    absl::StatusOr<UnitPage> page = store_->ListUnits(query);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    if (page.ok()) {
      for (const Unit& u : page->units) out.push_back(u.code());
    }
    return out;
  }

  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AssignmentStore> store_;
  Unit province_, department_, department_office_, district_, district_finance_, commune_;
};
INSTANTIATE_TEST_SUITE_P(Backends, AssignmentStoreTest, test_support::AllBackends(),
                         test_support::BackendName);

absl::Status NoChange(Task&) { return absl::OkStatus(); }

// ---- Units ----------------------------------------------------------------

TEST_P(AssignmentStoreTest, CreatesAndGetsAUnitWholeWithAnEtag) {
  EXPECT_EQ(district_finance_.etag(), "1");
  absl::StatusOr<Unit> got = store_->GetUnit(Id(district_finance_.name()));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->SerializeAsString(), district_finance_.SerializeAsString());
}

TEST_P(AssignmentStoreTest, GetOfAMissingUnitIsNotFoundNamingIt) {
  absl::StatusOr<Unit> got = store_->GetUnit("nope");
  EXPECT_TRUE(absl::IsNotFound(got.status()));
  EXPECT_EQ(got.status().message(), "units/nope not found");
}

TEST_P(AssignmentStoreTest, DuplicateCodeIsAlreadyExistsNamingTheHolder) {
  absl::StatusOr<Unit> dup =
      store_->CreateUnit(MakeUnit("HDK-TCKH", "Phòng khác", UNIT_KIND_DIVISION, district_.name()));
  EXPECT_TRUE(absl::IsAlreadyExists(dup.status())) << dup.status();
  EXPECT_THAT(dup.status().message(), HasSubstr(district_finance_.name()));
  EXPECT_THAT(dup.status().message(), HasSubstr("unit.code"));
}

TEST_P(AssignmentStoreTest, EmptyCodesDoNotCollide) {
  EXPECT_TRUE(store_->CreateUnit(MakeUnit("", "Tổ công tác A", UNIT_KIND_DIVISION, "")).ok());
  EXPECT_TRUE(store_->CreateUnit(MakeUnit("", "Tổ công tác B", UNIT_KIND_DIVISION, "")).ok());
}

TEST_P(AssignmentStoreTest, MissingParentMergedIntoOrHeadIsNotFound) {
  absl::StatusOr<Unit> orphan =
      store_->CreateUnit(MakeUnit("X1", "Phòng X", UNIT_KIND_DIVISION, "units/ghost"));
  EXPECT_TRUE(absl::IsNotFound(orphan.status())) << orphan.status();
  EXPECT_THAT(orphan.status().message(), HasSubstr("unit.parent: units/ghost not found"));

  Unit merged = MakeUnit("X2", "Phòng Y", UNIT_KIND_DIVISION, "");
  merged.set_merged_into("units/ghost");
  absl::StatusOr<Unit> m = store_->CreateUnit(merged);
  EXPECT_TRUE(absl::IsNotFound(m.status())) << m.status();
  EXPECT_THAT(m.status().message(), HasSubstr("unit.merged_into"));

  Unit headed = MakeUnit("X3", "Phòng Z", UNIT_KIND_DIVISION, "");
  headed.set_head("people/ghost");
  absl::StatusOr<Unit> h = store_->CreateUnit(headed);
  EXPECT_TRUE(absl::IsNotFound(h.status())) << h.status();
  EXPECT_THAT(h.status().message(), HasSubstr("unit.head: people/ghost not found"));
}

TEST_P(AssignmentStoreTest, UpdateUnitBumpsTheEtagAndReindexesAliases) {
  absl::StatusOr<Unit> updated = store_->UpdateUnit(Id(commune_.name()), [](Unit& u) {
    u.add_aliases("UBND xã BV");
    return absl::OkStatus();
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->etag(), "2");
  UnitQuery q;
  q.name_key = "xa bv";
  EXPECT_THAT(UnitCodes(q), ElementsAre("XBV"));
  EXPECT_EQ(store_->GetUnit(Id(commune_.name()))->etag(), "2");
}

TEST_P(AssignmentStoreTest, UpdateUnitPassesTheMutateErrorAndWritesNothing) {
  absl::StatusOr<Unit> updated = store_->UpdateUnit(Id(commune_.name()), [](Unit& u) {
    u.set_display_name("changed");
    return absl::FailedPreconditionError("nope");
  });
  EXPECT_TRUE(absl::IsFailedPrecondition(updated.status()));
  EXPECT_EQ(store_->GetUnit(Id(commune_.name()))->display_name(), commune_.display_name());
}

TEST_P(AssignmentStoreTest, UpdateUnitRefusesAParentInsideItsOwnSubtree) {
  absl::StatusOr<Unit> updated = store_->UpdateUnit(Id(district_.name()), [&](Unit& u) {
    u.set_parent(commune_.name());
    return absl::OkStatus();
  });
  EXPECT_TRUE(absl::IsInvalidArgument(updated.status())) << updated.status();
  EXPECT_THAT(updated.status().message(), HasSubstr("unit.parent"));
}

TEST_P(AssignmentStoreTest, UpdateUnitOfAMissingUnitIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(
      store_->UpdateUnit("ghost", [](Unit&) { return absl::OkStatus(); }).status()));
}

TEST_P(AssignmentStoreTest, StaleRevisionIsAborted) {
  InterferingDatabase interfering(db_.get());
  interfering.interference = absl::StrCat("UPDATE units SET revision = revision + 1 WHERE id = '",
                                          Id(commune_.name()), "';");
  std::unique_ptr<AssignmentStore> store = NewSqlAssignmentStore(&interfering);
  absl::StatusOr<Unit> updated =
      store->UpdateUnit(Id(commune_.name()), [](Unit&) { return absl::OkStatus(); });
  EXPECT_TRUE(absl::IsAborted(updated.status())) << updated.status();
  EXPECT_THAT(updated.status().message(), HasSubstr(commune_.name()));

  const Task task = PutTask(MakeTask("Rà soát thủ tục hành chính", commune_));
  interfering.interference = "UPDATE tasks SET revision = revision + 1;";
  absl::StatusOr<Task> t = store->UpdateTask(Id(task.name()), NoChange);
  EXPECT_TRUE(absl::IsAborted(t.status())) << t.status();
  EXPECT_EQ(store_->GetTask(Id(task.name()))->etag(), "1");  // rolled back
}

TEST_P(AssignmentStoreTest, ListUnitsFiltersAndPagesByKeyset) {
  UnitQuery children;
  children.parent_id = Id(district_.name());
  EXPECT_THAT(UnitCodes(children), ElementsAre("HDK-TCKH", "XBV"));

  UnitQuery kinds;
  kinds.kinds = {UNIT_KIND_DIVISION, UNIT_KIND_DEPARTMENT};
  EXPECT_THAT(UnitCodes(kinds), ElementsAre("SNV-TKL", "SNV-VP", "HDK-TCKH"));

  UnitQuery by_alias;
  by_alias.name_key = "tc kh";
  EXPECT_THAT(UnitCodes(by_alias), ElementsAre("HDK-TCKH"));
  UnitQuery by_name;
  by_name.name_key = "doi khanh";
  EXPECT_THAT(UnitCodes(by_name), ElementsAre("UBND-HDK", "HDK-TCKH"));
  UnitQuery wildcard;
  wildcard.name_key = "%";
  EXPECT_THAT(UnitCodes(wildcard), IsEmpty());

  UnitQuery below;
  below.ancestor_id = Id(district_.name());
  EXPECT_THAT(UnitCodes(below), ElementsAre("UBND-HDK", "HDK-TCKH", "XBV"));

  UnitQuery code;
  code.code = "SNV-VP";
  EXPECT_THAT(UnitCodes(code), ElementsAre("SNV-VP"));

  UnitQuery page;
  page.limit = 4;
  absl::StatusOr<UnitPage> first = store_->ListUnits(page);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->units.size(), 4u);
  EXPECT_TRUE(first->more);
  page.after_id = Id(first->units.back().name());
  absl::StatusOr<UnitPage> second = store_->ListUnits(page);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->units.size(), 2u);
  EXPECT_FALSE(second->more);
  EXPECT_EQ(second->units.back().code(), "XBV");
}

TEST_P(AssignmentStoreTest, ListUnitsByValidityLeavesEndedUnitsOut) {
  ASSERT_TRUE(store_
                  ->UpdateUnit(Id(district_finance_.name()),
                               [](Unit& u) {
                                 *u.mutable_valid_from() = D(2008, 1, 1);
                                 *u.mutable_valid_to() = D(2025, 6, 30);
                                 return absl::OkStatus();
                               })
                  .ok());
  UnitQuery active;
  active.parent_id = Id(district_.name());
  active.include_ended = false;
  EXPECT_THAT(UnitCodes(active), ElementsAre("XBV"));
  UnitQuery on;
  on.parent_id = Id(district_.name());
  on.valid_on = "2025-06-30";
  EXPECT_THAT(UnitCodes(on), ElementsAre("HDK-TCKH", "XBV"));
  on.valid_on = "2025-07-01";
  EXPECT_THAT(UnitCodes(on), ElementsAre("XBV"));
  on.valid_on = "2007-12-31";
  EXPECT_THAT(UnitCodes(on), ElementsAre("XBV"));
}

TEST_P(AssignmentStoreTest, AllUnitsReturnsTheWholeDirectory) {
  absl::StatusOr<std::vector<Unit>> all = store_->AllUnits();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 6u);
  EXPECT_EQ(all->front().name(), province_.name());
}

TEST_P(AssignmentStoreTest, SubtreeListsTheUnitFirstThenItsDescendants) {
  absl::StatusOr<std::vector<std::string>> sub = store_->Subtree(Id(district_.name()));
  ASSERT_TRUE(sub.ok()) << sub.status();
  EXPECT_THAT(*sub,
              ElementsAre(Id(district_.name()), Id(district_finance_.name()), Id(commune_.name())));
  EXPECT_EQ(store_->Subtree(Id(province_.name()))->size(), 6u);
  EXPECT_TRUE(absl::IsNotFound(store_->Subtree("ghost").status()));
}

TEST_P(AssignmentStoreTest, SubtreeSurvivesAParentCycleInStoredData) {
  // Bypass the store's cycle check to simulate corrupt data.
  ASSERT_TRUE(db_->Transact([&](storage::Tx& tx) {
                   return tx
                       .Exec("UPDATE units SET parent_id = $1 WHERE id = $2",
                             {Id(commune_.name()), Id(district_.name())})
                       .status();
                 })
                  .ok());
  absl::StatusOr<std::vector<std::string>> sub = store_->Subtree(Id(district_.name()));
  ASSERT_TRUE(sub.ok()) << sub.status();
  EXPECT_EQ(sub->size(), 3u);
}

// ---- Merge ----------------------------------------------------------------

TEST_P(AssignmentStoreTest, MergeMovesOpenTasksAndActiveChildrenWithCounts) {
  const Unit successor =
      Put("XBV2", "Ủy ban nhân dân xã Bản Vằn mới", UNIT_KIND_COMMUNE_COMMITTEE, province_.name());
  const Unit hamlet_old =
      Put("TH1", "Tổ công tác thôn Nà Pàn", UNIT_KIND_DIVISION, district_.name());
  ASSERT_TRUE(store_
                  ->UpdateUnit(Id(hamlet_old.name()),
                               [](Unit& u) {
                                 *u.mutable_valid_to() = D(2020, 1, 1);
                                 return absl::OkStatus();
                               })
                  .ok());
  const Task led = PutTask(MakeTask("Công khai thủ tục", district_, {commune_}));
  const Task led_done = PutTask(MakeTask("Báo cáo năm 2024", district_, {}, TASK_STATUS_DONE));
  const Task coordinated = PutTask(
      MakeTask("Số hóa hồ sơ", district_finance_, {district_, successor}, TASK_STATUS_IN_PROGRESS));
  const Task cancelled = PutTask(MakeTask("Việc đã hủy", district_, {}, TASK_STATUS_CANCELLED));
  const Task other = PutTask(MakeTask("Việc của Sở", department_));

  absl::StatusOr<MergeResult> merged = store_->Merge(Id(district_.name()), Id(successor.name()),
                                                     D(2025, 6, 30), nullptr, /*dry_run=*/false);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->moved_task_count, 2);
  EXPECT_EQ(merged->moved_lead_task_count, 1);
  EXPECT_EQ(merged->moved_child_unit_count, 2);  // finance and the commune, not the ended team
  EXPECT_THAT(merged->moved_task_ids, ElementsAre(Id(led.name()), Id(coordinated.name())));
  EXPECT_EQ(merged->unit.merged_into(), successor.name());
  EXPECT_EQ(merged->unit.state(), UNIT_STATE_MERGED);
  EXPECT_EQ(merged->unit.valid_to().day(), 30);
  EXPECT_EQ(merged->successor.name(), successor.name());

  absl::StatusOr<Unit> stored = store_->GetUnit(Id(district_.name()));
  EXPECT_EQ(stored->merged_into(), successor.name());
  EXPECT_EQ(stored->etag(), "2");
  EXPECT_EQ(store_->GetUnit(Id(commune_.name()))->parent(), successor.name());
  EXPECT_EQ(store_->GetUnit(Id(district_finance_.name()))->parent(), successor.name());
  EXPECT_EQ(store_->GetUnit(Id(hamlet_old.name()))->parent(), district_.name());

  absl::StatusOr<Task> moved = store_->GetTask(Id(led.name()));
  EXPECT_EQ(moved->lead_unit().unit(), successor.name());
  EXPECT_EQ(moved->lead_unit().display_name(), successor.display_name());
  EXPECT_EQ(moved->etag(), "2");
  // A coordinator equal to the successor is not repeated.
  absl::StatusOr<Task> coord = store_->GetTask(Id(coordinated.name()));
  ASSERT_EQ(coord->coordinating_units_size(), 1);
  EXPECT_EQ(coord->coordinating_units(0).unit(), successor.name());
  EXPECT_EQ(store_->GetTask(Id(led_done.name()))->lead_unit().unit(), district_.name());
  EXPECT_EQ(store_->GetTask(Id(cancelled.name()))->lead_unit().unit(), district_.name());

  // The unit index follows: the successor now leads the moved task, the old
  // unit keeps its history.
  TaskQuery q;
  q.unit_ids = {Id(successor.name())};
  q.unit_role = UNIT_ROLE_LEAD;
  EXPECT_THAT(TaskTitles(q), ElementsAre("Công khai thủ tục"));
  q.unit_ids = {Id(district_.name())};
  EXPECT_THAT(TaskTitles(q), ElementsAre("Báo cáo năm 2024", "Việc đã hủy"));
  EXPECT_EQ(store_->GetTask(Id(other.name()))->etag(), "1");
}

// An import split one draft between two divisions that are later merged: the
// moved task must not collide with its twin on the draft key.
TEST_P(AssignmentStoreTest, MergeOfTwoLeadsOfOneImportedDraftSucceeds) {
  const Unit successor =
      Put("XBV3", "Ủy ban nhân dân xã Bản Vằn", UNIT_KIND_COMMUNE_COMMITTEE, province_.name());
  Task a = MakeTask("Rà soát thủ tục (chủ trì 1)", district_);
  a.set_source_draft_id("L40-44");
  Task b = MakeTask("Rà soát thủ tục (chủ trì 2)", successor);
  b.set_source_draft_id("L40-44");
  const Task moved = PutTask(a);
  PutTask(b);
  absl::StatusOr<MergeResult> merged = store_->Merge(Id(district_.name()), Id(successor.name()),
                                                     D(2025, 6, 30), nullptr, /*dry_run=*/false);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->moved_lead_task_count, 1);
  absl::StatusOr<Task> after = store_->GetTask(Id(moved.name()));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->lead_unit().unit(), successor.name());
  EXPECT_EQ(after->source_draft_id(), "");
}

TEST_P(AssignmentStoreTest, MergeDryRunCountsButWritesNothing) {
  const Unit successor =
      Put("HDK2", "Ủy ban nhân dân huyện Đồi Khánh mới", UNIT_KIND_DISTRICT_COMMITTEE, "");
  PutTask(MakeTask("Công khai thủ tục", district_));
  absl::StatusOr<MergeResult> merged = store_->Merge(Id(district_.name()), Id(successor.name()),
                                                     D(2025, 6, 30), nullptr, /*dry_run=*/true);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->moved_task_count, 1);
  EXPECT_EQ(merged->moved_child_unit_count, 2);
  EXPECT_EQ(store_->GetUnit(Id(district_.name()))->etag(), "1");
  EXPECT_EQ(store_->GetUnit(Id(commune_.name()))->parent(), district_.name());
}

TEST_P(AssignmentStoreTest, MergeRefusesItselfADescendantAndWhatCheckRefuses) {
  absl::StatusOr<MergeResult> self =
      store_->Merge(Id(district_.name()), Id(district_.name()), D(2025, 6, 30), nullptr, false);
  EXPECT_TRUE(absl::IsFailedPrecondition(self.status())) << self.status();
  absl::StatusOr<MergeResult> down =
      store_->Merge(Id(district_.name()), Id(commune_.name()), D(2025, 6, 30), nullptr, false);
  EXPECT_TRUE(absl::IsFailedPrecondition(down.status())) << down.status();
  EXPECT_THAT(down.status().message(), HasSubstr("subtree"));
  absl::StatusOr<MergeResult> refused = store_->Merge(
      Id(commune_.name()), Id(department_.name()), D(2025, 6, 30),
      [](const Unit&, const Unit& into) {
        return absl::AbortedError(absl::StrCat("etag mismatch for ", into.code()));
      },
      false);
  EXPECT_TRUE(absl::IsAborted(refused.status()));
  EXPECT_TRUE(absl::IsNotFound(
      store_->Merge("ghost", Id(commune_.name()), D(2025, 6, 30), nullptr, false).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_->Merge(Id(commune_.name()), Id(department_.name()), Date(), nullptr, false).status()));
  EXPECT_TRUE(store_->GetUnit(Id(commune_.name()))->merged_into().empty());
}

// ---- People ---------------------------------------------------------------

TEST_P(AssignmentStoreTest, CreatesGetsUpdatesAndListsPeople) {
  absl::StatusOr<Person> a = store_->CreatePerson(MakePerson("Hoàng Văn Thạch", district_));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->etag(), "1");
  absl::StatusOr<Person> b = store_->CreatePerson(MakePerson("Lộc Thị Mai", commune_));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(store_->GetPerson(Id(a->name()))->display_name(), "Hoàng Văn Thạch");
  EXPECT_EQ(store_->GetPerson("ghost").status().message(), "people/ghost not found");

  absl::StatusOr<Person> updated = store_->UpdatePerson(Id(a->name()), [](Person& p) {
    p.set_title("Phó Chủ tịch UBND huyện");
    return absl::OkStatus();
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->etag(), "2");

  PersonQuery q;
  q.name_key = "loc thi";
  absl::StatusOr<PersonPage> page = store_->ListPeople(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->people.size(), 1u);
  EXPECT_EQ(page->people[0].name(), b->name());
  PersonQuery by_unit;
  by_unit.unit_ids = {Id(district_.name()), Id(commune_.name())};
  by_unit.limit = 1;
  page = store_->ListPeople(by_unit);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->people[0].name(), a->name());
  EXPECT_TRUE(page->more);
}

TEST_P(AssignmentStoreTest, PersonInAMissingUnitIsNotFound) {
  Person p = MakePerson("Nông Văn Lực", district_);
  p.set_unit("units/ghost");
  absl::StatusOr<Person> created = store_->CreatePerson(p);
  EXPECT_TRUE(absl::IsNotFound(created.status())) << created.status();
  EXPECT_THAT(created.status().message(), HasSubstr("person.unit"));
}

TEST_P(AssignmentStoreTest, DeletePersonRefusesAHeadOrSupervisor) {
  const Person head = *store_->CreatePerson(MakePerson("Vi Văn Kiên", commune_));
  const Person supervisor = *store_->CreatePerson(MakePerson("Lương Thị Hạnh", district_));
  const Person free = *store_->CreatePerson(MakePerson("Hà Văn Bình", district_));
  ASSERT_TRUE(store_
                  ->UpdateUnit(Id(commune_.name()),
                               [&](Unit& u) {
                                 u.set_head(head.name());
                                 return absl::OkStatus();
                               })
                  .ok());
  Task task = MakeTask("Kiểm tra công vụ", district_);
  task.set_supervisor_person(supervisor.name());
  PutTask(task);

  absl::Status s = store_->DeletePerson(Id(head.name()), nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(commune_.name()));
  s = store_->DeletePerson(Id(supervisor.name()), nullptr);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(task.name()));
  EXPECT_TRUE(absl::IsAborted(store_->DeletePerson(
      Id(free.name()), [](const Person&) { return absl::AbortedError("etag"); })));
  EXPECT_TRUE(store_->DeletePerson(Id(free.name()), nullptr).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetPerson(Id(free.name())).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->DeletePerson(Id(free.name()), nullptr)));
}

TEST_P(AssignmentStoreTest, TaskWithAMissingSupervisorIsNotFound) {
  Task task = MakeTask("Kiểm tra công vụ", district_);
  task.set_supervisor_person("people/ghost");
  absl::StatusOr<Task> created = store_->CreateTask(task);
  EXPECT_TRUE(absl::IsNotFound(created.status())) << created.status();
  EXPECT_THAT(created.status().message(), HasSubstr("task.supervisor_person"));
}

// ---- Tasks ----------------------------------------------------------------

TEST_P(AssignmentStoreTest, CreatesGetsUpdatesAndDeletesATask) {
  const Task created =
      PutTask(MakeTask("Rà soát thủ tục hành chính", district_finance_, {commune_}));
  EXPECT_EQ(created.etag(), "1");
  absl::StatusOr<Task> got = store_->GetTask(Id(created.name()));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(store_->GetTask("ghost").status().message(), "tasks/ghost not found");

  absl::StatusOr<Task> updated = store_->UpdateTask(Id(created.name()), [](Task& t) {
    t.set_status(TASK_STATUS_IN_PROGRESS);
    t.set_percent_complete(40);
    return absl::OkStatus();
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->etag(), "2");
  TaskQuery q;
  q.statuses = {TASK_STATUS_IN_PROGRESS};
  EXPECT_THAT(TaskTitles(q), ElementsAre("Rà soát thủ tục hành chính"));

  EXPECT_TRUE(absl::IsFailedPrecondition(store_->DeleteTask(
      Id(created.name()), [](const Task&) { return absl::FailedPreconditionError("open"); })));
  EXPECT_TRUE(store_->DeleteTask(Id(created.name()), nullptr).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetTask(Id(created.name())).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->DeleteTask(Id(created.name()), nullptr)));
  TaskQuery by_unit;
  by_unit.unit_ids = {Id(commune_.name())};
  EXPECT_THAT(TaskTitles(by_unit), IsEmpty());
}

TEST_P(AssignmentStoreTest, TaskWithAMissingLeadOrCoordinatorIsNotFound) {
  Unit ghost;
  ghost.set_name("units/ghost");
  absl::StatusOr<Task> lead = store_->CreateTask(MakeTask("A", ghost));
  EXPECT_TRUE(absl::IsNotFound(lead.status())) << lead.status();
  EXPECT_THAT(lead.status().message(), HasSubstr("task.lead_unit: units/ghost not found"));
  absl::StatusOr<Task> coord = store_->CreateTask(MakeTask("B", district_, {commune_, ghost}));
  EXPECT_TRUE(absl::IsNotFound(coord.status())) << coord.status();
  EXPECT_THAT(coord.status().message(), HasSubstr("task.coordinating_units[1]"));
  Task unresolved = MakeTask("C", district_);
  unresolved.mutable_lead_unit()->clear_unit();
  EXPECT_TRUE(absl::IsInvalidArgument(store_->CreateTask(unresolved).status()));
  EXPECT_TRUE(store_->ListAllTasksForPlan("p1")->empty());
}

TEST_P(AssignmentStoreTest, RepeatedDraftForTheSameLeadIsAlreadyExistsNamingTheTask) {
  Task first = MakeTask("Niêm yết công khai", district_finance_);
  first.set_source_draft_id("d-7");
  first = PutTask(first);
  Task again = MakeTask("Niêm yết công khai", district_finance_);
  again.set_source_draft_id("d-7");
  absl::StatusOr<Task> dup = store_->CreateTask(again);
  EXPECT_TRUE(absl::IsAlreadyExists(dup.status())) << dup.status();
  EXPECT_THAT(dup.status().message(), HasSubstr(first.name()));
  // Another lead of the same clause, another plan, or no draft: allowed.
  Task other_lead = MakeTask("Niêm yết công khai", commune_);
  other_lead.set_source_draft_id("d-7");
  EXPECT_TRUE(store_->CreateTask(other_lead).ok());
  Task other_plan =
      MakeTask("Niêm yết công khai", district_finance_, {}, TASK_STATUS_NOT_STARTED, "plans/p2");
  other_plan.set_source_draft_id("d-7");
  EXPECT_TRUE(store_->CreateTask(other_plan).ok());
  EXPECT_TRUE(store_->CreateTask(MakeTask("Niêm yết công khai", district_finance_)).ok());
  EXPECT_TRUE(store_->CreateTask(MakeTask("Niêm yết công khai", district_finance_)).ok());
}

TEST_P(AssignmentStoreTest, CreateTasksIsAllOrNothing) {
  Unit ghost;
  ghost.set_name("units/ghost");
  std::vector<Task> batch = {MakeTask("Một", district_), MakeTask("Hai", commune_),
                             MakeTask("Ba", ghost)};
  absl::StatusOr<std::vector<Task>> created = store_->CreateTasks(batch);
  EXPECT_TRUE(absl::IsNotFound(created.status())) << created.status();
  EXPECT_THAT(created.status().message(), HasSubstr(batch[2].name()));
  EXPECT_TRUE(store_->ListAllTasksForPlan("p1")->empty());
  EXPECT_TRUE(store_->ListAllTasksForUnits({Id(district_.name()), Id(commune_.name())})->empty());

  batch[2] = MakeTask("Ba", department_);
  created = store_->CreateTasks(batch);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->size(), 3u);
  EXPECT_EQ((*created)[2].etag(), "1");
  EXPECT_EQ(store_->ListAllTasksForPlan("p1")->size(), 3u);
}

TEST_P(AssignmentStoreTest, APlanHoldsAtMostTheLimitOfTasks) {
  std::vector<Task> batch;
  for (int i = 0; i < kMaxTasksPerPlan - 1; ++i) {
    batch.push_back(MakeTask(absl::StrCat("Nhiệm vụ ", i), district_));
  }
  ASSERT_TRUE(store_->CreateTasks(batch).ok());
  // Two more would pass the limit: neither is created.
  absl::StatusOr<std::vector<Task>> two =
      store_->CreateTasks({MakeTask("Thêm 1", district_), MakeTask("Thêm 2", district_)});
  EXPECT_TRUE(absl::IsResourceExhausted(two.status())) << two.status();
  EXPECT_THAT(two.status().message(), HasSubstr("tasks per plan"));
  EXPECT_TRUE(store_->CreateTask(MakeTask("Thêm 1", district_)).ok());
  EXPECT_TRUE(
      absl::IsResourceExhausted(store_->CreateTask(MakeTask("Thêm 2", district_)).status()));
  // Another plan is not affected.
  EXPECT_TRUE(store_
                  ->CreateTask(
                      MakeTask("Kế hoạch khác", district_, {}, TASK_STATUS_NOT_STARTED, "plans/p2"))
                  .ok());
  EXPECT_EQ(store_->ListAllTasksForPlan("p1")->size(), static_cast<size_t>(kMaxTasksPerPlan));
}

TEST_P(AssignmentStoreTest, CreateTasksRefusesADraftRepeatedWithinTheBatch) {
  Task a = MakeTask("Một", district_);
  a.set_source_draft_id("d-1");
  Task b = MakeTask("Một lần nữa", district_);
  b.set_source_draft_id("d-1");
  absl::StatusOr<std::vector<Task>> created = store_->CreateTasks({a, b});
  EXPECT_TRUE(absl::IsAlreadyExists(created.status())) << created.status();
  EXPECT_THAT(created.status().message(), HasSubstr(a.name()));
  EXPECT_TRUE(store_->ListAllTasksForPlan("p1")->empty());
}

TEST_P(AssignmentStoreTest, ListTasksByUnitSubtreeAndRole) {
  PutTask(MakeTask("Sở chủ trì", department_, {district_finance_}));
  PutTask(MakeTask("Phòng chủ trì", district_finance_, {department_office_}));
  PutTask(MakeTask("Xã chủ trì", commune_));
  PutTask(MakeTask("Văn phòng chủ trì", department_office_, {commune_}));

  absl::StatusOr<std::vector<std::string>> district = store_->Subtree(Id(district_.name()));
  ASSERT_TRUE(district.ok());
  TaskQuery q;
  q.unit_ids = *district;
  EXPECT_THAT(TaskTitles(q),
              ElementsAre("Sở chủ trì", "Phòng chủ trì", "Xã chủ trì", "Văn phòng chủ trì"));
  q.unit_role = UNIT_ROLE_LEAD;
  EXPECT_THAT(TaskTitles(q), ElementsAre("Phòng chủ trì", "Xã chủ trì"));
  q.unit_role = UNIT_ROLE_COORDINATOR;
  EXPECT_THAT(TaskTitles(q), ElementsAre("Sở chủ trì", "Văn phòng chủ trì"));
  q.unit_ids = {Id(district_.name())};  // the committee alone leads nothing
  q.unit_role = UNIT_ROLE_LEAD;
  EXPECT_THAT(TaskTitles(q), IsEmpty());

  absl::StatusOr<std::vector<Task>> for_units =
      store_->ListAllTasksForUnits({Id(department_office_.name())});
  ASSERT_TRUE(for_units.ok());
  EXPECT_EQ(for_units->size(), 2u);
}

TEST_P(AssignmentStoreTest, ListTasksByPlanComponentTimelinessDueAndStatus) {
  Task a = MakeTask("PAR chỉ số 1", department_);
  a.mutable_effective_component()->set_framework("PAR_INDEX");
  a.mutable_effective_component()->set_component("1");
  a.set_timeliness(TIMELINESS_OVERDUE);
  *a.mutable_next_due_date() = D(2024, 3, 31);
  Task b = MakeTask("PAR chỉ số 2", department_);
  b.mutable_effective_component()->set_framework("PAR_INDEX");
  b.mutable_effective_component()->set_component("2");
  b.set_timeliness(TIMELINESS_DUE_SOON);
  *b.mutable_next_due_date() = D(2024, 4, 30);
  Task c = MakeTask("SIPAS", department_, {}, TASK_STATUS_NOT_STARTED, "plans/p2");
  c.mutable_effective_component()->set_framework("SIPAS");
  c.mutable_effective_component()->set_component("1");
  *c.mutable_next_due_date() = D(2024, 9, 30);
  Task d = MakeTask("Thường xuyên", department_);  // continuous: no next due
  for (const Task& t : {a, b, c, d}) PutTask(t);

  TaskQuery plan;
  plan.plan_id = "p2";
  EXPECT_THAT(TaskTitles(plan), ElementsAre("SIPAS"));
  TaskQuery framework;
  framework.framework = "PAR_INDEX";
  EXPECT_THAT(TaskTitles(framework), ElementsAre("PAR chỉ số 1", "PAR chỉ số 2"));
  framework.component = "2";
  EXPECT_THAT(TaskTitles(framework), ElementsAre("PAR chỉ số 2"));
  TaskQuery late;
  late.timeliness = {TIMELINESS_OVERDUE, TIMELINESS_DUE_SOON};
  EXPECT_THAT(TaskTitles(late), ElementsAre("PAR chỉ số 1", "PAR chỉ số 2"));
  TaskQuery due;
  due.due_from = "2024-04-01";
  EXPECT_THAT(TaskTitles(due), ElementsAre("PAR chỉ số 2", "SIPAS"));
  due.due_to = "2024-04-30";
  EXPECT_THAT(TaskTitles(due), ElementsAre("PAR chỉ số 2"));
  TaskQuery to;
  to.due_to = "2024-03-31";
  EXPECT_THAT(TaskTitles(to), ElementsAre("PAR chỉ số 1"));

  TaskQuery page;
  page.plan_id = "p1";
  page.limit = 2;
  absl::StatusOr<TaskPage> first = store_->ListTasks(page);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->more);
  page.after_id = Id(first->tasks.back().name());
  absl::StatusOr<TaskPage> second = store_->ListTasks(page);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->more);
  ASSERT_EQ(second->tasks.size(), 1u);
  EXPECT_EQ(second->tasks[0].title(), "Thường xuyên");
}

TEST_P(AssignmentStoreTest, UpdateTaskRewritesTheUnitIndex) {
  const Task task = PutTask(MakeTask("Chuyển giao", district_finance_, {commune_}));
  ASSERT_TRUE(store_
                  ->UpdateTask(Id(task.name()),
                               [&](Task& t) {
                                 t.mutable_lead_unit()->set_unit(department_.name());
                                 t.clear_coordinating_units();
                                 return absl::OkStatus();
                               })
                  .ok());
  TaskQuery q;
  q.unit_ids = {Id(district_finance_.name()), Id(commune_.name())};
  EXPECT_THAT(TaskTitles(q), IsEmpty());
  q.unit_ids = {Id(department_.name())};
  q.unit_role = UNIT_ROLE_LEAD;
  EXPECT_THAT(TaskTitles(q), ElementsAre("Chuyển giao"));
  absl::StatusOr<Task> bad = store_->UpdateTask(Id(task.name()), [](Task& t) {
    t.mutable_lead_unit()->set_unit("units/ghost");
    return absl::OkStatus();
  });
  EXPECT_TRUE(absl::IsNotFound(bad.status())) << bad.status();
}

TEST_P(AssignmentStoreTest, CountsTasksByLeadAndTimelinessWithoutCancelledOnes) {
  PutTask(MakeTask("A", district_));
  PutTask(MakeTask("B", district_));
  PutTask(MakeTask("C", district_, {}, TASK_STATUS_DONE));
  PutTask(MakeTask("D", district_, {}, TASK_STATUS_CANCELLED));
  PutTask(MakeTask("E", commune_));
  absl::StatusOr<std::vector<TaskCount>> counts = store_->CountTasksByLeadAndTimeliness();
  ASSERT_TRUE(counts.ok()) << counts.status();
  std::vector<std::string> flat;
  for (const TaskCount& c : *counts) {
    const std::string unit = c.lead_unit_id == Id(district_.name()) ? "district" : "commune";
    flat.push_back(absl::StrCat(unit, "/", c.timeliness, "=", c.count));
  }
  EXPECT_THAT(flat, UnorderedElementsAre(absl::StrCat("district/", TIMELINESS_ON_TRACK, "=2"),
                                         absl::StrCat("district/", TIMELINESS_DONE_ON_TIME, "=1"),
                                         absl::StrCat("commune/", TIMELINESS_ON_TRACK, "=1")));
}

// ---- Progress reports -----------------------------------------------------

class ReportsTest : public AssignmentStoreTest {
 protected:
  ProgressReport MakeReport(const Task& task, const Unit& unit, int percent) {
    ProgressReport report;
    report.set_name(absl::StrCat(task.name(), "/progressReports/", ids_.Next()));
    report.set_reporting_unit(unit.name());
    report.set_percent_complete(percent);
    report.set_note(absl::StrCat("Đã thực hiện ", percent, "%"));
    report.add_evidence()->set_url("https://example.invalid/vb/123-bc");
    return report;
  }

  absl::Status Report(const Task& task, const Unit& unit, int percent) {
    return store_
        ->UpdateTaskWithReport(
            Id(task.name()),
            [percent](Task& t) {
              t.set_percent_complete(percent);
              t.set_status(TASK_STATUS_IN_PROGRESS);
              return absl::OkStatus();
            },
            MakeReport(task, unit, percent), "")
        .status();
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, ReportsTest, test_support::AllBackends(),
                         test_support::BackendName);

TEST_P(ReportsTest, AppendsAReportWithItsTaskUpdate) {
  const Task task = PutTask(MakeTask("Số hóa kết quả", district_finance_, {commune_}));
  const ProgressReport report = MakeReport(task, district_finance_, 30);
  absl::StatusOr<std::pair<Task, ProgressReport>> done = store_->UpdateTaskWithReport(
      Id(task.name()),
      [](Task& t) {
        t.set_percent_complete(30);
        return absl::OkStatus();
      },
      report, "");
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->first.etag(), "2");
  EXPECT_EQ(done->first.percent_complete(), 30);
  EXPECT_EQ(done->second.SerializeAsString(), report.SerializeAsString());
  absl::StatusOr<ProgressReport> got = store_->GetReport(Id(task.name()), Id(report.name()));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->SerializeAsString(), report.SerializeAsString());
  EXPECT_EQ(store_->GetTask(Id(task.name()))->percent_complete(), 30);
}

TEST_P(ReportsTest, AFailedTaskUpdateLeavesNoReportAndAFailedReportNoUpdate) {
  const Task task = PutTask(MakeTask("Số hóa kết quả", district_finance_));
  const ProgressReport report = MakeReport(task, district_finance_, 100);
  absl::StatusOr<std::pair<Task, ProgressReport>> refused = store_->UpdateTaskWithReport(
      Id(task.name()),
      [](Task& t) {
        t.set_status(TASK_STATUS_DONE);
        return absl::FailedPreconditionError("completing needs evidence");
      },
      report, "");
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  ReportQuery q;
  q.task_id = Id(task.name());
  EXPECT_TRUE(store_->ListReports(q)->reports.empty());

  ASSERT_TRUE(store_->UpdateTaskWithReport(Id(task.name()), NoChange, report, "").ok());
  absl::StatusOr<std::pair<Task, ProgressReport>> again = store_->UpdateTaskWithReport(
      Id(task.name()),
      [](Task& t) {
        t.set_percent_complete(99);
        return absl::OkStatus();
      },
      report, "");  // same report id
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
  EXPECT_EQ(store_->GetTask(Id(task.name()))->etag(), "2");
  EXPECT_EQ(store_->GetTask(Id(task.name()))->percent_complete(), 0);
}

TEST_P(ReportsTest, ARequestIdTakesOneReportPerTask) {
  const Task a = PutTask(MakeTask("A", district_));
  const Task b = PutTask(MakeTask("B", district_));
  const ProgressReport first = MakeReport(a, district_, 10);
  ASSERT_TRUE(store_->UpdateTaskWithReport(Id(a.name()), NoChange, first, "key-1").ok());
  absl::StatusOr<std::optional<ProgressReport>> found =
      store_->ReportByRequestId(Id(a.name()), "key-1");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->SerializeAsString(), first.SerializeAsString());
  EXPECT_FALSE(store_->ReportByRequestId(Id(a.name()), "key-2")->has_value());
  EXPECT_FALSE(store_->ReportByRequestId(Id(b.name()), "key-1")->has_value());
  EXPECT_FALSE(store_->ReportByRequestId(Id(a.name()), "")->has_value());

  // Another report with the key on the same task: refused, task untouched.
  absl::StatusOr<std::pair<Task, ProgressReport>> again = store_->UpdateTaskWithReport(
      Id(a.name()),
      [](Task& t) {
        t.set_percent_complete(99);
        return absl::OkStatus();
      },
      MakeReport(a, district_, 99), "key-1");
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
  EXPECT_THAT(again.status().message(), HasSubstr("request_id"));
  EXPECT_THAT(again.status().message(), HasSubstr(first.name()));
  EXPECT_EQ(store_->GetTask(Id(a.name()))->etag(), "2");
  EXPECT_EQ(store_->GetTask(Id(a.name()))->percent_complete(), 0);

  // The key on another task, and reports without keys, are independent.
  ASSERT_TRUE(
      store_->UpdateTaskWithReport(Id(b.name()), NoChange, MakeReport(b, district_, 20), "key-1")
          .ok());
  ASSERT_TRUE(
      store_->UpdateTaskWithReport(Id(a.name()), NoChange, MakeReport(a, district_, 30), "").ok());
  ASSERT_TRUE(
      store_->UpdateTaskWithReport(Id(a.name()), NoChange, MakeReport(a, district_, 40), "").ok());
  ReportQuery q;
  q.task_id = Id(a.name());
  EXPECT_EQ(store_->ListReports(q)->reports.size(), 3u);
  q.task_id = Id(b.name());
  EXPECT_EQ(store_->ListReports(q)->reports.size(), 1u);
}

TEST_P(ReportsTest, TwoReplicasRacingWithOneRequestIdAddOneReport) {
  // Two connections to one database, as two replicas have.
  std::string url;
  std::string path;
  if (GetParam() == test_support::Backend::kPostgres) {
    absl::StatusOr<std::string> fresh = test_support::FreshPostgresUrl();
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    url = *fresh;
  } else {
    path = absl::StrCat(::testing::TempDir(), "/assignment_store_race_", ids_.Next(), ".db");
    url = absl::StrCat("sqlite:", path);
  }
  std::unique_ptr<storage::Database> dbs[2];
  std::unique_ptr<AssignmentStore> stores[2];
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::OpenDatabase(url, "");
    ASSERT_TRUE(db.ok()) << db.status();
    dbs[i] = *std::move(db);
    stores[i] = NewSqlAssignmentStore(dbs[i].get());
  }
  ASSERT_TRUE(storage::Migrate(*dbs[0], AssignmentMigrations()).ok());
  Unit lead = MakeUnit("R", "Ủy ban nhân dân xã Khe Mạ", UNIT_KIND_COMMUNE_COMMITTEE, "");
  ASSERT_TRUE(stores[0]->CreateUnit(lead).ok());
  Task task = MakeTask("Đua", lead);
  ASSERT_TRUE(stores[0]->CreateTask(task).ok());

  for (int round = 0; round < 5; ++round) {
    const std::string key = absl::StrCat("race-", round);
    const ProgressReport reports[2] = {MakeReport(task, lead, round),
                                       MakeReport(task, lead, round)};
    std::atomic<int> ready{0};
    absl::StatusOr<std::pair<Task, ProgressReport>> results[2];
    auto run = [&](int i) {
      ++ready;
      while (ready.load() < 2) std::this_thread::yield();
      // No etag check: only the (task, request_id) constraint stops the
      // second report.
      results[i] = stores[i]->UpdateTaskWithReport(Id(task.name()), NoChange, reports[i], key);
    };
    std::thread one(run, 0);
    std::thread two(run, 1);
    one.join();
    two.join();
    const int won = results[0].ok() ? 0 : 1;
    ASSERT_TRUE(results[won].ok()) << results[won].status();
    EXPECT_TRUE(absl::IsAlreadyExists(results[1 - won].status())) << results[1 - won].status();
    absl::StatusOr<std::optional<ProgressReport>> kept =
        stores[1 - won]->ReportByRequestId(Id(task.name()), key);
    ASSERT_TRUE(kept.ok() && kept->has_value());
    EXPECT_EQ((*kept)->name(), reports[won].name());
    ReportQuery q;
    q.task_id = Id(task.name());
    EXPECT_EQ(stores[0]->ListReports(q)->reports.size(), static_cast<size_t>(round + 1));
  }
  for (auto& store : stores) store.reset();
  for (auto& db : dbs) db.reset();
  if (!path.empty()) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
}

TEST_P(ReportsTest, RefusesAReportNamedUnderAnotherTask) {
  const Task a = PutTask(MakeTask("A", district_));
  const Task b = PutTask(MakeTask("B", district_));
  absl::StatusOr<std::pair<Task, ProgressReport>> wrong =
      store_->UpdateTaskWithReport(Id(a.name()), NoChange, MakeReport(b, district_, 10), "");
  EXPECT_TRUE(absl::IsInvalidArgument(wrong.status())) << wrong.status();
  Task ghost;
  ghost.set_name("tasks/ghost");
  absl::StatusOr<std::pair<Task, ProgressReport>> missing =
      store_->UpdateTaskWithReport("ghost", NoChange, MakeReport(ghost, district_, 10), "");
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
}

TEST_P(ReportsTest, ListsReportsByUnitAndOccurrenceWithPages) {
  const Task task = PutTask(MakeTask("Báo cáo quý", district_finance_, {commune_}));
  ASSERT_TRUE(Report(task, district_finance_, 10).ok());
  ASSERT_TRUE(Report(task, commune_, 20).ok());
  ASSERT_TRUE(Report(task, district_finance_, 50).ok());
  ProgressReport with_due = MakeReport(task, commune_, 60);
  *with_due.mutable_occurrence_due_date() = D(2024, 6, 30);
  ASSERT_TRUE(store_->UpdateTaskWithReport(Id(task.name()), NoChange, with_due, "").ok());
  EXPECT_EQ(store_->GetTask(Id(task.name()))->etag(), "5");

  ReportQuery q;
  q.task_id = Id(task.name());
  q.limit = 3;
  absl::StatusOr<ReportPage> first = store_->ListReports(q);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->reports.size(), 3u);
  EXPECT_TRUE(first->more);
  EXPECT_EQ(first->reports[0].percent_complete(), 10);
  q.after_id = Id(first->reports.back().name());
  absl::StatusOr<ReportPage> second = store_->ListReports(q);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->reports.size(), 1u);
  EXPECT_FALSE(second->more);

  ReportQuery by_unit;
  by_unit.task_id = Id(task.name());
  by_unit.reporting_unit_id = Id(commune_.name());
  EXPECT_EQ(store_->ListReports(by_unit)->reports.size(), 2u);
  by_unit.occurrence_due = "2024-06-30";
  EXPECT_EQ(store_->ListReports(by_unit)->reports.size(), 1u);

  ReportQuery missing;
  missing.task_id = "ghost";
  EXPECT_TRUE(absl::IsNotFound(store_->ListReports(missing).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetReport(Id(task.name()), "ghost").status()));

  ASSERT_TRUE(store_->DeleteTask(Id(task.name()), nullptr).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetReport(Id(task.name()), q.after_id).status()));
}

// ---- Durability -----------------------------------------------------------

TEST_P(ReportsTest, KnowsOpenTasksAndTheLatestReportForReminders) {
  const Task open = PutTask(MakeTask("Còn mở", district_));
  Task done = MakeTask("Đã xong", district_);
  done.set_status(TASK_STATUS_DONE);
  done = PutTask(done);
  Task cancelled = MakeTask("Đã hủy", district_);
  cancelled.set_status(TASK_STATUS_CANCELLED);
  cancelled = PutTask(cancelled);
  EXPECT_THAT(*store_->OpenTaskIds(), ElementsAre(Id(open.name())));

  EXPECT_EQ(*store_->LastReportTime(Id(open.name())), std::nullopt);
  for (int64_t seconds : {1714000000, 1714500000, 1714200000}) {
    ProgressReport report = MakeReport(open, district_, 10);
    report.mutable_create_time()->set_seconds(seconds);
    ASSERT_TRUE(store_->UpdateTaskWithReport(Id(open.name()), NoChange, report, "").ok());
  }
  EXPECT_EQ(*store_->LastReportTime(Id(open.name())), absl::FromUnixSeconds(1714500000));
}

TEST_P(ReportsTest, RemembersWhatRemindersNeedOfAPlan) {
  EXPECT_EQ(*store_->RememberedPlan("p1"), std::nullopt);
  chiso::plan::v1::Plan plan;
  plan.set_name("plans/p1");
  plan.set_number("60/KH-STNMT");
  plan.set_title("Nâng cao chỉ số DDCI");
  plan.set_funding("not kept");
  plan.mutable_reminder_policy()->set_escalate_after_working_days(5);
  ASSERT_TRUE(store_->RememberPlan(plan).ok());
  plan.set_title("Nâng cao chỉ số DDCI năm 2020");
  ASSERT_TRUE(store_->RememberPlan(plan).ok());  // replaces
  absl::StatusOr<std::optional<chiso::plan::v1::Plan>> kept = store_->RememberedPlan("p1");
  ASSERT_TRUE(kept.ok() && kept->has_value()) << kept.status();
  EXPECT_EQ((*kept)->number(), "60/KH-STNMT");
  EXPECT_EQ((*kept)->title(), "Nâng cao chỉ số DDCI năm 2020");
  EXPECT_EQ((*kept)->reminder_policy().escalate_after_working_days(), 5);
  EXPECT_EQ((*kept)->funding(), "");
  plan.set_name("p1");
  EXPECT_TRUE(absl::IsInvalidArgument(store_->RememberPlan(plan)));
}

// The id in a resource name.
std::string IdIn(const std::string& name) { return name.substr(name.find('/') + 1); }

TEST_P(AssignmentStoreTest, InSubtreeFollowsParentsUpward) {
  EXPECT_TRUE(*store_->InSubtree(IdIn(province_.name()), IdIn(commune_.name())));
  EXPECT_TRUE(*store_->InSubtree(IdIn(district_.name()), IdIn(commune_.name())));
  EXPECT_TRUE(*store_->InSubtree(IdIn(commune_.name()), IdIn(commune_.name())));
  EXPECT_FALSE(*store_->InSubtree(IdIn(department_.name()), IdIn(commune_.name())));
  EXPECT_FALSE(*store_->InSubtree(IdIn(commune_.name()), IdIn(district_.name())));
  EXPECT_FALSE(*store_->InSubtree(IdIn(province_.name()), "no-such-unit"));
}

TEST_P(AssignmentStoreTest, UnitParentsListsEveryUnitWithItsParent) {
  absl::StatusOr<std::vector<UnitParent>> links = store_->UnitParents();
  ASSERT_TRUE(links.ok()) << links.status();
  ASSERT_EQ(links->size(), 6u);
  std::map<std::string, std::string> parent;
  for (const UnitParent& link : *links) parent[link.id] = link.parent_id;
  EXPECT_EQ(parent[IdIn(commune_.name())], IdIn(district_.name()));
  EXPECT_EQ(parent[IdIn(province_.name())], "");
}

TEST_P(AssignmentStoreTest, ScopeLimitsUnitsPeopleAndTasksToASubtree) {
  UnitQuery units;
  units.scope_id = IdIn(district_.name());
  EXPECT_THAT(UnitCodes(units), ::testing::UnorderedElementsAre("UBND-HDK", "HDK-TCKH", "XBV"));
  units.scope_id = "";
  EXPECT_THAT(UnitCodes(units), ::testing::IsEmpty());

  ASSERT_TRUE(store_->CreatePerson(MakePerson("Lê Văn D", district_finance_)).ok());
  ASSERT_TRUE(store_->CreatePerson(MakePerson("Phạm Thị E", department_)).ok());
  PersonQuery people;
  people.scope_id = IdIn(district_.name());
  absl::StatusOr<PersonPage> page = store_->ListPeople(people);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->people.size(), 1u);
  EXPECT_EQ(page->people[0].display_name(), "Lê Văn D");

  PutTask(
      MakeTask("of the department", department_office_, {}, TASK_STATUS_NOT_STARTED, "plans/p1"));
  PutTask(MakeTask("of the district", district_finance_, {}, TASK_STATUS_NOT_STARTED, "plans/p2"));
  PutTask(MakeTask("coordinated by the commune", department_, {commune_}, TASK_STATUS_NOT_STARTED,
                   "plans/p3"));
  TaskQuery tasks;
  tasks.scope_id = IdIn(district_.name());
  EXPECT_THAT(TaskTitles(tasks),
              ::testing::UnorderedElementsAre("of the district", "coordinated by the commune"));
  // A plan the district issued brings its tasks into the district's scope.
  chiso::plan::v1::Plan plan;
  plan.set_name("plans/p1");
  plan.mutable_issuer()->set_unit(district_.name());
  ASSERT_TRUE(store_->RememberPlan(plan).ok());
  EXPECT_THAT(TaskTitles(tasks),
              ::testing::UnorderedElementsAre("of the department", "of the district",
                                              "coordinated by the commune"));
  EXPECT_EQ((*store_->RememberedPlan("p1"))->issuer().unit(), district_.name());
}

TEST(AssignmentMigrationsTest, KeepTheAuditTrailsNumbersAndAddLaterOnesAfterIt) {
  const std::vector<storage::Migration>& migrations = AssignmentMigrations();
  ASSERT_EQ(migrations.size(), 5u);
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
  }
  // The audit trail's migrations keep the numbers released with them.
  const std::vector<storage::Migration> audit = audit::AuditMigrations(4);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(migrations[3].version, audit[0].version);
  EXPECT_EQ(migrations[3].name, audit[0].name);
  EXPECT_EQ(migrations[3].sqlite, audit[0].sqlite);
  EXPECT_THAT(migrations[4].sqlite, HasSubstr("request_id"));
}

// A database at version 4 (the schema before request ids) migrates, keeps
// its reports (which have no key) and then takes keys.
TEST_P(ReportsTest, ADatabaseOfTheLastReleaseMigrates) {
  std::unique_ptr<storage::Database> db = test_support::OpenTestDatabase(GetParam());
  ASSERT_NE(db, nullptr);
  const std::vector<storage::Migration> released(AssignmentMigrations().begin(),
                                                 AssignmentMigrations().begin() + 4);
  ASSERT_TRUE(storage::Migrate(*db, released).ok());
  std::unique_ptr<AssignmentStore> store = NewSqlAssignmentStore(db.get());
  const Unit unit = MakeUnit("C", "Ủy ban nhân dân xã Cũ", UNIT_KIND_COMMUNE_COMMITTEE, "");
  ASSERT_TRUE(store->CreateUnit(unit).ok());
  const Task task = MakeTask("Cũ", unit);
  ASSERT_TRUE(store->CreateTask(task).ok());
  const ProgressReport old = MakeReport(task, unit, 5);
  ASSERT_TRUE(db->Transact([&](storage::Tx& tx) {
                  return tx
                      .Exec(
                          "INSERT INTO progress_reports (id, task_id, body) VALUES ($1, $2, $3)",
                          {Id(old.name()), Id(task.name()), storage::Blob{old.SerializeAsString()}})
                      .status();
                }).ok());

  ASSERT_TRUE(storage::Migrate(*db, AssignmentMigrations()).ok());
  EXPECT_EQ(*storage::SchemaVersion(*db), 5);
  EXPECT_EQ(store->GetReport(Id(task.name()), Id(old.name()))->note(), old.note());
  ASSERT_TRUE(
      store->UpdateTaskWithReport(Id(task.name()), NoChange, MakeReport(task, unit, 6), "k").ok());
  EXPECT_TRUE(store->ReportByRequestId(Id(task.name()), "k")->has_value());
  EXPECT_FALSE(
      store->UpdateTaskWithReport(Id(task.name()), NoChange, MakeReport(task, unit, 7), "k").ok());
}

TEST(AssignmentStoreFileTest, DataSurvivesReopening) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/assignment_store_test_", IdGenerator().Next(), ".db");
  IdGenerator ids;
  Unit unit;
  unit.set_name(absl::StrCat("units/", ids.Next()));
  unit.set_code("UBND-TKL");
  unit.set_display_name("Ủy ban nhân dân tỉnh Kỳ Lương");
  unit.set_kind(UNIT_KIND_PROVINCIAL_COMMITTEE);
  Task task;
  task.set_name(absl::StrCat("tasks/", ids.Next()));
  task.set_plan("plans/p1");
  task.set_title("Nâng cao chỉ số PAR INDEX");
  task.mutable_lead_unit()->set_unit(unit.name());
  {
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::OpenSqlite(path);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(storage::Migrate(**db, AssignmentMigrations()).ok());
    std::unique_ptr<AssignmentStore> store = NewSqlAssignmentStore(db->get());
    ASSERT_TRUE(store->CreateUnit(unit).ok());
    ASSERT_TRUE(store->CreateTask(task).ok());
  }
  {
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::OpenSqlite(path);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(storage::Migrate(**db, AssignmentMigrations()).ok());
    EXPECT_EQ(*storage::SchemaVersion(**db), static_cast<int>(AssignmentMigrations().size()));
    std::unique_ptr<AssignmentStore> store = NewSqlAssignmentStore(db->get());
    EXPECT_EQ(store->GetUnit(Id(unit.name()))->code(), "UBND-TKL");
    EXPECT_EQ(store->GetTask(Id(task.name()))->title(), "Nâng cao chỉ số PAR INDEX");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace
}  // namespace chiso::assignment
