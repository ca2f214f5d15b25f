// The exact index arithmetic, checked against DOMAIN.md's worked examples
// (seeds 001–003, Quảng Ninh PCI 2019, Bắc Giang PCI 2022) and its edges.

#include "services/scoring/scoring_math.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "chiso/common/v1/types.pb.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
#include "common/text/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chiso::scoring {

// Failures print the value as num/den.
void PrintTo(const Exact& value, std::ostream* os) { *os << value.num << "/" << value.den; }

namespace {

namespace v1 = chiso::scoring::v1;
using chiso::common::v1::COMPARATOR_ABOVE;
using chiso::common::v1::COMPARATOR_AT_LEAST;
using chiso::common::v1::COMPARATOR_AT_MOST;
using chiso::common::v1::COMPARATOR_BELOW;
using chiso::common::v1::COMPARATOR_UNSPECIFIED;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "7,80" or "7.80" as thousandths; the test's own numbers are well formed.
int64_t Th(absl::string_view text) {
  absl::StatusOr<text::Decimal3> d = text::ParseDecimal(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? d->thousandths : 0;
}

Exact X(absl::string_view text) { return Exact::FromThousandths(Th(text)); }

std::vector<std::optional<int64_t>> Scores(const std::vector<std::string>& texts) {
  std::vector<std::optional<int64_t>> out;
  for (const std::string& t : texts) out.push_back(Th(t));
  return out;
}

chiso::common::v1::Decimal Dec(absl::string_view value) {
  chiso::common::v1::Decimal d;
  d.set_value(std::string(value));
  return d;
}

v1::Framework MakeFramework(v1::Aggregation aggregation, const std::vector<std::string>& codes,
                            const std::vector<int>& weights, const std::vector<std::string>& maxima,
                            absl::string_view scale) {
  v1::Framework f;
  f.set_code("TEST");
  f.set_aggregation(aggregation);
  if (!scale.empty()) *f.mutable_scale() = Dec(scale);
  for (size_t i = 0; i < codes.size(); ++i) {
    v1::Component* c = f.add_components();
    c->set_code(codes[i]);
    *c->mutable_min() = Dec("0");
    *c->mutable_max() = Dec(maxima.empty() ? "10" : maxima[i]);
    c->set_weight(weights.empty() ? 0 : weights[i]);
    c->set_higher_is_better(true);
  }
  return f;
}

FrameworkRules Rules(const v1::Framework& framework) {
  absl::StatusOr<FrameworkRules> rules = RulesOf(framework);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return rules.ok() ? *rules : FrameworkRules{};
}

const std::vector<std::string> kDdciDepartmentCodes = {
    "TRANSPARENCY",     "TIME_COSTS",         "INFORMAL_CHARGES", "EQUAL_COMPETITION",
    "BUSINESS_SUPPORT", "LEGAL_INSTITUTIONS", "LEADERSHIP",       "DYNAMISM"};
const std::vector<std::string> kPciCodes = {
    "ENTRY_COSTS",       "LAND_ACCESS", "TRANSPARENCY",     "TIME_COSTS",     "INFORMAL_CHARGES",
    "EQUAL_COMPETITION", "PROACTIVITY", "BUSINESS_SUPPORT", "LABOR_TRAINING", "LEGAL_INSTITUTIONS"};
const std::vector<std::string> kParIndexCodes = {
    "DIRECTION",     "INSTITUTIONS",   "ADMIN_PROCEDURES",   "ORGANIZATION",
    "CIVIL_SERVICE", "PUBLIC_FINANCE", "DIGITAL_GOVERNMENT", "IMPACT"};

// DDCI: scale 10 × mean of the components, i.e. Σ / (10 · n) × 100.
v1::Framework DdciFramework() {
  return MakeFramework(v1::AGGREGATION_MEAN_SCALED, kDdciDepartmentCodes, {}, {}, "10");
}
FrameworkRules DdciRules() { return Rules(DdciFramework()); }

// PCI 2014–2021 (verified) and 2022–2024 (inferred) weights.
FrameworkRules Pci2014Rules() {
  return Rules(MakeFramework(v1::AGGREGATION_WEIGHTED_SUM_SCALED, kPciCodes,
                             {5, 5, 20, 5, 10, 5, 5, 20, 20, 5}, {}, "10"));
}
FrameworkRules Pci2022Rules() {
  return Rules(MakeFramework(v1::AGGREGATION_WEIGHTED_SUM_SCALED, kPciCodes,
                             {5, 10, 5, 5, 15, 10, 15, 15, 10, 10}, {}, "10"));
}

// PAR INDEX: points out of 100 over 8 areas (maxima summing to 100, as a
// province sets them), reported as a percentage, groups A ≥ 90, B ≥ 80,
// C ≥ 70.
v1::Framework ParIndexFramework() {
  v1::Framework f = MakeFramework(v1::AGGREGATION_PERCENTAGE, kParIndexCodes, {},
                                  {"10", "10", "15", "10", "15", "10", "15", "15"}, "");
  for (const auto& [grade, bound] :
       std::vector<std::pair<std::string, std::string>>{{"A", "90"}, {"B", "80"}, {"C", "70"}}) {
    v1::GradeBand* band = f.add_grade_bands();
    band->set_grade(grade);
    band->set_label(absl::StrCat("Nhóm ", grade));
    *band->mutable_lower_bound() = Dec(bound);
  }
  return f;
}

// ---------------------------------------------------------------------------
// DOMAIN.md's worked examples
// ---------------------------------------------------------------------------

TEST(ScoringMathTest, Seed002Ddci2019TotalIs55_0125ShownAs55_01) {
  const FrameworkRules rules = DdciRules();
  std::optional<Exact> total =
      ComputeTotal(rules, Scores({"6,77", "6,83", "5,53", "2,65", "4,50", "6,78", "4,69", "6,26"}));
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, Exact::Ratio(550125, 10000));  // 44.01 / 80 × 100
  EXPECT_EQ(total->num, 4401);
  EXPECT_EQ(total->den, 80);
  EXPECT_EQ(Format(*total, rules.total_decimals), "55.01");
  EXPECT_EQ(Format(*total, 4), "55.0125");
  EXPECT_EQ(Format(*total, 3), "55.013");
  EXPECT_EQ(ToDecimal(*total).value(), "55.0125");  // exact
}

TEST(ScoringMathTest, Seed002Targets2020Total70_25MeetsSeventyOrMore) {
  const FrameworkRules rules = DdciRules();
  std::optional<Exact> total =
      ComputeTotal(rules, Scores({"7,80", "7,70", "6,50", "6,0", "7,5", "7,0", "6,3", "7,4"}));
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, X("70.25"));
  EXPECT_EQ(Format(*total, 2), "70.25");
  // "từ 70 điểm trở lên".
  EXPECT_TRUE(Satisfies(*total, COMPARATOR_AT_LEAST, Exact::Integer(70)));
  EXPECT_EQ(Gap(*total, COMPARATOR_AT_LEAST, Exact::Integer(70)), X("-0.25"));
}

