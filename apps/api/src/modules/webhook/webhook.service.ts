/**
 * Webhook subscriptions (issue 5): which events go to which URL and how the receiver knows they are ours
 * (auth modes in packages/domain/src/webhook/auth.ts), and their delivery log. Sending is the worker's
 * (apps/worker/src/webhook/): this module decides what may be subscribed, makes and seals the credentials
 * (shown once), and queues test events and redeliveries, which the worker picks up.
 *
 * Every target is checked against SSRF rules when it is set or enabled (and again by the worker before each
 * try). A subscription receives every seller's events, so managing webhooks needs a data scope of `all`.
 */
import { randomUUID } from 'node:crypto';
import {
  checkWebhookTarget,
  DomainError,
  type HostResolver,
  WEBHOOK_TEST_EVENT,
  type WebhookAuthMode,
  webhookBody,
  webhookSecurity,
  webhookWarning,
} from '@app/domain';
import { EVENTS, nudgeWebhookDelivery } from '@app/jobs';
import type {
  CreateWebhookInput,
  DeliveryView,
  DisableWebhookInput,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  RotateSecretInput,
  UpdateWebhookInput,
  WebhookView,
} from '@app/schemas/webhook';
import type { ModuleDeps } from '../../app.ts';
import type { RequestContext, Tx } from '../../context.ts';
import { callerScope } from '../../lib/scope-filter.ts';
import {
  type DeliveryRow,
  deleteWebhook,
  deliveryAttempts,
  findDelivery,
  findWebhook,
  insertTestDelivery,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  lockWebhook,
  makeDeliveryDue,
  makePendingDue,
  reopenDelivery,
  updateWebhook,
  type WebhookRow,
  type WebhookWrite,
} from './webhook.repository.ts';
import { newBearerToken, newWebhookSecret, systemResolver, webhookSealer } from './webhook.secrets.ts';

type Deps = Pick<ModuleDeps, 'db' | 'tenant' | 'config' | 'now' | 'queues' | 'log'> & {
  /** The name resolver of the target checks (tests give their own). */
  resolve?: HostResolver;
};

const HOUR_MS = 3_600_000;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toView = (r: WebhookRow): WebhookView => {
  const authMode = r.auth_mode as WebhookAuthMode;
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: r.event_types,
    authMode,
    security: webhookSecurity(authMode),
    warning: webhookWarning({ authMode, url: r.url }),
    status: r.status === 'disabled' ? 'disabled' : 'enabled',
    disabledReason: (r.disabled_reason as WebhookView['disabledReason']) ?? null,
    disabledNote: r.disabled_note,
    disabledAt: iso(r.disabled_at),
    disabledBy: r.disabled_by,
    secretRotatedAt: iso(r.secret_rotated_at),
    previousSecretExpiresAt: iso(r.previous_secret_expires_at),
    riskAcknowledgedAt: iso(r.risk_acknowledged_at),
    riskAcknowledgedBy: r.risk_acknowledged_by,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
};

const toDeliveryView = (r: DeliveryRow): DeliveryView => ({
  id: r.id,
  webhookId: r.webhook_id,
  webhookMessageId: r.message_id,
  kind: r.kind === 'test' ? 'test' : 'event',
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status as DeliveryView['status'],
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  nextAttemptAt: iso(r.next_attempt_at),
  lastAttemptAt: iso(r.last_attempt_at),
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  lastDurationMs: r.last_duration_ms,
  succeededAt: iso(r.succeeded_at),
  deadAt: iso(r.dead_at),
  redeliveredAt: iso(r.redelivered_at),
  redeliveredBy: r.redelivered_by,
  createdAt: r.created_at.toISOString(),
});

/** What the audit log keeps of a subscription: never a secret or token. */
const auditSummary = (v: WebhookView) => ({
  url: v.url,
  description: v.description,
  events: v.events,
  authMode: v.authMode,
  security: v.security,
  status: v.status,
  disabledReason: v.disabledReason,
  warning: v.warning,
});

/** Event types in a stable order, without duplicates; '*' alone when it is there. */
const normaliseEvents = (events: string[]) => (events.includes('*') ? ['*'] : [...new Set(events)].sort());

const callerName = (ctx: RequestContext) => (ctx.principal ? `${ctx.principal.kind}:${ctx.principal.name}` : 'unknown');

