// The plan scorecard end to end through ScoringManager::ComputeScorecard, for
// the issue's target "a scorecard of a 50-objective plan in ≤ 5 ms excluding
// network": a real manager on a SQLite file in a temporary directory (opened
// and migrated as main.cc does), the built-in framework versions, and the
// plan and the accountability matrix served by in-memory readers (no
// network). The plan has 50 objectives on one framework version created
// through the API (48 components C01..C48, 0–10, mean scaled to 100): a score
// objective per component, one on the total and one on the published rank.
// The subject (the plan's issuer) and its peers have results in the judged
// year and the year before, so every objective has an actual and a peer
// median computed over the group; groups of 30 and of 500 results.
//
// Besides the end-to-end time, the phases:
//   BM_ScorecardPhases      the same scorecard with the store's reads timed
//                           (counters: microseconds and calls per scorecard
//                           in each kind of read, and the rest: ranking and
//                           building)
//   BM_StoreGroupResults    one peer group read from SQLite and decoded
//   BM_StoreListFrameworks  the API versions read (AllVersions, per call)
//   BM_ManagerPeers         one ScoringManager::Peers call: the two reads
//                           plus RankGroup (the path outside a scorecard)
//   BM_BuildScorecardOnly   BuildScorecard over prefetched answers: the pure
//                           scorecard computation
//
//   cmake -S . -B /tmp/hbench -DCMAKE_BUILD_TYPE=Release -DCHISO_BUILD_BENCH=ON
//   cmake --build /tmp/hbench -j2 --target scorecard_bench
//   /tmp/hbench/bench/scorecard_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one line)

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "chiso/assignment/v1/assignment_service.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "chiso/scoring/v1/scoring_service.pb.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/server/service_main.h"
#include "common/storage/database.h"
#include "services/scoring/framework_domain.h"
#include "services/scoring/scorecard.h"
#include "services/scoring/scoring_clients.h"
#include "services/scoring/scoring_manager.h"
#include "services/scoring/scoring_store.h"

namespace chiso::scoring {
namespace {

namespace av1 = chiso::assignment::v1;
namespace cv1 = chiso::common::v1;
namespace pv1 = chiso::plan::v1;
namespace sv1 = chiso::scoring::v1;

constexpr int kComponents = 48;
constexpr int kObjectives = kComponents + 2;  // + total score + published rank
constexpr int kJudgedYear = 2024;
constexpr int kBaselineYear = 2023;
constexpr char kCode[] = "BENCH_INDEX";
constexpr char kPeerGroup[] = "Nhóm tỉnh so sánh";

std::string ComponentCode(int c) { return absl::StrFormat("C%02d", c + 1); }

cv1::Decimal Dec(const std::string& value) {
  cv1::Decimal d;
  d.set_value(value);
  return d;
}

// A score 3.00–10.00 in hundredths, written as published ("7.25").
std::string RandomScore(std::mt19937& rng) {
  const int hundredths = 300 + static_cast<int>(rng() % 701);
  return absl::StrFormat("%d.%02d", hundredths / 100, hundredths % 100);
}

// ---- A store wrapper: times the reads (Reset between scorecards). ----

class InstrumentedStore : public ForwardingScoringStore {
 public:
  struct Timings {
    absl::Duration group;       // GroupResults
    absl::Duration frameworks;  // ListFrameworks
    absl::Duration results;     // FindResult, LatestResult
    int group_calls = 0;
    int framework_calls = 0;
    int result_calls = 0;
  };

  explicit InstrumentedStore(ScoringStore* inner) : ForwardingScoringStore(inner) {}

  void Reset() { timings_ = Timings(); }
  const Timings& timings() const { return timings_; }

