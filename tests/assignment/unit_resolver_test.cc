#include "services/assignment/unit_resolver.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/text/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/assignment/unit_abbreviations.h"

namespace chiso::assignment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1::MatchReason;
using v1::ResolveUnitRequest;
using v1::ResolveUnitResponse;
using v1::Unit;
using v1::UnitKind;

// ---------------------------------------------------------------------------
// A fictional province in the style of Lạng Sơn.
// ---------------------------------------------------------------------------

struct Dates {
  int y = 0, m = 0, d = 0;
};

Unit MakeUnit(const std::string& id, const std::string& code, const std::string& display_name,
              UnitKind kind, const std::string& parent_id, std::vector<std::string> aliases = {},
              Dates from = {}, Dates to = {}, const std::string& merged_into_id = "") {
  Unit u;
  u.set_name("units/" + id);
  u.set_code(code);
  u.set_display_name(display_name);
  u.set_kind(kind);
  if (!parent_id.empty()) u.set_parent("units/" + parent_id);
  for (auto& a : aliases) u.add_aliases(a);
  if (from.y != 0) {
    u.mutable_valid_from()->set_year(from.y);
    u.mutable_valid_from()->set_month(from.m);
    u.mutable_valid_from()->set_day(from.d);
  }
  if (to.y != 0) {
    u.mutable_valid_to()->set_year(to.y);
    u.mutable_valid_to()->set_month(to.m);
    u.mutable_valid_to()->set_day(to.d);
  }
  if (!merged_into_id.empty()) u.set_merged_into("units/" + merged_into_id);
  return u;
}

constexpr Dates kDistrictsEnd = {2025, 6, 30};
constexpr Dates kCommunesStart = {2025, 7, 1};

