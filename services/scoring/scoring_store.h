#ifndef CHISO_SERVICES_SCORING_SCORING_STORE_H_
#define CHISO_SERVICES_SCORING_SCORING_STORE_H_

// Persistence of the scoring service behind a narrow interface: the framework
// versions defined through the API (the catalog versions live in memory) and
// the recorded results. Each is kept whole (its protobuf encoding) plus the
// columns the service filters, orders and enforces uniqueness on (a result's
// SubjectKey, framework code and year are unique). The store
// knows no business rules: callers pass them in as callbacks that run inside
// the transaction, so a check and the write it guards see the same data.
//
// Etags are the row's revision ("1", "2", …); every write bumps it and an
// update that finds the revision changed under it fails with Aborted.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
#include "common/storage/database.h"

namespace chiso::scoring {

using chiso::scoring::v1::Framework;
using chiso::scoring::v1::Result;

// Which results to list; every set field must match.
struct ResultQuery {
  std::string subject_key;                                                  // exact SubjectKey
  std::string framework_code;                                               // exact code
  chiso::scoring::v1::Level level = chiso::scoring::v1::LEVEL_UNSPECIFIED;  // 0: any
  int from_year = 0;                                                        // 0: no lower bound
  int to_year = 0;                                                          // 0: no upper bound
  std::optional<std::string> peer_group;                                    // exact, when set
  bool mismatch_only = false;
  // When set ("units/{id}"): only results about entities and about the units
  // of this unit's subtree in the copy of the unit tree (table unit_tree,
  // common/unitdir), the scope of a restricted caller.
  std::optional<std::string> within_unit;
  // Keyset cursor: ResultOrderKey of the last result returned; "" for the
  // first page.
  std::string after;
  int limit = 50;
};

struct ResultPage {
  // In list order: framework code, year (newest first), subject order key,
  // then id.
  std::vector<Result> results;
  bool more = false;  // results exist beyond this page
};

// Results of one group: code, level (unspecified: every level), year and
// peer group (exact; "" is the results without a peer group).
struct GroupQuery {
  std::string framework_code;
  chiso::scoring::v1::Level level = chiso::scoring::v1::LEVEL_UNSPECIFIED;
  int year = 0;
  std::string peer_group;
};

// What the domain metrics export.
struct MetricsSnapshot {
  int64_t result_count = 0;
  int64_t api_framework_count = 0;
  // Results about units (not entities) in the latest `years` years recorded.
  std::vector<Result> unit_results;
};

// One result to write in ImportResults. `replace` names the result
// ("results/{id}") the row replaces, "" for a new one.
struct ImportRow {
  Result result;
  std::string replace;
};

class ScoringStore {
 public:
  virtual ~ScoringStore() = default;

  // ---- Framework versions (origin API) ------------------------------------

  // The results a new version takes over: those scored by one of the
  // versions named in `from` in a year of the new version's span. Each is
  // passed to `rescore`, which re-scores it with the new version in place or
  // fails (aborting the creation).
  struct Adoption {
    std::vector<std::string> from;
    std::function<absl::Status(Result&, const Framework&)> rescore;
  };

  // Inserts `framework` (its name "frameworks/{id}" already assigned) after
  // `check` approves it against the versions stored at that moment (for the
  // overlap rule), and in the same transaction re-scores the results of
  // `adopt`. Errors: AlreadyExists when the id is taken; those of `check`
  // and `adopt.rescore`; Aborted when an adopted result changed meanwhile.
  virtual absl::StatusOr<Framework> CreateFramework(
      const Framework& framework,
      const std::function<absl::Status(const std::vector<Framework>& stored)>& check,
      const Adoption& adopt) = 0;
  absl::StatusOr<Framework> CreateFramework(
      const Framework& framework,
      const std::function<absl::Status(const std::vector<Framework>& stored)>& check) {
    return CreateFramework(framework, check, Adoption());
  }
  // Errors: NotFound "frameworks/{id} not found".
  virtual absl::StatusOr<Framework> GetFramework(const std::string& id) = 0;
  // Every stored version, ordered by id.
  virtual absl::StatusOr<std::vector<Framework>> ListFrameworks() = 0;
  // In one transaction: reads the version, lets `mutate` change it (given the
  // other stored versions), then passes every result scored by it to
  // `rescore`, which re-scores it in place or fails, and so too the results
  // of the versions `adopt_from` names for the changed version, in a year of
  // its span (those it now takes over); writes the version and the re-scored
  // results. A non-OK status from a callback aborts everything and is
  // returned. Errors: NotFound; Aborted when another writer changed the
  // version in between.
  virtual absl::StatusOr<Framework> UpdateFramework(
      const std::string& id,
      const std::function<absl::Status(Framework&, const std::vector<Framework>& others)>& mutate,
      const std::function<absl::Status(Result&, const Framework&)>& rescore,
      const std::function<std::vector<std::string>(const Framework&)>& adopt_from) = 0;
  absl::StatusOr<Framework> UpdateFramework(
      const std::string& id,
      const std::function<absl::Status(Framework&, const std::vector<Framework>& others)>& mutate,
      const std::function<absl::Status(Result&, const Framework&)>& rescore) {
    return UpdateFramework(id, mutate, rescore, nullptr);
  }
  // Deletes the version if `check` allows it. Errors: NotFound;
  // FailedPrecondition when recorded results use it (the message names one
  // and the count).
  virtual absl::Status DeleteFramework(
      const std::string& id, const std::function<absl::Status(const Framework&)>& check) = 0;

