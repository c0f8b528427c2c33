/**
 * What Turnkey's TURNKEY_MESSAGE_LOG.INVOICE_IDENTIFIER (VARCHAR 30) says for a message, so results can be
 * matched to it (einvoice-domain.md §5.4): `<MSG><InvoiceNumber><InvoiceDate>` for F0401 and
 * `<MSG><number><CancelDate|VoidDate>` for F0501/F0701, as [HO] matches them. The G messages are assumed to
 * follow the same pattern with the allowance number and the allowance, cancel or void date, and E0402 to
 * name its branch BAN, track and invoice type (+ YearMonth) — inferred, unverified against a real Turnkey.
 * The issuing statement builds the F0401 form in SQL (the number is only known there): keep them alike.
 */
const ymd = (isoDate: string) => isoDate.replaceAll('-', '');

export type IdentifiedMessage =
  | { type: 'F0401'; invoiceNumber: string; invoiceDate: string }
  | { type: 'F0501' | 'F0701'; invoiceNumber: string; taipeiDate: string }
  | { type: 'G0401'; allowanceNumber: string; allowanceDate: string }
  | { type: 'G0501' | 'G0701'; allowanceNumber: string; taipeiDate: string }
  | { type: 'E0402'; branchBan: string; track: string; invoiceType: string; yearMonth: string };

/** Dates are `YYYY-MM-DD` (Asia/Taipei). */
export function turnkeyIdentifier(m: IdentifiedMessage): string {
  switch (m.type) {
    case 'F0401':
      return `F0401${m.invoiceNumber}${ymd(m.invoiceDate)}`;
    case 'F0501':
    case 'F0701':
      return `${m.type}${m.invoiceNumber}${ymd(m.taipeiDate)}`;
    case 'G0401':
      return `G0401${m.allowanceNumber}${ymd(m.allowanceDate)}`;
    case 'G0501':
    case 'G0701':
      return `${m.type}${m.allowanceNumber}${ymd(m.taipeiDate)}`;
    case 'E0402':
      return `E0402${m.branchBan}${m.track}${m.invoiceType}${m.yearMonth}`;
  }
}

/**
 * The INVOICE_IDENTIFIERs Turnkey may log for a message of ours. E0401/E0402: ours ends with the YearMonth
 * (so messages of different periods differ), which the platform's form may leave out ([HO] matches BranchBan
 * + track + type only; inferred) — both are candidates, and the log row's time (not before the hand-off)
 * tells the periods apart. F/G: the identifier itself.
 */
export function turnkeyLogIdentifiers(identifier: string): string[] {
  const periodless = /^E040[12]/.test(identifier) && /\d{3}(0[2468]|1[02])$/.test(identifier) ? identifier.slice(0, -5) : null;
  return periodless ? [identifier, periodless] : [identifier];
}
