// The CSV of `chisoctl unit import`: parsing, row checks and parent order.

#include "tools/chisoctl/unit_csv.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::chisoctl {
namespace {

namespace apb = chiso::assignment::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

UnitCsv MustParse(const std::string& text) {
  absl::StatusOr<UnitCsv> csv = ParseUnitCsv(text, "units.csv");
  EXPECT_TRUE(csv.ok()) << csv.status();
  return csv.ok() ? *std::move(csv) : UnitCsv{};
}

std::vector<std::string> Codes(const UnitCsv& csv) {
  std::vector<std::string> codes;
  for (const UnitCsvRow& row : csv.rows) codes.push_back(row.code);
  return codes;
}

TEST(UnitCsvTest, ParsesRowsWithQuotesAliasesAndVietnamese) {
  UnitCsv csv = MustParse(
      "\xEF\xBB\xBF"
      "code,name,kind,parent_code,aliases\r\n"
      "UBND-XL,UBND huyện Xuân Lâm,district-committee,,\r\n"
      "TCKH-XL,Phòng Tài chính - Kế hoạch,DIVISION,UBND-XL,Phòng TC-KH; TC-KH\r\n"
      "\r\n"
      "VP-XL,\"Văn phòng HĐND và UBND huyện, Xuân Lâm\",office,UBND-XL,\"VP \"\"HĐND\"\"\"\n");
  EXPECT_THAT(csv.problems, IsEmpty());
  ASSERT_EQ(csv.rows.size(), 3u);
  EXPECT_EQ(csv.rows[0].line, 2);
  EXPECT_EQ(csv.rows[0].kind, apb::UNIT_KIND_DISTRICT_COMMITTEE);
  EXPECT_EQ(csv.rows[1].name, "Phòng Tài chính - Kế hoạch");
  EXPECT_EQ(csv.rows[1].kind, apb::UNIT_KIND_DIVISION);
  EXPECT_THAT(csv.rows[1].aliases, ElementsAre("Phòng TC-KH", "TC-KH"));
  EXPECT_EQ(csv.rows[2].line, 5);  // after a blank line
  EXPECT_EQ(csv.rows[2].name, "Văn phòng HĐND và UBND huyện, Xuân Lâm");
  EXPECT_THAT(csv.rows[2].aliases, ElementsAre("VP \"HĐND\""));
}

TEST(UnitCsvTest, HeaderColumnsMayComeInAnyOrder) {
  UnitCsv csv = MustParse("name,code,aliases,kind,parent_code\nCông an huyện,CA-XL,,other-body,\n");
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].code, "CA-XL");
  EXPECT_EQ(csv.rows[0].name, "Công an huyện");
}

TEST(UnitCsvTest, RefusesFilesAsAWhole) {
  EXPECT_THAT(ParseUnitCsv("", "u.csv").status().message(), HasSubstr("u.csv: empty"));
  EXPECT_THAT(ParseUnitCsv("code,name,kind\nA,B,office\n", "u.csv").status().message(),
              HasSubstr("u.csv: line 1: the header must name the columns"));
  EXPECT_THAT(
      ParseUnitCsv("code,name,kind,parent_code,aliases,extra\n", "u.csv").status().message(),
      HasSubstr("(got \"extra\")"));
  EXPECT_THAT(ParseUnitCsv("code,name,kind,parent_code,aliases\nA,\"B,office,,\n", "u.csv")
                  .status()
                  .message(),
              HasSubstr("u.csv: line 2: a quoted field is never closed"));
  EXPECT_THAT(ParseUnitCsv("code,name,kind,parent_code,aliases\nA,\xff,office,,\n", "u.csv")
                  .status()
                  .message(),
              HasSubstr("not valid UTF-8"));
}