export function createWebhookService(deps: Deps) {
  const { db, tenant, config } = deps;
  const sealer = webhookSealer(config.APP_ENCRYPTION_KEY);
  const resolve = deps.resolve ?? systemResolver;

  /** A subscription gets every seller's events: only a caller who sees everything may manage them. */
  function assertSeesAll(ctx: RequestContext) {
    if (!callerScope(ctx).all) {
      throw new DomainError(
        'SCOPE_FORBIDDEN',
        "Webhooks deliver every seller's events; managing them needs a data scope of all.",
        { requiredScope: 'all' },
      );
    }
  }

  async function assertTarget(url: string) {
    const check = await checkWebhookTarget(url, { resolve, allowInternal: config.WEBHOOK_ALLOW_INTERNAL_TARGETS });
    if (!check.ok) {
      throw new DomainError('WEBHOOK_TARGET_REFUSED', `The webhook URL is refused: ${check.message}.`, {
        field: 'body.url',
        reason: check.reason,
        ...(check.address ? { address: check.address } : {}),
      });
    }
  }

  function assertRiskAcknowledged(acknowledged: boolean | undefined) {
    if (acknowledged !== true) {
      throw new DomainError(
        'WEBHOOK_RISK_NOT_ACKNOWLEDGED',
        'Auth mode ip_only sends webhooks without any credential: anyone who can reach the receiver can forge them. Set acknowledgeRisk: true to accept that risk (internal networks only).',
        { field: 'body.acknowledgeRisk' },
      );
    }
  }

  /**
   * The columns that make a subscription use `mode`, and the credential to show once: a new secret for
   * hmac_sha256, the given or a generated token for bearer (shown only when generated), nothing for ip_only.
   */
  function credentialsFor(
    ctx: RequestContext,
    mode: WebhookAuthMode,
    input: { bearerToken?: string | undefined; acknowledgeRisk?: boolean | undefined },
  ): { set: WebhookWrite; shown: { secret?: string; bearerToken?: string } } {
    const now = deps.now();
    const none: WebhookWrite = {
      secret_enc: null,
      previous_secret_enc: null,
      previous_secret_expires_at: null,
      bearer_token: null,
      risk_acknowledged_at: null,
      risk_acknowledged_by: null,
    };
    if (mode === 'hmac_sha256') {
      const secret = newWebhookSecret();
      return { set: { ...none, auth_mode: mode, secret_enc: sealer.seal(secret), secret_rotated_at: now }, shown: { secret } };
    }
    if (mode === 'bearer') {
      const token = input.bearerToken ?? newBearerToken();
      return {
        set: { ...none, auth_mode: mode, bearer_token: sealer.seal(token), secret_rotated_at: now },
        shown: input.bearerToken ? {} : { bearerToken: token },
      };
    }
    assertRiskAcknowledged(input.acknowledgeRisk);
    return {
      set: {
        ...none,
        auth_mode: mode,
        secret_rotated_at: null,
        risk_acknowledged_at: now,
        risk_acknowledged_by: callerName(ctx),
      },
      shown: {},
    };
  }

  async function view(dbOrTx: Tx | typeof db, id: string): Promise<WebhookView> {
    const row = await findWebhook(dbOrTx, tenant.id, id);
    if (!row) throw new DomainError('NOT_FOUND', `No webhook with id ${id}.`);
    return toView(row);
  }

  /** Lock the subscription and note it as the audit target; 404 when it does not exist. */
  async function begin(trx: Tx, ctx: RequestContext, id: string) {
    assertSeesAll(ctx);
    const row = await lockWebhook(trx, tenant.id, id);
    if (!row) throw new DomainError('NOT_FOUND', `No webhook with id ${id}.`);
    ctx.audit.target = { type: 'webhook', id };
    return row;
  }

  return {
    eventTypes: () => ({
      items: Object.entries(EVENTS).map(([type, e]) => ({ type, version: e.version, description: e.description })),
    }),

    async list(ctx: RequestContext, q: ListWebhooksQuery) {
      assertSeesAll(ctx);
      const rows = await listWebhooks(db, tenant.id, {
        status: q.status,
        authMode: q.authMode,
        after: q.cursor,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return { items: page.map(toView), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
    },

    async get(ctx: RequestContext, id: string) {
      assertSeesAll(ctx);
      return view(db, id);
    },

    async create(trx: Tx, ctx: RequestContext, input: CreateWebhookInput) {
      assertSeesAll(ctx);
      if (input.bearerToken !== undefined && input.authMode !== 'bearer') {
        throw new DomainError('VALIDATION_ERROR', 'A bearer token belongs to auth mode bearer.', [
          { field: 'body.bearerToken', message: `not used with auth mode ${input.authMode}` },
        ]);
      }
      await assertTarget(input.url);
      const { set, shown } = credentialsFor(ctx, input.authMode, input);
      const id = await insertWebhook(trx, {
        ...set,
        tenant_id: tenant.id,
        url: input.url,
        description: input.description,
        event_types: normaliseEvents(input.events),
        created_by: callerName(ctx),
      });
      const after = await view(trx, id);
      ctx.audit.target = { type: 'webhook', id };
      ctx.audit.after = auditSummary(after);
      if (after.authMode === 'ip_only') ctx.audit.note = { riskAcknowledged: true };
      return { ...after, ...shown };
    },

    async update(trx: Tx, ctx: RequestContext, id: string, input: UpdateWebhookInput) {
      const row = await begin(trx, ctx, id);
      const before = toView(row);
      const mode = input.authMode ?? before.authMode;
      if (input.bearerToken !== undefined && mode !== 'bearer') {
        throw new DomainError('VALIDATION_ERROR', 'A bearer token belongs to auth mode bearer.', [
          { field: 'body.bearerToken', message: `not used with auth mode ${mode}` },
        ]);
      }
      const set: WebhookWrite = {};
      let shown: { secret?: string; bearerToken?: string } = {};
      if (input.url !== undefined && input.url !== before.url) {
        await assertTarget(input.url);
        set.url = input.url;
      }
      if (input.description !== undefined) set.description = input.description;
      if (input.events !== undefined) set.event_types = normaliseEvents(input.events);
      if (mode !== before.authMode || input.bearerToken !== undefined) {
        // A new mode gets new credentials; a bearer token may also be replaced in place.
        const c = credentialsFor(ctx, mode, input);
        Object.assign(set, c.set);
        shown = c.shown;
      }
      if (Object.keys(set).length > 0) await updateWebhook(trx, id, set);
      const after = await view(trx, id);
      ctx.audit.before = auditSummary(before);
      ctx.audit.after = auditSummary(after);
      if (mode === 'ip_only' && before.authMode !== 'ip_only') ctx.audit.note = { riskAcknowledged: true };
      return { ...after, ...shown };
    },

    async enable(trx: Tx, ctx: RequestContext, id: string) {
      const row = await begin(trx, ctx, id);
      const before = toView(row);
      if (before.status === 'enabled') return before;
      // The target may have moved (DNS) or the rules tightened since it was disabled.
      await assertTarget(before.url);
      await updateWebhook(trx, id, {
        status: 'enabled',
        disabled_reason: null,
        disabled_note: null,
        disabled_at: null,
        disabled_by: null,
      });
      const resumed = await makePendingDue(trx, id, deps.now());
      const after = await view(trx, id);
      ctx.audit.before = auditSummary(before);
      ctx.audit.after = auditSummary(after);
      ctx.audit.note = { pendingResumed: resumed };
      return after;
    },

    async disable(trx: Tx, ctx: RequestContext, id: string, input: DisableWebhookInput) {
      const row = await begin(trx, ctx, id);
      const before = toView(row);
      if (before.status === 'disabled') return before;
      await updateWebhook(trx, id, {
        status: 'disabled',
        disabled_reason: 'manual',
        disabled_note: input.reason ?? null,
        disabled_at: deps.now(),
        disabled_by: callerName(ctx),
      });
      const after = await view(trx, id);
      ctx.audit.before = auditSummary(before);
      ctx.audit.after = auditSummary(after);
      return after;
    },

    async remove(trx: Tx, ctx: RequestContext, id: string) {
      const row = await begin(trx, ctx, id);
      const deliveriesDeleted = await deleteWebhook(trx, id);
      ctx.audit.before = auditSummary(toView(row));
      ctx.audit.note = { deliveriesDeleted };
      return { id, deleted: true as const, deliveriesDeleted };
    },

    /**
     * A new signing secret, shown once. The previous one signs too for `graceHours` (a second `v1,` signature
     * in webhook-signature), so the receiver can switch without losing events; a rotation during the grace
     * period drops the oldest. A bearer token is replaced at once (a request carries one token).
     */
    async rotateSecret(trx: Tx, ctx: RequestContext, id: string, input: RotateSecretInput) {
      const row = await begin(trx, ctx, id);
      const now = deps.now();
      if (row.auth_mode === 'ip_only') {
        throw new DomainError('CONFLICT', 'Auth mode ip_only has no secret to rotate.', { authMode: 'ip_only' });
      }
      if (row.auth_mode === 'bearer') {
        const token = newBearerToken();
        await updateWebhook(trx, id, { bearer_token: sealer.seal(token), secret_rotated_at: now });
        ctx.audit.note = { authMode: 'bearer' };
        return {
          id,
          authMode: 'bearer' as const,
          bearerToken: token,
          secretRotatedAt: now.toISOString(),
          previousSecretExpiresAt: null,
        };
      }
      const secret = newWebhookSecret();
      const expires = input.graceHours > 0 ? new Date(now.getTime() + input.graceHours * HOUR_MS) : null;
      await updateWebhook(trx, id, {
        secret_enc: sealer.seal(secret),
        previous_secret_enc: expires ? row.secret_enc : null,
        previous_secret_expires_at: expires,
        secret_rotated_at: now,
      });
      ctx.audit.note = { authMode: 'hmac_sha256', graceHours: input.graceHours, previousSecretExpiresAt: iso(expires) };
      return {
        id,
        authMode: 'hmac_sha256' as const,
        secret,
        secretRotatedAt: now.toISOString(),
        previousSecretExpiresAt: iso(expires),
      };
    },

    async listDeliveries(ctx: RequestContext, id: string, q: ListDeliveriesQuery) {
      assertSeesAll(ctx);
      await view(db, id);
      const rows = await listDeliveries(db, id, {
        status: q.status,
        eventType: q.eventType,
        before: q.cursor,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      return { items: page.map(toDeliveryView), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
    },

    async getDelivery(ctx: RequestContext, id: string, deliveryId: string) {
      assertSeesAll(ctx);
      const d = await findDelivery(db, id, deliveryId, { withBody: true });
      if (!d) throw new DomainError('NOT_FOUND', `No delivery ${deliveryId} of webhook ${id}.`);
      const attempts = await deliveryAttempts(db, deliveryId);
      let body: unknown = d.body;
      try {
        body = JSON.parse(d.body ?? 'null');
      } catch {
        // Stored as sent; shown as text if it is not JSON.
      }
      return {
        ...toDeliveryView(d),
        body,
        attemptLog: attempts.map((a) => ({
          attempt: a.attempt,
          startedAt: a.started_at.toISOString(),
          durationMs: a.duration_ms,
          outcome: a.outcome as 'succeeded',
          statusCode: a.status_code,
          error: a.error,
          responseExcerpt: a.response_excerpt,
          address: a.address,
          nextAttemptAt: iso(a.next_attempt_at),
        })),
      };
    },

    /**
     * Send a delivery again with the same webhook-id: a settled one (succeeded, failed, dead) gets one more
     * try; a pending one comes due now. One the worker is sending right now is refused (409).
     */
    async redeliver(trx: Tx, ctx: RequestContext, id: string, deliveryId: string) {
      await begin(trx, ctx, id);
      const d = await findDelivery(trx, id, deliveryId, { forUpdate: true });
      if (!d) throw new DomainError('NOT_FOUND', `No delivery ${deliveryId} of webhook ${id}.`);
      const now = deps.now();
      ctx.audit.target = { type: 'webhook_delivery', id: deliveryId };
      ctx.audit.before = { status: d.status, attempts: d.attempts, webhookId: id, webhookMessageId: d.message_id };
      if (d.status === 'pending' && d.claimed_until && d.claimed_until > now) {
        throw new DomainError('CONFLICT', `Delivery ${deliveryId} is being sent right now; look again in a moment.`, {
          status: d.status,
          claimedUntil: d.claimed_until.toISOString(),
        });
      }
      const by = callerName(ctx);
      if (d.status === 'pending') await makeDeliveryDue(trx, deliveryId, { now, by });
      else await reopenDelivery(trx, deliveryId, { now, by });
      const after = await findDelivery(trx, id, deliveryId);
      ctx.audit.after = { status: after!.status, maxAttempts: after!.max_attempts };
      return toDeliveryView(after!);
    },

    /** Queue a WebhookTest event to this subscription only (whatever its filter, also while disabled): one try. */
    async sendTest(trx: Tx, ctx: RequestContext, id: string) {
      const row = await begin(trx, ctx, id);
      const now = deps.now();
      const eventId = randomUUID();
      const body = webhookBody({
        type: WEBHOOK_TEST_EVENT,
        version: 1,
        eventId,
        occurredAt: now,
        data: {
          webhookId: id,
          message: 'A test event sent from the e-invoice stack: if you can read this, the webhook works.',
          requestedBy: callerName(ctx),
        },
      });
      const deliveryId = await insertTestDelivery(trx, { webhookId: id, eventId, eventType: WEBHOOK_TEST_EVENT, body, now });
      ctx.audit.target = { type: 'webhook_delivery', id: deliveryId };
      ctx.audit.note = { webhookId: id, url: row.url };
      return toDeliveryView((await findDelivery(trx, id, deliveryId))!);
    },

    /** After a commit that made deliveries due: wake a worker now (else the 5 s sweep finds them). */
    async nudge() {
      await nudgeWebhookDelivery(deps.queues).catch((err) =>
        deps.log.debug({ err }, 'could not nudge the webhook worker; the sweep will find the delivery'),
      );
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
