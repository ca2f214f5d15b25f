#include "services/assignment/task_domain.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/civil/business_time.h"
#include "common/schedule/occurrences.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::assignment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using v1::ReportProgressRequest;
using v1::Task;
using v1::TaskOccurrence;
using v1::TaskStatus;

// ---------------------------------------------------------------------------
// Fixtures: a fictional district "huyện Hòa Bình" and its plans.
// ---------------------------------------------------------------------------

constexpr char kPlan2024[] = "plans/hb2024";
constexpr char kPlan2225[] = "plans/hb2225";
constexpr char kTaiChinh[] = "units/hb-tckh";
constexpr char kNoiVu[] = "units/hb-nv";
constexpr char kThanhTra[] = "units/hb-tt";
constexpr char kCongAn[] = "units/hb-ca";
constexpr char kOutsider[] = "units/other";

// A one-year plan (DDCI 2024) issued on 2024-02-06.
PlanFacts OneYearPlan() {
  PlanFacts p;
  p.name = kPlan2024;
  p.period_start_year = p.period_end_year = 2024;
  p.issued_on = absl::CivilDay(2024, 2, 6);
  p.objectives = {{"ddci-legal", "DDCI", "LEGAL_INSTITUTIONS"},
                  {"ddci-transp", "DDCI", "TRANSPARENCY"},
                  {"ddci-total", "DDCI", ""}};
  return p;
}

// A 2022–2025 plan issued on 2022-08-26 (the DOMAIN.md recurrence example).
PlanFacts MultiYearPlan() {
  PlanFacts p;
  p.name = kPlan2225;
  p.period_start_year = 2022;
  p.period_end_year = 2025;
  p.issued_on = absl::CivilDay(2022, 8, 26);
  return p;
}

Task MakeTask(const std::string& plan, const std::string& lead_name, const std::string& phrase) {
  Task t;
  t.set_plan(plan);
  t.set_title("Rà soát thủ tục hành chính cấp huyện");
  t.mutable_lead_unit()->set_display_name(lead_name);
  t.mutable_schedule()->set_phrase(phrase);
  return t;
}

std::string Key(const chiso::common::v1::Date& d) {
  if (d.year() == 0) return "";
  return schedule::OccurrenceKey(absl::CivilDay(d.year(), d.month(), d.day()));
}

std::vector<std::string> DueKeys(const Task& t) {
  std::vector<std::string> keys;
  for (const TaskOccurrence& o : t.occurrences()) keys.push_back(Key(o.due_date()));
  return keys;
}

google::protobuf::Timestamp At(absl::CivilDay day, int hour, int minute) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(civil::At(day, hour, minute)));
  return ts;
}

class TaskValidationTest : public ::testing::Test {
 protected:
  absl::Status Validate(Task& task, const PlanFacts& plan = OneYearPlan()) {
    return ValidateAndNormalizeTask(catalog_, plan, task);
  }
  Catalog catalog_ = *Catalog::Builtin();
};

// ---------------------------------------------------------------------------
// SplitUnitNames: the one-lead heuristic
// ---------------------------------------------------------------------------

TEST(SplitUnitNamesTest, ALowerCaseUnitWordAloneStaysWithTheNameBeforeIt) {
  EXPECT_THAT(SplitUnitNames("Thủ trưởng các phòng, ban"),
              ElementsAre("Thủ trưởng các phòng, ban"));
  EXPECT_THAT(SplitUnitNames("Thủ trưởng các phòng, ban và UBND các xã, thị trấn"),
              ElementsAre("Thủ trưởng các phòng, ban", "UBND các xã, thị trấn"));
}

TEST(SplitUnitNamesTest, OneUnitWhoseNameContainsVa) {
  EXPECT_THAT(SplitUnitNames("Phòng Tài nguyên và Môi trường"),
              ElementsAre("Phòng Tài nguyên và Môi trường"));
  EXPECT_THAT(SplitUnitNames("Văn phòng HĐND và UBND huyện"),
              ElementsAre("Văn phòng HĐND và UBND huyện"));
  EXPECT_THAT(SplitUnitNames("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện"), SizeIs(1));
  EXPECT_THAT(SplitUnitNames("Sở Lao động - Thương binh và Xã hội"), SizeIs(1));
  EXPECT_THAT(SplitUnitNames("Phòng Kinh tế và Hạ tầng"), SizeIs(1));
}

TEST(SplitUnitNamesTest, OneUnitWhoseNameContainsCommas) {
  EXPECT_THAT(SplitUnitNames("Sở Văn hóa, Thể thao và Du lịch"),
              ElementsAre("Sở Văn hóa, Thể thao và Du lịch"));
  EXPECT_THAT(SplitUnitNames("Văn phòng Đoàn ĐBQH, HĐND và UBND tỉnh"), SizeIs(1));
}

TEST(SplitUnitNamesTest, SeveralUnitsInOneString) {
  EXPECT_THAT(SplitUnitNames("Phòng Tài chính - Kế hoạch, Phòng Kinh tế và Hạ tầng"),
              ElementsAre("Phòng Tài chính - Kế hoạch", "Phòng Kinh tế và Hạ tầng"));
  EXPECT_THAT(SplitUnitNames("Thanh tra huyện và Công an huyện"),
              ElementsAre("Thanh tra huyện", "Công an huyện"));
  EXPECT_THAT(SplitUnitNames("Phòng Nội vụ; Văn phòng HĐND và UBND huyện"),
              ElementsAre("Phòng Nội vụ", "Văn phòng HĐND và UBND huyện"));
  EXPECT_THAT(SplitUnitNames("Sở Tài chính và Sở Kế hoạch và Đầu tư"),
              ElementsAre("Sở Tài chính", "Sở Kế hoạch và Đầu tư"));
  EXPECT_THAT(SplitUnitNames("Phòng Tư pháp và các phòng chuyên môn"), SizeIs(2));
  EXPECT_THAT(SplitUnitNames("Chi cục Thuế & Kho bạc Nhà nước"), SizeIs(2));
}

TEST(SplitUnitNamesTest, IgnoresCaseDiacriticsAndStraySeparators) {
  EXPECT_THAT(SplitUnitNames("Phong Noi vu VA phong Tu phap"),
              ElementsAre("Phong Noi vu", "phong Tu phap"));
  EXPECT_THAT(SplitUnitNames("  Phòng Nội vụ ,  "), ElementsAre("Phòng Nội vụ"));
  EXPECT_THAT(SplitUnitNames("Phòng Nội vụ,,Phòng Tư pháp"), SizeIs(2));
  EXPECT_THAT(SplitUnitNames(""), IsEmpty());
  EXPECT_THAT(SplitUnitNames(" , ; "), IsEmpty());
}

// ---------------------------------------------------------------------------
// ValidateAndNormalizeTask
// ---------------------------------------------------------------------------