std::vector<Unit> ProvinceUnits() {
  using v1::UNIT_KIND_CENTER;
  using v1::UNIT_KIND_COMMUNE_COMMITTEE;
  using v1::UNIT_KIND_DEPARTMENT;
  using v1::UNIT_KIND_DISTRICT_COMMITTEE;
  using v1::UNIT_KIND_DIVISION;
  using v1::UNIT_KIND_OFFICE;
  using v1::UNIT_KIND_OTHER_BODY;
  using v1::UNIT_KIND_PROVINCIAL_COMMITTEE;
  using v1::UNIT_KIND_SUB_DEPARTMENT;
  return {
      MakeUnit("tinh", "UBND-LS", "UBND tỉnh Lạng Sơn", UNIT_KIND_PROVINCIAL_COMMITTEE, "",
               {"Ủy ban nhân dân tỉnh Lạng Sơn"}),
      MakeUnit("tinh-vp", "VP-UBND-LS", "Văn phòng UBND tỉnh", UNIT_KIND_OFFICE, "tinh"),
      // Sở Tài nguyên và Môi trường.
      MakeUnit("stnmt", "STNMT-LS", "Sở Tài nguyên và Môi trường", UNIT_KIND_DEPARTMENT, "tinh",
               {"Sở TN&MT"}),
      MakeUnit("stnmt-vp", "STNMT-VP", "Văn phòng Sở", UNIT_KIND_OFFICE, "stnmt"),
      MakeUnit("stnmt-tt", "STNMT-TT", "Thanh tra Sở", UNIT_KIND_DIVISION, "stnmt"),
      MakeUnit("stnmt-qldd", "STNMT-QLDD", "Phòng Quản lý đất đai", UNIT_KIND_DIVISION, "stnmt"),
      MakeUnit("stnmt-bvmt", "STNMT-CCBVMT", "Chi cục Bảo vệ Môi trường", UNIT_KIND_SUB_DEPARTMENT,
               "stnmt"),
      MakeUnit("stnmt-cntt", "STNMT-TTCNTT",
               "Trung tâm Công nghệ thông tin Tài nguyên và Môi trường", UNIT_KIND_CENTER, "stnmt"),
      MakeUnit("stnmt-vpdk", "STNMT-VPDK", "Văn phòng Đăng ký đất đai", UNIT_KIND_CENTER, "stnmt"),
      // Sở Tài chính, which took over the Sở Kế hoạch và Đầu tư in 2025.
      MakeUnit("stc", "STC-LS", "Sở Tài chính", UNIT_KIND_DEPARTMENT, "tinh"),
      MakeUnit("stc-vp", "STC-VP", "Văn phòng Sở", UNIT_KIND_OFFICE, "stc"),
      MakeUnit("stc-tt", "STC-TT", "Thanh tra Sở", UNIT_KIND_DIVISION, "stc"),
      MakeUnit("stc-qlns", "STC-QLNS", "Phòng Quản lý ngân sách", UNIT_KIND_DIVISION, "stc"),
      MakeUnit("skhdt", "SKHDT-LS", "Sở Kế hoạch và Đầu tư", UNIT_KIND_DEPARTMENT, "tinh",
               {"Sở KH&ĐT"}, {}, {2025, 2, 28}, "stc"),
      MakeUnit("skhdt-vp", "SKHDT-VP", "Văn phòng Sở", UNIT_KIND_OFFICE, "skhdt", {}, {},
               {2025, 2, 28}, "stc-vp"),
      // Two former districts.
      MakeUnit("dongmo", "H-DONGMO", "UBND huyện Đồng Mỏ", UNIT_KIND_DISTRICT_COMMITTEE, "tinh", {},
               {}, kDistrictsEnd, "xa-dongmo"),
      MakeUnit("dongmo-vp", "DONGMO-VP", "Văn phòng HĐND và UBND huyện", UNIT_KIND_OFFICE, "dongmo",
               {"VP HĐND và UBND huyện"}, {}, kDistrictsEnd, "xa-dongmo"),
      MakeUnit("dongmo-tckh", "DONGMO-TCKH", "Phòng Tài chính - Kế hoạch", UNIT_KIND_DIVISION,
               "dongmo", {"Phòng TC-KH"}, {}, kDistrictsEnd, "xa-dongmo-kt"),
      MakeUnit("dongmo-tt", "DONGMO-TT", "Thanh tra huyện", UNIT_KIND_DIVISION, "dongmo", {}, {},
               kDistrictsEnd),
      MakeUnit("dongmo-ca", "DONGMO-CA", "Công an huyện", UNIT_KIND_OTHER_BODY, "dongmo", {}, {},
               kDistrictsEnd, "xa-dongmo-ca"),
      MakeUnit("dongmo-ttvh", "DONGMO-TTVH", "Trung tâm Văn hóa - Thông tin huyện",
               UNIT_KIND_CENTER, "dongmo", {}, {}, {2020, 12, 31}, "dongmo-ttvhtt"),
      MakeUnit("dongmo-ttvhtt", "DONGMO-TTVHTT",
               "Trung tâm Văn hóa, Thể thao và Truyền thông huyện", UNIT_KIND_CENTER, "dongmo", {},
               {2021, 1, 1}, kDistrictsEnd, "xa-dongmo"),
      MakeUnit("packhuong", "H-PACKHUONG", "UBND huyện Pác Khuông", UNIT_KIND_DISTRICT_COMMITTEE,
               "tinh", {}, {}, kDistrictsEnd, "xa-packhuong"),
      MakeUnit("packhuong-vp", "PACKHUONG-VP", "Văn phòng HĐND và UBND huyện", UNIT_KIND_OFFICE,
               "packhuong", {}, {}, kDistrictsEnd, "xa-packhuong"),
      MakeUnit("packhuong-tckh", "PACKHUONG-TCKH", "Phòng Tài chính - Kế hoạch", UNIT_KIND_DIVISION,
               "packhuong", {}, {}, kDistrictsEnd, "xa-packhuong"),
      MakeUnit("packhuong-tt", "PACKHUONG-TT", "Thanh tra huyện", UNIT_KIND_DIVISION, "packhuong",
               {}, {}, kDistrictsEnd),
      MakeUnit("packhuong-ca", "PACKHUONG-CA", "Công an huyện", UNIT_KIND_OTHER_BODY, "packhuong",
               {}, {}, kDistrictsEnd, "xa-packhuong"),
      // The communes that took them over.
      MakeUnit("xa-dongmo", "X-DONGMO", "UBND xã Đồng Mỏ", UNIT_KIND_COMMUNE_COMMITTEE, "tinh", {},
               kCommunesStart),
      MakeUnit("xa-dongmo-kt", "X-DONGMO-KT", "Phòng Kinh tế", UNIT_KIND_DIVISION, "xa-dongmo", {},
               kCommunesStart),
      MakeUnit("xa-dongmo-ca", "X-DONGMO-CA", "Công an xã Đồng Mỏ", UNIT_KIND_OTHER_BODY,
               "xa-dongmo", {}, kCommunesStart),
      MakeUnit("xa-packhuong", "X-PACKHUONG", "UBND xã Pác Khuông", UNIT_KIND_COMMUNE_COMMITTEE,
               "tinh", {}, kCommunesStart),
  };
}

// Before the 2025 reorganisation, and after it.
constexpr absl::CivilDay kBefore(2024, 5, 10);
constexpr absl::CivilDay kAfter(2025, 8, 1);

class UnitResolverTest : public ::testing::Test {
 protected:
  // Resolves `text` against the province on `today`, with an optional
  // context unit id ("stnmt", not "units/stnmt").
  ResolveUnitResponse Resolve(const std::string& text, const std::string& context_id = "",
                              absl::CivilDay today = kBefore, int max_candidates = 0) {
    ResolveUnitRequest request;
    request.set_text(text);
    if (!context_id.empty()) request.set_context_unit("units/" + context_id);
    request.set_max_candidates(max_candidates);
    absl::StatusOr<ResolveUnitResponse> r = ResolveUnit(directory_, request, today);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ResolveUnitResponse();
  }

  // Expects `response` to resolve to units/`id` and returns its first candidate.
  static v1::UnitCandidate ExpectResolved(const ResolveUnitResponse& response,
                                          const std::string& id) {
    EXPECT_EQ(response.outcome(), v1::RESOLUTION_OUTCOME_RESOLVED) << response.DebugString();
    if (response.candidates_size() == 0) {
      ADD_FAILURE() << "no candidates";
      return v1::UnitCandidate();
    }
    EXPECT_EQ(response.candidates(0).unit(), "units/" + id) << response.DebugString();
    return response.candidates(0);
  }

