#include "services/scoring/framework_domain.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::scoring {
namespace {

using chiso::common::v1::Measure;
using chiso::scoring::v1::Aggregation;
using chiso::scoring::v1::Component;
using chiso::scoring::v1::FrameworkOrigin;
using chiso::scoring::v1::GradeBand;
using chiso::scoring::v1::Level;
using chiso::scoring::v1::Provenance;
using chiso::scoring::v1::Subject;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kUnit[] = "units/01j0000000000000000000000a";

const Catalog& TheCatalog() {
  static const Catalog* catalog = new Catalog(*Catalog::Builtin());
  return *catalog;
}

const std::vector<Framework>& Builtins() {
  static const std::vector<Framework>* all = [] {
    absl::StatusOr<std::vector<Framework>> loaded = BuiltinFrameworks(TheCatalog());
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return new std::vector<Framework>(loaded.ok() ? *loaded : std::vector<Framework>{});
  }();
  return *all;
}

const Framework& Builtin(absl::string_view name) {
  for (const Framework& f : Builtins()) {
    if (f.name() == name) return f;
  }
  ADD_FAILURE() << "no built-in version " << name;
  static const Framework* empty = new Framework();
  return *empty;
}

std::vector<std::string> Codes(const Framework& f) {
  std::vector<std::string> codes;
  for (const Component& c : f.components()) codes.push_back(c.code());
  return codes;
}

std::vector<int> Weights(const Framework& f) {
  std::vector<int> weights;
  for (const Component& c : f.components()) weights.push_back(c.weight());
  return weights;
}

Result MakeResult(absl::string_view code, Level level, int year, absl::string_view entity,
                  const std::vector<std::string>& components,
                  const std::vector<std::string>& scores) {
  Result r;
  r.mutable_subject()->set_entity(std::string(entity));
  r.set_framework_code(std::string(code));
  r.set_level(level);
  r.set_year(year);
  for (size_t i = 0; i < components.size() && i < scores.size(); ++i) {
    auto* s = r.add_component_scores();
    s->set_component(components[i]);
    s->mutable_score()->set_value(scores[i]);
  }
  return r;
}

const std::vector<std::string> kPci = {
    "ENTRY_COSTS",       "LAND_ACCESS", "TRANSPARENCY",     "TIME_COSTS",     "INFORMAL_CHARGES",
    "EQUAL_COMPETITION", "PROACTIVITY", "BUSINESS_SUPPORT", "LABOR_TRAINING", "LEGAL_INSTITUTIONS"};
const std::vector<std::string> kDdciDepartment = {
    "TRANSPARENCY",     "TIME_COSTS",         "INFORMAL_CHARGES", "EQUAL_COMPETITION",
    "BUSINESS_SUPPORT", "LEGAL_INSTITUTIONS", "LEADERSHIP",       "DYNAMISM"};

Result QuangNinhPci2019() {
  return MakeResult(
      "PCI", Level::LEVEL_PROVINCE, 2019, "Quảng Ninh", kPci,
      {"7.16", "7.00", "7.20", "7.89", "7.10", "7.69", "7.96", "6.68", "7.95", "7.58"});
}

Result BacGiangPci2022() {
  return MakeResult(
      "PCI", Level::LEVEL_PROVINCE, 2022, "Bắc Giang", kPci,
      {"6.65", "7.29", "6.30", "7.38", "8.02", "7.31", "7.62", "6.10", "6.80", "8.60"});
}

Result SeedDdci2019() {
  Result r =
      MakeResult("DDCI", Level::LEVEL_DEPARTMENT, 2019, "Sở Tài nguyên và Môi trường",
                 kDdciDepartment, {"6.77", "6.83", "5.53", "2.65", "4.50", "6.78", "4.69", "6.26"});
  const int ranks[] = {16, 18, 16, 23, 20, 14, 14, 10};
  for (int i = 0; i < 8; ++i) {
    r.mutable_component_scores(i)->set_rank(ranks[i]);
    r.mutable_component_scores(i)->set_rank_of(23);
  }
  r.set_published_rank(20);
  r.set_published_rank_of(23);
  return r;
}

Exact ExactOf(const chiso::common::v1::Decimal& d) {
  absl::StatusOr<int64_t> t = ParseThousandths("test", d);
  EXPECT_TRUE(t.ok()) << t.status() << " " << d.value();
  return Exact::FromThousandths(t.ok() ? *t : 0);
}

// ---------------------------------------------------------------------------
// The built-in catalog
// ---------------------------------------------------------------------------

TEST(FrameworkDomainBuiltinTest, LoadsValidatesAndFillsNames) {
  absl::StatusOr<std::vector<Framework>> all = BuiltinFrameworks(TheCatalog());
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 10u);
  for (const Framework& f : *all) {
    SCOPED_TRACE(f.name());
    EXPECT_TRUE(ValidateFramework(f, &TheCatalog()).ok()) << ValidateFramework(f, &TheCatalog());
    EXPECT_TRUE(ValidateFramework(f, nullptr).ok()) << "names must be filled in";
    EXPECT_EQ(f.origin(), FrameworkOrigin::FRAMEWORK_ORIGIN_CATALOG);
    EXPECT_THAT(f.name(), StartsWith("frameworks/"));
    EXPECT_FALSE(f.display_name().empty());
    EXPECT_TRUE(RulesOf(f).ok());
    for (const Component& c : f.components()) {
      EXPECT_FALSE(c.name_vi().empty()) << c.code();
      EXPECT_FALSE(c.name_en().empty()) << c.code();
      EXPECT_TRUE(c.higher_is_better()) << c.code();
    }
    // Every version says how well its definition is established.
    ASSERT_GT(f.provenance_size(), 0);
    bool stated = false;
    for (const auto& note : f.provenance()) {
      stated = stated || note.provenance() == Provenance::PROVENANCE_VERIFIED ||
               note.provenance() == Provenance::PROVENANCE_INFERRED;
      EXPECT_FALSE(note.note().empty());
    }
    EXPECT_TRUE(stated);
  }
  EXPECT_EQ(Builtin("frameworks/pci-2014-province").display_name(),
            "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)");
  EXPECT_EQ(Builtin("frameworks/par-index-2012-province").display_name(),
            "Chỉ số cải cách hành chính (PAR INDEX)");
  EXPECT_EQ(Builtin("frameworks/pci-2014-province").components(3).name_vi(), "Chi phí thời gian");
  EXPECT_EQ(Builtin("frameworks/ddci-2016-department").display_name(),
            "Chỉ số DDCI tỉnh Lạng Sơn - khối sở, ban, ngành");
}

TEST(FrameworkDomainBuiltinTest, HasNoOverlaps) {
  for (const Framework& f : Builtins()) {
    EXPECT_TRUE(CheckNoOverlap(f, Builtins()).ok()) << CheckNoOverlap(f, Builtins());
  }
}