TEST_F(TaskValidationTest, ValidTaskIsNormalised) {
  Task t = MakeTask("", "Phòng  Tài chính - Kế hoạch ", "hoàn thành trước ngày 30/4/2024");
  t.set_title("  Rà soát   thủ tục\thành chính ");
  t.set_description("  Dòng một\nDòng hai  ");
  t.set_objective_id("ddci-transp");
  t.set_supervisor_post("  Phó Chủ tịch UBND huyện  phụ trách kinh tế ");
  ASSERT_TRUE(Validate(t).ok()) << Validate(t);
  EXPECT_EQ(t.plan(), kPlan2024);
  EXPECT_EQ(t.title(), "Rà soát thủ tục hành chính");
  EXPECT_EQ(t.description(), "Dòng một\nDòng hai");
  EXPECT_EQ(t.lead_unit().display_name(), "Phòng Tài chính - Kế hoạch");
  EXPECT_EQ(t.supervisor_post(), "Phó Chủ tịch UBND huyện phụ trách kinh tế");
  EXPECT_EQ(t.effective_component().framework(), "DDCI");
  EXPECT_EQ(t.effective_component().component(), "TRANSPARENCY");
  ASSERT_EQ(t.schedule().milestones_size(), 1);
  EXPECT_EQ(t.schedule().phrase(), "hoàn thành trước ngày 30/4/2024");
}

TEST_F(TaskValidationTest, TaskWithoutLeadIsRejected) {
  Task t = MakeTask(kPlan2024, "", "trong Quý I/2024");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "task.lead_unit: required (exactly one lead unit, đơn vị chủ trì)");
  t.mutable_lead_unit()->set_display_name("   ");
  EXPECT_EQ(Validate(t).message(),
            "task.lead_unit: required (exactly one lead unit, đơn vị chủ trì)");
}

TEST_F(TaskValidationTest, TwoLeadsInOneStringAreRejected) {
  Task t = MakeTask(kPlan2024, "Phòng Tài chính - Kế hoạch, Phòng Kinh tế và Hạ tầng",
                    "trong Quý I/2024");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.lead_unit.display_name"));
  EXPECT_THAT(s.message(), HasSubstr("names 2 units"));
  EXPECT_THAT(s.message(), HasSubstr("\"Phòng Kinh tế và Hạ tầng\""));
  EXPECT_THAT(s.message(), HasSubstr("exactly one lead unit"));
  EXPECT_THAT(s.message(), HasSubstr("create one task per lead"));
}

TEST_F(TaskValidationTest, OneLeadWhoseNameContainsVaIsAccepted) {
  for (const char* name : {"Phòng Tài nguyên và Môi trường", "Văn phòng HĐND và UBND huyện",
                           "Phòng Văn hóa và Thông tin"}) {
    Task t = MakeTask(kPlan2024, name, "trong Quý I/2024");
    EXPECT_TRUE(Validate(t).ok()) << name << ": " << Validate(t);
  }
}

TEST_F(TaskValidationTest, CollectiveLeadIsRejected) {
  Task t = MakeTask(kPlan2024, "Các cơ quan, đơn vị, địa phương trên địa bàn", "trong Quý I/2024");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("names a group"));
}

TEST_F(TaskValidationTest, LeadByUnitNameAloneIsAcceptedAndChecked) {
  Task t = MakeTask(kPlan2024, "", "trong Quý I/2024");
  t.mutable_lead_unit()->set_unit(kTaiChinh);
  EXPECT_TRUE(Validate(t).ok());
  t.mutable_lead_unit()->set_unit("phong-tckh");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.lead_unit.unit: must be a unit resource name"));
}

TEST_F(TaskValidationTest, CoordinatingUnitEqualToLeadIsRejected) {
  {  // same resource name
    Task t = MakeTask(kPlan2024, "Phòng Tài chính - Kế hoạch", "trong Quý I/2024");
    t.mutable_lead_unit()->set_unit(kTaiChinh);
    t.add_coordinating_units()->set_unit(kNoiVu);
    t.add_coordinating_units()->set_unit(kTaiChinh);
    absl::Status s = Validate(t);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("task.coordinating_units[1]"));
    EXPECT_THAT(s.message(), HasSubstr("is the lead unit"));
  }
  {  // same name, folded, and written with an abbreviation
    for (const char* name : {"phong tai chinh - ke hoach", "Phòng TC-KH"}) {
      Task t = MakeTask(kPlan2024, "Phòng Tài chính - Kế hoạch", "trong Quý I/2024");
      t.add_coordinating_units()->set_display_name(name);
      absl::Status s = Validate(t);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
      EXPECT_THAT(s.message(), HasSubstr("is the lead unit")) << name;
    }
  }
  {  // two units with one display name are different units
    Task t = MakeTask(kPlan2024, "Văn phòng", "trong Quý I/2024");
    t.mutable_lead_unit()->set_unit("units/so-a-vp");
    auto* c = t.add_coordinating_units();
    c->set_unit("units/so-b-vp");
    c->set_display_name("Văn phòng");
    EXPECT_TRUE(Validate(t).ok()) << Validate(t);
  }
}

TEST_F(TaskValidationTest, RepeatedOrTooManyCoordinatingUnitsAreRejected) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  t.add_coordinating_units()->set_display_name("Công an huyện");
  t.add_coordinating_units()->set_display_name("Phòng Nội vụ");
  t.add_coordinating_units()->set_display_name("CÔNG AN HUYỆN");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.coordinating_units[2]"));
  EXPECT_THAT(s.message(), HasSubstr("repeats task.coordinating_units[0]"));

  Task many = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  for (int i = 0; i < 51; ++i) {
    many.add_coordinating_units()->set_unit("units/u" + std::to_string(i));
  }
  EXPECT_THAT(Validate(many).message(), HasSubstr("task.coordinating_units: at most 50"));

  Task empty = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  empty.add_coordinating_units();
  EXPECT_THAT(Validate(empty).message(), HasSubstr("task.coordinating_units[0]: required"));
}

TEST_F(TaskValidationTest, CoordinatingEntryNamingSeveralUnitsIsRejected) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  t.add_coordinating_units()->set_display_name("Phòng Nội vụ, Phòng Tư pháp");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("list each coordinating unit separately"));
}

TEST_F(TaskValidationTest, TextLimits) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  t.set_title("");
  EXPECT_EQ(Validate(t).message(), "task.title: required");
  t.set_title(std::string(500, 'a'));
  EXPECT_TRUE(Validate(t).ok());
  t.set_title(std::string(501, 'a'));
  EXPECT_THAT(Validate(t).message(), HasSubstr("task.title: at most 500 characters (got 501)"));
  // Limits count characters, not bytes: 500 "ế" are 1500 bytes.
  std::string title;
  for (int i = 0; i < 500; ++i) title += "ế";
  t.set_title(title);
  EXPECT_TRUE(Validate(t).ok());
  t.set_description(std::string(10001, 'd'));
  EXPECT_THAT(Validate(t).message(), HasSubstr("task.description: at most 10000"));
  t.clear_description();
  t.set_deliverable(std::string(1001, 'd'));
  EXPECT_THAT(Validate(t).message(), HasSubstr("task.deliverable: at most 1000"));
  t.clear_deliverable();
  t.set_supervisor_post(std::string(301, 'p'));
  EXPECT_THAT(Validate(t).message(), HasSubstr("task.supervisor_post: at most 300"));
  t.set_supervisor_post("   ");
  EXPECT_TRUE(Validate(t).ok());
  EXPECT_EQ(t.supervisor_case(), Task::SUPERVISOR_NOT_SET);
  t.set_supervisor_person("Nguyễn Văn A");
  EXPECT_THAT(Validate(t).message(), HasSubstr("task.supervisor_person: must be a person"));
  t.set_supervisor_person("people/nva");
  EXPECT_TRUE(Validate(t).ok());
}

