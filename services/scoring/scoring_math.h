#ifndef CHISO_SERVICES_SCORING_SCORING_MATH_H_
#define CHISO_SERVICES_SCORING_SCORING_MATH_H_

// The arithmetic of index scores, exact and free of I/O (DOMAIN.md, "The
// indices"). Scores are decimals held in integer thousandths, weights integer
// percents; totals, medians and points to gain are exact rationals, rounded
// half up (away from zero) only when written out. In binary floating point
// Bắc Giang's PCI 2022 comes out as 72.77; here it is 72.775, shown as 72.78.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/common/v1/types.pb.h"
#include "chiso/scoring/v1/scoring_service.pb.h"

namespace chiso::scoring {

// ---------------------------------------------------------------------------
// Exact numbers
// ---------------------------------------------------------------------------

// An exact rational num/den, always reduced with den > 0. Every value the
// service handles is bounded (component ranges within ±1,000,000, scale at
// most 1000, at most 50 components, weights at most 100), so num and den fit
// in int64_t; operations compute in 128 bits and reduce.
struct Exact {
  int64_t num = 0;
  int64_t den = 1;

  static Exact Integer(int64_t value) { return Exact{value, 1}; }
  // thousandths / 1000, reduced.
  static Exact FromThousandths(int64_t thousandths);
  // num / den reduced; den must not be 0 (den < 0 flips both signs).
  static Exact Ratio(int64_t num, int64_t den);
};

// -1, 0 or 1 as a <, ==, > b. Exact (128-bit cross multiplication).
int Compare(const Exact& a, const Exact& b);
inline bool operator==(const Exact& a, const Exact& b) { return Compare(a, b) == 0; }
inline bool operator!=(const Exact& a, const Exact& b) { return Compare(a, b) != 0; }
inline bool operator<(const Exact& a, const Exact& b) { return Compare(a, b) < 0; }
inline bool operator>(const Exact& a, const Exact& b) { return Compare(a, b) > 0; }
inline bool operator<=(const Exact& a, const Exact& b) { return Compare(a, b) <= 0; }
inline bool operator>=(const Exact& a, const Exact& b) { return Compare(a, b) >= 0; }
Exact operator+(const Exact& a, const Exact& b);
Exact operator-(const Exact& a, const Exact& b);
Exact Abs(const Exact& a);

// The value rounded half away from zero to `decimals` fractional digits
// (0..6), written with a "." and exactly that many digits: 55.0125 at 2 is
// "55.01", 72.775 at 2 is "72.78", -1.005 at 2 is "-1.01". A value that rounds
// to zero has no minus sign. Rounds once, from the exact value.
std::string Format(const Exact& value, int decimals);

// The value as a Decimal proto, for what the service computes (totals,
// medians, gaps, points to gain): exact when the value has at most six
// fractional digits, written with the fewest digits it needs but at least
// `min_decimals` (0..6): 72.775 is "72.775", 55.0125 is "55.0125", 55 with
// min_decimals 2 is "55.00". A value that does not terminate within six
// digits (a mean over 7 components) is rounded half up at the sixth. Inputs
// stay at three digits (ParseThousandths); use Format for display.
chiso::common::v1::Decimal ToDecimal(const Exact& value, int min_decimals = 0);

// Parses a Decimal proto's value ("7.80", "70", "-1.5"; a decimal comma is
// accepted too). Errors: InvalidArgument naming `field` and quoting the text
// when it is empty, malformed or has more than three fractional digits.
absl::StatusOr<int64_t> ParseThousandths(absl::string_view field,
                                         const chiso::common::v1::Decimal& value);

// ---------------------------------------------------------------------------
// A framework version's rules
// ---------------------------------------------------------------------------

struct ComponentRule {
  std::string code;
  int64_t min = 0;  // thousandths
  int64_t max = 0;  // thousandths
  int weight = 0;   // integer percent
  bool higher_is_better = true;
};

struct GradeRule {
  std::string grade;
  Exact lower_bound;  // inclusive, in the total's measure
};

// What the arithmetic needs of a chiso.scoring.v1.Framework, parsed once.
struct FrameworkRules {
  chiso::scoring::v1::Aggregation aggregation = chiso::scoring::v1::AGGREGATION_UNSPECIFIED;
  int64_t scale = 0;                      // thousandths; 0 when the aggregation has none
  int total_decimals = 2;                 // 1..3, for display
  std::vector<ComponentRule> components;  // published order
  std::vector<GradeRule> bands;           // highest lower bound first

