#include "services/scoring/results_csv.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::scoring {
namespace {

using chiso::scoring::v1::Level;
using chiso::scoring::v1::Result;
using chiso::scoring::v1::RowError;
using ::testing::HasSubstr;

constexpr char kUnit[] = "units/01j0000000000000000000000a";

CsvResults MustParse(absl::string_view csv) {
  absl::StatusOr<CsvResults> parsed = ParseResultsCsv(csv);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : CsvResults{};
}

void ExpectFileError(absl::string_view csv, absl::string_view fragment) {
  absl::StatusOr<CsvResults> parsed = ParseResultsCsv(csv);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(std::string(fragment)));
}

std::string Score(const Result& r, absl::string_view code) {
  for (const auto& s : r.component_scores()) {
    if (s.component() == code) return s.score().value();
  }
  return "<none>";
}

TEST(ResultsCsvTest, ReadsACommaSeparatedFile) {
  CsvResults out = MustParse(
      "framework,level,year,entity,peer_group,ENTRY_COSTS,TIME_COSTS,total,rank,rank_of,tier,note\n"
      "PCI,province,2019,Quảng Ninh,63 tỉnh,7.16,7.89,73.40,1,63,Rất tốt,Đứng đầu\n"
      "pci,Province,2022,Bắc Giang,,6.65,7.38,\"72,80\",13,63,,\n");
  EXPECT_EQ(out.row_count, 2);
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 2u);
  const CsvResultRow& qn = out.rows[0];
  EXPECT_EQ(qn.line, 2);
  EXPECT_EQ(qn.result.framework_code(), "PCI");
  EXPECT_EQ(qn.result.level(), Level::LEVEL_PROVINCE);
  EXPECT_EQ(qn.result.year(), 2019);
  EXPECT_EQ(qn.result.subject().entity(), "Quảng Ninh");
  EXPECT_EQ(qn.result.peer_group(), "63 tỉnh");
  EXPECT_EQ(qn.result.component_scores_size(), 2);
  EXPECT_EQ(Score(qn.result, "ENTRY_COSTS"), "7.16");
  EXPECT_EQ(Score(qn.result, "TIME_COSTS"), "7.89");
  EXPECT_EQ(qn.result.published_total().value(), "73.40");
  EXPECT_EQ(qn.result.published_rank(), 1);
  EXPECT_EQ(qn.result.published_rank_of(), 63);
  EXPECT_EQ(qn.result.published_tier(), "Rất tốt");
  EXPECT_EQ(qn.result.note(), "Đứng đầu");
  EXPECT_TRUE(qn.unit_code.empty());

  const CsvResultRow& bg = out.rows[1];
  EXPECT_EQ(bg.line, 3);
  EXPECT_EQ(bg.result.framework_code(), "PCI");
  EXPECT_EQ(bg.result.published_total().value(), "72.80");
  EXPECT_EQ(bg.result.peer_group(), "");
  EXPECT_EQ(bg.result.published_tier(), "");
}

TEST(ResultsCsvTest, AVersionColumnNamesTheVersion) {
  CsvResults out = MustParse(
      "framework,level,year,entity,version,TIME_COSTS\n"
      "DDCI,department,2022,Sở Y tế,ddci-cao-bang,6.83\n"
      "DDCI,department,2022,Sở Xây dựng,frameworks/ddci-2016-department,6.83\n"
      "DDCI,department,2022,Sở Nội vụ,,6.83\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[0].result.framework(), "frameworks/ddci-cao-bang");
  EXPECT_EQ(out.rows[1].result.framework(), "frameworks/ddci-2016-department");
  EXPECT_EQ(out.rows[2].result.framework(), "");  // chosen by code, level and year
}

TEST(ResultsCsvTest, ReadsASemicolonFileWithDecimalCommas) {
  CsvResults out = MustParse(
      "framework;level;year;entity;TRANSPARENCY;TIME_COSTS;total\n"
      "DDCI;department;2019;Sở TN&MT;6,77;6,83;55,01\n"
      "DDCI;department;2020;Sở TN&MT;7.80;\"7,70\";\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(Score(out.rows[0].result, "TRANSPARENCY"), "6.77");
  EXPECT_EQ(Score(out.rows[0].result, "TIME_COSTS"), "6.83");
  EXPECT_EQ(out.rows[0].result.published_total().value(), "55.01");
  EXPECT_EQ(Score(out.rows[1].result, "TRANSPARENCY"), "7.80");
  EXPECT_EQ(Score(out.rows[1].result, "TIME_COSTS"), "7.70");
  EXPECT_FALSE(out.rows[1].result.has_published_total());
}

TEST(ResultsCsvTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  CsvResults out = MustParse(
      "framework,level,year,entity,TIME_COSTS,note\n"
      "PCI,province,2019,\"Thừa Thiên Huế, tỉnh\",\"7,89\",\"Dòng một\n"
      "dòng hai, có \"\"ngoặc\"\"\"\n"
      "PCI,province,2019,Huế,7.1,\n"
      "PCI,province,2019,Đà Nẵng,\"7,8,9\",\n");
  EXPECT_EQ(out.row_count, 3);
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].line, 2);
  EXPECT_EQ(out.rows[0].result.subject().entity(), "Thừa Thiên Huế, tỉnh");
  EXPECT_EQ(Score(out.rows[0].result, "TIME_COSTS"), "7.89");
  EXPECT_EQ(out.rows[0].result.note(), "Dòng một\ndòng hai, có \"ngoặc\"");
  // The quoted note spans lines 2–3, so the next row starts on line 4.
  EXPECT_EQ(out.rows[1].line, 4);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].line(), 5);
  EXPECT_EQ(out.errors[0].column(), "TIME_COSTS");
  EXPECT_THAT(out.errors[0].reason(), HasSubstr("7,8,9"));
}

