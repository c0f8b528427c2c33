#!/usr/bin/env bash
# Restore a backup made by backup.sh (or, as import.sh, an export), verified before anything is replaced (scripts/ops/restore.ts).
#   scripts/restore.sh --help            scripts/restore.sh --compose /srv/einvoice/<tenant> <archive> [options]
# In Compose the API, the worker and nginx are stopped around it and started again afterwards.
set -euo pipefail
OPS_TOOL=restore.ts
OPS_MODE=${OPS_MODE:-restore}
source "$(dirname "$0")/lib/ops.sh"
if [ "${1:-}" = "--compose" ] && [ -n "${2:-}" ] && [[ " $* " == *" --yes "* ]]; then
  dir=$2
  compose=(docker compose --project-directory "$dir" --env-file "$dir/deploy/.env")
  "${compose[@]}" up -d --wait db redis minio
  "${compose[@]}" stop nginx api worker
  status=0
  ops_main "$@" || status=$?
  "${compose[@]}" up -d --wait db redis minio api worker nginx || status=${status/#0/4}
  exit "$status"
fi
ops_main "$@"
