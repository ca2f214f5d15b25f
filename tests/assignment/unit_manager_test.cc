#include "services/assignment/unit_manager.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/storage/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/assignment/assignment_store.h"

namespace chiso::assignment {
namespace {

using ::chiso::common::v1::Date;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// Expects `expr` (an absl::Status) to have code absl::StatusCode::`want` and a
// message containing `text`.
#define EXPECT_CODE(expr, want, text)                             \
  do {                                                            \
    const absl::Status status_ = (expr);                          \
    EXPECT_EQ(status_.code(), absl::StatusCode::want) << status_; \
    EXPECT_THAT(std::string(status_.message()), HasSubstr(text)); \
  } while (0)

Date D(int y, int m, int d) {
  Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::string Id(const std::string& name) { return name.substr(name.rfind('/') + 1); }

// A unit as a caller sends it.
Unit U(const std::string& code, const std::string& display_name, pb::UnitKind kind,
       const std::string& parent = "", std::vector<std::string> aliases = {}) {
  Unit unit;
  unit.set_code(code);
  unit.set_display_name(display_name);
  unit.set_kind(kind);
  unit.set_parent(parent);
  for (const std::string& a : aliases) unit.add_aliases(a);
  return unit;
}

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : paths) mask.add_paths(p);
  return mask;
}

class UnitManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::OpenSqlite(":memory:");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(storage::Migrate(*db_, AssignmentMigrations()).ok());
    store_ = NewSqlAssignmentStore(db_.get());
    manager_ = std::make_unique<UnitManager>(store_.get(), &clock_, &ids_);
    province_ = Create(U("UBND-LH", "UBND tỉnh Lạng Hà", pb::UNIT_KIND_PROVINCIAL_COMMITTEE));
    science_ = Create(U("SKHCN-LH", "Sở Khoa học và Công nghệ", pb::UNIT_KIND_DEPARTMENT,
                        province_.name(), {"Sở KH&CN"}));
    science_office_ = Create(U("SKHCN-VP", "Văn phòng Sở", pb::UNIT_KIND_OFFICE, science_.name()));
    justice_ = Create(U("STP-LH", "Sở Tư pháp", pb::UNIT_KIND_DEPARTMENT, province_.name()));
    justice_office_ = Create(U("STP-VP", "Văn phòng Sở", pb::UNIT_KIND_OFFICE, justice_.name()));
  }

  Unit Create(const Unit& unit) {
    pb::CreateUnitRequest request;
    *request.mutable_unit() = unit;
    absl::StatusOr<Unit> created = manager_->CreateUnit(request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Unit();
  }

  absl::Status CreateStatus(const Unit& unit) {
    pb::CreateUnitRequest request;
    *request.mutable_unit() = unit;
    return manager_->CreateUnit(request).status();
  }

  Unit Get(const std::string& name) {
    pb::GetUnitRequest request;
    request.set_name(name);
    absl::StatusOr<Unit> unit = manager_->GetUnit(request);
    EXPECT_TRUE(unit.ok()) << unit.status();
    return unit.ok() ? *unit : Unit();
  }

  Person CreatePerson(const std::string& display_name, const std::string& title,
                      const std::string& unit) {
    pb::CreatePersonRequest request;
    request.mutable_person()->set_display_name(display_name);
    request.mutable_person()->set_title(title);
    request.mutable_person()->set_unit(unit);
    absl::StatusOr<Person> person = manager_->CreatePerson(request);
    EXPECT_TRUE(person.ok()) << person.status();
    return person.ok() ? *person : Person();
  }

  // A task stored directly (the task manager is not under test here).
  Task PutTask(const std::string& title, const Unit& lead, const std::vector<Unit>& coordinating,
               pb::TaskStatus status) {
    Task task;
    task.set_name(absl::StrCat("tasks/", ids_.Next()));
    task.set_plan("plans/p1");
    task.set_title(title);
    task.mutable_lead_unit()->set_unit(lead.name());
    task.mutable_lead_unit()->set_display_name(lead.display_name());
    for (const Unit& u : coordinating) {
      auto* ref = task.add_coordinating_units();
      ref->set_unit(u.name());
      ref->set_display_name(u.display_name());
    }
    task.set_status(status);
    absl::StatusOr<Task> created = store_->CreateTask(task);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Task();
  }

  absl::StatusOr<pb::ListUnitsResponse> List(const pb::UnitFilter& filter, int page_size = 0,
                                             const std::string& token = "") {
    pb::ListUnitsRequest request;
    *request.mutable_filter() = filter;
    request.set_page_size(page_size);
    request.set_page_token(token);
    return manager_->ListUnits(request);
  }

  // Codes of every unit matching `filter`, following the page tokens.
  std::vector<std::string> ListCodes(const pb::UnitFilter& filter, int page_size = 0) {
    std::vector<std::string> codes;
    std::string token;
    for (int i = 0; i < 100; ++i) {
      absl::StatusOr<pb::ListUnitsResponse> page = List(filter, page_size, token);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const Unit& u : page->units()) codes.push_back(u.code());
      token = page->next_page_token();
      if (token.empty()) break;
    }
    return codes;
  }

  absl::StatusOr<Unit> Update(const Unit& patch, std::vector<std::string> paths) {
    pb::UpdateUnitRequest request;
    *request.mutable_unit() = patch;
    *request.mutable_update_mask() = Mask(paths);
    return manager_->UpdateUnit(request);
  }

  absl::StatusOr<Unit> End(const std::string& name, const Date& valid_to,
                           const std::string& etag = "") {
    pb::EndUnitRequest request;
    request.set_name(name);
    *request.mutable_valid_to() = valid_to;
    request.set_etag(etag);
    return manager_->EndUnit(request);
  }

  absl::StatusOr<MergeUnitOutcome> Merge(const std::string& name, const std::string& successor,
                                         const Date& effective, bool validate_only = false,
                                         const std::string& etag = "") {
    pb::MergeUnitRequest request;
    request.set_name(name);
    request.set_successor(successor);
    *request.mutable_effective_date() = effective;
    request.set_validate_only(validate_only);
    request.set_etag(etag);
    return manager_->MergeUnit(request);
  }

  // 2025-08-01 10:00 in Vietnam: after the district reform of 1 July 2025.
  civil::FakeClock clock_{absl::FromUnixSeconds(1754017200)};
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<AssignmentStore> store_;
  std::unique_ptr<UnitManager> manager_;
  Unit province_, science_, science_office_, justice_, justice_office_;
};