TEST(ResultsCsvTest, AnUnquotedDecimalCommaInACommaFileIsARowError) {
  CsvResults out = MustParse(
      "framework,level,year,entity,TIME_COSTS\n"
      "PCI,province,2019,Quảng Ninh,7,89\n"
      "PCI,province,2019,Huế,7.1\n");
  EXPECT_EQ(out.row_count, 2);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].line(), 2);
  EXPECT_EQ(out.errors[0].column(), "");
  EXPECT_THAT(out.errors[0].reason(), HasSubstr("expected 5 fields"));
  EXPECT_THAT(out.errors[0].reason(), HasSubstr("quote"));
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].line, 3);
}

TEST(ResultsCsvTest, SkipsTheBomAndReadsCrlf) {
  CsvResults out = MustParse(
      "\xEF\xBB\xBF"
      "Framework,Level,Year,Entity,PARTICIPATION\r\n"
      "PAPI,province,2020,Quảng Ninh,\"5,123\"\r\n"
      "\r\n"
      "PAPI,province,2021,Quảng Ninh,5.2\r\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  EXPECT_EQ(out.row_count, 2);
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].result.framework_code(), "PAPI");
  EXPECT_EQ(out.rows[0].result.subject().entity(), "Quảng Ninh");
  EXPECT_EQ(Score(out.rows[0].result, "PARTICIPATION"), "5.123");
  EXPECT_EQ(out.rows[1].line, 4);
  EXPECT_EQ(Score(out.rows[1].result, "PARTICIPATION"), "5.2");
}

TEST(ResultsCsvTest, UnitNamesAndUnitCodes) {
  CsvResults out =
      MustParse(absl::StrCat("framework,level,year,unit,total\n"
                             "DDCI,department,2019,",
                             kUnit,
                             ",55.01\n"
                             "DDCI,department,2019, STNMT-LS ,60\n"));
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].result.subject().unit(), kUnit);
  EXPECT_TRUE(out.rows[0].unit_code.empty());
  EXPECT_FALSE(out.rows[1].result.has_subject());
  EXPECT_EQ(out.rows[1].unit_code, "STNMT-LS");
}

