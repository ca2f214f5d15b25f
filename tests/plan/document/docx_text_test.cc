#include "services/plan/document/docx_text.h"

#include <zip.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::plan::document {
namespace {

using ::testing::HasSubstr;

constexpr char kContentTypes[] =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
    R"(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">)"
    R"(<Default Extension="xml" ContentType="application/xml"/>)"
    R"(<Override PartName="/word/document.xml" ContentType=)"
    R"("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>)"
    R"(</Types>)";

// A zip archive holding `files` (name and contents, in order), deflated,
// built in memory with libzip.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& files) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  EXPECT_NE(buffer, nullptr);
  zip_source_keep(buffer);  // survives zip_close, which fills it
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr) << zip_error_strerror(&error);
  for (const auto& [name, contents] : files) {
    zip_source_t* file = zip_source_buffer(archive, contents.data(), contents.size(), 0);
    EXPECT_GE(zip_file_add(archive, name.c_str(), file, ZIP_FL_ENC_UTF_8), 0)
        << zip_strerror(archive);
  }
  EXPECT_EQ(zip_close(archive), 0);

  std::string out;
  EXPECT_EQ(zip_source_open(buffer), 0);
  char chunk[4096];
  for (zip_int64_t n; (n = zip_source_read(buffer, chunk, sizeof chunk)) > 0;) {
    out.append(chunk, static_cast<size_t>(n));
  }
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&error);
  return out;
}

// A .docx whose word/document.xml is `document_xml`.
std::string Docx(const std::string& document_xml) {
  return Zip({{"[Content_Types].xml", kContentTypes}, {"word/document.xml", document_xml}});
}

// word/document.xml with `body` inside w:body, as Word writes it.
std::string DocumentXml(absl::string_view body) {
  return absl::StrCat(
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>)"
      "\r\n"
      R"(<w:document xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" )"
      R"(xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
      "<w:body>",
      body, R"(<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>)");
}

// A paragraph of one run.
std::string P(absl::string_view text) {
  return absl::StrCat("<w:p><w:r><w:t>", text, "</w:t></w:r></w:p>");
}

// A table cell of one paragraph per text.
std::string Tc(const std::vector<std::string>& paragraphs) {
  std::string cell = R"(<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>)";
  for (const std::string& text : paragraphs) cell += P(text);
  return cell + "</w:tc>";
}

absl::StatusOr<std::string> TextOf(absl::string_view body) {
  return DocxText(Docx(DocumentXml(body)));
}

// Rewrites the uncompressed size that `archive` (one entry, as Zip() writes
// it) declares for its entry, in the local header and the central directory.
void ForgeUncompressedSize(std::string& archive, uint32_t size) {
  auto put = [&](size_t offset) {
    for (int i = 0; i < 4; ++i) archive[offset + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
  };
  ASSERT_EQ(archive.compare(0, 4, "PK\x03\x04"), 0);
  put(22);
  const size_t central = archive.rfind("PK\x01\x02");
  ASSERT_NE(central, std::string::npos);
  put(central + 24);
}

TEST(DocxTextTest, OneLinePerParagraphWithRunsJoined) {
  const absl::StatusOr<std::string> text = TextOf(
      R"(<w:p><w:pPr><w:jc w:val="center"/></w:pPr>)"
      R"(<w:r><w:rPr><w:b/></w:rPr><w:t>KẾ </w:t></w:r><w:r><w:t>HOẠCH</w:t></w:r></w:p>)"
      R"(<w:p><w:r><w:t xml:space="preserve">Cải thiện </w:t></w:r>)"
      R"(<w:hyperlink r:id="rId4" xmlns:r="urn:r"><w:r><w:t>chỉ số</w:t></w:r></w:hyperlink>)"
      R"(<w:r><w:t xml:space="preserve"> </w:t></w:r><w:r><w:t>DDCI</w:t></w:r></w:p>)");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "KẾ HOẠCH\nCải thiện chỉ số DDCI");
}

