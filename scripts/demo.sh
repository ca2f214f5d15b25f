#!/usr/bin/env bash
# Walks a plan through its life against a running suite (start it with
# `make run` in another terminal): create a draft from docs/examples, list,
# issue with a number, import the 2019 DDCI results of the department's peer
# group, rank it, judge the plan's targets against them, close, and show the
# metrics that moved.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ctl=${CHISOCTL:-$root/build/release/tools/chisoctl/chisoctl}
addr=${CHISO_PLAN_ADDR:-localhost:50051}
metrics=${CHISO_PLAN_METRICS:-http://127.0.0.1:9101/metrics}
scoring=${CHISO_SCORING_ADDR:-localhost:50053}
[ -x "$ctl" ] || { echo "demo: $ctl not built; run make build" >&2; exit 1; }

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

created=$("$ctl" --addr "$addr" --json plan create -f "$root/docs/examples/ddci-2020.yaml")
name=$(printf '%s\n' "$created" | grep -o '"name": *"plans/[^"]*"' | head -n1 | sed 's/.*"\(plans\/[^"]*\)"/\1/')
echo "created $name"
step "$ctl" --addr "$addr" plan get "$name"
step "$ctl" --addr "$addr" plan list --framework DDCI --year 2020
# Numbers are unique per issuer and year: pick a free serial for repeated demos.
serial=$(( $(date +%s) % 900 + 100 ))
step "$ctl" --addr "$addr" plan issue "$name" --number "$serial/KH-STNMT" --issued-on 11/6/2020
# Scores: the peer group's 2019 results (--replace keeps repeated demos
# idempotent), the ranking on one component, and the plan judged on 2019.
step "$ctl" --scoring-addr "$scoring" results import "$root/docs/examples/ddci-2019-results.csv" --replace
step "$ctl" --scoring-addr "$scoring" ranking DDCI 2019 --level department --component TIME_COSTS \
  --peer-group "Sở, ban, ngành tỉnh" --limit 5
step "$ctl" --scoring-addr "$scoring" scorecard "$name" --entity "Sở Tài nguyên và Môi trường" --year 2019
step "$ctl" --addr "$addr" plan close "$name" --reason "Kết thúc năm 2020"
if command -v curl >/dev/null; then
  printf '\n\033[1m$ curl %s | grep chiso_plans\033[0m\n' "$metrics"
  curl -s "$metrics" | grep '^chiso_plans' || true
fi