TEST_F(TaskValidationTest, PlanMustMatch) {
  Task t = MakeTask(kPlan2225, "Thanh tra huyện", "trong Quý I/2024");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.plan"));
}

TEST_F(TaskValidationTest, ObjectiveLookup) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  t.set_objective_id("ddci-legal");
  ASSERT_TRUE(Validate(t).ok());
  EXPECT_EQ(t.effective_component().framework(), "DDCI");
  EXPECT_EQ(t.effective_component().component(), "LEGAL_INSTITUTIONS");

  t.set_objective_id("ddci-total");
  ASSERT_TRUE(Validate(t).ok());
  EXPECT_EQ(t.effective_component().framework(), "DDCI");
  EXPECT_EQ(t.effective_component().component(), "");

  t.set_objective_id("pci-land");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("task.objective_id"));
  EXPECT_THAT(s.message(), HasSubstr("\"pci-land\""));
  EXPECT_THAT(s.message(), HasSubstr(kPlan2024));
}

TEST_F(TaskValidationTest, ComponentIsCheckedAgainstTheCatalog) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  t.mutable_component()->set_framework("PCI");
  t.mutable_component()->set_component("LAND_ACCESS");
  ASSERT_TRUE(Validate(t).ok()) << Validate(t);
  EXPECT_EQ(t.effective_component().framework(), "PCI");
  EXPECT_EQ(t.effective_component().component(), "LAND_ACCESS");

  t.mutable_component()->set_component("NOT_A_COMPONENT");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.component.component"));

  t.mutable_component()->set_framework("");
  EXPECT_THAT(Validate(t).message(), HasSubstr("task.component.framework: required"));

  Task general = MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024");
  general.mutable_effective_component()->set_framework("stale");
  ASSERT_TRUE(Validate(general).ok());
  EXPECT_FALSE(general.has_effective_component());
}

TEST_F(TaskValidationTest, ScheduleIsRequired) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.schedule: required"));
}

TEST_F(TaskValidationTest, UnresolvablePhraseIsQuoted) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "khi nào xong thì báo cáo");
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.schedule.phrase"));
  EXPECT_THAT(s.message(), HasSubstr("\"khi nào xong thì báo cáo\""));

  Task bad_date = MakeTask(kPlan2024, "Thanh tra huyện", "hoàn thành trước ngày 31/4/2024");
  EXPECT_THAT(Validate(bad_date).message(), HasSubstr("31/4/2024"));
}

TEST_F(TaskValidationTest, StructuredMilestonesAreValidatedAndPhraseKept) {
  Task t = MakeTask(kPlan2024, "Thanh tra huyện", "xong trước 30/6/2024 (theo văn bản)");
  auto* m = t.mutable_schedule()->add_milestones();
  m->mutable_due_date()->set_year(2024);
  m->mutable_due_date()->set_month(6);
  m->mutable_due_date()->set_day(30);
  ASSERT_TRUE(Validate(t).ok()) << Validate(t);
  EXPECT_EQ(t.schedule().milestones_size(), 1);
  EXPECT_EQ(t.schedule().phrase(), "xong trước 30/6/2024 (theo văn bản)");

  m->mutable_due_date()->set_day(31);
  absl::Status s = Validate(t);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("task.schedule.milestones[0]"));
}

// ---------------------------------------------------------------------------
// Timeframe phrases resolved through a phrase-only schedule
// ---------------------------------------------------------------------------

struct PhraseCase {
  const char* phrase;
  std::vector<std::string> due;  // expected occurrence due dates
};

void PrintTo(const PhraseCase& c, std::ostream* os) { *os << c.phrase; }

class PhraseScheduleTest : public TaskValidationTest,
                           public ::testing::WithParamInterface<PhraseCase> {};

TEST_P(PhraseScheduleTest, ResolvesInAOneYearPlan) {
  const PhraseCase& c = GetParam();
  Task t = MakeTask(kPlan2024, "Phòng Nội vụ", c.phrase);
  ASSERT_TRUE(Validate(t).ok()) << c.phrase << ": " << Validate(t);
  EXPECT_FALSE(t.schedule().phrase().empty());
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 3, 1), 7, t);
  EXPECT_EQ(DueKeys(t), c.due) << c.phrase;
}

INSTANTIATE_TEST_SUITE_P(
    DomainPhrases, PhraseScheduleTest,
    ::testing::Values(
        PhraseCase{"hoàn thành trước ngày 30/4/2024", {"2024-04-30"}},
        PhraseCase{"xong trước 30/6/2024", {"2024-06-30"}},
        PhraseCase{"trong Quý I/2024", {"2024-03-31"}},
        PhraseCase{"Triển khai trong 6 tháng đầu năm", {"2024-06-30"}},
        PhraseCase{"6 tháng cuối năm", {"2024-12-31"}},
        PhraseCase{"Báo cáo kết quả trước ngày 15/12", {"2024-12-15"}},
        PhraseCase{"trước ngày 05/4/2024", {"2024-04-05"}}, PhraseCase{"Thường xuyên", {}},
        PhraseCase{"Ngay từ đầu năm và triển khai thực hiện thường xuyên trong năm", {}},
        PhraseCase{"trước ngày 25 tháng cuối Quý",
                   {"2024-03-25", "2024-06-25", "2024-09-25", "2024-12-25"}},
        PhraseCase{"Xây dựng kế hoạch trong Quý I/2024, triển khai xong trước 30/9/2024",
                   {"2024-03-31", "2024-09-30"}},
        PhraseCase{"trong Quý I/2024; hoàn thành trước ngày 30/4/2024; xong trước 30/9/2024",
                   {"2024-03-31", "2024-04-30", "2024-09-30"}}));

TEST_F(TaskValidationTest, TwoMilestonesInOneLineGiveTwoOccurrences) {
  Task t = MakeTask(kPlan2024, "Phòng Nội vụ",
                    "Xây dựng kế hoạch trong Quý I/2024, triển khai xong trước 30/9/2024");
  ASSERT_TRUE(Validate(t).ok()) << Validate(t);
  ASSERT_EQ(t.schedule().milestones_size(), 2);
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 3, 1), 7, t);
  ASSERT_EQ(t.occurrences_size(), 2);
  const TaskOccurrence& q1 = t.occurrences(0);
  EXPECT_EQ(Key(q1.due_date()), "2024-03-31");
  EXPECT_EQ(Key(q1.window_start()), "2024-01-01");
  EXPECT_EQ(q1.milestone_index(), 0);
  EXPECT_THAT(q1.label(), HasSubstr("Xây dựng kế hoạch"));
  EXPECT_EQ(q1.plan_year(), 0);
  const TaskOccurrence& sep = t.occurrences(1);
  EXPECT_EQ(Key(sep.due_date()), "2024-09-30");
  EXPECT_EQ(Key(sep.window_start()), "");
  EXPECT_EQ(sep.milestone_index(), 1);
  EXPECT_EQ(Key(t.next_due_date()), "2024-03-31");
}

