#!/usr/bin/env bash
# Restore an archived invoice month, or list the archives (see scripts/ops/archive-restore.ts; --help).
# "--": Node 20 itself reads an --env-file anywhere on its command line; after "--" the argument is the script's.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/ops/archive-restore.ts restore -- "$@"
