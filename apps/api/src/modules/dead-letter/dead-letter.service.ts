/**
 * Dead letters: jobs that failed for good, stored by the worker (apps/worker/src/dead-letter.ts).
 * Operators list them, put one back in its queue (same job id: it can never run twice at once) or
 * purge old ones. Re-enqueueing happens inside the transaction that marks the row, after its row lock:
 * two retries of one row run one after the other, and the second finds it retried. Should the commit
 * fail after the job went back, the row stays `dead` and a new retry finds the job pending and marks it.
 */
import { DomainError } from '@app/domain';
import { definitionOf, isJobName, type RequeueResult, requeueJob } from '@app/jobs';
import type { DeadLetterView, ListDeadLettersQuery, PurgeDeadLettersInput } from '@app/schemas/dead-letter';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import {
  type DeadLetterRow,
  findDeadLetter,
  listDeadLetters,
  markDeadLetterRetried,
  purgeDeadLetters,
} from './dead-letter.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'queues' | 'now'>;

const DAY_MS = 24 * 3600 * 1000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toView = (r: DeadLetterRow): DeadLetterView => ({
  id: r.id,
  status: r.retried_at ? 'retried' : 'dead',
  queue: r.queue,
  jobId: r.job_id,
  jobName: r.job_name,
  priorityClass: r.priority_class,
  payload: r.payload,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  lastError: r.last_error,
  errorStack: r.error_stack,
  firstFailedAt: r.first_failed_at.toISOString(),
  lastFailedAt: r.last_failed_at.toISOString(),
  createdAt: r.created_at.toISOString(),
  retriedAt: iso(r.retried_at),
  retriedBy: r.retried_by,
  retryJobId: r.retry_job_id,
});

/** What the audit log keeps of a row: not the payload or the stack. */
const summary = (v: DeadLetterView) => ({
  status: v.status,
  queue: v.queue,
  jobId: v.jobId,
  jobName: v.jobName,
  attempts: v.attempts,
  lastError: v.lastError,
  retryJobId: v.retryJobId,
});

export function createDeadLetterService(deps: Deps) {
  const { db } = deps;

  async function requeue(row: DeadLetterRow, payload: unknown): Promise<RequeueResult> {
    try {
      return await requeueJob(deps.queues, {
        queue: row.queue,
        jobId: row.job_id,
        name: row.job_name as Parameters<typeof requeueJob>[1]['name'],
        payload,
        fallbackJobId: `dead-letter-${row.id}`,
      });
    } catch (e) {
      throw new DomainError('SERVICE_UNAVAILABLE', 'The job queue (Redis) did not take the job; nothing was changed.', {
        reason: (e as Error).message,
      });
    }
  }

  return {
    async list(q: ListDeadLettersQuery) {
      const rows = await listDeadLetters(db, {
        jobName: q.jobName,
        priorityClass: q.priorityClass,
        status: q.status,
        before: q.cursor,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return { items: page.map(toView), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
    },

    async get(id: string): Promise<DeadLetterView> {
      const r = await findDeadLetter(db, id);
      if (!r) throw new DomainError('NOT_FOUND', `No dead letter with id ${id}.`);
      return toView(r);
    },

    async retry(trx: Tx, ctx: RequestContext, id: string) {
      const row = await findDeadLetter(trx, id, { forUpdate: true });
      if (!row) throw new DomainError('NOT_FOUND', `No dead letter with id ${id}.`);
      const before = toView(row);
      ctx.audit = { ...ctx.audit, target: { type: 'dead_letter', id }, before: summary(before) };
      if (row.retried_at) {
        throw new DomainError(
          'DEAD_LETTER_ALREADY_RETRIED',
          `Dead letter ${id} was already retried at ${row.retried_at.toISOString()} as job ${row.retry_job_id}.`,
          { retriedAt: row.retried_at.toISOString(), retryJobId: row.retry_job_id },
        );
      }
      const def = definitionOf(row.job_name);
      if (!def || !isJobName(row.job_name)) {
        throw new DomainError('CONFLICT', `Job type "${row.job_name}" no longer exists; the dead letter cannot be retried.`);
      }
      const parsed = def.payload.safeParse(row.payload);
      if (!parsed.success) {
        throw new DomainError('CONFLICT', `The payload is not valid for ${row.job_name}; a retry would fail the same way.`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      const result = await requeue(row, parsed.data);
      if (result.outcome === 'completed') {
        throw new DomainError(
          'CONFLICT',
          `Job ${result.jobId} has completed since it failed (retried elsewhere); nothing to retry. Purge the dead letter.`,
          { jobId: result.jobId, queue: result.queue },
        );
      }
      const by = ctx.principal ? `${ctx.principal.kind}:${ctx.principal.name}` : 'unknown';
      await markDeadLetterRetried(trx, id, { at: deps.now(), by, jobId: result.jobId });
      const after = toView((await findDeadLetter(trx, id))!);
      ctx.audit = { ...ctx.audit, after: summary(after), note: { requeue: result } };
      return { ...after, requeue: result };
    },

    async purge(trx: Tx, ctx: RequestContext, input: PurgeDeadLettersInput) {
      const before = new Date(deps.now().getTime() - input.olderThanDays * DAY_MS);
      const purged = await purgeDeadLetters(trx, { before, jobName: input.jobName, status: input.status });
      ctx.audit = {
        ...ctx.audit,
        target: { type: 'dead_letter', id: 'purge' },
        note: { ...input, lastFailedBefore: before.toISOString(), purged },
      };
      return { purged, lastFailedBefore: before.toISOString() };
    },
  };
}
