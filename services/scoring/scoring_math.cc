#include "services/scoring/scoring_math.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/text/text.h"

namespace chiso::scoring {
namespace {

namespace v1 = chiso::scoring::v1;
using chiso::common::v1::Comparator;

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr UInt128 kUInt64Max = std::numeric_limits<uint64_t>::max();
// Scores are thousandths: a product of two of them is in millionths.
constexpr int64_t kThousand = 1000;
constexpr int64_t kMillion = 1000 * 1000;
constexpr int kMaxFormatDecimals = 6;
// Computed values are written exactly up to this many fractional digits.
constexpr int kDecimalDigits = 6;

UInt128 Magnitude(Int128 v) {
  return v < 0 ? UInt128{0} - static_cast<UInt128>(v) : static_cast<UInt128>(v);
}

UInt128 Gcd(UInt128 a, UInt128 b) {
  while (a > kUInt64Max || b > kUInt64Max) {
    if (b == 0) return a;
    const UInt128 r = a % b;
    a = b;
    b = r;
  }
  return std::gcd(static_cast<uint64_t>(a), static_cast<uint64_t>(b));
}

uint64_t Pow10(int exponent) {
  uint64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

// num / den, reduced, den > 0. Values within the header's bounds always fit
// in int64_t once reduced; anything beyond them (never produced by the
// service) is approximated rather than wrapped: a magnitude above int64_t
// saturates, an oversized denominator is halved together with the numerator.
Exact Make(Int128 num, Int128 den) {
  assert(den != 0);
  if (den == 0) return Exact{};
  if (num == 0) return Exact{};
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const bool negative = num < 0;
  UInt128 n = Magnitude(num);
  UInt128 d = static_cast<UInt128>(den);
  const UInt128 g = Gcd(n, d);
  n /= g;
  d /= g;
  const UInt128 max = static_cast<UInt128>(kInt64Max);
  if (n > max || d > max) {
    if (n / d >= max) {
      n = max;
      d = 1;
    } else {
      while (n > max || d > max) {
        n >>= 1;
        d >>= 1;
      }
      if (d == 0) d = 1;
      const UInt128 h = Gcd(n, d);
      if (h > 1) {
        n /= h;
        d /= h;
      }
      if (n == 0) return Exact{};
    }
  }
  const int64_t magnitude = static_cast<int64_t>(n);
  return Exact{negative ? -magnitude : magnitude, static_cast<int64_t>(d)};
}

// (a + b) / 2, exact.
Exact Midpoint(const Exact& a, const Exact& b) {
  const Exact sum = a + b;
  return Make(sum.num, Int128{2} * sum.den);
}

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

// Whether `a` is better than `b`, by rank (lower) or by score.
bool Better(const TrendInput& a, const TrendInput& b, bool by_rank, bool higher_is_better) {
  if (by_rank) return a.rank < b.rank;
  const int c = Compare(*a.score, *b.score);
  return higher_is_better ? c > 0 : c < 0;
}

int CompareParts(int64_t a_num, int64_t a_den, int64_t b_num, int64_t b_den) {
  if (a_den == b_den) return (a_num > b_num) - (a_num < b_num);
  const Int128 left = static_cast<Int128>(a_num) * b_den;
  const Int128 right = static_cast<Int128>(b_num) * a_den;
  return (left > right) - (left < right);
}

// Orders ranked items by tie key, then by input position, for equal scores.
struct TieLess {
  const std::vector<RankItem>* items;
  bool operator()(int a, int b) const {
    const int t =
        (*items)[static_cast<size_t>(a)].tie_key.compare((*items)[static_cast<size_t>(b)].tie_key);
    return t != 0 ? t < 0 : a < b;
  }
};

// Sorts the indices of `items` best first when their scores share a common
// denominator within int64_t (scores in thousandths, and totals of one
// framework, always do): the scores become integers, sorted by an LSD radix
// sort on their distance from the best score, then each run of equal scores
// is sorted by tie key. `distance[p]` is set for `order[p]`; equal distances
// are equal scores. Returns false, leaving the outputs alone, when there is
// no such denominator.
bool RadixOrder(const std::vector<RankItem>& items, bool higher_is_better, std::vector<int>& order,
                std::vector<uint64_t>& distance) {
  const size_t n = items.size();
  // The least common denominator; the divisions are skipped for a
  // denominator seen just before.
  uint64_t common = 1;
  int64_t last_den = 1;
  for (const RankItem& item : items) {
    const int64_t den = item.score.den;
    if (den == last_den) continue;
    if (den <= 0) return false;
    last_den = den;
    const uint64_t d = static_cast<uint64_t>(den);
    if (common % d == 0) continue;
    const UInt128 lcm = static_cast<UInt128>(common / std::gcd(common, d)) * d;
    if (lcm > static_cast<UInt128>(kInt64Max)) return false;
    common = static_cast<uint64_t>(lcm);
  }
  std::vector<int64_t> scaled(n);
  last_den = 0;
  uint64_t factor = 0;
  for (size_t i = 0; i < n; ++i) {
    const Exact& score = items[i].score;
    if (score.den != last_den) {
      last_den = score.den;
      factor = common / static_cast<uint64_t>(score.den);
    }
    const Int128 v = static_cast<Int128>(score.num) * factor;
    if (v > kInt64Max || v < -kInt64Max) return false;
    scaled[i] = static_cast<int64_t>(v);
  }
  const auto [min_it, max_it] = std::minmax_element(scaled.begin(), scaled.end());
  const uint64_t min = static_cast<uint64_t>(*min_it);
  const uint64_t max = static_cast<uint64_t>(*max_it);
  const uint64_t range = max - min;  // modulo 2^64: fits, as |scaled| < 2^63

  // (distance from the best, input index), sorted by distance byte by byte,
  // least significant first; stable, so equal distances stay in input order.
  struct Entry {
    uint64_t distance;
    int index;
  };
  std::vector<Entry> entries(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = static_cast<uint64_t>(scaled[i]);
    entries[i] = Entry{higher_is_better ? max - v : v - min, static_cast<int>(i)};
  }
  std::vector<Entry> buffer(n);
  for (int shift = 0; shift < 64 && (range >> shift) != 0; shift += 8) {
    size_t counts[257] = {};
    for (const Entry& e : entries) ++counts[((e.distance >> shift) & 0xFF) + 1];
    for (int b = 0; b < 256; ++b) counts[b + 1] += counts[b];
    for (const Entry& e : entries) buffer[counts[(e.distance >> shift) & 0xFF]++] = e;
    entries.swap(buffer);
  }

  order.resize(n);
  distance.resize(n);
  for (size_t p = 0; p < n; ++p) {
    order[p] = entries[p].index;
    distance[p] = entries[p].distance;
  }
  const TieLess tie_less{&items};
  for (size_t begin = 0; begin < n;) {
    size_t end = begin + 1;
    while (end < n && distance[end] == distance[begin]) ++end;
    if (end - begin > 1) {
      std::sort(order.begin() + static_cast<std::ptrdiff_t>(begin),
                order.begin() + static_cast<std::ptrdiff_t>(end), tie_less);
    }
    begin = end;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Exact numbers
// ---------------------------------------------------------------------------

Exact Exact::FromThousandths(int64_t thousandths) { return Make(thousandths, kThousand); }

Exact Exact::Ratio(int64_t num, int64_t den) { return Make(num, den); }

int Compare(const Exact& a, const Exact& b) { return CompareParts(a.num, a.den, b.num, b.den); }

Exact operator+(const Exact& a, const Exact& b) {
  if (a.den == b.den) return Make(static_cast<Int128>(a.num) + b.num, a.den);
  return Make(static_cast<Int128>(a.num) * b.den + static_cast<Int128>(b.num) * a.den,
              static_cast<Int128>(a.den) * b.den);
}

Exact operator-(const Exact& a, const Exact& b) {
  if (a.den == b.den) return Make(static_cast<Int128>(a.num) - b.num, a.den);
  return Make(static_cast<Int128>(a.num) * b.den - static_cast<Int128>(b.num) * a.den,
              static_cast<Int128>(a.den) * b.den);
}

Exact Abs(const Exact& a) { return a.num < 0 ? Make(-static_cast<Int128>(a.num), a.den) : a; }

std::string Format(const Exact& value, int decimals) {
  decimals = std::clamp(decimals, 0, kMaxFormatDecimals);
  const uint64_t unit = Pow10(decimals);
  const UInt128 den = value.den > 0 ? static_cast<UInt128>(value.den) : 1;
  const UInt128 scaled = Magnitude(value.num) * unit;
  UInt128 rounded = scaled / den;
  // Half away from zero: the remainder is compared as 2r >= den.
  if ((scaled % den) * 2 >= den) ++rounded;

  const uint64_t integer_part = static_cast<uint64_t>(rounded / unit);
  const uint64_t fraction_part = static_cast<uint64_t>(rounded % unit);
  std::string out;
  if (value.num < 0 && rounded != 0) out.push_back('-');
  absl::StrAppend(&out, integer_part);
  if (decimals > 0) {
    const std::string fraction = absl::StrCat(fraction_part);
    out.push_back('.');
    out.append(static_cast<size_t>(decimals) - fraction.size(), '0');
    out += fraction;
  }
  return out;
}

chiso::common::v1::Decimal ToDecimal(const Exact& value, int min_decimals) {
  // A reduced num/den has a finite decimal of k digits iff den divides 10^k.
  int digits = kDecimalDigits;
  for (int k = 0; k <= kDecimalDigits; ++k) {
    if (value.den > 0 && Pow10(k) % static_cast<uint64_t>(value.den) == 0) {
      digits = k;
      break;
    }
  }
  digits = std::max(digits, std::clamp(min_decimals, 0, kDecimalDigits));
  chiso::common::v1::Decimal out;
  out.set_value(Format(value, digits));
  return out;
}

absl::StatusOr<int64_t> ParseThousandths(absl::string_view field,
                                         const chiso::common::v1::Decimal& value) {
  absl::StatusOr<text::Decimal3> parsed = text::ParseDecimal(value.value());
  if (!parsed.ok()) return Invalid(field, parsed.status().message());
  return parsed->thousandths;
}

// ---------------------------------------------------------------------------
// A framework version's rules
// ---------------------------------------------------------------------------

int FrameworkRules::IndexOf(absl::string_view code) const {
  for (size_t i = 0; i < components.size(); ++i) {
    if (components[i].code == code) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<FrameworkRules> RulesOf(const v1::Framework& framework) {
  FrameworkRules rules;
  rules.aggregation = framework.aggregation();
  if (rules.aggregation == v1::AGGREGATION_WEIGHTED_SUM_SCALED ||
      rules.aggregation == v1::AGGREGATION_MEAN_SCALED) {
    absl::StatusOr<int64_t> scale = ParseThousandths("framework.scale", framework.scale());
    if (!scale.ok()) return scale.status();
    rules.scale = *scale;
  }
  rules.total_decimals =
      framework.total_decimals() == 0 ? 2 : std::clamp(framework.total_decimals(), 1, 3);

  rules.components.reserve(static_cast<size_t>(framework.components_size()));
  for (int i = 0; i < framework.components_size(); ++i) {
    const v1::Component& c = framework.components(i);
    const std::string field = absl::StrCat("framework.components[", i, "]");
    ComponentRule rule;
    rule.code = c.code();
    absl::StatusOr<int64_t> min = ParseThousandths(absl::StrCat(field, ".min"), c.min());
    if (!min.ok()) return min.status();
    absl::StatusOr<int64_t> max = ParseThousandths(absl::StrCat(field, ".max"), c.max());
    if (!max.ok()) return max.status();
    rule.min = *min;
    rule.max = *max;
    rule.weight = c.weight();
    rule.higher_is_better = c.higher_is_better();
    rules.components.push_back(std::move(rule));
  }

  rules.bands.reserve(static_cast<size_t>(framework.grade_bands_size()));
  for (int i = 0; i < framework.grade_bands_size(); ++i) {
    const v1::GradeBand& b = framework.grade_bands(i);
    absl::StatusOr<int64_t> lower = ParseThousandths(
        absl::StrCat("framework.grade_bands[", i, "].lower_bound"), b.lower_bound());
    if (!lower.ok()) return lower.status();
    rules.bands.push_back(GradeRule{b.grade(), Exact::FromThousandths(*lower)});
  }
  // Validated versions already list bands highest first; keep that promise
  // for any other input without reordering equal bounds.
  std::stable_sort(
      rules.bands.begin(), rules.bands.end(),
      [](const GradeRule& a, const GradeRule& b) { return a.lower_bound > b.lower_bound; });
  return rules;
}

std::optional<Exact> ComputeTotal(const FrameworkRules& rules,
                                  const std::vector<std::optional<int64_t>>& scores) {
  if (scores.size() != rules.components.size()) return std::nullopt;
  Int128 sum = 0;           // Σ sᵢ, thousandths
  Int128 weighted_sum = 0;  // Σ wᵢ·sᵢ, percent × thousandths
  Int128 max_sum = 0;       // Σ maxᵢ, thousandths
  for (size_t i = 0; i < scores.size(); ++i) {
    if (!scores[i].has_value()) return std::nullopt;
    sum += *scores[i];
    weighted_sum += static_cast<Int128>(rules.components[i].weight) * *scores[i];
    max_sum += rules.components[i].max;
  }
  const Int128 n = static_cast<Int128>(scores.size());
  switch (rules.aggregation) {
    case v1::AGGREGATION_SUM:
      return Make(sum, kThousand);
    case v1::AGGREGATION_WEIGHTED_SUM_SCALED:
      // scale (thousandths) × Σ wᵢ·sᵢ (thousandths) / 100.
      return Make(rules.scale * weighted_sum, Int128{100} * kMillion);
    case v1::AGGREGATION_MEAN_SCALED:
      if (n == 0) return std::nullopt;
      return Make(rules.scale * sum, n * kMillion);
    case v1::AGGREGATION_PERCENTAGE:
      if (max_sum == 0) return std::nullopt;
      return Make(Int128{100} * sum, max_sum);
    default:
      return std::nullopt;
  }
}

std::string GradeOf(const FrameworkRules& rules, const Exact& total) {
  for (const GradeRule& band : rules.bands) {
    if (total >= band.lower_bound) return band.grade;
  }
  return "";
}

int GradeRank(const FrameworkRules& rules, absl::string_view grade) {
  for (size_t i = 0; i < rules.bands.size(); ++i) {
    if (rules.bands[i].grade == grade) return static_cast<int>(i);
  }
  return -1;
}

Exact PointsToGain(const FrameworkRules& rules, int index, int64_t score, int64_t reference) {
  if (index < 0 || static_cast<size_t>(index) >= rules.components.size()) return Exact{};
  const ComponentRule& component = rules.components[static_cast<size_t>(index)];
  Int128 shortfall = component.higher_is_better ? static_cast<Int128>(reference) - score
                                                : static_cast<Int128>(score) - reference;
  if (shortfall <= 0) return Exact{};
  switch (rules.aggregation) {
    case v1::AGGREGATION_SUM:
      return Make(shortfall, kThousand);
    case v1::AGGREGATION_WEIGHTED_SUM_SCALED:
      return Make(shortfall * rules.scale * component.weight, Int128{100} * kMillion);
    case v1::AGGREGATION_MEAN_SCALED:
      return Make(shortfall * rules.scale, static_cast<Int128>(rules.components.size()) * kMillion);
    case v1::AGGREGATION_PERCENTAGE: {
      Int128 max_sum = 0;
      for (const ComponentRule& c : rules.components) max_sum += c.max;
      if (max_sum == 0) return Exact{};
      return Make(Int128{100} * shortfall, max_sum);
    }
    default:
      return Exact{};
  }
}

// ---------------------------------------------------------------------------
// Rankings and medians
// ---------------------------------------------------------------------------

RankingOutcome Rank(const std::vector<RankItem>& items, bool higher_is_better) {
  RankingOutcome out;
  const size_t n = items.size();
  if (n == 0) return out;

  // Best first; equal scores by tie_key, then by input position so that the
  // order is total and deterministic.
  std::vector<uint64_t> distance;
  const bool radix = RadixOrder(items, higher_is_better, out.order, distance);
  if (!radix) {
    out.order.resize(n);
    std::iota(out.order.begin(), out.order.end(), 0);
    const TieLess tie_less{&items};
    std::sort(
        out.order.begin(), out.order.end(), [&items, higher_is_better, tie_less](int a, int b) {
          const int c =
              Compare(items[static_cast<size_t>(a)].score, items[static_cast<size_t>(b)].score);
          if (c != 0) return higher_is_better ? c > 0 : c < 0;
          return tie_less(a, b);
        });
  }

  // Standard competition ranks: a score ranks one below the number of
  // scores before it, and equal scores share the rank of the first.
  out.rank.resize(n);
  int current_rank = 0;
  for (size_t p = 0; p < n; ++p) {
    const size_t i = static_cast<size_t>(out.order[p]);
    const bool same =
        p > 0 && (radix ? distance[p] == distance[p - 1]
                        : items[i].score == items[static_cast<size_t>(out.order[p - 1])].score);
    if (!same) current_rank = static_cast<int>(p) + 1;
    out.rank[i] = current_rank;
  }

  // The order is sorted already, so the median is read off the middle.
  const Exact& upper = items[static_cast<size_t>(out.order[n / 2])].score;
  out.median =
      n % 2 == 1 ? upper : Midpoint(items[static_cast<size_t>(out.order[n / 2 - 1])].score, upper);

  out.below_median.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int c = Compare(items[i].score, out.median);
    const bool below = higher_is_better ? c < 0 : c > 0;
    out.below_median[i] = below;
    if (below) ++out.below_median_count;
  }
  return out;
}

Exact Median(std::vector<Exact> scores) {
  if (scores.empty()) return Exact{};
  const auto less = [](const Exact& a, const Exact& b) { return Compare(a, b) < 0; };
  const auto middle = scores.begin() + static_cast<std::ptrdiff_t>(scores.size() / 2);
  std::nth_element(scores.begin(), middle, scores.end(), less);
  if (scores.size() % 2 == 1) return *middle;
  // The second selection: the lower middle is the largest of the lower half,
  // which nth_element left before `middle`.
  const auto lower = std::max_element(scores.begin(), middle, less);
  return Midpoint(*lower, *middle);
}

Exact MedianRank(int n) { return Make(static_cast<Int128>(n) + 1, 2); }

bool BelowMedianByRank(int rank, int n) { return Int128{2} * rank > static_cast<Int128>(n) + 1; }

// ---------------------------------------------------------------------------
// Trends
// ---------------------------------------------------------------------------

TrendOutcome ComputeTrend(const std::vector<TrendInput>& points, bool by_rank,
                          bool higher_is_better) {
  TrendOutcome out;
  out.points.resize(points.size());
  const TrendInput* last = nullptr;  // previous point with the basis value
  const TrendInput* best = nullptr;
  const TrendInput* worst = nullptr;
  int run = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const TrendInput& point = points[i];
    TrendPointOutcome& result = out.points[i];
    if (i > 0) {
      const TrendInput& previous = points[i - 1];
      if (point.score.has_value() && previous.score.has_value()) {
        result.score_delta = *point.score - *previous.score;
      }
      if (point.rank > 0 && previous.rank > 0) result.rank_delta = point.rank - previous.rank;
    }
    const bool has_value = by_rank ? point.rank > 0 : point.score.has_value();
    if (!has_value) continue;
    if (last != nullptr) {
      result.declined = Better(*last, point, by_rank, higher_is_better);
      run = result.declined ? run + 1 : 0;
    }
    if (best == nullptr || Better(point, *best, by_rank, higher_is_better)) best = &point;
    if (worst == nullptr || !Better(point, *worst, by_rank, higher_is_better)) worst = &point;
    last = &point;
  }
  if (best != nullptr) out.best_year = best->year;
  if (worst != nullptr) out.worst_year = worst->year;
  // The run ends at the last point: one without the value did not decline.
  const bool last_has_value =
      !points.empty() && (by_rank ? points.back().rank > 0 : points.back().score.has_value());
  out.consecutive_declines = last_has_value ? run : 0;
  return out;
}

// ---------------------------------------------------------------------------
// Attainment
// ---------------------------------------------------------------------------

bool Satisfies(const Exact& actual, Comparator comparator, const Exact& target) {
  switch (comparator) {
    case chiso::common::v1::COMPARATOR_ABOVE:
      return actual > target;
    case chiso::common::v1::COMPARATOR_AT_MOST:
      return actual <= target;
    case chiso::common::v1::COMPARATOR_BELOW:
      return actual < target;
    default:  // AT_LEAST, and UNSPECIFIED read as AT_LEAST
      return actual >= target;
  }
}

Exact Gap(const Exact& actual, Comparator comparator, const Exact& target) {
  switch (comparator) {
    case chiso::common::v1::COMPARATOR_AT_MOST:
    case chiso::common::v1::COMPARATOR_BELOW:
      return actual - target;
    default:  // AT_LEAST, ABOVE, and UNSPECIFIED read as AT_LEAST
      return target - actual;
  }
}

}  // namespace chiso::scoring