TEST(DocxTextTest, EmptyParagraphsAreEmptyLines) {
  const absl::StatusOr<std::string> text = TextOf(P("a") + "<w:p/>" + P("b"));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "a\n\nb");
}

TEST(DocxTextTest, TabsAndBreaks) {
  const absl::StatusOr<std::string> text = TextOf(
      R"(<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>)"
      R"(<w:r><w:t>Số: 12/KH-UBND</w:t><w:tab/><w:t>Hà Giang</w:t></w:r></w:p>)"
      R"(<w:p><w:r><w:t>dòng một</w:t><w:br/><w:t>dòng hai</w:t><w:cr/><w:t>ba</w:t></w:r></w:p>)");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "Số: 12/KH-UBND\tHà Giang\ndòng một\ndòng hai\nba");
}

TEST(DocxTextTest, TableRowsAreTabSeparatedCells) {
  const absl::StatusOr<std::string> text =
      TextOf(P("Trước bảng") +
             R"(<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>)"
             R"(<w:tblGrid><w:gridCol w:w="2000"/><w:gridCol w:w="2000"/></w:tblGrid>)"
             "<w:tr>" +
             Tc({"TT"}) + Tc({"Nội dung"}) + Tc({"Thời gian"}) + "</w:tr><w:tr>" + Tc({"1"}) +
             Tc({"Rà soát thủ tục", "hành chính"}) + Tc({"Quý II/2023"}) + "</w:tr></w:tbl>" +
             P("Sau bảng"));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "Trước bảng\n"
            "TT\tNội dung\tThời gian\n"
            "1\tRà soát thủ tục hành chính\tQuý II/2023\n"
            "Sau bảng");
}

TEST(DocxTextTest, TabsAndBreaksInsideACellAreSpaces) {
  const absl::StatusOr<std::string> text = TextOf(
      "<w:tbl><w:tr>" + Tc({"a"}) +
      R"(<w:tc><w:p><w:r><w:t>b</w:t><w:tab/><w:t>c</w:t><w:br/><w:t>d</w:t></w:r></w:p></w:tc>)"
      "</w:tr></w:tbl>");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "a\tb c d");
}

TEST(DocxTextTest, NestedTablesAreFlattenedIntoTheirCell) {
  const std::string inner =
      "<w:tbl><w:tr>" + Tc({"x"}) + Tc({"y"}) + "</w:tr><w:tr>" + Tc({"z"}) + "</w:tr></w:tbl>";
  const absl::StatusOr<std::string> text =
      TextOf("<w:tbl><w:tr>" + Tc({"1"}) + "<w:tc>" + P("trước") + inner + P("sau") + "</w:tc>" +
             Tc({"3"}) + "</w:tr></w:tbl>");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "1\ttrước x y z sau\t3");
}

TEST(DocxTextTest, MergedCellsKeepTheColumns) {
  const absl::StatusOr<std::string> text = TextOf(
      "<w:tbl><w:tr>"
      R"(<w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>)" +
      P("I. CHỈ SỐ") + "</w:tc>" + Tc({"c"}) +
      "</w:tr><w:tr>"
      R"(<w:trPr><w:gridBefore w:val="1"/></w:trPr>)" +
      Tc({"b"}) + Tc({"c"}) + "</w:tr></w:tbl>");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "I. CHỈ SỐ\t\tc\n\tb\tc");
}

TEST(DocxTextTest, CellsOutsideRowsAreParagraphs) {
  const absl::StatusOr<std::string> text =
      TextOf(Tc({"một", "hai"}) + "<w:tbl>" + Tc({"ba"}) + "</w:tbl>");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "một\nhai\nba");
}

TEST(DocxTextTest, ForgedSpansAreCapped) {
  const absl::StatusOr<std::string> text = TextOf(
      "<w:tbl><w:tr>"
      R"(<w:tc><w:tcPr><w:gridSpan w:val="2000000000"/></w:tcPr>)" +
      P("a") + "</w:tc>" + Tc({"b"}) + "</w:tr></w:tbl>");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "a" + std::string(64, '\t') + "b");
}

