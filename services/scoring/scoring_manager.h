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
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
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

  // ---- Frameworks -------------------------------------------------------------
  absl::StatusOr<Framework> CreateFramework(const pb::CreateFrameworkRequest& request);
  absl::StatusOr<Framework> GetFramework(const pb::GetFrameworkRequest& request);
  absl::StatusOr<pb::ListFrameworksResponse> ListFrameworks(
      const pb::ListFrameworksRequest& request);
  absl::StatusOr<Framework> UpdateFramework(const pb::UpdateFrameworkRequest& request);
  absl::Status DeleteFramework(const pb::DeleteFrameworkRequest& request);

  // ---- Results ----------------------------------------------------------------
  absl::StatusOr<Result> CreateResult(const pb::CreateResultRequest& request);
  absl::StatusOr<Result> GetResult(const pb::GetResultRequest& request);
  absl::StatusOr<pb::ListResultsResponse> ListResults(const pb::ListResultsRequest& request);
  absl::StatusOr<Result> UpdateResult(const pb::UpdateResultRequest& request);
  absl::Status DeleteResult(const pb::DeleteResultRequest& request);
  absl::StatusOr<pb::ImportResultsResponse> ImportResults(const pb::ImportResultsRequest& request);

  // ---- Rankings, trends, scorecards --------------------------------------------
  absl::StatusOr<pb::GetRankingResponse> GetRanking(const pb::GetRankingRequest& request);
  absl::StatusOr<pb::GetTrendResponse> GetTrend(const pb::GetTrendRequest& request);
  absl::StatusOr<pb::ComputeScorecardResponse> ComputeScorecard(
      const pb::ComputeScorecardRequest& request);

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

  ScoringStore* store_;
  const Catalog* catalog_;
  std::vector<Framework> catalog_versions_;
  DirectoryReader* directory_;
  PlanReader* plans_;
  const civil::Clock* clock_;
  IdGenerator* ids_;
  ScoringMetrics* metrics_;

  // Metrics bookkeeping: a write marks them stale; RefreshMetrics recounts.
  std::atomic<bool> metrics_stale_{true};
  absl::Mutex refresh_mu_;
  absl::Time last_refresh_ ABSL_GUARDED_BY(refresh_mu_) = absl::InfinitePast();
};

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_MANAGER_H_
