#!/usr/bin/env bash
# Runs every benchmark binary built under $1 (default build/bench).
set -euo pipefail
dir=${1:-build/bench}
found=0
for b in $(find "$dir/bench" -maxdepth 1 -type f -executable -name "*_bench" 2>/dev/null | sort); do
  found=1
  echo "== $b"
  "$b" --benchmark_counters_tabular=true
done
[ "$found" = 1 ] || echo "no benchmarks built yet"
