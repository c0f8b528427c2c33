#!/usr/bin/env bash
# The worker's maintenance.cleanup job, run once now against DATABASE_URL (see scripts/ops/maintenance-job.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/ops/maintenance-job.ts cleanup "$@"
