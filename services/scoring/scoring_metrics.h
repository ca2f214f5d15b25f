#ifndef CHISO_SERVICES_SCORING_SCORING_METRICS_H_
#define CHISO_SERVICES_SCORING_SCORING_METRICS_H_

// Domain metrics of the scoring service:
//   chiso_component_score{framework,component,unit,year}  component scores of
//       results about units (unit = "units/{id}"), and the total (published,
//       else computed) under component="", for the latest 10 years recorded;
//   chiso_scoring_results                                 results recorded;
//   chiso_framework_versions{origin}                      versions by origin
//       ("catalog", "api").
// Values are exported as doubles; the service computes with exact decimals.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace chiso::scoring {

// How many of the latest years chiso_component_score covers, so the number
// of series stays bounded as years pass.
inline constexpr int kMetricsYears = 10;

class ScoringMetrics {
 public:
  // Registers on `registry`, which must outlive this object. The counts have
  // a series from the start (0).
  explicit ScoringMetrics(prometheus::Registry& registry);

  // Replaces every exported value. `unit_results` are the results about
  // units to export (already limited to the latest years); series of
  // results no longer given are removed. Thread-safe.
  void Set(int64_t result_count, int64_t catalog_versions, int64_t api_versions,
           const std::vector<chiso::scoring::v1::Result>& unit_results);

 private:
  // framework, component, unit, year.
  using SeriesKey = std::tuple<std::string, std::string, std::string, std::string>;

  absl::Mutex mu_;
  prometheus::Family<prometheus::Gauge>* scores_;
  prometheus::Gauge* results_;
  prometheus::Gauge* catalog_versions_;
  prometheus::Gauge* api_versions_;
  std::map<SeriesKey, prometheus::Gauge*> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_METRICS_H_