  static std::vector<std::string> Units(const ResolveUnitResponse& response) {
    std::vector<std::string> out;
    for (const auto& c : response.candidates()) out.push_back(c.unit());
    return out;
  }

  static std::vector<MatchReason> Reasons(const v1::UnitCandidate& c) {
    std::vector<MatchReason> out;
    for (int r : c.reasons()) out.push_back(static_cast<MatchReason>(r));
    return out;
  }

  UnitDirectory directory_{ProvinceUnits()};
};

// ---------------------------------------------------------------------------
// Abbreviations and collective names
// ---------------------------------------------------------------------------

std::string Expand(absl::string_view s) { return ExpandAbbreviations(text::MatchKey(s)); }

TEST(ExpandAbbreviations, WritesOutCommonAdministrativeAbbreviations) {
  EXPECT_EQ(Expand("Phòng TC-KH"), "phong tai chinh ke hoach");
  EXPECT_EQ(Expand("Phòng TCKH"), "phong tai chinh ke hoach");
  EXPECT_EQ(Expand("Phòng Tài chính - Kế hoạch"), "phong tai chinh ke hoach");
  EXPECT_EQ(Expand("Sở TN&MT"), "so tai nguyen moi truong");
  EXPECT_EQ(Expand("Sở TNMT"), Expand("Sở Tài nguyên và Môi trường"));
  EXPECT_EQ(Expand("VP HĐND và UBND huyện"), "van phong hoi dong nhan dan uy ban nhan dan huyen");
  EXPECT_EQ(Expand("Phòng LĐ-TB&XH"), Expand("Phòng Lao động - Thương binh và Xã hội"));
  EXPECT_EQ(Expand("Sở NN&PTNT"), Expand("Sở Nông nghiệp và Phát triển nông thôn"));
  EXPECT_EQ(Expand("Phòng GD&ĐT"), Expand("Phòng Giáo dục và Đào tạo"));
  EXPECT_EQ(Expand("Phòng KT-HT"), Expand("Phòng Kinh tế và Hạ tầng"));
  EXPECT_EQ(Expand("Phòng VH-TT"), Expand("Phòng Văn hóa và Thông tin"));
  EXPECT_EQ(Expand("Phòng VHTT"), Expand("Phòng Văn hoá - Thông tin"));
  EXPECT_EQ(Expand("Sở KH&ĐT"), Expand("Sở Kế hoạch và Đầu tư"));
  EXPECT_EQ(Expand("BQLDA huyện"), "ban quan ly du an huyen");
  EXPECT_EQ(Expand("Trung tâm CNTT"), "trung tam cong nghe thong tin");
  EXPECT_EQ(Expand("Bộ phận TTHC"), "bo phan thu tuc hanh chinh");
}

TEST(ExpandAbbreviations, ExpandsWholeWordsOnlyAndAmbiguousPartsOnlyInPairs) {
  EXPECT_EQ(Expand("Phòng TC-HC"), "phong to chuc hanh chinh");
  EXPECT_EQ(Expand("tổ TC"), "to tc");  // alone, TC means nothing
  EXPECT_EQ(Expand("UBNDX"), "ubndx");  // not a whole word
  EXPECT_EQ(Expand(""), "");
}

TEST(IsCollective, RecognisesGroupsOfUnits) {
  for (const char* text : {
           "Các cơ quan, đơn vị, địa phương trên địa bàn",
           "các phòng chuyên môn",
           "UBND các xã, thị trấn",
           "Ủy ban nhân dân các xã, phường",
           "các phòng, đơn vị liên quan",
           "Các đơn vị thuộc Sở",
           "Cơ quan, đơn vị liên quan",
           "Thủ trưởng các cơ quan",
           "tất cả các phòng",
           "CÁC CO QUAN DON VI",
       }) {
    EXPECT_TRUE(IsCollective(text)) << text;
  }
}

TEST(IsCollective, LeavesNamesOfOneUnitAlone) {
  for (const char* text : {
           "Phòng Tài chính - Kế hoạch",
           "Văn phòng Sở",
           "UBND huyện Đồng Mỏ",
           "Hội Liên hiệp các tổ chức hữu nghị",
           "Công an huyện",
           "Cơ quan Thường trực",
           "Đơn vị sự nghiệp số 1",
           "",
           "—",
       }) {
    EXPECT_FALSE(IsCollective(text)) << text;
  }
}

// ---------------------------------------------------------------------------
// The directory
// ---------------------------------------------------------------------------

TEST_F(UnitResolverTest, DirectoryLooksUpUnitsChildrenAndAncestors) {
  ASSERT_NE(directory_.Find("units/stnmt"), nullptr);
  EXPECT_EQ(directory_.Find("units/stnmt")->code(), "STNMT-LS");
  EXPECT_EQ(directory_.Find("units/none"), nullptr);

  std::vector<std::string> children;
  for (const Unit* u : directory_.Children("units/stc")) children.push_back(u->name());
  EXPECT_THAT(children, ElementsAre("units/stc-vp", "units/stc-tt", "units/stc-qlns"));
  EXPECT_TRUE(directory_.Children("units/none").empty());

  std::vector<std::string> ancestors;
  for (const Unit* u : directory_.Ancestors("units/dongmo-tckh")) {
    ancestors.push_back(u->name());
  }
  EXPECT_THAT(ancestors, ElementsAre("units/dongmo", "units/tinh"));
  EXPECT_TRUE(directory_.InSubtree("units/dongmo-tckh", "units/tinh"));
  EXPECT_TRUE(directory_.InSubtree("units/stc", "units/stc"));
  EXPECT_FALSE(directory_.InSubtree("units/stc-vp", "units/stnmt"));

  EXPECT_EQ(directory_.FindByDisplayName("van phong so").size(), 3u);
  EXPECT_EQ(directory_.FindByDisplayName("phong tc-kh").size(), 1u);
}

