import { statfs } from 'node:fs/promises';
import { QUEUE_NAMES, queueOf } from '@app/jobs';
import { sql } from 'kysely';
import type { AppDeps } from '../../context.ts';

export type CheckResult = { ok: boolean; latencyMs: number; error?: string };
const TIMEOUT_MS = 2_000;

async function timed(fn: () => Promise<unknown>): Promise<CheckResult> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - t0) };
  } catch (e) {
    return { ok: false, latencyMs: Math.round(performance.now() - t0), error: (e as Error).message || String(e) };
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthService(deps: Pick<AppDeps, 'db' | 'redis' | 'storage' | 'queues' | 'pool' | 'config' | 'tenant'>) {
  return {
    /** DB, Redis, storage and queue, checked in parallel. */
    async check() {
      const [database, redis, storage, queue] = await Promise.all([
        // The database answers, and still holds this process's tenant: after a restore or an import the tenant
        // row may be another (the archive's), and the process must be restarted to serve it.
        timed(async () => {
          const r = await sql`SELECT 1 FROM sys_tenants WHERE id = ${deps.tenant.id}`.execute(deps.db);
          if (r.rows.length === 0) {
            throw new Error(
              `tenant ${deps.tenant.code} (${deps.tenant.id}) is not in the database any more (restored or imported?): restart the API`,
            );
          }
        }),
        timed(() => deps.redis.ping()),
        timed(() => deps.storage.check()),
        timed(() => deps.queues[queueOf('P1')].getJobCounts('waiting')),
      ]);
      const checks = { database, redis, storage, queue };
      const failing = Object.entries(checks)
        .filter(([, c]) => !c.ok)
        .map(([k]) => k);
      return { status: failing.length ? ('degraded' as const) : ('ok' as const), failing, checks };
    },

    async queueDepths() {
      const out: Record<string, Record<string, number> | { error: string }> = {};
      for (const name of QUEUE_NAMES) {
        try {
          out[name] = await deps.queues[name].getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
        } catch (e) {
          out[name] = { error: (e as Error).message };
        }
      }
      return out;
    },

    poolUse() {
      return {
        max: deps.config.DATABASE_POOL_MAX,
        total: deps.pool.totalCount,
        idle: deps.pool.idleCount,
        waiting: deps.pool.waitingCount,
      };
    },

    async disk() {
      const path = deps.config.STORAGE_DRIVER === 'local' ? deps.config.STORAGE_LOCAL_ROOT : '.';
      try {
        const s = await statfs(path);
        const total = s.blocks * s.bsize;
        const free = s.bavail * s.bsize;
        return {
          path,
          totalBytes: total,
          freeBytes: free,
          usedPercent: total ? Math.round(((total - free) / total) * 1000) / 10 : 0,
        };
      } catch (e) {
        return { path, error: (e as Error).message };
      }
    },
  };
}
