// reminder_bench_driver (this file): the driver of the reminder queue's benchmark
// (bench/run_reminder_bench.sh runs it side by side with BullMQ; results in
// docs/PERFORMANCE.md). Subcommands:
//
//   reminder_bench_driver load --redis=127.0.0.1:6379 --n=200000 --window_ms=10000
//       --start_in_ms=5000 --fire_file=FILE
//     Schedules N reminders through Queue::Schedule (script calls of 500),
//     fire times spread evenly over [T0, T0 + window) with T0 = now +
//     start_in_ms (or --t0_ms). Ids follow the real grammar
//     (task/<id>/<date>/<rule>); each payload is a real ReminderPayload of
//     about 100 bytes, so the same load also feeds chiso-notification.
//     Writes "id fire_ms" per reminder to --fire_file and prints
//     "load_ms=… load_rate=… t0_ms=… end_ms=… slack_ms=…".
//
//   reminder_bench_driver work --redis=… --threads=4 --batch=100 --out=FILE
//     A Worker whose handler, for every claimed reminder, write(2)s
//     "id attempt recv_ms\n" to FILE (O_APPEND, no user-space buffering, so
//     a kill -9 loses nothing that was handled) and acks. Runs until SIGTERM
//     or SIGINT (then settles what it holds and exits).
//
//   reminder_bench_driver report --in=F1,F2 --fire_file=FILE [--n=N]
//     Reads the sink files and the fire times and prints one line of
//     key=value: lateness (receipt − fire time, first receipt of each id)
//     p50/p99/p999/max in ms, throughput N/(last receipt − first fire time),
//     loss (N − distinct ids), duplicates (lines − distinct ids), and the
//     ids handed out again (received twice, or only on an attempt > 1) with
//     the lateness of that redelivery.
//
// Every time is the host's wall clock in Unix milliseconds; the load and the
// workers run on the same host, so receipt − fire time is the lateness.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "common/redis/redis.h"
#include "common/reminders/policy.h"
#include "common/reminders/queue.h"
#include "common/reminders/worker.h"

ABSL_FLAG(std::string, redis, "127.0.0.1:6379", "Redis of the queue, host:port");
ABSL_FLAG(std::string, prefix, "{rem}", "Key prefix of the queue");
ABSL_FLAG(int64_t, n, 200000, "load: reminders to schedule; report: reminders expected");
ABSL_FLAG(int64_t, window_ms, 10000, "load: fire times spread over [T0, T0 + window)");
ABSL_FLAG(int64_t, start_in_ms, 5000, "load: T0 = load start + this (unless --t0_ms)");
ABSL_FLAG(int64_t, t0_ms, 0, "load: absolute T0, Unix ms (0: use --start_in_ms)");
ABSL_FLAG(int, schedule_batch, 5000, "load: items per Queue::Schedule call");
ABSL_FLAG(std::string, fire_file, "", "load: written; report: read (\"id fire_ms\" lines)");
ABSL_FLAG(int, threads, 4, "work: worker threads");
ABSL_FLAG(int, batch, 100, "work: reminders per claim");
ABSL_FLAG(int64_t, lease_ms, 30000, "work: lease of a claimed reminder");
ABSL_FLAG(std::string, out, "", "work: sink file (\"id attempt recv_ms\" lines, O_APPEND)");
ABSL_FLAG(std::string, in, "", "report: comma-separated sink files");

