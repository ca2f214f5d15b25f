#!/usr/bin/env bash
# The reminder queue side by side with BullMQ delayed jobs, on one fresh
# redis-server per run (docs/PERFORMANCE.md, "Reminder queue"; the plan is §4
# of the reminder-queue notes).
#
# Usage:
#   cmake -S . -B /tmp/bench -DCMAKE_BUILD_TYPE=Release -DCHISO_BUILD_TESTS=OFF \
#         -DCHISO_BUILD_BENCH=ON
#   cmake --build /tmp/bench --target reminder_bench_driver chiso-notification -j2
#   bench/run_reminder_bench.sh /tmp/bench       # ~15 min; prints markdown tables
#   REPS=5 bench/run_reminder_bench.sh /tmp/bench                      # ~22 min
#   PERSISTENCE=aof-norw KILL=0 E2E=0 bench/run_reminder_bench.sh /tmp/bench
#
# Persistence settings: off (--save '' --appendonly no), aof (--appendonly yes
# --appendfsync everysec, default rewrite thresholds), aof-norw (the same
# with --auto-aof-rewrite-percentage 0: no rewrite fork during the run).
# For each setting in PERSISTENCE:
#   - REPS repetitions (the tables give the median of each column) of four
#     runs: our queue and BullMQ, each with N reminders due evenly over
#     WINDOW_MS ("window") and N due at once ("burst"). The load ends about
#     GAP_MS before the first fire time T0. Our side: one
#     `reminder_bench_driver work` process, THREADS threads, claims of BATCH.
#     BullMQ: one `node worker.js` process, a Worker of concurrency
#     CONCURRENCY. Both sinks write(2) "id attempt recv_ms" per reminder to
#     an O_APPEND file; `reminder_bench_driver report` computes lateness
#     (receipt − fire time), throughput, loss and duplicates from the files.
#   - kill -9 tests, one run each: 4 worker processes (ours: 1 thread each;
#     BullMQ: concurrency CONCURRENCY each), one killed and restarted at once
#     at T0 + WINDOW_MS/2 in the window scenario and at T0 + KILL_BURST_AT_MS
#     in the burst; our lease and BullMQ's lockDuration and stalledInterval
#     are all KILL_LEASE_MS.
#   - end to end (E2E=1, when BUILD_DIR has chiso-notification): the
#     service, --consumer_threads=THREADS --batch=BATCH, drains N reminders
#     (window and burst, E2E_REPS runs each) into its SQLite inbox; lateness
#     is the inbox's deliver_ms − fire_ms.
# redis-server runs on CPU REDIS_CPU, every client on CPU CLIENT_CPU
# (taskset). Between T0 and the end of the drain: "cmd" µs per reminder sums
# the top-level commands of INFO commandstats (EVAL/EVALSHA/EXEC, which
# include the commands they run, plus blocking and connection commands; the
# commands a script runs are also counted under their own names, so those
# are not added again); "cpu" is used_cpu_user + used_cpu_sys of the server
# and its forks; "others on Redis's / clients' core" are the shares of each
# core used by processes other than redis-server and the worker (/proc/stat
# and /proc/<pid>/stat), i.e. interference from the rest of the machine. Memory per pending reminder is the used_memory growth during the
# load, divided by N.
#
# Environment (defaults in brackets): N [200000], WINDOW_MS [10000],
# GAP_MS [5000], REPS [3], THREADS [4], BATCH [100], CONCURRENCY [100],
# PERSISTENCE ["off aof"], SYSTEMS ["chiso bullmq"], KILL [1],
# KILL_LEASE_MS [10000], KILL_BURST_AT_MS [1000], E2E [1], E2E_REPS [1],
# REDIS_CPU [0],
# CLIENT_CPU [1], DRAIN_TIMEOUT_S [120], OUT [a new /tmp/reminder-bench.*
# directory: raw files, results.tsv, kill.tsv, e2e.tsv], REPORT_ONLY [0; 1
# prints the tables again from an earlier OUT without running anything].
# Needs redis-server, redis-cli, taskset, node + npm (installs
# bench/bullmq/package.json into bench/bullmq/node_modules on first use),
# and sqlite3 and curl for E2E.
set -euo pipefail

