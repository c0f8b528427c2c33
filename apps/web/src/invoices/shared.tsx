/** Pieces the invoice screens share: labels, badges, error texts, seller/site names, the 202 approval answer. */
import type { ApprovalRequired } from '@app/schemas/approval';
import type { SellerView, SiteView } from '@app/schemas/seller';
import { useQueries } from '@tanstack/react-query';
import { ApiError } from '../api/errors.ts';
import { apiKey, useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useServices } from '../app/services.tsx';
import { isMessageKey, type Translate, useI18n } from '../i18n/index.ts';

export type InvoiceStatus = 'issued' | 'cancelled' | 'voided';

export const STATUS_BADGE: Record<InvoiceStatus, string> = { issued: 'good', cancelled: 'bad', voided: 'warn' };

export function StatusBadge({ status }: { status: InvoiceStatus }) {
  const { t } = useI18n();
  return <span className={`badge ${STATUS_BADGE[status]}`}>{t(`invoices.status.${status}`)}</span>;
}

/** A label for a coded value when we know it, else the code itself. */
export function codeLabel(t: Translate, prefix: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === '') return t('common.none');
  const key = `${prefix}.${code}`;
  return isMessageKey(key) ? `${t(key)}（${code}）` : code;
}

/** `2.5000000` → `2.5` (stored decimals as people write them). */
export function plainDecimal(s: string): string {
  if (!/^\d+\.\d+$/.test(s)) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** An instant as the proof prints it, in Taipei time (UTC+8, no daylight saving): `YYYY-MM-DD HH:MM:SS`. */
export function taipeiStamp(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** `AB12345678` → `AB-12345678`, as printed. */
export const dashedNumber = (n: string) => (/^[A-Z]{2}\d{8}$/.test(n) ? `${n.slice(0, 2)}-${n.slice(2)}` : n);

/**
 * What to tell the user about a failed invoice action: our words for the lifecycle's codes, with the API's
 * code and message (which names the item or limit); otherwise the app's usual text.
 */
export function invoiceErrorText(t: Translate, e: unknown): string {
  if (e instanceof ApiError) {
    const key = `invoices.error.${e.code}`;
    if (isMessageKey(key)) return t('invoices.error.withCode', { text: t(key), code: e.code, message: e.message });
    const text = errorText(t, e);
    return text.includes(e.code) ? text : t('invoices.error.withCode', { text, code: e.code, message: e.message });
  }
  return errorText(t, e);
}

/** Whether a write answered 202 "needs approval" instead of doing it. */
export function isApprovalRequired(v: unknown): v is ApprovalRequired {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as { approvalRequired?: unknown; approval?: { id?: unknown } };
  return (
    a.approvalRequired === true && typeof a.approval === 'object' && a.approval !== null && typeof a.approval.id === 'string'
  );
}

/** The sellers the user may see, by id (for names; an id is shown while they load or if they cannot be had). */
export function useSellers() {
  const q = useApiQuery<{ items: SellerView[] }>('/api/v1/sellers');
  const byId = new Map((q.data?.items ?? []).map((s) => [s.id, s]));
  return { query: q, byId };
}

/** The sites of each of `sellerIds`, by site id. */
export function useSites(sellerIds: readonly string[]) {
  const { api } = useServices();
  const unique = [...new Set(sellerIds)].sort();
  const results = useQueries({
    queries: unique.map((id) => {
      const path = `/api/v1/sellers/${encodeURIComponent(id)}/sites`;
      return {
        queryKey: apiKey(path),
        queryFn: ({ signal }: { signal: AbortSignal }) => api.get<{ items: SiteView[] }>(path, { signal }),
        staleTime: 60_000,
      };
    }),
  });
  const byId = new Map<string, SiteView>();
  for (const r of results) for (const s of r.data?.items ?? []) byId.set(s.id, s);
  return byId;
}

export const sellerName = (s: SellerView | undefined, id: string) => (s ? `${s.name}（${s.ban}）` : id);
export const siteName = (s: SiteView | undefined, id: string) => (s ? `${s.name}（${s.code}）` : id);
