#!/usr/bin/env bash
# A diagnostic bundle for support, secrets removed (see scripts/ops/export-diagnostic.ts; --help).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/ops/export-diagnostic.ts -- "$@"
