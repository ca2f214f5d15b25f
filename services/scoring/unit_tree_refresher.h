#ifndef CHISO_SERVICES_SCORING_UNIT_TREE_REFRESHER_H_
#define CHISO_SERVICES_SCORING_UNIT_TREE_REFRESHER_H_

// The scoring service's copy of the unit tree (common/unitdir), kept fresh
// from the assignment service's ListUnits: every --unit_tree_refresh_interval
// in the background, and at once (at most every `min_interval`, 5 s) when a
// scope check meets a unit the copy does not know, so a unit created a moment
// ago is in its parent's scope without waiting for the next round.
//
// Refreshes call the assignment service and then write the copy in their own
// transaction; they run only where scope is checked, which is always before
// an audited change (AuditLog::Mutate), never inside one.

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/access.h"
#include "common/storage/database.h"
#include "common/unitdir/unit_directory.h"
#include "services/scoring/scoring_clients.h"

namespace chiso::scoring {

class RefreshingUnitTree : public auth::UnitTree {
 public:
  // None owned; all must outlive the tree. `db` is the one `directory` is on
  // (it carries UnitDirectoryMigrations). `clock` defaults to absl::Now.
  RefreshingUnitTree(unitdir::UnitDirectory* directory, storage::Database* db, UnitLister* source,
                     absl::Duration min_interval = absl::Seconds(5),
                     std::function<absl::Time()> clock = nullptr);
  // Stops the background refresh.
  ~RefreshingUnitTree() override;

  RefreshingUnitTree(const RefreshingUnitTree&) = delete;
  RefreshingUnitTree& operator=(const RefreshingUnitTree&) = delete;

  // The copy's answer; when `ancestor` or `unit` is unknown to the copy, it
  // first refreshes the copy (unless a refresh started less than
  // min_interval ago). A failed refresh leaves the copy as it was and the
  // answer is the copy's (an unknown unit is in no other unit's subtree).
  absl::StatusOr<bool> Contains(absl::string_view ancestor, absl::string_view unit) const override;

  // Reads every unit from the source and replaces the copy.
  absl::Status Refresh();

  // Refresh() now and then every `interval` on a background thread until
  // Stop(). Calling it twice is a no-op.
  void Start(absl::Duration interval);
  // Ends the background refresh and waits for it. Idempotent.
  void Stop();

  // Refreshes attempted so far (for tests and logs).
  int refresh_count() const { return refresh_count_.load(); }

 private:
  // True when the copy lists `unit`.
  absl::StatusOr<bool> Known(absl::string_view unit) const;
  // Refresh() unless one started within min_interval.
  void RefreshIfDue() const;
  absl::Status RefreshLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(refresh_mu_);
  void Run(absl::Duration interval);

  unitdir::UnitDirectory* directory_;
  storage::Database* db_;
  UnitLister* source_;
  absl::Duration min_interval_;
  std::function<absl::Time()> clock_;

  // Serializes refreshes; guards the time of the last one.
  mutable absl::Mutex refresh_mu_;
  mutable absl::Time last_refresh_ ABSL_GUARDED_BY(refresh_mu_) = absl::InfinitePast();
  mutable std::atomic<int> refresh_count_{0};

  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_UNIT_TREE_REFRESHER_H_
