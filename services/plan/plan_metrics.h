#ifndef CHISO_SERVICES_PLAN_PLAN_METRICS_H_
#define CHISO_SERVICES_PLAN_PLAN_METRICS_H_

// Domain metrics of the plan service: chiso_plans{status}, the number of
// plans per life-cycle status, and chiso_component_target{framework,
// component, unit, year}, the targets of issued plans, which dashboards chart
// against the scoring service's chiso_component_score of the same labels.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chiso/plan/v1/plan_service.pb.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace chiso::plan {

class PlanMetrics {
 public:
  // Registers on `registry`, which must outlive this object. Every status
  // has a series from the start (0 until plans exist).
  explicit PlanMetrics(prometheus::Registry& registry);
  // Sets the gauges to `counts`; statuses absent from it are set to 0.
  void SetCounts(const std::map<chiso::plan::v1::PlanStatus, int64_t>& counts);
  // Sets chiso_component_target from the objectives of `issued` plans whose
  // issuer is a known unit: one series per framework, component ("" for the
  // index as a whole), issuer unit and target year, valued with the target
  // (score or percent targets; ranks and grades have no series). When two
  // plans target the same series the later plan in `issued` wins. Series of
  // targets no longer present are removed.
  void SetTargets(const std::vector<chiso::plan::v1::Plan>& issued);

 private:
  std::map<chiso::plan::v1::PlanStatus, prometheus::Gauge*> by_status_;
  prometheus::Family<prometheus::Gauge>* targets_ = nullptr;
  std::map<std::vector<std::string>, prometheus::Gauge*> target_series_;
};

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_METRICS_H_