TEST(FrameworkDomainBuiltinTest, HasEveryDomainCodeInOrder) {
  const std::vector<std::string> par = {"DIRECTION",          "INSTITUTIONS",  "ADMIN_PROCEDURES",
                                        "ORGANIZATION",       "CIVIL_SERVICE", "PUBLIC_FINANCE",
                                        "DIGITAL_GOVERNMENT", "IMPACT"};
  const std::vector<std::string> papi = {
      "PARTICIPATION",    "TRANSPARENCY",    "VERTICAL_ACCOUNTABILITY",  "CORRUPTION_CONTROL",
      "ADMIN_PROCEDURES", "PUBLIC_SERVICES", "ENVIRONMENTAL_GOVERNANCE", "E_GOVERNANCE"};
  std::vector<std::string> ddci_district(kDdciDepartment.begin(), kDdciDepartment.end() - 1);
  ddci_district.push_back("LAND_ACCESS");
  EXPECT_THAT(Codes(Builtin("frameworks/par-index-2012-province")), ElementsAreArray(par));
  EXPECT_THAT(Codes(Builtin("frameworks/sipas-2017-province")),
              ElementsAre("ACCESS", "PROCEDURES", "CIVIL_SERVANTS", "RESULTS", "FEEDBACK"));
  EXPECT_THAT(Codes(Builtin("frameworks/papi-2018-province")), ElementsAreArray(papi));
  EXPECT_THAT(Codes(Builtin("frameworks/papi-2009-province")),
              ElementsAreArray(std::vector<std::string>(papi.begin(), papi.begin() + 6)));
  for (const char* pci : {"frameworks/pci-2005-province", "frameworks/pci-2014-province",
                          "frameworks/pci-2022-province"}) {
    EXPECT_THAT(Codes(Builtin(pci)), ElementsAreArray(kPci)) << pci;
  }
  EXPECT_THAT(Codes(Builtin("frameworks/ddci-2016-department")), ElementsAreArray(kDdciDepartment));
  EXPECT_THAT(Codes(Builtin("frameworks/ddci-2016-district")), ElementsAreArray(ddci_district));
  EXPECT_THAT(Codes(Builtin("frameworks/pgi-2022-province")),
              ElementsAre("CLIMATE_RISK", "ENV_STANDARDS", "GREEN_LEADERSHIP", "GREEN_SUPPORT"));
}

TEST(FrameworkDomainBuiltinTest, DefinesTheIndicesAsDomainSays) {
  const Framework& par = Builtin("frameworks/par-index-2012-province");
  EXPECT_EQ(par.aggregation(), Aggregation::AGGREGATION_PERCENTAGE);
  EXPECT_EQ(par.total_measure(), Measure::MEASURE_PERCENT);
  ASSERT_EQ(par.grade_bands_size(), 3);
  EXPECT_EQ(par.grade_bands(0).grade(), "A");
  EXPECT_EQ(par.grade_bands(0).label(), "Nhóm A");
  EXPECT_EQ(par.grade_bands(2).lower_bound().value(), "70");

  EXPECT_EQ(Builtin("frameworks/sipas-2017-province").total_measure(), Measure::MEASURE_PERCENT);
  EXPECT_EQ(Builtin("frameworks/papi-2018-province").total_decimals(), 3);
  EXPECT_EQ(Builtin("frameworks/papi-2018-province").aggregation(), Aggregation::AGGREGATION_SUM);
  EXPECT_EQ(Builtin("frameworks/papi-2018-province").components(0).min().value(), "1");

  EXPECT_EQ(Builtin("frameworks/pci-2005-province").aggregation(),
            Aggregation::AGGREGATION_PUBLISHED_ONLY);
  EXPECT_EQ(Builtin("frameworks/pci-2005-province").valid_years().end_year(), 2013);
  EXPECT_EQ(Builtin("frameworks/pci-2022-province").valid_years().end_year(), 2024);
  EXPECT_EQ(Builtin("frameworks/pci-2014-province").scale().value(), "10");
  EXPECT_EQ(Builtin("frameworks/pci-2014-province").grade_bands_size(), 0);

  const Framework& ddci = Builtin("frameworks/ddci-2016-department");
  EXPECT_EQ(ddci.aggregation(), Aggregation::AGGREGATION_MEAN_SCALED);
  EXPECT_EQ(ddci.measured_by().display_name(), "UBND tỉnh Lạng Sơn");
  EXPECT_EQ(ddci.valid_years().start_year(), 2016);
  EXPECT_EQ(Builtin("frameworks/ddci-2016-district").level(), Level::LEVEL_DISTRICT);

  const Framework& pgi = Builtin("frameworks/pgi-2022-province");
  EXPECT_EQ(pgi.aggregation(), Aggregation::AGGREGATION_SUM);
  EXPECT_EQ(pgi.components(3).max().value(), "10");
}

// ---------------------------------------------------------------------------
// Choosing a version
// ---------------------------------------------------------------------------

TEST(FrameworkDomainVersionsTest, PapiHasSixDimensionsUntil2017AndEightFrom2018) {
  std::vector<const Framework*> v2017 =
      VersionsFor(Builtins(), "PAPI", Level::LEVEL_PROVINCE, 2017);
  ASSERT_EQ(v2017.size(), 1u);
  EXPECT_EQ(v2017[0]->components_size(), 6);
  std::vector<const Framework*> v2018 =
      VersionsFor(Builtins(), "PAPI", Level::LEVEL_PROVINCE, 2018);
  ASSERT_EQ(v2018.size(), 1u);
  EXPECT_EQ(v2018[0]->components_size(), 8);
  EXPECT_TRUE(VersionsFor(Builtins(), "PAPI", Level::LEVEL_DISTRICT, 2018).empty());
}

TEST(FrameworkDomainVersionsTest, PciWeightsFollowTheEdition) {
  std::vector<const Framework*> v = VersionsFor(Builtins(), "PCI", Level::LEVEL_PROVINCE, 2021);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(Weights(*v[0]), ElementsAre(5, 5, 20, 5, 10, 5, 5, 20, 20, 5));
  v = VersionsFor(Builtins(), "PCI", Level::LEVEL_PROVINCE, 2022);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(Weights(*v[0]), ElementsAre(5, 10, 5, 5, 15, 10, 15, 15, 10, 10));
  v = VersionsFor(Builtins(), "PCI", Level::LEVEL_PROVINCE, 2013);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0]->aggregation(), Aggregation::AGGREGATION_PUBLISHED_ONLY);
  // A later edition has no built-in version: an administrator adds it.
  EXPECT_TRUE(VersionsFor(Builtins(), "PCI", Level::LEVEL_PROVINCE, 2025).empty());
  EXPECT_TRUE(VersionsFor(Builtins(), "PCI", Level::LEVEL_PROVINCE, 2004).empty());
}

