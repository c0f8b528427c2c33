#!/usr/bin/env bash
# Archive the invoice months past the hot window now, as the worker's maintenance.archive job does
# (see scripts/ops/archive-restore.ts; --help).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/ops/archive-restore.ts archive -- "$@"
