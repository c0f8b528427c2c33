import { describe, expect, it } from 'vitest';
import {
  attemptsOf,
  backoffStrategy,
  classOfQueue,
  JOBS,
  type JobName,
  jobOptions,
  KEEP_COMPLETED_SECONDS,
  KEEP_FAILED_SECONDS,
  PRIORITY_CLASS_NAMES,
  QUEUE_NAMES,
  queueFor,
  queueOf,
  RETRY_SCHEDULES,
  retryOptions,
} from '../src/registry.ts';

describe('job registry', () => {
  it('has one queue per priority class, and every job type declares its class', () => {
    expect(PRIORITY_CLASS_NAMES).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(QUEUE_NAMES).toEqual(['p1-interactive', 'p2-workflow', 'p3-scheduled', 'p4-maintenance']);
    for (const c of PRIORITY_CLASS_NAMES) expect(classOfQueue(queueOf(c))).toBe(c);
    expect(classOfQueue('events')).toBeUndefined();
    for (const name of Object.keys(JOBS) as JobName[]) {
      expect(PRIORITY_CLASS_NAMES).toContain(JOBS[name].priority);
      expect(queueFor(name)).toBe(queueOf(JOBS[name].priority));
    }
    expect(queueFor('event.dispatch')).toBe('p2-workflow');
    expect(queueFor('period.close')).toBe('p3-scheduled');
    expect(queueFor('maintenance.cleanup')).toBe('p4-maintenance');
  });

  it('keeps completed jobs 1 day and failed ones 7 days; no BullMQ priority (the class is the queue)', () => {
    const o = jobOptions('event.dispatch', { jobId: 'outbox-x' });
    expect(o).toEqual({
      jobId: 'outbox-x',
      attempts: 10,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    });
    expect(KEEP_FAILED_SECONDS).toBe(7 * 24 * 3600);
    expect(o).not.toHaveProperty('priority');
  });

  it('a retry schedule becomes attempts = delays + 1 and the `schedule` backoff carrying its delays', () => {
    expect(RETRY_SCHEDULES.turnkey).toEqual([60_000, 300_000, 900_000, 3_600_000, 14_400_000]);
    const o = retryOptions({ kind: 'schedule', delaysMs: RETRY_SCHEDULES.turnkey });
    expect(o).toEqual({ attempts: 6, backoff: { type: 'schedule', delaysMs: [...RETRY_SCHEDULES.turnkey] } });
    expect(attemptsOf({ kind: 'exponential', attempts: 3, baseMs: 1 })).toBe(3);
    // jobOptions takes a replacement policy (tests use short schedules).
    expect(jobOptions('maintenance.cleanup', { retry: { kind: 'schedule', delaysMs: [10, 20] } })).toMatchObject({
      attempts: 3,
      backoff: { type: 'schedule', delaysMs: [10, 20] },
    });
  });

  it('backoffStrategy returns the n-th delay of the schedule, repeats the last, refuses unknown types', () => {
    const job = { opts: { backoff: { type: 'schedule', delaysMs: [60_000, 300_000, 900_000] } } };
    expect([1, 2, 3, 4].map((n) => backoffStrategy(n, 'schedule', undefined, job))).toEqual([60_000, 300_000, 900_000, 900_000]);
    expect(backoffStrategy(1, 'mystery', undefined, job)).toBe(-1);
    expect(backoffStrategy(1, 'schedule', undefined, { opts: { backoff: { type: 'schedule' } } })).toBe(-1);
  });
});