  // ---- Results ------------------------------------------------------------

  // Inserts a new result (name already assigned) after `prepare` has checked
  // and scored it against the stored versions, in one transaction. Errors:
  // AlreadyExists when the subject already has a result for the framework
  // code and year (the message names it); those of `prepare`.
  virtual absl::StatusOr<Result> CreateResult(
      const Result& result,
      const std::function<absl::Status(Result&, const std::vector<Framework>& stored)>&
          prepare) = 0;
  // Errors: NotFound "results/{id} not found".
  virtual absl::StatusOr<Result> GetResult(const std::string& id) = 0;
  // Reads the result, lets `mutate` change it (given the stored versions),
  // and writes it back, in one transaction. Subject, framework code and year
  // must not change. Errors: NotFound; Aborted (another writer changed it in
  // between); those of `mutate`.
  virtual absl::StatusOr<Result> UpdateResult(
      const std::string& id,
      const std::function<absl::Status(Result&, const std::vector<Framework>& stored)>& mutate) = 0;
  // Deletes the result if `check` allows it. Errors: NotFound.
  virtual absl::Status DeleteResult(const std::string& id,
                                    const std::function<absl::Status(const Result&)>& check) = 0;
  // Results matching `query` in list order. Errors: InvalidArgument
  // "page_token: malformed" when `after` is not an order key.
  virtual absl::StatusOr<ResultPage> ListResults(const ResultQuery& query) = 0;
  // Writes every row or none, in one transaction: new rows are inserted,
  // rows with `replace` overwrite that result (keeping its name and create
  // time; the rows' subject, code and year must be the replaced one's).
  // `verify`, given the stored versions, runs first and may refuse (e.g.
  // when a version the rows were scored with has changed since). Errors:
  // AlreadyExists when a new row collides with a recorded result; NotFound
  // when a result to replace is gone; those of `verify`.
  virtual absl::Status ImportResults(
      const std::vector<ImportRow>& rows,
      const std::function<absl::Status(const std::vector<Framework>& stored)>& verify) = 0;

  // ---- Reads for rankings, trends and scorecards ---------------------------

  // The result of the subject (SubjectKey) for the code and year, if any.
  virtual absl::StatusOr<std::optional<Result>> FindResult(const std::string& subject_key,
                                                           const std::string& framework_code,
                                                           int year) = 0;
  // The subject's result for the code in the latest year ≤ `up_to_year`.
  virtual absl::StatusOr<std::optional<Result>> LatestResult(const std::string& subject_key,
                                                             const std::string& framework_code,
                                                             int up_to_year) = 0;
  // The subject's results for the code with years in [from_year, to_year]
  // (0: unbounded), oldest first.
  virtual absl::StatusOr<std::vector<Result>> SubjectResults(const std::string& subject_key,
                                                             const std::string& framework_code,
                                                             int from_year, int to_year) = 0;
  // Every result of the group, in no particular order.
  virtual absl::StatusOr<std::vector<Result>> GroupResults(const GroupQuery& query) = 0;
  // Counts and the unit results of the latest `years` years (by the largest
  // year recorded about a unit).
  virtual absl::StatusOr<MetricsSnapshot> Snapshot(int years) = 0;