TEST(ScoringMathTest, Seed003Targets2024Total80_5625ShownAs80_56) {
  const FrameworkRules rules = DdciRules();
  std::optional<Exact> total =
      ComputeTotal(rules, Scores({"9,06", "8,79", "7,40", "5,93", "8,90", "9,26", "9,33", "5,78"}));
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, Exact::Ratio(805625, 10000));  // 64.45 / 80 × 100
  EXPECT_EQ(Format(*total, 2), "80.56");
}

TEST(ScoringMathTest, QuangNinhPci2019Is73_40) {
  const FrameworkRules rules = Pci2014Rules();
  std::optional<Exact> total = ComputeTotal(
      rules,
      Scores({"7.16", "7.00", "7.20", "7.89", "7.10", "7.69", "7.96", "6.68", "7.95", "7.58"}));
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, X("73.4"));
  EXPECT_EQ(Format(*total, 2), "73.40");
  EXPECT_EQ(ToDecimal(*total, 2).value(), "73.40");
}

TEST(ScoringMathTest, BacGiangPci2022IsExactly72_775ShownAs72_78) {
  const FrameworkRules rules = Pci2022Rules();
  std::optional<Exact> total = ComputeTotal(
      rules,
      Scores({"6.65", "7.29", "6.30", "7.38", "8.02", "7.31", "7.62", "6.10", "6.80", "8.60"}));
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, Exact::Ratio(72775, 1000));
  EXPECT_EQ(Format(*total, 2), "72.78");
  EXPECT_EQ(ToDecimal(*total).value(), "72.775");
  // Published 72.80: within the 0.05 a rounding of the inputs explains.
  EXPECT_LE(Abs(X("72.80") - *total), X("0.05"));
  EXPECT_EQ(Abs(X("72.80") - *total), X("0.025"));
}

// Compares the exact value of a finite positive binary64 `d` with num/den
// (-1, 0, 1), with integers only: d = m · 2^e for a 53-bit integer m.
int CompareDoubleExactly(double d, int64_t num, int64_t den) {
  int exponent = 0;
  const double fraction = std::frexp(d, &exponent);                           // exact
  const __int128 mantissa = static_cast<__int128>(std::ldexp(fraction, 53));  // exact
  exponent -= 53;
  __int128 left = mantissa * den;
  __int128 right = num;
  if (exponent < 0) {
    right <<= -exponent;
  } else {
    left <<= exponent;
  }
  return (left > right) - (left < right);
}

// Why the service does not use binary floating point. 72.775 has no binary64
// representation: the nearest double is 72.775000000000005684…, its
// neighbour below is 72.774999999999991473…. Which of the two a computation
// lands on depends on how it groups the products: with IEEE doubles,
// Σ(wᵢ·sᵢ)/10 happens to end on the upper one (printed 72.78) and
// Σ((wᵢ/10)·sᵢ) on the lower one (printed 72.77), as DOMAIN.md notes. One
// unit in the last place decides the published digits, so totals are exact
// rationals here and rounded once. The assertions below only use the exact
// values of two adjacent doubles, not the outcome of any float arithmetic.
TEST(ScoringMathTest, OneUlpAroundBacGiangDecidesTheDigitsInFloatingPoint) {
  if (!std::numeric_limits<double>::is_iec559) GTEST_SKIP() << "not IEEE 754 binary64";
  const double nearest = 72.775;
  const double below = std::nextafter(nearest, 0.0);
  EXPECT_EQ(CompareDoubleExactly(nearest, 72775, 1000), 1);
  EXPECT_EQ(CompareDoubleExactly(below, 72775, 1000), -1);
  // Exactly between the two doubles lies 72.775, which rounds half up to
  // 72.78; the lower double, read exactly, would round to 72.77.
  EXPECT_EQ(Format(Exact::Ratio(72775, 1000), 2), "72.78");
}

TEST(ScoringMathTest, Seed002ComponentRanksSevenOfEightBelowMedianOf23) {
  const std::vector<int> ranks = {16, 18, 16, 23, 20, 14, 14, 10};
  EXPECT_EQ(MedianRank(23), Exact::Integer(12));
  EXPECT_EQ(MedianRank(22), Exact::Ratio(23, 2));
  EXPECT_EQ(Format(MedianRank(22), 1), "11.5");
  const int below = static_cast<int>(
      std::count_if(ranks.begin(), ranks.end(), [](int r) { return BelowMedianByRank(r, 23); }));
  EXPECT_EQ(below, 7);  // "07/08 ... dưới trung vị"
  EXPECT_FALSE(BelowMedianByRank(10, 23));
  EXPECT_FALSE(BelowMedianByRank(12, 23));  // the median itself
  EXPECT_TRUE(BelowMedianByRank(13, 23));
  EXPECT_FALSE(BelowMedianByRank(11, 22));
  EXPECT_TRUE(BelowMedianByRank(12, 22));
  EXPECT_TRUE(BelowMedianByRank(20, 23));  // overall 20/23
}

TEST(ScoringMathTest, Seed001ParIndexRankTrend) {
  const std::vector<int> ranks = {48, 33, 26, 50, 46, 47, 45, 54, 61, 63};
  std::vector<TrendInput> points;
  for (size_t i = 0; i < ranks.size(); ++i) {
    TrendInput p;
    p.year = 2012 + static_cast<int>(i);
    p.rank = ranks[i];
    points.push_back(p);
  }
  const TrendOutcome trend = ComputeTrend(points, /*by_rank=*/true, /*higher_is_better=*/true);
  EXPECT_EQ(trend.best_year, 2014);
  EXPECT_EQ(trend.worst_year, 2021);
  EXPECT_EQ(trend.consecutive_declines, 3);
  ASSERT_EQ(trend.points.size(), ranks.size());
  std::vector<int> deltas;
  std::vector<bool> declined;
  for (const TrendPointOutcome& p : trend.points) {
    deltas.push_back(p.rank_delta);
    declined.push_back(p.declined);
    EXPECT_FALSE(p.score_delta.has_value());
  }
  EXPECT_THAT(deltas, ElementsAre(0, -15, -7, 24, -4, 1, -2, 9, 7, 2));
  EXPECT_THAT(declined,
              ElementsAre(false, false, false, true, false, true, false, true, true, true));
}

