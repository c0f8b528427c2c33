/** SQL of dead letters (sys_dead_letters): written by the worker, listed, retried and purged here. */
import type { DbOrTx } from '@app/db';

const columns = [
  'id',
  'queue',
  'job_id',
  'job_name',
  'priority_class',
  'payload',
  'attempts',
  'max_attempts',
  'last_error',
  'error_stack',
  'first_failed_at',
  'last_failed_at',
  'created_at',
  'retried_at',
  'retried_by',
  'retry_job_id',
] as const;

export type DeadLetterQuery = {
  jobName?: string;
  priorityClass?: string;
  status?: 'dead' | 'retried';
  /** Keyset cursor: rows with an id below this. */
  before?: string;
  limit: number;
};

/** Newest first; with a job name, the walk follows sys_dead_letters_job_name_idx (job_name, id). */
export async function listDeadLetters(db: DbOrTx, q: DeadLetterQuery) {
  let query = db.selectFrom('sys_dead_letters').select(columns).orderBy('id', 'desc').limit(q.limit);
  if (q.jobName) query = query.where('job_name', '=', q.jobName);
  if (q.priorityClass) query = query.where('priority_class', '=', q.priorityClass);
  if (q.status) query = query.where('retried_at', q.status === 'retried' ? 'is not' : 'is', null);
  if (q.before) query = query.where('id', '<', q.before);
  return query.execute();
}
export type DeadLetterRow = Awaited<ReturnType<typeof listDeadLetters>>[number];

export async function findDeadLetter(db: DbOrTx, id: string, opts: { forUpdate?: boolean } = {}) {
  const q = db.selectFrom('sys_dead_letters').select(columns).where('id', '=', id);
  return (opts.forUpdate ? q.forUpdate() : q).executeTakeFirst();
}

export async function markDeadLetterRetried(trx: DbOrTx, id: string, v: { at: Date; by: string; jobId: string }) {
  await trx
    .updateTable('sys_dead_letters')
    .set({ retried_at: v.at, retried_by: v.by, retry_job_id: v.jobId })
    .where('id', '=', id)
    .execute();
}

/** Delete the rows whose last failure lies before `before` (and match the filters); returns how many. */
export async function purgeDeadLetters(
  trx: DbOrTx,
  f: { before: Date; jobName?: string; status?: 'dead' | 'retried' },
): Promise<number> {
  let q = trx.deleteFrom('sys_dead_letters').where('last_failed_at', '<', f.before);
  if (f.jobName) q = q.where('job_name', '=', f.jobName);
  if (f.status) q = q.where('retried_at', f.status === 'retried' ? 'is not' : 'is', null);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}
