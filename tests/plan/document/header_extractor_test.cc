// The header and closing block of a plan document: number, place, date,
// title, issuer, period, parent plans and legal bases, signer, recipients and
// funding (services/plan/document/extractors.h ExtractHeader).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/plan_domain.h"
#include "tests/plan/document/extractor_test_util.h"

namespace chiso::plan::document {
namespace {

namespace v1 = chiso::plan::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using test_util::Import;

// Shorter names for the fixtures below.
const v1::ExtractedFact* Fact(const v1::ImportPlanDocumentResponse& r, absl::string_view field) {
  return test_util::FactAbout(r, field);
}
std::vector<v1::ImportWarning> Warnings(const v1::ImportPlanDocumentResponse& r,
                                        absl::string_view code) {
  return test_util::WarningsWith(r, code);
}

// A district plan with a full header and closing block.
constexpr absl::string_view kDistrictPlan =
    "UBND HUYỆN BẮC SƠN\n"
    "\n"
    "Số: 125 /KH-UBND\n"
    "\n"
    "Bắc Sơn, ngày 05 tháng 9 năm 2023\n"
    "\n"
    "KẾ HOẠCH\n"
    "Cải thiện chỉ số năng lực cạnh tranh cấp huyện (DDCI)\n"
    "huyện Bắc Sơn giai đoạn 2023 - 2025\n"
    "\n"
    "Thực hiện Kế hoạch số 12/KH-UBND ngày 3/2/2023 của UBND tỉnh về triển khai đánh giá "
    "DDCI năm 2023 (Kế hoạch số 12/KH-UBND); Nghị quyết số 05/NQ-HĐND ngày 10/12/2022 của "
    "HĐND tỉnh về phát triển kinh tế; Công văn số 99/UBND-KT ngày 15/01/2023 của UBND tỉnh. "
    "UBND huyện Bắc Sơn xây dựng Kế hoạch như sau:\n"
    "\n"
    "I. MỤC ĐÍCH, YÊU CẦU\n"
    "\n"
    "Nâng cao điểm số các chỉ số thành phần.\n"
    "\n"
    "II. KINH PHÍ THỰC HIỆN\n"
    "\n"
    "Ngân sách huyện theo phân cấp hiện hành.\n"
    "\n"
    "III. TỔ CHỨC THỰC HIỆN\n"
    "\n"
    "Các phòng, ban triển khai thực hiện./.\n"
    "\n"
    "Nơi nhận:\n"
    "- UBND tỉnh (b/c);\n"
    "- Các phòng chuyên môn;\n"
    "- Lưu: VT.\n"
    "\n"
    "**KT. CHỦ TỊCH\n"
    "PHÓ CHỦ TỊCH**\n"
    "\n"
    "Hoàng Văn Bình\n";

TEST(HeaderExtractorTest, ReadsNumberPlaceAndDate) {
  const v1::ImportPlanDocumentResponse r = Import(kDistrictPlan);
  EXPECT_EQ(r.plan().number(), "125/KH-UBND");
  EXPECT_EQ(r.plan().place(), "Bắc Sơn");
  EXPECT_EQ(r.plan().issued_on().year(), 2023);
  EXPECT_EQ(r.plan().issued_on().month(), 9);
  EXPECT_EQ(r.plan().issued_on().day(), 5);
  const v1::ExtractedFact* number = Fact(r, "plan.number");
  ASSERT_NE(number, nullptr);
  EXPECT_EQ(number->first_line(), 3);
  const v1::ExtractedFact* date = Fact(r, "plan.issued_on");
  ASSERT_NE(date, nullptr);
  EXPECT_EQ(date->value(), "2023-09-05");
  EXPECT_EQ(date->first_line(), 5);
  EXPECT_THAT(Warnings(r, "NO_NUMBER"), IsEmpty());
  EXPECT_THAT(Warnings(r, "NO_DATE"), IsEmpty());
}

TEST(HeaderExtractorTest, TitleSpansLinesAndGivesThePeriod) {
  const v1::ImportPlanDocumentResponse r = Import(kDistrictPlan);
  EXPECT_EQ(r.plan().title(),
            "Cải thiện chỉ số năng lực cạnh tranh cấp huyện (DDCI) huyện Bắc Sơn giai đoạn "
            "2023 - 2025");
  const v1::ExtractedFact* title = Fact(r, "plan.title");
  ASSERT_NE(title, nullptr);
  EXPECT_EQ(title->first_line(), 8);
  EXPECT_EQ(title->last_line(), 9);
  EXPECT_EQ(r.plan().period().start_year(), 2023);
  EXPECT_EQ(r.plan().period().end_year(), 2025);
}

TEST(HeaderExtractorTest, ParentPlansAndLegalBasesKeepTheirDatesOutOfTheSchedule) {
  const v1::ImportPlanDocumentResponse r = Import(kDistrictPlan);
  ASSERT_EQ(r.plan().parent_plans_size(), 1);
  const auto& parent = r.plan().parent_plans(0);
  EXPECT_EQ(parent.number(), "12/KH-UBND");
  EXPECT_EQ(parent.issued_on().year(), 2023);
  EXPECT_EQ(parent.issued_on().month(), 2);
  EXPECT_EQ(parent.issued_on().day(), 3);
  EXPECT_EQ(parent.issuer().display_name(), "UBND tỉnh");
  EXPECT_EQ(parent.title(), "Kế hoạch");
  ASSERT_EQ(r.plan().legal_bases_size(), 2);
  EXPECT_EQ(r.plan().legal_bases(0).number(), "05/NQ-HĐND");
  EXPECT_EQ(r.plan().legal_bases(0).title(), "Nghị quyết");
  EXPECT_EQ(r.plan().legal_bases(0).issuer().display_name(), "HĐND tỉnh");
  EXPECT_EQ(r.plan().legal_bases(1).number(), "99/UBND-KT");
  EXPECT_EQ(r.plan().legal_bases(1).issued_on().day(), 15);
  // The references' dates are neither the plan's date nor report deadlines.
  EXPECT_EQ(r.plan().issued_on().year(), 2023);
  EXPECT_EQ(r.plan().issued_on().month(), 9);
  EXPECT_THAT(r.plan().reporting_rules(), IsEmpty());
  ASSERT_NE(Fact(r, "plan.parent_plans[0]"), nullptr);
  EXPECT_EQ(Fact(r, "plan.parent_plans[0]")->first_line(), 11);
}

TEST(HeaderExtractorTest, IssuerFromTheOpeningUnlessTheCallerGaveOne) {
  EXPECT_EQ(Import(kDistrictPlan).plan().issuer().display_name(), "UBND huyện Bắc Sơn");
  EXPECT_EQ(Import(kDistrictPlan, "Ủy ban nhân dân huyện Bắc Sơn").plan().issuer().display_name(),
            "Ủy ban nhân dân huyện Bắc Sơn");
}

TEST(HeaderExtractorTest, SignerRecipientsAndFunding) {
  const v1::ImportPlanDocumentResponse r = Import(kDistrictPlan);
  EXPECT_EQ(r.plan().signer().authority(), "KT. CHỦ TỊCH");
  EXPECT_EQ(r.plan().signer().post(), "PHÓ CHỦ TỊCH");
  EXPECT_EQ(r.plan().signer().full_name(), "Hoàng Văn Bình");
  EXPECT_THAT(r.plan().recipients(),
              ElementsAre("UBND tỉnh (b/c)", "Các phòng chuyên môn", "Lưu: VT"));
  EXPECT_EQ(r.plan().funding(), "Ngân sách huyện theo phân cấp hiện hành.");
  ASSERT_NE(Fact(r, "plan.recipients[2]"), nullptr);
  EXPECT_EQ(Fact(r, "plan.recipients[2]")->first_line(), 28);
}

TEST(HeaderExtractorTest, BlankNumberKeepsTheSymbolAndWarns) {
  const v1::ImportPlanDocumentResponse r = Import(
      "Số:      /KH-UBND\n\nLộc Bình, ngày 20 tháng 4 năm 2024\n\nKẾ HOẠCH\n\n"
      "Nâng cao chỉ số DDCI năm 2024\n");
  EXPECT_EQ(r.plan().number(), "/KH-UBND");
  const auto warnings = Warnings(r, "NO_NUMBER");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].first_line(), 1);
  EXPECT_THAT(warnings[0].message(), HasSubstr("/KH-UBND"));
}