TEST(ScoringMathTest, ParIndexGradeBands) {
  const FrameworkRules rules = Rules(ParIndexFramework());
  ASSERT_EQ(rules.bands.size(), 3u);
  EXPECT_EQ(GradeOf(rules, Exact::Integer(90)), "A");
  EXPECT_EQ(GradeOf(rules, X("89.999")), "B");
  EXPECT_EQ(GradeOf(rules, X("89.99")), "B");
  EXPECT_EQ(GradeOf(rules, Exact::Integer(80)), "B");
  EXPECT_EQ(GradeOf(rules, X("79.999")), "C");
  EXPECT_EQ(GradeOf(rules, Exact::Integer(70)), "C");
  EXPECT_EQ(GradeOf(rules, X("69.9")), "");
  EXPECT_EQ(GradeOf(rules, Exact::Integer(100)), "A");
  EXPECT_EQ(GradeRank(rules, "A"), 0);
  EXPECT_EQ(GradeRank(rules, "C"), 2);
  EXPECT_EQ(GradeRank(rules, "D"), -1);

  // Percentage of 100 points: 90 % of every maximum is group A exactly.
  std::optional<Exact> a =
      ComputeTotal(rules, Scores({"9", "9", "13.5", "9", "13.5", "9", "13.5", "13.5"}));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, Exact::Integer(90));
  EXPECT_EQ(GradeOf(rules, *a), "A");
  // One thousandth less is group B.
  std::optional<Exact> b =
      ComputeTotal(rules, Scores({"8.999", "9", "13.5", "9", "13.5", "9", "13.5", "13.5"}));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, X("89.999"));
  EXPECT_EQ(GradeOf(rules, *b), "B");

  // Without bands nothing is graded.
  EXPECT_EQ(GradeOf(DdciRules(), Exact::Integer(99)), "");
}

TEST(ScoringMathTest, PercentageDividesByTheSumOfMaxima) {
  // Maxima summing to 200 points: 150 points is 75 %.
  const FrameworkRules rules =
      Rules(MakeFramework(v1::AGGREGATION_PERCENTAGE, {"A", "B"}, {}, {"120", "80"}, ""));
  std::optional<Exact> total = ComputeTotal(rules, Scores({"100", "50"}));
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, Exact::Integer(75));
  std::optional<Exact> third = ComputeTotal(rules, Scores({"0", "66.667"}));
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(*third, Exact::Ratio(66667, 2000));
  EXPECT_EQ(Format(*third, 2), "33.33");
}

// ---------------------------------------------------------------------------
// Totals
// ---------------------------------------------------------------------------

TEST(ScoringMathTest, SumAggregation) {
  // PAPI 2020 Quảng Ninh-like: eight dimensions summed.
  const FrameworkRules rules = Rules(
      MakeFramework(v1::AGGREGATION_SUM, {"A", "B", "C", "D", "E", "F", "G", "H"}, {}, {}, ""));
  EXPECT_EQ(rules.scale, 0);
  std::optional<Exact> total =
      ComputeTotal(rules, Scores({"5.1", "6.2", "7.3", "6.011", "7", "7.5", "4.2", "5.5"}));
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, X("48.811"));
  EXPECT_EQ(ToDecimal(*total).value(), "48.811");
}

TEST(ScoringMathTest, ComputeTotalNulloptCases) {
  const FrameworkRules rules = DdciRules();
  std::vector<std::optional<int64_t>> scores =
      Scores({"6,77", "6,83", "5,53", "2,65", "4,50", "6,78", "4,69", "6,26"});
  scores[3] = std::nullopt;
  EXPECT_FALSE(ComputeTotal(rules, scores).has_value());
  EXPECT_FALSE(ComputeTotal(rules, Scores({"1", "2"})).has_value());

  FrameworkRules published = rules;
  published.aggregation = v1::AGGREGATION_PUBLISHED_ONLY;
  EXPECT_FALSE(ComputeTotal(published, Scores({"1", "1", "1", "1", "1", "1", "1", "1"})));
  FrameworkRules unspecified = rules;
  unspecified.aggregation = v1::AGGREGATION_UNSPECIFIED;
  EXPECT_FALSE(ComputeTotal(unspecified, Scores({"1", "1", "1", "1", "1", "1", "1", "1"})));
}

TEST(ScoringMathTest, PointsToGainForEveryAggregation) {
  // Seed 002: TIME_COSTS 6.83 → target 7.70 under DDCI (scale 10, n 8).
  const FrameworkRules ddci = DdciRules();
  const int time_costs = ddci.IndexOf("TIME_COSTS");
  ASSERT_EQ(time_costs, 1);
  EXPECT_EQ(PointsToGain(ddci, time_costs, Th("6.83"), Th("7.70")), Exact::Ratio(10875, 10000));
  EXPECT_EQ(Format(PointsToGain(ddci, time_costs, Th("6.83"), Th("7.70")), 4), "1.0875");
  // Already there, or beyond: nothing to gain.
  EXPECT_EQ(PointsToGain(ddci, time_costs, Th("7.70"), Th("7.70")), Exact{});
  EXPECT_EQ(PointsToGain(ddci, time_costs, Th("8"), Th("7.70")), Exact{});

  // PCI 2022: BUSINESS_SUPPORT weight 15, scale 10: 1 point is 1.5.
  const FrameworkRules pci = Pci2022Rules();
  EXPECT_EQ(PointsToGain(pci, pci.IndexOf("BUSINESS_SUPPORT"), Th("6.10"), Th("7.10")), X("1.5"));
  EXPECT_EQ(PointsToGain(pci, pci.IndexOf("ENTRY_COSTS"), Th("6.65"), Th("7.00")), X("0.175"));

  // SUM: one for one.
  const FrameworkRules sum = Rules(MakeFramework(v1::AGGREGATION_SUM, {"A", "B"}, {}, {}, ""));
  EXPECT_EQ(PointsToGain(sum, 0, Th("4.2"), Th("5.25")), X("1.05"));

  // PERCENTAGE: 100 / Σ max; PAR INDEX maxima sum to 100, so 1 for 1.
  const FrameworkRules par = Rules(ParIndexFramework());
  EXPECT_EQ(PointsToGain(par, par.IndexOf("IMPACT"), Th("12"), Th("13.5")), X("1.5"));
  const FrameworkRules pct =
      Rules(MakeFramework(v1::AGGREGATION_PERCENTAGE, {"A", "B"}, {}, {"120", "80"}, ""));
  EXPECT_EQ(PointsToGain(pct, 1, Th("50"), Th("51")), X("0.5"));

  // PUBLISHED_ONLY: no rule, nothing to compute.
  FrameworkRules published = ddci;
  published.aggregation = v1::AGGREGATION_PUBLISHED_ONLY;
  EXPECT_EQ(PointsToGain(published, 0, Th("1"), Th("9")), Exact{});

  // Lower is better: the shortfall is score − reference.
  FrameworkRules lower = sum;
  lower.components[0].higher_is_better = false;
  EXPECT_EQ(PointsToGain(lower, 0, Th("5"), Th("3.5")), X("1.5"));
  EXPECT_EQ(PointsToGain(lower, 0, Th("3"), Th("3.5")), Exact{});

  // An index outside the components gains nothing.
  EXPECT_EQ(PointsToGain(ddci, -1, Th("1"), Th("9")), Exact{});
  EXPECT_EQ(PointsToGain(ddci, 8, Th("1"), Th("9")), Exact{});
}