TEST_F(TaskValidationTest, RecurringQuarterInAMultiYearPlan) {
  Task t = MakeTask(kPlan2225, "Phòng Nội vụ", "Quý I hằng năm");
  ASSERT_TRUE(Validate(t, MultiYearPlan()).ok()) << Validate(t, MultiYearPlan());
  ComputeDerived(MultiYearPlan(), absl::CivilDay(2022, 9, 1), 7, t);
  // 2022-03-31 is before the issue date (2022-08-26) and left out.
  EXPECT_THAT(DueKeys(t), ElementsAre("2023-03-31", "2024-03-31", "2025-03-31"));
  EXPECT_EQ(t.occurrences(0).plan_year(), 2023);
  EXPECT_EQ(t.occurrences(2).plan_year(), 2025);
  EXPECT_EQ(t.timeliness(), v1::TIMELINESS_ON_TRACK);
  EXPECT_EQ(Key(t.next_due_date()), "2023-03-31");
}

TEST_F(TaskValidationTest, YearBeforeThePlanYearRecurrence) {
  Task t = MakeTask(kPlan2225, "Phòng Nội vụ", "Quý III năm trước liền kề năm kế hoạch");
  ASSERT_TRUE(Validate(t, MultiYearPlan()).ok());
  ComputeDerived(MultiYearPlan(), absl::CivilDay(2022, 9, 1), 7, t);
  EXPECT_THAT(DueKeys(t), ElementsAre("2022-09-30", "2023-09-30", "2024-09-30"));
  EXPECT_EQ(t.occurrences(0).plan_year(), 2023);
  EXPECT_EQ(t.occurrences(2).plan_year(), 2025);
  EXPECT_EQ(Key(t.occurrences(0).window_start()), "");
}

TEST_F(TaskValidationTest, AnnualRecurrenceInAMultiYearPlan) {
  Task t = MakeTask(kPlan2225, "Phòng Nội vụ", "Hàng năm");
  ASSERT_TRUE(Validate(t, MultiYearPlan()).ok());
  ComputeDerived(MultiYearPlan(), absl::CivilDay(2022, 9, 1), 7, t);
  EXPECT_THAT(DueKeys(t), ElementsAre("2022-12-31", "2023-12-31", "2024-12-31", "2025-12-31"));
}

TEST(PlanFactsTest, PlanYear) {
  PlanFacts p = MultiYearPlan();
  EXPECT_EQ(p.PlanYear(), 2022);
  p.issued_on.reset();
  EXPECT_EQ(p.PlanYear(), 0);
  p.period_start_year = 2026;
  p.period_end_year = 2030;
  p.issued_on = absl::CivilDay(2025, 12, 20);
  EXPECT_EQ(p.PlanYear(), 2026);
  EXPECT_EQ(OneYearPlan().PlanYear(), 2024);
  EXPECT_EQ(PlanFacts{}.PlanYear(), 0);
}

TEST_F(TaskValidationTest, PhraseWithoutYearInAPlanWithoutAPlanYearFails) {
  PlanFacts plan = MultiYearPlan();
  plan.issued_on.reset();
  Task t = MakeTask(kPlan2225, "Phòng Nội vụ", "trong Quý I");
  absl::Status s = Validate(t, plan);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("\"trong Quý I\""));
  // With a date of issue the issue year is the plan year.
  Task u = MakeTask(kPlan2225, "Phòng Nội vụ", "trong Quý I");
  ASSERT_TRUE(Validate(u, MultiYearPlan()).ok());
  ComputeDerived(MultiYearPlan(), absl::CivilDay(2022, 9, 1), 7, u);
  EXPECT_THAT(DueKeys(u), ElementsAre("2022-03-31"));
}

TEST(PlanFactsTest, FromPlan) {
  chiso::plan::v1::Plan plan;
  plan.set_name("plans/x");
  plan.mutable_issued_on()->set_year(2020);
  plan.mutable_issued_on()->set_month(6);
  plan.mutable_issued_on()->set_day(11);
  auto* o = plan.add_objectives();
  o->set_id("o1");
  o->set_framework("DDCI");
  o->set_component("TIME_COSTS");
  PlanFacts f = PlanFactsOf(plan);
  EXPECT_EQ(f.name, "plans/x");
  EXPECT_EQ(f.period_start_year, 2020);
  EXPECT_EQ(f.period_end_year, 2020);
  EXPECT_EQ(f.issued_on, absl::CivilDay(2020, 6, 11));
  ASSERT_NE(f.FindObjective("o1"), nullptr);
  EXPECT_EQ(f.FindObjective("o1")->component, "TIME_COSTS");
  EXPECT_EQ(f.FindObjective("o2"), nullptr);

  plan.mutable_period()->set_start_year(2021);
  plan.mutable_period()->set_end_year(2025);
  f = PlanFactsOf(plan);
  EXPECT_EQ(f.period_start_year, 2021);
  EXPECT_EQ(f.period_end_year, 2025);
}

// ---------------------------------------------------------------------------
// ComputeDerived: occurrences and timeliness
// ---------------------------------------------------------------------------

class TimelinessTest : public TaskValidationTest {
 protected:
  // A task due 2024-04-30.
  Task DueApril30() {
    Task t = MakeTask(kPlan2024, "Phòng Nội vụ", "hoàn thành trước ngày 30/4/2024");
    t.set_name("tasks/t1");
    t.set_status(v1::TASK_STATUS_IN_PROGRESS);
    EXPECT_TRUE(Validate(t).ok());
    return t;
  }
  Task Derived(Task t, absl::CivilDay today) {
    ComputeDerived(OneYearPlan(), today, 7, t);
    return t;
  }
};

TEST_F(TimelinessTest, OpenTaskAtTheBoundaries) {
  const Task t = DueApril30();
  EXPECT_EQ(Derived(t, absl::CivilDay(2024, 4, 22)).timeliness(), v1::TIMELINESS_ON_TRACK);
  EXPECT_EQ(Derived(t, absl::CivilDay(2024, 4, 23)).timeliness(), v1::TIMELINESS_DUE_SOON);
  // Due today is due soon, due yesterday is overdue.
  EXPECT_EQ(Derived(t, absl::CivilDay(2024, 4, 30)).timeliness(), v1::TIMELINESS_DUE_SOON);
  EXPECT_EQ(Derived(t, absl::CivilDay(2024, 5, 1)).timeliness(), v1::TIMELINESS_OVERDUE);
  const Task d = Derived(t, absl::CivilDay(2024, 5, 1));
  EXPECT_EQ(d.occurrences(0).timeliness(), v1::TIMELINESS_OVERDUE);
  EXPECT_EQ(d.occurrences(0).status(), v1::TASK_STATUS_NOT_STARTED);
  EXPECT_EQ(Key(d.next_due_date()), "2024-04-30");
  // The window is configurable; 0 means only "due today" is due soon.
  Task z = t;
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 4, 29), 0, z);
  EXPECT_EQ(z.timeliness(), v1::TIMELINESS_ON_TRACK);
}