TEST(HeaderExtractorTest, BlankDayLeavesTheDateUnsetAndKeepsTheMonth) {
  const v1::ImportPlanDocumentResponse r = Import(
      "Số: 7/KH-UBND\n\nLộc Bình, ngày    tháng 11 năm 2024\n\nKẾ HOẠCH\n\n"
      "Nâng cao chỉ số DDCI năm 2024\n");
  EXPECT_EQ(r.plan().place(), "Lộc Bình");
  EXPECT_FALSE(r.plan().has_issued_on());
  const auto warnings = Warnings(r, "NO_DATE");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0].message(), HasSubstr("11/2024"));
  EXPECT_EQ(warnings[0].first_line(), 3);
}

TEST(HeaderExtractorTest, ImpossibleDateOfIssueIsAWarning) {
  const v1::ImportPlanDocumentResponse r =
      Import("Số: 7/KH-UBND\n\nLộc Bình, ngày 31 tháng 4 năm 2024\n\nKẾ HOẠCH\n\nVề DDCI\n");
  EXPECT_FALSE(r.plan().has_issued_on());
  EXPECT_EQ(Warnings(r, "BAD_DATE").size(), 1u);
}

TEST(HeaderExtractorTest, LongTitleFollowedByTheBasisSentenceIsCut) {
  // The document reader joins a long title with the paragraph after it.
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\n"
      "Duy trì và nâng cao Chỉ số cải cách hành chính (PAR INDEX) và Chỉ số hài lòng (SIPAS) "
      "của Sở Xây dựng năm 2023\n\n"
      "Căn cứ Kế hoạch số 30/KH-UBND ngày 14/02/2023 của UBND tỉnh về cải cách hành chính "
      "năm 2023, Sở Xây dựng ban hành Kế hoạch như sau:\n\n"
      "I. MỤC ĐÍCH\n");
  EXPECT_EQ(r.plan().title(),
            "Duy trì và nâng cao Chỉ số cải cách hành chính (PAR INDEX) và Chỉ số hài lòng "
            "(SIPAS) của Sở Xây dựng năm 2023");
  EXPECT_EQ(Fact(r, "plan.title")->last_line(), 3);
  EXPECT_EQ(r.plan().period().start_year(), 2023);
  EXPECT_EQ(r.plan().period().end_year(), 2023);
  ASSERT_EQ(r.plan().parent_plans_size(), 1);
  EXPECT_EQ(r.plan().parent_plans(0).number(), "30/KH-UBND");
  EXPECT_EQ(r.plan().issuer().display_name(), "Sở Xây dựng");
}

