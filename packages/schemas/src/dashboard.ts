import { z } from 'zod';

const count = z.number().int();
const instant = z.string().nullable();

export const dashboardSummary = z.object({
  /** Today in Asia/Taipei (YYYY-MM-DD): the day the invoice counts and `turnkey.acceptedToday` are about. */
  today: z.string(),
  /** The current period (YearMonth, e.g. 11512): the numbers below are of it. */
  period: z.string(),
  /** Invoices dated today in the caller's scope, by their current status (a void's re-issue counts again). */
  invoices: z.object({ issued: count, cancelled: count, voided: count }),
  /**
   * Turnkey messages of the caller's sellers: accepted today, and those not accepted — waiting for the
   * hand-off (`pending`), handed to Turnkey and waiting for its result (`delivered`), refused by the platform
   * (`rejected`), refused by our own check before the hand-off (`invalid`), out of tries (`dead`). `atRisk`:
   * of those not accepted, the ones the deadline watch flagged (TURNKEY_RISK_B2C_HOURS / _B2B_HOURS).
   * Messages belong to a seller, not a site: null for a caller whose data scope names sites only.
   */
  turnkey: z
    .object({
      acceptedToday: count,
      pending: count,
      delivered: count,
      rejected: count,
      invalid: count,
      dead: count,
      atRisk: count,
    })
    .nullable(),
  /**
   * The pipeline's health. Instants, not ages, so the body (and its ETag) changes only when something
   * happens: a screen shows `now − oldest…At` itself.
   */
  pipeline: z.object({
    /** `degraded` when a circuit breaker is not closed or their states cannot be read (Redis down). */
    status: z.enum(['ok', 'degraded']),
    problems: z.array(z.string()),
    /** The worker's breakers as last published (null: Redis unreachable). */
    circuitBreakers: z
      .array(z.object({ name: z.string(), state: z.enum(['closed', 'open', 'half-open']), since: z.string() }))
      .nullable(),
    /**
     * Events written but not yet moved to the queue (the relay's backlog), and when the oldest happened.
     * This and `deadLetters` count the whole stack's work: null unless the caller's data scope is `all`.
     */
    outbox: z.object({ backlog: count, oldestAt: instant }).nullable(),
    /** When the oldest Turnkey message still waiting for the hand-off (pending) was queued, of the caller's sellers. */
    oldestUndeliveredAt: instant,
    /** Jobs that failed for good and were not retried (GET /api/v1/dead-letters); null unless the scope is `all`. */
    deadLetters: count.nullable(),
  }),
  /**
   * Numbers of the current period: per seller (its ranges; sellers in the caller's scope — none for a scope
   * of sites only, as a seller's totals include its other sites) and per site (its active blocks).
   */
  numbers: z.object({
    /** TRACK_LOW_THRESHOLD: a site with fewer numbers left in its blocks (per invoice type) is `low`. */
    lowThreshold: count,
    sellers: z.array(
      z.object({
        sellerId: z.string(),
        ban: z.string(),
        name: z.string(),
        invoiceType: z.string(),
        /** Numbers in the seller's ranges of the period. */
        total: count,
        /** Taken: issued, or reserved by offline devices. */
        taken: count,
        /** Still issuable: not yet given to a block, plus what the active blocks hold. */
        remaining: count,
      }),
    ),
    sites: z.array(
      z.object({
        siteId: z.string(),
        code: z.string(),
        name: z.string(),
        sellerId: z.string(),
        sellerBan: z.string(),
        invoiceType: z.string(),
        /** Numbers left in the site's active blocks (what TrackLow watches). */
        remaining: count,
        low: z.boolean(),
      }),
    ),
  }),
});
export type DashboardSummary = z.infer<typeof dashboardSummary>;