TEST_F(TimelinessTest, DoneOnTheDueDayIsOnTimeAndTheDayAfterIsLate) {
  Task t = DueApril30();
  t.set_status(v1::TASK_STATUS_DONE);
  // 23:30 in Hà Nội on the due day (16:30 UTC) is still on time.
  *t.mutable_complete_time() = At(absl::CivilDay(2024, 4, 30), 23, 30);
  Task on_time = Derived(t, absl::CivilDay(2024, 6, 1));
  EXPECT_EQ(on_time.timeliness(), v1::TIMELINESS_DONE_ON_TIME);
  EXPECT_EQ(on_time.occurrences(0).status(), v1::TASK_STATUS_DONE);
  EXPECT_EQ(on_time.percent_complete(), 100);
  EXPECT_FALSE(on_time.has_next_due_date());
  // 00:10 the next day in Hà Nội is late, although it is still 30/4 in UTC.
  *t.mutable_complete_time() = At(absl::CivilDay(2024, 5, 1), 0, 10);
  Task late = Derived(t, absl::CivilDay(2024, 6, 1));
  EXPECT_EQ(late.timeliness(), v1::TIMELINESS_DONE_LATE);
  EXPECT_EQ(late.occurrences(0).timeliness(), v1::TIMELINESS_DONE_LATE);
}

TEST_F(TimelinessTest, OccurrenceStatusIsKeptByDueDateWhenRecomputing) {
  Task t = MakeTask(kPlan2024, "Phòng Nội vụ",
                    "Xây dựng kế hoạch trong Quý I/2024, triển khai xong trước 30/9/2024");
  t.set_status(v1::TASK_STATUS_IN_PROGRESS);
  ASSERT_TRUE(Validate(t).ok());
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 3, 1), 7, t);
  ASSERT_EQ(t.occurrences_size(), 2);
  // The first occurrence is reported done on 2024-04-02, two days late.
  t.mutable_occurrences(0)->set_status(v1::TASK_STATUS_DONE);
  *t.mutable_occurrences(0)->mutable_complete_time() = At(absl::CivilDay(2024, 4, 2), 9, 0);

  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 9, 25), 7, t);
  EXPECT_EQ(t.occurrences(0).status(), v1::TASK_STATUS_DONE);
  EXPECT_EQ(t.occurrences(0).timeliness(), v1::TIMELINESS_DONE_LATE);
  EXPECT_EQ(t.occurrences(1).timeliness(), v1::TIMELINESS_DUE_SOON);
  // Open: the worst open occurrence decides; the late one is done.
  EXPECT_EQ(t.timeliness(), v1::TIMELINESS_DUE_SOON);
  EXPECT_EQ(Key(t.next_due_date()), "2024-09-30");

  // A schedule change keeps the done occurrence and adds a new one.
  t.clear_schedule();
  t.mutable_schedule()->set_phrase(
      "Xây dựng kế hoạch trong Quý I/2024, triển khai xong trước 31/10/2024");
  ASSERT_TRUE(Validate(t).ok());
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 10, 1), 7, t);
  EXPECT_THAT(DueKeys(t), ElementsAre("2024-03-31", "2024-10-31"));
  EXPECT_EQ(t.occurrences(0).status(), v1::TASK_STATUS_DONE);
  EXPECT_EQ(t.occurrences(1).status(), v1::TASK_STATUS_NOT_STARTED);
  EXPECT_EQ(t.timeliness(), v1::TIMELINESS_ON_TRACK);

  // Completing the task completes the rest; one late occurrence makes it late.
  t.set_status(v1::TASK_STATUS_DONE);
  *t.mutable_complete_time() = At(absl::CivilDay(2024, 10, 20), 10, 0);
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 10, 21), 7, t);
  EXPECT_EQ(t.occurrences(1).status(), v1::TASK_STATUS_DONE);
  EXPECT_EQ(t.occurrences(1).timeliness(), v1::TIMELINESS_DONE_ON_TIME);
  EXPECT_EQ(t.timeliness(), v1::TIMELINESS_DONE_LATE);
}

TEST_F(TimelinessTest, OverdueOutranksDueSoon) {
  Task t = MakeTask(kPlan2024, "Phòng Nội vụ", "trong Quý I/2024; hoàn thành trước ngày 30/4/2024");
  t.set_status(v1::TASK_STATUS_IN_PROGRESS);
  ASSERT_TRUE(Validate(t).ok());
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 4, 25), 7, t);
  EXPECT_EQ(t.occurrences(0).timeliness(), v1::TIMELINESS_OVERDUE);
  EXPECT_EQ(t.occurrences(1).timeliness(), v1::TIMELINESS_DUE_SOON);
  EXPECT_EQ(t.timeliness(), v1::TIMELINESS_OVERDUE);
  EXPECT_EQ(Key(t.next_due_date()), "2024-03-31");
}

TEST_F(TimelinessTest, CancelledTaskHasNoTimeliness) {
  Task t = DueApril30();
  t.set_status(v1::TASK_STATUS_CANCELLED);
  Task d = Derived(t, absl::CivilDay(2024, 5, 10));
  EXPECT_EQ(d.timeliness(), v1::TIMELINESS_UNSPECIFIED);
  EXPECT_EQ(d.occurrences(0).status(), v1::TASK_STATUS_CANCELLED);
  EXPECT_EQ(d.occurrences(0).timeliness(), v1::TIMELINESS_UNSPECIFIED);
  EXPECT_FALSE(d.has_next_due_date());
}

TEST_F(TimelinessTest, ContinuousTaskIsOnTrackWithoutOccurrences) {
  Task t = MakeTask(kPlan2024, "Phòng Nội vụ", "Thường xuyên");
  ASSERT_TRUE(Validate(t).ok());
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 12, 31), 7, t);
  EXPECT_EQ(t.occurrences_size(), 0);
  EXPECT_EQ(t.timeliness(), v1::TIMELINESS_ON_TRACK);
  EXPECT_FALSE(t.has_next_due_date());
}

// ---------------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------------

constexpr TaskStatus kNotStarted = v1::TASK_STATUS_NOT_STARTED;
constexpr TaskStatus kInProgress = v1::TASK_STATUS_IN_PROGRESS;
constexpr TaskStatus kDone = v1::TASK_STATUS_DONE;
constexpr TaskStatus kCancelled = v1::TASK_STATUS_CANCELLED;

TEST(TransitionTest, AllowedTransitions) {
  EXPECT_TRUE(CheckTransition(kNotStarted, kInProgress, "").ok());
  EXPECT_TRUE(CheckTransition(kInProgress, kDone, "").ok());
  EXPECT_TRUE(CheckTransition(kNotStarted, kDone, "").ok());
  EXPECT_TRUE(CheckTransition(kInProgress, kInProgress, "").ok());
  EXPECT_TRUE(CheckTransition(kNotStarted, kCancelled, "Trùng nhiệm vụ khác").ok());
  EXPECT_TRUE(CheckTransition(kInProgress, kCancelled, "Không còn phù hợp").ok());
  EXPECT_TRUE(CheckTransition(kDone, kCancelled, "Nhập nhầm").ok());
  EXPECT_TRUE(CheckTransition(kDone, kInProgress, "Sản phẩm chưa đạt").ok());
  EXPECT_TRUE(CheckTransition(kCancelled, kInProgress, "Giao lại").ok());
}