// ---- CreateUnit / GetUnit ----------------------------------------------------

TEST_F(UnitManagerTest, CreateUnitAssignsNameAndIgnoresOutputFields) {
  Unit input = U("PTCKH-BK", "  Phòng   Tài chính - Kế hoạch ", pb::UNIT_KIND_DIVISION,
                 province_.name(), {"Phòng TC-KH", "", "Phòng TC-KH"});
  input.set_name("units/chosen-by-caller");
  input.set_state(pb::UNIT_STATE_MERGED);
  input.set_etag("77");
  input.mutable_create_time()->set_seconds(5);
  Unit created = Create(input);
  EXPECT_THAT(created.name(), testing::StartsWith("units/"));
  EXPECT_TRUE(IsValidId(Id(created.name())));
  EXPECT_EQ(created.display_name(), "Phòng Tài chính - Kế hoạch");
  EXPECT_THAT(created.aliases(), ElementsAre("Phòng TC-KH"));
  EXPECT_EQ(created.state(), pb::UNIT_STATE_ACTIVE);
  EXPECT_EQ(created.etag(), "1");
  EXPECT_EQ(created.create_time().seconds(), 1754017200);
  EXPECT_EQ(created.update_time().seconds(), 1754017200);
  Unit read = Get(created.name());
  EXPECT_EQ(read.code(), "PTCKH-BK");
  EXPECT_EQ(read.parent(), province_.name());
  EXPECT_EQ(read.state(), pb::UNIT_STATE_ACTIVE);
}

TEST_F(UnitManagerTest, CreateUnitRejectsInvalidFieldsNamingThem) {
  Unit good = U("X-1", "Chi cục Kiểm lâm", pb::UNIT_KIND_SUB_DEPARTMENT);
  Unit u = good;
  u.clear_code();
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.code: required");
  u = good;
  u.set_code("mã có dấu");
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.code");
  u = good;
  u.set_code(std::string(65, 'A'));
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.code");
  u = good;
  u.set_display_name("   ");
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.display_name: required");
  u = good;
  std::string long_name;
  for (int i = 0; i < 301; ++i) long_name += "ă";
  u.set_display_name(long_name);
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.display_name");
  u = good;
  for (int i = 0; i < 21; ++i) u.add_aliases(absl::StrCat("Tên ", i));
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.aliases");
  u = good;
  u.add_aliases(long_name);
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.aliases[0]");
  u = good;
  u.set_kind(pb::UNIT_KIND_UNSPECIFIED);
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.kind: required");
  u = good;
  *u.mutable_valid_from() = D(2023, 2, 29);
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.valid_from");
  u = good;
  *u.mutable_valid_from() = D(2020, 1, 1);
  *u.mutable_valid_to() = D(2019, 12, 31);
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.valid_to: must not be before valid_from");
  u = good;
  u.set_parent("Sở Nội vụ");
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.parent");
  u = good;
  u.set_head(province_.name());
  EXPECT_CODE(CreateStatus(u), kInvalidArgument, "unit.head: must be a person resource name");
  EXPECT_CODE(manager_->CreateUnit(pb::CreateUnitRequest()).status(), kInvalidArgument, "unit");
}

