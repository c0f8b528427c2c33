/**
 * The dashboard summary a back-office screen polls (every 5 s, with If-None-Match) or follows on the
 * WebSocket: today's invoices, the Turnkey pipeline, the numbers left. Built once per data scope per
 * LIVE_CACHE_MS, in one read-only snapshot, and shared by every caller with that scope.
 */
import { type DataScope, periodOf, taipeiDayBounds, taipeiIsoDate } from '@app/domain';
import { readCircuitStates } from '@app/jobs';
import type { DashboardSummary } from '@app/schemas/dashboard';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext } from '../../context.ts';
import { scopeKey } from '../../lib/live-status.ts';
import { callerScope, scopeWhere } from '../../lib/scope-filter.ts';
import {
  countAcceptedTurnkeyMessages,
  countInvoicesOfDay,
  countOpenDeadLetters,
  countOpenTurnkeyMessages,
  outboxBacklog,
  sellerNumbers,
  siteNumbers,
} from './dashboard.repository.ts';

type Deps = Pick<ModuleDeps, 'db' | 'redis' | 'config' | 'tenant' | 'now' | 'live' | 'log'>;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function createDashboardService(deps: Deps) {
  const { db, config, tenant } = deps;
  const cache = deps.live.cache;

  async function load(scope: DataScope): Promise<DashboardSummary> {
    const now = deps.now();
    const today = taipeiIsoDate(now);
    const period = periodOf(now).yearMonth;
    // Turnkey messages and ranges belong to a seller and count every site of it: a caller scoped to sites
    // only gets none of them (a seller's totals would show its other sites' work), only its sites' counts.
    const sellerLevel = scope.all || scope.sellers.length > 0;
    const [breakers, read] = await Promise.all([
      readCircuitStates(deps.redis, config.REDIS_KEY_PREFIX).catch((err) => {
        deps.log.debug({ err }, 'dashboard: circuit breaker states unreadable');
        return null;
      }),
      // One snapshot (the counts agree with each other: an invoice issued meanwhile is in all of them or in
      // none, so the ETag changes once per change) on one connection (a burst of screens never takes the
      // pool from issuing).
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          const messages = scopeWhere(scope, { seller: 'm.seller_id' });
          return {
            invoices: await countInvoicesOfDay(trx, scopeWhere(scope, { seller: 'i.seller_id', site: 'i.site_id' }), today),
            open: sellerLevel ? await countOpenTurnkeyMessages(trx, messages) : null,
            accepted: sellerLevel ? await countAcceptedTurnkeyMessages(trx, messages, taipeiDayBounds(today).start) : null,
            sellers: sellerLevel ? await sellerNumbers(trx, tenant.id, scopeWhere(scope, { seller: 't.seller_id' }), period) : [],
            sites: await siteNumbers(trx, tenant.id, scopeWhere(scope, { seller: 't.seller_id', site: 'b.site_id' }), period),
            // The whole stack's backlog and failures say how busy every seller and site is: scope `all` only.
            outbox: scope.all ? await outboxBacklog(trx) : null,
            deadLetters: scope.all ? await countOpenDeadLetters(trx) : null,
          };
        }),
    ]);
    const circuitBreakers = breakers?.map((b) => ({ name: b.name, state: b.state, since: b.updatedAt })) ?? null;
    const open = Object.fromEntries((read.open ?? []).map((r) => [r.status, r]));
    const n = (status: string) => open[status]?.count ?? 0;
    const problems = circuitBreakers
      ? circuitBreakers.filter((b) => b.state !== 'closed').map((b) => `circuit breaker ${b.name} is ${b.state}`)
      : ['circuit breaker states are unreadable (Redis)'];
    const threshold = config.TRACK_LOW_THRESHOLD;
    return {
      today,
      period,
      invoices: read.invoices,
      turnkey:
        read.open && read.accepted !== null
          ? {
              acceptedToday: read.accepted,
              pending: n('pending'),
              delivered: n('delivered'),
              rejected: n('rejected'),
              invalid: n('invalid'),
              dead: n('dead'),
              atRisk: read.open.reduce((a, r) => a + r.at_risk, 0),
            }
          : null,
      pipeline: {
        status: problems.length ? 'degraded' : 'ok',
        problems,
        circuitBreakers,
        outbox: read.outbox && { backlog: read.outbox.count, oldestAt: iso(read.outbox.oldest_occurred_at) },
        oldestUndeliveredAt: iso(open.pending?.oldest_created_at ?? null),
        deadLetters: read.deadLetters,
      },
      numbers: {
        lowThreshold: threshold,
        sellers: read.sellers.map((r) => ({
          sellerId: r.seller_id,
          ban: r.ban,
          name: r.name,
          invoiceType: r.invoice_type,
          total: r.total,
          taken: r.taken,
          remaining: r.remaining,
        })),
        sites: read.sites.map((r) => ({
          siteId: r.site_id,
          code: r.code,
          name: r.name,
          sellerId: r.seller_id,
          sellerBan: r.seller_ban,
          invoiceType: r.invoice_type,
          remaining: r.remaining,
          low: r.remaining < threshold,
        })),
      },
    };
  }

  return {
    /** The summary for the caller's data scope (cached LIVE_CACHE_MS per scope). */
    summary(ctx: RequestContext): Promise<DashboardSummary> {
      const scope = callerScope(ctx);
      return cache.get(`dashboard:${scopeKey(scope)}`, () => load(scope));
    },
    key: (ctx: RequestContext) => `dashboard:${scopeKey(callerScope(ctx))}`,
  };
}