TEST(FrameworkDomainVersionsTest, DdciByLevel) {
  std::vector<const Framework*> v = VersionsFor(Builtins(), "DDCI", Level::LEVEL_DEPARTMENT, 2019);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0]->name(), "frameworks/ddci-2016-department");
  v = VersionsFor(Builtins(), "DDCI", Level::LEVEL_DISTRICT, 2024);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0]->name(), "frameworks/ddci-2016-district");
  EXPECT_TRUE(VersionsFor(Builtins(), "DDCI", Level::LEVEL_PROVINCE, 2019).empty());
  EXPECT_TRUE(VersionsFor(Builtins(), "NOPE", Level::LEVEL_PROVINCE, 2019).empty());
}

// ---------------------------------------------------------------------------
// Scoring results
// ---------------------------------------------------------------------------

TEST(FrameworkDomainScoreTest, SeedDdci2019ComputesItsTotal) {
  Result r = SeedDdci2019();
  ASSERT_TRUE(ValidateResultShape(r).ok()) << ValidateResultShape(r);
  const Framework& ddci = Builtin("frameworks/ddci-2016-department");
  ASSERT_TRUE(ScoreResult(r, ddci).ok()) << ScoreResult(r, ddci);
  EXPECT_EQ(r.framework(), "frameworks/ddci-2016-department");
  // 44.01 / 80 × 100 = 55.0125, kept exact; shown as 55.01.
  EXPECT_EQ(r.computed_total().value(), "55.0125");
  EXPECT_EQ(r.display_total().value(), "55.01");
  absl::StatusOr<FrameworkRules> rules = RulesOf(ddci);
  ASSERT_TRUE(rules.ok());
  std::vector<std::optional<int64_t>> scores;
  for (const auto& s : r.component_scores()) {
    scores.push_back(*ParseThousandths("s", s.score()));
  }
  std::optional<Exact> total = ComputeTotal(*rules, scores);
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, Exact::Ratio(550125, 10000));
  EXPECT_EQ(Format(*total, rules->total_decimals), "55.01");
  EXPECT_EQ(r.grade(), "");
  EXPECT_FALSE(r.has_total_difference());
  EXPECT_FALSE(r.total_mismatch());
  EXPECT_EQ(r.component_scores(3).rank(), 23);
  EXPECT_EQ(r.component_scores(3).rank_of(), 23);
}

TEST(FrameworkDomainScoreTest, SeedDdciTargetsOfCaoLoc) {
  std::vector<std::string> district(kDdciDepartment.begin(), kDdciDepartment.end() - 1);
  district.push_back("LAND_ACCESS");
  Result r = MakeResult("DDCI", Level::LEVEL_DISTRICT, 2024, "Cao Lộc", district,
                        {"9.06", "8.79", "7.40", "5.93", "8.90", "9.26", "9.33", "5.78"});
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/ddci-2016-district")).ok());
  EXPECT_EQ(r.computed_total().value(), "80.5625");  // exact
  EXPECT_EQ(r.display_total().value(), "80.56");     // as the plan prints it
}

TEST(FrameworkDomainScoreTest, ReordersAndCanonicalisesComponentScores) {
  Result r = SeedDdci2019();
  // Reverse the order and write decimal commas.
  Result reversed = r;
  reversed.clear_component_scores();
  for (int i = r.component_scores_size() - 1; i >= 0; --i) {
    auto* s = reversed.add_component_scores();
    *s = r.component_scores(i);
    std::string v = s->score().value();
    std::replace(v.begin(), v.end(), '.', ',');
    s->mutable_score()->set_value(v);
  }
  ASSERT_TRUE(ScoreResult(reversed, Builtin("frameworks/ddci-2016-department")).ok());
  ASSERT_EQ(reversed.component_scores_size(), 8);
  EXPECT_EQ(reversed.component_scores(0).component(), "TRANSPARENCY");
  EXPECT_EQ(reversed.component_scores(0).score().value(), "6.77");
  EXPECT_EQ(reversed.component_scores(4).score().value(), "4.50");
  EXPECT_EQ(reversed.component_scores(7).component(), "DYNAMISM");
  EXPECT_EQ(reversed.computed_total().value(), "55.0125");
}

TEST(FrameworkDomainScoreTest, QuangNinhPci2019IsExactly73Point40) {
  Result r = QuangNinhPci2019();
  r.mutable_published_total()->set_value("73,40");
  r.set_published_rank(1);
  r.set_published_rank_of(63);
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/pci-2014-province")).ok());
  EXPECT_EQ(r.computed_total().value(), "73.40");
  EXPECT_EQ(ExactOf(r.computed_total()), Exact::Ratio(734, 10));
  EXPECT_EQ(r.published_total().value(), "73.40");
  EXPECT_EQ(ExactOf(r.total_difference()), Exact::Integer(0));
  EXPECT_FALSE(r.total_mismatch());
}

TEST(FrameworkDomainScoreTest, BacGiangPci2022IsWithinRounding) {
  Result r = BacGiangPci2022();
  r.mutable_published_total()->set_value("72.80");
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/pci-2022-province")).ok());
  EXPECT_EQ(r.computed_total().value(), "72.775");
  EXPECT_EQ(r.display_total().value(), "72.80");  // as published
  EXPECT_EQ(Format(ExactOf(r.computed_total()), 2), "72.78");
  EXPECT_EQ(r.total_difference().value(), "0.025");
  EXPECT_FALSE(r.total_mismatch());
}

TEST(FrameworkDomainScoreTest, FlagsAPublishedTotalBeyondRounding) {
  Result r = BacGiangPci2022();
  r.mutable_published_total()->set_value("73.00");
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/pci-2022-province")).ok());
  EXPECT_EQ(r.total_difference().value(), "0.225");
  EXPECT_TRUE(r.total_mismatch());
  // Both totals are kept.
  EXPECT_EQ(r.published_total().value(), "73.00");
  EXPECT_EQ(r.computed_total().value(), "72.775");

  r.mutable_published_total()->set_value("72.70");  // −0.075
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/pci-2022-province")).ok());
  EXPECT_EQ(r.total_difference().value(), "-0.075");
  EXPECT_TRUE(r.total_mismatch());

  r.mutable_published_total()->set_value("72.825");  // exactly 0.05: rounding
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/pci-2022-province")).ok());
  EXPECT_FALSE(r.total_mismatch());
}

