#!/usr/bin/env bash
# The tenant's backup: database, stored objects, Turnkey folder, config → one .tar.gz (scripts/ops/backup.ts).
#   scripts/backup.sh --help            scripts/backup.sh --compose /srv/einvoice/<tenant> [options]
set -euo pipefail
OPS_TOOL=backup.ts
source "$(dirname "$0")/lib/ops.sh"
ops_main "$@"
