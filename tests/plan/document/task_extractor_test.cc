// Task drafts of the plan document importer (task_extractor.cc), on small
// documents written for these tests in the style of the seed plans.

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "chiso/common/v1/task_draft.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/document/component_matcher.h"
#include "services/plan/document/document.h"
#include "services/plan/document/extraction.h"
#include "services/plan/document/extractors.h"
#include "services/plan/document/plan_document.h"
#include "unicode/utf8.h"

namespace chiso::plan::document {
namespace {

namespace cv1 = chiso::common::v1;
namespace pv1 = chiso::plan::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// A DDCI plan of a district for 2025 in the layout of the seed plans.
constexpr char kHeader[] =
    "KẾ HOẠCH\n"
    "Cải thiện chỉ số đánh giá năng lực cạnh tranh (DDCI) huyện Đồng Mỏ năm 2025\n"
    "\n"
    "Căn cứ Kế hoạch số 12/KH-UBND ngày 10/01/2025 của UBND tỉnh, UBND huyện ban hành kế "
    "hoạch như sau:\n"
    "\n"
    "I. MỤC ĐÍCH, YÊU CẦU\n"
    "\n"
    "- Các phòng, ban chuyên môn phối hợp chặt chẽ trong việc cải thiện chỉ số.\n"
    "\n"
    "II. NỘI DUNG VÀ PHÂN CÔNG NHIỆM VỤ\n"
    "\n";

std::vector<std::string> Leads(const pv1::ImportPlanDocumentResponse& response) {
  std::vector<std::string> out;
  for (const auto& draft : response.task_drafts()) {
    out.push_back(absl::StrJoin(draft.lead_units(), "+"));
  }
  return out;
}

std::vector<std::string> Codes(const pv1::ImportPlanDocumentResponse& response) {
  std::vector<std::string> out;
  for (const auto& warning : response.warnings()) out.push_back(warning.code());
  return out;
}

int CountCode(const pv1::ImportPlanDocumentResponse& response, absl::string_view code) {
  int n = 0;
  for (const auto& warning : response.warnings()) n += warning.code() == code ? 1 : 0;
  return n;
}

size_t Chars(absl::string_view text) {
  size_t n = 0;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  for (size_t i = 0; i < text.size();) {
    U8_FWD_1(bytes, i, text.size());
    ++n;
  }
  return n;
}

class TaskExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Catalog> catalog = Catalog::Builtin();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
  }

  // The whole importer on `text`.
  pv1::ImportPlanDocumentResponse Import(const std::string& text) {
    pv1::ImportPlanDocumentRequest request;
    request.set_text(text);
    absl::StatusOr<pv1::ImportPlanDocumentResponse> response = ImportDocument(request, catalog_);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *std::move(response) : pv1::ImportPlanDocumentResponse();
  }

  // ExtractTasks alone, with a plan given by the test (period, objectives).
  pv1::ImportPlanDocumentResponse Extract(const std::string& text, const pv1::Plan& plan) {
    absl::StatusOr<Document> doc = ParseDocument(text);
    EXPECT_TRUE(doc.ok()) << doc.status();
    pv1::ImportPlanDocumentResponse response;
    if (!doc.ok()) return response;
    Report report(*doc, &response);
    const ComponentMatcher components(catalog_);
    ExtractContext ctx;
    ctx.catalog = &catalog_;
    ctx.components = &components;
    std::vector<cv1::TaskDraft> drafts;
    ExtractTasks(*doc, ctx, plan, &drafts, &report);
    for (auto& draft : drafts) *response.add_task_drafts() = std::move(draft);
    return response;
  }

  static pv1::Plan PlanOf(int start_year, int end_year) {
    pv1::Plan plan;
    plan.mutable_period()->set_start_year(start_year);
    plan.mutable_period()->set_end_year(end_year);
    return plan;
  }

  Catalog catalog_;
};

// ---- Lead patterns ----------------------------------------------------

TEST_F(TaskExtractorTest, GiaoChuTriNamesTheLeadAndItsCoordinatingUnits) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Chi phí không chính thức”\n"
      "\n"
      "- Giao Phòng Nội vụ chủ trì, phối hợp với Văn phòng HĐND và UBND huyện và các phòng "
      "chuyên môn có liên quan tổ chức kiểm tra công vụ tại Bộ phận Một cửa.\n"));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::TaskDraft& draft = response.task_drafts(0);
  EXPECT_THAT(draft.lead_units(), ElementsAre("Phòng Nội vụ"));
  EXPECT_THAT(draft.coordinating_units(),
              ElementsAre("Văn phòng HĐND và UBND huyện", "các phòng chuyên môn có liên quan"));
  EXPECT_EQ(draft.first_line(), 14);
  EXPECT_EQ(draft.last_line(), 14);
  EXPECT_THAT(draft.title(), HasSubstr("Giao Phòng Nội vụ chủ trì"));
}

TEST_F(TaskExtractorTest, UnitAsSubjectLeadsItsBullet) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Cạnh tranh bình đẳng”\n"
      "\n"
      "- Phòng Tài chính - Kế hoạch là đầu mối theo dõi, tổng hợp kết quả của chỉ số.\n"
      "\n"
      "- Thanh tra huyện tiếp tục rà soát các cuộc thanh tra, kiểm tra trùng lặp.\n"
      "\n"
      "- Chi nhánh Văn phòng đăng ký đất đai huyện chủ trì thực hiện việc rút ngắn thời gian "
      "cấp giấy chứng nhận.\n"));
  EXPECT_THAT(Leads(response), ElementsAre("Phòng Tài chính - Kế hoạch", "Thanh tra huyện",
                                           "Chi nhánh Văn phòng đăng ký đất đai huyện"));
}