TEST(FrameworkDomainScoreTest, PublishedTotalOnlyIsGradedFromIt) {
  const Framework& par = Builtin("frameworks/par-index-2012-province");
  Result r = MakeResult("PAR_INDEX", Level::LEVEL_PROVINCE, 2021, "Tỉnh X", {}, {});
  r.mutable_published_total()->set_value("75,5");
  r.set_published_rank(63);
  r.set_published_rank_of(63);
  ASSERT_TRUE(ValidateResultShape(r).ok());
  ASSERT_TRUE(ScoreResult(r, par).ok());
  EXPECT_FALSE(r.has_computed_total());
  EXPECT_FALSE(r.has_total_difference());
  EXPECT_FALSE(r.total_mismatch());
  EXPECT_EQ(r.published_total().value(), "75.5");
  EXPECT_EQ(r.grade(), "C");

  for (const auto& [total, grade] : std::vector<std::pair<std::string, std::string>>{
           {"90", "A"}, {"89.99", "B"}, {"80", "B"}, {"70", "C"}, {"69.9", ""}}) {
    r.mutable_published_total()->set_value(total);
    ASSERT_TRUE(ScoreResult(r, par).ok());
    EXPECT_EQ(r.grade(), grade) << total;
  }
}

TEST(FrameworkDomainScoreTest, GradesFromTheComputedTotalWithoutAPublishedOne) {
  const Framework& par = Builtin("frameworks/par-index-2012-province");
  std::vector<std::string> codes = Codes(par);
  Result r = MakeResult("PAR_INDEX", Level::LEVEL_PROVINCE, 2024, "Tỉnh X", codes,
                        std::vector<std::string>(8, "91"));
  ASSERT_TRUE(ScoreResult(r, par).ok());
  EXPECT_EQ(r.computed_total().value(), "91.00");
  EXPECT_EQ(r.grade(), "A");
  r.mutable_published_total()->set_value("85");  // the published total wins
  ASSERT_TRUE(ScoreResult(r, par).ok());
  EXPECT_EQ(r.grade(), "B");
  EXPECT_TRUE(r.total_mismatch());
}

TEST(FrameworkDomainScoreTest, KeepsAPublishedTier) {
  Result r = QuangNinhPci2019();
  r.set_published_tier("Rất tốt");
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/pci-2014-province")).ok());
  EXPECT_EQ(r.published_tier(), "Rất tốt");
  EXPECT_EQ(r.grade(), "");  // PCI has no bands
}

TEST(FrameworkDomainScoreTest, PublishedOnlyAndMissingComponentsComputeNoTotal) {
  Result old = MakeResult("PCI", Level::LEVEL_PROVINCE, 2010, "Đà Nẵng", {"TIME_COSTS"}, {"7.5"});
  old.mutable_published_total()->set_value("69.77");
  ASSERT_TRUE(ScoreResult(old, Builtin("frameworks/pci-2005-province")).ok());
  EXPECT_FALSE(old.has_computed_total());
  EXPECT_FALSE(old.has_total_difference());
  EXPECT_EQ(old.component_scores(0).score().value(), "7.5");

  Result partial = QuangNinhPci2019();
  partial.mutable_component_scores()->RemoveLast();
  ASSERT_TRUE(ScoreResult(partial, Builtin("frameworks/pci-2014-province")).ok());
  EXPECT_FALSE(partial.has_computed_total());
}

TEST(FrameworkDomainScoreTest, ClearsStaleComputedFields) {
  Result r = MakeResult("PCI", Level::LEVEL_PROVINCE, 2010, "Đà Nẵng", {}, {});
  r.mutable_computed_total()->set_value("99");
  r.set_grade("Z");
  r.mutable_total_difference()->set_value("1");
  r.set_total_mismatch(true);
  ASSERT_TRUE(ScoreResult(r, Builtin("frameworks/pci-2005-province")).ok());
  EXPECT_FALSE(r.has_computed_total());
  EXPECT_EQ(r.grade(), "");
  EXPECT_FALSE(r.has_total_difference());
  EXPECT_FALSE(r.total_mismatch());
  EXPECT_EQ(r.framework(), "frameworks/pci-2005-province");
}

void ExpectScoreError(Result r, const Framework& f, absl::string_view fragment) {
  absl::Status s = ScoreResult(r, f);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr(std::string(fragment)));
}

TEST(FrameworkDomainScoreTest, RejectsAnUnknownComponentListingTheValidCodes) {
  Result r = QuangNinhPci2019();
  r.mutable_component_scores(2)->set_component("FOO");
  ExpectScoreError(r, Builtin("frameworks/pci-2014-province"),
                   "result.component_scores[2].component: \"FOO\" is not a component of "
                   "frameworks/pci-2014-province (components: ENTRY_COSTS, LAND_ACCESS, "
                   "TRANSPARENCY, TIME_COSTS");
  // PAPI before 2018 has no E_GOVERNANCE.
  Result papi =
      MakeResult("PAPI", Level::LEVEL_PROVINCE, 2017, "Quảng Ninh", {"E_GOVERNANCE"}, {"5"});
  ExpectScoreError(papi, Builtin("frameworks/papi-2009-province"), "E_GOVERNANCE");
}

TEST(FrameworkDomainScoreTest, RejectsARepeatedComponent) {
  Result r = QuangNinhPci2019();
  r.mutable_component_scores(5)->set_component("ENTRY_COSTS");
  ExpectScoreError(r, Builtin("frameworks/pci-2014-province"),
                   "result.component_scores[5].component: ENTRY_COSTS is given twice (also "
                   "component_scores[0])");
}

TEST(FrameworkDomainScoreTest, RejectsAScoreOutOfRangeNamingTheLimit) {
  Result r = QuangNinhPci2019();
  r.mutable_component_scores(1)->set_component("TIME_COSTS");
  r.mutable_component_scores(3)->set_component("LAND_ACCESS");
  r.mutable_component_scores(1)->mutable_score()->set_value("11,2");
  ExpectScoreError(r, Builtin("frameworks/pci-2014-province"),
                   "component_scores[1].score: 11.2 is above the maximum 10 of TIME_COSTS");
  Result papi =
      MakeResult("PAPI", Level::LEVEL_PROVINCE, 2020, "Quảng Ninh", {"PARTICIPATION"}, {"0.5"});
  ExpectScoreError(papi, Builtin("frameworks/papi-2018-province"),
                   "result.component_scores[0].score: 0.5 is below the minimum 1 of PARTICIPATION");
}

TEST(FrameworkDomainScoreTest, RejectsAComponentRankAboveItsRankOf) {
  Result r = SeedDdci2019();
  r.mutable_component_scores(3)->set_rank(24);
  ExpectScoreError(r, Builtin("frameworks/ddci-2016-department"),
                   "result.component_scores[3].rank: 24 is above rank_of 23");
  r = SeedDdci2019();
  r.mutable_component_scores(0)->set_rank(-1);
  ExpectScoreError(r, Builtin("frameworks/ddci-2016-department"),
                   "result.component_scores[0].rank");
}

