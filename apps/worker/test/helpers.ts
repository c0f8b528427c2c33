import { randomUUID } from 'node:crypto';
import type { Config } from '@app/config';
import { createDb, createPool, type Database } from '@app/db';
import { waitFor } from '@app/devkit';
import { createTestDatabase } from '@app/devkit/testing';
import { appendOutbox, JOBS, type JobHandlers } from '@app/jobs';
import { createLogger, type Logger } from '@app/logger';
import pg from 'pg';

export type TestDb = { url: string; db: Database; close: () => Promise<void> };

/** A fresh migrated database with a Kysely client on it. */
export async function openTestDb(poolMax = 10): Promise<TestDb> {
  const t = await createTestDatabase();
  const db = createDb(createPool({ connectionString: t.url, max: poolMax }));
  return {
    url: t.url,
    db,
    close: async () => {
      await db.destroy();
      // pool.end() resolves before its sockets close; dropping the database (WITH FORCE) before they are
      // gone would kill them mid-goodbye and surface as an unhandled error.
      const probe = new pg.Client({ connectionString: t.url });
      await probe.connect();
      try {
        await waitFor('the pool connections to close', async () => {
          const r = await probe.query(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          );
          return r.rows[0].n === 0;
        });
      } finally {
        await probe.end();
      }
      await t.drop();
    },
  };
}

/** Shared with every test suite (packages/devkit). */
export { waitFor };

/** A logger whose JSON lines land in `lines` (to assert on what was logged). */
export function captureLogger(level: 'debug' | 'info' = 'info'): { log: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const log = createLogger({ name: 'worker-test', level }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

/** Commit `n` UserCreated events, each in its own transaction (as the API would); returns their outbox ids. */
export async function commitUserCreated(db: Database, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const userId = randomUUID();
    const { id } = await db
      .transaction()
      .execute((trx) =>
        appendOutbox(
          trx,
          'UserCreated',
          { userId, username: `user${i}`, roles: ['clerk'] },
          { aggregateType: 'user', aggregateId: userId },
        ),
      );
    ids.push(id);
  }
  return ids;
}

export type OutboxState = {
  id: string;
  event_id: string;
  dispatched_at: Date | null;
  dispatch_attempts: number;
  last_error: string | null;
  processed_at: Date | null;
  process_count: number;
};

export async function outboxRows(db: Database, ids: string[]): Promise<OutboxState[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('sys_outbox')
    .select(['id', 'event_id', 'dispatched_at', 'dispatch_attempts', 'last_error', 'processed_at', 'process_count'])
    .where('id', 'in', ids)
    .orderBy('id')
    .execute();
}

/** The environment a child process needs to parse `config` back (plus PATH/HOME for node itself). */
export function configEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const [k, v] of Object.entries(config)) if (v !== undefined) env[k] = String(v);
  return env;
}

/** A handler for every job of the registry that does nothing ('skipped'); tests override the ones they watch. */
export function skippingHandlers(): JobHandlers {
  return Object.fromEntries(Object.keys(JOBS).map((name) => [name, async () => 'skipped' as const])) as unknown as JobHandlers;
}
