#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang-14 (ASan + UBSan, every
# library instrumented) and runs each for a while on a copy of its seed corpus
# fuzz/corpus/<target>/ (and its dictionary fuzz/<target>.dict), so the
# repository's corpus never grows.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]        default 20
#
# Environment: FUZZ_BUILD_DIR (default build/fuzz); FUZZ_TARGETS, a
# space-separated subset of the targets.
# Prints one line per target. Exits non-zero when a target crashes, breaks
# one of its checks, times out (10 s on one input) or runs out of memory
# (2 GB), naming the input that did it; such inputs are kept in
# $FUZZ_BUILD_DIR/artifacts/<target>/, full logs in $FUZZ_BUILD_DIR/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]  (a whole number of seconds, at least 1)" >&2
  exit 2
fi
build=${FUZZ_BUILD_DIR:-build/fuzz}
read -r -a targets <<<"${FUZZ_TARGETS:-plan_document_fuzz docx_text_fuzz timeframe_fuzz}"
jobs=$(nproc 2>/dev/null || echo 2)

for tool in clang-14 clang++-14; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fuzz: $tool not found (apt-get install clang-14 libclang-rt-14-dev, or make setup)" >&2
    exit 1
  fi
done

mkdir -p "$build/logs"
build_log="$build/logs/build.log"
started=$(date +%s)
if ! { CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DCHISO_FUZZ=ON -DCHISO_BUILD_TESTS=OFF -DCHISO_BUILD_BENCH=OFF &&
       cmake --build "$build" -j "$jobs" --target "${targets[@]}"; } >"$build_log" 2>&1; then
  tail -n 60 "$build_log" >&2
  echo "fuzz: build failed (log: $build_log)" >&2
  exit 1
fi
echo "fuzz: built ${targets[*]} in $(($(date +%s) - started)) s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
for target in "${targets[@]}"; do
  corpus="$work/$target"
  artifacts="$build/artifacts/$target"
  log="$build/logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "fuzz/corpus/$target" ]; then
    cp -R "fuzz/corpus/$target/." "$corpus/"
  fi
  seeds=$(find "$corpus" -type f | wc -l)
  dict=()
  if [ -f "fuzz/$target.dict" ]; then
    dict=(-dict="fuzz/$target.dict")
  fi
  if "$build/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
       "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    echo "fuzz: $target: ok, ${runs:-?} runs in ${seconds} s, corpus $seeds -> $(find "$corpus" -type f | wc -l) inputs"
  else
    failed=1
    input=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
    what=$(grep -m 1 -E '^(SUMMARY|==[0-9]+== ?ERROR|fuzz: broken promise)|runtime error:' "$log" || true)
    echo "fuzz: $target: FAILED: ${what:-see log}; input: ${input:-none written}; log: $log"
  fi
done
exit "$failed"