BUILD_DIR=${1:-build/bench}
HERE=$(cd "$(dirname "$0")" && pwd)
DRIVER=$BUILD_DIR/bench/reminder_bench_driver
NOTIFICATION=$BUILD_DIR/services/notification/chiso-notification
N=${N:-200000}
WINDOW_MS=${WINDOW_MS:-10000}
GAP_MS=${GAP_MS:-5000}
REPS=${REPS:-3}
THREADS=${THREADS:-4}
BATCH=${BATCH:-100}
CONCURRENCY=${CONCURRENCY:-100}
PERSISTENCE=${PERSISTENCE:-off aof}
SYSTEMS=${SYSTEMS:-chiso bullmq}
KILL=${KILL:-1}
KILL_LEASE_MS=${KILL_LEASE_MS:-10000}
KILL_BURST_AT_MS=${KILL_BURST_AT_MS:-1000}
E2E=${E2E:-1}
E2E_REPS=${E2E_REPS:-1}
REDIS_CPU=${REDIS_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
OUT=${OUT:-$(mktemp -d /tmp/reminder-bench.XXXXXX)}
DRAIN_TIMEOUT_S=${DRAIN_TIMEOUT_S:-120}

for tool in redis-server redis-cli taskset node npm; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
[ -x "$DRIVER" ] || { echo "missing $DRIVER; build the reminder_bench_driver target" >&2; exit 1; }
DRIVER=$(cd "$(dirname "$DRIVER")" && pwd)/$(basename "$DRIVER")
mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
REPORT_ONLY=${REPORT_ONLY:-0}
if [ "$REPORT_ONLY" != 1 ]; then
  : >"$RESULTS"
  : >"$OUT/kill.tsv"
  : >"$OUT/e2e.tsv"
fi
STARTED=$(date +%s)

if [[ " $SYSTEMS " == *" bullmq "* ]]; then
  if ! (cd "$HERE/bullmq" && node -e "require('bullmq'); require('ioredis')" 2>/dev/null); then
    echo "installing bench/bullmq dependencies (npm)" >&2
    (cd "$HERE/bullmq" && npm install --no-package-lock --no-audit --no-fund --loglevel=error)
  fi
  BULLMQ_VERSION=$(cd "$HERE/bullmq" && node -p "require('bullmq/package.json').version")
fi

# Processes this script started and has not stopped yet; killed on exit.
pids_to_clean=()
forget_pid() {
  local keep=() p
  for p in "${pids_to_clean[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids_to_clean=("${keep[@]}")
}
cleanup() {
  for p in "${pids_to_clean[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
# Sleeps until Unix time $1 (ms).
sleep_until() {
  local d=$(($1 - $(now_ms)))
  if [ "$d" -gt 0 ]; then sleep "$(awk -v d="$d" 'BEGIN{printf "%.3f", d/1000}')"; fi
}

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
}

# start_redis <dir> <off|aof>: a fresh redis-server on CPU REDIS_CPU; sets PORT, REDIS_PID.
start_redis() {
  local dir=$1 mode=$2
  rm -rf "$dir" && mkdir -p "$dir"
  PORT=$(free_port)
  local persist=(--appendonly no)
  case $mode in
    aof) persist=(--appendonly yes --appendfsync everysec) ;;
    aof-norw) persist=(--appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage 0) ;;
  esac
  taskset -c "$REDIS_CPU" redis-server --port "$PORT" --bind 127.0.0.1 --dir "$dir" --save '' \
    "${persist[@]}" --maxmemory-policy noeviction --latency-monitor-threshold 10 \
    --logfile "$dir/redis.log" &
  REDIS_PID=$!
  REDIS_DIR=$dir
  pids_to_clean+=("$REDIS_PID")
  for _ in $(seq 100); do
    redis-cli -p "$PORT" ping >/dev/null 2>&1 && return
    sleep 0.05
  done
  echo "redis-server did not start (see $dir/redis.log)" >&2
  exit 1
}
stop_redis() {
  redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  wait "$REDIS_PID" 2>/dev/null || true
  forget_pid "$REDIS_PID"
  rm -rf "$REDIS_DIR/appendonlydir"  # hundreds of MB per run; redis.log stays
}
rcli() { taskset -c "$CLIENT_CPU" redis-cli -p "$PORT" "$@"; }