TEST(DocxTextTest, VietnameseTextSurvivesAsWritten) {
  // NFC, as Word stores it, with characters XML escapes and references.
  const std::string nfc =
      "1. Chỉ số “Chi phí thời gian”: đạt trên 7,5 điểm (Năm 2022 được 6,1 điểm); Ưu tiên &amp; "
      "phối hợp &#x1EC7;";
  const absl::StatusOr<std::string> text = TextOf(P(nfc));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text,
            "1. Chỉ số “Chi phí thời gian”: đạt trên 7,5 điểm (Năm 2022 được 6,1 điểm); Ưu tiên & "
            "phối hợp ệ");
}

TEST(DocxTextTest, SkipsWhatIsNotText) {
  // Tracked deletions, field codes, moved-from text and the fallback copy of
  // a text box are not the document's text.
  const absl::StatusOr<std::string> text = TextOf(
      R"(<w:p><w:del w:id="1"><w:r><w:delText>cũ </w:delText></w:r></w:del>)"
      R"(<w:ins w:id="2"><w:r><w:t>mới</w:t></w:r></w:ins>)"
      R"(<w:r><w:fldChar w:fldCharType="begin"/></w:r>)"
      R"(<w:r><w:instrText> PAGE </w:instrText></w:r>)"
      R"(<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2</w:t></w:r>)"
      R"(<w:r><w:fldChar w:fldCharType="end"/></w:r>)"
      R"(<w:moveFrom w:id="3"><w:r><w:t>đi</w:t></w:r></w:moveFrom></w:p>)"
      R"(<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>)"
      R"(<w:p><w:r><w:t>hộp</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>)"
      R"(<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>hộp</w:t></w:r></w:p>)"
      R"(</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>)"
      R"(<w:r><w:t>chữ</w:t></w:r></w:p>)");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "mới2\nhộp chữ");
}

TEST(DocxTextTest, AnyPrefixForTheWordNamespace) {
  const std::string xml =
      R"(<ns0:document xmlns:ns0="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
      R"(<ns0:body><ns0:p><ns0:r><ns0:t>Kế hoạch</ns0:t></ns0:r></ns0:p>)"
      R"(<w:p><w:r><w:t>khác</w:t></w:r></w:p></ns0:body></ns0:document>)";
  const absl::StatusOr<std::string> text = DocxText(Docx(xml));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "Kế hoạch");
}

TEST(DocxTextTest, EmptyBodyIsEmptyText) {
  const absl::StatusOr<std::string> text = TextOf("");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "");
}

TEST(DocxTextTest, DeepNestingDoesNotExhaustTheStack) {
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "<w:sdt>";
  deep += P("sâu");
  for (int i = 0; i < 200000; ++i) deep += "</w:sdt>";
  DocxLimits limits;
  limits.max_ratio = 100000;  // the nesting compresses very well
  const absl::StatusOr<std::string> text = DocxText(Docx(DocumentXml(deep)), limits);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "sâu");
}

TEST(DocxTextTest, EmptyInputIsInvalid) {
  const absl::StatusOr<std::string> text = DocxText("");
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("docx: not a .docx file"));
}

TEST(DocxTextTest, NotAZipIsInvalid) {
  const absl::StatusOr<std::string> text = DocxText("Số: 12/KH-UBND\nKẾ HOẠCH\n");
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("docx: not a .docx file: not a zip archive"));
}

TEST(DocxTextTest, TruncatedArchiveIsInvalid) {
  const std::string docx = Docx(DocumentXml(P("Kế hoạch")));
  const absl::StatusOr<std::string> text = DocxText(docx.substr(0, docx.size() / 2));
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("docx: not a .docx file"));
}

TEST(DocxTextTest, ZipWithoutDocumentXmlIsInvalid) {
  const absl::StatusOr<std::string> text =
      DocxText(Zip({{"[Content_Types].xml", kContentTypes}, {"xl/workbook.xml", "<workbook/>"}}));
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("docx: not a .docx file: no word/document.xml"));
}