TEST_F(TaskExtractorTest, LetteredHeadingNamingUnitsLeadsTheBulletsBelow) {
  const auto response =
      Import(absl::StrCat(kHeader,
                          "1. Chỉ số “Chi phí thời gian”\n"
                          "\n"
                          "c) Thủ trưởng các cơ quan, đơn vị và UBND các xã, thị trấn:\n"
                          "\n"
                          "- Rà soát quy trình giải quyết thủ tục hành chính.\n"
                          "\n"
                          "- Phối hợp với Công an huyện xử lý các trường hợp vi phạm.\n"
                          "\n"
                          "* Thời gian thực hiện: Thường xuyên trong năm.\n"));
  ASSERT_THAT(response.task_drafts(), SizeIs(2));
  EXPECT_THAT(Leads(response),
              ElementsAre("Thủ trưởng các cơ quan, đơn vị", "UBND các xã, thị trấn"));
  for (const auto& draft : response.task_drafts()) {
    EXPECT_EQ(draft.first_line(), 14);
    EXPECT_EQ(draft.last_line(), 20);
    // "Phối hợp với …" in a later bullet belongs to the text, not to the
    // lead clause.
    EXPECT_THAT(draft.coordinating_units(), IsEmpty());
    EXPECT_THAT(draft.description(), HasSubstr("Phối hợp với Công an huyện"));
    ASSERT_THAT(draft.schedule().milestones(), SizeIs(1));
    EXPECT_TRUE(draft.schedule().milestones(0).has_continuous());
  }
  EXPECT_EQ(CountCode(response, "COLLECTIVE_LEAD"), 2);
  EXPECT_EQ(CountCode(response, "SEVERAL_LEADS"), 1);
}

TEST_F(TaskExtractorTest, BoldHeadingWithChuTriAndPhoiHopLeadsItsBullets) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Tính minh bạch và tiếp cận thông tin”\n"
      "\n"
      "b) **Phòng Văn hóa và Thông tin chủ trì, phối hợp với Trung tâm Văn hóa, Thể thao và "
      "Truyền thông huyện**\n"
      "\n"
      "- Đăng tải kịp thời các văn bản mới trên Trang thông tin điện tử huyện.\n"
      "\n"
      "+ Cập nhật danh mục thủ tục hành chính.\n"));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::TaskDraft& draft = response.task_drafts(0);
  EXPECT_THAT(draft.lead_units(), ElementsAre("Phòng Văn hóa và Thông tin"));
  EXPECT_THAT(draft.coordinating_units(),
              ElementsAre("Trung tâm Văn hóa, Thể thao và Truyền thông huyện"));
  EXPECT_EQ(draft.last_line(), 18);
}

// ---- Several and collective leads -------------------------------------

TEST_F(TaskExtractorTest, SeveralLeadsInOneClauseGiveOneDraftEach) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Dịch vụ hỗ trợ doanh nghiệp”\n"
      "\n"
      "- Giao Chi cục Thuế huyện, Kho bạc Nhà nước huyện và các phòng: Tư pháp, Kinh tế và Hạ "
      "tầng chủ trì phối hợp với các cơ quan, đơn vị liên quan tổ chức đối thoại với doanh "
      "nghiệp.\n"));
  // The list's class word goes with each part: the directory knows
  // "Phòng Tư pháp", not "Tư pháp".
  EXPECT_THAT(Leads(response), ElementsAre("Chi cục Thuế huyện", "Kho bạc Nhà nước huyện",
                                           "Phòng Tư pháp", "Phòng Kinh tế và Hạ tầng"));
  for (const auto& draft : response.task_drafts()) {
    EXPECT_THAT(draft.coordinating_units(), ElementsAre("các cơ quan, đơn vị liên quan"));
    EXPECT_EQ(draft.title(), response.task_drafts(0).title());
  }
  EXPECT_EQ(CountCode(response, "SEVERAL_LEADS"), 1);
  EXPECT_EQ(CountCode(response, "COLLECTIVE_LEAD"), 0);
}

TEST_F(TaskExtractorTest, SubjectListSplitsAtUnitsOnly) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Tính minh bạch và tiếp cận thông tin”\n"
      "\n"
      "- Phòng Tư pháp, Trung tâm Văn hóa, Thể thao và Truyền thông huyện theo chức năng, nhiệm "
      "vụ được giao tuyên truyền các quy định mới.\n"
      "\n"
      "- Phòng Lao động, Thương binh và Xã hội hỗ trợ doanh nghiệp tuyển dụng lao động.\n"));
  EXPECT_THAT(Leads(response),
              ElementsAre("Phòng Tư pháp", "Trung tâm Văn hóa, Thể thao và Truyền thông huyện",
                          "Phòng Lao động, Thương binh và Xã hội"));
}

TEST_F(TaskExtractorTest, CollectiveLeadIsKeptAsWrittenWithAWarning) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Cạnh tranh bình đẳng”\n"
      "\n"
      "- Các đơn vị thuộc UBND huyện theo chức năng, nhiệm vụ công khai các chính sách ưu đãi.\n"
      "\n"
      "- Trưởng các phòng chuyên môn chủ động giải quyết kiến nghị của doanh nghiệp.\n"));
  EXPECT_THAT(Leads(response),
              ElementsAre("Các đơn vị thuộc UBND huyện", "Trưởng các phòng chuyên môn"));
  EXPECT_EQ(CountCode(response, "COLLECTIVE_LEAD"), 2);
}

TEST_F(TaskExtractorTest, CollectiveSubjectOfABulletUnderALeadIsPartOfItsTask) {
  const auto response =
      Import(absl::StrCat(kHeader,
                          "1. Chỉ số “Dịch vụ hỗ trợ doanh nghiệp”\n"
                          "\n"
                          "c) UBND các xã, thị trấn\n"
                          "\n"
                          "- Các đơn vị căn cứ tình hình địa phương hướng dẫn hộ kinh doanh.\n"));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  EXPECT_THAT(response.task_drafts(0).lead_units(), ElementsAre("UBND các xã, thị trấn"));
  EXPECT_EQ(response.task_drafts(0).last_line(), 16);
}

