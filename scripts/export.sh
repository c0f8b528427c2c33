#!/usr/bin/env bash
# Export a tenant for a move to another stack, in maintenance mode, encrypted (scripts/ops/export.ts).
#   scripts/export.sh --help            scripts/export.sh --compose /srv/einvoice/<tenant> [options]
set -euo pipefail
OPS_TOOL=export.ts
source "$(dirname "$0")/lib/ops.sh"
ops_main "$@"