TEST(HeaderExtractorTest, IssuerFromTheTitle) {
  const v1::ImportPlanDocumentResponse r =
      Import("KẾ HOẠCH\n\nNâng cao chỉ số DDCI của Sở Công Thương năm 2021\n\nI. MỤC ĐÍCH\n");
  EXPECT_EQ(r.plan().issuer().display_name(), "Sở Công Thương");
  EXPECT_THAT(Warnings(r, "NO_ISSUER"), IsEmpty());
}

TEST(HeaderExtractorTest, PlanNamedInsideAnotherReferenceIsALegalBasis) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nCải thiện chỉ số PCI năm 2022\n\n"
      "Căn cứ Kế hoạch số 7/KH-UBND ngày 9/3/2022 của UBND tỉnh về thực hiện Kế hoạch số "
      "3-KH/TU ngày 1/12/2021 của Tỉnh ủy về cải thiện môi trường kinh doanh;\n\nI. MỤC ĐÍCH\n");
  ASSERT_EQ(r.plan().parent_plans_size(), 1);
  EXPECT_EQ(r.plan().parent_plans(0).number(), "7/KH-UBND");
  ASSERT_EQ(r.plan().legal_bases_size(), 1);
  EXPECT_EQ(r.plan().legal_bases(0).number(), "3-KH/TU");
  EXPECT_EQ(r.plan().legal_bases(0).issuer().display_name(), "Tỉnh ủy");
}

TEST(HeaderExtractorTest, FootnoteMarkersDoNotHideAReference) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nCải thiện chỉ số PCI năm 2022\n\n"
      "Thực hiện Kế hoạch số 45/KH-UBND¹ ngày 9/3/2022 của UBND tỉnh;\n\nI. MỤC ĐÍCH\n\n"
      "¹ Kế hoạch cải thiện chỉ số PCI của tỉnh.\n");
  ASSERT_EQ(r.plan().parent_plans_size(), 1);
  EXPECT_EQ(r.plan().parent_plans(0).number(), "45/KH-UBND");
  EXPECT_EQ(r.plan().parent_plans(0).issued_on().month(), 3);
}

