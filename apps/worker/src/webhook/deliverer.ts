/**
 * The webhook sender of a worker process (job webhook.deliver). A run keeps up to `concurrency` requests in
 * flight — at most `perSubscription` to one subscription, so a slow or dead receiver holds only its share —
 * and claims more as they finish, until nothing is due or its time budget is spent; then it waits for the
 * requests still in flight. One run per process at a time: a job arriving meanwhile (the 5 s sweep, a nudge)
 * wakes the running one instead, so a new delivery goes out at once. Every try:
 *
 * 1. checks the target again — the host is resolved now and every address must be allowed (DNS may have
 *    changed since the subscription was saved) — and connects only to those addresses (send.ts);
 * 2. signs (hmac_sha256: the current secret, and the previous one while it is valid), or sends the bearer
 *    token, or nothing (ip_only); webhook-id is the delivery's own, the same on every try;
 * 3. records the outcome (deliveries.ts): 2xx delivered; else retried 1 min … 24 h, honouring Retry-After; the
 *    tenth failure is dead + WebhookDead + an `alert` log line; 410 Gone disables the subscription.
 */
import { setMaxListeners } from 'node:events';
import type { Database } from '@app/db';
import {
  checkWebhookTarget,
  displayTarget,
  type HostResolver,
  parseRetryAfter,
  type ResolvedAddress,
  webhookHeaders,
  webhookResponseVerdict,
  webhookTimeoutMs,
} from '@app/domain';
import type { JobLog } from '@app/jobs';
import {
  type Attempt,
  type ClaimedDelivery,
  claimDueDeliveries,
  type Recorded,
  recordFailure,
  recordSuccesses,
} from './deliveries.ts';
import { createHttpSender, type WebhookSender } from './send.ts';

export const WEBHOOK_USER_AGENT = 'einvoice-stack-webhooks/1.0';

export type WebhookDelivererOptions = {
  db: Database;
  /** Opens sealed secrets and tokens (APP_ENCRYPTION_KEY). */
  open: (sealed: string) => string;
  resolve: HostResolver;
  /** WEBHOOK_ALLOW_INTERNAL_TARGETS. */
  allowInternal: boolean;
  timeouts: { timeoutMs: number; largeTimeoutMs: number; largePayloadBytes: number };
  /** Requests in flight per process (WEBHOOK_CONCURRENCY) and per subscription (WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION). */
  concurrency: number;
  perSubscription: number;
  /** The clock of the retry schedule (tests move it). */
  now?: () => Date;
  /** The HTTP client (default: node:http/https with pinned addresses). */
  sender?: WebhookSender;
  /** How long a run keeps claiming (default 20 s). */
  runBudgetMs?: number;
  /** How long resolved addresses are reused (default 10 s). */
  dnsCacheMs?: number;
  /**
   * Called when a run ends with work possibly left — its budget ran out, or a wake-up came as it ended — to
   * get the next run going at once (the runtime adds a webhook.deliver nudge).
   */
  onMoreDue?: () => void | Promise<void>;
};

export type DeliveryRunStats = {
  claimed: number;
  succeeded: number;
  retrying: number;
  dead: number;
  failed: number;
  /** Subscriptions disabled by a 410 Gone. */
  disabled: number;
  lost: number;
};

export type WebhookDeliverer = {
  /** One run; null when another run of this process is going (it was woken instead). */
  run(signal: AbortSignal, log: JobLog): Promise<DeliveryRunStats | null>;
  isRunning(): boolean;
  /** New deliveries are due: a running run claims again now. */
  wake(): void;
  /** Claim nothing more (shutdown); requests in flight finish. */
  stop(): void;
  /** Close kept-alive connections. */
  close(): void;
};