namespace {

namespace nv1 = chiso::notification::v1;

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

int Usage() {
  std::cerr << "usage: reminder_bench_driver load|work|report [flags]; see --help\n";
  return 2;
}

absl::StatusOr<chiso::redis::Endpoint> EndpointFlag() {
  return chiso::redis::ParseEndpoint(absl::GetFlag(FLAGS_redis));
}

chiso::reminders::QueueOptions QueueOptionsFromFlags() {
  chiso::reminders::QueueOptions options;
  options.prefix = absl::GetFlag(FLAGS_prefix);
  options.lease = absl::Milliseconds(absl::GetFlag(FLAGS_lease_ms));
  return options;
}

// A realistic reminder: "before-7d" of task i, one recipient unit, about 100
// bytes serialized.
nv1::ReminderPayload MakePayload(int64_t i, int64_t fire_ms) {
  const std::string task_id = absl::StrFormat("t%08d", i);
  nv1::ReminderPayload p;
  p.set_reminder_id(chiso::reminders::ReminderId(chiso::reminders::TaskOwner(task_id),
                                                 absl::CivilDay(2027, 1, 15), "before-7d"));
  p.set_kind(nv1::NOTIFICATION_KIND_TASK_DUE_SOON);
  p.set_rule("before-7d");
  p.set_task(absl::StrCat("tasks/", task_id));
  p.mutable_due_date()->set_year(2027);
  p.mutable_due_date()->set_month(1);
  p.mutable_due_date()->set_day(15);
  p.set_fire_at_ms(fire_ms);
  nv1::Recipient* r = p.add_recipients();
  r->set_unit(absl::StrCat("units/u", i % 97));
  r->set_display_name("P. TC-KH");
  p.set_generation("g1");
  return p;
}

int Load() {
  absl::StatusOr<chiso::redis::Endpoint> endpoint = EndpointFlag();
  if (!endpoint.ok()) {
    std::cerr << "--redis: " << endpoint.status() << "\n";
    return 2;
  }
  const int64_t n = absl::GetFlag(FLAGS_n);
  const int64_t window = absl::GetFlag(FLAGS_window_ms);
  const int chunk = std::max(1, absl::GetFlag(FLAGS_schedule_batch));
  const std::string fire_path = absl::GetFlag(FLAGS_fire_file);
  if (n < 1 || window < 0 || fire_path.empty()) {
    std::cerr << "load: needs --n ≥ 1, --window_ms ≥ 0 and --fire_file\n";
    return 2;
  }
  const int64_t start = NowMs();
  const int64_t t0 = absl::GetFlag(FLAGS_t0_ms) > 0 ? absl::GetFlag(FLAGS_t0_ms)
                                                    : start + absl::GetFlag(FLAGS_start_in_ms);
  std::ofstream fire_file(fire_path, std::ios::trunc);
  if (!fire_file) {
    std::cerr << "load: cannot write " << fire_path << "\n";
    return 1;
  }
  chiso::reminders::Queue queue(*endpoint, QueueOptionsFromFlags());
  int64_t payload_bytes = 0;
  std::vector<chiso::reminders::Item> items;
  items.reserve(chunk);
  for (int64_t i = 0; i < n;) {
    items.clear();
    for (; i < n && static_cast<int>(items.size()) < chunk; ++i) {
      const int64_t fire = t0 + window * i / n;
      items.push_back(chiso::reminders::ToQueueItem(MakePayload(i, fire)));
      payload_bytes += static_cast<int64_t>(items.back().payload.size());
      fire_file << items.back().id << ' ' << fire << '\n';
    }
    absl::StatusOr<chiso::reminders::ScheduleResult> r = queue.Schedule(items);
    if (!r.ok()) {
      std::cerr << "load: schedule: " << r.status() << "\n";
      return 1;
    }
  }
  fire_file.close();
  const int64_t end = NowMs();
  const double seconds = std::max<int64_t>(1, end - start) / 1000.0;
  std::printf("load_ms=%" PRId64 " load_rate=%.0f t0_ms=%" PRId64 " end_ms=%" PRId64
              " slack_ms=%" PRId64 " payload_bytes=%.0f\n",
              end - start, n / seconds, t0, end, t0 - end, static_cast<double>(payload_bytes) / n);
  return 0;
}

int Work() {
  absl::StatusOr<chiso::redis::Endpoint> endpoint = EndpointFlag();
  if (!endpoint.ok()) {
    std::cerr << "--redis: " << endpoint.status() << "\n";
    return 2;
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cerr << "work: needs --out\n";
    return 2;
  }
  const int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::cerr << "work: open " << out << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  // Blocked in every thread, taken by sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  chiso::reminders::WorkerOptions options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.batch = absl::GetFlag(FLAGS_batch);
  auto sink = [fd](const std::vector<chiso::reminders::Claimed>& batch) {
    char line[512];
    for (const chiso::reminders::Claimed& c : batch) {
      const int len = std::snprintf(line, sizeof line, "%s %" PRId64 " %" PRId64 "\n", c.id.c_str(),
                                    c.attempt, NowMs());
      const size_t size = static_cast<size_t>(std::min<int>(len, sizeof line - 1));
      if (write(fd, line, size) != static_cast<ssize_t>(size)) {
        std::perror("work: write");
        std::_Exit(1);
      }
    }
    return std::vector<chiso::reminders::Outcome>(batch.size());  // all acks
  };
  chiso::reminders::Worker worker(*endpoint, QueueOptionsFromFlags(), options, sink);
  worker.Start();
  int sig = 0;
  sigwait(&signals, &sig);
  worker.Stop();
  close(fd);
  const chiso::reminders::WorkerCounters& c = worker.counters();
  std::fprintf(stderr,
               "work: claimed=%" PRId64 " acked=%" PRId64 " stale=%" PRId64 " redis_errors=%" PRId64
               "\n",
               c.claimed.load(), c.acked.load(), c.stale.load(), c.redis_errors.load());
  return 0;
}

// Nearest-rank percentile of sorted values.
int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * sorted.size() + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

int Report() {
  const std::string fire_path = absl::GetFlag(FLAGS_fire_file);
  const std::string in = absl::GetFlag(FLAGS_in);
  if (fire_path.empty() || in.empty()) {
    std::cerr << "report: needs --fire_file and --in\n";
    return 2;
  }
  struct Seen {
    int64_t fire = 0;
    // The two earliest receipts (-1: none).
    int64_t recv1 = -1;
    int64_t recv2 = -1;
    int64_t lines = 0;
    int64_t max_attempt = 0;
  };
  absl::flat_hash_map<std::string, Seen> seen;
  int64_t first_fire = INT64_MAX;
  {
    std::ifstream f(fire_path);
    if (!f) {
      std::cerr << "report: cannot read " << fire_path << "\n";
      return 1;
    }
    std::string id;
    int64_t fire = 0;
    while (f >> id >> fire) {
      seen[id].fire = fire;
      first_fire = std::min(first_fire, fire);
    }
  }
  int64_t n = absl::GetFlag(FLAGS_n);
  if (n <= 0) n = static_cast<int64_t>(seen.size());
  int64_t lines = 0, unknown = 0, bad = 0, last_recv = 0;
  for (absl::string_view path : absl::StrSplit(in, ',', absl::SkipEmpty())) {
    std::ifstream f{std::string(path)};
    if (!f) {
      std::cerr << "report: cannot read " << path << "\n";
      return 1;
    }
    std::string line;
    while (std::getline(f, line)) {
      std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      int64_t attempt = 0, recv = 0;
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &attempt) ||
          !absl::SimpleAtoi(parts[2], &recv)) {
        ++bad;  // a torn last line (a kill -9 cannot tear a write(2), but be safe)
        continue;
      }
      ++lines;
      auto it = seen.find(parts[0]);
      if (it == seen.end()) {
        ++unknown;
        continue;
      }
      Seen& s = it->second;
      ++s.lines;
      last_recv = std::max(last_recv, recv);
      if (s.recv1 < 0 || recv < s.recv1) {
        s.recv2 = s.recv1;
        s.recv1 = recv;
      } else if (s.recv2 < 0 || recv < s.recv2) {
        s.recv2 = recv;
      }
      s.max_attempt = std::max(s.max_attempt, attempt);
    }
  }
  std::vector<int64_t> lateness, redelivery;
  lateness.reserve(seen.size());
  int64_t distinct = 0;
  for (const auto& [id, s] : seen) {
    if (s.recv1 < 0) continue;
    ++distinct;
    lateness.push_back(s.recv1 - s.fire);
    // Handed out again: received twice, or received once but only on a
    // later attempt (the first holder died before writing it).
    if (s.recv2 >= 0) {
      redelivery.push_back(s.recv2 - s.fire);
    } else if (s.max_attempt > 1) {
      redelivery.push_back(s.recv1 - s.fire);
    }
  }
  std::sort(lateness.begin(), lateness.end());
  std::sort(redelivery.begin(), redelivery.end());
  const double span_s = std::max<int64_t>(1, last_recv - first_fire) / 1000.0;
  std::printf("n=%" PRId64 " lines=%" PRId64 " distinct=%" PRId64 " loss=%" PRId64 " dup=%" PRId64
              " unknown=%" PRId64 " bad_lines=%" PRId64 " p50_ms=%" PRId64 " p99_ms=%" PRId64
              " p999_ms=%" PRId64 " max_ms=%" PRId64 " min_ms=%" PRId64 " drain_ms=%" PRId64
              " throughput=%.0f redelivered=%zu redelivery_p50_ms=%" PRId64
              " redelivery_max_ms=%" PRId64 "\n",
              n, lines, distinct, n - distinct, lines - distinct, unknown, bad,
              Percentile(lateness, 0.5), Percentile(lateness, 0.99), Percentile(lateness, 0.999),
              lateness.empty() ? 0 : lateness.back(), lateness.empty() ? 0 : lateness.front(),
              last_recv - first_fire, distinct / span_s, redelivery.size(),
              Percentile(redelivery, 0.5), redelivery.empty() ? 0 : redelivery.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "reminder queue benchmark driver: load | work | report (see bench/reminder_bench.cc)");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) return Usage();
  const absl::string_view command = args[1];
  if (command == "load") return Load();
  if (command == "work") return Work();
  if (command == "report") return Report();
  return Usage();
}