TEST_F(UnitResolverTest, DirectoryFollowsMergeChains) {
  EXPECT_EQ(directory_.FinalSuccessor("units/dongmo"), "units/xa-dongmo");
  EXPECT_EQ(directory_.FinalSuccessor("units/dongmo-ttvh"), "units/xa-dongmo");
  EXPECT_EQ(directory_.FinalSuccessor("units/dongmo-tt"), "");  // ended, not merged
  EXPECT_EQ(directory_.FinalSuccessor("units/stnmt"), "");
  // As of 2022 the centre had merged once; its successor had not merged yet.
  EXPECT_EQ(directory_.SuccessorAsOf("units/dongmo-ttvh", absl::CivilDay(2022, 1, 1)),
            "units/dongmo-ttvhtt");
  EXPECT_EQ(directory_.SuccessorAsOf("units/dongmo-ttvh", kAfter), "units/xa-dongmo");
  EXPECT_EQ(directory_.SuccessorAsOf("units/dongmo", kBefore), "");
}

// ---------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------

TEST_F(UnitResolverTest, ExactNameWins) {
  v1::UnitCandidate c = ExpectResolved(Resolve("Chi cục Bảo vệ Môi trường"), "stnmt-bvmt");
  EXPECT_EQ(c.score(), 100);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_EXACT_NAME));
  EXPECT_EQ(c.matched_text(), "Chi cục Bảo vệ Môi trường");
  EXPECT_EQ(c.display_name(), "Chi cục Bảo vệ Môi trường");
  EXPECT_EQ(c.kind(), v1::UNIT_KIND_SUB_DEPARTMENT);
  EXPECT_EQ(c.parent(), "units/stnmt");
  EXPECT_EQ(c.successor(), "");
}

TEST_F(UnitResolverTest, ExtraSpacesStillMatchExactly) {
  v1::UnitCandidate c = ExpectResolved(Resolve("  Chi cục  Bảo vệ\u00a0Môi trường "), "stnmt-bvmt");
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_EXACT_NAME));
}

TEST_F(UnitResolverTest, ExactAliasAndFoldedAlias) {
  v1::UnitCandidate c = ExpectResolved(Resolve("Sở TN&MT"), "stnmt");
  EXPECT_EQ(c.score(), 97);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_EXACT_ALIAS));
  EXPECT_EQ(c.matched_text(), "Sở TN&MT");

  c = ExpectResolved(Resolve("so tn-mt"), "stnmt");
  EXPECT_EQ(c.score(), 90);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_FOLDED_ALIAS));
}

TEST_F(UnitResolverTest, CodeMatchesCaseInsensitively) {
  v1::UnitCandidate c = ExpectResolved(Resolve("stnmt-ls"), "stnmt");
  EXPECT_EQ(c.score(), 95);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_CODE));
  EXPECT_EQ(c.matched_text(), "STNMT-LS");
}

TEST_F(UnitResolverTest, FoldedName) {
  v1::UnitCandidate c = ExpectResolved(Resolve("SO TAI NGUYEN VA MOI TRUONG"), "stnmt");
  EXPECT_EQ(c.score(), 92);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_FOLDED_NAME));
}

TEST_F(UnitResolverTest, AbbreviationOnEitherSide) {
  // The text abbreviates, the directory spells out.
  v1::UnitCandidate c = ExpectResolved(Resolve("Sở TNMT"), "stnmt");
  EXPECT_EQ(c.score(), 85);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_ABBREVIATION));
  c = ExpectResolved(Resolve("Trung tâm CNTT TN&MT"), "stnmt-cntt");
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_ABBREVIATION));
  // The text spells out, the directory has only the abbreviation.
  c = ExpectResolved(Resolve("Sở Kế hoạch - Đầu tư", "", kBefore), "skhdt");
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_ABBREVIATION));
}