TEST(FrameworkDomainScoreTest, RejectsMalformedDecimals) {
  Result r = QuangNinhPci2019();
  r.mutable_component_scores(4)->mutable_score()->set_value("7,1,0");
  ExpectScoreError(r, Builtin("frameworks/pci-2014-province"), "result.component_scores[4].score");
  r = QuangNinhPci2019();
  r.mutable_component_scores(4)->mutable_score()->set_value("");
  ExpectScoreError(r, Builtin("frameworks/pci-2014-province"),
                   "result.component_scores[4].score: required");
  r = QuangNinhPci2019();
  r.mutable_published_total()->set_value("abc");
  ExpectScoreError(r, Builtin("frameworks/pci-2014-province"), "result.published_total");
  r.mutable_published_total()->set_value("2000000");
  ExpectScoreError(r, Builtin("frameworks/pci-2014-province"), "result.published_total");
}

TEST(FrameworkDomainScoreTest, RejectsAVersionThatDoesNotFitTheResult) {
  ExpectScoreError(QuangNinhPci2019(), Builtin("frameworks/pci-2022-province"),
                   "result.framework: frameworks/pci-2022-province scores PCI at province level "
                   "in 2022–2024");
  ExpectScoreError(SeedDdci2019(), Builtin("frameworks/ddci-2016-district"), "result.framework");
}

// ---------------------------------------------------------------------------
// The shape of a result
// ---------------------------------------------------------------------------

void ExpectShapeError(const Result& r, absl::string_view prefix) {
  absl::Status s = ValidateResultShape(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), StartsWith(std::string(prefix)));
}

TEST(FrameworkDomainShapeTest, AcceptsAUnitOrAnEntity) {
  Result r = QuangNinhPci2019();
  EXPECT_TRUE(ValidateResultShape(r).ok());
  r.mutable_subject()->set_unit(kUnit);
  EXPECT_TRUE(ValidateResultShape(r).ok()) << ValidateResultShape(r);
}

TEST(FrameworkDomainShapeTest, RejectsEachBadFieldNamingIt) {
  Result r = QuangNinhPci2019();
  r.clear_subject();
  ExpectShapeError(r, "result.subject: required");

  r = QuangNinhPci2019();
  r.mutable_subject()->set_entity("   ");
  ExpectShapeError(r, "result.subject.entity");
  r.mutable_subject()->set_entity(std::string(301, 'x'));
  ExpectShapeError(r, "result.subject.entity: at most 300 characters");
  r.mutable_subject()->set_unit("units/abc");
  ExpectShapeError(r, "result.subject.unit");

  r = QuangNinhPci2019();
  r.set_year(1999);
  ExpectShapeError(r, "result.year: 1999 is outside 2000–2100");
  r.set_year(2101);
  ExpectShapeError(r, "result.year: 2101 is outside 2000–2100");

  r = QuangNinhPci2019();
  r.set_framework_code("pci");
  ExpectShapeError(r, "result.framework_code");
  r.set_framework_code("");
  ExpectShapeError(r, "result.framework_code: required");

  r = QuangNinhPci2019();
  r.set_level(Level::LEVEL_UNSPECIFIED);
  ExpectShapeError(r, "result.level");

  r = QuangNinhPci2019();
  r.set_framework("frameworks/PCI");
  ExpectShapeError(r, "result.framework");

  r = QuangNinhPci2019();
  r.set_peer_group(std::string(201, 'g'));
  ExpectShapeError(r, "result.peer_group");
  r = QuangNinhPci2019();
  r.set_published_tier(std::string(101, 't'));
  ExpectShapeError(r, "result.published_tier");
  r = QuangNinhPci2019();
  r.set_note(std::string(2001, 'n'));
  ExpectShapeError(r, "result.note");

  r = QuangNinhPci2019();
  r.set_published_rank(64);
  r.set_published_rank_of(63);
  ExpectShapeError(r, "result.published_rank: 64 is above published_rank_of 63");
  r.set_published_rank(-1);
  ExpectShapeError(r, "result.published_rank");
  r.set_published_rank(0);
  r.set_published_rank_of(-2);
  ExpectShapeError(r, "result.published_rank_of");

  r = QuangNinhPci2019();
  for (int i = 0; i < 41; ++i) *r.add_component_scores() = r.component_scores(0);
  ExpectShapeError(r, "result.component_scores: at most 50");
}

TEST(FrameworkDomainShapeTest, AllowsARankWithoutRankOf) {
  Result r = QuangNinhPci2019();
  r.set_published_rank(5);
  EXPECT_TRUE(ValidateResultShape(r).ok());
}

// ---------------------------------------------------------------------------
// Validating versions
// ---------------------------------------------------------------------------

Framework CustomVersion() {
  Framework f;
  f.set_name("frameworks/custom-2020-province");
  f.set_code("CUSTOM_IDX");
  f.set_display_name("Chỉ số tùy chỉnh");
  f.set_level(Level::LEVEL_PROVINCE);
  f.mutable_valid_years()->set_start_year(2020);
  f.mutable_valid_years()->set_end_year(2022);
  for (const char* code : {"ALPHA", "BETA"}) {
    Component* c = f.add_components();
    c->set_code(code);
    c->set_name_vi(absl::StrCat("Thành phần ", code));
    c->mutable_min()->set_value("0");
    c->mutable_max()->set_value("10");
    c->set_weight(50);
    c->set_higher_is_better(true);
  }
  f.set_aggregation(Aggregation::AGGREGATION_WEIGHTED_SUM_SCALED);
  f.mutable_scale()->set_value("10");
  f.set_total_measure(Measure::MEASURE_SCORE);
  f.set_total_decimals(2);
  for (const auto& [grade, bound] :
       std::vector<std::pair<const char*, const char*>>{{"A", "80"}, {"B", "60"}}) {
    GradeBand* b = f.add_grade_bands();
    b->set_grade(grade);
    b->set_label(absl::StrCat("Nhóm ", grade));
    b->mutable_lower_bound()->set_value(bound);
  }
  auto* note = f.add_provenance();
  note->set_subject("weights");
  note->set_provenance(Provenance::PROVENANCE_INFERRED);
  note->set_note("test");
  return f;
}

TEST(FrameworkDomainValidateTest, AcceptsAValidVersionIgnoringOutputFields) {
  Framework f = CustomVersion();
  EXPECT_TRUE(ValidateFramework(f, &TheCatalog()).ok()) << ValidateFramework(f, &TheCatalog());
  f.set_name("not a name");
  f.set_etag("x");
  f.set_origin(FrameworkOrigin::FRAMEWORK_ORIGIN_API);
  EXPECT_TRUE(ValidateFramework(f, nullptr).ok());
  f.set_aggregation(Aggregation::AGGREGATION_SUM);
  f.clear_scale();
  f.mutable_components(0)->set_weight(0);  // weights are ignored by SUM
  EXPECT_TRUE(ValidateFramework(f, nullptr).ok()) << ValidateFramework(f, nullptr);
}

