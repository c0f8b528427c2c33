#!/usr/bin/env bash
# The local stack, one command: PostgreSQL, Redis, the API and the worker on private ports, data under
# .data/ (kept between runs), a demo tenant seeded. Prints the URL and the demo credentials; Ctrl-C stops
# everything. Installs what is missing first (or says exactly what to install).
#   scripts/stack.sh
#   STACK_API_PORT=3400 STACK_PG_PORT=54330 STACK_REDIS_PORT=63800 scripts/stack.sh   # other ports
#   STACK_DATA_DIR=/tmp/d STACK_STATE_DIR=/tmp/s scripts/stack.sh                       # other folders
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bootstrap.sh
bootstrap_all
# node --import tsx rather than `pnpm exec tsx`: the runner is then the terminal's foreground process itself, so
# Ctrl-C reaches it directly and the shell waits until everything is stopped (pnpm exits at once on SIGINT).
exec node --import tsx scripts/stack/run.ts "$@"
