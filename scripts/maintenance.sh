#!/usr/bin/env bash
# Maintenance (read-only) mode from the shell: status | on [reason…] | off. See scripts/ops/maintenance.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/ops/maintenance.ts "$@"
