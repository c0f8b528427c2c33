/**
 * The worker's side of maintenance (read-only) mode. The API refuses writes while it is on; the worker must
 * stop writing too, or an export or an upgrade would miss what it wrote after the dump. Every `pollMs` this:
 *
 * - reads the tenant's maintenance flag (sys_maintenance);
 * - on → pauses every job worker (BullMQ waits for the running jobs to finish, then fetches no more), and only
 *   then records `paused_at` for the maintenance that began at `changed_at`; off → resumes them;
 * - writes its heartbeat row (sys_worker_heartbeats) and touches WORKER_HEARTBEAT_FILE for the container
 *   healthcheck — also while paused, since a paused worker is healthy.
 *
 * The outbox relay keeps running: with the API read-only and the jobs paused nothing new is written to the
 * outbox, and events it moves to Redis meanwhile wait in the paused queues (an import marks every event not yet
 * processed as not dispatched, so the new stack sends it again: scripts/ops/backup-lib.ts).
 * The scripts wait with `waitForPausedWorkers` below.
 */
import { closeSync, openSync, utimesSync } from 'node:fs';
import type { Database } from '@app/db';
import { WORKER_HEARTBEAT_STALE_SECONDS } from '@app/jobs';
import type { Logger } from '@app/logger';
import type { Worker } from 'bullmq';
import { sql } from 'kysely';

export type MaintenanceWatch = {
  /** One look at the flag (tests call it instead of waiting for the timer). */
  check(): Promise<void>;
  isPaused(): boolean;
  stop(): Promise<void>;
};

export function startMaintenanceWatch(deps: {
  db: Database;
  tenantCode: string;
  workers: Worker[];
  log: Logger;
  workerId: string;
  pollMs?: number;
  heartbeatFile?: string | undefined;
}): MaintenanceWatch {
  const { db, log, workers, workerId } = deps;
  const pollMs = deps.pollMs ?? 2_000;
  const startedAt = new Date();
  // The changed_at of the maintenance we paused for, as PostgreSQL's text: a Date would drop its microseconds.
  let pausedFor: string | null = null;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let failures = 0;

  const touch = () => {
    if (!deps.heartbeatFile) return;
    try {
      const now = new Date();
      utimesSync(deps.heartbeatFile, now, now);
    } catch {
      try {
        closeSync(openSync(deps.heartbeatFile, 'a'));
      } catch (err) {
        log.warn({ err, file: deps.heartbeatFile }, 'could not write the heartbeat file');
      }
    }
  };

  // The heartbeat runs on its own timer: a pause waits for the running jobs (a report job may take minutes),
  // and meanwhile the worker must still look alive — and busy — to the healthcheck and to the export.
  let beating: Promise<void> | null = null;
  const beat = () => {
    beating ??= (async () => {
      touch();
      await sql`INSERT INTO sys_worker_heartbeats (worker_id, started_at, seen_at, paused_at, maintenance_since)
                VALUES (${workerId}, ${startedAt}, now(), ${pausedFor ? sql`now()` : null}, ${pausedFor}::timestamptz)
                ON CONFLICT (worker_id) DO UPDATE SET seen_at = now(),
                  paused_at = CASE WHEN EXCLUDED.maintenance_since IS NULL THEN NULL
                                   WHEN sys_worker_heartbeats.maintenance_since IS NOT DISTINCT FROM EXCLUDED.maintenance_since
                                     THEN coalesce(sys_worker_heartbeats.paused_at, EXCLUDED.paused_at)
                                   ELSE EXCLUDED.paused_at END,
                  maintenance_since = EXCLUDED.maintenance_since`
        .execute(db)
        .catch((err) => log.debug({ err }, 'could not write the heartbeat row'));
    })().finally(() => {
      beating = null;
    });
    return beating;
  };

  /** A beat with the state as it is now (one already under way may carry the old state). */
  const beatNow = async () => {
    await beating;
    await beat();
  };

  const once = async () => {
    const m = await db
      .selectFrom('sys_tenants as t')
      .leftJoin('sys_maintenance as m', 'm.tenant_id', 't.id')
      .select(['m.enabled', sql<string | null>`m.changed_at::text`.as('since'), 'm.reason'])
      .where('t.code', '=', deps.tenantCode)
      .executeTakeFirst();
    const since = m?.enabled === true ? m.since : null;
    if (since !== null && pausedFor !== since) {
      log.info({ reason: m?.reason }, 'maintenance mode is on: pausing the job workers after their running jobs');
      // pause() waits until the jobs running now have finished; no new job starts meanwhile.
      await Promise.all(workers.map((w) => w.pause()));
      pausedFor = since;
      log.info('job workers paused for maintenance');
      await beatNow();
    } else if (since === null && pausedFor !== null) {
      for (const w of workers) w.resume();
      pausedFor = null;
      log.info('maintenance mode is off: job workers resumed');
      await beatNow();
    }
  };

  const check = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await once();
        if (failures > 0) log.info('maintenance flag readable again');
        failures = 0;
      } catch (err) {
        // The database away: keep doing what we did; say so once per outage.
        if (failures++ === 0) log.warn({ err }, 'could not read the maintenance flag; keeping the current state');
      }
    });
    return running;
  };

  const timer = setInterval(() => {
    void check();
    void beat();
  }, pollMs);
  timer.unref();
  void beat();
  void check();

  return {
    check,
    isPaused: () => pausedFor !== null,
    stop: async () => {
      clearInterval(timer);
      await running;
      await beating;
      stopped = true;
      await db
        .deleteFrom('sys_worker_heartbeats')
        .where('worker_id', '=', workerId)
        .execute()
        .catch(() => {});
    },
  };
}

/**
 * Wait until every live worker (seen in the last WORKER_HEARTBEAT_STALE_SECONDS) has paused for the maintenance that
 * is on now. Returns the workers still busy when `timeoutMs` ran out (empty: all paused, or none running).
 */
export async function waitForPausedWorkers(
  db: Database,
  tenantCode: string,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<{ busy: string[]; live: number }> {
  const until = Date.now() + opts.timeoutMs;
  for (;;) {
    const rows = await sql<{ worker_id: string; paused: boolean }>`
      SELECT h.worker_id, (h.paused_at IS NOT NULL AND h.maintenance_since = m.changed_at AND m.enabled) AS paused
        FROM sys_worker_heartbeats h
        CROSS JOIN sys_tenants t
        LEFT JOIN sys_maintenance m ON m.tenant_id = t.id
       WHERE t.code = ${tenantCode}
         AND h.seen_at > now() - make_interval(secs => ${WORKER_HEARTBEAT_STALE_SECONDS})`.execute(db);
    const busy = rows.rows.filter((r) => !r.paused).map((r) => r.worker_id);
    if (busy.length === 0 || Date.now() >= until) return { busy, live: rows.rows.length };
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