TEST_F(UnitResolverTest, FinanceDivisionWrittenThreeWays) {
  // Under Đồng Mỏ (which has the alias "Phòng TC-KH").
  v1::UnitCandidate folded =
      ExpectResolved(Resolve("phong tai chinh ke hoach", "dongmo"), "dongmo-tckh");
  EXPECT_THAT(Reasons(folded),
              ElementsAre(v1::MATCH_REASON_FOLDED_NAME, v1::MATCH_REASON_CONTEXT_SUBTREE));
  v1::UnitCandidate alias = ExpectResolved(Resolve("Phòng TC-KH", "dongmo"), "dongmo-tckh");
  EXPECT_THAT(Reasons(alias),
              ElementsAre(v1::MATCH_REASON_EXACT_ALIAS, v1::MATCH_REASON_CONTEXT_SUBTREE));
  v1::UnitCandidate hyphen =
      ExpectResolved(Resolve("Phòng Tài chính-Kế hoạch", "dongmo"), "dongmo-tckh");
  EXPECT_EQ(hyphen.reasons(0), v1::MATCH_REASON_FOLDED_NAME);

  // Under Pác Khuông (no alias stored): the abbreviation is expanded.
  v1::UnitCandidate abbr = ExpectResolved(Resolve("Phòng TC-KH", "packhuong"), "packhuong-tckh");
  EXPECT_THAT(Reasons(abbr),
              ElementsAre(v1::MATCH_REASON_ABBREVIATION, v1::MATCH_REASON_CONTEXT_SUBTREE));
  EXPECT_EQ(abbr.matched_text(), "Phòng Tài chính - Kế hoạch");
  ExpectResolved(Resolve("Phòng TCKH", "packhuong"), "packhuong-tckh");

  // Without a context both districts have one.
  ResolveUnitResponse r = Resolve("phong tai chinh ke hoach");
  EXPECT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_AMBIGUOUS);
  ASSERT_GE(r.candidates_size(), 2);
  EXPECT_EQ(r.candidates(0).unit(), "units/dongmo-tckh");
  EXPECT_EQ(r.candidates(1).unit(), "units/packhuong-tckh");
  EXPECT_EQ(r.candidates(0).score(), r.candidates(1).score());
  // Another district's exact alias stays a margin behind the context's unit.
  ResolveUnitResponse own = Resolve("Phòng TC-KH", "packhuong");
  ASSERT_GE(own.candidates_size(), 2);
  EXPECT_EQ(own.candidates(1).unit(), "units/dongmo-tckh");
  EXPECT_LE(own.candidates(1).score(), own.candidates(0).score() - kResolvedMargin);
}

TEST_F(UnitResolverTest, DecomposedInputMatchesExactly) {
  // "Chi cục Bảo vệ Môi trường" in NFD, as pasted from some PDFs.
  const std::string nfd =
      "Chi cu\u0323c Ba\u0309o ve\u0323\u0302 Mo\u0302i tru\u031bo\u031b\u0300ng";
  ASSERT_NE(nfd, "Chi cục Bảo vệ Môi trường");
  v1::UnitCandidate c = ExpectResolved(Resolve(nfd), "stnmt-bvmt");
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_EXACT_NAME));
}

// ---------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------

TEST_F(UnitResolverTest, DepartmentOfficeIsAmbiguousWithoutContext) {
  ResolveUnitResponse r = Resolve("Văn phòng Sở");
  EXPECT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_AMBIGUOUS);
  ASSERT_EQ(r.candidates_size(), 3);
  EXPECT_EQ(r.candidates(0).score(), 100);
  EXPECT_EQ(r.candidates(1).score(), 100);
  // Ties are broken by resource name: same display name.
  EXPECT_THAT(Units(r), ElementsAre("units/skhdt-vp", "units/stc-vp", "units/stnmt-vp"));
}

TEST_F(UnitResolverTest, DepartmentOfficeResolvesInItsDepartment) {
  v1::UnitCandidate c = ExpectResolved(Resolve("Văn phòng Sở", "stnmt"), "stnmt-vp");
  EXPECT_EQ(c.score(), 100);
  EXPECT_THAT(Reasons(c),
              ElementsAre(v1::MATCH_REASON_EXACT_NAME, v1::MATCH_REASON_CONTEXT_RELATIVE,
                          v1::MATCH_REASON_CONTEXT_SUBTREE));
  ExpectResolved(Resolve("Văn phòng Sở", "stc"), "stc-vp");
  // Other departments' offices are still listed, lower.
  ResolveUnitResponse r = Resolve("Văn phòng Sở", "stnmt");
  ASSERT_GE(r.candidates_size(), 2);
  EXPECT_LE(r.candidates(1).score(), 100 - kResolvedMargin);
}

TEST_F(UnitResolverTest, RelativeNamesResolveAgainstTheContext) {
  // "Văn phòng" prefers the OFFICE over the centre "Văn phòng Đăng ký đất đai".
  v1::UnitCandidate c = ExpectResolved(Resolve("Văn phòng", "stnmt"), "stnmt-vp");
  EXPECT_EQ(c.reasons(0), v1::MATCH_REASON_CONTEXT_RELATIVE);
  ExpectResolved(Resolve("VP Sở", "stnmt"), "stnmt-vp");
  ExpectResolved(Resolve("Văn phòng Sở TN&MT", "stnmt"), "stnmt-vp");
  ExpectResolved(Resolve("Văn phòng thuộc Sở", "stc"), "stc-vp");
  ExpectResolved(Resolve("Thanh tra Sở", "stc"), "stc-tt");
  ExpectResolved(Resolve("Thanh tra", "stnmt"), "stnmt-tt");
  // The provincial office under the province.
  ExpectResolved(Resolve("Văn phòng", "tinh"), "tinh-vp");
  // The issuer is a division: "Sở" refers to its department.
  ExpectResolved(Resolve("Văn phòng Sở", "stnmt-qldd"), "stnmt-vp");
}

