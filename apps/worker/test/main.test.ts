/**
 * The worker process itself (src/main.ts run with tsx): refuses to start on a schema version mismatch
 * or a missing secret, naming the problem, before touching Redis; and runs, relays an event and stops
 * with exit code 0 on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { SCHEMA_VERSION } from '@app/db';
import { freePort } from '@app/devkit';
import { testConfig } from '@app/devkit/testing';
import { createQueues, createRedis, queueFor } from '@app/jobs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitUserCreated, configEnv, openTestDb, outboxRows, type TestDb, waitFor } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'worker', 'src', 'main.ts');

type Run = { child: ChildProcess; stdout: string[]; stderr: string[]; exit: Promise<{ code: number | null; ms: number }> };

function runMain(env: Record<string, string>): Run {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => stdout.push(...d.split('\n').filter(Boolean)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(...d.split('\n').filter(Boolean)));
  const exit = once(child, 'exit').then(([code]) => ({ code: code as number | null, ms: Date.now() - t0 }));
  return { child, stdout, stderr, exit };
}

const json = (lines: string[]) =>
  lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, any>];
    } catch {
      return [];
    }
  });

describe('worker process (main.ts)', () => {
  let t: TestDb;
  const children: ChildProcess[] = [];
  const spawnMain = (env: Record<string, string>) => {
    const run = runMain(env);
    children.push(run.child);
    return run;
  };

  beforeAll(async () => {
    t = await openTestDb();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await t?.close();
  });

  it('exits 1 with one fatal line naming both versions when sys_schema_version differs, before touching Redis', async () => {
    const other = await openTestDb();
    try {
      await sql`UPDATE sys_schema_version SET version = 20990101000000`.execute(other.db);
      // Nothing listens on this Redis port: a worker that went on to Redis would hang or log Redis errors.
      const config = testConfig(other.url, { LOG_LEVEL: 'info', REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
      const run = spawnMain(configEnv(config));
      const { code, ms } = await run.exit;
      expect(code).toBe(1);
      expect(ms).toBeLessThan(10_000);
      const lines = json([...run.stdout, ...run.stderr]);
      const fatal = lines.filter((l) => l.level === 'fatal');
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.msg).toMatch(/refusing to start: database schema version/);
      expect(fatal[0]!.msg).toContain('20990101000000');
      expect(fatal[0]!.msg).toContain(String(SCHEMA_VERSION));
      expect(fatal[0]).toMatchObject({ databaseVersion: '20990101000000', codeVersion: String(SCHEMA_VERSION) });
      expect(lines.filter((l) => /redis/i.test(JSON.stringify(l)))).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('exits 1 naming a missing required variable (JWT_SECRET)', async () => {
    const env = configEnv(testConfig(t.url));
    delete env.JWT_SECRET;
    const run = spawnMain(env);
    const { code } = await run.exit;
    expect(code).toBe(1);
    const problems = json(run.stderr).flatMap((l) => l.problems ?? []);
    expect(problems.map((p: { variable: string }) => p.variable)).toEqual(['JWT_SECRET']);
    expect(run.stderr.join('\n')).toMatch(/JWT_SECRET: required/);
  });

  it('starts, relays and processes an outbox event, registers its schedules (cleanup, period close, the Turnkey jobs), and exits 0 on SIGTERM', async () => {
    const config = testConfig(t.url, { LOG_LEVEL: 'info', OUTBOX_POLL_MS: '50' });
    const run = spawnMain(configEnv(config));
    await waitFor('the "worker started" log line', () => json(run.stdout).some((l) => l.msg === 'worker started'), 20_000);

    const [id] = await commitUserCreated(t.db, 1);
    await waitFor('the event to be processed by the process', async () => (await outboxRows(t.db, [id!]))[0]?.processed_at);
    expect((await outboxRows(t.db, [id!]))[0]).toMatchObject({ process_count: 1, dispatch_attempts: 1 });

    // Each schedule lives in the queue of its job's priority class: cleanup in P4, period close and the
    // deadline watch and the reconciliation in P3, the Turnkey hand-off, results and unpack in P2.
    const redis = createRedis(config.REDIS_URL, 'client');
    const queues = createQueues(redis, config.REDIS_KEY_PREFIX);
    try {
      const expected = [
        ['certificate-watch-daily', '0 8 * * *', 'certificate.watch'],
        ['maintenance-archive-daily', '30 4 * * *', 'maintenance.archive'],
        ['maintenance-cleanup-hourly', 3_600_000, 'maintenance.cleanup'],
        ['maintenance-slow-queries-daily', '0 4 * * *', 'maintenance.slow_queries'],
        ['maintenance-vacuum-daily', '30 3 * * *', 'maintenance.vacuum'],
        ['notification-digest', '*/5 * * * *', 'notification.digest'],
        ['notification-send', 10_000, 'notification.send'],
        ['period-close-daily', '5 0 * * *', 'period.close'],
        ['turnkey-deadlines', 600_000, 'turnkey.deadlines'],
        ['turnkey-handoff', 5_000, 'turnkey.handoff'],
        ['turnkey-reconcile-daily', '30 6 * * *', 'turnkey.reconcile'],
        ['turnkey-results', 15_000, 'turnkey.results'],
        ['turnkey-unpack', 60_000, 'turnkey.unpack'],
        ['webhook-cleanup-hourly', 3_600_000, 'webhook.cleanup'],
        ['webhook-deliver', 5_000, 'webhook.deliver'],
      ];
      const schedulers = await waitFor('every schedule', async () => {
        const s = [
          ...(await queues[queueFor('maintenance.cleanup')].getJobSchedulers()),
          ...(await queues[queueFor('period.close')].getJobSchedulers()),
          ...(await queues[queueFor('turnkey.handoff')].getJobSchedulers()),
        ];
        return s.length >= expected.length ? s : null;
      });
      expect(schedulers.map((s) => [s.key, s.every ?? s.pattern, s.name]).sort()).toEqual(expected);
      expect(queueFor('turnkey.handoff')).toBe('p2-workflow');
      expect(queueFor('turnkey.unpack')).toBe('p2-workflow');
      expect(queueFor('turnkey.reconcile')).toBe('p3-scheduled');
      expect(queueFor('maintenance.cleanup')).toBe('p4-maintenance');
      expect(queueFor('period.close')).toBe('p3-scheduled');
      expect(queueFor('webhook.deliver')).toBe('p2-workflow');
      expect(queueFor('webhook.cleanup')).toBe('p4-maintenance');
      expect(queueFor('notification.send')).toBe('p2-workflow');
      expect(queueFor('notification.digest')).toBe('p3-scheduled');
    } finally {
      await queues.close();
      redis.disconnect();
    }

    run.child.kill('SIGTERM');
    const { code } = await run.exit;
    expect(code).toBe(0);
    const lines = json(run.stdout);
    expect(lines.some((l) => l.msg === 'worker stopped')).toBe(true);
    expect(lines.filter((l) => l.level === 'fatal' || l.level === 'error')).toEqual([]);
  });
});