TEST_F(TaskExtractorTest, SentencesWithTheirOwnSubjectAreTasksOfTheirOwn) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Chi phí thời gian”\n"
      "\n"
      "- Các phòng chuyên môn thường xuyên phối hợp Văn phòng HĐND và UBND huyện công khai thủ "
      "tục hành chính. Thanh tra huyện, Công an huyện kiểm tra việc chấp hành kỷ luật. Đồng "
      "thời báo cáo kết quả về UBND huyện.\n"));
  ASSERT_THAT(Leads(response),
              ElementsAre("Các phòng chuyên môn", "Thanh tra huyện", "Công an huyện"));
  EXPECT_THAT(response.task_drafts(0).coordinating_units(),
              ElementsAre("Văn phòng HĐND và UBND huyện"));
  EXPECT_THAT(response.task_drafts(1).coordinating_units(), IsEmpty());
  EXPECT_THAT(response.task_drafts(1).description(), HasSubstr("Đồng thời báo cáo"));
  EXPECT_THAT(response.task_drafts(0).description(), Not(HasSubstr("Thanh tra huyện")));
}

TEST_F(TaskExtractorTest, BulletNamingNoUnitIsNoTaskOutsideALead) {
  const auto response = Import(
      absl::StrCat(kHeader,
                   "1. Chỉ số “Chi phí không chính thức”\n"
                   "\n"
                   "- Chỉ tiêu: đạt 7,50 điểm trở lên.\n"
                   "\n"
                   "- Tăng cường trách nhiệm người đứng đầu trong giải quyết thủ tục hành chính.\n"
                   "\n"
                   "- Kiểm tra đột xuất Bộ phận Một cửa huyện.\n"));
  EXPECT_THAT(response.task_drafts(), IsEmpty());
  EXPECT_THAT(Codes(response), testing::Contains("NO_TASKS"));
}

// ---- Sections ---------------------------------------------------------

TEST_F(TaskExtractorTest, OpeningAndPurposeHoldNoTasks) {
  const auto response = Import(
      "KẾ HOẠCH\n"
      "\n"
      "Sở Xây dựng xếp thứ 15/21 đơn vị, Sở Xây dựng xây dựng kế hoạch như sau:\n"
      "\n"
      "I. MỤC ĐÍCH, YÊU CẦU\n"
      "\n"
      "- Văn phòng Sở chủ trì tổng hợp các kiến nghị của doanh nghiệp.\n"
      "\n"
      "II. NHIỆM VỤ, GIẢI PHÁP\n"
      "\n"
      "- Văn phòng Sở chủ trì rà soát thủ tục hành chính.\n");
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  EXPECT_EQ(response.task_drafts(0).first_line(), 11);
}

TEST_F(TaskExtractorTest, ClosingSectionKeepsNamedUnitsWithoutComponent) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Chi phí thời gian”\n"
      "\n"
      "- Văn phòng HĐND và UBND huyện chủ trì rà soát hồ sơ trễ hạn.\n"
      "\n"
      "III. TỔ CHỨC THỰC HIỆN\n"
      "\n"
      "1. Thủ trưởng các cơ quan, đơn vị, Chủ tịch UBND các xã, thị trấn căn cứ Kế hoạch này "
      "xây dựng kế hoạch cụ thể; báo cáo kết quả hằng quý.\n"
      "\n"
      "2. Giao Phòng Tài chính - Kế hoạch chủ trì, phối hợp với Phòng Nội vụ thường xuyên theo "
      "dõi, đôn đốc thực hiện Kế hoạch này.\n"
      "\n"
      "3. Trung tâm Văn hóa, Thể thao và Truyền thông huyện đăng tải Kế hoạch này. Các cơ quan "
      "báo chí phối hợp tuyên truyền.\n"
      "\n"
      "Nơi nhận:\n"
      "- Phòng Nội vụ;\n"
      "- Lưu: VT.\n"));
  ASSERT_THAT(Leads(response),
              ElementsAre("Văn phòng HĐND và UBND huyện", "Phòng Tài chính - Kế hoạch",
                          "Trung tâm Văn hóa, Thể thao và Truyền thông huyện"));
  EXPECT_EQ(response.task_drafts(0).framework(), "DDCI");
  EXPECT_EQ(response.task_drafts(0).component(), "TIME_COSTS");
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(response.task_drafts(i).framework(), "") << i;
    EXPECT_EQ(response.task_drafts(i).component(), "") << i;
    // "thường xuyên", "hằng quý" in the text are not timeframes.
    EXPECT_FALSE(response.task_drafts(i).has_schedule()) << i;
  }
  EXPECT_THAT(response.task_drafts(1).coordinating_units(), ElementsAre("Phòng Nội vụ"));
}

// ---- Supervisor and component -----------------------------------------

TEST_F(TaskExtractorTest, SupervisorAndComponentComeFromTheSection) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Thiết chế pháp lý và an ninh trật tự”\n"
      "\n"
      "* **Lãnh đạo phụ trách:** Đồng chí Chủ tịch UBND huyện.\n"
      "\n"
      "a) Giao Công an huyện làm đầu mối giữ vững an ninh trật tự trên địa bàn.\n"
      "\n"
      "2. Chỉ số “Tiếp cận đất đai và tính ổn định trong sử dụng đất”\n"
      "\n"
      "a) Giao Phòng Tài nguyên và Môi trường chủ trì công khai quy hoạch sử dụng đất.\n"));
  ASSERT_THAT(response.task_drafts(), SizeIs(2));
  EXPECT_EQ(response.task_drafts(0).supervisor(), "Chủ tịch UBND huyện");
  EXPECT_EQ(response.task_drafts(1).supervisor(), "");
  const auto component = [](const cv1::TaskDraft& d) {
    return absl::StrCat(d.framework(), "/", d.component(), "/", d.objective_id());
  };
  // With no objectives extracted the drafts carry the codes; with them,
  // the objective's id (ObjectiveIdReplacesTheCodes).
  if (response.task_drafts(0).objective_id().empty()) {
    EXPECT_EQ(component(response.task_drafts(0)), "DDCI/LEGAL_INSTITUTIONS/");
    EXPECT_EQ(component(response.task_drafts(1)), "DDCI/LAND_ACCESS/");
  }
}

