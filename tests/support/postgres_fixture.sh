#!/usr/bin/env bash
# Starts or stops a private PostgreSQL server for the tests.
#
#   postgres_fixture.sh start STATE_DIR   initdb + start on a free loopback port;
#                                         writes STATE_DIR/url (a superuser URL)
#   postgres_fixture.sh stop STATE_DIR    stops it and removes its files
#
# ctest runs `start` once before the tests that need PostgreSQL and `stop`
# after them (a fixture); a test run by hand starts its own through this
# script. The data lives in a fresh directory under ${TMPDIR:-/tmp}, tuned
# for speed over durability (fsync off): it is thrown away after the run.
# initdb refuses to run as root, so as root the server runs as `postgres`.
set -euo pipefail

cmd=${1:-}
state=${2:-}
if [ -z "$cmd" ] || [ -z "$state" ]; then
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 2
fi

bindir=${CHISO_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && bindir=$d
  done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "postgres_fixture: PostgreSQL server binaries not found (install the postgresql package)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# As root the server runs as `postgres`, which must be able to reach files
# through "/". A root directory without search permission for others (seen
# in a chroot made with mktemp -d) makes every exec as postgres fail with
# "Permission denied"; give others search permission on "/" only.
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- true 2>/dev/null; then
  echo "postgres_fixture: / is not searchable by other users ($(stat -c %A /)); adding o+x" >&2
  chmod o+x /
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$cmd" in
start)
  mkdir -p "$state"
  if [ -f "$state/url" ] && [ -f "$state/datadir" ] &&
     as_owner "$bindir/pg_ctl" -D "$(cat "$state/datadir")/data" status >/dev/null 2>&1; then
    exit 0  # already running (a rerun of the fixture)
  fi
  data=$(mktemp -d "${TMPDIR:-/tmp}/chiso-pg.XXXXXX")
  echo "$data" >"$state/datadir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data"; fi
  chmod 700 "$data"
  as_owner "$bindir/initdb" -D "$data/data" -U chiso -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    port_open "$port" || break
  done
  opts="-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200"
  if [ "${CHISO_PG_DURABLE:-0}" != 1 ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_owner "$bindir/pg_ctl" -D "$data/data" -l "$data/server.log" -w -t 60 -o "$opts" \
    start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
  echo "postgresql://chiso@127.0.0.1:$port/postgres" >"$state/url"
  ;;
stop)
  if [ -f "$state/datadir" ]; then
    data=$(cat "$state/datadir")
    as_owner "$bindir/pg_ctl" -D "$data/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$data"
  fi
  rm -f "$state/url" "$state/datadir"
  ;;
*)
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 2
  ;;
esac