TEST(TransitionTest, RefusedTransitionsNameBothStatuses) {
  struct Case {
    TaskStatus from, to;
  };
  for (const Case& c :
       {Case{kDone, kNotStarted}, Case{kInProgress, kNotStarted}, Case{kCancelled, kDone},
        Case{kCancelled, kNotStarted}, Case{kCancelled, kCancelled}}) {
    absl::Status s = CheckTransition(c.from, c.to, "có lý do");
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition)
        << v1::TaskStatus_Name(c.from) << "→" << v1::TaskStatus_Name(c.to);
    EXPECT_THAT(s.message(), HasSubstr(v1::TaskStatus_Name(c.from)));
    EXPECT_THAT(s.message(), HasSubstr(v1::TaskStatus_Name(c.to)));
  }
  EXPECT_EQ(CheckTransition(kCancelled, kDone, "x").message(),
            "task.status: cannot go from TASK_STATUS_CANCELLED to TASK_STATUS_DONE (reopen it "
            "first)");
}

TEST(TransitionTest, CancelAndReopenNeedAReason) {
  for (const char* reason : {"", "   ", "\n"}) {
    EXPECT_EQ(CheckTransition(kInProgress, kCancelled, reason).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(CheckTransition(kDone, kInProgress, reason).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(CheckTransition(kCancelled, kInProgress, reason).code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(CheckTransition(kDone, kInProgress, "").message(), "reason: required (lý do)");
  EXPECT_THAT(CheckTransition(kDone, kInProgress, std::string(2001, 'r')).message(),
              HasSubstr("reason: at most 2000 characters"));
  EXPECT_EQ(CheckTransition(v1::TASK_STATUS_UNSPECIFIED, kDone, "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTransition(kDone, v1::TASK_STATUS_UNSPECIFIED, "").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TransitionTest, Reopen) {
  EXPECT_TRUE(CheckReopen(kDone, "Sản phẩm chưa đạt").ok());
  EXPECT_TRUE(CheckReopen(kCancelled, "Giao lại").ok());
  EXPECT_EQ(CheckReopen(kInProgress, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckReopen(kNotStarted, "x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckReopen(kDone, "").code(), absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Progress reports
// ---------------------------------------------------------------------------

class ProgressReportTest : public TaskValidationTest {
 protected:
  void SetUp() override {
    task_ =
        MakeTask(kPlan2024, "Thanh tra huyện", "trong Quý I/2024; hoàn thành trước ngày 30/4/2024");
    task_.set_name("tasks/t1");
    task_.mutable_lead_unit()->set_unit(kThanhTra);
    auto* c = task_.add_coordinating_units();
    c->set_unit(kCongAn);
    c->set_display_name("Công an huyện");
    task_.set_status(v1::TASK_STATUS_IN_PROGRESS);
    ASSERT_TRUE(Validate(task_).ok());
    ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 3, 1), 7, task_);
  }
  static ReportProgressRequest Report(const std::string& unit, int percent,
                                      TaskStatus status = v1::TASK_STATUS_UNSPECIFIED) {
    ReportProgressRequest r;
    r.set_task("tasks/t1");
    r.mutable_progress_report()->set_reporting_unit(unit);
    r.mutable_progress_report()->set_percent_complete(percent);
    r.mutable_progress_report()->set_status(status);
    return r;
  }
  static void AddDocument(ReportProgressRequest& r, const std::string& number) {
    r.mutable_progress_report()->add_evidence()->mutable_document()->set_number(number);
  }
  static void AddUrl(ReportProgressRequest& r, const std::string& url) {
    r.mutable_progress_report()->add_evidence()->set_url(url);
  }
  Task task_;
};

TEST_F(ProgressReportTest, LeadAndCoordinatorReportProgressWithoutEvidence) {
  EXPECT_TRUE(ValidateProgressReport(task_, Report(kThanhTra, 50), true).ok());
  EXPECT_TRUE(
      ValidateProgressReport(task_, Report(kCongAn, 60, v1::TASK_STATUS_IN_PROGRESS), true).ok());
  // Percent 100 without DONE does not complete the task and needs no evidence.
  EXPECT_TRUE(ValidateProgressReport(task_, Report(kThanhTra, 100), true).ok());
}

TEST_F(ProgressReportTest, OtherUnitsCannotReport) {
  absl::Status s = ValidateProgressReport(task_, Report(kOutsider, 10), false);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("progress_report.reporting_unit"));
  EXPECT_THAT(s.message(), HasSubstr("neither the lead unit nor a coordinating unit of tasks/t1"));
  EXPECT_EQ(ValidateProgressReport(task_, Report("", 10), false).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateProgressReport(task_, Report("Thanh tra huyện", 10), false).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ProgressReportTest, PercentAndStatusRanges) {
  EXPECT_THAT(ValidateProgressReport(task_, Report(kThanhTra, -1), false).message(),
              HasSubstr("progress_report.percent_complete: must be 0–100 (got -1)"));
  EXPECT_EQ(ValidateProgressReport(task_, Report(kThanhTra, 101), false).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateProgressReport(task_, Report(kThanhTra, 0), false).ok());
  for (TaskStatus bad : {v1::TASK_STATUS_CANCELLED, v1::TASK_STATUS_NOT_STARTED}) {
    absl::Status s = ValidateProgressReport(task_, Report(kThanhTra, 10, bad), false);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("progress_report.status"));
  }
}

TEST_F(ProgressReportTest, CompletingNeedsEvidenceWhenRequired) {
  ReportProgressRequest done = Report(kThanhTra, 100, kDone);
  absl::Status s = ValidateProgressReport(task_, done, /*evidence_required=*/true);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("progress_report.evidence"));
  EXPECT_THAT(s.message(), HasSubstr("at least one evidence"));
  // The plan does not require evidence, or an earlier report carried some.
  EXPECT_TRUE(ValidateProgressReport(task_, done, /*evidence_required=*/false).ok());
  AddDocument(done, "125/KH-UBND");
  EXPECT_TRUE(ValidateProgressReport(task_, done, true).ok());
  ReportProgressRequest by_link = Report(kThanhTra, 100, kDone);
  AddUrl(by_link, "https://hoabinh.gov.vn/van-ban/125-kh-ubnd.pdf");
  EXPECT_TRUE(ValidateProgressReport(task_, by_link, true).ok());
}

TEST_F(ProgressReportTest, OnlyTheLeadCompletes) {
  ReportProgressRequest done = Report(kCongAn, 100, kDone);
  AddDocument(done, "12/BC-CA");
  absl::Status s = ValidateProgressReport(task_, done, true);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("only the lead unit"));
}

TEST_F(ProgressReportTest, EvidenceShape) {
  struct Case {
    const char* number_or_url;
    bool url;
    bool ok;
  };
  for (const Case& c :
       {Case{"125/KH-UBND", false, true}, Case{"05/2024/QĐ-UBND", false, true},
        Case{"KH-UBND", false, false}, Case{"/KH-UBND", false, false}, Case{"125/", false, false},
        Case{"125 / KH", false, false}, Case{"", false, false}, Case{"https://a.vn/x", true, true},
        Case{"http://a.vn", true, true}, Case{"ftp://a.vn/x", true, false},
        Case{"https://", true, false}, Case{"https://a.vn/x y", true, false},
        Case{"a.vn/x", true, false}}) {
    ReportProgressRequest r = Report(kThanhTra, 30);
    if (c.url) {
      AddUrl(r, c.number_or_url);
    } else {
      AddDocument(r, c.number_or_url);
    }
    absl::Status s = ValidateProgressReport(task_, r, false);
    EXPECT_EQ(s.ok(), c.ok) << c.number_or_url << ": " << s;
    if (!c.ok) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(s.message(), HasSubstr("progress_report.evidence[0]"));
    }
  }
  ReportProgressRequest long_url = Report(kThanhTra, 30);
  AddUrl(long_url, "https://a.vn/" + std::string(2000, 'x'));
  EXPECT_THAT(ValidateProgressReport(task_, long_url, false).message(),
              HasSubstr("evidence[0].url: at most 2000"));

  ReportProgressRequest no_source = Report(kThanhTra, 30);
  no_source.mutable_progress_report()->add_evidence()->set_description("Biên bản");
  EXPECT_THAT(ValidateProgressReport(task_, no_source, false).message(),
              HasSubstr("needs a document or a url"));

  ReportProgressRequest bad_date = Report(kThanhTra, 30);
  auto* doc = bad_date.mutable_progress_report()->add_evidence()->mutable_document();
  doc->set_number("125/KH-UBND");
  doc->mutable_issued_on()->set_year(2023);
  doc->mutable_issued_on()->set_month(2);
  doc->mutable_issued_on()->set_day(29);
  EXPECT_THAT(ValidateProgressReport(task_, bad_date, false).message(),
              HasSubstr("evidence[0].document.issued_on"));

  ReportProgressRequest too_many = Report(kThanhTra, 30);
  for (int i = 0; i < 51; ++i) AddUrl(too_many, "https://a.vn/" + std::to_string(i));
  EXPECT_THAT(ValidateProgressReport(task_, too_many, false).message(),
              HasSubstr("progress_report.evidence: at most 50"));
}

TEST_F(ProgressReportTest, OccurrenceAndDates) {
  ReportProgressRequest r = Report(kThanhTra, 30);
  auto* due = r.mutable_progress_report()->mutable_occurrence_due_date();
  due->set_year(2024);
  due->set_month(4);
  due->set_day(30);
  EXPECT_TRUE(ValidateProgressReport(task_, r, false).ok());
  due->set_day(29);
  absl::Status s = ValidateProgressReport(task_, r, false);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("no occurrence due on 2024-04-29"));

  ReportProgressRequest future = Report(kThanhTra, 30);
  auto* as_of = future.mutable_progress_report()->mutable_as_of();
  as_of->set_year(2024);
  as_of->set_month(3);
  as_of->set_day(2);
  EXPECT_TRUE(ValidateProgressReport(task_, future, false, absl::CivilDay(2024, 3, 2)).ok());
  EXPECT_THAT(ValidateProgressReport(task_, future, false, absl::CivilDay(2024, 3, 1)).message(),
              HasSubstr("progress_report.as_of: 2024-03-02 is in the future"));
}

TEST_F(ProgressReportTest, CancelledOrDoneWork) {
  Task cancelled = task_;
  cancelled.set_status(kCancelled);
  EXPECT_EQ(ValidateProgressReport(cancelled, Report(kThanhTra, 30), false).code(),
            absl::StatusCode::kFailedPrecondition);

  Task done = task_;
  done.set_status(kDone);
  absl::Status s = ValidateProgressReport(done, Report(kThanhTra, 90, kInProgress), false);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("reopen it first"));
  // A further note on done work changes no status and is accepted.
  EXPECT_TRUE(ValidateProgressReport(done, Report(kThanhTra, 100), false).ok());

  // A done occurrence cannot go back by a report either.
  Task occ_done = task_;
  occ_done.mutable_occurrences(0)->set_status(kDone);
  ReportProgressRequest r = Report(kThanhTra, 50, kInProgress);
  *r.mutable_progress_report()->mutable_occurrence_due_date() = occ_done.occurrences(0).due_date();
  EXPECT_EQ(ValidateProgressReport(occ_done, r, false).code(),
            absl::StatusCode::kFailedPrecondition);
}

// ---------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------

Task Summarised(const std::string& name, const std::string& lead_unit, const std::string& lead_name,
                const std::string& framework, const std::string& component, TaskStatus status,
                v1::Timeliness timeliness, int percent, int64_t created) {
  Task t;
  t.set_name(name);
  t.set_plan(kPlan2024);
  t.mutable_lead_unit()->set_unit(lead_unit);
  t.mutable_lead_unit()->set_display_name(lead_name);
  if (!framework.empty()) {
    t.mutable_effective_component()->set_framework(framework);
    t.mutable_effective_component()->set_component(component);
  }
  t.set_status(status);
  t.set_timeliness(timeliness);
  t.set_percent_complete(percent);
  t.mutable_create_time()->set_seconds(created);
  return t;
}

TEST(SummaryTest, CountsAndOnTimeRatio) {
  std::vector<Task> tasks = {
      Summarised("tasks/a", kThanhTra, "Thanh tra huyện", "DDCI", "LEGAL_INSTITUTIONS", kDone,
                 v1::TIMELINESS_DONE_ON_TIME, 100, 1),
      Summarised("tasks/b", kThanhTra, "Thanh tra huyện", "DDCI", "LEGAL_INSTITUTIONS", kDone,
                 v1::TIMELINESS_DONE_ON_TIME, 100, 2),
      Summarised("tasks/c", kThanhTra, "Thanh tra huyện", "DDCI", "LEGAL_INSTITUTIONS", kDone,
                 v1::TIMELINESS_DONE_LATE, 100, 3),
      Summarised("tasks/d", kThanhTra, "Thanh tra huyện", "", "", kInProgress,
                 v1::TIMELINESS_OVERDUE, 40, 4),
      Summarised("tasks/e", kThanhTra, "Thanh tra huyện", "", "", kNotStarted,
                 v1::TIMELINESS_DUE_SOON, 0, 5),
      Summarised("tasks/f", kThanhTra, "Thanh tra huyện", "", "", kNotStarted,
                 v1::TIMELINESS_ON_TRACK, 0, 6),
      Summarised("tasks/g", kThanhTra, "Thanh tra huyện", "", "", kCancelled,
                 v1::TIMELINESS_UNSPECIFIED, 10, 7),
  };
  const v1::TimelinessCounts c = CountTimeliness(tasks);
  EXPECT_EQ(c.done_on_time(), 2);
  EXPECT_EQ(c.done_late(), 1);
  EXPECT_EQ(c.overdue(), 1);
  EXPECT_EQ(c.due_soon(), 1);
  EXPECT_EQ(c.on_track(), 1);
  EXPECT_EQ(c.cancelled(), 1);
  EXPECT_EQ(c.total(), 7);
  ASSERT_TRUE(OnTimeRatio(c).has_value());
  EXPECT_DOUBLE_EQ(*OnTimeRatio(c), 2.0 / 3.0);

  // Nothing done: no ratio (the proto field stays unset).
  EXPECT_FALSE(OnTimeRatio(CountTimeliness({tasks[3], tasks[4]})).has_value());
  EXPECT_FALSE(OnTimeRatio(v1::TimelinessCounts()).has_value());
  EXPECT_EQ(CountTimeliness({}).total(), 0);
}

TEST_F(TimelinessTest, OccurrenceCounts) {
  Task a = MakeTask(kPlan2024, "Phòng Nội vụ",
                    "trong Quý I/2024; hoàn thành trước ngày 30/4/2024; xong trước 30/9/2024");
  a.set_status(kInProgress);
  ASSERT_TRUE(Validate(a).ok());
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 3, 1), 7, a);
  a.mutable_occurrences(0)->set_status(kDone);
  *a.mutable_occurrences(0)->mutable_complete_time() = At(absl::CivilDay(2024, 3, 30), 9, 0);
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 5, 2), 7, a);
  Task b = DueApril30();
  b.set_status(kCancelled);
  ComputeDerived(OneYearPlan(), absl::CivilDay(2024, 5, 2), 7, b);

  const v1::TimelinessCounts c = CountOccurrenceTimeliness({a, b});
  EXPECT_EQ(c.done_on_time(), 1);
  EXPECT_EQ(c.overdue(), 1);
  EXPECT_EQ(c.on_track(), 1);
  EXPECT_EQ(c.cancelled(), 1);
  EXPECT_EQ(c.total(), 4);
  EXPECT_DOUBLE_EQ(*OnTimeRatio(c), 1.0);
}