TEST(DocxTextTest, MalformedXmlIsInvalid) {
  const absl::StatusOr<std::string> text =
      DocxText(Docx(DocumentXml("<w:p><w:r><w:t>Kế hoạch</w:r></w:p>")));
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("not well-formed XML"));
}

TEST(DocxTextTest, XmlThatIsNotAWordDocumentIsInvalid) {
  const absl::StatusOr<std::string> text = DocxText(Docx("<html><body>Kế hoạch</body></html>"));
  EXPECT_EQ(text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(text.status().message(), HasSubstr("no w:document/w:body"));
}

TEST(DocxTextTest, EntitiesAreNotExpanded) {
  // A DOCTYPE is skipped and its entities are never defined, let alone
  // fetched from the file system.
  const std::string xml =
      R"(<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>)"
      R"(<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">)"
      R"(<w:body><w:p><w:r><w:t>a&x;b</w:t></w:r></w:p></w:body></w:document>)";
  const absl::StatusOr<std::string> text = DocxText(Docx(xml));
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "a&x;b");
}

TEST(DocxTextTest, FileOverTheLimitIsExhausted) {
  DocxLimits limits;
  limits.max_file_bytes = 100;
  const absl::StatusOr<std::string> text = DocxText(Docx(DocumentXml(P("Kế hoạch"))), limits);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("max_file_bytes"));
}

TEST(DocxTextTest, ZipBombIsRejectedByItsDeclaredSize) {
  // 40 MB of spaces deflate to about 40 KB.
  const std::string bomb = Docx(std::string(40 << 20, ' '));
  ASSERT_LT(bomb.size(), 100u << 10);
  const absl::StatusOr<std::string> text = DocxText(bomb);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("max_xml_bytes"));
}

TEST(DocxTextTest, ZipBombLyingAboutItsSizeStopsAtTheRatio) {
  std::string bomb = Zip({{"word/document.xml", std::string(40 << 20, ' ')}});
  ForgeUncompressedSize(bomb, 1000);
  const absl::StatusOr<std::string> text = DocxText(bomb);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("max_ratio"));
}

TEST(DocxTextTest, ZipBombLyingAboutItsSizeStopsAtMaxXmlBytes) {
  std::string bomb = Zip({{"word/document.xml", std::string(8 << 20, ' ')}});
  ForgeUncompressedSize(bomb, 1000);
  DocxLimits limits;
  limits.max_ratio = 1000000;
  limits.max_xml_bytes = 1 << 20;
  const absl::StatusOr<std::string> text = DocxText(bomb, limits);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("max_xml_bytes"));
}

TEST(DocxTextTest, CompressionRatioOverTheLimitIsExhausted) {
  const absl::StatusOr<std::string> text =
      DocxText(Docx(DocumentXml(P(std::string(4 << 20, ' ')))));
  EXPECT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("max_ratio"));
}

TEST(DocxTextTest, TextOverTheLimitIsExhausted) {
  DocxLimits limits;
  limits.max_text_bytes = 20;
  const absl::StatusOr<std::string> text =
      DocxText(Docx(DocumentXml(P("Kế hoạch cải thiện") + P("chỉ số DDCI năm 2023"))), limits);
  EXPECT_EQ(text.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(text.status().message(), HasSubstr("max_text_bytes"));

  limits.max_text_bytes = 1000;
  EXPECT_TRUE(DocxText(Docx(DocumentXml(P("Kế hoạch cải thiện"))), limits).ok());
}

TEST(DocxTextTest, TextOfExactlyTheLimitIsAccepted) {
  const std::string docx = Docx(
      DocumentXml(P("Kế hoạch") + "<w:tbl><w:tr>" + Tc({"a"}) + Tc({"b"}) + "</w:tr></w:tbl>"));
  const std::string expected = "Kế hoạch\na\tb";
  DocxLimits limits;
  limits.max_text_bytes = expected.size();
  const absl::StatusOr<std::string> text = DocxText(docx, limits);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, expected);

  limits.max_text_bytes = expected.size() - 1;
  EXPECT_EQ(DocxText(docx, limits).status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace chiso::plan::document