TEST(HeaderExtractorTest, DocumentWithoutHeaderWarnsForWhatIsMissing) {
  const v1::ImportPlanDocumentResponse r =
      Import("Các đơn vị tiếp tục thực hiện cải cách hành chính trong năm.\n");
  EXPECT_TRUE(r.plan().number().empty());
  EXPECT_TRUE(r.plan().title().empty());
  EXPECT_EQ(Warnings(r, "NO_NUMBER").size(), 1u);
  EXPECT_EQ(Warnings(r, "NO_DATE").size(), 1u);
  EXPECT_EQ(Warnings(r, "NO_TITLE").size(), 1u);
  EXPECT_EQ(Warnings(r, "NO_ISSUER").size(), 1u);
  EXPECT_FALSE(r.plan().has_signer());
}

TEST(HeaderExtractorTest, TruncatedDocumentsDoNotFail) {
  for (absl::string_view text :
       {"Số: 5/KH-UBND", "Số: 5/KH-UBND\n\nKẾ HOẠCH", "KẾ HOẠCH\n\nThực hiện Kế hoạch số",
        "KẾ HOẠCH\n\nNâng cao\n\nThực hiện Kế hoạch số 12/KH-UBND ngày", "Nơi nhận:",
        "Nơi nhận:\n- UBND tỉnh;\n\nGIÁM ĐỐC", "II. KINH PHÍ", "**TM. ỦY BAN NHÂN DÂN"}) {
    SCOPED_TRACE(text);
    const v1::ImportPlanDocumentResponse r = Import(text);
    EXPECT_EQ(r.plan().status(), v1::PLAN_STATUS_DRAFT);
  }
  const v1::ImportPlanDocumentResponse r =
      Import("KẾ HOẠCH\n\nNâng cao\n\nThực hiện Kế hoạch số 12/KH-UBND ngày");
  ASSERT_EQ(r.plan().parent_plans_size(), 1);
  EXPECT_FALSE(r.plan().parent_plans(0).has_issued_on());
}

TEST(HeaderExtractorTest, SignatureWithoutRecipientsList) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số SIPAS năm 2022\n\nI. MỤC ĐÍCH\n\nNâng cao sự hài lòng.\n\n"
      "GIÁM ĐỐC\n\nTrần Thị Hoa\n");
  EXPECT_EQ(r.plan().signer().post(), "GIÁM ĐỐC");
  EXPECT_EQ(r.plan().signer().full_name(), "Trần Thị Hoa");
  EXPECT_THAT(r.plan().recipients(), IsEmpty());
}

TEST(HeaderExtractorTest, OnBehalfOfTheCommitteeAndDeputisingForTheHead) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số PAPI năm 2022\n\nNơi nhận:\n- Như trên;\n\n"
      "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\n(Đã ký)\n\nĐinh Thị Lan\n");
  EXPECT_EQ(r.plan().signer().authority(), "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH");
  EXPECT_EQ(r.plan().signer().post(), "PHÓ CHỦ TỊCH");
  EXPECT_EQ(r.plan().signer().full_name(), "Đinh Thị Lan");
  const v1::ExtractedFact* signer = Fact(r, "plan.signer");
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->first_line(), 8);
  EXPECT_EQ(signer->last_line(), 14);
}

TEST(HeaderExtractorTest, FundingOnTheHeadingLine) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số DDCI năm 2024\n\n"
      "III. NGUỒN KINH PHÍ THỰC HIỆN: Từ nguồn ngân sách huyện năm 2024.\n\n"
      "IV. TỔ CHỨC THỰC HIỆN\n\n- Phòng Tài chính - Kế hoạch bố trí kinh phí thực hiện.\n");
  EXPECT_EQ(r.plan().funding(), "Từ nguồn ngân sách huyện năm 2024");
  ASSERT_NE(Fact(r, "plan.funding"), nullptr);
  EXPECT_EQ(Fact(r, "plan.funding")->first_line(), 5);
}

TEST(HeaderExtractorTest, AssigningMoneyIsNotAFundingSource) {
  const v1::ImportPlanDocumentResponse r = Import(
      "KẾ HOẠCH\n\nNâng cao chỉ số DDCI năm 2024\n\nI. TỔ CHỨC THỰC HIỆN\n\n"
      "- Phòng Tài chính - Kế hoạch tham mưu bố trí kinh phí để thực hiện Kế hoạch này.\n");
  EXPECT_TRUE(r.plan().funding().empty());
}