TEST_F(UnitManagerTest, CreateUnitNotFoundAndAlreadyExists) {
  Unit u = U("X-2", "Trung tâm Phục vụ hành chính công", pb::UNIT_KIND_CENTER,
             absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(CreateStatus(u), kNotFound, "unit.parent");
  u = U("X-2", "Trung tâm Phục vụ hành chính công", pb::UNIT_KIND_CENTER);
  u.set_head(absl::StrCat("people/", ids_.Next()));
  EXPECT_CODE(CreateStatus(u), kNotFound, "unit.head");
  EXPECT_CODE(CreateStatus(U("STP-LH", "Sở Tư pháp (bản sao)", pb::UNIT_KIND_DEPARTMENT)),
              kAlreadyExists, "STP-LH");
}

TEST_F(UnitManagerTest, CreateUnitWithHeadAndHistoricalStates) {
  Person head = CreatePerson("Hoàng Văn Minh", "Giám đốc Sở", justice_.name());
  Unit u = U("STP-TT", "Trung tâm Trợ giúp pháp lý", pb::UNIT_KIND_CENTER, justice_.name());
  u.set_head(head.name());
  EXPECT_EQ(Create(u).head(), head.name());
  Unit ended = U("BQL-CU", "Ban Quản lý dự án cũ", pb::UNIT_KIND_OTHER_BODY);
  *ended.mutable_valid_to() = D(2024, 12, 31);
  EXPECT_EQ(Create(ended).state(), pb::UNIT_STATE_ENDED);
  Unit merged = U("PNV-CU", "Phòng Nội vụ cũ", pb::UNIT_KIND_DIVISION);
  *merged.mutable_valid_to() = D(2025, 6, 30);
  merged.set_merged_into(province_.name());
  EXPECT_EQ(Create(merged).state(), pb::UNIT_STATE_MERGED);
  Unit later = U("PNV-MOI", "Phòng sẽ giải thể", pb::UNIT_KIND_DIVISION);
  *later.mutable_valid_to() = D(2025, 8, 1);  // ends today: still active
  EXPECT_EQ(Create(later).state(), pb::UNIT_STATE_ACTIVE);
}

TEST_F(UnitManagerTest, GetUnitErrors) {
  pb::GetUnitRequest request;
  request.set_name("units/");
  EXPECT_CODE(manager_->GetUnit(request).status(), kInvalidArgument, "name: must be a unit");
  request.set_name("people/01j0000000000000000000000");
  EXPECT_CODE(manager_->GetUnit(request).status(), kInvalidArgument, "name");
  request.set_name(absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(manager_->GetUnit(request).status(), kNotFound, "not found");
}

// ---- ListUnits ---------------------------------------------------------------

TEST_F(UnitManagerTest, ListUnitsOrdersByCodeAcrossPages) {
  EXPECT_THAT(ListCodes(pb::UnitFilter(), 2),
              ElementsAre("SKHCN-LH", "SKHCN-VP", "STP-LH", "STP-VP", "UBND-LH"));
  absl::StatusOr<pb::ListUnitsResponse> first = List(pb::UnitFilter(), 4);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->units_size(), 4);
  EXPECT_FALSE(first->next_page_token().empty());
  // A unit created between pages lands in its place in the order.
  Create(U("A-DAU", "Ban Dân tộc", pb::UNIT_KIND_OTHER_BODY, province_.name()));
  Create(U("Z-CUOI", "Công an tỉnh", pb::UNIT_KIND_OTHER_BODY, province_.name()));
  absl::StatusOr<pb::ListUnitsResponse> second =
      List(pb::UnitFilter(), 4, first->next_page_token());
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->units_size(), 2);
  EXPECT_EQ(second->units(0).code(), "UBND-LH");
  EXPECT_EQ(second->units(1).code(), "Z-CUOI");
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST_F(UnitManagerTest, ListUnitsFilters) {
  Unit district = Create(U("UBND-BK", "UBND huyện Bắc Khê", pb::UNIT_KIND_DISTRICT_COMMITTEE,
                           province_.name(), {"UBND huyện BK"}));
  Unit finance = Create(U("PTCKH-BK", "Phòng Tài chính - Kế hoạch", pb::UNIT_KIND_DIVISION,
                          district.name(), {"Phòng TC-KH"}));
  Unit old = U("PKT-BK", "Phòng Kinh tế", pb::UNIT_KIND_DIVISION, district.name());
  *old.mutable_valid_from() = D(2015, 1, 1);
  *old.mutable_valid_to() = D(2020, 12, 31);
  Create(old);

  pb::UnitFilter f;
  f.set_parent(district.name());
  EXPECT_THAT(ListCodes(f), ElementsAre("PKT-BK", "PTCKH-BK"));
  f.Clear();
  f.set_ancestor(province_.name());
  EXPECT_EQ(ListCodes(f).size(), 7u);  // the province itself excluded
  f.Clear();
  f.set_ancestor(district.name());
  f.add_kinds(pb::UNIT_KIND_DIVISION);
  f.add_states(pb::UNIT_STATE_ACTIVE);
  EXPECT_THAT(ListCodes(f), ElementsAre("PTCKH-BK"));
  f.Clear();
  f.add_states(pb::UNIT_STATE_ENDED);
  EXPECT_THAT(ListCodes(f), ElementsAre("PKT-BK"));
  f.Clear();
  f.add_kinds(pb::UNIT_KIND_OFFICE);
  f.add_kinds(pb::UNIT_KIND_DISTRICT_COMMITTEE);
  EXPECT_THAT(ListCodes(f), ElementsAre("SKHCN-VP", "STP-VP", "UBND-BK"));
  f.Clear();
  *f.mutable_valid_on() = D(2018, 6, 1);
  f.set_parent(district.name());
  EXPECT_THAT(ListCodes(f), ElementsAre("PKT-BK", "PTCKH-BK"));  // no valid_from: open
  *f.mutable_valid_on() = D(2024, 6, 1);
  EXPECT_THAT(ListCodes(f), ElementsAre("PTCKH-BK"));
  f.Clear();
  f.set_code("STP-VP");
  EXPECT_THAT(ListCodes(f), ElementsAre("STP-VP"));
  f.Clear();
  f.set_text("phong tc-kh");  // alias, folded
  EXPECT_THAT(ListCodes(f), ElementsAre("PTCKH-BK"));
  f.set_text("VĂN PHÒNG");
  EXPECT_THAT(ListCodes(f), ElementsAre("SKHCN-VP", "STP-VP"));
  f.set_text("skhcn");  // code
  EXPECT_THAT(ListCodes(f), ElementsAre("SKHCN-LH", "SKHCN-VP"));
  EXPECT_EQ(finance.state(), pb::UNIT_STATE_ACTIVE);
}

TEST_F(UnitManagerTest, ListUnitsPaginatesWithinAFilter) {
  for (int i = 0; i < 7; ++i) {
    Create(U(absl::StrCat("XA-", i), absl::StrCat("UBND xã Số ", i),
             pb::UNIT_KIND_COMMUNE_COMMITTEE, province_.name()));
  }
  pb::UnitFilter f;
  f.add_kinds(pb::UNIT_KIND_COMMUNE_COMMITTEE);
  EXPECT_THAT(ListCodes(f, 3), ElementsAre("XA-0", "XA-1", "XA-2", "XA-3", "XA-4", "XA-5", "XA-6"));
  absl::StatusOr<pb::ListUnitsResponse> page = List(f, 3);
  ASSERT_TRUE(page.ok());
  pb::UnitFilter other;
  other.add_kinds(pb::UNIT_KIND_OFFICE);
  EXPECT_CODE(List(other, 3, page->next_page_token()).status(), kInvalidArgument,
              "different filter");
  EXPECT_CODE(List(f, 3, "garbage").status(), kInvalidArgument, "page_token");
  EXPECT_CODE(List(f, -1).status(), kInvalidArgument, "");
  absl::StatusOr<pb::ListUnitsResponse> big = List(f, 1000);  // treated as 500
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->units_size(), 7);
}

