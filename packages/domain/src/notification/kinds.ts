/**
 * E-mail notifications (docs/notifications.md): which events become mails, who may receive them, and how
 * each user wants them. Pure data and functions; the worker's subscriber and the API's preference routes
 * both read it.
 */
import type { Permission } from '../rbac/permissions.ts';

/**
 * Who may be told about a kind, beyond its permission:
 * - `site`: the event names a site (and its seller): users whose scope holds that site or that seller;
 * - `seller`: the event names only a seller: users whose scope holds the seller or one of its sites (as the
 *   API shows sellers and their Turnkey messages to a site's staff);
 * - `all`: something that spans every seller (a webhook subscription receives every seller's events, so
 *   managing one needs a data scope of all): users whose scope is `all`.
 * An `all` scope passes every check. Users without scope rows are never mailed.
 */
export type NotificationAudience = 'site' | 'seller' | 'all';

export const NOTIFICATION_KINDS = {
  invoice_rejected: {
    event: 'InvoiceProcessed',
    // Reading invoices and their status is what the mail shows; the site's or seller's staff.
    permissions: ['invoice.read'],
    audience: 'site',
    description:
      'The platform rejected a MIG message (an invoice, its cancel or void, an allowance, or E0402 blank numbers): InvoiceProcessed with outcome rejected.',
  },
  deadline_at_risk: {
    event: 'DeadlineAtRisk',
    // The people who watch and resend Turnkey messages (GET /api/v1/turnkey/messages needs turnkey.manage).
    permissions: ['turnkey.manage'],
    audience: 'seller',
    description: 'A MIG message is not yet accepted and most of its upload limit (B2C 48 h, B2B 7 days) has passed.',
  },
  track_low: {
    event: 'TrackLow',
    // The mail asks for an allocation (a block, the next E0501), which takes track.manage; readers of tracks
    // (invoice.read) alone cannot act on it.
    permissions: ['track.manage'],
    audience: 'site',
    description: "A site's unissued numbers for the current period fell below TRACK_LOW_THRESHOLD.",
  },
  certificate_expiring: {
    event: 'CertificateExpiring',
    // Whoever manages the seller's data and its certificate.
    permissions: ['seller.manage'],
    audience: 'seller',
    description: "A seller's signing certificate expires within 30 days (again at 14, 7 and 1 day, and when it has expired).",
  },
  webhook_dead: {
    event: 'WebhookDead',
    permissions: ['webhook.manage'],
    audience: 'all',
    description: 'A webhook delivery used up its tries (10, about 3 days) without a 2xx answer and is dead.',
  },
  approval_requested: {
    event: 'ApprovalRequested',
    // Those who may decide it; the requester is never told about their own request.
    permissions: ['approve'],
    audience: 'site',
    description:
      'An action needing two-step approval (void, resend, allowance above the threshold) waits for a second person holding approve.',
  },
  ops_slow_query: {
    event: 'SlowQueryDetected',
    // The operators of the system (metrics, maintenance): a slow statement is about the whole database.
    permissions: ['ops.admin'],
    audience: 'all',
    description: 'The daily slow-query report found SQL statements whose longest run took more than SLOW_QUERY_ALERT_MS (5 s).',
  },
} as const satisfies Record<
  string,
  { event: string; permissions: readonly Permission[]; audience: NotificationAudience; description: string }
>;

export type NotificationKind = keyof typeof NOTIFICATION_KINDS;
export const NOTIFICATION_KIND_NAMES = Object.keys(NOTIFICATION_KINDS) as NotificationKind[];
export const isNotificationKind = (s: string): s is NotificationKind => Object.hasOwn(NOTIFICATION_KINDS, s);

/** How a user gets a kind: not at all, one mail per event, or collected into their digest. */
export const NOTIFICATION_DELIVERIES = ['off', 'immediate', 'digest'] as const;
export type NotificationDelivery = (typeof NOTIFICATION_DELIVERIES)[number];
/** Without a stored preference every kind the user may see comes at once. */
export const DEFAULT_DELIVERY: NotificationDelivery = 'immediate';

export const DIGEST_FREQUENCIES = ['hourly', 'daily'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];
/** `hour` is the Asia/Taipei hour (0–23) of a daily digest; an hourly digest goes out at every full hour. */
export type DigestSchedule = { frequency: DigestFrequency; hour: number };
export const DEFAULT_DIGEST: DigestSchedule = { frequency: 'daily', hour: 8 };

/** The kinds a user with `permissions` may receive (the scope decides per event). */
export function permittedKinds(permissions: ReadonlySet<string>): NotificationKind[] {
  return NOTIFICATION_KIND_NAMES.filter((k) => NOTIFICATION_KINDS[k].permissions.some((p) => permissions.has(p)));
}

/** The notification kind an event type becomes, if any. */
export function kindOfEvent(eventType: string): NotificationKind | undefined {
  return NOTIFICATION_KIND_NAMES.find((k) => NOTIFICATION_KINDS[k].event === eventType);
}

/** The kinds of a mail: one per event (`immediate`), several collected (`digest`), or a check of the settings (`test`). */
export const MAIL_KINDS = ['immediate', 'digest', 'test'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

const HOUR_MS = 3_600_000;
const TAIPEI_OFFSET_MS = 8 * HOUR_MS;

/**
 * The latest digest time at or before `now` for `schedule`: the start of the current hour (hourly), or the
 * latest `hour`:00 Asia/Taipei (daily; yesterday's when today's has not come yet). Items recorded before it
 * belong in the digest due now; a run missed (worker down) is caught up by the next, since the time only
 * moves forward. Asia/Taipei is a fixed UTC+8 (no daylight saving time since 1979).
 */
export function digestDueAt(now: Date, schedule: DigestSchedule): Date {
  const t = now.getTime();
  if (Number.isNaN(t)) throw new RangeError('Invalid Date');
  if (schedule.frequency === 'hourly') return new Date(Math.floor(t / HOUR_MS) * HOUR_MS);
  if (!Number.isInteger(schedule.hour) || schedule.hour < 0 || schedule.hour > 23) {
    throw new RangeError(`digest hour ${schedule.hour} is not 0–23`);
  }
  const local = t + TAIPEI_OFFSET_MS;
  const dayStart = Math.floor(local / (24 * HOUR_MS)) * 24 * HOUR_MS;
  let due = dayStart + schedule.hour * HOUR_MS;
  if (due > local) due -= 24 * HOUR_MS;
  return new Date(due - TAIPEI_OFFSET_MS);
}
