#include "services/plan/document/document.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::plan::document {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FoldTest, LowersAndDropsDiacriticsKeepingPunctuationAndDigits) {
  const Folded folded = Fold("Chỉ tiêu: đạt trên 7,80 điểm (Năm 2019 được 20/23)");
  EXPECT_EQ(folded.text, "chi tieu: dat tren 7,80 diem (nam 2019 duoc 20/23)");
  ASSERT_EQ(folded.origin.size(), folded.text.size() + 1);
}

TEST(FoldTest, MapsBackToTheOriginalWords) {
  Block block;
  block.text = "Giao Văn phòng Sở chủ trì";
  block.folded = Fold(block.text);
  const size_t begin = block.folded.text.find("van phong so");
  ASSERT_NE(begin, std::string::npos);
  EXPECT_EQ(block.Original(begin, begin + std::string("van phong so").size()), "Văn phòng Sở");
}

TEST(FoldTest, DecomposedInputFoldsLikePrecomposed) {
  // "ế" written as e + U+0302 + U+0301 after NFC in ParseDocument; Fold
  // itself drops stray combining marks.
  EXPECT_EQ(Fold("ke\xCC\x82\xCC\x81 hoa\xCC\xA3\x63h").text, "ke hoach");
}

TEST(ParseDocumentTest, RecognisesMarkersAndKeepsLineNumbers) {
  auto doc = ParseDocument(
      "KẾ HOẠCH\n\nII. NỘI DUNG\n\n1. Chỉ số “Chi phí thời gian”\n\n- Chỉ tiêu: đạt trên 7,5 "
      "điểm.\n+ Phòng Nội vụ chủ trì.\na) Giao Thanh tra huyện chủ trì:\nđ) Nội dung khác.\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 7u);
  EXPECT_EQ(doc->blocks[0].kind, BlockKind::kParagraph);
  EXPECT_EQ(doc->blocks[1].kind, BlockKind::kRoman);
  EXPECT_EQ(doc->blocks[1].marker, "II");
  EXPECT_EQ(doc->blocks[1].first_line, 3);
  EXPECT_EQ(doc->blocks[2].kind, BlockKind::kNumber);
  EXPECT_EQ(doc->blocks[2].text, "Chỉ số “Chi phí thời gian”");
  EXPECT_EQ(doc->blocks[3].kind, BlockKind::kBullet);
  EXPECT_EQ(doc->blocks[3].marker, "-");
  EXPECT_EQ(doc->blocks[4].marker, "+");
  EXPECT_EQ(doc->blocks[5].kind, BlockKind::kLetter);
  EXPECT_TRUE(doc->blocks[5].ends_with_colon);
  EXPECT_EQ(doc->blocks[6].marker, "đ");
  EXPECT_EQ(doc->blocks[6].first_line, 10);
}

TEST(ParseDocumentTest, StripsMarkdownAndFootnoteMarkers) {
  auto doc = ParseDocument(
      "## KẾ HOẠCH\n* **Lãnh đạo phụ trách:** Chủ tịch UBND xã.\n"
      "a) **Giao Thanh tra huyện** chủ trì trang thông tin⁽¹⁾ của huyện.\n"
      "⁽¹⁾ Chú thích của trang.\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 4u);
  EXPECT_EQ(doc->blocks[0].hashes, 2);
  EXPECT_EQ(doc->blocks[0].text, "KẾ HOẠCH");
  EXPECT_EQ(doc->blocks[1].kind, BlockKind::kBullet);
  EXPECT_EQ(doc->blocks[1].text, "Lãnh đạo phụ trách: Chủ tịch UBND xã.");
  EXPECT_EQ(doc->blocks[2].text, "Giao Thanh tra huyện chủ trì trang thông tin của huyện.");
  EXPECT_EQ(doc->blocks[3].kind, BlockKind::kFootnote);
}

TEST(ParseDocumentTest, JoinsASentenceBrokenOverABlankLine) {
  auto doc = ParseDocument(
      "- Giao Văn phòng Sở chủ trì cùng Thanh tra Sở soạn quy chế tiếp nhận phản ánh và cải\n\n"
      "thiện chỉ số “Tính minh bạch”, cụ thể:\n\n- Tiếp theo.\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 2u);
  EXPECT_THAT(doc->blocks[0].text, HasSubstr("phản ánh và cải thiện chỉ số"));
  EXPECT_EQ(doc->blocks[0].first_line, 1);
  EXPECT_EQ(doc->blocks[0].last_line, 3);
}

TEST(ParseDocumentTest, DoesNotJoinAHeadingToTheParagraphAfterIt) {
  auto doc = ParseDocument("KẾ HOẠCH\nThực hiện cải thiện chỉ số năm 2024\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->blocks.size(), 2u);
}

TEST(ParseDocumentTest, SplitsTableRowsIntoCells) {
  auto doc = ParseDocument(
      "TT\tNội dung\tThời gian\tCơ quan chủ trì\n1.\tChỉ số PAPI\tThường xuyên\tPhòng Nội vụ\n"
      "----\t----\t----\t----\n| 2. | Chỉ số PCI | Hàng năm | Thanh tra huyện |\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 4u);
  EXPECT_EQ(doc->blocks[1].kind, BlockKind::kTableRow);
  EXPECT_THAT(doc->blocks[1].cells,
              ElementsAre("1.", "Chỉ số PAPI", "Thường xuyên", "Phòng Nội vụ"));
  EXPECT_EQ(doc->blocks[2].kind, BlockKind::kRule);
  EXPECT_THAT(doc->blocks[3].cells, ElementsAre("2.", "Chỉ số PCI", "Hàng năm", "Thanh tra huyện"));
}

TEST(ParseDocumentTest, BoldAfterALetterMarkerIsAHeadingNotJoinedToTheNextParagraph) {
  auto doc = ParseDocument(
      "b) **Phòng Giáo dục và Đào tạo, Phòng Y tế, Trung tâm Y tế huyện, Ban Quản lý chợ "
      "huyện và Hội Nông dân huyện cùng tham gia**\n\n"
      "Mỗi đơn vị cử một đầu mối theo dõi phản ánh của người dân trong năm.\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 2u);
  EXPECT_EQ(doc->blocks[0].kind, BlockKind::kLetter);
  EXPECT_TRUE(doc->blocks[0].bold);
}

TEST(ParseDocumentTest, LeadingTabsContinueARowButOnlyIndentAParagraph) {
  auto doc = ParseDocument(
      "1.\tChỉ số PAPI\tTuyên truyền\tThường xuyên\tPhòng Nội vụ\n"
      "\t\tvà cập nhật thông tin\t\t\n"
      "\n"
      "\tMột đoạn văn thụt lề.\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 3u);
  EXPECT_EQ(doc->blocks[1].kind, BlockKind::kTableRow);
  EXPECT_THAT(doc->blocks[1].cells, ElementsAre("", "", "và cập nhật thông tin"));
  EXPECT_EQ(doc->blocks[2].kind, BlockKind::kParagraph);
  EXPECT_EQ(doc->blocks[2].text, "Một đoạn văn thụt lề.");
}

TEST(ParseDocumentTest, ReadsCrLfAndNfdText) {
  auto doc = ParseDocument("Ke\xCC\x82\xCC\x81 hoa\xCC\xA3\x63h\r\nDo\xCC\xA3ng\r\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 2u);
  EXPECT_EQ(doc->blocks[0].text, "Kế hoạch");
  EXPECT_EQ(doc->blocks[0].folded.text, "ke hoach");
}

TEST(ParseDocumentTest, RejectsBinaryNonUtf8EmptyAndOversizedInput) {
  EXPECT_EQ(ParseDocument(std::string("PK\x03\x04\0\0", 6)).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto latin1 = ParseDocument("K\xC9 HO\xC0\x43H");
  EXPECT_EQ(latin1.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(latin1.status().message()), HasSubstr("not UTF-8"));
  EXPECT_EQ(ParseDocument(" \n\t\n").status().code(), absl::StatusCode::kInvalidArgument);
  DocumentLimits limits;
  limits.max_bytes = 10;
  auto big = ParseDocument("KẾ HOẠCH số 1 năm 2024", limits);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(big.status().message()), HasSubstr("limit of 10 bytes"));
}

TEST(ParseDocumentTest, CutsOverlongLinesAndSaysWhich) {
  DocumentLimits limits;
  limits.max_line_bytes = 20;
  auto doc = ParseDocument(absl::StrCat("Ngắn.\n", std::string(100, 'X'), "\n"), limits);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_THAT(doc->cut_lines, ElementsAre(2));
  EXPECT_EQ(doc->blocks[1].text.size(), 20u);
}

TEST(ParseDocumentTest, RecognisesSubItemsParenthesisedNumbersAndLettersWithADot) {
  auto doc = ParseDocument(
      "1.1 Giao Phòng Nội vụ chủ trì.\n1.2 Giao Phòng Tư pháp chủ trì.\n"
      "(3) Giao Thanh tra huyện chủ trì.\na. Phòng Y tế thực hiện.\nb. Phòng Giáo dục thực "
      "hiện.\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 5u);
  EXPECT_EQ(doc->blocks[0].kind, BlockKind::kNumber);
  EXPECT_EQ(doc->blocks[0].marker, "1.1");
  EXPECT_EQ(doc->blocks[1].marker, "1.2");
  EXPECT_EQ(doc->blocks[2].kind, BlockKind::kNumber);
  EXPECT_EQ(doc->blocks[2].marker, "3");
  EXPECT_EQ(doc->blocks[2].text, "Giao Thanh tra huyện chủ trì.");
  EXPECT_EQ(doc->blocks[3].kind, BlockKind::kLetter);
  EXPECT_EQ(doc->blocks[4].marker, "b");
}

TEST(ParseDocumentTest, SourceTextOfAHugeRangeStopsAtItsLimit) {
  std::string text;
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&text, "dòng tiếp theo số ", i, "\n");
  auto doc = ParseDocument(text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  const std::string source = doc->SourceText(1, 20000, 600);
  EXPECT_LE(source.size(), 600u);
  EXPECT_TRUE(absl::EndsWith(source, "…"));
}

TEST(ParseDocumentTest, ManyContinuationLinesOfARowStayInItsLastCell) {
  std::string text = "1.\tChỉ số PAPI\tPhòng Nội vụ\n";
  for (int i = 0; i < 3000; ++i) text += "và tiếp tục nội dung\n";
  auto doc = ParseDocument(text);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->blocks.size(), 1u);
  EXPECT_EQ(doc->blocks[0].last_line, 3001);
  EXPECT_TRUE(absl::EndsWith(doc->blocks[0].text, "và tiếp tục nội dung"));
  EXPECT_TRUE(absl::StartsWith(doc->blocks[0].text, "1. | Chỉ số PAPI | Phòng Nội vụ"));
}

TEST(ParseDocumentTest, SourceTextJoinsTheOriginalLines) {
  auto doc = ParseDocument("Một  dòng\n\nhai\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->SourceText(1, 3), "Một dòng\nhai");
}

}  // namespace
}  // namespace chiso::plan::document