// ---------------------------------------------------------------------------
// Exact numbers and their text
// ---------------------------------------------------------------------------

TEST(ScoringMathTest, ExactReducesAndCompares) {
  EXPECT_EQ(Exact::FromThousandths(7800).num, 39);
  EXPECT_EQ(Exact::FromThousandths(7800).den, 5);
  const Exact flipped = Exact::Ratio(3, -6);
  EXPECT_EQ(flipped.num, -1);
  EXPECT_EQ(flipped.den, 2);
  const Exact zero = Exact::Ratio(0, -7);
  EXPECT_EQ(zero.num, 0);
  EXPECT_EQ(zero.den, 1);
  EXPECT_EQ(Exact::Ratio(2, 4), Exact::Ratio(1, 2));
  EXPECT_LT(Exact::Ratio(1, 3), Exact::Ratio(334, 1000));
  EXPECT_GT(Exact::Ratio(-1, 3), Exact::Ratio(-334, 1000));
  EXPECT_NE(X("7.8"), X("7.801"));
  EXPECT_LE(X("7.8"), X("7.80"));
  EXPECT_GE(X("7.8"), X("7.80"));
  EXPECT_EQ(X("7.8") + X("0.2"), Exact::Integer(8));
  EXPECT_EQ(Exact::Ratio(1, 3) + Exact::Ratio(1, 6), Exact::Ratio(1, 2));
  EXPECT_EQ(Exact::Ratio(1, 3) - Exact::Ratio(1, 2), Exact::Ratio(-1, 6));
  EXPECT_EQ(Abs(Exact::Ratio(-5, 4)), Exact::Ratio(5, 4));
  EXPECT_EQ(Abs(Exact::Ratio(5, 4)), Exact::Ratio(5, 4));
}

TEST(ScoringMathTest, ExactAtTheEdgesOfInt64) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  // Cross multiplication in 128 bits: no overflow when comparing.
  EXPECT_GT(Exact::Ratio(max, max - 1), Exact::Integer(1));
  EXPECT_LT(Exact::Ratio(max - 1, max), Exact::Integer(1));
  EXPECT_LT(Exact::Ratio(max - 2, max - 1), Exact::Ratio(max - 1, max));
  EXPECT_EQ(Exact::Integer(max) + Exact::Integer(-max), Exact{});
  EXPECT_EQ(Exact::Ratio(max, max), Exact::Integer(1));
  // Sums whose intermediate exceeds 64 bits reduce back.
  EXPECT_EQ(Exact::Ratio(1, max) + Exact::Ratio(max - 1, max), Exact::Integer(1));
  // Beyond the header's bounds a result is approximated, never wrapped.
  const Exact tiny = Exact::Ratio(1, max) + Exact::Ratio(1, max - 1);
  EXPECT_GT(tiny, Exact::Ratio(1, max));
  EXPECT_LT(tiny, Exact::Ratio(3, max));
  EXPECT_EQ(Exact::Integer(max) + Exact::Integer(max), Exact::Integer(max));
  EXPECT_EQ(Exact::Integer(-max) - Exact::Integer(max), Exact::Integer(-max));
  EXPECT_EQ(Format(Exact::Integer(max), 0), "9223372036854775807");
  EXPECT_EQ(Format(Exact::Integer(-max), 6), "-9223372036854775807.000000");
  EXPECT_EQ(Format(Exact::Ratio(max, 1000), 3), "9223372036854775.807");
}

TEST(ScoringMathTest, FormatRoundsOnceHalfAwayFromZero) {
  EXPECT_EQ(Format(Exact::Ratio(550125, 10000), 2), "55.01");
  EXPECT_EQ(Format(X("72.775"), 2), "72.78");
  EXPECT_EQ(Format(X("-1.005"), 2), "-1.01");
  EXPECT_EQ(Format(X("1.005"), 2), "1.01");
  EXPECT_EQ(Format(Exact::Ratio(10049, 10000), 2), "1.00");
  EXPECT_EQ(Format(X("2.5"), 0), "3");
  EXPECT_EQ(Format(X("-2.5"), 0), "-3");
  EXPECT_EQ(Format(X("-0.004"), 2), "0.00");  // rounds to zero: no minus
  EXPECT_EQ(Format(X("-0.005"), 2), "-0.01");
  EXPECT_EQ(Format(Exact{}, 2), "0.00");
  EXPECT_EQ(Format(Exact::Integer(55), 2), "55.00");
  EXPECT_EQ(Format(Exact::Ratio(1, 3), 6), "0.333333");
  EXPECT_EQ(Format(Exact::Ratio(2, 3), 6), "0.666667");
  EXPECT_EQ(Format(Exact::Ratio(-2, 3), 1), "-0.7");
  EXPECT_EQ(Format(Exact::Ratio(999, 1000), 2), "1.00");
  EXPECT_EQ(Format(Exact::Ratio(9999995, 1000000), 5), "10.00000");
  // Rounding once from the exact value, not digit by digit: 0.4449 at 2 is
  // 0.44 (a double rounding via 0.445 would give 0.45).
  EXPECT_EQ(Format(Exact::Ratio(4449, 10000), 2), "0.44");
  // Out-of-range digit counts are clamped to 0..6.
  EXPECT_EQ(Format(Exact::Ratio(1, 3), 9), "0.333333");
  EXPECT_EQ(Format(X("7.5"), -1), "8");
}