# redis_stats <file>: saves INFO ALL to <file> and prints
# "used_memory cpu_seconds cmd_usec aof_rewrites aof_delayed_fsync".
redis_stats() {
  rcli info all | tr -d '\r' >"$1"
  awk -F'[:,=]' '
    /^used_memory:/ { mem = $2 }
    /^used_cpu_(sys|user)(_children)?:/ { cpu += $2 }
    /^aof_rewrites:/ { rewrites = $2 }
    /^aof_delayed_fsync:/ { delayed = $2 }
    /^cmdstat_/ {
      name = substr($1, 9)
      if (name ~ /^(eval|evalsha|eval_ro|evalsha_ro|fcall|fcall_ro|exec|multi)$/ ||
          name ~ /^(bzpopmin|bzpopmax|bzmpop|blpop|brpop|blmpop|brpoplpush|blmove)$/ ||
          name ~ /^(client|script|config|command|latency)(\|.*)?$/ ||
          name ~ /^(info|ping|hello|select|auth|quit)$/) top += $5
    }
    END { printf "%d %.6f %d %d %d\n", mem, cpu, top, rewrites, delayed }' "$1"
}

# "busy seconds of the Redis core, of the client core" so far (/proc/stat).
core_busy() {
  awk -v r="cpu$REDIS_CPU" -v c="cpu$CLIENT_CPU" '
    $1 == r { rb = $2 + $3 + $4 + $7 + $8 + $9 }
    $1 == c { cb = $2 + $3 + $4 + $7 + $8 + $9 }
    END { printf "%.2f %.2f\n", rb / 100, cb / 100 }' /proc/stat
}

