#!/usr/bin/env bash
# Storage throughput on SQLite and on a private, durable PostgreSQL server
# (fsync on, as in production), with one and two replicas.
#   bash bench/run_storage_bench.sh [BUILD_DIR]   (default build/bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/bench}
driver=$build/bench/storage_bench_driver
[ -x "$driver" ] || { echo "build it first: cmake --build $build --target storage_bench_driver" >&2; exit 1; }
state=$(mktemp -d)
trap 'CHISO_PG_DURABLE=1 bash "$root/tests/support/postgres_fixture.sh" stop "$state"; rm -rf "$state"' EXIT
CHISO_PG_DURABLE=1 bash "$root/tests/support/postgres_fixture.sh" start "$state"
url=$(cat "$state/url")
tmp=$(mktemp -d)
for threads in 1 4; do
  "$driver" --database_url="sqlite:$tmp/bench-$threads.db" --replicas=1 --threads=$threads
done
for replicas in 1 2; do
  for threads in 1 4; do
    "$driver" --database_url="$url" --replicas=$replicas --threads=$threads
  done
done
rm -rf "$tmp"
