#ifndef CHISO_SERVICES_SCORING_SCORING_MANAGER_H_
#define CHISO_SERVICES_SCORING_SCORING_MANAGER_H_

// The scoring service's operations, one per RPC, in domain terms: each takes
// the request message, applies the rules of framework_domain and
// scoring_math, uses the store and the other services' readers, and returns
// absl::Status. The gRPC adapter only converts.
//
// Framework versions are the catalog versions given at construction (read
// only through the API) plus the versions defined through the API, which are
// read from the store on every call (they are few) so that several replicas
// on one database agree.
//
// The manager is also the ScoreSource of the scorecard: results come from the
// store, peer standings from the same ranking GetRanking computes.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "chiso/common/v1/audit.pb.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "services/scoring/scorecard.h"
#include "services/scoring/scoring_clients.h"
#include "services/scoring/scoring_metrics.h"
#include "services/scoring/scoring_store.h"

namespace chiso::scoring {

namespace pb = chiso::scoring::v1;

class ScoringManager : public ScoreSource {
 public:
  // None of the pointers is owned; all must outlive the manager. `metrics`
  // may be null. `catalog_versions` are the versions of the built-in file
  // and --framework_file (LoadCatalogFrameworks), origin CATALOG.
  ScoringManager(ScoringStore* store, const Catalog* catalog,
                 std::vector<Framework> catalog_versions, DirectoryReader* directory,
                 PlanReader* plans, const civil::Clock* clock, IdGenerator* ids,
                 ScoringMetrics* metrics);

  // Scope and audit trail. `tree` is the unit tree the scope checks use
  // (scoring_access.h); null lets only unrestricted callers see results about
  // units. `audit` records every change; null keeps the trail the manager
  // keeps on its store's database (ScoringStore::database()), or none when
  // the store has no database. Neither is owned.
  void SetAccess(const auth::UnitTree* tree, audit::AuditLog* audit);

  // Every operation runs on behalf of a caller the gate admitted (the
  // permission of the RPC is checked there); the manager checks the scope of
  // the results it touches and records each change in the audit trail in the
  // transaction of the change. The overloads without a caller act for an
  // anonymous, unrestricted one (authentication off).

  // ---- Frameworks -------------------------------------------------------------
  absl::StatusOr<Framework> CreateFramework(const auth::Caller& caller,
                                            const pb::CreateFrameworkRequest& request);
  absl::StatusOr<Framework> GetFramework(const pb::GetFrameworkRequest& request);
  absl::StatusOr<pb::ListFrameworksResponse> ListFrameworks(
      const pb::ListFrameworksRequest& request);
  absl::StatusOr<Framework> UpdateFramework(const auth::Caller& caller,
                                            const pb::UpdateFrameworkRequest& request);
  absl::Status DeleteFramework(const auth::Caller& caller,
                               const pb::DeleteFrameworkRequest& request);

  // ---- Results ----------------------------------------------------------------
  absl::StatusOr<Result> CreateResult(const auth::Caller& caller,
                                      const pb::CreateResultRequest& request);
  absl::StatusOr<Result> GetResult(const auth::Caller& caller, const pb::GetResultRequest& request);
  absl::StatusOr<pb::ListResultsResponse> ListResults(const auth::Caller& caller,
                                                      const pb::ListResultsRequest& request);
  absl::StatusOr<Result> UpdateResult(const auth::Caller& caller,
                                      const pb::UpdateResultRequest& request);
  absl::Status DeleteResult(const auth::Caller& caller, const pb::DeleteResultRequest& request);
  absl::StatusOr<pb::ImportResultsResponse> ImportResults(const auth::Caller& caller,
                                                          const pb::ImportResultsRequest& request);

  // ---- Rankings, trends, scorecards --------------------------------------------
  // Rankings are published figures: every caller with "read" sees them.
  absl::StatusOr<pb::GetRankingResponse> GetRanking(const pb::GetRankingRequest& request);
  absl::StatusOr<pb::GetTrendResponse> GetTrend(const auth::Caller& caller,
                                                const pb::GetTrendRequest& request);
  absl::StatusOr<pb::ComputeScorecardResponse> ComputeScorecard(
      const auth::Caller& caller, const pb::ComputeScorecardRequest& request);

  // ---- Audit trail -------------------------------------------------------------
  // Errors: those of AuditLog::List; FailedPrecondition without a trail.
  absl::StatusOr<chiso::common::v1::ListAuditEventsResponse> ListAuditEvents(
      const chiso::common::v1::ListAuditEventsRequest& request) const;

