// The plan document importer (services/plan/document) on the target
// "a 40 KB plan parses in ≤ 5 ms": DocumentImporter::Import end to end
// (blocks, header, objectives, tasks with their timeframes, reporting rules,
// facts and warnings), as the plan service calls it, without gRPC. The
// importer is made once, as the service makes it; BM_OneOffImport adds the
// cost of making it (ImportDocument, for tools and tests).
//
// Documents:
//   BM_ImportSeedPlan/N   seed plan N of ../shared/seeds (003 is 42 KB, 002 is
//                         23 KB); skipped when the seeds are absent
//                         (CHISO_SEEDS_DIR overrides the folder)
//   BM_ImportExample/K    docs/examples/ke-hoach-ddci-2024.txt with its
//                         section II repeated K times (K = 1 is 4 KB, K = 20
//                         is 43 KB, K = 40 is 84 KB), so the size scales
//                         without the seeds
//   BM_BlocksOnly/K       ParseDocument alone on the same text: the share of
//                         cutting into blocks
//
//   cmake -S . -B /tmp/hbench -DCMAKE_BUILD_TYPE=Release -DCHISO_BUILD_BENCH=ON
//   cmake --build /tmp/hbench -j2 --target plan_document_bench
//   (cd /work/main && /tmp/hbench/bench/plan_document_bench)

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "common/catalog/catalog.h"
#include "services/plan/document/document.h"
#include "services/plan/document/plan_document.h"

namespace {

using chiso::plan::document::DocumentImporter;
using chiso::plan::document::ImportDocument;
using chiso::plan::document::ParseDocument;

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string SeedPath(int n) {
  const char* dir = std::getenv("CHISO_SEEDS_DIR");
  static const char* const kSeeds[] = {"000_9e4b111d625ef708.txt", "001_9ec7b746f77ac3f2.txt",
                                       "002_d9575d17c7b090a9.txt", "003_0410ebe3e2087fe0.txt",
                                       "004_659a4abd983c5fc4.txt"};
  return absl::StrCat(dir != nullptr ? dir : "../shared/seeds", "/", kSeeds[n]);
}

// The example plan with its task section repeated `k` times.
std::string ScaledExample(int k) {
  const std::string text = Read("docs/examples/ke-hoach-ddci-2024.txt");
  const size_t begin = text.find("II. NỘI DUNG");
  const size_t end = text.find("III. KINH PHÍ");
  if (begin == std::string::npos || end == std::string::npos) return text;
  std::string out = text.substr(0, end);
  for (int i = 1; i < k; ++i) out += text.substr(begin, end - begin);
  out += text.substr(end);
  return out;
}

const chiso::Catalog& BuiltinCatalog() {
  static const chiso::Catalog* catalog = new chiso::Catalog(*chiso::Catalog::Builtin());
  return *catalog;
}

void Run(benchmark::State& state, const std::string& text) {
  static const DocumentImporter* importer = new DocumentImporter(BuiltinCatalog());
  chiso::plan::v1::ImportPlanDocumentRequest request;
  request.set_text(text);
  int drafts = 0;
  for (auto _ : state) {
    auto response = importer->Import(request);
    if (!response.ok()) {
      state.SkipWithError(std::string(response.status().message()).c_str());
      return;
    }
    drafts = response->task_drafts_size();
    benchmark::DoNotOptimize(response);
  }
  state.counters["KB"] = static_cast<double>(text.size()) / 1024;
  state.counters["drafts"] = drafts;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_ImportSeedPlan(benchmark::State& state) {
  const std::string text = Read(SeedPath(static_cast<int>(state.range(0))));
  if (text.empty()) {
    state.SkipWithError("seed plans not found (set CHISO_SEEDS_DIR)");
    return;
  }
  Run(state, text);
}
BENCHMARK(BM_ImportSeedPlan)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

void BM_ImportExample(benchmark::State& state) {
  Run(state, ScaledExample(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_ImportExample)->Arg(1)->Arg(20)->Arg(40)->Unit(benchmark::kMillisecond);

void BM_OneOffImport(benchmark::State& state) {
  chiso::plan::v1::ImportPlanDocumentRequest request;
  request.set_text(ScaledExample(1));
  for (auto _ : state) {
    auto response = ImportDocument(request, BuiltinCatalog());
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_OneOffImport)->Unit(benchmark::kMillisecond);

void BM_BlocksOnly(benchmark::State& state) {
  const std::string text = ScaledExample(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto doc = ParseDocument(text);
    benchmark::DoNotOptimize(doc);
  }
  state.counters["KB"] = static_cast<double>(text.size()) / 1024;
}
BENCHMARK(BM_BlocksOnly)->Arg(1)->Arg(20)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
