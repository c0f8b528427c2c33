#!/usr/bin/env bash
# Shared by backup.sh, restore.sh, export.sh, import.sh: run a tool of scripts/ops/ either here — the local stack,
# or any machine that reaches the tenant's database and storage (--env-file) — or, with `--compose DIR` as the first
# argument, inside the tenant's Compose project made by install.sh (the app image carries pg_dump 16). In Compose,
# paths given to --out, --passphrase-file, --work-dir and the archive are relative to the tenant folder DIR.
# Sourced; the caller sets OPS_TOOL (e.g. backup.ts) and optionally OPS_MODE (restore|import). Also gives
# install.sh and update.sh wait_http.
set -euo pipefail

ops_compose() {
  local dir=$1
  shift
  [ -f "$dir/docker-compose.yml" ] && [ -f "$dir/deploy/.env" ] || {
    echo "$dir is not a tenant folder (no docker-compose.yml and deploy/.env); see scripts/install.sh" >&2
    exit 2
  }
  command -v docker >/dev/null || { echo "docker is not installed on this machine" >&2; exit 1; }
  local args=() expect=""
  for a in "$@"; do
    if [ -n "$expect" ]; then
      case "$a" in /*) args+=("$a") ;; *) args+=("/tenant/$a") ;; esac
      expect=""
      continue
    fi
    case "$a" in
      --out | --passphrase-file | --work-dir) expect=1; args+=("$a") ;;
      -*) args+=("$a") ;;
      *) case "$a" in /*) args+=("$a") ;; *) args+=("/tenant/$a") ;; esac ;;
    esac
  done
  # The app container's own environment has DATABASE_URL and the storage settings; deploy/.env is the config carried.
  # The Turnkey folder is the worker's volume: mounted here too, where TURNKEY_ROOT says (docker-compose.yml).
  local root
  root=$(sed -n 's/^TURNKEY_ROOT=//p' "$dir/deploy/.env" | tail -n 1)
  root=${root:-/srv/turnkey}
  docker compose --project-directory "$dir" --env-file "$dir/deploy/.env" run --rm --no-deps -T \
    -v "$(cd "$dir" && pwd):/tenant" -v "$(cd "$dir" && pwd)/data/turnkey:$root" -e TURNKEY_ROOT="$root" api \
    node --import tsx "scripts/ops/$OPS_TOOL" ${OPS_MODE:+"$OPS_MODE"} -- --config /tenant/deploy/.env "${args[@]}"
}

ops_main() {
  if [ "${1:-}" = "--compose" ]; then
    [ -n "${2:-}" ] || { echo "--compose needs the tenant folder" >&2; exit 2; }
    local dir=$2
    shift 2
    ops_compose "$dir" "$@"
    return
  fi
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  # `--` first: Node 20 would take a later --env-file for its own option (and fail when the file is missing).
  exec node --import tsx "scripts/ops/$OPS_TOOL" ${OPS_MODE:+"$OPS_MODE"} -- "$@"
}

wait_http() { # wait_http URL SECONDS: 0 once URL answers 200 (a self-signed certificate is accepted: it is our own)
  NODE_TLS_REJECT_UNAUTHORIZED=0 node --no-warnings -e '
    const [url, seconds] = process.argv.slice(1);
    const until = Date.now() + Number(seconds) * 1000;
    let last = "no answer";
    (async () => {
      while (Date.now() < until) {
        try {
          const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
          if (r.status === 200) process.exit(0);
          last = "HTTP " + r.status;
        } catch (e) { last = e.cause?.code ?? e.message; }
        await new Promise((r) => setTimeout(r, 1000));
      }
      console.error(`${url} did not answer 200 within ${seconds} s (last: ${last})`);
      process.exit(1);
    })();' "$1" "$2"
}