export function createWebhookDeliverer(o: WebhookDelivererOptions): WebhookDeliverer {
  const now = o.now ?? (() => new Date());
  const sender = o.sender ?? createHttpSender({ maxSocketsPerHost: o.perSubscription });
  const runBudgetMs = o.runBudgetMs ?? 20_000;
  const dnsCacheMs = o.dnsCacheMs ?? 10_000;
  // A claimed row is this process's until its longest possible request is over, and a minute more.
  const leaseMs = Math.max(o.timeouts.timeoutMs, o.timeouts.largeTimeoutMs) * 2 + 60_000;
  let running = false;
  let stopping = false;
  let kicked = false;
  let kick: (() => void) | null = null;
  const poke = () => {
    kicked = true;
    const k = kick;
    kick = null;
    k?.();
  };

  // Successes are written in batches: those that end in the same turn of the event loop share one statement.
  let successes: { d: ClaimedDelivery; a: Attempt; at: Date; done: (r: Recorded) => void; fail: (e: unknown) => void }[] = [];
  const flushSuccesses = () => {
    const batch = successes;
    successes = [];
    recordSuccesses(o.db, batch).then(
      (ours) => {
        for (const x of batch) x.done(ours.has(x.d.id) ? { settled: 'succeeded' } : { settled: 'lost' });
      },
      (err) => {
        for (const x of batch) x.fail(err);
      },
    );
  };
  const recordSuccess = (d: ClaimedDelivery, a: Attempt) =>
    new Promise<Recorded>((done, fail) => {
      if (successes.length === 0) setImmediate(flushSuccesses);
      successes.push({ d, a, at: now(), done, fail });
    });

  // Resolved names, briefly: the addresses are checked on every try either way (a cached answer was checked
  // when it was made, and is what the connection is pinned to).
  const dns = new Map<string, { at: number; addresses: Promise<ResolvedAddress[]> }>();
  const resolve: HostResolver = (host) => {
    const hit = dns.get(host);
    if (hit && Date.now() - hit.at < dnsCacheMs) return hit.addresses;
    const addresses = o.resolve(host);
    dns.set(host, { at: Date.now(), addresses });
    addresses.catch(() => dns.delete(host));
    return addresses;
  };

  async function attemptOnce(d: ClaimedDelivery, signal: AbortSignal): Promise<Attempt> {
    const startedAt = now();
    const t0 = performance.now();
    const fail = (outcome: Attempt['outcome'], error: string, address: string | null = null): Attempt => ({
      startedAt,
      durationMs: performance.now() - t0,
      outcome,
      statusCode: null,
      error: error.slice(0, 1000),
      excerpt: null,
      address,
      retryAfterMs: null,
    });
    const check = await checkWebhookTarget(d.url, { resolve, allowInternal: o.allowInternal });
    if (!check.ok)
      return fail(check.reason === 'unresolvable' ? 'network_error' : 'refused', check.message, check.address ?? null);

    let headers: Record<string, string>;
    try {
      const timestamp = Math.floor(startedAt.getTime() / 1000);
      const secrets: string[] = [];
      if (d.auth_mode === 'hmac_sha256' && d.secret_enc) {
        secrets.push(o.open(d.secret_enc));
        if (d.previous_secret_enc && d.previous_secret_expires_at && d.previous_secret_expires_at > startedAt) {
          secrets.push(o.open(d.previous_secret_enc));
        }
      }
      headers = {
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        ...webhookHeaders({ id: d.message_id, timestamp, body: d.body }, secrets),
      };
      if (d.auth_mode === 'bearer' && d.bearer_token) headers.authorization = `Bearer ${o.open(d.bearer_token)}`;
    } catch (e) {
      return fail(
        'error',
        `the subscription's credentials cannot be opened (APP_ENCRYPTION_KEY changed?): ${(e as Error).message}`,
      );
    }

    const r = await sender.send({
      url: check.url,
      addresses: check.addresses,
      headers,
      body: d.body,
      timeoutMs: webhookTimeoutMs(Buffer.byteLength(d.body, 'utf8'), o.timeouts),
      signal,
    });
    if (r.kind !== 'response') return { ...fail(r.kind, r.error, r.address), durationMs: r.durationMs };
    const verdict = webhookResponseVerdict(r.status);
    return {
      startedAt,
      durationMs: r.durationMs,
      outcome: verdict === 'delivered' ? 'succeeded' : verdict === 'gone' ? 'gone' : 'http_error',
      statusCode: r.status,
      error: verdict === 'delivered' ? null : `HTTP ${r.status}`,
      excerpt: r.excerpt || null,
      address: r.address,
      retryAfterMs: verdict === 'delivered' ? null : parseRetryAfter(r.headers['retry-after'], now()),
    };
  }

  async function deliver(d: ClaimedDelivery, signal: AbortSignal, log: JobLog): Promise<Recorded & { disabled?: boolean }> {
    let a: Attempt;
    try {
      a = await attemptOnce(d, signal);
    } catch (e) {
      a = {
        startedAt: now(),
        durationMs: 0,
        outcome: 'error',
        statusCode: null,
        error: `unexpected: ${(e as Error).message}`.slice(0, 1000),
        excerpt: null,
        address: null,
        retryAfterMs: null,
      };
    }
    const target = displayTarget(d.url);
    if (a.outcome === 'succeeded') return recordSuccess(d, a);
    const r = await recordFailure(o.db, d, a, now(), target);
    if (r.disabled) {
      log.warn({ webhookId: d.webhook_id, target }, 'webhook subscription disabled: the receiver answered 410 Gone');
    }
    if (r.settled === 'dead') {
      // The alert: one error line per dead delivery (and the WebhookDead event for notifications).
      log.error(
        {
          alert: 'webhook_dead',
          webhookId: d.webhook_id,
          deliveryId: d.id,
          webhookMessageId: d.message_id,
          eventType: d.event_type,
          target,
          attempts: d.attempts,
          lastError: a.error,
          announced: r.announced,
        },
        'webhook delivery dead: every try failed',
      );
    }
    return r;
  }

  return {
    isRunning: () => running,
    wake: poke,
    stop() {
      stopping = true;
      poke();
    },
    close: () => sender.close(),

    async run(signal, log) {
      if (running) {
        poke();
        return null;
      }
      running = true;
      const stats: DeliveryRunStats = { claimed: 0, succeeded: 0, retrying: 0, dead: 0, failed: 0, disabled: 0, lost: 0 };
      // One signal for the run's requests (each listens to it), aborted with the job's.
      const aborter = new AbortController();
      setMaxListeners(o.concurrency + 16, aborter.signal);
      const onAbort = () => {
        aborter.abort(signal.reason);
        poke();
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const inFlight = new Map<string, number>();
      const tasks = new Set<Promise<void>>();
      let total = 0;
      let budgetSpent = false;
      const started = Date.now();
      try {
        for (;;) {
          budgetSpent = Date.now() - started >= runBudgetMs;
          const claiming = !stopping && !signal.aborted && !budgetSpent;
          kicked = false;
          if (claiming && total < o.concurrency) {
            const rows = await claimDueDeliveries(o.db, {
              now: now(),
              leaseMs,
              perSubscription: o.perSubscription,
              limit: o.concurrency - total,
              inFlight,
            });
            stats.claimed += rows.length;
            for (const d of rows) {
              total++;
              inFlight.set(d.webhook_id, (inFlight.get(d.webhook_id) ?? 0) + 1);
              const task = deliver(d, aborter.signal, log)
                .then((r) => {
                  if (r.settled === 'succeeded') stats.succeeded++;
                  else if (r.settled === 'retry') stats.retrying++;
                  else if (r.settled === 'dead') stats.dead++;
                  else if (r.settled === 'failed') stats.failed++;
                  else stats.lost++;
                  if (r.disabled) stats.disabled++;
                })
                .catch((err) => {
                  // Recording failed (database away): the lease runs out and the delivery is tried again.
                  stats.lost++;
                  log.warn({ err, deliveryId: d.id }, 'could not record a webhook try; it will be retried after its lease');
                })
                .finally(() => {
                  total--;
                  const n = (inFlight.get(d.webhook_id) ?? 1) - 1;
                  if (n > 0) inFlight.set(d.webhook_id, n);
                  else inFlight.delete(d.webhook_id);
                  tasks.delete(task);
                  poke();
                });
              tasks.add(task);
            }
          }
          if (total === 0 && !(claiming && kicked)) break;
          // Wait for a request to finish or a wake-up, then claim again — after the requests finishing in the
          // same turn have settled too, so one claim refills several slots.
          if (!kicked) await new Promise<void>((r) => (kick = r));
          await new Promise<void>((r) => setImmediate(r));
        }
        await Promise.allSettled([...tasks]);
        return stats;
      } finally {
        signal.removeEventListener('abort', onAbort);
        running = false;
        kick = null;
        // A wake-up that came after the last claim, or a budget spent with work left: the next run starts now.
        if ((budgetSpent || kicked) && !stopping && !signal.aborted && o.onMoreDue) {
          Promise.resolve()
            .then(o.onMoreDue)
            .catch((err) => log.warn({ err }, 'could not ask for the next webhook run; the sweep will start it'));
        }
      }
    },
  };
}
