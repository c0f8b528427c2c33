import { Queue, Worker, DelayedError } from 'bullmq';
import { Redis } from 'ioredis';
const c = new Redis('redis://127.0.0.1:6399', { maxRetriesPerRequest: null });
const q = new Queue('x', { connection: c, prefix: 'scratch' });
await q.obliterate({ force: true });
const j = await q.add('a', { n: 1 }, { attempts: 4, backoff: { type: 'schedule', delays: [100, 300, 50] } as any });
const back = await q.getJob(j.id!);
console.log(JSON.stringify(back!.opts));
const starts: number[] = [];
let deferred = 0;
const w = new Worker('x', async (job, token) => {
  starts.push(Date.now());
  console.log('attempt', job.attemptsMade, job.attemptsStarted);
  if (deferred < 1) { deferred++; await job.moveToDelayed(Date.now() + 200, token); throw new DelayedError(); }
  throw new Error('boom');
}, { connection: c.duplicate({maxRetriesPerRequest:null}), prefix: 'scratch', settings: { backoffStrategy: (n, type, err, job) => { const d = (job!.opts.backoff as any).delays; return d[Math.min(n, d.length) - 1]; } } });
w.on('failed', (job, err) => console.log('failed', job?.attemptsMade, job?.finishedOn ? 'final' : 'retry', err.message));
await new Promise((r) => setTimeout(r, 2000));
console.log(starts.map((s) => s - starts[0]));
const fj = await q.getJob(j.id!);
console.log(await fj!.getState(), fj!.attemptsMade, fj!.attemptsStarted, fj!.stacktrace.length);
await w.close(); await q.close(); c.disconnect();
