#ifndef CHISO_SERVICES_PLAN_PLAN_METRICS_H_
#define CHISO_SERVICES_PLAN_PLAN_METRICS_H_

// Domain metrics of the plan service: chiso_plans{status}, the number of
// plans per life-cycle status.

#include <cstdint>
#include <map>

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

 private:
  std::map<chiso::plan::v1::PlanStatus, prometheus::Gauge*> by_status_;
};

}  // namespace chiso::plan

#endif  // CHISO_SERVICES_PLAN_PLAN_METRICS_H_
