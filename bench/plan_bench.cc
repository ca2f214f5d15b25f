// Throughput of the plan service's manager on its real storage (SQLite file,
// WAL, synchronous=FULL): creating plans, reading one, listing a filtered
// page; and of the Vietnamese matching key used by every issuer filter.
//
//   make bench        (or build/bench/bench/plan_bench --benchmark_counters_tabular=true)

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/text/text.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_store.h"

namespace chiso::plan {
namespace {

namespace v1 = chiso::plan::v1;

Plan DdciPlan(int i) {
  Plan plan;
  plan.set_number(absl::StrCat(i + 1, "/KH-UBND"));
  plan.set_title("Kế hoạch cải thiện chỉ số DDCI năm 2024");
  plan.mutable_issuer()->set_display_name(absl::StrCat("UBND xã số ", i % 50));
  plan.mutable_issued_on()->set_year(2024);
  plan.mutable_issued_on()->set_month(3);
  plan.mutable_issued_on()->set_day(1);
  for (const char* c : {"TRANSPARENCY", "TIME_COSTS", "INFORMAL_CHARGES", "EQUAL_COMPETITION",
                        "BUSINESS_SUPPORT", "LEGAL_INSTITUTIONS", "LEADERSHIP", "LAND_ACCESS"}) {
    auto* o = plan.add_objectives();
    o->set_framework("DDCI");
    o->set_component(c);
    o->mutable_baseline()->set_year(2023);
    o->mutable_baseline()->mutable_value()->set_value("6,77");
    o->mutable_target()->set_year(2024);
    o->mutable_target()->set_comparator(chiso::common::v1::COMPARATOR_AT_LEAST);
    o->mutable_target()->mutable_value()->set_value("9,06");
  }
  return plan;
}

class Env {
 public:
  Env() {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("chiso-bench-", ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = *storage::OpenSqlite((dir_ / "plan.db").string());
    (void)storage::Migrate(*db_, PlanMigrations());
    store_ = NewSqlPlanStore(db_.get());
    manager_ = std::make_unique<PlanManager>(store_.get(), &catalog_, civil::Clock::Real(), &ids_,
                                             nullptr);
  }
  ~Env() { std::filesystem::remove_all(dir_); }
  PlanManager& manager() { return *manager_; }

 private:
  std::filesystem::path dir_;
  Catalog catalog_ = *Catalog::Builtin();
  IdGenerator ids_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<PlanStore> store_;
  std::unique_ptr<PlanManager> manager_;
};

void BM_CreatePlan(benchmark::State& state) {
  Env env;
  int i = 0;
  for (auto _ : state) {
    v1::CreatePlanRequest req;
    *req.mutable_plan() = DdciPlan(i++);
    auto plan = env.manager().Create(req);
    if (!plan.ok()) state.SkipWithError(std::string(plan.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CreatePlan)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_GetPlan(benchmark::State& state) {
  Env env;
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    v1::CreatePlanRequest req;
    *req.mutable_plan() = DdciPlan(i);
    names.push_back(env.manager().Create(req)->name());
  }
  size_t i = 0;
  for (auto _ : state) {
    v1::GetPlanRequest req;
    req.set_name(names[i++ % names.size()]);
    benchmark::DoNotOptimize(env.manager().Get(req));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetPlan)->Unit(benchmark::kMicrosecond);

// A page of 50 from `range(0)` plans, filtered by year and index.
void BM_ListPlansPage(benchmark::State& state) {
  Env env;
  for (int i = 0; i < state.range(0); ++i) {
    v1::CreatePlanRequest req;
    *req.mutable_plan() = DdciPlan(i);
    (void)env.manager().Create(req);
  }
  for (auto _ : state) {
    v1::ListPlansRequest req;
    req.mutable_filter()->set_year(2024);
    req.mutable_filter()->set_framework("DDCI");
    benchmark::DoNotOptimize(env.manager().List(req));
  }
  state.SetItemsProcessed(state.iterations() * 50);
}
BENCHMARK(BM_ListPlansPage)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_MatchKey(benchmark::State& state) {
  const std::string name = "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện Cao Lộc";
  for (auto _ : state) benchmark::DoNotOptimize(text::MatchKey(name));
  state.SetBytesProcessed(state.iterations() * name.size());
}
BENCHMARK(BM_MatchKey);

}  // namespace
}  // namespace chiso::plan

int main(int argc, char** argv) {
  chiso::log::SetMinLevel(chiso::log::Level::kWarning);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
