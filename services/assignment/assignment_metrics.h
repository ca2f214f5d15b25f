#ifndef CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_METRICS_H_
#define CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_METRICS_H_

// Domain metrics of the assignment service, for dashboards:
//   chiso_tasks{lead_unit, timeliness}   tasks by lead unit and timeliness
//                                         (on_track, due_soon, overdue,
//                                         done_on_time, done_late)
//   chiso_unit_on_time_ratio{unit}       done on time / done, per lead unit
// Units are labelled by their code (unique), or their display name when they
// have none. Cancelled tasks are not counted.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace chiso::assignment {

class AssignmentMetrics {
 public:
  // Registers on `registry`, which must outlive this object.
  explicit AssignmentMetrics(prometheus::Registry& registry);

  // Replaces every series with the counts of `tasks` (whose timeliness must
  // be current); `units` give the labels. Series of units that no longer
  // lead a task are removed.
  void Update(const std::vector<chiso::assignment::v1::Task>& tasks,
              const std::vector<chiso::assignment::v1::Unit>& units);

  // The label value of a timeliness ("overdue"), or "" for unspecified.
  static std::string TimelinessLabel(chiso::assignment::v1::Timeliness timeliness);

 private:
  absl::Mutex mu_;
  prometheus::Family<prometheus::Gauge>& tasks_;
  prometheus::Family<prometheus::Gauge>& on_time_;
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> task_series_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, prometheus::Gauge*> ratio_series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chiso::assignment

#endif  // CHISO_SERVICES_ASSIGNMENT_ASSIGNMENT_METRICS_H_
