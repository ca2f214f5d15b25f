#!/usr/bin/env bash
# Installs the Debian 12 packages chiso needs to build, test and run, if missing.
# Safe to run repeatedly: it asks apt-get only for what dpkg does not already have.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libhiredis-dev prometheus-cpp-dev libsqlite3-dev libicu-dev
  libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libssl-dev libre2-dev libzip-dev libpugixml-dev
  clang-14 libclang-rt-14-dev
  redis-server curl openssl
  libpq-dev postgresql prometheus
)
# kubectl renders the Kubernetes manifests in the tests. Debian's comes in
# kubernetes-client; a kubectl installed otherwise (e.g. with the Google Cloud
# SDK, whose package owns the same path) serves as well and is left alone.
if ! command -v kubectl >/dev/null 2>&1; then
  packages+=(kubernetes-client)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The postgresql package would create and start a system cluster; the tests
# and the Kubernetes deployment run their own servers.
mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/chiso.conf
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# The packaged redis-server, postgresql and prometheus start system instances
# on systems with systemd; chiso's tests and `make run` start their own on
# ports of their own and need none of them.
if command -v systemctl >/dev/null 2>&1; then
  for unit in redis-server postgresql prometheus; do
    if systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
  done
fi