TEST_F(UnitResolverTest, DistrictNamesResolveUnderTheirDistrict) {
  ExpectResolved(Resolve("Văn phòng HĐND và UBND huyện", "dongmo"), "dongmo-vp");
  ExpectResolved(Resolve("VP HĐND-UBND huyện", "packhuong"), "packhuong-vp");
  ExpectResolved(Resolve("Văn phòng", "dongmo"), "dongmo-vp");
  ExpectResolved(Resolve("Thanh tra huyện", "dongmo"), "dongmo-tt");
  v1::UnitCandidate c = ExpectResolved(Resolve("Thanh tra huyện Đồng Mỏ", "dongmo"), "dongmo-tt");
  EXPECT_EQ(c.reasons(0), v1::MATCH_REASON_CONTEXT_RELATIVE);
  ExpectResolved(Resolve("Công an huyện", "packhuong"), "packhuong-ca");
  EXPECT_EQ(Resolve("Công an huyện").outcome(), v1::RESOLUTION_OUTCOME_AMBIGUOUS);
}

TEST_F(UnitResolverTest, ContextSubtreeRanksItsOwnUnitsFirst) {
  ResolveUnitResponse r = Resolve("Công an huyện", "dongmo");
  ASSERT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_RESOLVED);
  ASSERT_EQ(r.candidates_size(), 2);
  EXPECT_EQ(r.candidates(0).unit(), "units/dongmo-ca");
  // "huyện" refers to the context: relative as well as in the subtree.
  EXPECT_THAT(Reasons(r.candidates(0)),
              ElementsAre(v1::MATCH_REASON_EXACT_NAME, v1::MATCH_REASON_CONTEXT_RELATIVE,
                          v1::MATCH_REASON_CONTEXT_SUBTREE));
  EXPECT_EQ(r.candidates(1).unit(), "units/packhuong-ca");
  EXPECT_THAT(Reasons(r.candidates(1)), ElementsAre(v1::MATCH_REASON_EXACT_NAME));
  EXPECT_EQ(r.candidates(1).score(), 88);
  // A unit outside the context is still found when only it matches, as a
  // coordinating department usually is.
  ExpectResolved(Resolve("Phòng Quản lý ngân sách", "stnmt"), "stc-qlns");
  v1::UnitCandidate c = ExpectResolved(Resolve("Sở Tài chính", "stnmt"), "stc");
  EXPECT_EQ(c.score(), 88);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_EXACT_NAME));
}

// ---------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------

TEST_F(UnitResolverTest, MergedDistrictIsHistoricalWithItsSuccessor) {
  v1::UnitCandidate c = ExpectResolved(Resolve("UBND huyện Đồng Mỏ", "", kAfter), "dongmo");
  EXPECT_EQ(c.score(), 85);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_EXACT_NAME, v1::MATCH_REASON_HISTORICAL));
  EXPECT_EQ(c.successor(), "units/xa-dongmo");

  // On its last day it still exists.
  c = ExpectResolved(Resolve("UBND huyện Đồng Mỏ", "", absl::CivilDay(2025, 6, 30)), "dongmo");
  EXPECT_EQ(c.score(), 100);
  EXPECT_THAT(Reasons(c), ElementsAre(v1::MATCH_REASON_EXACT_NAME));
  EXPECT_EQ(c.successor(), "");
}

TEST_F(UnitResolverTest, AsOfInTheRequestOverridesToday) {
  ResolveUnitRequest request;
  request.set_text("UBND huyện Đồng Mỏ");
  request.mutable_as_of()->set_year(2024);
  request.mutable_as_of()->set_month(1);
  request.mutable_as_of()->set_day(15);
  absl::StatusOr<ResolveUnitResponse> r = ResolveUnit(directory_, request, kAfter);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->candidates(0).score(), 100);
  EXPECT_EQ(r->candidates(0).successor(), "");
}

TEST_F(UnitResolverTest, SuccessorIsTheEndOfTheChainAsOfTheDate) {
  v1::UnitCandidate c = ExpectResolved(
      Resolve("Trung tâm Văn hóa - Thông tin huyện", "dongmo", kAfter), "dongmo-ttvh");
  EXPECT_EQ(c.successor(), "units/xa-dongmo");
  c = ExpectResolved(
      Resolve("Trung tâm Văn hóa - Thông tin huyện", "dongmo", absl::CivilDay(2022, 3, 1)),
      "dongmo-ttvh");
  EXPECT_EQ(c.successor(), "units/dongmo-ttvhtt");
  // The division merged into a commune's division.
  c = ExpectResolved(Resolve("Phòng TC-KH", "dongmo", kAfter), "dongmo-tckh");
  EXPECT_EQ(c.successor(), "units/xa-dongmo-kt");
}

TEST_F(UnitResolverTest, EndedUnitWithoutSuccessor) {
  v1::UnitCandidate c = ExpectResolved(Resolve("Thanh tra huyện", "dongmo", kAfter), "dongmo-tt");
  EXPECT_EQ(c.score(), 85);
  EXPECT_EQ(Reasons(c).back(), v1::MATCH_REASON_HISTORICAL);
  EXPECT_EQ(c.successor(), "");
}