TEST(FrameworkDomainValidateTest, EachRuleNamesItsField) {
  struct Case {
    const char* field;
    std::function<void(Framework&)> mutate;
  };
  const std::vector<Case> cases = {
      {"framework.code: required", [](Framework& f) { f.set_code(""); }},
      {"framework.code:", [](Framework& f) { f.set_code("custom"); }},
      {"framework.code:", [](Framework& f) { f.set_code(std::string(65, 'A')); }},
      {"framework.display_name: required", [](Framework& f) { f.set_display_name(" "); }},
      {"framework.display_name: at most 300",
       [](Framework& f) { f.set_display_name(std::string(301, 'd')); }},
      {"framework.level: required", [](Framework& f) { f.set_level(Level::LEVEL_UNSPECIFIED); }},
      {"framework.level:", [](Framework& f) { f.set_level(static_cast<Level>(42)); }},
      {"framework.valid_years.start_year: 1999 is outside 2000–2100",
       [](Framework& f) { f.mutable_valid_years()->set_start_year(1999); }},
      {"framework.valid_years.end_year: 2101",
       [](Framework& f) { f.mutable_valid_years()->set_end_year(2101); }},
      {"framework.valid_years: start_year 2023 is after end_year 2022",
       [](Framework& f) { f.mutable_valid_years()->set_start_year(2023); }},
      {"framework.measured_by.unit:",
       [](Framework& f) { f.mutable_measured_by()->set_unit("units/x"); }},
      {"framework.measured_by.display_name:",
       [](Framework& f) { f.mutable_measured_by()->set_display_name(std::string(301, 'm')); }},
      {"framework.aggregation: required",
       [](Framework& f) { f.set_aggregation(Aggregation::AGGREGATION_UNSPECIFIED); }},
      {"framework.components: at least one", [](Framework& f) { f.clear_components(); }},
      {"framework.components: at most 50",
       [](Framework& f) {
         f.set_aggregation(Aggregation::AGGREGATION_SUM);
         f.clear_components();
         for (int i = 0; i < 51; ++i) {
           Component* c = f.add_components();
           c->set_code(absl::StrCat("C", i));
           c->set_name_vi("x");
           c->mutable_min()->set_value("0");
           c->mutable_max()->set_value("1");
         }
       }},
      {"framework.components[1].code: required",
       [](Framework& f) { f.mutable_components(1)->set_code(""); }},
      {"framework.components[1].code:",
       [](Framework& f) { f.mutable_components(1)->set_code("beta"); }},
      {"framework.components[1].code: ALPHA repeats components[0]",
       [](Framework& f) { f.mutable_components(1)->set_code("ALPHA"); }},
      {"framework.components[0].name_vi: required",
       [](Framework& f) { f.mutable_components(0)->set_name_vi(""); }},
      {"framework.components[0].name_vi: at most 300",
       [](Framework& f) { f.mutable_components(0)->set_name_vi(std::string(301, 'n')); }},
      {"framework.components[1].name_en: at most 300",
       [](Framework& f) { f.mutable_components(1)->set_name_en(std::string(301, 'n')); }},
      {"framework.components[0].min: required",
       [](Framework& f) { f.mutable_components(0)->clear_min(); }},
      {"framework.components[0].min:",
       [](Framework& f) { f.mutable_components(0)->mutable_min()->set_value("abc"); }},
      {"framework.components[1].max: required",
       [](Framework& f) { f.mutable_components(1)->mutable_max()->set_value(""); }},
      {"framework.components[1].max: 0 is not above the minimum 0",
       [](Framework& f) { f.mutable_components(1)->mutable_max()->set_value("0"); }},
      {"framework.components[1].max:",
       [](Framework& f) { f.mutable_components(1)->mutable_max()->set_value("1000001"); }},
      {"framework.components[0].min:",
       [](Framework& f) { f.mutable_components(0)->mutable_min()->set_value("-1000001"); }},
      {"framework.components[0].weight: must be 0–100",
       [](Framework& f) { f.mutable_components(0)->set_weight(101); }},
      {"framework.components[0].weight:",
       [](Framework& f) { f.mutable_components(0)->set_weight(-1); }},
      {"framework.components: weights sum to 90",
       [](Framework& f) { f.mutable_components(0)->set_weight(40); }},
      {"framework.components[1].min: -1 is below 0, which AGGREGATION_PERCENTAGE",
       [](Framework& f) {
         f.set_aggregation(Aggregation::AGGREGATION_PERCENTAGE);
         f.mutable_components(1)->mutable_min()->set_value("-1");
       }},
      {"framework.scale: required", [](Framework& f) { f.clear_scale(); }},
      {"framework.scale: required",
       [](Framework& f) {
         f.set_aggregation(Aggregation::AGGREGATION_MEAN_SCALED);
         f.clear_scale();
       }},
      {"framework.scale: must be above 0", [](Framework& f) { f.mutable_scale()->set_value("0"); }},
      {"framework.scale:", [](Framework& f) { f.mutable_scale()->set_value("1000.001"); }},
      {"framework.scale:", [](Framework& f) { f.mutable_scale()->set_value("x"); }},
      {"framework.total_measure:",
       [](Framework& f) { f.set_total_measure(Measure::MEASURE_RANK); }},
      {"framework.total_decimals: must be 0–3", [](Framework& f) { f.set_total_decimals(4); }},
      {"framework.total_decimals:", [](Framework& f) { f.set_total_decimals(-1); }},
      {"framework.grade_bands[1].grade: required",
       [](Framework& f) { f.mutable_grade_bands(1)->set_grade(""); }},
      {"framework.grade_bands[1].grade: \"A\" repeats grade_bands[0]",
       [](Framework& f) { f.mutable_grade_bands(1)->set_grade("A"); }},
      {"framework.grade_bands[0].grade: at most 50",
       [](Framework& f) { f.mutable_grade_bands(0)->set_grade(std::string(51, 'g')); }},
      {"framework.grade_bands[0].label: at most 100",
       [](Framework& f) { f.mutable_grade_bands(0)->set_label(std::string(101, 'l')); }},
      {"framework.grade_bands[1].lower_bound: 80 is not below 80",
       [](Framework& f) { f.mutable_grade_bands(1)->mutable_lower_bound()->set_value("80"); }},
      {"framework.grade_bands[1].lower_bound:",
       [](Framework& f) { f.mutable_grade_bands(1)->mutable_lower_bound()->set_value("90"); }},
      {"framework.grade_bands[0].lower_bound: required",
       [](Framework& f) { f.mutable_grade_bands(0)->clear_lower_bound(); }},
      {"framework.grade_bands: at most 20",
       [](Framework& f) {
         f.clear_grade_bands();
         for (int i = 0; i < 21; ++i) {
           GradeBand* b = f.add_grade_bands();
           b->set_grade(absl::StrCat("G", i));
           b->mutable_lower_bound()->set_value(absl::StrCat(100 - i));
         }
       }},
      {"framework.provenance: at most 50",
       [](Framework& f) {
         for (int i = 0; i < 50; ++i) *f.add_provenance() = f.provenance(0);
       }},
      {"framework.provenance[0].subject: at most 200",
       [](Framework& f) { f.mutable_provenance(0)->set_subject(std::string(201, 's')); }},
      {"framework.provenance[0].note: at most 2000",
       [](Framework& f) { f.mutable_provenance(0)->set_note(std::string(2001, 'n')); }},
      {"framework.provenance[0].provenance:",
       [](Framework& f) { f.mutable_provenance(0)->set_provenance(static_cast<Provenance>(9)); }},
  };
  for (const Case& c : cases) {
    Framework f = CustomVersion();
    c.mutate(f);
    absl::Status s = ValidateFramework(f, &TheCatalog());
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field << " -> " << s;
    EXPECT_THAT(std::string(s.message()), StartsWith(c.field));
  }
}