TEST_F(UnitManagerTest, ListUnitsRejectsBadFilters) {
  pb::UnitFilter f;
  f.set_parent("Sở Tư pháp");
  EXPECT_CODE(List(f).status(), kInvalidArgument, "filter.parent");
  f.Clear();
  f.set_ancestor(absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(List(f).status(), kNotFound, "not found");
  f.Clear();
  f.add_kinds(static_cast<pb::UnitKind>(99));
  EXPECT_CODE(List(f).status(), kInvalidArgument, "filter.kinds");
  f.Clear();
  f.add_states(pb::UNIT_STATE_UNSPECIFIED);
  EXPECT_CODE(List(f).status(), kInvalidArgument, "filter.states");
  f.Clear();
  *f.mutable_valid_on() = D(2024, 13, 1);
  EXPECT_CODE(List(f).status(), kInvalidArgument, "filter.valid_on");
  f.Clear();
  f.set_code("có dấu");
  EXPECT_CODE(List(f).status(), kInvalidArgument, "filter.code");
  f.Clear();
  f.set_text(std::string(301, 'x'));
  EXPECT_CODE(List(f).status(), kInvalidArgument, "filter.text");
  f.set_text("---");
  EXPECT_CODE(List(f).status(), kInvalidArgument, "filter.text");
}

// ---- UpdateUnit --------------------------------------------------------------

TEST_F(UnitManagerTest, UpdateUnitChangesOnlyMaskedFields) {
  clock_.Advance(absl::Hours(1));
  Unit patch;
  patch.set_name(justice_.name());
  patch.set_etag(justice_.etag());
  patch.set_display_name("Sở Tư pháp tỉnh Lạng Hà");
  patch.add_aliases("STP");
  patch.set_code("IGNORED");  // not in the mask
  absl::StatusOr<Unit> updated = Update(patch, {"display_name", "aliases"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Sở Tư pháp tỉnh Lạng Hà");
  EXPECT_THAT(updated->aliases(), ElementsAre("STP"));
  EXPECT_EQ(updated->code(), "STP-LH");
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_EQ(updated->state(), pb::UNIT_STATE_ACTIVE);
  EXPECT_EQ(updated->create_time().seconds(), 1754017200);
  EXPECT_EQ(updated->update_time().seconds(), 1754017200 + 3600);
  EXPECT_EQ(Get(justice_.name()).display_name(), "Sở Tư pháp tỉnh Lạng Hà");

  Person head = CreatePerson("Lý Thị Hoa", "Giám đốc Sở", justice_.name());
  patch.Clear();
  patch.set_name(justice_office_.name());
  patch.set_parent(science_.name());
  patch.set_head(head.name());
  updated = Update(patch, {"parent", "head"});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->parent(), science_.name());
  EXPECT_EQ(updated->head(), head.name());
}

TEST_F(UnitManagerTest, UpdateUnitErrors) {
  Unit patch;
  patch.set_name(science_.name());
  EXPECT_CODE(Update(patch, {}).status(), kInvalidArgument, "update_mask: required");
  EXPECT_CODE(Update(patch, {"colour"}).status(), kInvalidArgument, "not a field of Unit");
  EXPECT_CODE(Update(patch, {"valid_to"}).status(), kInvalidArgument, "valid_to");
  EXPECT_CODE(Update(patch, {"merged_into"}).status(), kInvalidArgument, "merged_into");
  EXPECT_CODE(Update(patch, {"state"}).status(), kInvalidArgument, "state");
  EXPECT_CODE(Update(patch, {"etag"}).status(), kInvalidArgument, "etag");
  patch.set_display_name("");
  EXPECT_CODE(Update(patch, {"display_name"}).status(), kInvalidArgument,
              "unit.display_name: required");
  patch.set_etag("99");
  patch.set_display_name("Sở KH&CN");
  EXPECT_CODE(Update(patch, {"display_name"}).status(), kAborted, "etag");
  patch.clear_etag();
  patch.set_parent(science_office_.name());  // its own child: a cycle
  EXPECT_CODE(Update(patch, {"parent"}).status(), kInvalidArgument, "unit.parent");
  patch.set_parent(science_.name());  // itself
  EXPECT_CODE(Update(patch, {"parent"}).status(), kInvalidArgument, "unit.parent");
  patch.set_parent(absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(Update(patch, {"parent"}).status(), kNotFound, "unit.parent");
  patch.set_code("STP-LH");
  EXPECT_CODE(Update(patch, {"code"}).status(), kAlreadyExists, "STP-LH");
  patch.set_name(absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(Update(patch, {"code"}).status(), kNotFound, "not found");
  patch.set_name("units/x y");
  EXPECT_CODE(Update(patch, {"code"}).status(), kInvalidArgument, "unit.name");
  // Nothing changed.
  EXPECT_EQ(Get(science_.name()).etag(), "1");

  Unit old = U("PKT-CU", "Phòng Kinh tế (cũ)", pb::UNIT_KIND_DIVISION);
  *old.mutable_valid_to() = D(2020, 12, 31);
  patch = Create(old);
  patch.set_display_name("Đổi tên");
  EXPECT_CODE(Update(patch, {"display_name"}).status(), kFailedPrecondition, "ended");
}

// ---- EndUnit -----------------------------------------------------------------

TEST_F(UnitManagerTest, EndUnitSetsValidToAndState) {
  Unit board = Create(U("BQL-KKT", "Ban Quản lý Khu kinh tế", pb::UNIT_KIND_OTHER_BODY));
  absl::StatusOr<Unit> ended = End(board.name(), D(2025, 7, 31), board.etag());
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->state(), pb::UNIT_STATE_ENDED);
  EXPECT_EQ(ended->valid_to().day(), 31);
  EXPECT_EQ(ended->etag(), "2");
  // Ending in the future: still active until then.
  Unit center = Create(U("TT-XT", "Trung tâm Xúc tiến", pb::UNIT_KIND_CENTER));
  ended = End(center.name(), D(2025, 12, 31));
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->state(), pb::UNIT_STATE_ACTIVE);
  // A unit whose only child ends no later, and whose tasks are done, can end.
  Unit parent = Create(U("CC-A", "Chi cục A", pb::UNIT_KIND_SUB_DEPARTMENT));
  Unit child = Create(U("CC-A-1", "Đội A1", pb::UNIT_KIND_OTHER_BODY, parent.name()));
  ASSERT_TRUE(End(child.name(), D(2025, 7, 1)).ok());
  PutTask("Báo cáo đã xong", parent, {}, pb::TASK_STATUS_DONE);
  EXPECT_TRUE(End(parent.name(), D(2025, 7, 1)).ok());
}

TEST_F(UnitManagerTest, EndUnitErrors) {
  EXPECT_CODE(End(justice_.name(), Date()).status(), kInvalidArgument, "valid_to: required");
  EXPECT_CODE(End(justice_.name(), D(2025, 2, 30)).status(), kInvalidArgument, "valid_to");
  EXPECT_CODE(End("units/", D(2025, 7, 1)).status(), kInvalidArgument, "name");
  EXPECT_CODE(End(absl::StrCat("units/", ids_.Next()), D(2025, 7, 1)).status(), kNotFound,
              "not found");
  // Active child units.
  EXPECT_CODE(End(justice_.name(), D(2025, 7, 1)).status(), kFailedPrecondition,
              justice_office_.name());
  // Open tasks, as lead or as coordinator.
  Unit lead = Create(U("CC-B", "Chi cục B", pb::UNIT_KIND_SUB_DEPARTMENT));
  Unit coordinator = Create(U("CC-C", "Chi cục C", pb::UNIT_KIND_SUB_DEPARTMENT));
  Task task = PutTask("Rà soát thủ tục", lead, {coordinator}, pb::TASK_STATUS_IN_PROGRESS);
  EXPECT_CODE(End(lead.name(), D(2025, 7, 1)).status(), kFailedPrecondition, task.name());
  EXPECT_CODE(End(coordinator.name(), D(2025, 7, 1)).status(), kFailedPrecondition, task.name());
  // valid_to before valid_from.
  Unit young = U("CC-D", "Chi cục D", pb::UNIT_KIND_SUB_DEPARTMENT);
  *young.mutable_valid_from() = D(2025, 1, 1);
  young = Create(young);
  EXPECT_CODE(End(young.name(), D(2024, 12, 31)).status(), kInvalidArgument, "valid_from");
  // Etag, then already ended.
  EXPECT_CODE(End(young.name(), D(2025, 7, 1), "42").status(), kAborted, "etag");
  ASSERT_TRUE(End(young.name(), D(2025, 7, 1)).ok());
  EXPECT_CODE(End(young.name(), D(2025, 7, 2)).status(), kFailedPrecondition, "already ended");
}

// ---- MergeUnit ---------------------------------------------------------------

class MergeTest : public UnitManagerTest {
 protected:
  void SetUp() override {
    UnitManagerTest::SetUp();
    Unit district = U("UBND-BK", "UBND huyện Bắc Khê", pb::UNIT_KIND_DISTRICT_COMMITTEE,
                      province_.name(), {"UBND huyện BK"});
    *district.mutable_valid_from() = D(2005, 1, 1);
    district_ = Create(district);
    division_ = Create(U("PTP-BK", "Phòng Tư pháp", pb::UNIT_KIND_DIVISION, district_.name()));
    commune_ =
        Create(U("UBND-XBK", "UBND xã Bắc Khê", pb::UNIT_KIND_COMMUNE_COMMITTEE, province_.name()));
    led_ = PutTask("Nâng cao chỉ số PAPI", district_, {justice_}, pb::TASK_STATUS_IN_PROGRESS);
    coordinated_ = PutTask("Cải cách thủ tục", justice_, {district_}, pb::TASK_STATUS_NOT_STARTED);
    done_ = PutTask("Tổng kết năm 2024", district_, {}, pb::TASK_STATUS_DONE);
  }

  Unit district_, division_, commune_;
  Task led_, coordinated_, done_;
};

TEST_F(MergeTest, MovesOpenTasksAndActiveChildren) {
  absl::StatusOr<MergeUnitOutcome> merged =
      Merge(district_.name(), commune_.name(), D(2025, 7, 1), false, district_.etag());
  ASSERT_TRUE(merged.ok()) << merged.status();
  const pb::MergeUnitResponse& r = merged->response;
  EXPECT_EQ(r.moved_task_count(), 2);
  EXPECT_EQ(r.moved_lead_task_count(), 1);
  EXPECT_EQ(r.moved_child_unit_count(), 1);
  EXPECT_THAT(merged->moved_task_ids,
              UnorderedElementsAre(Id(led_.name()), Id(coordinated_.name())));
  EXPECT_EQ(r.unit().state(), pb::UNIT_STATE_MERGED);
  EXPECT_EQ(r.unit().merged_into(), commune_.name());
  EXPECT_EQ(r.unit().valid_to().month(), 6);
  EXPECT_EQ(r.unit().valid_to().day(), 30);
  EXPECT_EQ(r.successor().name(), commune_.name());
  EXPECT_EQ(r.successor().state(), pb::UNIT_STATE_ACTIVE);

  EXPECT_EQ(Get(district_.name()).state(), pb::UNIT_STATE_MERGED);
  EXPECT_EQ(Get(division_.name()).parent(), commune_.name());
  absl::StatusOr<Task> led = store_->GetTask(Id(led_.name()));
  ASSERT_TRUE(led.ok());
  EXPECT_EQ(led->lead_unit().unit(), commune_.name());
  absl::StatusOr<Task> coordinated = store_->GetTask(Id(coordinated_.name()));
  ASSERT_TRUE(coordinated.ok());
  ASSERT_EQ(coordinated->coordinating_units_size(), 1);
  EXPECT_EQ(coordinated->coordinating_units(0).unit(), commune_.name());
  absl::StatusOr<Task> done = store_->GetTask(Id(done_.name()));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->lead_unit().unit(), district_.name());  // history stays

  // A merged unit is read-only and cannot merge or end again.
  Unit patch;
  patch.set_name(district_.name());
  patch.set_display_name("Đổi tên");
  EXPECT_CODE(Update(patch, {"display_name"}).status(), kFailedPrecondition, "merged");
  EXPECT_CODE(Merge(district_.name(), province_.name(), D(2025, 8, 1)).status(),
              kFailedPrecondition, "already ended");
  EXPECT_CODE(End(district_.name(), D(2025, 8, 1)).status(), kFailedPrecondition, "already ended");
}

TEST_F(MergeTest, ValidateOnlyChangesNothing) {
  absl::StatusOr<MergeUnitOutcome> dry =
      Merge(district_.name(), commune_.name(), D(2025, 7, 1), /*validate_only=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ(dry->response.moved_task_count(), 2);
  EXPECT_EQ(dry->response.moved_lead_task_count(), 1);
  EXPECT_EQ(dry->response.moved_child_unit_count(), 1);
  EXPECT_EQ(dry->response.unit().state(), pb::UNIT_STATE_MERGED);
  EXPECT_THAT(dry->moved_task_ids, IsEmpty());
  Unit district = Get(district_.name());
  EXPECT_EQ(district.state(), pb::UNIT_STATE_ACTIVE);
  EXPECT_EQ(district.etag(), district_.etag());
  EXPECT_EQ(Get(division_.name()).parent(), district_.name());
  absl::StatusOr<Task> led = store_->GetTask(Id(led_.name()));
  ASSERT_TRUE(led.ok());
  EXPECT_EQ(led->lead_unit().unit(), district_.name());
}

TEST_F(MergeTest, Errors) {
  EXPECT_CODE(Merge(district_.name(), "", D(2025, 7, 1)).status(), kInvalidArgument,
              "successor: required");
  EXPECT_CODE(Merge(district_.name(), "UBND xã Bắc Khê", D(2025, 7, 1)).status(), kInvalidArgument,
              "successor");
  EXPECT_CODE(Merge(district_.name(), commune_.name(), Date()).status(), kInvalidArgument,
              "effective_date: required");
  EXPECT_CODE(Merge(district_.name(), district_.name(), D(2025, 7, 1)).status(), kInvalidArgument,
              "itself");
  EXPECT_CODE(Merge(district_.name(), division_.name(), D(2025, 7, 1)).status(), kInvalidArgument,
              "subtree");
  EXPECT_CODE(Merge(absl::StrCat("units/", ids_.Next()), commune_.name(), D(2025, 7, 1)).status(),
              kNotFound, "not found");
  EXPECT_CODE(Merge(district_.name(), absl::StrCat("units/", ids_.Next()), D(2025, 7, 1)).status(),
              kNotFound, "not found");
  EXPECT_CODE(Merge(district_.name(), commune_.name(), D(2025, 7, 1), false, "9").status(),
              kAborted, "etag");
  EXPECT_CODE(Merge(district_.name(), commune_.name(), D(2005, 1, 1)).status(), kInvalidArgument,
              "effective_date");
  Unit closed = U("UBND-XCU", "UBND xã đã giải thể", pb::UNIT_KIND_COMMUNE_COMMITTEE);
  *closed.mutable_valid_to() = D(2025, 3, 31);
  closed = Create(closed);
  EXPECT_CODE(Merge(district_.name(), closed.name(), D(2025, 7, 1)).status(), kFailedPrecondition,
              "successor");
  // Nothing moved on any error.
  EXPECT_EQ(Get(district_.name()).etag(), district_.etag());
  absl::StatusOr<Task> led = store_->GetTask(Id(led_.name()));
  ASSERT_TRUE(led.ok());
  EXPECT_EQ(led->lead_unit().unit(), district_.name());
}

// ---- ResolveUnit / Directory -------------------------------------------------

TEST_F(UnitManagerTest, ResolvesVanPhongSoWithinTheContext) {
  pb::ResolveUnitRequest request;
  request.set_text("Văn phòng Sở");
  request.set_context_unit(science_.name());
  absl::StatusOr<pb::ResolveUnitResponse> r = manager_->ResolveUnit(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome(), pb::RESOLUTION_OUTCOME_RESOLVED);
  ASSERT_GE(r->candidates_size(), 1);
  EXPECT_EQ(r->candidates(0).unit(), science_office_.name());
  request.set_context_unit(justice_.name());
  r = manager_->ResolveUnit(request);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(r->candidates_size(), 1);
  EXPECT_EQ(r->candidates(0).unit(), justice_office_.name());
  // Without a context the two offices tie.
  request.clear_context_unit();
  r = manager_->ResolveUnit(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcome(), pb::RESOLUTION_OUTCOME_AMBIGUOUS);
}

TEST_F(MergeTest, ResolvesAMergedDistrictToItsSuccessor) {
  ASSERT_TRUE(Merge(district_.name(), commune_.name(), D(2025, 7, 1)).ok());
  pb::ResolveUnitRequest request;
  request.set_text("UBND huyện Bắc Khê");
  absl::StatusOr<pb::ResolveUnitResponse> r = manager_->ResolveUnit(request);  // today
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(r->candidates_size(), 1);
  EXPECT_EQ(r->candidates(0).unit(), district_.name());
  EXPECT_EQ(r->candidates(0).successor(), commune_.name());
  EXPECT_THAT(r->candidates(0).reasons(), Contains(pb::MATCH_REASON_HISTORICAL));
  // As of a document issued before the reform the district was current.
  *request.mutable_as_of() = D(2024, 3, 15);
  r = manager_->ResolveUnit(request);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(r->candidates_size(), 1);
  EXPECT_EQ(r->candidates(0).unit(), district_.name());
  EXPECT_TRUE(r->candidates(0).successor().empty());
  EXPECT_EQ(r->outcome(), pb::RESOLUTION_OUTCOME_RESOLVED);
}

TEST_F(UnitManagerTest, ResolveUnitErrorsAndDirectory) {
  pb::ResolveUnitRequest request;
  request.set_text("   ");
  EXPECT_CODE(manager_->ResolveUnit(request).status(), kInvalidArgument, "text");
  request.set_text("Văn phòng Sở");
  request.set_context_unit(absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(manager_->ResolveUnit(request).status(), kNotFound, "context_unit");
  request.set_text("Các cơ quan, đơn vị trên địa bàn");
  request.clear_context_unit();
  absl::StatusOr<pb::ResolveUnitResponse> r = manager_->ResolveUnit(request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome(), pb::RESOLUTION_OUTCOME_COLLECTIVE);

  absl::StatusOr<UnitDirectory> directory = manager_->Directory();
  ASSERT_TRUE(directory.ok());
  EXPECT_EQ(directory->units().size(), 5u);
  EXPECT_NE(directory->Find(justice_office_.name()), nullptr);
}

// ---- People ------------------------------------------------------------------

TEST_F(UnitManagerTest, CreateAndGetPerson) {
  pb::CreatePersonRequest request;
  request.mutable_person()->set_name("people/mine");
  request.mutable_person()->set_etag("5");
  request.mutable_person()->set_display_name(" Nông  Văn Tùng ");
  request.mutable_person()->set_title("Phó Chủ tịch UBND huyện phụ trách lĩnh vực kinh tế");
  request.mutable_person()->set_unit(province_.name());
  absl::StatusOr<Person> created = manager_->CreatePerson(request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(IsValidId(Id(created->name())));
  EXPECT_EQ(created->display_name(), "Nông Văn Tùng");
  EXPECT_EQ(created->etag(), "1");
  EXPECT_EQ(created->create_time().seconds(), 1754017200);
  pb::GetPersonRequest get;
  get.set_name(created->name());
  absl::StatusOr<Person> read = manager_->GetPerson(get);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->unit(), province_.name());
  get.set_name("people/bad name");
  EXPECT_CODE(manager_->GetPerson(get).status(), kInvalidArgument, "name");
  get.set_name(absl::StrCat("people/", ids_.Next()));
  EXPECT_CODE(manager_->GetPerson(get).status(), kNotFound, "not found");
}

TEST_F(UnitManagerTest, CreatePersonErrors) {
  pb::CreatePersonRequest request;
  EXPECT_CODE(manager_->CreatePerson(request).status(), kInvalidArgument, "person");
  request.mutable_person()->set_display_name(" ");
  EXPECT_CODE(manager_->CreatePerson(request).status(), kInvalidArgument,
              "person.display_name: required");
  request.mutable_person()->set_display_name(std::string(201, 'a'));
  EXPECT_CODE(manager_->CreatePerson(request).status(), kInvalidArgument, "person.display_name");
  request.mutable_person()->set_display_name("Vi Thị Lan");
  request.mutable_person()->set_title(std::string(301, 't'));
  EXPECT_CODE(manager_->CreatePerson(request).status(), kInvalidArgument, "person.title");
  request.mutable_person()->clear_title();
  request.mutable_person()->set_unit("Sở Tư pháp");
  EXPECT_CODE(manager_->CreatePerson(request).status(), kInvalidArgument, "person.unit");
  request.mutable_person()->set_unit(absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(manager_->CreatePerson(request).status(), kNotFound, "");
}

TEST_F(UnitManagerTest, ListPeopleOrdersFiltersAndPaginates) {
  CreatePerson("Vi Văn Đức", "Chánh Văn phòng", science_office_.name());
  CreatePerson("Hoàng Thị Mai", "Giám đốc Sở", science_.name());
  CreatePerson("Lường Văn Sơn", "Chuyên viên", justice_office_.name());
  CreatePerson("Đinh Thị Hà", "Phó Chủ tịch UBND tỉnh", province_.name());
  auto names = [&](const pb::PersonFilter& filter, int page_size) {
    std::vector<std::string> out;
    std::string token;
    for (int i = 0; i < 20; ++i) {
      pb::ListPeopleRequest request;
      *request.mutable_filter() = filter;
      request.set_page_size(page_size);
      request.set_page_token(token);
      absl::StatusOr<pb::ListPeopleResponse> page = manager_->ListPeople(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const Person& p : page->people()) out.push_back(p.display_name());
      token = page->next_page_token();
      if (token.empty()) break;
    }
    return out;
  };
  pb::PersonFilter f;
  // Bytewise order of the display name ("Đ" sorts after the ASCII letters).
  EXPECT_THAT(names(f, 3),
              ElementsAre("Hoàng Thị Mai", "Lường Văn Sơn", "Vi Văn Đức", "Đinh Thị Hà"));
  f.set_unit(science_.name());
  EXPECT_THAT(names(f, 1), ElementsAre("Hoàng Thị Mai"));
  f.set_include_subtree(true);
  EXPECT_THAT(names(f, 1), ElementsAre("Hoàng Thị Mai", "Vi Văn Đức"));
  f.Clear();
  f.set_text("pho chu tich");  // title, folded
  EXPECT_THAT(names(f, 0), ElementsAre("Đinh Thị Hà"));
  f.set_text("van");  // name or title
  EXPECT_THAT(names(f, 0), ElementsAre("Lường Văn Sơn", "Vi Văn Đức"));

  pb::ListPeopleRequest request;
  request.set_page_size(1);
  absl::StatusOr<pb::ListPeopleResponse> page = manager_->ListPeople(request);
  ASSERT_TRUE(page.ok());
  request.set_page_token(page->next_page_token());
  request.mutable_filter()->set_text("van");
  EXPECT_CODE(manager_->ListPeople(request).status(), kInvalidArgument, "different filter");
  request.Clear();
  request.set_page_size(-5);
  EXPECT_CODE(manager_->ListPeople(request).status(), kInvalidArgument, "");
  request.Clear();
  request.mutable_filter()->set_unit(absl::StrCat("units/", ids_.Next()));
  EXPECT_CODE(manager_->ListPeople(request).status(), kNotFound, "not found");
  request.mutable_filter()->set_unit("x");
  EXPECT_CODE(manager_->ListPeople(request).status(), kInvalidArgument, "filter.unit");
  request.Clear();
  request.mutable_filter()->set_include_subtree(true);
  EXPECT_CODE(manager_->ListPeople(request).status(), kInvalidArgument, "include_subtree");
}

TEST_F(UnitManagerTest, UpdatePerson) {
  Person person = CreatePerson("Chu Văn Bình", "Chuyên viên", justice_office_.name());
  clock_.Advance(absl::Minutes(5));
  pb::UpdatePersonRequest request;
  request.mutable_person()->set_name(person.name());
  request.mutable_person()->set_etag(person.etag());
  request.mutable_person()->set_title("Phó Chánh Văn phòng");
  request.mutable_person()->set_unit(science_office_.name());
  request.mutable_person()->set_display_name("ignored");
  *request.mutable_update_mask() = Mask({"title", "unit"});
  absl::StatusOr<Person> updated = manager_->UpdatePerson(request);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->title(), "Phó Chánh Văn phòng");
  EXPECT_EQ(updated->unit(), science_office_.name());
  EXPECT_EQ(updated->display_name(), "Chu Văn Bình");
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_EQ(updated->update_time().seconds(), 1754017200 + 300);

  *request.mutable_update_mask() = Mask({});
  EXPECT_CODE(manager_->UpdatePerson(request).status(), kInvalidArgument, "update_mask");
  *request.mutable_update_mask() = Mask({"create_time"});
  EXPECT_CODE(manager_->UpdatePerson(request).status(), kInvalidArgument, "create_time");
  *request.mutable_update_mask() = Mask({"age"});
  EXPECT_CODE(manager_->UpdatePerson(request).status(), kInvalidArgument, "not a field");
  *request.mutable_update_mask() = Mask({"title"});
  EXPECT_CODE(manager_->UpdatePerson(request).status(), kAborted, "etag");  // stale etag "1"
  request.mutable_person()->clear_etag();
  request.mutable_person()->set_unit(absl::StrCat("units/", ids_.Next()));
  *request.mutable_update_mask() = Mask({"unit"});
  EXPECT_CODE(manager_->UpdatePerson(request).status(), kNotFound, "");
  request.mutable_person()->set_display_name("");
  *request.mutable_update_mask() = Mask({"display_name"});
  EXPECT_CODE(manager_->UpdatePerson(request).status(), kInvalidArgument,
              "person.display_name: required");
  request.mutable_person()->set_name(absl::StrCat("people/", ids_.Next()));
  request.mutable_person()->set_display_name("X");
  EXPECT_CODE(manager_->UpdatePerson(request).status(), kNotFound, "not found");
}

TEST_F(UnitManagerTest, DeletePerson) {
  Person person = CreatePerson("Nông Thị Thu", "Chuyên viên", justice_.name());
  pb::DeletePersonRequest request;
  request.set_name(person.name());
  request.set_etag("7");
  EXPECT_CODE(manager_->DeletePerson(request), kAborted, "etag");
  request.set_etag(person.etag());
  EXPECT_TRUE(manager_->DeletePerson(request).ok());
  EXPECT_CODE(manager_->DeletePerson(request), kNotFound, "not found");
  request.set_name("units/abc");
  EXPECT_CODE(manager_->DeletePerson(request), kInvalidArgument, "name");

  Person head = CreatePerson("Hà Văn Quang", "Giám đốc Sở", justice_.name());
  Unit patch;
  patch.set_name(justice_.name());
  patch.set_head(head.name());
  ASSERT_TRUE(Update(patch, {"head"}).ok());
  request.set_name(head.name());
  request.clear_etag();
  EXPECT_CODE(manager_->DeletePerson(request), kFailedPrecondition, "head");
}

}  // namespace
}  // namespace chiso::assignment
