#!/usr/bin/env bash
# Starts the suite locally: a redis-server on 6390 (the reminder queue) with its
# data under var/redis, and every service on its default ports with its SQLite
# file under var/.
# Secured like production: TLS with mutual TLS and API keys, from the local CA,
# certificates and keys scripts/secrets.sh makes once under var/secrets/
# (chisoctl finds them there). CHISO_PLAINTEXT=1 (make run-plaintext) starts
# the suite without TLS and without authentication instead: local development
# only.
# Logs (one JSON object per line) go to var/log/. Ctrl-C stops everything.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CHISO_BIN:-$root/build/release}
var=${CHISO_VAR:-$root/var}
host=${CHISO_HOST:-127.0.0.1}
secrets=$var/secrets
case "${CHISO_PLAINTEXT:-}" in
  1 | true | yes) plaintext=1 ;;
  *) plaintext=0 ;;
esac
mkdir -p "$var/redis" "$var/log"
if [ "$plaintext" = 0 ]; then
  CHISO_TOKEN_BIN=$bin/tools/chiso-token/chiso-token bash "$root/scripts/secrets.sh" "$secrets"
fi

# name grpc_port metrics_port binary
services=(
  "plan 50051 9101 services/plan/chiso-plan"
  "assignment 50052 9102 services/assignment/chiso-assignment"
  "scoring 50053 9103 services/scoring/chiso-scoring"
  "notification 50054 9104 services/notification/chiso-notification"
)
redis_port=6390

pids=()
names=()
stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  # A second Ctrl-C while the services drain must not leave them orphaned.
  trap '' INT TERM
  echo
  echo "chiso: stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "chiso: stopped"
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {  # name host port pid
  for _ in $(seq 1 100); do
    if port_open "$2" "$3"; then return 0; fi
    if ! kill -0 "$4" 2>/dev/null; then
      echo "chiso: $1 exited during start; last lines of its log:" >&2
      tail -n 20 "$var/log/$1.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "chiso: $1 did not open port $3 within 10 s (see $var/log/$1.log)" >&2
  return 1
}

for entry in "${services[@]}"; do
  read -r name port mport _ <<<"$entry"
  for p in "$port" "$mport"; do
    if port_open 127.0.0.1 "$p"; then
      echo "chiso: port $p (needed by $name) is already in use; stop what holds it and retry" >&2
      exit 1
    fi
  done
done
if port_open 127.0.0.1 "$redis_port"; then
  echo "chiso: port $redis_port (needed by redis) is already in use" >&2
  exit 1
fi

redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$var/redis" \
  --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
  --save "" --logfile "$var/log/redis.log" --daemonize no &
pids+=($!); names+=(redis)
wait_port redis 127.0.0.1 "$redis_port" "${pids[-1]}"

for entry in "${services[@]}"; do
  read -r name port mport binary <<<"$entry"
  case "$name" in
    # Scoring keeps no reminders; it reads plans and the directory.
    scoring) extra=(--plan_addr="127.0.0.1:50051" --assignment_addr="127.0.0.1:50052") ;;
    *) extra=(--redis="127.0.0.1:$redis_port") ;;
  esac
  if [ "$plaintext" = 1 ]; then
    security=(--plaintext --auth=off)
  else
    # TLS with this service's certificate, client certificates required
    # (mutual TLS), callers authenticated by the API keys of api_keys.yaml;
    # calls to other services present the service's own key.
    security=(--tls_cert_file="$secrets/$name.pem" --tls_key_file="$secrets/$name.key"
      --tls_ca_file="$secrets/ca.pem" --tls_client_ca_file="$secrets/ca.pem"
      --auth=required --api_keys_file="$secrets/api_keys.yaml")
    if [ -f "$secrets/$name.token" ]; then
      security+=(--call_credential_file="$secrets/$name.token")
    fi
  fi
  # --database_url= keeps the embedded SQLite file even when the shell has
  # CHISO_DATABASE_URL set (it would name one database for all four).
  # --probe_listen= : no separate health port locally.
  "$bin/$binary" --listen="$host:$port" --metrics_listen="$host:$mport" \
    --data_dir="$var" --database_url= --drain_grace=1s --probe_listen= "${security[@]}" \
    "${extra[@]}" 2>>"$var/log/$name.log" &
  pids+=($!); names+=("$name")
  wait_port "$name" 127.0.0.1 "$port" "${pids[-1]}"
done

echo "chiso is running (Ctrl-C stops it):"
printf '  %-13s %-22s %s\n' "redis" "127.0.0.1:$redis_port" "data $var/redis"
for entry in "${services[@]}"; do
  read -r name port mport _ <<<"$entry"
  printf '  %-13s grpc %-17s metrics http://%s:%s/metrics   data %s/%s.db\n' \
    "$name" "$host:$port" "$host" "$mport" "$var" "$name"
done
echo "  logs          $var/log/"
if [ "$plaintext" = 1 ]; then
  echo "  transport     PLAINTEXT, no authentication (local development only)"
  echo "  try:          CHISO_PLAINTEXT=1 $bin/tools/chisoctl/chisoctl plan list"
else
  echo "  transport     TLS, client certificates required (mutual TLS), API keys"
  echo "  secrets       $secrets/ (CA, certificates, keys; chisoctl.token: administrator)"
  echo "  try:          cd $root && $bin/tools/chisoctl/chisoctl plan list"
  echo "                (elsewhere: export CHISO_SECRETS_DIR=$secrets)"
fi

# Stop everything as soon as any process ends on its own.
set +e
wait -n "${pids[@]}"
rc=$?
if [ "$stopping" = 0 ]; then
  echo "chiso: a process exited (status $rc); see $var/log/" >&2
  exit 1
fi