TEST(FrameworkDomainValidateTest, ComponentsOfAKnownIndexMustBeInTheCatalog) {
  Framework f = Builtin("frameworks/pci-2014-province");
  f.mutable_components(2)->set_code("FOO");
  absl::Status s = ValidateFramework(f, &TheCatalog());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              StartsWith("framework.components[2].code: FOO is not a component of PCI "
                         "(components: ENTRY_COSTS, LAND_ACCESS"));
  // Without a catalog any valid code goes.
  EXPECT_TRUE(ValidateFramework(f, nullptr).ok()) << ValidateFramework(f, nullptr);
}

TEST(FrameworkDomainValidateTest, NamesOfAKnownIndexMayBeLeftToTheCatalog) {
  Framework f = Builtin("frameworks/pci-2014-province");
  f.clear_display_name();
  for (Component& c : *f.mutable_components()) {
    c.clear_name_vi();
    c.clear_name_en();
  }
  EXPECT_TRUE(ValidateFramework(f, &TheCatalog()).ok()) << ValidateFramework(f, &TheCatalog());
  EXPECT_THAT(std::string(ValidateFramework(f, nullptr).message()),
              StartsWith("framework.display_name: required"));
  FillNamesFromCatalog(f, TheCatalog());
  EXPECT_EQ(f.display_name(), "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)");
  EXPECT_EQ(f.components(0).name_vi(), "Chi phí gia nhập thị trường");
  EXPECT_EQ(f.components(0).name_en(), "Entry costs");
  EXPECT_TRUE(ValidateFramework(f, nullptr).ok());
}

TEST(FrameworkDomainValidateTest, FillNamesKeepsNamesGiven) {
  Framework f = Builtin("frameworks/ddci-2016-department");
  f.mutable_components(1)->set_name_vi("Chi phí thời gian của doanh nghiệp");
  f.mutable_components(1)->clear_name_en();
  FillNamesFromCatalog(f, TheCatalog());
  EXPECT_EQ(f.display_name(), "Chỉ số DDCI tỉnh Lạng Sơn - khối sở, ban, ngành");
  EXPECT_EQ(f.components(1).name_vi(), "Chi phí thời gian của doanh nghiệp");
  EXPECT_EQ(f.components(1).name_en(), "Time costs");

  Framework custom = CustomVersion();
  custom.clear_display_name();
  FillNamesFromCatalog(custom, TheCatalog());  // unknown index: nothing to fill
  EXPECT_EQ(custom.display_name(), "");
}

TEST(FrameworkDomainValidateTest, IsValidCode) {
  EXPECT_TRUE(IsValidCode("PCI"));
  EXPECT_TRUE(IsValidCode("PAR_INDEX"));
  EXPECT_TRUE(IsValidCode("E_GOVERNANCE"));
  EXPECT_TRUE(IsValidCode(std::string(64, 'A')));
  EXPECT_FALSE(IsValidCode(std::string(65, 'A')));
  EXPECT_FALSE(IsValidCode(""));
  EXPECT_FALSE(IsValidCode("pci"));
  EXPECT_FALSE(IsValidCode("1PCI"));
  EXPECT_FALSE(IsValidCode("_PCI"));
  EXPECT_FALSE(IsValidCode("PAR INDEX"));
  EXPECT_FALSE(IsValidCode("PAR-INDEX"));
}

// ---------------------------------------------------------------------------
// Overlaps
// ---------------------------------------------------------------------------

TEST(FrameworkDomainOverlapTest, RejectsAVersionCoveringAYearAlreadyCovered) {
  Framework next = Builtin("frameworks/pci-2022-province");
  next.set_name("frameworks/pci-2024-province");
  next.mutable_valid_years()->set_start_year(2024);
  next.mutable_valid_years()->set_end_year(2026);
  absl::Status s = CheckNoOverlap(next, Builtins());
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("frameworks/pci-2022-province already covers 2022–2024 for PCI at "
                        "province level"));

  next.mutable_valid_years()->set_start_year(2025);
  EXPECT_TRUE(CheckNoOverlap(next, Builtins()).ok()) << CheckNoOverlap(next, Builtins());
  // An update of the same version is not an overlap with itself.
  Framework same = Builtin("frameworks/pci-2022-province");
  same.mutable_valid_years()->set_end_year(2030);
  EXPECT_TRUE(CheckNoOverlap(same, Builtins()).ok());
}

TEST(FrameworkDomainOverlapTest, LevelAndMeasuringBodySeparateVersions) {
  Framework commune = Builtin("frameworks/pci-2022-province");
  commune.set_name("frameworks/pci-2022-commune");
  commune.set_level(Level::LEVEL_COMMUNE);
  EXPECT_TRUE(CheckNoOverlap(commune, Builtins()).ok());

  Framework other = Builtin("frameworks/ddci-2016-department");
  other.set_name("frameworks/ddci-2020-department-cao-bang");
  other.mutable_measured_by()->set_display_name("UBND tỉnh Cao Bằng");
  other.mutable_valid_years()->set_start_year(2020);
  EXPECT_TRUE(CheckNoOverlap(other, Builtins()).ok());

  // The same body written without diacritics is the same body.
  other.mutable_measured_by()->set_display_name("ubnd tinh lang son");
  absl::Status s = CheckNoOverlap(other, Builtins());
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(s.message()), HasSubstr("frameworks/ddci-2016-department already "
                                                  "covers 2016–2100 for DDCI at department "
                                                  "level measured by UBND tỉnh Lạng Sơn"));

  // The same body given by its unit on one side and by name alone on the
  // other is still one body; two different units are two bodies.
  other.mutable_measured_by()->set_display_name("UBND tỉnh Lạng Sơn");
  other.mutable_measured_by()->set_unit("units/01j00000000000000000000ls0");
  EXPECT_EQ(CheckNoOverlap(other, Builtins()).code(), absl::StatusCode::kAlreadyExists);
  Framework by_unit = other;
  by_unit.set_name("frameworks/ddci-2030-department");
  by_unit.mutable_measured_by()->set_unit("units/01j00000000000000000000cb0");
  EXPECT_TRUE(CheckNoOverlap(by_unit, {other}).ok());

  // A national version is not the province's own.
  other.clear_measured_by();
  EXPECT_TRUE(CheckNoOverlap(other, Builtins()).ok());
  // Nor is one measured by a unit given without its name.
  Framework national = Builtin("frameworks/pci-2022-province");
  Framework by_unit_only = national;
  by_unit_only.set_name("frameworks/pci-2022-province-unit");
  by_unit_only.mutable_measured_by()->set_unit("units/01j00000000000000000000ls0");
  EXPECT_FALSE(SameMeasuringBody(national, by_unit_only));
  EXPECT_TRUE(CheckNoOverlap(by_unit_only, {national}).ok());
}

