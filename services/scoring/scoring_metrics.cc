#include "services/scoring/scoring_metrics.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace chiso::scoring {
namespace {

// The value of a decimal for export (computed values have up to six
// fractional digits), or nullopt when it is unset or malformed.
std::optional<double> ValueOf(const chiso::common::v1::Decimal& decimal) {
  double value = 0;
  if (decimal.value().empty() || !absl::SimpleAtod(decimal.value(), &value)) return std::nullopt;
  return value;
}

}  // namespace

ScoringMetrics::ScoringMetrics(prometheus::Registry& registry) {
  scores_ = &prometheus::BuildGauge()
                 .Name("chiso_component_score")
                 .Help(
                     "Recorded score of a unit on an index component (component=\"\": the "
                     "total, published else computed), latest 10 years.")
                 .Register(registry);
  results_ = &prometheus::BuildGauge()
                  .Name("chiso_scoring_results")
                  .Help("Index results recorded.")
                  .Register(registry)
                  .Add({});
  auto& versions = prometheus::BuildGauge()
                       .Name("chiso_framework_versions")
                       .Help("Framework versions by origin (catalog file or API).")
                       .Register(registry);
  catalog_versions_ = &versions.Add({{"origin", "catalog"}});
  api_versions_ = &versions.Add({{"origin", "api"}});
}

void ScoringMetrics::Set(int64_t result_count, int64_t catalog_versions, int64_t api_versions,
                         const std::vector<chiso::scoring::v1::Result>& unit_results) {
  std::map<SeriesKey, double> values;
  for (const chiso::scoring::v1::Result& result : unit_results) {
    if (result.subject().unit().empty()) continue;
    const std::string year = absl::StrCat(result.year());
    for (const auto& score : result.component_scores()) {
      if (std::optional<double> v = ValueOf(score.score())) {
        values[{result.framework_code(), score.component(), result.subject().unit(), year}] = *v;
      }
    }
    std::optional<double> total = ValueOf(result.published_total());
    if (!total.has_value()) total = ValueOf(result.computed_total());
    if (total.has_value()) {
      values[{result.framework_code(), "", result.subject().unit(), year}] = *total;
    }
  }

  absl::MutexLock lock(&mu_);
  results_->Set(static_cast<double>(result_count));
  catalog_versions_->Set(static_cast<double>(catalog_versions));
  api_versions_->Set(static_cast<double>(api_versions));
  for (auto it = series_.begin(); it != series_.end();) {
    if (values.count(it->first) == 0) {
      scores_->Remove(it->second);
      it = series_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, value] : values) {
    prometheus::Gauge*& gauge = series_[key];
    if (gauge == nullptr) {
      const auto& [framework, component, unit, year] = key;
      gauge = &scores_->Add(
          {{"framework", framework}, {"component", component}, {"unit", unit}, {"year", year}});
    }
    gauge->Set(value);
  }
}

}  // namespace chiso::scoring