TEST(AccountabilityTest, OneComponentWithTwoLeadUnits) {
  PlanFacts plan = OneYearPlan();  // objectives: legal, transparency, total
  // Given out of creation order on purpose.
  std::vector<Task> tasks = {
      Summarised("tasks/ca1", kCongAn, "Công an huyện", "DDCI", "LEGAL_INSTITUTIONS", kInProgress,
                 v1::TIMELINESS_OVERDUE, 40, 20),
      Summarised("tasks/tt1", kThanhTra, "Thanh tra huyện", "DDCI", "LEGAL_INSTITUTIONS", kDone,
                 v1::TIMELINESS_DONE_ON_TIME, 100, 10),
      Summarised("tasks/tt2", kThanhTra, "Thanh tra huyện", "DDCI", "LEGAL_INSTITUTIONS",
                 kInProgress, v1::TIMELINESS_ON_TRACK, 25, 30),
      Summarised("tasks/tt3", kThanhTra, "Thanh tra huyện", "DDCI", "LEGAL_INSTITUTIONS",
                 kCancelled, v1::TIMELINESS_UNSPECIFIED, 90, 40),
      Summarised("tasks/pci", kTaiChinh, "Phòng Tài chính - Kế hoạch", "PCI", "LAND_ACCESS",
                 kNotStarted, v1::TIMELINESS_DUE_SOON, 0, 50),
      Summarised("tasks/gen", kNoiVu, "Phòng Nội vụ", "", "", kNotStarted, v1::TIMELINESS_ON_TRACK,
                 10, 60),
  };
  const std::vector<v1::ComponentAccountability> rows = Accountability(plan, tasks);
  ASSERT_EQ(rows.size(), 5u);

  // Row 0: the first objective's component, two lead units.
  const v1::ComponentAccountability& legal = rows[0];
  EXPECT_EQ(legal.component().framework(), "DDCI");
  EXPECT_EQ(legal.component().component(), "LEGAL_INSTITUTIONS");
  EXPECT_THAT(legal.objective_ids(), ElementsAre("ddci-legal"));
  EXPECT_EQ(legal.counts().total(), 4);
  EXPECT_EQ(legal.counts().done_on_time(), 1);
  EXPECT_EQ(legal.counts().overdue(), 1);
  EXPECT_EQ(legal.counts().on_track(), 1);
  EXPECT_EQ(legal.counts().cancelled(), 1);
  EXPECT_EQ(legal.mean_percent_complete(), (100 + 40 + 25) / 3);  // cancelled left out
  ASSERT_EQ(legal.lead_units_size(), 2);
  const v1::LeadUnitProgress& tt = legal.lead_units(0);  // first task created
  EXPECT_EQ(tt.lead_unit().unit(), kThanhTra);
  EXPECT_EQ(tt.lead_unit().display_name(), "Thanh tra huyện");
  EXPECT_THAT(tt.tasks(), ElementsAre("tasks/tt1", "tasks/tt2", "tasks/tt3"));
  EXPECT_EQ(tt.counts().total(), 3);
  EXPECT_EQ(tt.counts().done_on_time(), 1);
  EXPECT_EQ(tt.mean_percent_complete(), (100 + 25) / 2);
  const v1::LeadUnitProgress& ca = legal.lead_units(1);
  EXPECT_EQ(ca.lead_unit().unit(), kCongAn);
  EXPECT_THAT(ca.tasks(), ElementsAre("tasks/ca1"));
  EXPECT_EQ(ca.counts().overdue(), 1);
  EXPECT_EQ(ca.mean_percent_complete(), 40);

  // Rows 1–2: objectives without tasks are listed, empty (a gap to see).
  EXPECT_EQ(rows[1].component().component(), "TRANSPARENCY");
  EXPECT_EQ(rows[1].counts().total(), 0);
  EXPECT_EQ(rows[1].lead_units_size(), 0);
  EXPECT_EQ(rows[1].mean_percent_complete(), 0);
  EXPECT_EQ(rows[2].component().framework(), "DDCI");
  EXPECT_EQ(rows[2].component().component(), "");
  EXPECT_THAT(rows[2].objective_ids(), ElementsAre("ddci-total"));

  // Row 3: a component without an objective; row 4: general tasks.
  EXPECT_EQ(rows[3].component().framework(), "PCI");
  EXPECT_THAT(rows[3].objective_ids(), IsEmpty());
  EXPECT_EQ(rows[3].counts().due_soon(), 1);
  EXPECT_EQ(rows[4].component().framework(), "");
  ASSERT_EQ(rows[4].lead_units_size(), 1);
  EXPECT_THAT(rows[4].lead_units(0).tasks(), ElementsAre("tasks/gen"));
  EXPECT_EQ(rows[4].mean_percent_complete(), 10);
}

TEST(AccountabilityTest, ObjectivesSharingAComponentShareARowAndLeadsGroupByName) {
  PlanFacts plan;
  plan.objectives = {{"score", "DDCI", ""}, {"rank", "DDCI", ""}};
  std::vector<Task> tasks = {
      Summarised("tasks/1", "", "Phòng Nội vụ", "DDCI", "", kDone, v1::TIMELINESS_DONE_LATE, 100,
                 1),
      Summarised("tasks/2", "", "phong noi vu", "DDCI", "", kInProgress, v1::TIMELINESS_ON_TRACK,
                 51, 2),
  };
  const auto rows = Accountability(plan, tasks);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows[0].objective_ids(), ElementsAre("score", "rank"));
  ASSERT_EQ(rows[0].lead_units_size(), 1);
  EXPECT_THAT(rows[0].lead_units(0).tasks(), ElementsAre("tasks/1", "tasks/2"));
  EXPECT_EQ(rows[0].mean_percent_complete(), 75);  // (100 + 51) / 2 rounded down
  EXPECT_TRUE(Accountability(PlanFacts{}, {}).empty());
}

}  // namespace
}  // namespace chiso::assignment