TEST(ScoringMathTest, ToDecimalIsExactWithinThousandths) {
  EXPECT_EQ(ToDecimal(X("72.775")).value(), "72.775");
  EXPECT_EQ(ToDecimal(Exact::Integer(55), 2).value(), "55.00");
  EXPECT_EQ(ToDecimal(Exact::Integer(55)).value(), "55");
  EXPECT_EQ(ToDecimal(X("7.8")).value(), "7.8");
  EXPECT_EQ(ToDecimal(X("7.8"), 2).value(), "7.80");
  EXPECT_EQ(ToDecimal(X("7.25"), 1).value(), "7.25");
  EXPECT_EQ(ToDecimal(X("-1.5")).value(), "-1.5");
  EXPECT_EQ(ToDecimal(Exact{}).value(), "0");
  EXPECT_EQ(ToDecimal(Exact{}, 2).value(), "0.00");
  EXPECT_EQ(ToDecimal(Exact::Integer(1), 7).value(), "1.000000");  // at most six digits
  // Up to six digits the value is exact; beyond, rounded half up at the sixth.
  EXPECT_EQ(ToDecimal(Exact::Ratio(550125, 10000)).value(), "55.0125");
  EXPECT_EQ(ToDecimal(Exact::Ratio(43875, 10000)).value(), "4.3875");
  EXPECT_EQ(ToDecimal(Exact::Ratio(1, 3)).value(), "0.333333");
  EXPECT_EQ(ToDecimal(Exact::Ratio(-2, 3)).value(), "-0.666667");
  EXPECT_EQ(ToDecimal(Exact::Ratio(-1, 3000000)).value(), "0.000000");
  EXPECT_EQ(ToDecimal(Exact::Ratio(-1, 2000000)).value(), "-0.000001");
  // What has at most three digits parses back as an input.
  for (const Exact& e : {X("72.775"), X("-0.5"), Exact::Integer(70)}) {
    EXPECT_TRUE(ParseThousandths("value", ToDecimal(e)).ok()) << ToDecimal(e).value();
  }
}

TEST(ScoringMathTest, ParseThousandthsAcceptsPointAndComma) {
  EXPECT_EQ(*ParseThousandths("target.value", Dec("7.80")), 7800);
  EXPECT_EQ(*ParseThousandths("target.value", Dec("7,80")), 7800);
  EXPECT_EQ(*ParseThousandths("target.value", Dec("70")), 70000);
  EXPECT_EQ(*ParseThousandths("target.value", Dec("-1.5")), -1500);
  EXPECT_EQ(*ParseThousandths("target.value", Dec("72.775")), 72775);
}

TEST(ScoringMathTest, ParseThousandthsErrorsNameTheFieldAndQuoteTheText) {
  for (const char* bad : {"", "abc", "1.2345", "7,8,0", "1.234,5", "7 80", "."}) {
    absl::StatusOr<int64_t> parsed = ParseThousandths("framework.components[3].max", Dec(bad));
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("framework.components[3].max"));
    EXPECT_THAT(parsed.status().message(), HasSubstr(text::QuoteForMessage(bad)));
  }
  EXPECT_THAT(ParseThousandths("f", Dec("")).status().message(), HasSubstr("empty"));
  EXPECT_THAT(ParseThousandths("f", Dec("1.2345")).status().message(),
              HasSubstr("more than 3 fractional digits"));
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

TEST(ScoringMathTest, RulesOfReadsTheFramework) {
  v1::Framework f = MakeFramework(v1::AGGREGATION_WEIGHTED_SUM_SCALED, kPciCodes,
                                  {5, 10, 5, 5, 15, 10, 15, 15, 10, 10}, {}, "10");
  f.mutable_components(2)->set_higher_is_better(false);
  *f.mutable_components(2)->mutable_min() = Dec("-1,5");
  f.set_total_decimals(3);
  absl::StatusOr<FrameworkRules> rules = RulesOf(f);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(rules->aggregation, v1::AGGREGATION_WEIGHTED_SUM_SCALED);
  EXPECT_EQ(rules->scale, 10000);
  EXPECT_EQ(rules->total_decimals, 3);
  ASSERT_EQ(rules->components.size(), 10u);
  EXPECT_EQ(rules->components[2].code, "TRANSPARENCY");
  EXPECT_EQ(rules->components[2].min, -1500);
  EXPECT_EQ(rules->components[2].max, 10000);
  EXPECT_EQ(rules->components[2].weight, 5);
  EXPECT_FALSE(rules->components[2].higher_is_better);
  EXPECT_TRUE(rules->components[1].higher_is_better);
  EXPECT_EQ(rules->IndexOf("LEGAL_INSTITUTIONS"), 9);
  EXPECT_EQ(rules->IndexOf("NOPE"), -1);
  EXPECT_TRUE(rules->bands.empty());

  // total_decimals 0 means 2; a scale is read only where the aggregation uses one.
  v1::Framework sum = MakeFramework(v1::AGGREGATION_SUM, {"A"}, {}, {}, "not a number");
  absl::StatusOr<FrameworkRules> sum_rules = RulesOf(sum);
  ASSERT_TRUE(sum_rules.ok()) << sum_rules.status();
  EXPECT_EQ(sum_rules->total_decimals, 2);
  EXPECT_EQ(sum_rules->scale, 0);
}

TEST(ScoringMathTest, RulesOfKeepsBandsHighestFirst) {
  v1::Framework f = ParIndexFramework();
  f.mutable_grade_bands()->SwapElements(0, 2);  // C, B, A
  const FrameworkRules rules = Rules(f);
  ASSERT_EQ(rules.bands.size(), 3u);
  EXPECT_EQ(rules.bands[0].grade, "A");
  EXPECT_EQ(rules.bands[0].lower_bound, Exact::Integer(90));
  EXPECT_EQ(rules.bands[2].grade, "C");
  EXPECT_EQ(GradeOf(rules, X("85")), "B");
}