// The standard Word header and signature as tables (what DocxText gives and
// what a pasted document has): the cells are read one by one.
// A .docx header table whose cells hold several paragraphs arrives as one
// row ("… Số: 31/KH-UBND<tab>CỘNG HÒA … Hạnh phúc Tân Lập, ngày …"): each
// cell is cut where the number, the national name, the motto and the place
// and date start. The index of the plan still comes from its opening.
TEST(HeaderExtractorTest, AOneRowHeaderTableFromADocxIsCutIntoItsLines) {
  const v1::ImportPlanDocumentResponse r = Import(
      "ỦY BAN NHÂN DÂN HUYỆN TÂN LẬP Số: 31/KH-UBND\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập "
      "- Tự do - Hạnh phúc Tân Lập, ngày 8 tháng 4 năm 2025\n"
      "KẾ HOẠCH\n"
      "Nâng cao chỉ số đánh giá năng lực cạnh tranh huyện Tân Lập năm 2025\n"
      "\n"
      "I. MỤC TIÊU\n"
      "\n"
      "- Chỉ số “Tính minh bạch” đạt 8,10 điểm trở lên.\n");
  EXPECT_EQ(r.plan().number(), "31/KH-UBND");
  EXPECT_EQ(r.plan().place(), "Tân Lập");
  EXPECT_EQ(r.plan().issued_on().year(), 2025);
  EXPECT_EQ(r.plan().issued_on().month(), 4);
  EXPECT_EQ(r.plan().issued_on().day(), 8);
  EXPECT_THAT(Warnings(r, "NO_NUMBER"), IsEmpty());
  EXPECT_THAT(Warnings(r, "NO_DATE"), IsEmpty());
  ASSERT_EQ(r.plan().objectives_size(), 1);
  EXPECT_EQ(r.plan().objectives(0).framework(), "DDCI");
  EXPECT_EQ(r.plan().objectives(0).component(), "TRANSPARENCY");
}

TEST(HeaderExtractorTest, HeaderAndSignatureTables) {
  const v1::ImportPlanDocumentResponse r = Import(
      "ỦY BAN NHÂN DÂN\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
      "XÃ HOÀNG LIÊN\tĐộc lập - Tự do - Hạnh phúc\n"
      "Số: 72/KH-UBND\tHoàng Liên, ngày 14 tháng 10 năm 2025\n"
      "\n"
      "KẾ HOẠCH\n"
      "Nâng cao chất lượng phục vụ người dân năm 2025\n"
      "\n"
      "I. MỤC ĐÍCH\n"
      "\n"
      "Phục vụ người dân tốt hơn.\n"
      "\n"
      "Nơi nhận:\tTM. ỦY BAN NHÂN DÂN\n"
      "- Thường trực Đảng ủy xã;\tCHỦ TỊCH\n"
      "- Lưu: VT.\n"
      "\tTrần Văn Khải\n");
  EXPECT_EQ(r.plan().number(), "72/KH-UBND");
  EXPECT_EQ(r.plan().place(), "Hoàng Liên");
  EXPECT_EQ(r.plan().issued_on().year(), 2025);
  EXPECT_EQ(r.plan().issued_on().month(), 10);
  EXPECT_EQ(r.plan().issued_on().day(), 14);
  EXPECT_EQ(r.plan().title(), "Nâng cao chất lượng phục vụ người dân năm 2025");
  EXPECT_EQ(r.plan().issuer().display_name(), "UBND xã Hoàng Liên");
  ASSERT_NE(Fact(r, "plan.number"), nullptr);
  EXPECT_EQ(Fact(r, "plan.number")->first_line(), 3);
  EXPECT_THAT(Warnings(r, "NO_NUMBER"), IsEmpty());
  EXPECT_THAT(Warnings(r, "NO_DATE"), IsEmpty());
  EXPECT_THAT(Warnings(r, "NO_TITLE"), IsEmpty());
  EXPECT_THAT(Warnings(r, "NO_ISSUER"), IsEmpty());
  EXPECT_THAT(r.plan().recipients(), ElementsAre("Thường trực Đảng ủy xã", "Lưu: VT"));
  EXPECT_EQ(r.plan().signer().authority(), "TM. ỦY BAN NHÂN DÂN");
  EXPECT_EQ(r.plan().signer().post(), "CHỦ TỊCH");
  EXPECT_EQ(r.plan().signer().full_name(), "Trần Văn Khải");
}

