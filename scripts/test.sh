#!/usr/bin/env bash
# The test command: every test, against a throwaway PostgreSQL and Redis that the run starts and stops.
# Usage: scripts/test.sh [vitest args...]   e.g. scripts/test.sh apps/api/test/auth.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/bootstrap.sh
bootstrap_all
rm -f .vitest-results.json
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.vitest-results.json "$@" || status=$?
pnpm exec tsx scripts/test/summary.ts .vitest-results.json || status=$?
exit $status