TEST_F(TaskExtractorTest, LetteredSubsectionGivesTheComponentOfItsIndex) {
  const auto response = Import(
      "KẾ HOẠCH\n\nII. NỘI DUNG, GIẢI PHÁP\n\n"
      "1. Chỉ số CCHC (PAR INDEX)\n\n"
      "b) Cải cách thể chế\n\n"
      "- Phòng Tư pháp chủ trì rà soát văn bản quy phạm pháp luật.\n\n"
      "**c) Nâng cao chất lượng tự đánh giá Chỉ số CCHC:** Các phòng chuyên môn triển khai "
      "đánh giá đúng hướng dẫn.\n\n"
      "2. Chỉ số hiệu quả quản trị và hành chính công (PAPI)\n\n"
      "a) Công khai, minh bạch\n\n"
      "- Văn phòng HĐND và UBND huyện công khai danh sách hộ nghèo.\n");
  ASSERT_THAT(response.task_drafts(), SizeIs(3));
  EXPECT_EQ(response.task_drafts(0).framework(), "PAR_INDEX");
  EXPECT_EQ(response.task_drafts(0).component(), "INSTITUTIONS");
  EXPECT_THAT(response.task_drafts(1).lead_units(), ElementsAre("Các phòng chuyên môn"));
  EXPECT_EQ(response.task_drafts(1).framework(), "PAR_INDEX");
  EXPECT_EQ(response.task_drafts(1).component(), "");
  EXPECT_EQ(response.task_drafts(2).framework(), "PAPI");
  EXPECT_EQ(response.task_drafts(2).component(), "TRANSPARENCY");
}

TEST_F(TaskExtractorTest, ObjectiveIdReplacesTheCodes) {
  pv1::Plan plan = PlanOf(2025, 2025);
  auto* objective = plan.add_objectives();
  objective->set_id("o3");
  objective->set_framework("DDCI");
  objective->set_component("INFORMAL_CHARGES");
  const auto response = Extract(absl::StrCat(kHeader,
                                             "1. Chỉ số “Chi phí không chính thức”\n\n"
                                             "a) Giao Thanh tra huyện chủ trì kiểm tra công vụ.\n"
                                             "\n2. Chỉ số “Cạnh tranh bình đẳng”\n\n"
                                             "a) Giao Phòng Tư pháp chủ trì rà soát văn bản.\n"),
                                plan);
  ASSERT_THAT(response.task_drafts(), SizeIs(2));
  EXPECT_EQ(response.task_drafts(0).objective_id(), "o3");
  EXPECT_EQ(response.task_drafts(0).framework(), "");
  EXPECT_EQ(response.task_drafts(1).objective_id(), "");
  EXPECT_EQ(response.task_drafts(1).framework(), "DDCI");
  EXPECT_EQ(response.task_drafts(1).component(), "EQUAL_COMPETITION");
}

// ---- Timeframes ---------------------------------------------------------

TEST_F(TaskExtractorTest, TimeframeLineWithSeveralMilestones) {
  const auto response = Extract(
      absl::StrCat(kHeader,
                   "1. Chỉ số “Vai trò người đứng đầu”\n\n"
                   "b) Phòng Nội vụ phối hợp với các cơ quan, đơn vị tham mưu kế hoạch kiểm tra "
                   "công vụ.\n\n"
                   "* Thời gian thực hiện: Xây dựng kế hoạch kiểm tra trong Quý II/2025; tổ chức "
                   "tập huấn xong trước 31/7/2025; kiểm tra hoàn thành trước ngày 15/11/2025.\n"),
      PlanOf(2025, 2025));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::Schedule& schedule = response.task_drafts(0).schedule();
  ASSERT_THAT(schedule.milestones(), SizeIs(3));
  EXPECT_EQ(schedule.milestones(0).period().kind(), cv1::CalendarPeriod::KIND_QUARTER);
  EXPECT_EQ(schedule.milestones(0).period().index(), 2);
  EXPECT_EQ(schedule.milestones(1).due_date().month(), 7);
  EXPECT_EQ(schedule.milestones(2).due_date().day(), 15);
  EXPECT_THAT(schedule.phrase(), HasSubstr("Quý II/2025"));
  EXPECT_EQ(response.task_drafts(0).last_line(), 16);
  EXPECT_THAT(response.task_drafts(0).coordinating_units(), ElementsAre("các cơ quan, đơn vị"));
}

TEST_F(TaskExtractorTest, TimeframeLinesOfOneGroupAreJoinedWithoutRepeats) {
  const auto response = Extract(
      absl::StrCat(kHeader,
                   "1. Chỉ số “Chi phí thời gian”\n\n"
                   "a) Giao Văn phòng HĐND và UBND huyện chủ trì các nhiệm vụ sau:\n\n"
                   "- Thống kê hồ sơ trễ hạn.\n\n"
                   "* Thời gian thực hiện: Ngay từ đầu năm và thường xuyên trong năm.\n\n"
                   "- Tập huấn công chức Bộ phận Một cửa.\n\n"
                   "* Thời gian thực hiện: Trong 6 tháng đầu năm và thường xuyên trong năm.\n\n"
                   "b) Giao Phòng Nội vụ chủ trì đánh giá công chức.\n"),
      PlanOf(2025, 2025));
  ASSERT_THAT(response.task_drafts(), SizeIs(2));
  const cv1::TaskDraft& first = response.task_drafts(0);
  EXPECT_EQ(first.first_line(), 14);
  EXPECT_EQ(first.last_line(), 22);
  ASSERT_THAT(first.schedule().milestones(), SizeIs(2));
  EXPECT_TRUE(first.schedule().milestones(0).has_continuous());
  EXPECT_EQ(first.schedule().milestones(1).period().kind(), cv1::CalendarPeriod::KIND_HALF);
  EXPECT_EQ(first.schedule().milestones(1).period().year(), 2025);
  // The next lettered item has no timeframe line of its own.
  EXPECT_FALSE(response.task_drafts(1).has_schedule());
}