// ---------------------------------------------------------------------------
// Framework files
// ---------------------------------------------------------------------------

constexpr char kPci2025[] = R"pb(
  frameworks {
    name: "frameworks/pci-2025-province"
    code: "PCI"
    level: LEVEL_PROVINCE
    valid_years { start_year: 2025 end_year: 2027 }
    components {
      code: "ENTRY_COSTS"
      min { value: "0" }
      max { value: "10" }
      weight: 50
      higher_is_better: true
    }
    components {
      code: "LAND_ACCESS"
      min { value: "0" }
      max { value: "10" }
      weight: 50
      higher_is_better: true
    }
    aggregation: AGGREGATION_WEIGHTED_SUM_SCALED
    scale { value: "10" }
  }
)pb";

TEST(FrameworkDomainFileTest, ParsesFillsAndMarksTheOrigin) {
  absl::StatusOr<std::vector<Framework>> parsed = ParseFrameworkFile(kPci2025, TheCatalog());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 1u);
  const Framework& f = (*parsed)[0];
  EXPECT_EQ(f.origin(), FrameworkOrigin::FRAMEWORK_ORIGIN_CATALOG);
  EXPECT_EQ(f.display_name(), "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)");
  EXPECT_EQ(f.components(1).name_vi(), "Tiếp cận đất đai và sự ổn định trong sử dụng đất");
}

TEST(FrameworkDomainFileTest, RejectsBadFilesNamingTheVersionAndField) {
  struct Case {
    std::string text;
    const char* fragment;
  };
  std::string bad_max = kPci2025;
  bad_max.replace(bad_max.find("max { value: \"10\" }"), 19, "max { value: \"-1\" }");
  std::string no_name = kPci2025;
  no_name.replace(no_name.find("name: \"frameworks/pci-2025-province\""), 36, "");
  std::string bad_id = kPci2025;
  bad_id.replace(bad_id.find("pci-2025-province"), 17, "PCI_2025");
  const std::vector<Case> cases = {
      {"frameworks { nonsense: 1 }", "framework file: line 1"},
      {"frameworks { code: ", "framework file: line"},
      {bad_max,
       "frameworks[0] (frameworks/pci-2025-province): framework.components[0].max: -1 is not "
       "above the minimum 0"},
      {no_name, "frameworks[0]: name: must be \"frameworks/{id}\""},
      {bad_id, "frameworks[0] (frameworks/PCI_2025): name:"},
      {absl::StrCat(kPci2025, kPci2025),
       "frameworks[1] (frameworks/pci-2025-province): name: "
       "frameworks/pci-2025-province repeats frameworks[0]"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<Framework>> parsed = ParseFrameworkFile(c.text, TheCatalog());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.fragment;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.fragment));
  }
}

class FrameworkDomainLoadTest : public ::testing::Test {
 protected:
  std::string Write(absl::string_view contents) {
    const std::string path =
        absl::StrCat(::testing::TempDir(), "frameworks_",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".textproto");
    std::ofstream(path) << contents;
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const std::string& p : paths_) std::remove(p.c_str());
  }
  std::vector<std::string> paths_;
};

TEST_F(FrameworkDomainLoadTest, AddsTheOperatorsVersions) {
  absl::StatusOr<std::vector<Framework>> builtin = LoadCatalogFrameworks(TheCatalog(), "");
  ASSERT_TRUE(builtin.ok()) << builtin.status();
  EXPECT_EQ(builtin->size(), Builtins().size());
  absl::StatusOr<std::vector<Framework>> all = LoadCatalogFrameworks(TheCatalog(), Write(kPci2025));
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), Builtins().size() + 1);
  EXPECT_EQ(VersionsFor(*all, "PCI", Level::LEVEL_PROVINCE, 2025).size(), 1u);
}

TEST_F(FrameworkDomainLoadTest, RejectsMissingBadAndOverlappingFiles) {
  EXPECT_EQ(
      LoadCatalogFrameworks(TheCatalog(), "/nonexistent/frameworks.textproto").status().code(),
      absl::StatusCode::kNotFound);

  absl::StatusOr<std::vector<Framework>> bad =
      LoadCatalogFrameworks(TheCatalog(), Write("frameworks { code: 5 }"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);

  std::string overlapping = kPci2025;
  overlapping.replace(overlapping.find("start_year: 2025"), 16, "start_year: 2024");
  absl::StatusOr<std::vector<Framework>> overlap =
      LoadCatalogFrameworks(TheCatalog(), Write(overlapping));
  EXPECT_EQ(overlap.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(overlap.status().message()),
              HasSubstr("frameworks/pci-2022-province already covers 2022–2024"));

  std::string taken = kPci2025;
  taken.replace(taken.find("pci-2025-province"), 17, "pci-2014-province");
  absl::StatusOr<std::vector<Framework>> duplicate =
      LoadCatalogFrameworks(TheCatalog(), Write(taken));
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(duplicate.status().message()),
              HasSubstr("frameworks/pci-2014-province is already a built-in version"));
}

// ---------------------------------------------------------------------------
// Subjects
// ---------------------------------------------------------------------------

TEST(FrameworkDomainSubjectTest, EntitiesFoldDiacriticsCaseAndSpaces) {
  Subject a;
  a.set_entity("Quảng Ninh");
  Subject b;
  b.set_entity("quang  ninh");
  Subject c;
  c.set_entity("Quảng Nam");
  EXPECT_EQ(SubjectKey(a), SubjectKey(b));
  EXPECT_EQ(SubjectKey(a), "entity:quang ninh");
  EXPECT_NE(SubjectKey(a), SubjectKey(c));
  Subject unit;
  unit.set_unit(kUnit);
  EXPECT_EQ(SubjectKey(unit), absl::StrCat("unit:", kUnit));
  Subject unit_named;
  unit_named.set_entity(kUnit);
  EXPECT_NE(SubjectKey(unit), SubjectKey(unit_named));
  EXPECT_EQ(SubjectKey(Subject()), "");
}

}  // namespace
}  // namespace chiso::scoring
