#include "services/plan/plan_metrics.h"

#include <string>

#include "services/plan/plan_domain.h"

namespace chiso::plan {

PlanMetrics::PlanMetrics(prometheus::Registry& registry) {
  auto& family = prometheus::BuildGauge()
                     .Name("chiso_plans")
                     .Help("Plans by life-cycle status.")
                     .Register(registry);
  for (PlanStatus s : {PlanStatus::PLAN_STATUS_DRAFT, PlanStatus::PLAN_STATUS_ISSUED,
                       PlanStatus::PLAN_STATUS_CLOSED, PlanStatus::PLAN_STATUS_ARCHIVED}) {
    by_status_[s] = &family.Add({{"status", std::string(StatusLabel(s))}});
  }
}

void PlanMetrics::SetCounts(const std::map<PlanStatus, int64_t>& counts) {
  for (auto& [status, gauge] : by_status_) {
    auto it = counts.find(status);
    gauge->Set(it == counts.end() ? 0 : static_cast<double>(it->second));
  }
}

}  // namespace chiso::plan