  // The database the store writes to, for the audit trail whose events
  // commit in the same transaction as the change; null when it has none.
  virtual storage::Database* database() { return nullptr; }
};

// A store that forwards every call to another one: the base of decorators
// that time or intercept a few calls (bench/scorecard_bench.cc, tests).
class ForwardingScoringStore : public ScoringStore {
 public:
  explicit ForwardingScoringStore(ScoringStore* inner) : inner_(inner) {}

  using ScoringStore::CreateFramework;
  absl::StatusOr<Framework> CreateFramework(
      const Framework& framework,
      const std::function<absl::Status(const std::vector<Framework>&)>& check,
      const Adoption& adopt) override {
    return inner_->CreateFramework(framework, check, adopt);
  }
  absl::StatusOr<Framework> GetFramework(const std::string& id) override {
    return inner_->GetFramework(id);
  }
  absl::StatusOr<std::vector<Framework>> ListFrameworks() override {
    return inner_->ListFrameworks();
  }
  using ScoringStore::UpdateFramework;
  absl::StatusOr<Framework> UpdateFramework(
      const std::string& id,
      const std::function<absl::Status(Framework&, const std::vector<Framework>&)>& mutate,
      const std::function<absl::Status(Result&, const Framework&)>& rescore,
      const std::function<std::vector<std::string>(const Framework&)>& adopt_from) override {
    return inner_->UpdateFramework(id, mutate, rescore, adopt_from);
  }
  absl::Status DeleteFramework(
      const std::string& id, const std::function<absl::Status(const Framework&)>& check) override {
    return inner_->DeleteFramework(id, check);
  }
  absl::StatusOr<Result> CreateResult(
      const Result& result,
      const std::function<absl::Status(Result&, const std::vector<Framework>&)>& prepare) override {
    return inner_->CreateResult(result, prepare);
  }
  absl::StatusOr<Result> GetResult(const std::string& id) override { return inner_->GetResult(id); }
  absl::StatusOr<Result> UpdateResult(
      const std::string& id,
      const std::function<absl::Status(Result&, const std::vector<Framework>&)>& mutate) override {
    return inner_->UpdateResult(id, mutate);
  }
  absl::Status DeleteResult(const std::string& id,
                            const std::function<absl::Status(const Result&)>& check) override {
    return inner_->DeleteResult(id, check);
  }
  absl::StatusOr<ResultPage> ListResults(const ResultQuery& query) override {
    return inner_->ListResults(query);
  }
  absl::Status ImportResults(
      const std::vector<ImportRow>& rows,
      const std::function<absl::Status(const std::vector<Framework>&)>& verify) override {
    return inner_->ImportResults(rows, verify);
  }
  absl::StatusOr<std::optional<Result>> FindResult(const std::string& subject_key,
                                                   const std::string& framework_code,
                                                   int year) override {
    return inner_->FindResult(subject_key, framework_code, year);
  }
  absl::StatusOr<std::optional<Result>> LatestResult(const std::string& subject_key,
                                                     const std::string& framework_code,
                                                     int up_to_year) override {
    return inner_->LatestResult(subject_key, framework_code, up_to_year);
  }
  absl::StatusOr<std::vector<Result>> SubjectResults(const std::string& subject_key,
                                                     const std::string& framework_code,
                                                     int from_year, int to_year) override {
    return inner_->SubjectResults(subject_key, framework_code, from_year, to_year);
  }
  absl::StatusOr<std::vector<Result>> GroupResults(const GroupQuery& query) override {
    return inner_->GroupResults(query);
  }
  absl::StatusOr<MetricsSnapshot> Snapshot(int years) override { return inner_->Snapshot(years); }
  storage::Database* database() override { return inner_->database(); }

 protected:
  ScoringStore* inner() { return inner_; }

 private:
  ScoringStore* inner_;
};

// The schema of the scoring service: its own tables, then the audit trail
// (common/audit) and the copy of the unit tree (common/unitdir).
const std::vector<storage::Migration>& ScoringMigrations();

// The position of a result in list order, as ResultQuery::after takes it.
std::string ResultOrderKey(const Result& result);

// A ScoringStore on `db` (migrated by the caller with ScoringMigrations()).
std::unique_ptr<ScoringStore> NewSqlScoringStore(storage::Database* db);

}  // namespace chiso::scoring

#endif  // CHISO_SERVICES_SCORING_SCORING_STORE_H_