TEST_F(TaskExtractorTest, TimeframeThatIsNoDeadlineKeepsThePhraseAndWarns) {
  const auto response =
      Extract(absl::StrCat(kHeader,
                           "1. Chỉ số “Cạnh tranh bình đẳng”\n\n"
                           "a) Giao Phòng Tư pháp chủ trì rà soát văn bản.\n\n"
                           "* Thời gian thực hiện: Theo chỉ đạo của UBND tỉnh.\n"),
              PlanOf(2025, 2025));
  // ImportTasks would re-parse a schedule phrase and fail: the draft has no
  // schedule (continuous work, NO_TIMEFRAME there) and the phrase stays in
  // its description.
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::TaskDraft& draft = response.task_drafts(0);
  EXPECT_FALSE(draft.has_schedule());
  EXPECT_THAT(draft.description(), HasSubstr("rà soát văn bản."));
  EXPECT_THAT(draft.description(),
              ::testing::EndsWith("\nThời gian thực hiện: Theo chỉ đạo của UBND tỉnh."));
  ASSERT_EQ(CountCode(response, "NOT_A_DEADLINE"), 1);
  EXPECT_EQ(response.warnings(0).first_line(), 16);
  bool schedule_fact = false;
  for (const auto& fact : response.facts()) {
    schedule_fact = schedule_fact || fact.field() == "task_drafts[0].schedule";
  }
  EXPECT_FALSE(schedule_fact);
}

TEST_F(TaskExtractorTest, LongSchedulePhraseIsCutAtACharacter) {
  std::string lines;
  for (int i = 0; i < 150; ++i) {
    absl::StrAppend(&lines, "\n* Thời gian thực hiện: Quý ", 1 + i % 4, "/2025, đợt ", i,
                    " theo kế hoạch của phòng.\n");
  }
  const auto response = Extract(absl::StrCat(kHeader,
                                             "1. Chỉ số “Cạnh tranh bình đẳng”\n\n"
                                             "a) Giao Phòng Tư pháp chủ trì rà soát văn bản.\n",
                                             lines),
                                PlanOf(2025, 2025));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::TaskDraft& draft = response.task_drafts(0);
  ASSERT_TRUE(draft.has_schedule());
  EXPECT_THAT(draft.schedule().milestones(), Not(IsEmpty()));
  EXPECT_EQ(Chars(draft.schedule().phrase()), 2000u);
  // Valid UTF-8 to the end.
  const std::string& phrase = draft.schedule().phrase();
  const auto* bytes = reinterpret_cast<const uint8_t*>(phrase.data());
  for (int32_t i = 0; i < static_cast<int32_t>(phrase.size());) {
    UChar32 c;
    U8_NEXT(bytes, i, static_cast<int32_t>(phrase.size()), c);
    ASSERT_GE(c, 0) << "at byte " << i;
  }
}

TEST_F(TaskExtractorTest, RecurringWordsAndLegalBasisDatesInTheTextAreNoDeadlines) {
  const auto response = Extract(
      absl::StrCat(kHeader,
                   "1. Chỉ số “Tính minh bạch và tiếp cận thông tin”\n\n"
                   "- Văn phòng HĐND và UBND huyện thường xuyên cập nhật tin bài hàng năm, định "
                   "kỳ hàng quý rà soát chuyên mục theo Kế hoạch số 118/KH-UBND ngày 02/6/2024 "
                   "của UBND huyện, trước ngày 15/6/2024 đã hoàn thành việc rà soát.\n"),
      PlanOf(2024, 2024));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  EXPECT_FALSE(response.task_drafts(0).has_schedule());
  EXPECT_EQ(CountCode(response, "NOT_A_DEADLINE"), 0);
}

TEST_F(TaskExtractorTest, ExplicitCompletionDateOfTheTaskIsItsDeadline) {
  const auto response = Extract(absl::StrCat(kHeader,
                                             "1. Chỉ số “Chi phí thời gian”\n\n"
                                             "- Giao Phòng Nội vụ chủ trì xây dựng quy chế đánh "
                                             "giá công chức, hoàn thành trước ngày 15/5/2025.\n"),
                                PlanOf(2025, 2025));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::Schedule& schedule = response.task_drafts(0).schedule();
  ASSERT_THAT(schedule.milestones(), SizeIs(1)) << schedule.ShortDebugString();
  EXPECT_EQ(schedule.milestones(0).due_date().year(), 2025);
  EXPECT_EQ(schedule.milestones(0).due_date().month(), 5);
  EXPECT_EQ(schedule.milestones(0).due_date().day(), 15);
}

TEST_F(TaskExtractorTest, CompletionDateBelongsToTheSentenceThatGivesIt) {
  const auto response = Extract(absl::StrCat(kHeader,
                                             "1. Chỉ số “Chi phí thời gian”\n\n"
                                             "- Phòng Tư pháp rà soát văn bản. Phòng Nội vụ xây "
                                             "dựng quy chế, hoàn thành trước ngày 30/6/2025.\n"),
                                PlanOf(2025, 2025));
  ASSERT_THAT(Leads(response), ElementsAre("Phòng Tư pháp", "Phòng Nội vụ"));
  EXPECT_FALSE(response.task_drafts(0).has_schedule());
  ASSERT_THAT(response.task_drafts(1).schedule().milestones(), SizeIs(1));
  EXPECT_EQ(response.task_drafts(1).schedule().milestones(0).due_date().month(), 6);
}

TEST_F(TaskExtractorTest, SubNumberedItemsKeepTheComponentOfTheirHeading) {
  const auto response = Import(
      "KẾ HOẠCH\n\nII. NỘI DUNG\n\n"
      "1. Cải cách thủ tục hành chính\n\n"
      "1.1. Giao Văn phòng UBND tỉnh chủ trì, phối hợp với Sở Tư pháp, Sở Thông tin và Truyền "
      "thông rà soát quy trình nội bộ.\n\n"
      "1.2. Sở Văn hóa, Thể thao và Du lịch; Sở Kế hoạch và Đầu tư tổ chức đối thoại doanh "
      "nghiệp.\n");
  ASSERT_THAT(Leads(response), ElementsAre("Văn phòng UBND tỉnh", "Sở Văn hóa, Thể thao và Du lịch",
                                           "Sở Kế hoạch và Đầu tư"));
  EXPECT_THAT(response.task_drafts(0).coordinating_units(),
              ElementsAre("Sở Tư pháp", "Sở Thông tin và Truyền thông"));
  for (const auto& draft : response.task_drafts()) {
    EXPECT_EQ(draft.framework(), "PAR_INDEX");
    EXPECT_EQ(draft.component(), "ADMIN_PROCEDURES");
  }
}