TEST(UnitCsvTest, ReportsEachBadRowWithItsLine) {
  UnitCsv csv = MustParse(
      "code,name,kind,parent_code,aliases\n"
      "A,Đơn vị A,office,,\n"
      ",Không mã,office,,\n"           // 3: no code
      "B,,office,A,\n"                 // 4: no name
      "C,Đơn vị C,hamlet,A,\n"         // 5: unknown kind
      "A,Trùng mã,office,,\n"          // 6: repeated code
      "D E,Mã có dấu cách,office,,\n"  // 7: bad code
      "F,Đơn vị F,office\n"            // 8: too few fields
      "G,Đơn vị G,office,G,\n");       // 9: its own parent
  EXPECT_THAT(Codes(csv), ElementsAre("A"));
  ASSERT_EQ(csv.problems.size(), 7u);
  EXPECT_EQ(csv.problems[0].line, 3);
  EXPECT_THAT(csv.problems[0].reason, HasSubstr("code is empty"));
  EXPECT_EQ(csv.problems[1].line, 4);
  EXPECT_THAT(csv.problems[1].reason, HasSubstr("name is empty"));
  EXPECT_EQ(csv.problems[2].line, 5);
  EXPECT_THAT(csv.problems[2].reason, HasSubstr("unknown value \"hamlet\""));
  EXPECT_THAT(csv.problems[2].reason, HasSubstr("district-committee"));
  EXPECT_EQ(csv.problems[3].line, 6);
  EXPECT_THAT(csv.problems[3].reason, HasSubstr("code A is repeated (first on line 2)"));
  EXPECT_EQ(csv.problems[4].line, 7);
  EXPECT_EQ(csv.problems[5].line, 8);
  EXPECT_THAT(csv.problems[5].reason, HasSubstr("expected 5 fields, got 3"));
  EXPECT_EQ(csv.problems[6].line, 9);
  EXPECT_THAT(csv.problems[6].reason, HasSubstr("the unit's own code"));
}

TEST(UnitCsvTest, TooManyAliasesIsABadRow) {
  std::string aliases;
  for (int i = 0; i < 21; ++i) aliases += "tên " + std::to_string(i) + ";";
  UnitCsv csv =
      MustParse("code,name,kind,parent_code,aliases\nA,Đơn vị,office,,\"" + aliases + "\"\n");
  ASSERT_EQ(csv.problems.size(), 1u);
  EXPECT_THAT(csv.problems[0].reason, HasSubstr("at most 20 aliases (got 21)"));
}

TEST(UnitCsvTest, OrdersParentsBeforeChildren) {
  UnitCsv csv = MustParse(
      "code,name,kind,parent_code,aliases\n"
      "TO-1,Tổ một,other-body,PHONG,\n"
      "PHONG,Phòng,division,UBND,\n"
      "UBND,UBND huyện,district-committee,TINH,\n"
      "KHAC,Khác,office,,\n");
  const std::set<std::string> directory = {"TINH"};
  OrderParentsFirst(&csv, [&](const std::string& code) { return directory.count(code) > 0; });
  EXPECT_THAT(csv.problems, IsEmpty());
  EXPECT_THAT(Codes(csv), ElementsAre("UBND", "KHAC", "PHONG", "TO-1"));
}

TEST(UnitCsvTest, UnknownParentsCyclesAndChildrenOfBadRows) {
  UnitCsv csv = MustParse(
      "code,name,kind,parent_code,aliases\n"
      "A,A,office,NOWHERE,\n"  // 2: unknown parent
      "B,B,office,A,\n"        // 3: under a bad row
      "C,C,office,D,\n"        // 4: cycle
      "D,D,office,C,\n"        // 5: cycle
      "E,E,office,,\n");
  OrderParentsFirst(&csv, [](const std::string&) { return false; });
  EXPECT_THAT(Codes(csv), ElementsAre("E"));
  ASSERT_EQ(csv.problems.size(), 4u);
  EXPECT_EQ(csv.problems[0].line, 2);
  EXPECT_THAT(csv.problems[0].reason,
              HasSubstr("parent_code NOWHERE is neither in the file nor in the directory"));
  EXPECT_EQ(csv.problems[1].line, 3);
  EXPECT_THAT(csv.problems[1].reason, HasSubstr("its parent A is a bad row"));
  EXPECT_EQ(csv.problems[2].line, 4);
  EXPECT_THAT(csv.problems[2].reason, HasSubstr("cycle"));
  EXPECT_EQ(csv.problems[3].line, 5);
}

TEST(UnitCsvTest, ParsesUnitKinds) {
  EXPECT_EQ(*ParseUnitKind("sub-department"), apb::UNIT_KIND_SUB_DEPARTMENT);
  EXPECT_EQ(*ParseUnitKind("UNIT_KIND_CENTER"), apb::UNIT_KIND_CENTER);
  EXPECT_EQ(*ParseUnitKind(" Commune_Committee "), apb::UNIT_KIND_COMMUNE_COMMITTEE);
  EXPECT_FALSE(ParseUnitKind("unspecified").ok());
  EXPECT_FALSE(ParseUnitKind("").ok());
}

}  // namespace
}  // namespace chiso::chisoctl
