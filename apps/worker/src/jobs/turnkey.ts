/**
 * The jobs of the Turnkey pipeline (docs/turnkey.md): `turnkey.handoff` drains due messages into Turnkey's
 * SRC folders; `turnkey.results` reads Turnkey's verdicts back. Each run works until nothing is left or
 * its time is nearly up (the job's hard timeout is 30 s); several may run at once.
 *
 * Both go through a circuit breaker: while Turnkey's folder or database is unreachable, runs are put off
 * (without spending a try) instead of failing every message — an outage must not turn messages dead.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRenderer } from '@app/api/services';
import type { Database } from '@app/db';
import { circuitBreakers, EVENTS, type JobHandler } from '@app/jobs';
import type { XsdValidator } from '@app/xsd';
import { sql } from 'kysely';
import { createPool, type Pool } from 'mysql2/promise';
import { removeStaleTemps } from '../turnkey/files.ts';
import { handOffBatch } from '../turnkey/handoff.ts';
import { pollResults } from '../turnkey/results.ts';

/** A run stops taking new batches after this long (the job's timeout is JOB_TIMEOUT_MS, 30 s by default). */
const RUN_BUDGET_MS = 20_000;

const folderBreaker = () => circuitBreakers.get({ name: 'turnkey-folder', failureThreshold: 3, openMs: 30_000 });
const databaseBreaker = () =>
  circuitBreakers.get({ name: 'turnkey-database', failureThreshold: 3, openMs: 30_000, callTimeoutMs: 15_000 });

/** Turnkey's work folder is there and writable (a missing mount or share is an outage, not a bad message). */
function probeFolder(root: string): void {
  if (!statSync(root).isDirectory()) throw new Error(`TURNKEY_ROOT ${root} is not a folder`);
  accessSync(root, constants.W_OK);
  const upcast = join(root, 'UpCast');
  try {
    accessSync(upcast, constants.W_OK);
  } catch (e) {
    // A fresh Turnkey folder has no UpCast yet: the hand-off creates it.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export function createTurnkeyHandoffHandler(deps: {
  db: Database;
  root: string | undefined;
  validator: XsdValidator | null;
  batchSize: number;
  /** Batches in flight at once (while one is validated in a worker thread, another is built or written). */
  lanes: number;
  /** How long a claimed batch is this process's (TURNKEY_HANDOFF_LEASE_SECONDS). */
  leaseMs?: number;
}): JobHandler<'turnkey.handoff'> {
  const render = createRenderer(deps.db);
  return async (_payload, { signal, log }) => {
    const root = deps.root;
    if (!root) return 'skipped';
    const started = Date.now();
    let delivered = 0;
    // Temp files of a hand-off whose process died mid-write (an hour old: no write takes that long).
    const stale = await folderBreaker().run(() => removeStaleTemps(root, 3_600_000));
    if (stale > 0) log.info({ removed: stale }, 'removed temp files left by an interrupted hand-off');
    const lane = async () => {
      for (;;) {
        signal.throwIfAborted();
        const r = await folderBreaker().run(async () => {
          probeFolder(root);
          return handOffBatch({
            db: deps.db,
            root,
            render,
            batchSize: deps.batchSize,
            ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}),
            ...(deps.validator ? { validate: deps.validator.validate.bind(deps.validator) } : {}),
          });
        });
        delivered += r.delivered;
        if (r.invalid + r.dead > 0) log.warn({ invalid: r.invalid, dead: r.dead }, 'Turnkey messages could not be handed off');
        if (r.claimed === 0 || Date.now() - started > RUN_BUDGET_MS) break;
      }
    };
    // Every lane ends before the run does (a failed one stops the others at their next batch via the breaker).
    const ends = await Promise.allSettled(Array.from({ length: Math.max(1, deps.lanes) }, lane));
    const failed = ends.find((e) => e.status === 'rejected');
    if (failed) throw failed.reason;
    return delivered > 0 ? 'done' : 'skipped';
  };
}

export function createTurnkeyResultsHandler(deps: {
  db: Database;
  turnkeyDbUrl: string | undefined;
}): JobHandler<'turnkey.results'> {
  let pool: Pool | null = null;
  return async (_payload, { signal }) => {
    if (!deps.turnkeyDbUrl) return 'skipped';
    pool ??= createPool({ uri: deps.turnkeyDbUrl, connectionLimit: 2, connectTimeout: 10_000, dateStrings: true });
    const turnkey = pool;
    const started = Date.now();
    let settled = 0;
    for (;;) {
      signal.throwIfAborted();
      const r = await databaseBreaker().run(() => pollResults({ db: deps.db, turnkey }));
      settled += r.accepted + r.rejected;
      // Only delivered messages still waiting are left: stop until the next run.
      if (r.accepted + r.rejected === 0 || Date.now() - started > RUN_BUDGET_MS) break;
    }
    return settled > 0 ? 'done' : 'skipped';
  };
}

/**
 * The deadline watch: messages not accepted after most of their upload limit — B2C 48 h, B2B (the buyer
 * has a BAN) 7 days, counted from when the message was queued — get `at_risk_at` and one DeadlineAtRisk
 * event, in one statement per batch, so each fires once whatever the retries.
 */
export function createTurnkeyDeadlinesHandler(deps: {
  db: Database;
  b2cHours: number;
  b2bHours: number;
}): JobHandler<'turnkey.deadlines'> {
  return async () => {
    const r = await sql<{ n: number }>`
      WITH risky AS (
        SELECT m.id, m.message_type, m.identifier, m.seller_id, m.status, m.created_at,
               (i.buyer_ban IS NOT NULL OR a.buyer_ban IS NOT NULL) AS b2b
          FROM turnkey_messages m
          LEFT JOIN invoices i ON i.id = m.invoice_id AND i.invoice_date = m.invoice_date
          LEFT JOIN allowances a ON a.id = m.allowance_id
         WHERE m.status <> 'accepted' AND m.at_risk_at IS NULL
           AND m.created_at <= now() - make_interval(hours => ${deps.b2cHours}::int)
           AND m.created_at <= now() - make_interval(hours => CASE WHEN i.buyer_ban IS NOT NULL OR a.buyer_ban IS NOT NULL
                                                                   THEN ${deps.b2bHours}::int ELSE ${deps.b2cHours}::int END)
         ORDER BY m.id
         LIMIT 5000
         FOR UPDATE OF m SKIP LOCKED
      ),
      flagged AS (
        UPDATE turnkey_messages t SET at_risk_at = now(), updated_at = now() FROM risky WHERE t.id = risky.id RETURNING t.id
      ),
      events AS (
        INSERT INTO sys_outbox (event_type, event_version, aggregate_type, aggregate_id, payload)
        SELECT 'DeadlineAtRisk', ${EVENTS.DeadlineAtRisk.version}, 'turnkey_message', risky.id::text,
               jsonb_build_object('messageId', risky.id::text, 'messageType', risky.message_type,
                                  'identifier', risky.identifier, 'sellerId', risky.seller_id, 'status', risky.status,
                                  'b2b', risky.b2b, 'createdAt', to_jsonb(risky.created_at) #>> '{}',
                                  'deadline', to_jsonb(risky.created_at + CASE WHEN risky.b2b THEN interval '7 days'
                                                                              ELSE interval '48 hours' END) #>> '{}')
          FROM risky JOIN flagged USING (id)
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM events`.execute(deps.db);
    return (r.rows[0]?.n ?? 0) > 0 ? 'done' : 'skipped';
  };
}
