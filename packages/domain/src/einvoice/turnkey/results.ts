/**
 * Reading Turnkey's results back (einvoice-domain.md §5.4): TURNKEY_MESSAGE_LOG.STATUS and the error of a
 * rejected message from TURNKEY_SYSEVENT_LOG, with the platform's bilingual text.
 */
import { TURNKEY_MESSAGE_CODES } from './message-codes.generated.ts';

/**
 * STATUS of a TURNKEY_MESSAGE_LOG row: P 處理中, G 上傳或下載完畢, I 中斷 (resumes by itself) are still on
 * the way; only C (the platform's answer: stored) means accepted; E is a format/signature error before the
 * upload or the platform's refusal after it ([TK-PROP] help/MsgLog_001_tw.txt).
 */
export function turnkeyOutcome(status: string): 'in_flight' | 'accepted' | 'rejected' | 'unknown' {
  const s = status.trim().toUpperCase();
  // Some Turnkey versions store the error code itself (`E0201`) in STATUS ([HO] saw it): any E… is an error.
  if (s.startsWith('E')) return 'rejected';
  switch (s) {
    case 'P':
    case 'G':
    case 'I':
      return 'in_flight';
    case 'C':
      return 'accepted';
    case 'E':
      return 'rejected';
    default:
      return 'unknown';
  }
}

export type TurnkeyError = { code: string; zh: string | null; en: string | null; detail: string };

/**
 * The platform's code of a TURNKEY_SYSEVENT_LOG row: an `E` + 4 digits named in the message text wins;
 * with ERRORCODE `-007` (the platform's answer) a 5xxx/7xxx/9xxx or 6xxxx code in the text; else ERRORCODE
 * itself (as [HO] reads them). The message is MESSAGE1..6 concatenated.
 */
export function turnkeyError(row: { errorCode: string | null; messages: readonly (string | null)[] }): TurnkeyError {
  const detail = row.messages
    .filter((m): m is string => !!m)
    .join('')
    .trim();
  const errorCode = (row.errorCode ?? '').trim();
  const code =
    /E\d{4}/.exec(detail)?.[0] ??
    (errorCode === '-007' ? (/\b(?:[579]\d{3}|6\d{4})\b/.exec(detail)?.[0] ?? errorCode) : errorCode) ??
    '';
  const known = TURNKEY_MESSAGE_CODES[code];
  return { code: code || 'UNKNOWN', zh: known?.zh ?? null, en: known?.en ?? null, detail };
}

/** The bilingual text of a platform or Turnkey code, if the MOF list has it. */
export const turnkeyCodeText = (code: string) => TURNKEY_MESSAGE_CODES[code] ?? null;
