#include "services/plan/plan_metrics.h"

#include <string>

#include "common/text/text.h"
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
  targets_ = &prometheus::BuildGauge()
                  .Name("chiso_component_target")
                  .Help(
                      "Target of an issued plan's objective on an index component (component "
                      "\"\" is the index as a whole), per issuing unit and target year.")
                  .Register(registry);
}

void PlanMetrics::SetCounts(const std::map<PlanStatus, int64_t>& counts) {
  for (auto& [status, gauge] : by_status_) {
    auto it = counts.find(status);
    gauge->Set(it == counts.end() ? 0 : static_cast<double>(it->second));
  }
}

void PlanMetrics::SetTargets(const std::vector<Plan>& issued) {
  std::map<std::vector<std::string>, double> wanted;
  for (const Plan& plan : issued) {
    if (plan.issuer().unit().empty()) continue;
    for (const chiso::plan::v1::Objective& objective : plan.objectives()) {
      const chiso::common::v1::Measure measure = objective.measure();
      if (measure == chiso::common::v1::MEASURE_RANK ||
          measure == chiso::common::v1::MEASURE_GRADE || !objective.target().has_value()) {
        continue;
      }
      absl::StatusOr<text::Decimal3> value = text::ParseDecimal(objective.target().value().value());
      if (!value.ok()) continue;
      wanted[{objective.framework(), objective.component(), plan.issuer().unit(),
              std::to_string(objective.target().year())}] =
          static_cast<double>(value->thousandths) / 1000.0;
    }
  }
  for (auto it = target_series_.begin(); it != target_series_.end();) {
    if (wanted.count(it->first) == 0) {
      targets_->Remove(it->second);
      it = target_series_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [labels, value] : wanted) {
    prometheus::Gauge*& gauge = target_series_[labels];
    if (gauge == nullptr) {
      gauge = &targets_->Add({{"framework", labels[0]},
                              {"component", labels[1]},
                              {"unit", labels[2]},
                              {"year", labels[3]}});
    }
    gauge->Set(value);
  }
}

}  // namespace chiso::plan