  // Index of the component with `code`, or -1.
  int IndexOf(absl::string_view code) const;
};

// Parses the numbers of `framework` (already validated by the domain).
// Errors: InvalidArgument when a decimal is malformed.
absl::StatusOr<FrameworkRules> RulesOf(const chiso::scoring::v1::Framework& framework);

// The total from component scores, one per rule in rule order (nullopt =
// not given):
//   SUM                 Σ sᵢ
//   WEIGHTED_SUM_SCALED scale × Σ (wᵢ · sᵢ) / 100
//   MEAN_SCALED         scale × Σ sᵢ / n
//   PERCENTAGE          100 × Σ sᵢ / Σ maxᵢ
// nullopt when a score is missing, `scores` has the wrong size, or the
// aggregation is PUBLISHED_ONLY. Seed 002's DDCI 2019 gives 55.0125 (55.01),
// Quảng Ninh's PCI 2019 73.40, Bắc Giang's PCI 2022 72.775 (72.78).
std::optional<Exact> ComputeTotal(const FrameworkRules& rules,
                                  const std::vector<std::optional<int64_t>>& scores);

// The grade of `total` under the bands: the first band (highest first) whose
// lower bound the total reaches; "" when below every band or without bands.
// PAR INDEX: 90 -> "A", 89.99 -> "B", 69.9 -> "".
std::string GradeOf(const FrameworkRules& rules, const Exact& total);

// Position of `grade` in the bands, 0 = best; -1 when not a band.
int GradeRank(const FrameworkRules& rules, absl::string_view grade);

// Points of the total gained if the component at `index` moved from `score`
// to `reference` (thousandths): the shortfall (reference − score, or
// score − reference when lower is better; 0 when already there) weighed as
// the aggregation weighs it: SUM 1; WEIGHTED_SUM_SCALED scale × wᵢ / 100;
// MEAN_SCALED scale / n; PERCENTAGE 100 / Σ maxᵢ; PUBLISHED_ONLY 0.
// Seed 002's TIME_COSTS 2019 (6.83 → target 7.70, DDCI scale 10, n 8) gains
// 1.0875.
Exact PointsToGain(const FrameworkRules& rules, int index, int64_t score, int64_t reference);

// ---------------------------------------------------------------------------
// Rankings and medians
// ---------------------------------------------------------------------------

// One subject to rank.
struct RankItem {
  Exact score;
  std::string tie_key;  // orders equal scores (the subject's display name)
};

struct RankingOutcome {
  // Indices into the input, best first; equal scores in tie_key order.
  std::vector<int> order;
  // rank[i] is the standard competition rank of input i (1, 2, 2, 4).
  std::vector<int> rank;
  // Median score: the middle one, or the mean of the middle two.
  Exact median;
  // below_median[i]: input i is strictly worse than the median (below it
  // when higher is better, above it otherwise).
  std::vector<bool> below_median;
  int below_median_count = 0;
};

// Ranks `items` (at least one). O(n log n); 10,000 items take well under a
// millisecond (bench/scoring_bench.cc).
RankingOutcome Rank(const std::vector<RankItem>& items, bool higher_is_better);

// The median of `scores` (non-empty): the middle one, or the mean of the
// middle two when there are an even number. Uses selection, not a full sort.
Exact Median(std::vector<Exact> scores);

// With only ranks: the median rank of n is (n + 1) / 2 (12 of 23; 11.5 of
// 22), and rank r is below the median when r > (n + 1) / 2, i.e. 2r > n + 1.
Exact MedianRank(int n);
bool BelowMedianByRank(int rank, int n);

// ---------------------------------------------------------------------------
// Trends
// ---------------------------------------------------------------------------

struct TrendInput {
  int year = 0;
  std::optional<Exact> score;
  int rank = 0;  // 0 = not published
};

struct TrendPointOutcome {
  std::optional<Exact> score_delta;  // score − previous score when both exist
  int rank_delta = 0;                // rank − previous rank when both exist
  bool declined = false;             // worse than the previous point on the basis
};

struct TrendOutcome {
  std::vector<TrendPointOutcome> points;  // parallel to the input
  int best_year = 0;                      // earliest when tied; 0 when no point has the basis value
  int worst_year = 0;                     // latest when tied
  int consecutive_declines = 0;           // run of declines ending at the last point
};

// `points` in increasing year order. `by_rank`: compare ranks (lower is
// better) instead of scores (`higher_is_better` says which way scores go).
// Points missing the basis value are skipped for best/worst: a decline
// compares with the previous point that has the value. The run of declines
// ends at the last point, so it is 0 when the last point has no value (the
// proto: "0 when the last point did not decline"). Seed
// 001's PAR INDEX ranks 2012–2021 (48 33 26 50 46 47 45 54 61 63) give best
// 2014, worst 2021, 3 consecutive declines.
TrendOutcome ComputeTrend(const std::vector<TrendInput>& points, bool by_rank,
                          bool higher_is_better);

// ---------------------------------------------------------------------------
// Attainment
// ---------------------------------------------------------------------------

// Whether `actual` satisfies `comparator` `target`: AT_LEAST ≥, ABOVE >,
// AT_MOST ≤, BELOW <. UNSPECIFIED is read as AT_LEAST. ("đạt trên 7,80" is
// not met by exactly 7.80; "từ 70 điểm trở lên" is met by 70.)
bool Satisfies(const Exact& actual, chiso::common::v1::Comparator comparator, const Exact& target);

// Distance still to go, positive when short: target − actual for AT_LEAST
// and ABOVE, actual − target for AT_MOST and BELOW (ranks: 14 against "top
// 10" is 4); negative or zero when met.
Exact Gap(const Exact& actual, chiso::common::v1::Comparator comparator, const Exact& target);

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_MATH_H_
