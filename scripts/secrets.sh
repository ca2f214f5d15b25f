#!/usr/bin/env bash
# The secrets of a local suite, made once under DIR (default var/secrets) and
# kept: remove a file to make it again (removing ca.pem makes every
# certificate again).
#
#   ca.pem, ca.key                 a local CA (10 years), trusted by services and chisoctl
#   <service>.pem, <service>.key   per service (plan, assignment, scoring, notification):
#                                  CN chiso-<service>, SAN localhost, 127.0.0.1 and the
#                                  service's names in Kubernetes (<service>,
#                                  <service>.chiso.svc, …), for serving and as client
#                                  certificate (mutual TLS)
#   chisoctl.pem, chisoctl.key     chisoctl's client certificate (CN chisoctl)
#   chisoctl.token                 the operator's API key (systems/chisoctl, administrator)
#   assignment.token, scoring.token
#                                  the services' own API keys (kind service, role system;
#                                  scopes "read units.sync" and "read")
#   api_keys.yaml                  the SHA-256 of the three keys (--api_keys_file)
#
# Keys and tokens are 0600, the directory 0700.
# Usage: scripts/secrets.sh [DIR]   (CHISO_TOKEN_BIN: the chiso-token binary)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/var/secrets}
token_bin=${CHISO_TOKEN_BIN:-$root/build/release/tools/chiso-token/chiso-token}
services=(plan assignment scoring notification)
days=825

umask 077
mkdir -p "$dir"
chmod 700 "$dir"
command -v openssl >/dev/null || { echo "secrets: openssl is not installed" >&2; exit 1; }

made=()
if [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -subj "/CN=chiso local CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  # Certificates of an earlier CA would not verify: make them all again.
  for name in "${services[@]}" chisoctl; do rm -f "$dir/$name.pem" "$dir/$name.key"; done
  made+=(ca.pem)
fi

issue() {  # name common-name [extra subjectAltName entries]
  local name=$1 cn=$2 sans="DNS:localhost,IP:127.0.0.1${3:+,$3}"
  [ -s "$dir/$name.pem" ] && [ -s "$dir/$name.key" ] && return 0
  local ext csr
  ext=$(mktemp) csr=$(mktemp)
  printf '%s\n' "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=$sans" >"$ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$name.key" \
    -out "$csr" -subj "/CN=$cn" 2>/dev/null
  openssl x509 -req -days "$days" -in "$csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$ext" "$csr"
  made+=("$name.pem")
}
for name in "${services[@]}"; do
  issue "$name" "chiso-$name" \
    "DNS:$name,DNS:$name.chiso,DNS:$name.chiso.svc,DNS:$name.chiso.svc.cluster.local"
done
issue chisoctl chisoctl

# API keys: the key goes to <name>.token, its hash to api_keys.yaml. All
# three are made together so the file always matches the tokens.
if [ ! -s "$dir/api_keys.yaml" ] || [ ! -s "$dir/chisoctl.token" ] ||
  [ ! -s "$dir/assignment.token" ] || [ ! -s "$dir/scoring.token" ]; then
  [ -x "$token_bin" ] || { echo "secrets: $token_bin not built (make build)" >&2; exit 1; }
  entries=$(mktemp)
  key() {  # token-file chiso-token-arguments…
    local file=$1 out
    shift
    out=$("$token_bin" api-key "$@")
    printf '%s\n' "$out" | head -n1 >"$dir/$file"
    printf '%s\n' "$out" | tail -n +2 | grep -v '^#' >>"$entries"
  }
  key chisoctl.token --id operator --sub systems/chisoctl --kind system --unit units/local \
    --roles administrator
  key assignment.token --id assignment --sub services/assignment --kind service --roles system \
    --scopes "read units.sync"
  key scoring.token --id scoring --sub services/scoring --kind service --roles system \
    --scopes read
  { echo "# Made by scripts/secrets.sh: the keys in *.token, their SHA-256 here."
    echo "keys:"
    cat "$entries"; } >"$dir/api_keys.yaml"
  rm -f "$entries"
  made+=(api_keys.yaml chisoctl.token assignment.token scoring.token)
fi
chmod 600 "$dir"/*.key "$dir"/*.token

if [ "${#made[@]}" -gt 0 ]; then
  echo "chiso: made in $dir: ${made[*]}"
fi
