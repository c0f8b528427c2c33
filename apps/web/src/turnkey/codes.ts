import { TURNKEY_MESSAGE_CODES } from '@app/domain/browser';
import type { TurnkeyMessageView } from '@app/schemas/turnkey';
import type { Locale, MessageKey } from '../i18n/index.ts';

/**
 * What a Turnkey message is about and what staff do about it: the invoice or allowance number inside its
 * identifier (`<MSG><number><yyyyMMdd>`, packages/domain/src/einvoice/turnkey/identifier.ts), the text of its
 * result code, and the advice of docs/turnkey.md §5–6.
 */

const INVOICE_MESSAGE = /^F0[457]01([A-Z]{2}\d{8})\d{8}$/;
const ALLOWANCE_MESSAGE = /^G0[457]01(.+)\d{8}$/;

/** F0401/F0501/F0701: the invoice number of the message; null for other types. */
export function invoiceNumberOf(m: Pick<TurnkeyMessageView, 'identifier'>): string | null {
  return INVOICE_MESSAGE.exec(m.identifier)?.[1] ?? null;
}

/** G0401/G0501/G0701: the allowance number of the message; null for other types. */
export function allowanceNumberOf(m: Pick<TurnkeyMessageView, 'identifier'>): string | null {
  return ALLOWANCE_MESSAGE.exec(m.identifier)?.[1] ?? null;
}

/** The message's own text of its result code, or the catalogue's when the message has none. */
export function codeText(code: string | null, message: string | null, locale: Locale): string | null {
  if (message?.trim()) return message;
  if (!code) return null;
  const known = TURNKEY_MESSAGE_CODES[code];
  return known ? (locale === 'en' ? known.en : known.zh) : null;
}

/** The catalogue's text of a code (in the user's language), whatever the message says; null when unknown. */
export function catalogueText(code: string | null, locale: Locale): string | null {
  const known = code ? TURNKEY_MESSAGE_CODES[code] : undefined;
  return known ? (locale === 'en' ? known.en : known.zh) : null;
}

/** Where the cause usually is: the seller's data, the invoice's content, Turnkey/the pipeline, or nothing to fix. */
export type FixPlace = 'seller' | 'invoice' | 'pipeline' | 'none' | 'wait';

export type Advice = { text: MessageKey; place: FixPlace; resend: boolean };

/** docs/turnkey.md §6, then by status: what staff should do about a message needing attention. */
export function adviceFor(m: Pick<TurnkeyMessageView, 'status' | 'resultCode'>): Advice {
  const code = m.resultCode ?? '';
  if (m.status === 'rejected') {
    if (code === 'E0201') return { text: 'turnkey.advice.duplicate', place: 'none', resend: false };
    if (code === 'E0202' || code === 'E0203') return { text: 'turnkey.advice.missingOriginal', place: 'wait', resend: true };
    if (code === 'E0221' || code === 'E0222' || code === 'E0309')
      return { text: 'turnkey.advice.allowanceTooLarge', place: 'invoice', resend: false };
    if (code === 'E0401' || code === 'E0402') return { text: 'turnkey.advice.alreadyEnded', place: 'none', resend: false };
    if (code === 'E0301' || code === 'E0308') return { text: 'turnkey.advice.certificate', place: 'seller', resend: true };
    if (/^E010[1489]$/.test(code)) return { text: 'turnkey.advice.sellerQualification', place: 'seller', resend: true };
    if (/^70(0\d|1[0-6])$/.test(code)) return { text: 'turnkey.advice.turnkeyValidator', place: 'invoice', resend: true };
    return { text: 'turnkey.advice.rejected', place: 'invoice', resend: true };
  }
  if (m.status === 'invalid') return { text: 'turnkey.advice.invalid', place: 'invoice', resend: true };
  if (m.status === 'dead') return { text: 'turnkey.advice.dead', place: 'pipeline', resend: true };
  return { text: 'turnkey.advice.none', place: 'none', resend: false };
}

/** The statuses a resend takes (the API requeues only these). */
export const NEEDS_ATTENTION = new Set<TurnkeyMessageView['status']>(['rejected', 'invalid', 'dead']);

export const statusBadge = (s: TurnkeyMessageView['status']) =>
  s === 'accepted' ? 'good' : s === 'rejected' || s === 'invalid' || s === 'dead' ? 'bad' : 'warn';