  absl::StatusOr<std::vector<Framework>> ListFrameworks() override {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::vector<Framework>> out = inner()->ListFrameworks();
    timings_.frameworks += absl::Now() - start;
    ++timings_.framework_calls;
    return out;
  }
  absl::StatusOr<std::optional<Result>> FindResult(const std::string& subject_key,
                                                   const std::string& framework_code,
                                                   int year) override {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::optional<Result>> out =
        inner()->FindResult(subject_key, framework_code, year);
    timings_.results += absl::Now() - start;
    ++timings_.result_calls;
    return out;
  }
  absl::StatusOr<std::optional<Result>> LatestResult(const std::string& subject_key,
                                                     const std::string& framework_code,
                                                     int up_to_year) override {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::optional<Result>> out =
        inner()->LatestResult(subject_key, framework_code, up_to_year);
    timings_.results += absl::Now() - start;
    ++timings_.result_calls;
    return out;
  }
  absl::StatusOr<std::vector<Result>> GroupResults(const GroupQuery& query) override {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::vector<Result>> out = inner()->GroupResults(query);
    timings_.group += absl::Now() - start;
    ++timings_.group_calls;
    return out;
  }

 private:
  Timings timings_;
};

// ---- The environment: one database, store and managers per group size. ----

struct Env {
  int group_size = 0;
  std::string dir;
  std::optional<Catalog> catalog;
  IdGenerator ids;
  InMemoryPlanReader plans;
  InMemoryDirectoryReader directory;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<ScoringStore> store;
  std::unique_ptr<InstrumentedStore> timed_store;
  std::unique_ptr<ScoringManager> manager;        // on the store, as main.cc wires it
  std::unique_ptr<ScoringManager> timed_manager;  // on timed_store
  std::string subject_unit;
  sv1::Subject subject;
  Result subject_result;  // judged year
  pv1::Plan plan;
  av1::PlanSummary summary;
  sv1::ComputeScorecardRequest request;
  std::string error;  // set when the setup failed; benchmarks skip

