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
  redis-server curl
)

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
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# The packaged redis-server starts a system instance on 6379 on some systems;
# chiso runs its own instances and does not need it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