TEST_F(UnitResolverTest, HistoricalUnitsRankBelowCurrentOnes) {
  ResolveUnitResponse r = Resolve("Văn phòng Sở", "", kAfter);
  EXPECT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_AMBIGUOUS);
  EXPECT_THAT(Units(r), ElementsAre("units/stc-vp", "units/stnmt-vp", "units/skhdt-vp"));
  EXPECT_EQ(r.candidates(2).score(), 85);
  EXPECT_EQ(r.candidates(2).successor(), "units/stc-vp");
  // The merged department is found by its old abbreviation.
  v1::UnitCandidate c = ExpectResolved(Resolve("Sở KH&ĐT", "", kAfter), "skhdt");
  EXPECT_EQ(c.successor(), "units/stc");
}

TEST_F(UnitResolverTest, UnitsNotYetCreatedRankLower) {
  v1::UnitCandidate c = ExpectResolved(Resolve("Phòng Kinh tế", "", kBefore), "xa-dongmo-kt");
  EXPECT_EQ(c.score(), 85);
  c = ExpectResolved(Resolve("Phòng Kinh tế", "", kAfter), "xa-dongmo-kt");
  EXPECT_EQ(c.score(), 100);
}

// ---------------------------------------------------------------------------
// Outcomes and limits
// ---------------------------------------------------------------------------

TEST_F(UnitResolverTest, CollectiveNamesHaveNoCandidates) {
  for (const char* text : {"UBND các xã, thị trấn", "Các cơ quan, đơn vị, địa phương trên địa bàn",
                           "các phòng chuyên môn", "các cơ quan, đơn vị liên quan"}) {
    ResolveUnitResponse r = Resolve(text, "dongmo");
    EXPECT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_COLLECTIVE) << text;
    EXPECT_EQ(r.candidates_size(), 0) << text;
  }
}

TEST_F(UnitResolverTest, GibberishIsUnresolvedWithoutCandidates) {
  for (const char* text : {"xyzzy qwerty", "—", "Phòng", "Ban chỉ đạo 389"}) {
    ResolveUnitResponse r = Resolve(text);
    EXPECT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_UNRESOLVED) << text;
    EXPECT_EQ(r.candidates_size(), 0) << text << r.DebugString();
  }
}

TEST_F(UnitResolverTest, PartialMatchesAreListedButUnresolved) {
  ResolveUnitResponse r = Resolve("Phòng Quản lý tài sản");
  EXPECT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_UNRESOLVED);
  ASSERT_GE(r.candidates_size(), 2);
  EXPECT_THAT(Units(r), ::testing::Contains("units/stnmt-qldd"));
  EXPECT_THAT(Units(r), ::testing::Contains("units/stc-qlns"));
  for (const auto& c : r.candidates()) {
    EXPECT_EQ(c.reasons(0), v1::MATCH_REASON_PARTIAL);
    EXPECT_LT(c.score(), kResolvedMinScore);
    EXPECT_GE(c.score(), kMinCandidateScore);
  }
}

UnitDirectory ManySameNames(int n) {
  std::vector<Unit> units;
  for (int i = 0; i < n; ++i) {
    units.push_back(MakeUnit("to-" + std::to_string(100 + i), "TO-" + std::to_string(i),
                             "Tổ công tác", v1::UNIT_KIND_OTHER_BODY, ""));
  }
  return UnitDirectory(std::move(units));
}

TEST(ResolveUnitLimits, MaxCandidatesDefaultsAndCaps) {
  UnitDirectory directory = ManySameNames(25);
  ResolveUnitRequest request;
  request.set_text("Tổ công tác");
  auto count = [&](int max) {
    request.set_max_candidates(max);
    absl::StatusOr<ResolveUnitResponse> r = ResolveUnit(directory, request, kBefore);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->outcome(), v1::RESOLUTION_OUTCOME_AMBIGUOUS);
    return r->candidates_size();
  };
  EXPECT_EQ(count(0), kDefaultMaxCandidates);
  EXPECT_EQ(count(1), 1);
  EXPECT_EQ(count(7), 7);
  EXPECT_EQ(count(20), 20);
  EXPECT_EQ(count(21), kMaxMaxCandidates);
  EXPECT_EQ(count(1000), kMaxMaxCandidates);
}

TEST_F(UnitResolverTest, OutcomeIsJudgedBeforeTheListIsCut) {
  ResolveUnitResponse r = Resolve("Văn phòng Sở", "", kBefore, 1);
  EXPECT_EQ(r.outcome(), v1::RESOLUTION_OUTCOME_AMBIGUOUS);
  EXPECT_EQ(r.candidates_size(), 1);
}

