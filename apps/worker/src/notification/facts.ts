/**
 * From an outbox event to what its mail shows (`Notification`) and whom it concerns (`Audience`): the
 * event's payload, checked against the catalogue, plus the seller's BAN and name and the site's code and
 * name. Null when the event is not one that notifies (an accepted InvoiceProcessed), or its payload is not
 * what the catalogue says (logged by the caller: retrying cannot fix it).
 */
import type { DbOrTx } from '@app/db';
import { kindOfEvent, type Notification, type NotificationKind, type SellerRef, type SiteRef } from '@app/domain';
import { EVENTS } from '@app/jobs';
import type { z } from 'zod';
import type { OutboxEvent } from '../subscribers.ts';
import { type Audience, findOpsReportBody, findSeller, findSite } from './notification.repository.ts';

/** `exclude`: users never told, whatever their permissions (the requester of an approval). */
export type EventNotification = {
  kind: NotificationKind;
  notification: Notification;
  audience: Audience;
  exclude?: readonly string[];
};

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const parse = <S extends z.ZodTypeAny>(schema: S, payload: unknown): Parsed<z.infer<S>> => {
  const r = schema.safeParse(payload);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: r.error.message };
};

/** A slow-query mail shows this many statements, each cut to this many characters. */
const MAIL_STATEMENTS = 5;
const MAIL_QUERY_CHARS = 300;
const shorten = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

async function sellerRef(db: DbOrTx, id: string): Promise<SellerRef> {
  const s = await findSeller(db, id);
  return { id, ban: s?.ban ?? null, name: s?.name ?? null };
}

async function siteRef(db: DbOrTx, id: string): Promise<SiteRef> {
  const s = await findSite(db, id);
  return { id, code: s?.code ?? null, name: s?.name ?? null };
}

export async function notificationOf(db: DbOrTx, event: OutboxEvent): Promise<EventNotification | null | { invalid: string }> {
  const kind = kindOfEvent(event.type);
  if (!kind) return null;
  switch (kind) {
    case 'invoice_rejected': {
      // Most verdicts are acceptances (one per message): leave them before any parsing.
      if ((event.payload as { outcome?: unknown } | null)?.outcome !== 'rejected') return null;
      const p = parse(EVENTS.InvoiceProcessed.payload, event.payload);
      if (!p.ok) return { invalid: p.error };
      const e = p.value;
      if (e.outcome !== 'rejected') return null;
      return {
        kind,
        audience: { sellerId: e.sellerId, siteId: e.siteId },
        notification: {
          kind,
          facts: {
            messageId: e.messageId,
            messageType: e.messageType,
            identifier: e.identifier,
            invoiceNumber: e.invoiceNumber,
            allowanceNumber: e.allowanceNumber,
            yearMonth: e.yearMonth,
            code: e.code,
            message: e.message,
            seller: await sellerRef(db, e.sellerId),
            site: e.siteId ? await siteRef(db, e.siteId) : null,
            processedAt: e.processedAt,
          },
        },
      };
    }
    case 'deadline_at_risk': {
      const p = parse(EVENTS.DeadlineAtRisk.payload, event.payload);
      if (!p.ok) return { invalid: p.error };
      const e = p.value;
      return {
        kind,
        audience: { sellerId: e.sellerId, siteId: null },
        notification: {
          kind,
          facts: {
            messageId: e.messageId,
            messageType: e.messageType,
            identifier: e.identifier,
            status: e.status,
            b2b: e.b2b,
            createdAt: e.createdAt,
            deadline: e.deadline,
            seller: await sellerRef(db, e.sellerId),
          },
        },
      };
    }
    case 'track_low': {
      const p = parse(EVENTS.TrackLow.payload, event.payload);
      if (!p.ok) return { invalid: p.error };
      const e = p.value;
      return {
        kind,
        audience: { sellerId: e.sellerId, siteId: e.siteId },
        notification: {
          kind,
          facts: {
            yearMonth: e.yearMonth,
            invoiceType: e.invoiceType,
            remaining: e.remaining,
            threshold: e.threshold,
            seller: await sellerRef(db, e.sellerId),
            site: await siteRef(db, e.siteId),
          },
        },
      };
    }
    case 'certificate_expiring': {
      const p = parse(EVENTS.CertificateExpiring.payload, event.payload);
      if (!p.ok) return { invalid: p.error };
      const e = p.value;
      return {
        kind,
        audience: { sellerId: e.sellerId, siteId: null },
        notification: {
          kind,
          facts: { seller: { id: e.sellerId, ban: e.ban, name: e.name }, expiresAt: e.expiresAt, daysLeft: e.daysLeft },
        },
      };
    }
    case 'approval_requested': {
      const p = parse(EVENTS.ApprovalRequested.payload, event.payload);
      if (!p.ok) return { invalid: p.error };
      const e = p.value;
      return {
        kind,
        audience: { sellerId: e.sellerId, siteId: e.siteId },
        // A requester holding approve too may not decide their own request: no mail asking them to.
        exclude: e.requestedBy.type === 'user' ? [e.requestedBy.id] : [],
        notification: {
          kind,
          facts: {
            approvalId: e.approvalId,
            action: e.action,
            invoiceNumber: e.invoiceNumber,
            amount: e.amount,
            requestedBy: e.requestedBy.name,
            requestedAt: e.requestedAt,
            seller: await sellerRef(db, e.sellerId),
            site: await siteRef(db, e.siteId),
          },
        },
      };
    }
    case 'ops_slow_query': {
      const p = parse(EVENTS.SlowQueryDetected.payload, event.payload);
      if (!p.ok) return { invalid: p.error };
      const e = p.value;
      // The SQL is read from the report, so it never travels in the event (webhooks receive every event).
      const body = (await findOpsReportBody(db, e.reportId)) as { alerts?: unknown } | undefined;
      const alerts = Array.isArray(body?.alerts) ? (body.alerts as { query?: unknown; maxMs?: unknown; calls?: unknown }[]) : [];
      return {
        kind,
        audience: 'all',
        notification: {
          kind,
          facts: {
            reportId: e.reportId,
            periodStart: e.periodStart,
            periodEnd: e.periodEnd,
            thresholdMs: e.thresholdMs,
            count: e.statements,
            maxMs: e.maxMs,
            statements: alerts.slice(0, MAIL_STATEMENTS).map((a) => ({
              query: shorten(String(a.query ?? ''), MAIL_QUERY_CHARS),
              maxMs: Number(a.maxMs ?? 0),
              calls: Number(a.calls ?? 0),
            })),
          },
        },
      };
    }
    case 'webhook_dead': {
      const p = parse(EVENTS.WebhookDead.payload, event.payload);
      if (!p.ok) return { invalid: p.error };
      const e = p.value;
      return {
        kind,
        // A subscription receives every seller's events: only users who see all sellers are told (as only
        // they may manage webhooks).
        audience: 'all',
        notification: {
          kind,
          facts: {
            webhookId: e.webhookId,
            target: e.target,
            deliveryId: e.deliveryId,
            eventId: e.eventId,
            eventType: e.eventType,
            attempts: e.attempts,
            lastStatusCode: e.lastStatusCode,
            lastError: e.lastError,
            deadAt: e.deadAt,
          },
        },
      };
    }
  }
}
