// Throughput of the storage layer under the stores' transaction shape, on
// SQLite and on PostgreSQL, with one or several "replicas" (separate
// Database handles, as separate processes have).
//
//   storage_bench_driver --database_url=postgresql://… --replicas=2 --threads=4
//   storage_bench_driver --database_url=sqlite:/tmp/bench.db
//
// A write transaction reads a counter, inserts a report row and updates the
// counter (3 statements, like ReportProgress); a read transaction reads a
// page of 50 rows. Prints transactions per second and latency percentiles.
// bench/run_storage_bench.sh starts a PostgreSQL server and runs the matrix.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/storage/database.h"

ABSL_FLAG(std::string, database_url, "", "postgresql://… or sqlite:PATH");
ABSL_FLAG(int, replicas, 1, "Database handles (processes) sharing the database");
ABSL_FLAG(int, threads, 4, "Threads per replica");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "How long each phase runs");

namespace {

using chiso::storage::Database;
using chiso::storage::Tx;

struct Phase {
  int64_t done = 0;
  std::vector<double> latencies_ms;
};

void Report(const char* name, const std::vector<Phase>& per_thread, absl::Duration d) {
  int64_t done = 0;
  std::vector<double> all;
  for (const Phase& p : per_thread) {
    done += p.done;
    all.insert(all.end(), p.latencies_ms.begin(), p.latencies_ms.end());
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))];
  };
  std::printf("%-6s %9.0f tx/s   p50 %6.2f ms   p99 %6.2f ms   (%lld tx)\n", name,
              static_cast<double>(done) / absl::ToDoubleSeconds(d), pct(0.5), pct(0.99),
              static_cast<long long>(done));
}

template <typename Fn>
std::vector<Phase> Run(const std::vector<std::unique_ptr<Database>>& dbs, int threads,
                       absl::Duration d, Fn fn) {
  std::vector<Phase> phases(dbs.size() * threads);
  std::vector<std::thread> workers;
  const absl::Time end = absl::Now() + d;
  for (size_t r = 0; r < dbs.size(); ++r) {
    for (int t = 0; t < threads; ++t) {
      Phase* phase = &phases[r * threads + t];
      Database* db = dbs[r].get();
      const int64_t seed = static_cast<int64_t>(r * 1000 + t);
      workers.emplace_back([phase, db, seed, end, &fn] {
        int64_t i = 0;
        while (absl::Now() < end) {
          const absl::Time start = absl::Now();
          absl::Status s = fn(*db, seed, i++);
          if (!s.ok()) {
            std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
            return;
          }
          phase->latencies_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
          ++phase->done;
        }
      });
    }
  }
  for (auto& w : workers) w.join();
  return phases;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string url = absl::GetFlag(FLAGS_database_url);
  const int replicas = std::max(1, absl::GetFlag(FLAGS_replicas));
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  const absl::Duration d = absl::GetFlag(FLAGS_duration);
  std::vector<std::unique_ptr<Database>> dbs;
  for (int r = 0; r < replicas; ++r) {
    absl::StatusOr<std::unique_ptr<Database>> db = chiso::storage::OpenDatabase(url, "bench.db");
    if (!db.ok()) {
      std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
      return 1;
    }
    dbs.push_back(*std::move(db));
  }
  const bool pg = dbs[0]->dialect() == chiso::storage::Dialect::kPostgres;
  absl::Status s = dbs[0]->Transact([&](Tx& tx) -> absl::Status {
    absl::Status e = tx.ExecScript(
        "DROP TABLE IF EXISTS bench_reports; DROP TABLE IF EXISTS bench_tasks;"
        "CREATE TABLE bench_tasks (id BIGINT PRIMARY KEY, reports BIGINT NOT NULL);"
        "CREATE TABLE bench_reports (task BIGINT NOT NULL, n BIGINT NOT NULL, body TEXT NOT NULL,"
        " PRIMARY KEY (task, n));");
    if (!e.ok()) return e;
    for (int64_t t = 0; t < 100; ++t) {
      if (auto n = tx.Exec("INSERT INTO bench_tasks VALUES ($1, 0)", {t}); !n.ok()) {
        return n.status();
      }
    }
    return absl::OkStatus();
  });
  if (!s.ok()) {
    std::fprintf(stderr, "setup: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("%s, %d replica(s) x %d thread(s), %s per phase\n", pg ? "postgresql" : "sqlite",
              replicas, threads, absl::FormatDuration(d).c_str());
  const std::string body(400, 'x');
  auto write = [&](Database& db, int64_t seed, int64_t i) {
    const int64_t task = (seed * 7919 + i) % 100;
    return db.Transact([&](Tx& tx) -> absl::Status {
      auto rows = tx.Query("SELECT reports FROM bench_tasks WHERE id = $1", {task});
      if (!rows.ok()) return rows.status();
      const int64_t n = (*rows)[0].Int(0) + 1;
      if (auto e = tx.Exec("INSERT INTO bench_reports VALUES ($1, $2, $3)", {task, n, body});
          !e.ok()) {
        return e.status();
      }
      return tx.Exec("UPDATE bench_tasks SET reports = $1 WHERE id = $2", {n, task}).status();
    });
  };
  Report("write", Run(dbs, threads, d, write), d);
  auto read = [&](Database& db, int64_t seed, int64_t i) {
    const int64_t task = (seed * 31 + i) % 100;
    return db.Read([&](Tx& tx) -> absl::Status {
      return tx
          .Query("SELECT n, body FROM bench_reports WHERE task = $1 ORDER BY n LIMIT 50", {task})
          .status();
    });
  };
  Report("read", Run(dbs, threads, d, read), d);
  // Nothing lost: every report counted once.
  int64_t reports = 0, counted = 0;
  (void)dbs[0]->Read([&](Tx& tx) -> absl::Status {
    reports = (*tx.Query("SELECT COUNT(*) FROM bench_reports"))[0].Int(0);
    counted = (*tx.Query("SELECT SUM(reports) FROM bench_tasks"))[0].Int(0);
    return absl::OkStatus();
  });
  std::printf("check  %lld reports, counters sum to %lld: %s\n", static_cast<long long>(reports),
              static_cast<long long>(counted), reports == counted ? "consistent" : "LOST UPDATES");
  return reports == counted ? 0 : 1;
}