TEST(ResultsCsvTest, ComponentRankColumns) {
  CsvResults out = MustParse(
      "framework,level,year,entity,TIME_COSTS,time_costs_Rank,TIME_COSTS_RANK_OF,"
      "TRANSPARENCY,TRANSPARENCY_rank\n"
      "DDCI,department,2019,Sở TN&MT,6.83,18,23,6.77,\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 1u);
  const Result& r = out.rows[0].result;
  ASSERT_EQ(r.component_scores_size(), 2);
  EXPECT_EQ(r.component_scores(0).component(), "TIME_COSTS");
  EXPECT_EQ(r.component_scores(0).rank(), 18);
  EXPECT_EQ(r.component_scores(0).rank_of(), 23);
  EXPECT_EQ(r.component_scores(1).component(), "TRANSPARENCY");
  EXPECT_EQ(r.component_scores(1).rank(), 0);
}

TEST(ResultsCsvTest, EmptyCellsAreNotPublished) {
  CsvResults out = MustParse(
      "framework,level,year,entity,TIME_COSTS,LAND_ACCESS,total,rank,rank_of,tier\n"
      "PAR_INDEX,province,2021,Tỉnh X,,,75.5,63,63,\n"
      "PAR_INDEX,province,2020,Tỉnh X, ,  ,,,,\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].result.component_scores_size(), 0);
  EXPECT_EQ(out.rows[0].result.published_total().value(), "75.5");
  EXPECT_FALSE(out.rows[1].result.has_published_total());
  EXPECT_EQ(out.rows[1].result.published_rank(), 0);
  EXPECT_EQ(out.rows[1].result.published_rank_of(), 0);
}

TEST(ResultsCsvTest, HeaderInAnyOrderAndCase) {
  CsvResults out = MustParse(
      "TOTAL,Entity,YEAR,Level,FRAMEWORK,Peer_Group\n"
      "48.811,Quảng Ninh,2020,PROVINCE,papi,\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].result.framework_code(), "PAPI");
  EXPECT_EQ(out.rows[0].result.year(), 2020);
  EXPECT_EQ(out.rows[0].result.published_total().value(), "48.811");
}

TEST(ResultsCsvTest, VietnameseLevelNames) {
  CsvResults out = MustParse(
      "framework,level,year,entity\n"
      "PCI,tỉnh,2019,A\n"
      "DDCI,Sở,2019,B\n"
      "DDCI,cấp huyện,2019,C\n"
      "PAR_INDEX,xã,2019,D\n"
      "PAR_INDEX,commune,2019,E\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 5u);
  EXPECT_EQ(out.rows[0].result.level(), Level::LEVEL_PROVINCE);
  EXPECT_EQ(out.rows[1].result.level(), Level::LEVEL_DEPARTMENT);
  EXPECT_EQ(out.rows[2].result.level(), Level::LEVEL_DISTRICT);
  EXPECT_EQ(out.rows[3].result.level(), Level::LEVEL_COMMUNE);
  EXPECT_EQ(out.rows[4].result.level(), Level::LEVEL_COMMUNE);
}

TEST(ResultsCsvTest, CleansTextCells) {
  CsvResults out = MustParse(
      "framework,level,year,entity\n"
      "PCI,province,2019,  Qua\xCC\x89ng   Ninh \n");  // decomposed "ả"
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].result.subject().entity(), "Quảng Ninh");
}

TEST(ResultsCsvTest, BlankLinesAndEmptyRowsAreSkipped) {
  CsvResults out = MustParse(
      "\n"
      "framework,level,year,entity,\n"
      "\n"
      ",,,,\n"
      "PCI,province,2019,A,\n"
      "\n");
  EXPECT_EQ(out.row_count, 1);
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].line, 5);
  EXPECT_TRUE(out.errors.empty());
}

TEST(ResultsCsvTest, ReportsRowErrorsWithLineAndColumn) {
  CsvResults out =
      MustParse(absl::StrCat("framework,level,year,unit,entity,TIME_COSTS,TIME_COSTS_rank,rank\n",
                             "PCI,province,2019,,A,7.1,,\n",          // 2: good
                             "PCI,region,2019,,A,7.1,,\n",            // 3: level
                             "PCI,province,20x9,,A,7.1,,\n",          // 4: year
                             "PCI,province,2019,", kUnit, ",A,,,\n",  // 5: both subjects
                             "PCI,province,2019,,,7.1,,\n",           // 6: no subject
                             "PCI,province,2019,,A,abc,,\n",          // 7: score
                             "PCI,province,2019,,A,,5,\n",            // 8: rank without score
                             "PCI,province,2019,,A,7.1,,-1\n",        // 9: rank
                             "P-CI,province,2019,,A,7.1,,\n",         // 10: framework
                             ",province,2019,,A,7.1,,\n",             // 11: framework missing
                             "PCI,province,2019,,A,7.1\n",            // 12: too few fields
                             "PCI,province,2019,,A,\"7.1\"x,,\n",     // 13: text after quote
                             "PCI,province,2019,,B,7.2,3,5\n"));      // 14: good
  EXPECT_EQ(out.row_count, 13);
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].line, 2);
  EXPECT_EQ(out.rows[1].line, 14);
  EXPECT_EQ(out.rows[1].result.component_scores(0).rank(), 3);
  EXPECT_EQ(out.rows[1].result.published_rank(), 5);
  struct Expected {
    int line;
    const char* column;
    const char* reason;
  };
  const std::vector<Expected> expected = {
      {3, "level", "unknown level \"region\""},
      {4, "year", "not a year"},
      {5, "", "not both"},
      {6, "", "a unit or an entity is required"},
      {7, "TIME_COSTS", "abc"},
      {8, "TIME_COSTS_rank", "needs its score"},
      {9, "rank", "not a whole number"},
      {10, "framework", "not a framework code"},
      {11, "framework", "required"},
      {12, "", "expected 8 fields as in the header, found 6"},
      {13, "", "text after the closing quote"},
  };
  ASSERT_EQ(out.errors.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const RowError& e = out.errors[i];
    EXPECT_EQ(e.line(), expected[i].line) << i;
    EXPECT_EQ(e.column(), expected[i].column) << e.line();
    EXPECT_THAT(e.reason(), HasSubstr(expected[i].reason)) << e.line();
  }
}

