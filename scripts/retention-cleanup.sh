#!/usr/bin/env bash
# The worker's maintenance.cleanup job, run once now against DATABASE_URL and the object storage of STORAGE_* / S3_*
# (see scripts/ops/maintenance-job.ts; --help says what it deletes).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/ops/maintenance-job.ts cleanup "$@"