TEST(ScoringMathTest, RulesOfErrorsNameTheField) {
  {
    v1::Framework f = DdciFramework();
    *f.mutable_components(1)->mutable_max() = Dec("10,0,0");
    absl::StatusOr<FrameworkRules> rules = RulesOf(f);
    ASSERT_FALSE(rules.ok());
    EXPECT_EQ(rules.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(rules.status().message(), HasSubstr("framework.components[1].max"));
    EXPECT_THAT(rules.status().message(), HasSubstr("\"10,0,0\""));
  }
  {
    v1::Framework f = DdciFramework();
    *f.mutable_components(0)->mutable_min() = Dec("");
    absl::StatusOr<FrameworkRules> rules = RulesOf(f);
    ASSERT_FALSE(rules.ok());
    EXPECT_THAT(rules.status().message(), HasSubstr("framework.components[0].min"));
  }
  {
    v1::Framework f = DdciFramework();
    *f.mutable_scale() = Dec("ten");
    absl::StatusOr<FrameworkRules> rules = RulesOf(f);
    ASSERT_FALSE(rules.ok());
    EXPECT_THAT(rules.status().message(), HasSubstr("framework.scale"));
    EXPECT_THAT(rules.status().message(), HasSubstr("\"ten\""));
  }
  {
    v1::Framework f = ParIndexFramework();
    *f.mutable_grade_bands(1)->mutable_lower_bound() = Dec("80.0001");
    absl::StatusOr<FrameworkRules> rules = RulesOf(f);
    ASSERT_FALSE(rules.ok());
    EXPECT_THAT(rules.status().message(), HasSubstr("framework.grade_bands[1].lower_bound"));
  }
}

// ---------------------------------------------------------------------------
// Rankings and medians
// ---------------------------------------------------------------------------

std::vector<RankItem> Items(const std::vector<std::pair<std::string, std::string>>& named) {
  std::vector<RankItem> items;
  for (const auto& [name, score] : named) items.push_back(RankItem{X(score), name});
  return items;
}

TEST(ScoringMathTest, RankStandardCompetitionWithTieKeys) {
  const std::vector<RankItem> items = Items(
      {{"Sở Xây dựng", "7"}, {"Sở Tư pháp", "8"}, {"Sở Công Thương", "9"}, {"Sở Nội vụ", "8"}});
  const RankingOutcome r = Rank(items, /*higher_is_better=*/true);
  EXPECT_THAT(r.order, ElementsAre(2, 3, 1, 0));  // 9; 8 "Sở Nội vụ" < "Sở Tư pháp"; 7
  EXPECT_THAT(r.rank, ElementsAre(4, 2, 1, 2));   // 1, 2, 2, 4
  EXPECT_EQ(r.median, Exact::Integer(8));
  EXPECT_THAT(r.below_median, ElementsAre(true, false, false, false));
  EXPECT_EQ(r.below_median_count, 1);
}

TEST(ScoringMathTest, RankLowerIsBetter) {
  const std::vector<RankItem> items =
      Items({{"a", "3"}, {"b", "1"}, {"c", "3"}, {"d", "5"}, {"e", "2"}});
  const RankingOutcome r = Rank(items, /*higher_is_better=*/false);
  EXPECT_THAT(r.order, ElementsAre(1, 4, 0, 2, 3));
  EXPECT_THAT(r.rank, ElementsAre(3, 1, 3, 5, 2));
  EXPECT_EQ(r.median, Exact::Integer(3));
  // Strictly worse than the median: above it when lower is better.
  EXPECT_THAT(r.below_median, ElementsAre(false, false, false, true, false));
  EXPECT_EQ(r.below_median_count, 1);
}

TEST(ScoringMathTest, RankMedianOfEvenCountIsMeanOfTheMiddleTwo) {
  const RankingOutcome r =
      Rank(Items({{"a", "10"}, {"b", "9"}, {"c", "8"}, {"d", "6"}}), /*higher_is_better=*/true);
  EXPECT_EQ(r.median, X("8.5"));
  EXPECT_THAT(r.below_median, ElementsAre(false, false, true, true));
  EXPECT_EQ(r.below_median_count, 2);

  const RankingOutcome odd_mean =
      Rank(Items({{"a", "6.77"}, {"b", "6.80"}}), /*higher_is_better=*/true);
  EXPECT_EQ(odd_mean.median, X("6.785"));

  const RankingOutcome halves =
      Rank(Items({{"a", "0.001"}, {"b", "0.002"}}), /*higher_is_better=*/true);
  EXPECT_EQ(halves.median, Exact::Ratio(3, 2000));
  EXPECT_EQ(ToDecimal(halves.median).value(), "0.0015");  // exact, one digit past the scores
}

TEST(ScoringMathTest, RankAllTiedNoneBelowMedian) {
  const RankingOutcome r =
      Rank(Items({{"c", "5"}, {"a", "5"}, {"b", "5"}}), /*higher_is_better=*/true);
  EXPECT_THAT(r.order, ElementsAre(1, 2, 0));
  EXPECT_THAT(r.rank, ElementsAre(1, 1, 1));
  EXPECT_EQ(r.below_median_count, 0);

  const RankingOutcome one = Rank(Items({{"a", "4.2"}}), /*higher_is_better=*/false);
  EXPECT_THAT(one.order, ElementsAre(0));
  EXPECT_THAT(one.rank, ElementsAre(1));
  EXPECT_EQ(one.median, X("4.2"));
  EXPECT_EQ(one.below_median_count, 0);
}

// How random scores are drawn: each exercises one path of Rank.
enum class Draw {
  kThousandthsAndThirds,  // many ties, a common denominator (3000): radix
  kWideAndNegative,       // integers across ±10^17: radix over all eight bytes
  kCoprimeDenominators,   // no common denominator within int64_t: comparison sort
};

Exact DrawScore(Draw draw, int i, std::mt19937& rng) {
  switch (draw) {
    case Draw::kThousandthsAndThirds:
      return i % 7 == 0 ? Exact::Ratio(static_cast<int64_t>(rng() % 30), 3)
                        : Exact::FromThousandths(static_cast<int64_t>(rng() % 200) * 50);
    case Draw::kWideAndNegative: {
      const int64_t magnitude = static_cast<int64_t>(
          std::uniform_int_distribution<uint64_t>(0, 100'000'000'000'000'000)(rng));
      return Exact::Integer(i % 5 == 0 ? int64_t{7} : (rng() % 2 ? magnitude : -magnitude));
    }
    case Draw::kCoprimeDenominators: {
      const int64_t dens[] = {1'000'000'007, 998'244'353, 1'000'000'009};
      return Exact::Ratio(static_cast<int64_t>(rng() % 40) * 250'000'000, dens[rng() % 3]);
    }
  }
  return Exact{};
}

TEST(ScoringMathTest, RankMatchesBruteForceOnRandomScores) {
  std::mt19937 rng(20190623);
  for (Draw draw :
       {Draw::kThousandthsAndThirds, Draw::kWideAndNegative, Draw::kCoprimeDenominators}) {
    for (bool higher : {true, false}) {
      SCOPED_TRACE(absl::StrCat("draw ", static_cast<int>(draw), " higher ", higher));
      std::vector<RankItem> items;
      std::vector<Exact> scores;
      for (int i = 0; i < 501; ++i) {
        const Exact score = DrawScore(draw, i, rng);
        items.push_back(RankItem{score, absl::StrCat("unit ", rng() % 50)});
        scores.push_back(score);
      }
      for (int n : {501, 500}) {
        std::vector<RankItem> subset(items.begin(), items.begin() + n);
        const RankingOutcome r = Rank(subset, higher);
        std::vector<Exact> sorted(scores.begin(), scores.begin() + n);
        std::sort(sorted.begin(), sorted.end());
        const Exact expected_median = n % 2 == 1 ? sorted[static_cast<size_t>(n / 2)]
                                                 : Median({sorted[static_cast<size_t>(n / 2 - 1)],
                                                           sorted[static_cast<size_t>(n / 2)]});
        EXPECT_EQ(r.median, expected_median);
        EXPECT_EQ(Median(std::vector<Exact>(scores.begin(), scores.begin() + n)), expected_median);
        int below = 0;
        for (int i = 0; i < n; ++i) {
          int better = 0;
          for (int j = 0; j < n; ++j) {
            if (higher ? subset[j].score > subset[i].score : subset[j].score < subset[i].score) {
              ++better;
            }
          }
          EXPECT_EQ(r.rank[i], better + 1) << i;
          const bool is_below =
              higher ? subset[i].score < expected_median : subset[i].score > expected_median;
          EXPECT_EQ(r.below_median[i], is_below) << i;
          below += is_below ? 1 : 0;
        }
        EXPECT_EQ(r.below_median_count, below);
        // The order is best first, ties by tie_key, and a permutation.
        std::vector<bool> seen(static_cast<size_t>(n));
        for (int p = 0; p < n; ++p) {
          const int i = r.order[static_cast<size_t>(p)];
          EXPECT_FALSE(seen[static_cast<size_t>(i)]);
          seen[static_cast<size_t>(i)] = true;
          if (p == 0) continue;
          const int prev = r.order[static_cast<size_t>(p - 1)];
          EXPECT_LE(r.rank[prev], r.rank[i]);
          EXPECT_TRUE(higher ? subset[prev].score >= subset[i].score
                             : subset[prev].score <= subset[i].score);
          if (subset[prev].score == subset[i].score) {
            EXPECT_LE(subset[prev].tie_key, subset[i].tie_key);
            if (subset[prev].tie_key == subset[i].tie_key) {
              EXPECT_LT(prev, i);
            }
          }
        }
      }
    }
  }
}

TEST(ScoringMathTest, RankAtTheEdgesOfInt64) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const std::vector<RankItem> items = {{Exact::Integer(0), "b"},
                                       {Exact::Integer(-max), "a"},
                                       {Exact::Integer(max), "c"},
                                       {Exact::Ratio(max, max - 1), "d"},
                                       {Exact::Integer(0), "a"}};
  const RankingOutcome high = Rank(items, /*higher_is_better=*/true);
  EXPECT_THAT(high.order, ElementsAre(2, 3, 4, 0, 1));
  EXPECT_THAT(high.rank, ElementsAre(3, 5, 1, 2, 3));
  EXPECT_EQ(high.median, Exact::Integer(0));
  EXPECT_THAT(high.below_median, ElementsAre(false, true, false, false, false));
  const RankingOutcome low = Rank(items, /*higher_is_better=*/false);
  EXPECT_THAT(low.order, ElementsAre(1, 4, 0, 3, 2));
  EXPECT_THAT(low.rank, ElementsAre(2, 1, 5, 4, 2));
}

TEST(ScoringMathTest, MedianBySelection) {
  EXPECT_EQ(Median({X("5")}), X("5"));
  EXPECT_EQ(Median({X("3"), X("1"), X("2")}), X("2"));
  EXPECT_EQ(Median({X("4"), X("1"), X("3"), X("2")}), X("2.5"));
  EXPECT_EQ(Median({X("2"), X("2"), X("1"), X("9")}), X("2"));
  EXPECT_EQ(Median({Exact::Ratio(1, 3), Exact::Ratio(2, 3)}), Exact::Ratio(1, 2));
  EXPECT_EQ(Median({X("-1"), X("-3")}), X("-2"));
  // The seed 002 components' median (even count, 8 scores).
  EXPECT_EQ(Median({X("6.77"), X("6.83"), X("5.53"), X("2.65"), X("4.50"), X("6.78"), X("4.69"),
                    X("6.26")}),
            X("5.895"));
}

// ---------------------------------------------------------------------------
// Trends
// ---------------------------------------------------------------------------

TrendInput Point(int year, std::optional<Exact> score, int rank = 0) {
  TrendInput p;
  p.year = year;
  p.score = score;
  p.rank = rank;
  return p;
}

TEST(ScoringMathTest, TrendByScoreSkipsMissingPoints) {
  const std::vector<TrendInput> points = {Point(2018, X("6.5")),     Point(2019, X("6.77")),
                                          Point(2020, std::nullopt), Point(2021, X("6.6")),
                                          Point(2022, X("6.6")),     Point(2023, X("6.2"))};
  const TrendOutcome t = ComputeTrend(points, /*by_rank=*/false, /*higher_is_better=*/true);
  ASSERT_EQ(t.points.size(), 6u);
  EXPECT_FALSE(t.points[0].score_delta.has_value());
  EXPECT_EQ(t.points[1].score_delta, X("0.27"));
  EXPECT_FALSE(t.points[2].score_delta.has_value());
  EXPECT_FALSE(t.points[3].score_delta.has_value());  // the previous point has no score
  EXPECT_EQ(t.points[4].score_delta, Exact{});
  EXPECT_EQ(t.points[5].score_delta, X("-0.4"));
  // 2021 declines from 2019 (the previous point with a score); 2022 ties.
  EXPECT_FALSE(t.points[1].declined);
  EXPECT_FALSE(t.points[2].declined);
  EXPECT_TRUE(t.points[3].declined);
  EXPECT_FALSE(t.points[4].declined);
  EXPECT_TRUE(t.points[5].declined);
  EXPECT_EQ(t.best_year, 2019);
  EXPECT_EQ(t.worst_year, 2023);
  EXPECT_EQ(t.consecutive_declines, 1);
}

TEST(ScoringMathTest, TrendTiesAndDirection) {
  // Lower is better (e.g. a share of late procedures); ties: best earliest,
  // worst latest.
  const std::vector<TrendInput> points = {Point(2020, X("3")), Point(2021, X("5")),
                                          Point(2022, X("3")), Point(2023, X("5")),
                                          Point(2024, std::nullopt)};
  const TrendOutcome t = ComputeTrend(points, /*by_rank=*/false, /*higher_is_better=*/false);
  EXPECT_EQ(t.best_year, 2020);
  EXPECT_EQ(t.worst_year, 2023);
  EXPECT_TRUE(t.points[1].declined);
  EXPECT_FALSE(t.points[2].declined);
  EXPECT_TRUE(t.points[3].declined);
  EXPECT_FALSE(t.points[4].declined);
  // A last point without the value did not decline: the run ending there is 0.
  EXPECT_EQ(t.consecutive_declines, 0);

  // Ranks missing (0) are skipped on a rank basis.
  const std::vector<TrendInput> ranked = {
      Point(2019, std::nullopt, 10), Point(2020, std::nullopt, 0), Point(2021, std::nullopt, 12),
      Point(2022, std::nullopt, 15)};
  const TrendOutcome r = ComputeTrend(ranked, /*by_rank=*/true, /*higher_is_better=*/true);
  EXPECT_EQ(r.points[1].rank_delta, 0);
  EXPECT_EQ(r.points[2].rank_delta, 0);
  EXPECT_EQ(r.points[3].rank_delta, 3);
  EXPECT_TRUE(r.points[2].declined);
  EXPECT_EQ(r.consecutive_declines, 2);
  EXPECT_EQ(r.best_year, 2019);
  EXPECT_EQ(r.worst_year, 2022);

  // Nothing with the basis value.
  const TrendOutcome none = ComputeTrend({Point(2020, X("1"))}, /*by_rank=*/true, true);
  EXPECT_EQ(none.best_year, 0);
  EXPECT_EQ(none.worst_year, 0);
  EXPECT_EQ(none.consecutive_declines, 0);
  EXPECT_TRUE(ComputeTrend({}, false, true).points.empty());
}

// ---------------------------------------------------------------------------
// Attainment
// ---------------------------------------------------------------------------

TEST(ScoringMathTest, SatisfiesEveryComparatorAtTheBoundary) {
  const Exact target = X("7.80");
  // "đạt trên 7,80": strictly above.
  EXPECT_FALSE(Satisfies(X("7.80"), COMPARATOR_ABOVE, target));
  EXPECT_TRUE(Satisfies(X("7.801"), COMPARATOR_ABOVE, target));
  EXPECT_FALSE(Satisfies(X("7.79"), COMPARATOR_ABOVE, target));
  // "trở lên": at least.
  EXPECT_TRUE(Satisfies(X("7.80"), COMPARATOR_AT_LEAST, target));
  EXPECT_TRUE(Satisfies(X("7.81"), COMPARATOR_AT_LEAST, target));
  EXPECT_FALSE(Satisfies(X("7.799"), COMPARATOR_AT_LEAST, target));
  // Unspecified reads as at least.
  EXPECT_TRUE(Satisfies(X("7.80"), COMPARATOR_UNSPECIFIED, target));
  EXPECT_FALSE(Satisfies(X("7.799"), COMPARATOR_UNSPECIFIED, target));
  // "top 10": rank at most 10.
  EXPECT_TRUE(Satisfies(Exact::Integer(10), COMPARATOR_AT_MOST, Exact::Integer(10)));
  EXPECT_TRUE(Satisfies(Exact::Integer(9), COMPARATOR_AT_MOST, Exact::Integer(10)));
  EXPECT_FALSE(Satisfies(Exact::Integer(11), COMPARATOR_AT_MOST, Exact::Integer(10)));
  // "dưới 5%": strictly below.
  EXPECT_FALSE(Satisfies(X("5"), COMPARATOR_BELOW, X("5")));
  EXPECT_TRUE(Satisfies(X("4.999"), COMPARATOR_BELOW, X("5")));
  EXPECT_FALSE(Satisfies(X("5.001"), COMPARATOR_BELOW, X("5")));
}

TEST(ScoringMathTest, GapIsPositiveWhenShort) {
  const Exact target = X("7.80");
  EXPECT_EQ(Gap(X("6.77"), COMPARATOR_ABOVE, target), X("1.03"));
  EXPECT_EQ(Gap(X("7.80"), COMPARATOR_ABOVE, target), Exact{});  // zero, yet not met
  EXPECT_EQ(Gap(X("8"), COMPARATOR_ABOVE, target), X("-0.2"));
  EXPECT_EQ(Gap(X("6.77"), COMPARATOR_AT_LEAST, target), X("1.03"));
  EXPECT_EQ(Gap(X("6.77"), COMPARATOR_UNSPECIFIED, target), X("1.03"));
  // Ranks: 14 against "top 10" is 4 to go.
  EXPECT_EQ(Gap(Exact::Integer(14), COMPARATOR_AT_MOST, Exact::Integer(10)), Exact::Integer(4));
  EXPECT_EQ(Gap(Exact::Integer(7), COMPARATOR_AT_MOST, Exact::Integer(10)), Exact::Integer(-3));
  EXPECT_EQ(Gap(X("6.5"), COMPARATOR_BELOW, X("5")), X("1.5"));
  EXPECT_EQ(Gap(X("4"), COMPARATOR_BELOW, X("5")), X("-1"));
}

}  // namespace
}  // namespace chiso::scoring
