#include "services/assignment/assignment_metrics.h"

#include "absl/container/flat_hash_map.h"

namespace chiso::assignment {

namespace v1 = chiso::assignment::v1;

AssignmentMetrics::AssignmentMetrics(prometheus::Registry& registry)
    : tasks_(prometheus::BuildGauge()
                 .Name("chiso_tasks")
                 .Help("Tasks by lead unit and timeliness.")
                 .Register(registry)),
      on_time_(prometheus::BuildGauge()
                   .Name("chiso_unit_on_time_ratio")
                   .Help("Share of a lead unit's completed tasks that were done on time.")
                   .Register(registry)) {}

std::string AssignmentMetrics::TimelinessLabel(v1::Timeliness timeliness) {
  switch (timeliness) {
    case v1::TIMELINESS_ON_TRACK:
      return "on_track";
    case v1::TIMELINESS_DUE_SOON:
      return "due_soon";
    case v1::TIMELINESS_OVERDUE:
      return "overdue";
    case v1::TIMELINESS_DONE_ON_TIME:
      return "done_on_time";
    case v1::TIMELINESS_DONE_LATE:
      return "done_late";
    default:
      return "";
  }
}

void AssignmentMetrics::Update(const std::vector<v1::Task>& tasks,
                               const std::vector<v1::Unit>& units) {
  absl::flat_hash_map<std::string, std::string> label_of;
  // Display names repeat across districts and departments ("Văn phòng",
  // "Phòng Tài chính - Kế hoạch"); a unit's code is unique, so it labels the
  // unit when it has one.
  for (const v1::Unit& u : units)
    label_of[u.name()] = u.code().empty() ? u.display_name() : u.code();
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  std::map<std::string, std::pair<int64_t, int64_t>> done;  // on time, late
  for (const v1::Task& t : tasks) {
    const std::string timeliness = TimelinessLabel(t.timeliness());
    if (timeliness.empty()) continue;
    auto it = label_of.find(t.lead_unit().unit());
    const std::string unit = it != label_of.end() ? it->second : t.lead_unit().display_name();
    ++counts[{unit, timeliness}];
    if (t.timeliness() == v1::TIMELINESS_DONE_ON_TIME) ++done[unit].first;
    if (t.timeliness() == v1::TIMELINESS_DONE_LATE) ++done[unit].second;
  }
  absl::MutexLock lock(&mu_);
  for (auto it = task_series_.begin(); it != task_series_.end();) {
    if (counts.count(it->first) == 0) {
      tasks_.Remove(it->second);
      it = task_series_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, n] : counts) {
    auto [it, added] = task_series_.try_emplace(key, nullptr);
    if (added) it->second = &tasks_.Add({{"lead_unit", key.first}, {"timeliness", key.second}});
    it->second->Set(static_cast<double>(n));
  }
  for (auto it = ratio_series_.begin(); it != ratio_series_.end();) {
    if (done.count(it->first) == 0) {
      on_time_.Remove(it->second);
      it = ratio_series_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [unit, d] : done) {
    auto [it, added] = ratio_series_.try_emplace(unit, nullptr);
    if (added) it->second = &on_time_.Add({{"unit", unit}});
    it->second->Set(static_cast<double>(d.first) / static_cast<double>(d.first + d.second));
  }
}

}  // namespace chiso::assignment