TEST_F(UnitResolverTest, RejectsInvalidRequests) {
  auto status = [&](const ResolveUnitRequest& request) {
    return ResolveUnit(directory_, request, kBefore).status();
  };
  ResolveUnitRequest request;
  EXPECT_EQ(status(request).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status(request).message()), HasSubstr("text"));
  request.set_text(" \t\u00a0 ");
  EXPECT_EQ(status(request).code(), absl::StatusCode::kInvalidArgument);

  std::string ok_text;
  for (int i = 0; i < kMaxResolveTextChars; ++i) ok_text += "ệ";  // 300 characters
  request.set_text(ok_text);
  EXPECT_TRUE(status(request).ok());
  request.set_text(ok_text + "a");
  EXPECT_EQ(status(request).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status(request).message()), HasSubstr("300"));

  request.set_text("Văn phòng Sở");
  for (const char* bad : {"stnmt", "units/", "units/a/b", "units/a b", "plans/stnmt"}) {
    request.set_context_unit(bad);
    EXPECT_EQ(status(request).code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(status(request).message()), HasSubstr("context_unit")) << bad;
  }
  request.set_context_unit("units/nowhere");
  EXPECT_EQ(status(request).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status(request).message()), HasSubstr("units/nowhere"));
  request.clear_context_unit();

  request.set_max_candidates(-1);
  EXPECT_EQ(status(request).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status(request).message()), HasSubstr("max_candidates"));
  request.set_max_candidates(0);

  request.mutable_as_of()->set_year(2023);
  request.mutable_as_of()->set_month(2);
  request.mutable_as_of()->set_day(29);
  EXPECT_EQ(status(request).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status(request).message()), HasSubstr("as_of"));
}

// ---------------------------------------------------------------------------
// Robustness and determinism
// ---------------------------------------------------------------------------

TEST(ResolveUnitCycles, MergeAndParentCyclesDoNotLoop) {
  std::vector<Unit> units = {
      MakeUnit("a", "A", "Ban Quản lý dự án A", v1::UNIT_KIND_CENTER, "b", {}, {}, {2020, 1, 1},
               "b"),
      MakeUnit("b", "B", "Ban Quản lý dự án B", v1::UNIT_KIND_CENTER, "a", {}, {}, {2020, 1, 1},
               "a"),
      MakeUnit("c", "C", "Ban Quản lý dự án C", v1::UNIT_KIND_CENTER, "", {}, {}, {2020, 1, 1},
               "c"),
  };
  UnitDirectory directory(std::move(units));
  EXPECT_EQ(directory.FinalSuccessor("units/a"), "units/b");
  EXPECT_EQ(directory.FinalSuccessor("units/b"), "units/a");
  EXPECT_EQ(directory.FinalSuccessor("units/c"), "");
  EXPECT_EQ(directory.Ancestors("units/a").size(), 1u);
  EXPECT_TRUE(directory.InSubtree("units/a", "units/b"));

  ResolveUnitRequest request;
  request.set_text("BQLDA A");
  request.set_context_unit("units/a");
  absl::StatusOr<ResolveUnitResponse> r = ResolveUnit(directory, request, kAfter);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_GE(r->candidates_size(), 1);
  EXPECT_EQ(r->candidates(0).unit(), "units/a");
  EXPECT_EQ(r->candidates(0).successor(), "units/b");
  request.set_text("Ban Quản lý dự án C");
  r = ResolveUnit(directory, request, kAfter);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->candidates(0).successor(), "");
}

TEST(ResolveUnitCycles, MissingParentsAndSuccessorsAreTolerated) {
  std::vector<Unit> units = {
      MakeUnit("x", "X", "Phòng Nội vụ", v1::UNIT_KIND_DIVISION, "gone", {}, {}, {2025, 6, 30},
               "also-gone"),
  };
  UnitDirectory directory(std::move(units));
  EXPECT_TRUE(directory.Ancestors("units/x").empty());
  EXPECT_EQ(directory.FinalSuccessor("units/x"), "units/also-gone");
  ResolveUnitRequest request;
  request.set_text("Phòng Nội vụ");
  absl::StatusOr<ResolveUnitResponse> r = ResolveUnit(directory, request, kAfter);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->candidates(0).successor(), "units/also-gone");
}

TEST_F(UnitResolverTest, OrderIsDeterministicWhateverTheDirectoryOrder) {
  std::vector<Unit> reversed = ProvinceUnits();
  std::reverse(reversed.begin(), reversed.end());
  UnitDirectory other(std::move(reversed));
  for (const char* text :
       {"Văn phòng Sở", "Phòng Quản lý tài sản", "Thanh tra huyện", "Công an huyện", "Văn phòng"}) {
    for (const char* context : {"", "units/stnmt", "units/dongmo"}) {
      ResolveUnitRequest request;
      request.set_text(text);
      request.set_context_unit(context);
      absl::StatusOr<ResolveUnitResponse> a = ResolveUnit(directory_, request, kAfter);
      absl::StatusOr<ResolveUnitResponse> b = ResolveUnit(other, request, kAfter);
      absl::StatusOr<ResolveUnitResponse> again = ResolveUnit(directory_, request, kAfter);
      ASSERT_TRUE(a.ok() && b.ok() && again.ok());
      EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString()) << text << " / " << context;
      EXPECT_EQ(a->SerializeAsString(), again->SerializeAsString()) << text;
      for (int i = 1; i < a->candidates_size(); ++i) {
        const auto& prev = a->candidates(i - 1);
        const auto& cur = a->candidates(i);
        EXPECT_TRUE(prev.score() > cur.score() ||
                    (prev.score() == cur.score() && prev.display_name() <= cur.display_name()))
            << text;
      }
    }
  }
}

}  // namespace
}  // namespace chiso::assignment
