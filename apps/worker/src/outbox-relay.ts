/**
 * The outbox relay: moves committed sys_outbox rows to BullMQ as `event.dispatch` jobs.
 *
 * Each pass, in one transaction: lock up to `batchSize` undispatched rows (oldest first, SKIP LOCKED so
 * several relays share the work without waiting or doubling), add them with one addBulk under job id
 * `outbox-<event id>` to the queue of event.dispatch's class (P2), then mark them dispatched. If Redis
 * is down the transaction rolls back, the rows stay undispatched, the failure is noted on the rows
 * (separately) and logged once per outage, and the loop backs off and tries again until Redis returns.
 * If the process dies after addBulk but before the commit, the next pass adds the same job ids again,
 * which BullMQ ignores: no event is lost or doubled.
 */
import type { Database } from '@app/db';
import { JOBS, jobOptions, outboxJobId, runWithTimeout } from '@app/jobs';
import type { Logger } from '@app/logger';
import type { Queue } from 'bullmq';
import { sql } from 'kysely';
import { createOutageLog } from './lib/outage-log.ts';
import { sleep } from './lib/sleep.ts';

export type OutboxRelayOptions = {
  db: Database;
  /** The queue of event.dispatch's priority class (queues[queueFor('event.dispatch')]). */
  queue: Queue;
  log: Logger;
  /** OUTBOX_BATCH_SIZE: rows per transaction. */
  batchSize: number;
  /** OUTBOX_POLL_MS: pause when there was nothing (or less than a full batch) to relay. */
  pollMs: number;
  /** Longest pause between tries while Redis or the database fails (default 5 s). */
  maxBackoffMs?: number;
  /** Upper bound of one addBulk; the batch's row locks are held meanwhile (default 10 s). */
  enqueueTimeoutMs?: number;
  /** Whether the queue's Redis connection is up; when not, a pass fails without waiting on Redis. */
  isReady?: () => boolean;
  /** At start, wait this long for `isReady` before the first pass, so a normal boot logs no outage (default 5 s). */
  startupGraceMs?: number;
  /** Runs after the jobs are in Redis and before the rows are marked (tests simulate a crash here). */
  afterEnqueue?: (ids: string[]) => Promise<void>;
  /** Told the ids of every batch this relay committed. */
  onDispatched?: (ids: string[]) => void;
};

export type OutboxRelay = {
  start(): void;
  /** Finish the pass in progress and stop. */
  stop(): Promise<void>;
  /** One pass; returns how many rows it dispatched. Throws when Redis or the database fails. */
  relayOnce(): Promise<number>;
  isRunning(): boolean;
};

class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

const MAX_ERROR_LENGTH = 1_000;

export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { db, queue, log, batchSize, pollMs } = opts;
  const maxBackoffMs = Math.max(pollMs, opts.maxBackoffMs ?? 5_000);
  const enqueueTimeoutMs = opts.enqueueTimeoutMs ?? 10_000;
  const outage = createOutageLog(log, 'outbox relay');
  const eventDispatch = JOBS['event.dispatch'];

  /** Note a failed pass on its rows, outside the rolled-back transaction; rows another relay holds are skipped. */
  async function recordFailure(ids: string[], err: unknown): Promise<void> {
    const message = String((err as Error)?.message ?? err).slice(0, MAX_ERROR_LENGTH);
    await db
      .updateTable('sys_outbox')
      .set({ dispatch_attempts: sql`dispatch_attempts + 1`, last_error: message })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('sys_outbox')
          .select('id')
          .where('id', 'in', ids)
          .where('dispatched_at', 'is', null)
          .forUpdate()
          .skipLocked(),
      )
      .execute();
  }

  async function relayOnce(): Promise<number> {
    let claimed: string[] = [];
    try {
      const dispatched = await db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('sys_outbox')
          .select(['id', 'event_id', 'event_type'])
          .where('dispatched_at', 'is', null)
          .orderBy('id')
          .limit(batchSize)
          .forUpdate()
          .skipLocked()
          .execute();
        if (rows.length === 0) return [];
        claimed = rows.map((r) => r.id);
        if (opts.isReady && !opts.isReady()) throw new RedisUnavailableError('Redis is not connected');
        const jobs = rows.map((r) => ({
          name: 'event.dispatch' as const,
          data: eventDispatch.payload.parse({ outboxId: r.id, eventId: r.event_id, eventType: r.event_type }),
          opts: jobOptions('event.dispatch', { jobId: outboxJobId(r.event_id) }),
        }));
        await runWithTimeout(() => queue.addBulk(jobs), enqueueTimeoutMs, { what: 'outbox enqueue' });
        await opts.afterEnqueue?.(claimed);
        await trx
          .updateTable('sys_outbox')
          .set({ dispatched_at: sql`now()`, dispatch_attempts: sql`dispatch_attempts + 1` })
          .where('id', 'in', claimed)
          .execute();
        return claimed;
      });
      if (dispatched.length > 0) opts.onDispatched?.(dispatched);
      return dispatched.length;
    } catch (err) {
      if (claimed.length > 0) {
        await recordFailure(claimed, err).catch((e) => log.debug({ err: e }, 'could not record the outbox failure'));
      }
      throw err;
    }
  }

  let running = false;
  let loop: Promise<void> | null = null;
  const stopper = new AbortController();

  async function run(): Promise<void> {
    const graceUntil = Date.now() + (opts.startupGraceMs ?? 5_000);
    while (opts.isReady && !opts.isReady() && Date.now() < graceUntil && !stopper.signal.aborted) {
      await sleep(Math.min(pollMs, 50), stopper.signal);
    }
    let failures = 0;
    while (!stopper.signal.aborted) {
      let wait = pollMs;
      try {
        const n = await relayOnce();
        failures = 0;
        if (n > 0) outage.recovered(); // an empty pass never touched Redis: no evidence it is back
        if (n >= batchSize) wait = 0;
      } catch (err) {
        failures++;
        outage.failed(err);
        wait = Math.min(maxBackoffMs, pollMs * 2 ** failures);
      }
      if (wait > 0) await sleep(wait, stopper.signal);
    }
  }

  return {
    start() {
      if (loop) return;
      running = true;
      loop = run().finally(() => {
        running = false;
      });
    },
    async stop() {
      stopper.abort();
      await loop;
    },
    relayOnce,
    isRunning: () => running,
  };
}
