#include "services/notification/lateness_window.h"

#include <algorithm>
#include <iterator>
#include <vector>

namespace chiso::notification {
namespace {

// The nearest-rank percentile `q` (0–1] of sorted `v`.
absl::Duration Percentile(const std::vector<absl::Duration>& v, double q) {
  size_t rank = static_cast<size_t>(q * static_cast<double>(v.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

}  // namespace

LatenessWindow::LatenessWindow(absl::Duration span, size_t capacity)
    : span_(span), capacity_(capacity) {}

void LatenessWindow::Trim(absl::Time now) {
  while (!entries_.empty() &&
         (entries_.size() > capacity_ || entries_.front().first < now - span_)) {
    entries_.pop_front();
  }
}

void LatenessWindow::Add(absl::Time delivered, absl::Duration lateness) {
  absl::MutexLock lock(&mu_);
  // Deliveries come from several threads; keep the deque ordered so trimming
  // from the front stays right.
  auto it = entries_.end();
  while (it != entries_.begin() && std::prev(it)->first > delivered) --it;
  entries_.emplace(it, delivered, lateness);
  Trim(delivered);
}

LatenessSummary LatenessWindow::Summarize(absl::Time now, absl::Duration window) const {
  std::vector<absl::Duration> values;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = entries_.rbegin(); it != entries_.rend() && it->first >= now - window; ++it) {
      if (it->first <= now) values.push_back(it->second);
    }
  }
  LatenessSummary out;
  out.count = static_cast<int64_t>(values.size());
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  out.p50 = Percentile(values, 0.50);
  out.p99 = Percentile(values, 0.99);
  out.max = values.back();
  return out;
}

}  // namespace chiso::notification