// ---- Tables -----------------------------------------------------------

TEST_F(TaskExtractorTest, TabSeparatedAppendixTableGivesOneDraftPerRow) {
  const auto response = Extract(
      "KẾ HOẠCH\n\nII. NỘI DUNG\n\n- Thực hiện các nhiệm vụ tại Phụ lục.\n\n"
      "Nơi nhận:\n- Lưu: VT.\n\n"
      "Phụ lục\n"
      "TT\tNội dung\tNhiệm vụ cụ thể\tSản phẩm\tThời gian thực hiện\tCơ quan chủ trì\n"
      "1.\tChỉ số SIPAS\tKhảo sát sự hài lòng của người dân\tBáo cáo khảo sát\tQuý II hằng "
      "năm\tPhòng Nội vụ\n"
      "\t\tNiêm yết thủ tục hành chính\tDanh mục\tThường xuyên\tCác phòng, đơn vị có liên quan\n"
      "\t\tvà cập nhật khi có thay đổi\tDanh mục cập nhật\t\t\n"
      "2.\tChỉ số PCI\tĐối thoại với doanh nghiệp\tHội nghị\tHàng năm\tPhòng Tài chính - Kế "
      "hoạch; Chi cục Thuế huyện\n",
      PlanOf(2023, 2025));
  ASSERT_THAT(Leads(response), ElementsAre("Phòng Nội vụ", "Các phòng, đơn vị có liên quan",
                                           "Phòng Tài chính - Kế hoạch", "Chi cục Thuế huyện"));
  const cv1::TaskDraft& survey = response.task_drafts(0);
  EXPECT_EQ(survey.framework(), "SIPAS");
  EXPECT_EQ(survey.deliverable(), "Báo cáo khảo sát");
  EXPECT_EQ(survey.title(), "Khảo sát sự hài lòng của người dân");
  ASSERT_THAT(survey.schedule().milestones(), SizeIs(1));
  EXPECT_EQ(survey.schedule().milestones(0).recurrence().quarter(), 2);
  // The row without a number continues the SIPAS group; the row without a
  // lead continues the task above.
  const cv1::TaskDraft& listing = response.task_drafts(1);
  EXPECT_EQ(listing.framework(), "SIPAS");
  EXPECT_EQ(listing.first_line(), 13);
  EXPECT_EQ(listing.last_line(), 14);
  EXPECT_THAT(listing.description(), HasSubstr("cập nhật khi có thay đổi"));
  EXPECT_TRUE(listing.schedule().milestones(0).has_continuous());
  EXPECT_EQ(response.task_drafts(2).framework(), "PCI");
  EXPECT_EQ(response.task_drafts(2).schedule().milestones(0).recurrence().frequency(),
            cv1::FREQUENCY_ANNUAL);
  EXPECT_NE(response.task_drafts(2).draft_id(), response.task_drafts(3).draft_id());
  EXPECT_EQ(CountCode(response, "COLLECTIVE_LEAD"), 1);
  EXPECT_EQ(CountCode(response, "SEVERAL_LEADS"), 1);
}

TEST_F(TaskExtractorTest, PipeSeparatedTableWithARuleRow) {
  const auto response = Extract(
      "KẾ HOẠCH\n\nII. NỘI DUNG\n\n"
      "| STT | Nhiệm vụ | Đơn vị chủ trì | Đơn vị phối hợp | Thời hạn |\n"
      "|---|---|---|---|---|\n"
      "| 1 | Rà soát thủ tục hành chính | Văn phòng HĐND và UBND huyện | Phòng Tư pháp | "
      "Quý III/2025 |\n"
      "| 2 | Công khai quy hoạch | Phòng Tài nguyên và Môi trường |  | Trước ngày "
      "30/9/2025 |\n",
      PlanOf(2025, 2025));
  ASSERT_THAT(Leads(response),
              ElementsAre("Văn phòng HĐND và UBND huyện", "Phòng Tài nguyên và Môi trường"));
  EXPECT_THAT(response.task_drafts(0).coordinating_units(), ElementsAre("Phòng Tư pháp"));
  EXPECT_EQ(response.task_drafts(0).schedule().milestones(0).period().index(), 3);
  EXPECT_EQ(response.task_drafts(1).schedule().milestones(0).due_date().day(), 30);
  EXPECT_EQ(response.task_drafts(1).first_line(), 8);
}

// ---- Draft ids, limits, truncation ------------------------------------

// Draft keys come from the lead and the task's words, not its lines: a
// document re-imported after a line was inserted above keeps its keys, so
// ImportTasks creates nothing twice.
TEST_F(TaskExtractorTest, DraftIdsSurviveInsertedLinesAndDifferPerLead) {
  const std::string body =
      "1. Chỉ số “Chi phí thời gian”\n\n"
      "- Phòng Tư pháp, Phòng Nội vụ rà soát quy trình.\n\n"
      "- Thanh tra huyện kiểm tra công vụ. Công an huyện bảo đảm an ninh.\n\n"
      "- Văn phòng HĐND và UBND huyện tổng hợp báo cáo.\n\n"
      "- Văn phòng HĐND và UBND huyện tổng hợp báo cáo.\n";
  const auto response = Import(absl::StrCat(kHeader, body));
  const auto shifted = Import(absl::StrCat(kHeader, "Ghi chú thêm của văn bản.\n\n", body));
  ASSERT_EQ(response.task_drafts_size(), 6);
  ASSERT_EQ(shifted.task_drafts_size(), 6);
  std::set<std::string> ids;
  for (int i = 0; i < response.task_drafts_size(); ++i) {
    const std::string& id = response.task_drafts(i).draft_id();
    EXPECT_LE(id.size(), 100u);
    ids.insert(id);
    EXPECT_EQ(id, shifted.task_drafts(i).draft_id()) << i;
    EXPECT_NE(response.task_drafts(i).first_line(), shifted.task_drafts(i).first_line());
  }
  EXPECT_EQ(ids.size(), 6u);  // per lead, and the repeated task gets a suffix
  EXPECT_EQ(response.task_drafts(5).draft_id(), response.task_drafts(4).draft_id() + "-2");
}

