#!/usr/bin/env bash
# The worker's maintenance.slow_queries job (the slow-query report into sys_ops_reports), run once now against
# DATABASE_URL (see scripts/ops/maintenance-job.ts). Exit 3: the report alerts (a statement over SLOW_QUERY_ALERT_MS).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/ops/maintenance-job.ts slow-queries "$@"
