#!/usr/bin/env bash
# The whole product in one minute, against a running suite (start it with
# `make run` in another terminal):
#   1. create the units a plan document names (a district and its divisions);
#   2. read the plan document (KẾ HOẠCH) and show the review: objectives,
#      tasks, units resolved or not, warnings;
#   3. commit it: the draft plan and one task per lead unit;
#   4. issue it, record the previous year's DDCI results of its peer group,
#      and print the scorecard (each target met or not, the gap, who leads);
#   5. the overdue tasks at a chosen date, and the next reminders to be sent.
# The document is seed plan 003 (Cao Lộc, DDCI 2024) when ../shared/seeds is
# present, else docs/examples/ke-hoach-ddci-2024.txt (DOC=… picks another,
# with UNITS=… and ENTITY=…). Safe to repeat: each run creates its own units.
# Calls are made as the operator of var/secrets/ (an administrator).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ctl=${CHISOCTL:-$root/build/release/tools/chisoctl/chisoctl}
[ -x "$ctl" ] || { echo "demo: $ctl not built; run make build (or make run)" >&2; exit 1; }
export CHISO_PLAN_ADDR=${CHISO_PLAN_ADDR:-localhost:50051}
export CHISO_ASSIGNMENT_ADDR=${CHISO_ASSIGNMENT_ADDR:-localhost:50052}
export CHISO_SCORING_ADDR=${CHISO_SCORING_ADDR:-localhost:50053}
export CHISO_NOTIFICATION_ADDR=${CHISO_NOTIFICATION_ADDR:-localhost:50054}
# The suite of `make run` is secured with the CA, certificates and API key
# under var/secrets/, which chisoctl reads from CHISO_SECRETS_DIR. Against
# `make run-plaintext`: CHISO_PLAINTEXT=1 make demo.
export CHISO_SECRETS_DIR=${CHISO_SECRETS_DIR:-$root/var/secrets}
as_of=${AS_OF:-1/10/2024}

seed="$root/../shared/seeds/003_0410ebe3e2087fe0.txt"
if [ -z "${DOC:-}" ] && [ -f "$seed" ]; then
  DOC=$seed UNITS=$root/docs/examples/cao-loc-units.csv ENTITY="UBND huyện Cao Lộc"
fi
doc=${DOC:-$root/docs/examples/ke-hoach-ddci-2024.txt}
units=${UNITS:-$root/docs/examples/minh-son-units.csv}
entity=${ENTITY:-UBND huyện Minh Sơn}

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
note() { printf '\n\033[2m# %s\033[0m\n' "$*"; }

# Units: the example's codes with a suffix of this run, so a repeated demo
# makes a fresh district instead of clashing with the last one.
run=$(( $(date +%s) % 100000 ))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -E "2,\$ s/(^|,)([A-Z]+)(-[A-Z]+)?,/\1\2\3-$run,/g" "$units" > "$tmp/units.csv"
top=$(sed -n '2p' "$tmp/units.csv" | cut -d, -f1)

note "1. The district and its divisions (the directory the document's names resolve in)"
step "$ctl" unit import "$tmp/units.csv"
issuer=$("$ctl" --json unit get "$top" | grep -o '"name": *"units/[^"]*"' | head -n1 |
  sed 's/.*"\(units\/[^"]*\)"/\1/')

note "2. Read the plan document: what chiso understood, line by line"
step "$ctl" plan import "$doc" --issuer-unit "$issuer"

note "3. Commit: the draft plan, and one task per lead unit"
printf '\n\033[1m$ %s\033[0m\n' "$ctl plan import $doc --commit --issuer-unit $issuer"
"$ctl" plan import "$doc" --commit --issuer-unit "$issuer" | tee "$tmp/commit.txt"
plan=$(grep -o 'plans/[0-9a-z]*' "$tmp/commit.txt" | head -n1)
[ -n "$plan" ] || { echo "demo: the plan was not saved" >&2; exit 1; }

note "4. Issue it, record the peer group's 2023 results, and judge the targets"
step "$ctl" plan issue "$plan" --number "$(( run % 900 + 100 ))/KH-UBND" --issued-on 12/3/2024
step "$ctl" results import "$root/docs/examples/ddci-2023-districts.csv" --replace
step "$ctl" scorecard "$plan" --entity "$entity" --year 2023

note "5. Where the district stands on $as_of, and the next reminders to be sent"
step "$ctl" unit summary "$issuer" --subtree --plan "$plan" --as-of "$as_of"
step "$ctl" plan progress "$plan" --as-of "$as_of"
# The assignment and plan services keep the plan's reminders on the queue;
# these are the next ones the notification service will deliver.
sleep 2
step "$ctl" queue pending --plan "$plan" --limit 12
step "$ctl" queue stats