# CPU seconds a process has used so far (utime + stime).
proc_cpu() { awk '{printf "%.2f\n", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# others_pct <busy before> <busy after> <own cpu before> <own cpu after> <ms>:
# the share of a core that processes other than the measured one used.
others_pct() {
  awk -v b="$2" -v a="$1" -v r="$4" -v q="$3" -v t="$5" \
    'BEGIN{x = ((b - a) - (r - q)) * 100000 / t; printf "%.0f", (x < 0 ? 0 : x)}'
}

# Pending work of a system's queue.
pending() {
  if [ "$1" = bullmq ]; then
    printf 'ZCARD bull:rem:delayed\nLLEN bull:rem:wait\nLLEN bull:rem:active\nZCARD bull:rem:prioritized\n' |
      rcli | awk '{s += $1} END {print s + 0}'
  else
    printf 'ZCARD {rem}:due\nZCARD {rem}:lease\n' | rcli | awk '{s += $1} END {print s + 0}'
  fi
}
wait_drained() {
  local system=$1 deadline=$2
  while [ "$(pending "$system")" != 0 ]; do
    if [ "$(now_ms)" -gt "$deadline" ]; then
      echo "  (not drained before the deadline)" >&2
      return 0
    fi
    sleep 0.2
  done
}

# start_worker <system> <out file> <threads|concurrency> <lease ms>: sets WORKER_PID.
start_worker() {
  local system=$1 out=$2 width=$3 lease=$4
  if [ "$system" = bullmq ]; then
    (cd "$HERE/bullmq" && exec taskset -c "$CLIENT_CPU" node worker.js --redis="127.0.0.1:$PORT" \
      --out="$out" --concurrency="$width" --lock_ms="$lease" --stalled_ms="$lease") \
      >>"$out.log" 2>&1 &
  else
    taskset -c "$CLIENT_CPU" "$DRIVER" work --redis="127.0.0.1:$PORT" --out="$out" \
      --threads="$width" --batch="$BATCH" --lease_ms="$lease" >>"$out.log" 2>&1 &
  fi
  WORKER_PID=$!
  pids_to_clean+=("$WORKER_PID")
}
stop_worker() {
  forget_pid "$1"
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return; }
    sleep 0.1
  done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# load <system> <window ms> <start_in ms> <fire file>; prints the loader's line.
load() {
  local system=$1 window=$2 start_in=$3 fire=$4
  if [ "$system" = bullmq ]; then
    (cd "$HERE/bullmq" && taskset -c "$CLIENT_CPU" node load.js --redis="127.0.0.1:$PORT" \
      --n="$N" --window_ms="$window" --start_in_ms="$start_in" --fire_file="$fire")
  else
    taskset -c "$CLIENT_CPU" "$DRIVER" load --redis="127.0.0.1:$PORT" --n="$N" \
      --window_ms="$window" --start_in_ms="$start_in" --fire_file="$fire"
  fi
}

# Load time of the previous run per system and setting, so the next run's
# T0 falls GAP_MS after the end of its load.
declare -A LAST_LOAD_MS
start_in_for() {
  local key=$1 guess=$2
  local last=${LAST_LOAD_MS[$key]:-$guess}
  echo $((last * 12 / 10 + 200 + GAP_MS))
}

# run_one <system> <off|aof> <window|burst> <rep>: one run; appends to results.tsv.
run_one() {
  local system=$1 mode=$2 scenario=$3 rep=$4
  local dir=$OUT/$system-$mode-$scenario-$rep window=$WINDOW_MS
  [ "$scenario" = burst ] && window=0
  local load_avg
  load_avg=$(cut -d' ' -f1 /proc/loadavg)
  start_redis "$dir/redis" "$mode"
  local width=$THREADS
  [ "$system" = bullmq ] && width=$CONCURRENCY
  start_worker "$system" "$dir/sink" "$width" 30000
  local worker=$WORKER_PID
  sleep 0.5
  local s0 s1 s2 line guess=4000
  [ "$system" = bullmq ] && guess=12000
  s0=$(redis_stats "$dir/info.0")
  line=$(load "$system" "$window" "$(start_in_for "$system-$mode" "$guess")" "$dir/fire")
  local m1
  m1=$(redis_stats "$dir/info.load" | cut -d' ' -f1)
  LAST_LOAD_MS[$system-$mode]=$(field "$line" load_ms)
  local t0 b1 b2 w1 w2 p1 p2
  t0=$(field "$line" t0_ms)
  sleep_until "$t0"
  s1=$(redis_stats "$dir/info.1")
  b1=$(core_busy)
  p1=$(proc_cpu "$worker")
  w1=$(now_ms)
  sleep_until $((t0 + window))
  wait_drained "$system" $((t0 + window + DRAIN_TIMEOUT_S * 1000))
  s2=$(redis_stats "$dir/info.2")
  b2=$(core_busy)
  p2=$(proc_cpu "$worker")
  w2=$(now_ms)
  rcli latency latest >"$dir/latency.txt"
  stop_worker "$worker"
  stop_redis
  local report
  report=$("$DRIVER" report --in="$dir/sink" --fire_file="$dir/fire" --n="$N")
  local m0 c1 c2 k1 k2 r2 f2 rb1 rb2 cb1 cb2
  read -r m0 _ _ _ _ <<<"$s0"
  read -r _ c1 k1 _ _ <<<"$s1"
  read -r _ c2 k2 r2 f2 <<<"$s2"
  read -r rb1 cb1 <<<"$b1"
  read -r rb2 cb2 <<<"$b2"
  # Shares of the Redis core and of the client core used by other
  # processes than redis-server and the worker while the reminders were
  # being drained (the client core's includes this script's redis-cli polls).
  local others busy
  others=$(others_pct "$rb1" "$rb2" "$c1" "$c2" $((w2 - w1)))
  busy=$(others_pct "$cb1" "$cb2" "$p1" "$p2" $((w2 - w1)))
  local mem_per cmd_us cpu_us
  mem_per=$(((m1 - m0) / N))
  cmd_us=$(awk -v a="$k1" -v b="$k2" -v n="$N" 'BEGIN{printf "%.2f", (b - a) / n}')
  cpu_us=$(awk -v a="$c1" -v b="$c2" -v n="$N" 'BEGIN{printf "%.2f", (b - a) * 1e6 / n}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$system" "$mode" "$scenario" "$rep" "$(field "$line" load_rate)" \
    "$(field "$line" slack_ms)" "$(field "$report" p50_ms)" "$(field "$report" p99_ms)" \
    "$(field "$report" p999_ms)" "$(field "$report" max_ms)" "$(field "$report" throughput)" \
    "$(field "$report" loss)" "$(field "$report" dup)" "$cmd_us" "$cpu_us" "$mem_per" \
    "$load_avg" "$r2" "$others" "$busy" >>"$RESULTS"
  echo "  $system $mode $scenario #$rep: $report cmd_us=$cmd_us cpu_us=$cpu_us" \
    "bytes_per=$mem_per load_avg=$load_avg $(field "$line" load_ms)ms-load" \
    "slack=$(field "$line" slack_ms)ms aof_rewrites=$r2 aof_delayed_fsync=$f2" \
    "others_on_redis_core=${others}% others_on_client_core=${busy}%" >&2
}

# kill_test <system> <off|aof> <window|burst>: 4 workers, one kill -9'd and
# restarted at once, at T0 + WINDOW_MS/2 (window) or T0 + KILL_BURST_AT_MS
# (burst, when every worker holds a full batch).
kill_test() {
  local system=$1 mode=$2 scenario=$3
  local dir=$OUT/$system-$mode-kill-$scenario width=1 window=$WINDOW_MS kill_at=$((WINDOW_MS / 2))
  [ "$system" = bullmq ] && width=$CONCURRENCY
  [ "$scenario" = burst ] && window=0 && kill_at=$KILL_BURST_AT_MS
  local load_avg
  load_avg=$(cut -d' ' -f1 /proc/loadavg)
  start_redis "$dir/redis" "$mode"
  local workers=() i
  for i in 0 1 2 3; do
    start_worker "$system" "$dir/sink.$i" "$width" "$KILL_LEASE_MS"
    workers+=("$WORKER_PID")
  done
  sleep 0.5
  local guess=4000 line t0
  [ "$system" = bullmq ] && guess=12000
  line=$(load "$system" "$window" "$(start_in_for "$system-$mode" "$guess")" "$dir/fire")
  t0=$(field "$line" t0_ms)
  sleep_until $((t0 + kill_at))
  kill -9 "${workers[0]}"
  wait "${workers[0]}" 2>/dev/null || true
  forget_pid "${workers[0]}"
  local killed_at
  killed_at=$(now_ms)
  start_worker "$system" "$dir/sink.0b" "$width" "$KILL_LEASE_MS"
  workers[0]=$WORKER_PID
  sleep_until $((t0 + window))
  wait_drained "$system" $((t0 + window + DRAIN_TIMEOUT_S * 1000))
  local drained_at
  drained_at=$(now_ms)
  for i in 0 1 2 3; do stop_worker "${workers[$i]}"; done
  stop_redis
  local report
  report=$("$DRIVER" report --fire_file="$dir/fire" --n="$N" \
    --in="$dir/sink.0,$dir/sink.0b,$dir/sink.1,$dir/sink.2,$dir/sink.3")
  printf 'kill\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$system" "$mode" \
    "$scenario" "$(field "$report" loss)" "$(field "$report" dup)" \
    "$(field "$report" redelivered)" "$(field "$report" redelivery_p50_ms)" \
    "$(field "$report" redelivery_max_ms)" "$(field "$report" p50_ms)" \
    "$(field "$report" p99_ms)" $((killed_at - t0)) $((drained_at - t0)) "$load_avg" \
    >>"$OUT/kill.tsv"
  echo "  kill -9 $system $mode $scenario: $report killed_at=+$((killed_at - t0))ms" \
    "drained_at=+$((drained_at - t0))ms load_avg=$load_avg" >&2
}

# e2e <off|aof> <window|burst> <rep>: chiso-notification drains the queue
# into its inbox; appends to e2e.tsv (same columns as results.tsv up to 13).
e2e() {
  local mode=$1 scenario=$2 rep=$3
  local dir=$OUT/e2e-$mode-$scenario-$rep window=$WINDOW_MS
  [ "$scenario" = burst ] && window=0
  local load_avg
  load_avg=$(cut -d' ' -f1 /proc/loadavg)
  start_redis "$dir/redis" "$mode"
  mkdir -p "$dir/data"
  local mport
  mport=$(free_port)
  taskset -c "$CLIENT_CPU" "$NOTIFICATION" --listen="127.0.0.1:$(free_port)" \
    --metrics_listen="127.0.0.1:$mport" --data_dir="$dir/data" --redis="127.0.0.1:$PORT" \
    --consumer_threads="$THREADS" --batch="$BATCH" --lease=30s --log_level=warning --drain_grace=0s \
    2>"$dir/service.log" &
  local svc=$!
  pids_to_clean+=("$svc")
  sleep 1
  if ! kill -0 "$svc" 2>/dev/null; then
    echo "chiso-notification did not start (see $dir/service.log)" >&2
    forget_pid "$svc"
    stop_redis
    return 1
  fi
  local line t0
  line=$(load chiso "$window" "$(start_in_for "chiso-$mode" 4000)" "$dir/fire")
  t0=$(field "$line" t0_ms)
  sleep_until "$t0"
  local s1 s2 b1 b2 p1 p2 w1 c1 c2 rb1 rb2 cb1 cb2
  s1=$(redis_stats "$dir/info.1")
  b1=$(core_busy)
  p1=$(proc_cpu "$svc")
  w1=$(now_ms)
  sleep_until $((t0 + window))
  wait_drained chiso $((t0 + window + DRAIN_TIMEOUT_S * 1000))
  local drained_at dead
  drained_at=$(now_ms)
  s2=$(redis_stats "$dir/info.2")
  b2=$(core_busy)
  p2=$(proc_cpu "$svc")
  read -r _ c1 _ _ _ <<<"$s1"
  read -r _ c2 _ _ _ <<<"$s2"
  read -r rb1 cb1 <<<"$b1"
  read -r rb2 cb2 <<<"$b2"
  local others others_client
  others=$(others_pct "$rb1" "$rb2" "$c1" "$c2" $((drained_at - w1)))
  others_client=$(others_pct "$cb1" "$cb2" "$p1" "$p2" $((drained_at - w1)))
  dead=$(rcli zcard '{rem}:dead')
  curl -s "http://127.0.0.1:$mport/metrics" >"$dir/metrics.txt" || true
  stop_worker "$svc"
  stop_redis
  sqlite3 -separator ' ' "$dir/data/notification.db" \
    "SELECT reminder_id, 1, deliver_ms FROM notifications" >"$dir/inbox"
  rm -rf "$dir/data"  # the inbox database, ~220 MB; its rows are in $dir/inbox
  local report
  report=$("$DRIVER" report --in="$dir/inbox" --fire_file="$dir/fire" --n="$N")
  # What the service itself reports: inbox deliveries and mean lateness.
  local ok mean
  read -r ok mean < <(awk '
    /^chiso_notifications_delivered_total\{channel="inbox",result="ok"\}/ { ok = $2 }
    /^chiso_reminder_lateness_seconds_sum / { sum = $2 }
    /^chiso_reminder_lateness_seconds_count / { count = $2 }
    END { printf "%d %.0f\n", ok, (count > 0 ? sum * 1000 / count : 0) }' "$dir/metrics.txt")
  printf 'e2e\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$mode" "$scenario" "$rep" "$(field "$line" load_rate)" "$(field "$line" slack_ms)" \
    "$(field "$report" p50_ms)" "$(field "$report" p99_ms)" "$(field "$report" p999_ms)" \
    "$(field "$report" max_ms)" "$(field "$report" throughput)" "$(field "$report" loss)" \
    "$(field "$report" dup)" $((drained_at - t0)) "$dead" "$ok" "$load_avg" "$mean" \
    "$others" "$others_client" >>"$OUT/e2e.tsv"
  echo "  e2e $mode $scenario #$rep: $report drained_at=+$((drained_at - t0))ms dead=$dead" \
    "metrics: inbox_ok=$ok mean_lateness_ms=$mean load_avg=$load_avg" \
    "others_on_redis_core=${others}% others_on_client_core=${others_client}%" >&2
}

if [ "$REPORT_ONLY" != 1 ]; then
  echo "reminder bench: N=$N window=${WINDOW_MS}ms gap=${GAP_MS}ms reps=$REPS threads=$THREADS" \
    "batch=$BATCH concurrency=$CONCURRENCY; raw results in $OUT" >&2
  for mode in $PERSISTENCE; do
    for rep in $(seq "$REPS"); do
      for system in $SYSTEMS; do
        for scenario in window burst; do run_one "$system" "$mode" "$scenario" "$rep"; done
      done
    done
    if [ "$KILL" = 1 ]; then
      for system in $SYSTEMS; do
        for scenario in window burst; do kill_test "$system" "$mode" "$scenario"; done
      done
    fi
    if [ "$E2E" = 1 ]; then
      if [ -x "$NOTIFICATION" ] && command -v sqlite3 >/dev/null; then
        for rep in $(seq "$E2E_REPS"); do
          for scenario in window burst; do e2e "$mode" "$scenario" "$rep" || true; done
        done
      else
        echo "  e2e skipped: $NOTIFICATION not built (or sqlite3 missing)" >&2
      fi
    fi
  done
fi

median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# col <system> <mode> <scenario> <column>: median of that column over the reps.
col() { awk -F'\t' -v s="$1" -v m="$2" -v c="$3" -v k="$4" '$1 == s && $2 == m && $3 == c {print $k}' "${TABLE:-$RESULTS}" | median; }
# spread <system> <mode> <scenario> <column>: "min–max" over the reps.
spread() {
  awk -F'\t' -v s="$1" -v m="$2" -v c="$3" -v k="$4" '$1 == s && $2 == m && $3 == c {
      if (n++ == 0 || $k + 0 < lo) lo = $k + 0
      if (n == 1 || $k + 0 > hi) hi = $k + 0
    } END { if (n) printf "%s–%s", lo, hi }' "${TABLE:-$RESULTS}"
}
name_of() { if [ "$1" = bullmq ]; then echo "BullMQ ${BULLMQ_VERSION:-}"; else echo "chiso queue"; fi; }

echo
echo "N=$N, window ${WINDOW_MS} ms, $(nproc) CPUs (redis on $REDIS_CPU, clients on $CLIENT_CPU)," \
  "median of $REPS; chiso: 1 process × $THREADS threads, batch $BATCH;" \
  "BullMQ: 1 process, concurrency $CONCURRENCY"
echo
echo "| system | persistence | scenario | load/s | lateness p50 / p99 / p999 / max (ms) | p99 range | throughput/s (range) | loss | dup | Redis µs/reminder (cmdstats / CPU) | bytes/pending | AOF rewrites | others on Redis's / clients' core | load avg |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for mode in $PERSISTENCE; do
  for system in $SYSTEMS; do
    for scenario in window burst; do
      echo "| $(name_of "$system") | $mode | $scenario | $(col "$system" "$mode" "$scenario" 5) |" \
        "$(col "$system" "$mode" "$scenario" 7) / $(col "$system" "$mode" "$scenario" 8) /" \
        "$(col "$system" "$mode" "$scenario" 9) / $(col "$system" "$mode" "$scenario" 10) |" \
        "$(spread "$system" "$mode" "$scenario" 8) |" \
        "$(col "$system" "$mode" "$scenario" 11) ($(spread "$system" "$mode" "$scenario" 11)) |" \
        "$(col "$system" "$mode" "$scenario" 12) |" \
        "$(col "$system" "$mode" "$scenario" 13) | $(col "$system" "$mode" "$scenario" 14) /" \
        "$(col "$system" "$mode" "$scenario" 15) | $(col "$system" "$mode" "$scenario" 16) |" \
        "$(col "$system" "$mode" "$scenario" 18) | $(col "$system" "$mode" "$scenario" 19)% /" \
        "$(col "$system" "$mode" "$scenario" 20)% |" \
        "$(col "$system" "$mode" "$scenario" 17) |"
    done
  done
done
if [ -s "$OUT/kill.tsv" ]; then
  echo
  echo "kill -9 of 1 of 4 worker processes, restarted at once, at T0 + $((WINDOW_MS / 2)) ms" \
    "(window) or T0 + $KILL_BURST_AT_MS ms (burst); lease / lockDuration / stalledInterval" \
    "${KILL_LEASE_MS} ms; one run each"
  echo
  echo "| system | persistence | scenario | loss | duplicates | handed out again | their lateness p50 / max (ms) | lateness p50 / p99 (ms), all | killed / drained at T0 + (ms) | load avg |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' -v v="${BULLMQ_VERSION:-}" '{
    name = ($2 == "bullmq") ? "BullMQ " v : "chiso queue"
    printf "| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s |\n", name, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
  }' "$OUT/kill.tsv"
fi
if [ -s "$OUT/e2e.tsv" ]; then
  TABLE=$OUT/e2e.tsv
  echo
  echo "End to end: chiso-notification ($THREADS consumer threads, batch $BATCH) into its SQLite" \
    "inbox; lateness = deliver_ms − fire_ms; median of $E2E_REPS"
  echo
  echo "| persistence | scenario | lateness p50 / p99 / max (ms) | p99 range | throughput/s (range) | loss | dup | drained at T0 + (ms) | dead letters | service metrics: inbox ok / mean lateness (ms) | others on Redis's / clients' core | load avg |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for mode in $PERSISTENCE; do
    for scenario in window burst; do
      [ "$(col e2e "$mode" "$scenario" 7)" != - ] || continue
      echo "| $mode | $scenario | $(col e2e "$mode" "$scenario" 7) /" \
        "$(col e2e "$mode" "$scenario" 8) / $(col e2e "$mode" "$scenario" 10) |" \
        "$(spread e2e "$mode" "$scenario" 8) |" \
        "$(col e2e "$mode" "$scenario" 11) ($(spread e2e "$mode" "$scenario" 11)) |" \
        "$(col e2e "$mode" "$scenario" 12) | $(col e2e "$mode" "$scenario" 13) |" \
        "$(col e2e "$mode" "$scenario" 14) | $(col e2e "$mode" "$scenario" 15) |" \
        "$(col e2e "$mode" "$scenario" 16) / $(col e2e "$mode" "$scenario" 18) |" \
        "$(col e2e "$mode" "$scenario" 19)% / $(col e2e "$mode" "$scenario" 20)% |" \
        "$(col e2e "$mode" "$scenario" 17) |"
    done
  done
  TABLE=
fi
echo "total time: $(($(date +%s) - STARTED)) s; raw: $RESULTS"