TEST(ResultsCsvTest, ASubjectColumnAloneIsNamed) {
  CsvResults out = MustParse("framework,level,year,Entity\nPCI,province,2019,\n");
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].column(), "Entity");
}

TEST(ResultsCsvTest, AnUnclosedQuoteIsAnErrorOfItsRow) {
  CsvResults out = MustParse(
      "framework,level,year,entity,note\n"
      "PCI,province,2019,A,ok\n"
      "PCI,province,2019,B,\"never closed\n"
      "PCI,province,2019,C,x\n");
  EXPECT_EQ(out.row_count, 2);
  ASSERT_EQ(out.rows.size(), 1u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].line(), 3);
  EXPECT_THAT(out.errors[0].reason(), HasSubstr("not closed"));
}

TEST(ResultsCsvTest, LenientAboutSpacesAroundQuotes) {
  CsvResults out = MustParse(
      "framework, level, year, entity, TIME_COSTS\n"
      "PCI, province, 2019, \"Quảng Ninh\" , \"7,89\"\n");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].reason();
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].result.subject().entity(), "Quảng Ninh");
  EXPECT_EQ(Score(out.rows[0].result, "TIME_COSTS"), "7.89");
}

TEST(ResultsCsvTest, HeaderErrors) {
  ExpectFileError("framework,level,entity\nPCI,province,A\n",
                  "line 1: header: missing the required column \"year\"");
  ExpectFileError("level,year,entity\n", "\"framework\"");
  ExpectFileError("framework,year,entity\n", "\"level\"");
  ExpectFileError("framework,level,year\n", "needs a \"unit\" or an \"entity\" column");
  ExpectFileError("framework,level,year,entity,FOO BAR\n", "unknown column \"FOO BAR\"");
  ExpectFileError("framework,level,year,entity,Tỉnh\n", "unknown column \"Tỉnh\"");
  ExpectFileError("framework,level,year,entity,YEAR\n",
                  "column \"YEAR\" appears twice (columns 3 and 5)");
  ExpectFileError("framework,level,year,entity,TIME_COSTS,time_costs\n", "appears twice");
  ExpectFileError("framework,level,year,entity,,TIME_COSTS\n", "column 5 has no name");
  ExpectFileError("\n\nframework;level;entity\n", "line 3: header");
  ExpectFileError("", "no header row");
  ExpectFileError("\r\n\n  \n", "no header row");
  ExpectFileError("framework,\"level\nyear", "not closed");
}

TEST(ResultsCsvTest, RejectsAFileThatIsNotUtf8NamingTheLine) {
  ExpectFileError("framework,level,year,entity\nPCI,province,2019,A\nPCI,province,2019,Qu\xE1ng\n",
                  "line 3");
  ExpectFileError("framework,level,year,entity\nPCI,province,2019,\xC0\xAF\n", "not UTF-8");
}

TEST(ResultsCsvTest, RejectsAFileOver10MiB) {
  const std::string header = "framework,level,year,entity,note\nPCI,province,2019,A,\"";
  std::string csv = header;
  csv.append(kMaxCsvBytes - header.size() - 2, 'x');
  csv.append("\"\n");
  ASSERT_EQ(csv.size(), kMaxCsvBytes);
  CsvResults out = MustParse(csv);
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].result.note().size(), kMaxCsvBytes - header.size() - 2);
  csv.push_back('\n');
  ExpectFileError(csv, "10 MiB");
}

// A hostile file of tiny bad rows must not turn into millions of errors held
// in memory: past 100,000 data rows the file is refused whole.
TEST(ResultsCsvTest, RejectsAFileWithMoreThanTheRowLimit) {
  std::string csv = "framework,level,year,entity\n";
  for (int i = 0; i < kMaxCsvRows; ++i) csv.append("x\n");
  CsvResults out = MustParse(csv);
  EXPECT_EQ(out.row_count, kMaxCsvRows);
  EXPECT_EQ(out.errors.size(), static_cast<size_t>(kMaxCsvRows));
  csv.append("x\n");
  ExpectFileError(csv, "more than 100000 data rows");
}

}  // namespace
}  // namespace chiso::scoring
