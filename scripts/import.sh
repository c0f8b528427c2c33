#!/usr/bin/env bash
# Import a tenant exported by export.sh into this (new) stack, verified before anything is replaced: restore.sh in
# import mode (scripts/ops/restore.ts import; docs/migration-playbook.md).
#   scripts/import.sh --help            scripts/import.sh --compose /srv/einvoice/<tenant> <archive> [options]
OPS_MODE=import exec "$(dirname "$0")/restore.sh" "$@"
