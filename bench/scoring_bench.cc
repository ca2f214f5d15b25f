// The scoring service's exact arithmetic at province scale: ranking 10,000
// units on each of 10 PCI components and on the total (competition ranks,
// median, below-median flags), the median alone, and computing 10,000 totals.
//
//   make bench        (or build/bench/bench/scoring_bench --benchmark_counters_tabular=true)

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "services/scoring/scoring_math.h"

namespace chiso::scoring {
namespace {

constexpr int kUnits = 10000;
constexpr int kComponents = 10;

// PCI 2022–2024: scale 10, weights in percent.
FrameworkRules PciRules() {
  FrameworkRules rules;
  rules.aggregation = chiso::scoring::v1::AGGREGATION_WEIGHTED_SUM_SCALED;
  rules.scale = 10000;
  const int weights[kComponents] = {5, 10, 5, 5, 15, 10, 15, 15, 10, 10};
  for (int c = 0; c < kComponents; ++c) {
    ComponentRule rule;
    rule.code = absl::StrCat("C", c);
    rule.min = 0;
    rule.max = 10000;
    rule.weight = weights[c];
    rules.components.push_back(rule);
  }
  return rules;
}

// Scores in hundredths from 0 to 10 as published, so that many tie.
struct Data {
  FrameworkRules rules = PciRules();
  std::vector<std::string> names;
  std::vector<std::vector<std::optional<int64_t>>> scores;  // per unit
  std::vector<std::vector<RankItem>> by_component;          // per component
  std::vector<RankItem> by_total;

  Data() {
    std::mt19937 rng(2022);
    names.reserve(kUnits);
    scores.resize(kUnits);
    by_component.resize(kComponents);
    for (int u = 0; u < kUnits; ++u) {
      names.push_back(absl::StrCat("UBND xã số ", u));
      for (int c = 0; c < kComponents; ++c) {
        const int64_t s = static_cast<int64_t>(rng() % 1001) * 10;
        scores[u].push_back(s);
        by_component[c].push_back(RankItem{Exact::FromThousandths(s), names[u]});
      }
      by_total.push_back(RankItem{*ComputeTotal(rules, scores[u]), names[u]});
    }
  }
};

const Data& TheData() {
  static const Data* data = new Data();
  return *data;
}

// What GetRanking does for a whole province-size peer group, eleven times:
// every component and the total.
void BM_RankComponentsAndTotal(benchmark::State& state) {
  const Data& data = TheData();
  for (auto _ : state) {
    int below = 0;
    for (int c = 0; c < kComponents; ++c) {
      const RankingOutcome r = Rank(data.by_component[c], /*higher_is_better=*/true);
      below += r.below_median_count;
    }
    const RankingOutcome total = Rank(data.by_total, /*higher_is_better=*/true);
    below += total.below_median_count;
    benchmark::DoNotOptimize(below);
  }
  state.SetItemsProcessed(state.iterations() * kUnits * (kComponents + 1));
}
BENCHMARK(BM_RankComponentsAndTotal)->Unit(benchmark::kMillisecond);

void BM_RankTotal(benchmark::State& state) {
  const Data& data = TheData();
  for (auto _ : state) {
    benchmark::DoNotOptimize(Rank(data.by_total, /*higher_is_better=*/true));
  }
  state.SetItemsProcessed(state.iterations() * kUnits);
}
BENCHMARK(BM_RankTotal)->Unit(benchmark::kMicrosecond);

void BM_MedianTotal(benchmark::State& state) {
  const Data& data = TheData();
  std::vector<Exact> totals;
  for (const RankItem& item : data.by_total) totals.push_back(item.score);
  for (auto _ : state) benchmark::DoNotOptimize(Median(totals));
  state.SetItemsProcessed(state.iterations() * kUnits);
}
BENCHMARK(BM_MedianTotal)->Unit(benchmark::kMicrosecond);

void BM_ComputeTotal(benchmark::State& state) {
  const Data& data = TheData();
  for (auto _ : state) {
    for (int u = 0; u < kUnits; ++u) {
      benchmark::DoNotOptimize(ComputeTotal(data.rules, data.scores[u]));
    }
  }
  state.SetItemsProcessed(state.iterations() * kUnits);
}
BENCHMARK(BM_ComputeTotal)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace chiso::scoring

BENCHMARK_MAIN();