  ~Env() {
    timed_manager.reset();
    manager.reset();
    timed_store.reset();
    store.reset();
    db.reset();
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

std::map<int, std::unique_ptr<Env>>& Envs() {
  static auto* envs = new std::map<int, std::unique_ptr<Env>>();
  return *envs;
}

Framework BenchFramework() {
  Framework f;
  f.set_code(kCode);
  f.set_display_name("Chỉ số thử nghiệm 48 thành phần");
  f.set_level(sv1::LEVEL_PROVINCE);
  f.mutable_valid_years()->set_start_year(2020);
  f.mutable_valid_years()->set_end_year(2030);
  f.mutable_measured_by()->set_display_name("Ban chỉ đạo thử nghiệm");
  for (int c = 0; c < kComponents; ++c) {
    sv1::Component* component = f.add_components();
    component->set_code(ComponentCode(c));
    component->set_name_vi(absl::StrCat("Thành phần số ", c + 1));
    *component->mutable_min() = Dec("0");
    *component->mutable_max() = Dec("10");
    component->set_higher_is_better(true);
  }
  f.set_aggregation(sv1::AGGREGATION_MEAN_SCALED);
  *f.mutable_scale() = Dec("10");
  return f;
}

// Peers of the subject in `year`, as an import file: group_size - 1 entities.
std::string PeersCsv(int group_size, int year, std::mt19937& rng) {
  std::string csv = "entity,peer_group,framework,level,year";
  for (int c = 0; c < kComponents; ++c) absl::StrAppend(&csv, ",", ComponentCode(c));
  csv += "\n";
  for (int p = 1; p < group_size; ++p) {
    absl::StrAppend(&csv, "Tỉnh so sánh số ", absl::StrFormat("%03d", p), ",", kPeerGroup, ",",
                    kCode, ",province,", year);
    for (int c = 0; c < kComponents; ++c) absl::StrAppend(&csv, ",", RandomScore(rng));
    csv += "\n";
  }
  return csv;
}

absl::Status SetUp(Env& env) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "scorecard_bench.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  env.dir = tmpl;

  absl::StatusOr<Catalog> catalog = Catalog::Builtin();
  if (!catalog.ok()) return catalog.status();
  env.catalog = *std::move(catalog);
  absl::StatusOr<std::vector<Framework>> versions = LoadCatalogFrameworks(*env.catalog, "");
  if (!versions.ok()) return versions.status();
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      OpenServiceDatabase(env.dir, "scoring.db", "", ScoringMigrations());
  if (!db.ok()) return db.status();
  env.db = *std::move(db);
  env.store = NewSqlScoringStore(env.db.get());
  env.timed_store = std::make_unique<InstrumentedStore>(env.store.get());
  env.manager =
      std::make_unique<ScoringManager>(env.store.get(), &*env.catalog, *versions, &env.directory,
                                       &env.plans, civil::Clock::Real(), &env.ids, nullptr);
  env.timed_manager = std::make_unique<ScoringManager>(env.timed_store.get(), &*env.catalog,
                                                       *versions, &env.directory, &env.plans,
                                                       civil::Clock::Real(), &env.ids, nullptr);

  // The framework version, through the API.
  sv1::CreateFrameworkRequest create_framework;
  create_framework.set_framework_id("bench-index-2020-province");
  *create_framework.mutable_framework() = BenchFramework();
  if (absl::StatusOr<Framework> f = env.manager->CreateFramework(create_framework); !f.ok()) {
    return f.status();
  }

  // The subject: the plan's issuer, a unit of the directory.
  env.subject_unit = absl::StrCat("units/", env.ids.Next());
  av1::Unit unit;
  unit.set_name(env.subject_unit);
  unit.set_code("UBND-TINH-TN");
  unit.set_display_name("Ủy ban nhân dân tỉnh Thử Nghiệm");
  unit.set_kind(av1::UNIT_KIND_PROVINCIAL_COMMITTEE);
  env.directory.PutUnit(unit);
  env.subject.set_unit(env.subject_unit);
  env.subject.set_display_name(unit.display_name());

  // Results: the subject and its peers, in the baseline and judged years.
  std::mt19937 rng(2024u + static_cast<unsigned>(env.group_size));
  std::vector<std::string> baseline_scores;
  for (int year : {kBaselineYear, kJudgedYear}) {
    sv1::CreateResultRequest create_result;
    Result& r = *create_result.mutable_result();
    r.mutable_subject()->set_unit(env.subject_unit);
    r.set_framework_code(kCode);
    r.set_level(sv1::LEVEL_PROVINCE);
    r.set_year(year);
    r.set_peer_group(kPeerGroup);
    r.set_published_rank(year == kJudgedYear ? 9 : 14);
    r.set_published_rank_of(env.group_size);
    for (int c = 0; c < kComponents; ++c) {
      sv1::ComponentScore* score = r.add_component_scores();
      score->set_component(ComponentCode(c));
      *score->mutable_score() = Dec(RandomScore(rng));
      if (year == kBaselineYear) baseline_scores.push_back(score->score().value());
    }
    absl::StatusOr<Result> created = env.manager->CreateResult(create_result);
    if (!created.ok()) return created.status();
    if (year == kJudgedYear) env.subject_result = *created;

    sv1::ImportResultsRequest import;
    import.set_csv(PeersCsv(env.group_size, year, rng));
    absl::StatusOr<sv1::ImportResultsResponse> imported = env.manager->ImportResults(import);
    if (!imported.ok()) return imported.status();
    if (imported->imported_count() != env.group_size - 1 || imported->errors_size() != 0) {
      return absl::InternalError(absl::StrCat("import: ", imported->DebugString().substr(0, 500)));
    }
  }

  // The plan: 48 component objectives, the total, the published rank.
  env.plan.set_name(absl::StrCat("plans/", env.ids.Next()));
  env.plan.set_title("Kế hoạch nâng cao chỉ số thử nghiệm năm 2024");
  env.plan.mutable_issuer()->set_unit(env.subject_unit);
  env.plan.mutable_issuer()->set_display_name(unit.display_name());
  for (int c = 0; c < kComponents; ++c) {
    pv1::Objective* o = env.plan.add_objectives();
    o->set_id(absl::StrFormat("o%02d", c + 1));
    o->set_framework(kCode);
    o->set_component(ComponentCode(c));
    o->set_measure(cv1::MEASURE_SCORE);
    o->mutable_baseline()->set_year(kBaselineYear);
    *o->mutable_baseline()->mutable_value() = Dec(baseline_scores[static_cast<size_t>(c)]);
    o->mutable_target()->set_year(kJudgedYear);
    o->mutable_target()->set_comparator(cv1::COMPARATOR_AT_LEAST);
    *o->mutable_target()->mutable_value() =
        Dec(absl::StrFormat("%d.%02d", 6 + c % 3, 25 * (c % 4)));
  }
  pv1::Objective* total = env.plan.add_objectives();
  total->set_id("o49");
  total->set_framework(kCode);
  total->set_measure(cv1::MEASURE_SCORE);
  total->mutable_target()->set_year(kJudgedYear);
  total->mutable_target()->set_comparator(cv1::COMPARATOR_AT_LEAST);
  *total->mutable_target()->mutable_value() = Dec("70");
  pv1::Objective* rank = env.plan.add_objectives();
  rank->set_id("o50");
  rank->set_framework(kCode);
  rank->set_measure(cv1::MEASURE_RANK);
  rank->mutable_baseline()->set_year(kBaselineYear);
  rank->mutable_baseline()->set_rank(14);
  rank->mutable_baseline()->set_rank_of(env.group_size);
  rank->mutable_target()->set_year(kJudgedYear);
  rank->mutable_target()->set_comparator(cv1::COMPARATOR_AT_MOST);
  *rank->mutable_target()->mutable_value() = Dec("10");
  env.plans.Put(env.plan);

  // The accountability matrix: a row per objective, one or two lead units.
  std::vector<cv1::UnitRef> leads;
  for (const char* name : {"Sở Kế hoạch và Đầu tư", "Sở Tư pháp", "Sở Nội vụ", "Sở Tài chính",
                           "Văn phòng UBND tỉnh"}) {
    cv1::UnitRef ref;
    ref.set_display_name(name);
    ref.set_unit(absl::StrCat("units/", env.ids.Next()));
    leads.push_back(ref);
  }
  env.summary.set_plan(env.plan.name());
  for (int i = 0; i < kObjectives; ++i) {
    const pv1::Objective& o = env.plan.objectives(i);
    av1::ComponentAccountability* row = env.summary.add_components();
    row->mutable_component()->set_framework(o.framework());
    row->mutable_component()->set_component(o.component());
    row->add_objective_ids(o.id());
    av1::TimelinessCounts* counts = row->mutable_counts();
    counts->set_on_track(2);
    counts->set_overdue(i % 3);
    counts->set_done_on_time(3);
    counts->set_done_late(1);
    counts->set_cancelled(i % 2);
    counts->set_total(6 + i % 3 + i % 2);
    row->set_mean_percent_complete(40 + i % 50);
    for (int l = 0; l < 1 + i % 2; ++l) {
      av1::LeadUnitProgress* lead = row->add_lead_units();
      *lead->mutable_lead_unit() = leads[static_cast<size_t>(i + l) % leads.size()];
      lead->add_tasks(absl::StrCat("tasks/", env.ids.Next()));
      lead->mutable_counts()->set_on_track(1);
      lead->mutable_counts()->set_total(1);
      lead->set_mean_percent_complete(50);
    }
  }
  env.directory.PutPlanSummary(env.summary);

  env.request.set_plan(env.plan.name());
  env.request.set_year(kJudgedYear);

  // The scorecard is what it should be: every objective judged against a
  // result, with a peer median computed over the group.
  absl::StatusOr<sv1::ComputeScorecardResponse> card = env.manager->ComputeScorecard(env.request);
  if (!card.ok()) return card.status();
  if (card->lines_size() != kObjectives || card->no_data_count() != 0 ||
      card->priorities_size() != kComponents) {
    return absl::InternalError(absl::StrCat("unexpected scorecard: ", card->lines_size(),
                                            " lines, ", card->no_data_count(), " without data, ",
                                            card->priorities_size(), " priorities"));
  }
  for (const sv1::ScorecardLine& line : card->lines()) {
    if (line.peer_median().value().empty() || line.lead_units_size() == 0) {
      return absl::InternalError(
          absl::StrCat("objective ", line.objective_id(), " has no peer median or lead unit"));
    }
  }
  return absl::OkStatus();
}

Env& TheEnv(int group_size) {
  std::unique_ptr<Env>& env = Envs()[group_size];
  if (env == nullptr) {
    env = std::make_unique<Env>();
    env->group_size = group_size;
    if (absl::Status s = SetUp(*env); !s.ok()) env->error = s.ToString();
  }
  return *env;
}

void SetCounters(benchmark::State& state, const Env& env) {
  state.counters["objectives"] = kObjectives;
  state.counters["group"] = env.group_size;
}

// ---- Benchmarks --------------------------------------------------------------------

// The RPC's work without the network: ComputeScorecard for the judged year.
void BM_Scorecard(benchmark::State& state) {
  Env& env = TheEnv(static_cast<int>(state.range(0)));
  if (!env.error.empty()) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<sv1::ComputeScorecardResponse> card = env.manager->ComputeScorecard(env.request);
    if (!card.ok()) {
      state.SkipWithError(card.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(card);
  }
  SetCounters(state, env);
}
BENCHMARK(BM_Scorecard)->Arg(30)->Arg(500)->Unit(benchmark::kMicrosecond);

// The same with the store's reads timed: microseconds per scorecard spent
// reading peer groups, the version list and the subject's results; `rest` is
// everything else (ranking the groups, building the scorecard).
void BM_ScorecardPhases(benchmark::State& state) {
  Env& env = TheEnv(static_cast<int>(state.range(0)));
  if (!env.error.empty()) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  InstrumentedStore::Timings sum;
  absl::Duration total;
  for (auto _ : state) {
    env.timed_store->Reset();
    const absl::Time start = absl::Now();
    absl::StatusOr<sv1::ComputeScorecardResponse> card =
        env.timed_manager->ComputeScorecard(env.request);
    total += absl::Now() - start;
    if (!card.ok()) {
      state.SkipWithError(card.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(card);
    const InstrumentedStore::Timings& t = env.timed_store->timings();
    sum.group += t.group;
    sum.frameworks += t.frameworks;
    sum.results += t.results;
    sum.group_calls += t.group_calls;
    sum.framework_calls += t.framework_calls;
    sum.result_calls += t.result_calls;
  }
  const auto per = benchmark::Counter::kAvgIterations;
  state.counters["group_read_us"] = benchmark::Counter(absl::ToDoubleMicroseconds(sum.group), per);
  state.counters["versions_read_us"] =
      benchmark::Counter(absl::ToDoubleMicroseconds(sum.frameworks), per);
  state.counters["result_read_us"] =
      benchmark::Counter(absl::ToDoubleMicroseconds(sum.results), per);
  state.counters["rest_us"] = benchmark::Counter(
      absl::ToDoubleMicroseconds(total - sum.group - sum.frameworks - sum.results), per);
  state.counters["group_reads"] = benchmark::Counter(sum.group_calls, per);
  state.counters["versions_reads"] = benchmark::Counter(sum.framework_calls, per);
  state.counters["result_reads"] = benchmark::Counter(sum.result_calls, per);
  SetCounters(state, env);
}
BENCHMARK(BM_ScorecardPhases)->Arg(30)->Arg(500)->Unit(benchmark::kMicrosecond);

// One peer group read from SQLite and decoded (a scorecard does this once per
// peer group, ScoringManager::Peers on every call).
void BM_StoreGroupResults(benchmark::State& state) {
  Env& env = TheEnv(static_cast<int>(state.range(0)));
  if (!env.error.empty()) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  GroupQuery query;
  query.framework_code = kCode;
  query.level = sv1::LEVEL_PROVINCE;
  query.year = kJudgedYear;
  query.peer_group = kPeerGroup;
  for (auto _ : state) {
    absl::StatusOr<std::vector<Result>> group = env.store->GroupResults(query);
    if (!group.ok() || static_cast<int>(group->size()) != env.group_size) {
      state.SkipWithError("GroupResults");
      break;
    }
    benchmark::DoNotOptimize(group);
  }
  state.SetItemsProcessed(state.iterations() * env.group_size);
  SetCounters(state, env);
}
BENCHMARK(BM_StoreGroupResults)->Arg(30)->Arg(500)->Unit(benchmark::kMicrosecond);

// The versions stored through the API (one here), read by AllVersions once
// per scorecard and on every ResultFor, LatestResult and Peers call.
void BM_StoreListFrameworks(benchmark::State& state) {
  Env& env = TheEnv(static_cast<int>(state.range(0)));
  if (!env.error.empty()) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<std::vector<Framework>> stored = env.store->ListFrameworks();
    if (!stored.ok()) {
      state.SkipWithError(stored.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(stored);
  }
  SetCounters(state, env);
}
BENCHMARK(BM_StoreListFrameworks)->Arg(30)->Unit(benchmark::kMicrosecond);

// One Peers call on a component: group read + versions read + RankGroup.
void BM_ManagerPeers(benchmark::State& state) {
  Env& env = TheEnv(static_cast<int>(state.range(0)));
  if (!env.error.empty()) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<PeerContext> peers = env.manager->Peers(env.subject_result, "C07");
    if (!peers.ok() || peers->count != env.group_size) {
      state.SkipWithError("Peers");
      break;
    }
    benchmark::DoNotOptimize(peers);
  }
  SetCounters(state, env);
}
BENCHMARK(BM_ManagerPeers)->Arg(30)->Arg(500)->Unit(benchmark::kMicrosecond);

// The answers of the manager, read once, served from memory.
class PrefetchedSource : public ScoreSource {
 public:
  absl::StatusOr<std::optional<ScoredResult>> ResultFor(const sv1::Subject&, absl::string_view,
                                                        int) override {
    return result;
  }
  absl::StatusOr<std::optional<ScoredResult>> LatestResult(const sv1::Subject&, absl::string_view,
                                                           int) override {
    return latest;
  }
  absl::StatusOr<PeerContext> Peers(const Result&, absl::string_view component) override {
    return peers.at(std::string(component));
  }

  std::optional<ScoredResult> result;
  std::optional<ScoredResult> latest;
  std::map<std::string, PeerContext> peers;
};

// BuildScorecard alone (the pure computation: reading, judging, priorities,
// the response), every store read answered from memory.
void BM_BuildScorecardOnly(benchmark::State& state) {
  Env& env = TheEnv(static_cast<int>(state.range(0)));
  if (!env.error.empty()) {
    state.SkipWithError(env.error.c_str());
    return;
  }
  PrefetchedSource source;
  absl::StatusOr<std::optional<ScoredResult>> result =
      env.manager->ResultFor(env.subject, kCode, kJudgedYear);
  absl::StatusOr<std::optional<ScoredResult>> latest =
      env.manager->LatestResult(env.subject, kCode, kJudgedYear);
  if (!result.ok() || !latest.ok() || !result->has_value()) {
    state.SkipWithError("prefetch");
    return;
  }
  source.result = **result;
  source.latest = **latest;
  for (const pv1::Objective& o : env.plan.objectives()) {
    absl::StatusOr<PeerContext> peers = env.manager->Peers((*result)->result, o.component());
    if (!peers.ok()) {
      state.SkipWithError("prefetch peers");
      return;
    }
    source.peers[o.component()] = *peers;
  }
  for (auto _ : state) {
    absl::StatusOr<sv1::ComputeScorecardResponse> card =
        BuildScorecard(env.plan, env.subject, kJudgedYear, env.summary, source, absl::Now());
    if (!card.ok()) {
      state.SkipWithError(card.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(card);
  }
  SetCounters(state, env);
}
BENCHMARK(BM_BuildScorecardOnly)->Arg(30)->Arg(500)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace chiso::scoring

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Close the databases and remove their temporary directories.
  chiso::scoring::Envs().clear();
  return 0;
}
