/**
 * `turnkey.unpack` (every 60 s): reads the files Turnkey leaves in Unpack/BAK — ProcessResult verdicts,
 * SummaryResult totals, E0501 allocations — once each (turnkey/unpack.ts). Listing the folder goes through its
 * own circuit breaker, as the hand-off's does: while Turnkey's folder is unreachable, runs are put off without
 * spending a try. A file that cannot be read as its kind is recorded and left; it never fails the run.
 */
import { statSync } from 'node:fs';
import type { Database } from '@app/db';
import { circuitBreakers, type JobHandler } from '@app/jobs';
import { listUnpackFiles, type UnpackDeps, unpackFiles } from '../turnkey/unpack.ts';

/** A run stops taking new files after this long (the job's timeout is JOB_TIMEOUT_MS, 30 s by default). */
const RUN_BUDGET_MS = 20_000;
/** A file younger than this may still be being written (Turnkey's writes are not known to be atomic). */
const SETTLE_MS = 2_000;
/** Files this process has seen; past this many the memory is dropped (the table still knows them). */
const SEEN_MAX = 200_000;

const unpackBreaker = () => circuitBreakers.get({ name: 'turnkey-unpack-folder', failureThreshold: 3, openMs: 30_000 });

export function createTurnkeyUnpackHandler(deps: {
  db: Database;
  root: string | undefined;
  /** The API's services (the E0501 import); without them E0501 files wait. */
  api?: UnpackDeps['api'];
  lookbackDays: number;
  settleMs?: number;
  now?: () => Date;
}): JobHandler<'turnkey.unpack'> {
  const seen = new Set<string>();
  return async (_payload, { signal, log }) => {
    const root = deps.root;
    if (!root) return 'skipped';
    if (seen.size > SEEN_MAX) seen.clear();
    const files = await unpackBreaker().run(async () => {
      // Turnkey's work folder itself must be there (a missing mount is an outage); a missing Unpack/BAK is not.
      if (!statSync(root).isDirectory()) throw new Error(`TURNKEY_ROOT ${root} is not a folder`);
      return listUnpackFiles(root, {
        now: (deps.now ?? (() => new Date()))(),
        lookbackDays: deps.lookbackDays,
        settleMs: deps.settleMs ?? SETTLE_MS,
      });
    });
    const r = await unpackFiles({ db: deps.db, api: deps.api, log, seen, budgetMs: RUN_BUDGET_MS, signal }, files);
    if (r.processed + r.failed > 0) log.info({ ...r }, 'Turnkey result files read');
    return r.processed + r.failed > 0 ? 'done' : 'skipped';
  };
}
