#include "services/scoring/unit_tree_refresher.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace chiso::scoring {

RefreshingUnitTree::RefreshingUnitTree(unitdir::UnitDirectory* directory, storage::Database* db,
                                       UnitLister* source, absl::Duration min_interval,
                                       std::function<absl::Time()> clock)
    : directory_(directory),
      db_(db),
      source_(source),
      min_interval_(min_interval),
      clock_(clock ? std::move(clock) : [] { return absl::Now(); }) {}

RefreshingUnitTree::~RefreshingUnitTree() { Stop(); }

absl::StatusOr<bool> RefreshingUnitTree::Known(absl::string_view unit) const {
  bool known = false;
  absl::Status status = db_->Read([&](storage::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<storage::Row>> rows =
        tx.Query("SELECT 1 FROM unit_tree WHERE unit = $1", {std::string(unit)});
    if (!rows.ok()) return rows.status();
    known = !rows->empty();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return known;
}

absl::StatusOr<bool> RefreshingUnitTree::Contains(absl::string_view ancestor,
                                                  absl::string_view unit) const {
  for (absl::string_view name : {ancestor, unit}) {
    if (name.empty()) continue;
    absl::StatusOr<bool> known = Known(name);
    if (!known.ok()) return known.status();
    if (!*known) {
      RefreshIfDue();
      break;
    }
  }
  return directory_->Contains(ancestor, unit);
}

absl::Status RefreshingUnitTree::RefreshLocked() const {
  last_refresh_ = clock_();
  refresh_count_.fetch_add(1);
  absl::StatusOr<std::vector<UnitParent>> units = source_->ListAllUnits(unitdir::kMaxUnits);
  if (!units.ok()) return units.status();
  std::vector<unitdir::UnitLink> links;
  links.reserve(units->size());
  for (UnitParent& u : *units) {
    links.push_back(unitdir::UnitLink{std::move(u.unit), std::move(u.parent)});
  }
  absl::StatusOr<bool> changed = directory_->Replace(links);
  if (!changed.ok()) return changed.status();
  if (*changed) {
    log::Info("unit tree copy refreshed",
              {log::Field("units", static_cast<int64_t>(links.size()))});
  }
  return absl::OkStatus();
}

absl::Status RefreshingUnitTree::Refresh() {
  absl::MutexLock lock(&refresh_mu_);
  return RefreshLocked();
}

void RefreshingUnitTree::RefreshIfDue() const {
  // Callers meeting an unknown unit at the same moment wait for one refresh
  // rather than each starting their own.
  absl::MutexLock lock(&refresh_mu_);
  if (clock_() - last_refresh_ < min_interval_) return;
  if (absl::Status s = RefreshLocked(); !s.ok()) {
    log::Warning("unit tree refresh failed", {log::Field("error", s.ToString())});
  }
}

void RefreshingUnitTree::Start(absl::Duration interval) {
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&stop_mu_);
    if (stopping_) return;
  }
  thread_ = std::thread([this, interval] { Run(interval); });
}

void RefreshingUnitTree::Run(absl::Duration interval) {
  for (;;) {
    if (absl::Status s = Refresh(); !s.ok()) {
      log::Warning("unit tree refresh failed", {log::Field("error", s.ToString())});
    }
    absl::MutexLock lock(&stop_mu_);
    if (stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval)) return;
  }
}

void RefreshingUnitTree::Stop() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace chiso::scoring