// The plain header: the issuing body in capitals above the motto names the
// issuer when the opening does not.
TEST(HeaderExtractorTest, IssuerFromTheCapitalsAboveTheMotto) {
  const v1::ImportPlanDocumentResponse r = Import(
      "ỦY BAN NHÂN DÂN\nHUYỆN ĐÔNG KHÊ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
      "Độc lập - Tự do - Hạnh phúc\n\nSố: 9/KH-UBND\n\nĐông Khê, ngày 3 tháng 4 năm 2024\n\n"
      "KẾ HOẠCH\nTriển khai chuyển đổi số năm 2024\n\nI. MỤC ĐÍCH\n\nNâng cao hiệu quả.\n");
  EXPECT_EQ(r.plan().number(), "9/KH-UBND");
  EXPECT_EQ(r.plan().issued_on().day(), 3);
  EXPECT_EQ(r.plan().title(), "Triển khai chuyển đổi số năm 2024");
  EXPECT_EQ(r.plan().issuer().display_name(), "UBND huyện Đông Khê");
  EXPECT_THAT(Warnings(r, "NO_ISSUER"), IsEmpty());
}

// The opening sentence after the title is not part of it, as a paragraph of
// its own or joined to the title lines.
TEST(HeaderExtractorTest, TheTitleStopsAtTheOpeningSentence) {
  for (absl::string_view gap : {"\n\n", "\n"}) {
    const v1::ImportPlanDocumentResponse r = Import(absl::StrCat(
        "KẾ HOẠCH\nCải thiện Chỉ số năng lực cạnh tranh cấp huyện, thành phố (DDCI) huyện Tân "
        "Lạc năm 2025",
        gap,
        "Để nâng cao chất lượng điều hành kinh tế và cải thiện môi trường đầu tư, UBND huyện "
        "Tân Lạc xây dựng Kế hoạch như sau:\n\nI. MỤC ĐÍCH\n\nNâng cao điểm số.\n"));
    EXPECT_EQ(r.plan().title(),
              "Cải thiện Chỉ số năng lực cạnh tranh cấp huyện, thành phố (DDCI) huyện Tân Lạc năm "
              "2025")
        << "gap " << gap.size();
    EXPECT_EQ(r.plan().issuer().display_name(), "UBND huyện Tân Lạc") << "gap " << gap.size();
  }
}

// Overlong header fields are cut (with a TRUNCATED warning) so the plan
// passes the plan service's checks.
TEST(HeaderExtractorTest, OverlongFieldsAreCutToWhatAPlanMayHold) {
  std::string long_words;
  std::string long_upper;
  for (int i = 0; i < 400; ++i) {
    absl::StrAppend(&long_words, "chương trình ");
    absl::StrAppend(&long_upper, " CHƯƠNG TRÌNH");
  }
  std::string long_symbol = "KH";
  for (int i = 0; i < 14; ++i) absl::StrAppend(&long_symbol, "-UBND");
  const std::string text = absl::StrCat(
      "Số: 12/", long_symbol, "\n\nLạc Sơn, ngày 2 tháng 3 năm 2024\n\nKẾ HOẠCH\nNâng cao ",
      long_words, "năm 2024\n\nI. KINH PHÍ THỰC HIỆN\n\n", long_words, long_words,
      "\n\nII. TỔ CHỨC THỰC HIỆN\n\nCác phòng thực hiện.\n\nNơi nhận:\n- Phòng ", long_words,
      ";\n- Lưu: VT.\n\nCHỦ TỊCH", long_upper, ".\n\nNguyễn Văn An\n");
  v1::ImportPlanDocumentResponse r = Import(text, "UBND huyện Lạc Sơn");
  EXPECT_FALSE(r.plan().number().empty());
  EXPECT_FALSE(r.plan().title().empty());
  EXPECT_FALSE(r.plan().funding().empty());
  EXPECT_EQ(r.plan().recipients_size(), 2);
  EXPECT_FALSE(r.plan().signer().post().empty());
  std::vector<std::string> cut;
  for (const v1::ImportWarning& w : Warnings(r, "TRUNCATED")) cut.push_back(w.message());
  EXPECT_THAT(cut, testing::Contains(HasSubstr("plan.title")));
  EXPECT_THAT(cut, testing::Contains(HasSubstr("plan.funding")));
  EXPECT_THAT(cut, testing::Contains(HasSubstr("plan.recipients[0]")));
  EXPECT_THAT(cut, testing::Contains(HasSubstr("plan.number")));
  EXPECT_THAT(cut, testing::Contains(HasSubstr("plan.signer.post")));
  v1::Plan plan = r.plan();
  const absl::Status valid = ValidateAndNormalize(test_util::BuiltinCatalog(), plan);
  EXPECT_TRUE(valid.ok()) << valid;
}

}  // namespace
}  // namespace chiso::plan::document