TEST_F(TaskExtractorTest, TitleAndDescriptionStayWithinTheirLimits) {
  std::string bullets;
  for (int i = 0; i < 120; ++i) {
    absl::StrAppend(&bullets,
                    "\n+ Rà soát, đánh giá và công khai kết quả giải quyết thủ tục "
                    "hành chính của từng lĩnh vực, nhất là đất đai, xây dựng, đầu tư "
                    "và kinh doanh trên địa bàn huyện.\n");
  }
  const auto response =
      Import(absl::StrCat(kHeader, "1. Chỉ số “Chi phí thời gian”\n\n- Giao Phòng Nội vụ chủ trì ",
                          std::string(80, 'x'), " thực hiện các nội dung sau:\n", bullets));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::TaskDraft& draft = response.task_drafts(0);
  EXPECT_LE(Chars(draft.title()), 500u);
  EXPECT_FALSE(draft.title().empty());
  EXPECT_LE(Chars(draft.description()), 10000u);
  EXPECT_EQ(draft.last_line(), 14 + 2 * 120);
}

TEST_F(TaskExtractorTest, TruncatedDocumentKeepsTheTaskAndWarns) {
  const auto response = Import(absl::StrCat(
      kHeader,
      "1. Chỉ số “Chi phí không chính thức”\n\n"
      "a) Giao Thanh tra huyện chủ trì phối hợp với Phòng Nội vụ xây dựng kế hoạch kiểm tra "
      "việc giải quyết thủ tục hành chính tại Bộ phận Một cửa huyện, xã và"));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  EXPECT_THAT(response.task_drafts(0).lead_units(), ElementsAre("Thanh tra huyện"));
  EXPECT_THAT(response.task_drafts(0).coordinating_units(), ElementsAre("Phòng Nội vụ"));
  EXPECT_EQ(CountCode(response, "TRUNCATED"), 1);
}

TEST_F(TaskExtractorTest, CompleteDocumentIsNotTruncated) {
  const auto response = Import(absl::StrCat(kHeader,
                                            "1. Chỉ số “Chi phí không chính thức”\n\n"
                                            "a) Giao Thanh tra huyện chủ trì kiểm tra công vụ.\n"));
  EXPECT_EQ(CountCode(response, "TRUNCATED"), 0);
}

TEST_F(TaskExtractorTest, DocumentEndingWithACompleteTableRowIsNotTruncated) {
  const auto response = Import(
      absl::StrCat(kHeader,
                   "1. Chỉ số “Chi phí không chính thức”\n\n"
                   "a) Giao Thanh tra huyện chủ trì kiểm tra công vụ.\n\n"
                   "PHỤ LỤC\n\n"
                   "| TT | Nhiệm vụ | Cơ quan chủ trì | Thời gian thực hiện |\n"
                   "|---|---|---|---|\n"
                   "| 1 | Rà soát thủ tục hành chính | Phòng Tư pháp | Quý II/2025 |\n"
                   "| 2 | Kiểm tra công vụ tại Bộ phận Một cửa | Phòng Nội vụ | Quý III/2025 |\n"));
  EXPECT_THAT(Leads(response), ElementsAre("Thanh tra huyện", "Phòng Tư pháp", "Phòng Nội vụ"));
  EXPECT_EQ(CountCode(response, "TRUNCATED"), 0);
}

// ---- Limits -----------------------------------------------------------

// "Phòng A0, Phòng A1, …" over `lines` lines of `per_line` names each.
std::string NameList(int lines, int per_line) {
  std::string out;
  for (int l = 0; l < lines; ++l) {
    for (int i = 0; i < per_line; ++i) {
      absl::StrAppend(&out, l == 0 && i == 0 ? "" : ", ", "Phòng A", l * per_line + i);
    }
    if (l + 1 < lines) out += "\n";
  }
  return out;
}

TEST_F(TaskExtractorTest, LongLeadListIsCutAtFiftyNames) {
  // Read in time quadratic in the list (15 s for this one in Release).
  const auto response = Extract(absl::StrCat(kHeader,
                                             "1. Chỉ số “Chi phí không chính thức”\n\n"
                                             "- Giao ",
                                             NameList(5, 1000), " chủ trì rà soát văn bản.\n"),
                                PlanOf(2025, 2025));
  ASSERT_THAT(response.task_drafts(), SizeIs(50));
  EXPECT_THAT(response.task_drafts(0).lead_units(), ElementsAre("Phòng A0"));
  EXPECT_THAT(response.task_drafts(49).lead_units(), ElementsAre("Phòng A49"));
  bool named = false;
  for (const auto& warning : response.warnings()) {
    if (warning.code() == "TRUNCATED") named = named || absl::StrContains(warning.message(), "50");
  }
  EXPECT_TRUE(named);
  EXPECT_EQ(CountCode(response, "SEVERAL_LEADS"), 1);
}

TEST_F(TaskExtractorTest, VeryLongListsDoNotOverflowTheStack) {
  // ~290 KB of names: one stack frame per comma overflowed the stack.
  const std::string list = NameList(20, 1100);
  const auto response =
      Extract(absl::StrCat(kHeader,
                           "1. Chỉ số “Chi phí không chính thức”\n\n"
                           "- Giao Thanh tra huyện chủ trì, phối hợp với ",
                           list, " kiểm tra công vụ.\n\n- ", list, " thực hiện rà soát.\n"),
              PlanOf(2025, 2025));
  ASSERT_GE(response.task_drafts_size(), 1);
  EXPECT_LE(response.task_drafts_size(), 51);
  EXPECT_THAT(response.task_drafts(0).lead_units(), ElementsAre("Thanh tra huyện"));
  EXPECT_THAT(response.task_drafts(0).coordinating_units(), SizeIs(50));
  EXPECT_GE(CountCode(response, "TRUNCATED"), 2);
}