  // ---- For an anonymous, unrestricted caller -------------------------------------
  absl::StatusOr<Framework> CreateFramework(const pb::CreateFrameworkRequest& request) {
    return CreateFramework(Anonymous("CreateFramework"), request);
  }
  absl::StatusOr<Framework> UpdateFramework(const pb::UpdateFrameworkRequest& request) {
    return UpdateFramework(Anonymous("UpdateFramework"), request);
  }
  absl::Status DeleteFramework(const pb::DeleteFrameworkRequest& request) {
    return DeleteFramework(Anonymous("DeleteFramework"), request);
  }
  absl::StatusOr<Result> CreateResult(const pb::CreateResultRequest& request) {
    return CreateResult(Anonymous("CreateResult"), request);
  }
  absl::StatusOr<Result> GetResult(const pb::GetResultRequest& request) {
    return GetResult(Anonymous("GetResult"), request);
  }
  absl::StatusOr<pb::ListResultsResponse> ListResults(const pb::ListResultsRequest& request) {
    return ListResults(Anonymous("ListResults"), request);
  }
  absl::StatusOr<Result> UpdateResult(const pb::UpdateResultRequest& request) {
    return UpdateResult(Anonymous("UpdateResult"), request);
  }
  absl::Status DeleteResult(const pb::DeleteResultRequest& request) {
    return DeleteResult(Anonymous("DeleteResult"), request);
  }
  absl::StatusOr<pb::ImportResultsResponse> ImportResults(const pb::ImportResultsRequest& request) {
    return ImportResults(Anonymous("ImportResults"), request);
  }
  absl::StatusOr<pb::GetTrendResponse> GetTrend(const pb::GetTrendRequest& request) {
    return GetTrend(Anonymous("GetTrend"), request);
  }
  absl::StatusOr<pb::ComputeScorecardResponse> ComputeScorecard(
      const pb::ComputeScorecardRequest& request) {
    return ComputeScorecard(Anonymous("ComputeScorecard"), request);
  }

  // Re-reads what the domain metrics export (result count, component scores
  // of units in the latest 10 years, versions per origin) when a write changed
  // them or a minute has passed; otherwise only checks that the store
  // answers. Returns the store's status, so it doubles as the health check
  // (which calls it every health interval). Writes never wait on it: a bulk
  // of single-result writes costs one recount per interval, not one per write.
  absl::Status RefreshMetrics();

  // ---- ScoreSource --------------------------------------------------------------
  absl::StatusOr<std::optional<ScoredResult>> ResultFor(const pb::Subject& subject,
                                                        absl::string_view framework_code,
                                                        int year) override;
  absl::StatusOr<std::optional<ScoredResult>> LatestResult(const pb::Subject& subject,
                                                           absl::string_view framework_code,
                                                           int up_to_year) override;
  absl::StatusOr<PeerContext> Peers(const Result& result, absl::string_view component) override;

 private:
  // BuildScorecard over reads made once per call (versions, peer groups).
  absl::StatusOr<pb::ComputeScorecardResponse> JudgePlan(
      const chiso::plan::v1::Plan& plan, const pb::Subject& subject, int year,
      const chiso::assignment::v1::PlanSummary& summary);

  // Catalog versions followed by the stored ones.
  absl::StatusOr<std::vector<Framework>> AllVersions();
  std::vector<Framework> WithCatalog(const std::vector<Framework>& stored) const;
  const Framework* FindCatalogVersion(absl::string_view name) const;
  // The catalog versions whose years `framework` (an API version) takes over:
  // same code, level and measuring body, overlapping years.
  std::vector<std::string> OverriddenCatalogVersions(const Framework& framework) const;
  absl::StatusOr<std::optional<ScoredResult>> WithVersion(std::optional<Result> result);
  // Checks the subject of a new result against the directory and sets its
  // display name. Errors: NotFound for an unknown unit; Unavailable.
  absl::Status ResolveSubject(pb::Subject& subject, absl::string_view field);
  void AfterWrite();
  static auth::Caller Anonymous(absl::string_view method);
  // `change` in the audit trail's transaction with its event (directly when
  // there is no trail). Never call another service inside `change`.
  template <typename M>
  absl::StatusOr<M> Audited(const auth::Caller& caller, absl::string_view resource,
                            const std::function<absl::StatusOr<std::string>()>& before,
                            const std::function<absl::StatusOr<M>()>& change) {
    if (audit_ == nullptr) return change();
    return audit_->Mutate<M>(caller, resource, before, change);
  }
  // The same for a change that deletes `resource` or whose "after" is given.
  absl::Status AuditedChange(const auth::Caller& caller, absl::string_view resource,
                             const std::function<absl::StatusOr<std::string>()>& before,
                             const std::function<absl::Status()>& change,
                             const std::function<std::string()>& after);

  ScoringStore* store_;
  const Catalog* catalog_;
  std::vector<Framework> catalog_versions_;
  DirectoryReader* directory_;
  PlanReader* plans_;
  const civil::Clock* clock_;
  IdGenerator* ids_;
  ScoringMetrics* metrics_;
  const auth::UnitTree* tree_ = nullptr;
  std::unique_ptr<audit::AuditLog> own_audit_;
  audit::AuditLog* audit_ = nullptr;

  // Metrics bookkeeping: a write marks them stale; RefreshMetrics recounts.
  std::atomic<bool> metrics_stale_{true};
  absl::Mutex refresh_mu_;
  absl::Time last_refresh_ ABSL_GUARDED_BY(refresh_mu_) = absl::InfinitePast();
};

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_MANAGER_H_
