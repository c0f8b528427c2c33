/**
 * Result codes and how an error is written to TURNKEY_SYSEVENT_LOG.
 *
 * Platform codes (E0001…E1005, C000…C005) and their texts come from the official Turnkey 3.2.0 properties
 * (`shared/mig/turnkey/turnkey-3.2.0-message-codes.tsv`), as the product carries them: the domain's
 * generated TURNKEY_MESSAGE_CODES.
 *
 * Local validation codes: Turnkey's validator rejects a file before upload with codes in 7001–7016
 * (constants in the gateway jar's `ValidateConstant.class`; their meanings are NOT in the jar). The
 * assignment below is this simulator's own, documented in README.md; only the range is real.
 */
import { TURNKEY_MESSAGE_CODES } from '@app/domain';

export type CodeText = { code: string; zh: string; en: string };

export const LOCAL_CODES = {
  /** The file cannot be read as a UTF-8 XML document. */
  unreadable: { code: '7001', zh: 'XML 檔案無法解析', en: 'The XML file cannot be read or parsed.' },
  /** XSD validation failed. */
  schema: { code: '7002', zh: 'XML 格式驗證(XSD)失敗', en: 'The XML does not conform to the message schema (XSD).' },
  /** A Turnkey business rule (einvoice-domain.md §4.3) failed. */
  rule: { code: '7003', zh: '訊息內容檢核失敗', en: 'A business rule check failed.' },
  /** A BAN (統一編號) fails its checksum. */
  ban: { code: '7004', zh: '統一編號檢核錯誤', en: 'A BAN (tax ID number) fails its check digit rule.' },
} as const satisfies Record<string, CodeText>;

export type LocalCodeKey = keyof typeof LOCAL_CODES;

/**
 * ERRORCODE of a local (pre-upload) validation event. [HO] reads such events as ERRORCODE `-007` with the
 * 7xxx code inside the message text (regex `[579]\d{3}`), so the simulator writes exactly that.
 */
export const LOCAL_VALIDATION_ERRORCODE = '-007';

/** The success code of a ProcessResult entry and its text, as [HO] `taiwan_einvoice/turnkey.py` knows them. */
export const SUCCESS = { code: '00000', zh: '訊息存證成功' } as const;

export type CodeBook = {
  get(code: string): CodeText | undefined;
  has(code: string): boolean;
  readonly size: number;
};

/** The platform codes and texts: the MOF list the product itself carries (packages/domain, generated from the TSV). */
export function loadCodeBook(): CodeBook {
  const map = new Map<string, CodeText>(Object.entries(TURNKEY_MESSAGE_CODES).map(([code, t]) => [code, { code, ...t }]));
  return { get: (c) => map.get(c), has: (c) => map.has(c), size: map.size };
}

/** The one-line text of an error: `E0201 訊息重複 (Message is repeated.)`, then any detail. */
export function errorText(c: CodeText, detail?: string): string {
  return `${c.code} ${c.zh} (${c.en})${detail ? ` ${detail}` : ''}`;
}

/** Split `text` into MESSAGE1..6: 100 characters each (characters, not bytes), the rest cut off. */
export function splitMessage(text: string): [string, string, string, string, string, string] {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  const part = (k: number) => chars.slice(k * 100, (k + 1) * 100).join('');
  return [part(0), part(1), part(2), part(3), part(4), part(5)];
}