TEST_F(TaskExtractorTest, DraftsStopAtTheImportLimit) {
  std::string bullets;
  for (int i = 0; i < 1500; ++i) {
    absl::StrAppend(&bullets, "- Giao Phòng X", i, " chủ trì rà soát thủ tục hành chính.\n");
  }
  const auto response =
      Extract(absl::StrCat(kHeader, "1. Chỉ số “Chi phí không chính thức”\n\n", bullets),
              PlanOf(2025, 2025));
  ASSERT_THAT(response.task_drafts(), SizeIs(1000));
  EXPECT_THAT(response.task_drafts(999).lead_units(), ElementsAre("Phòng X999"));
  ASSERT_EQ(CountCode(response, "TRUNCATED"), 1);
  for (const auto& warning : response.warnings()) {
    if (warning.code() == "TRUNCATED") {
      EXPECT_THAT(warning.message(), HasSubstr("1000"));
    }
  }
}

// ---- Sentences inside a lead's group ------------------------------------

TEST_F(TaskExtractorTest, DescriptiveSentencesInChildBulletsOpenNoTask) {
  const auto response = Extract(
      absl::StrCat(kHeader,
                   "1. Chỉ số “Tính minh bạch và tiếp cận thông tin”\n\n"
                   "a) Giao Văn phòng HĐND và UBND huyện chủ trì, phối hợp với các phòng chuyên "
                   "môn thực hiện:\n\n"
                   "- Nâng cấp hệ thống. Phòng họp trực tuyến được trang bị màn hình mới.\n\n"
                   "- Vận hành ổn định. Trung tâm dữ liệu được sao lưu hằng ngày.\n\n"
                   "- Đài truyền thanh các xã phát sóng bản tin hằng tuần.\n\n"
                   "* Thời gian thực hiện: Quý I/2025\n"),
      PlanOf(2025, 2025));
  ASSERT_THAT(response.task_drafts(), SizeIs(1));
  const cv1::TaskDraft& draft = response.task_drafts(0);
  EXPECT_THAT(draft.lead_units(), ElementsAre("Văn phòng HĐND và UBND huyện"));
  ASSERT_THAT(draft.schedule().milestones(), SizeIs(1));
  const cv1::CalendarPeriod& period = draft.schedule().milestones(0).period();
  EXPECT_EQ(period.year(), 2025);
  EXPECT_EQ(period.kind(), cv1::CalendarPeriod::KIND_QUARTER);
  EXPECT_EQ(period.index(), 1);
  EXPECT_THAT(draft.description(), HasSubstr("Đài truyền thanh các xã phát sóng"));
}

TEST_F(TaskExtractorTest, UnitWithALeadPredicateInsideAGroupOpensATask) {
  const auto response = Extract(
      absl::StrCat(kHeader,
                   "1. Chỉ số “Tính minh bạch và tiếp cận thông tin”\n\n"
                   "a) Giao Văn phòng HĐND và UBND huyện chủ trì thực hiện:\n\n"
                   "- Cập nhật trang thông tin điện tử. Phòng Nội vụ chủ trì rà soát thủ tục.\n"),
      PlanOf(2025, 2025));
  EXPECT_THAT(Leads(response), ElementsAre("Văn phòng HĐND và UBND huyện", "Phòng Nội vụ"));
}

TEST_F(TaskExtractorTest, SubjectNamesEndAtTheirVerb) {
  const auto response =
      Extract(absl::StrCat(kHeader,
                           "1. Chỉ số “Đào tạo lao động”\n\n"
                           "- Phòng Nội vụ tập huấn cho cán bộ, công chức.\n\n"
                           "- Trung tâm Chính trị huyện bồi dưỡng kỹ năng cho cán bộ.\n\n"
                           "- Phòng Văn hóa và Thông tin số hóa hồ sơ lưu trữ.\n\n"
                           "- Phòng Kinh tế thành lập tổ công tác.\n\n"
                           "- Đoàn Thanh niên huyện phát động phong trào thanh niên.\n\n"
                           "- Phòng Lao động đào tạo nghề cho lao động nông thôn.\n\n"
                           "- Phòng Tài chính lập dự toán kinh phí.\n\n"
                           "- Phòng Giáo dục và đào tạo rà soát đội ngũ giáo viên.\n\n"
                           "- Trung tâm bồi dưỡng chính trị huyện tổ chức lớp học.\n"),
              PlanOf(2025, 2025));
  EXPECT_THAT(
      Leads(response),
      ElementsAre("Phòng Nội vụ", "Trung tâm Chính trị huyện", "Phòng Văn hóa và Thông tin",
                  "Phòng Kinh tế", "Đoàn Thanh niên huyện", "Phòng Lao động", "Phòng Tài chính",
                  "Phòng Giáo dục và đào tạo", "Trung tâm bồi dưỡng chính trị huyện"));
}

TEST_F(TaskExtractorTest, FactsNameTheDraftsAndTheirLines) {
  const auto response = Import(absl::StrCat(kHeader,
                                            "1. Chỉ số “Chi phí không chính thức”\n\n"
                                            "a) Giao Thanh tra huyện chủ trì, phối hợp với Phòng "
                                            "Nội vụ kiểm tra công vụ.\n"));
  bool lead = false;
  bool coordinating = false;
  for (const auto& fact : response.facts()) {
    if (fact.field() == "task_drafts[0].lead_units") {
      lead = true;
      EXPECT_EQ(fact.value(), "Thanh tra huyện");
      EXPECT_EQ(fact.first_line(), 14);
    }
    if (fact.field() == "task_drafts[0].coordinating_units") {
      coordinating = true;
      EXPECT_EQ(fact.value(), "Phòng Nội vụ");
    }
  }
  EXPECT_TRUE(lead);
  EXPECT_TRUE(coordinating);
}

}  // namespace
}  // namespace chiso::plan::document
