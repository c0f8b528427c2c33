/**
 * E0401 分支機構配號檔 (`BranchTrack`) and E0402 空白未使用字軌檔 (`BranchTrackBlank`) — einvoice-domain.md §3,
 * v41/E0401.xsd and v41/E0402.xsd. Both have Main{HeadBan, BranchBan, InvoiceType, YearMonth, InvoiceTrack, …} and a
 * list of number runs; numbers are 8-digit strings, `YearMonth` is the ROC year + the period's even month (`11402`).
 *
 * XSD quirks (einvoice-domain.md §3.1, mig/xsd/SOURCES.md): E0401's item begin number is declared
 * `name=" InvoiceBeginNo"` and E0402's Main branch BAN `name=" BranchBan"`, each with a leading space. An element
 * name cannot start with a space, so we write `InvoiceBeginNo` / `BranchBan`: what a schema processor that collapses
 * the declared name (as the XML Schema for schemas says: NCName, whiteSpace collapse) expects. libxml2 2.13 does not
 * collapse it and rejects every such document; packages/xsd repairs the declaration when it loads the schema.
 * UNVERIFIED that Turnkey's Java validator (Xerces, presumably) reads it this way — inferred from the spec, not run.
 */
import { BOOKLET, type Interval, inside, isBookletAligned, overlaps, sizeOf } from '../allocation.ts';
import type { InvoiceType } from '../rules/amounts.ts';
import { MigValueError, migInvoiceNo } from './format.ts';
import { openMessage } from './messages.ts';
import type { XmlWriter } from './xml.ts';

/** The key shared by E0401 and E0402 Main: one message per key. */
export type BranchTrackKey = {
  /** 總公司統一編號: the seller's BAN. */
  headBan: string;
  /** 分支機構統一編號: the site's own BAN (分支機構), else the seller's. */
  branchBan: string;
  invoiceType: InvoiceType;
  /** `11402` (ROC year + even month). */
  yearMonth: string;
  /** 字軌, two letters. */
  track: string;
};

export type E0401Input = BranchTrackKey & {
  /** The range the platform assigned to the head office (E0501), for Main InvoiceBeginNo/InvoiceEndNo. */
  range: Interval;
  /** The blocks of that range given to the branch: whole booklets of 50 inside the range, not overlapping. */
  blocks: readonly Interval[];
};

function writeMainKey(w: XmlWriter, key: BranchTrackKey): void {
  w.leaf('HeadBan', key.headBan)
    .leaf('BranchBan', key.branchBan)
    .leaf('InvoiceType', key.invoiceType)
    .leaf('YearMonth', key.yearMonth)
    .leaf('InvoiceTrack', key.track);
}

/**
 * The E0401 XML giving a branch `blocks` of the head office's `range`; each detail carries its booklet count
 * (InvoiceBooklet = numbers / 50). Blocks are written in number order. Throws `MigValueError` for a block that is not
 * whole booklets, lies outside the range or overlaps another (platform codes E0603, E0608, E0609/E0612).
 */
export function buildE0401(input: E0401Input): string {
  const blocks = [...input.blocks].sort((a, b) => a.begin - b.begin);
  for (const [i, b] of blocks.entries()) {
    const f = `E0401 blocks (${b.begin}-${b.end})`;
    if (!isBookletAligned(b)) throw new MigValueError(f, `must be whole booklets of ${BOOKLET} (begin …00/…50, end …49/…99)`);
    if (!inside(b, input.range)) throw new MigValueError(f, `lies outside the range ${input.range.begin}-${input.range.end}`);
    const prev = blocks[i - 1];
    if (prev && overlaps(prev, b)) throw new MigValueError(f, `overlaps the block ${prev.begin}-${prev.end}`);
  }
  const w = openMessage('E0401');
  w.open('Main');
  writeMainKey(w, input);
  w.leaf('InvoiceBeginNo', migInvoiceNo(input.range.begin, 'E0401 range.begin'))
    .leaf('InvoiceEndNo', migInvoiceNo(input.range.end, 'E0401 range.end'))
    .close();
  w.open('Details');
  for (const b of blocks) {
    w.open('BranchTrackItem')
      .leaf('InvoiceBeginNo', migInvoiceNo(b.begin, 'E0401 blocks.begin'))
      .leaf('InvoiceEndNo', migInvoiceNo(b.end, 'E0401 blocks.end'))
      .leaf('InvoiceBooklet', String(sizeOf(b) / BOOKLET))
      .close();
  }
  w.close();
  return w.close().toString();
}

/** At most this many BranchTrackBlankItem per E0402 (`maxOccurs="10000"`). */
export const E0402_MAX_ITEMS = 10_000;

export type E0402Input = BranchTrackKey & {
  /** The blank (unissued) runs, each [begin, end] inclusive; written in number order. */
  blanks: readonly Interval[];
};

/**
 * A blank run as the period close stores it (table `period_blanks`: head_ban, branch_ban, invoice_type, year_month,
 * track, begin_no, end_no).
 */
export type BlankRun = BranchTrackKey & { beginNo: number; endNo: number };

/**
 * The E0402 messages for stored blank runs: one per (HeadBan, BranchBan, InvoiceType, YearMonth, InvoiceTrack)
 * (einvoice-domain.md §3.2), runs in number order, messages in key order. A key with more than 10,000 runs is split
 * over several messages (UNVERIFIED whether the platform accepts several E0402 for one key; 10,000 runs in one track
 * would take 10,000 separate holes, far beyond what period close produces).
 */
export function groupBlankRuns(runs: readonly BlankRun[]): E0402Input[] {
  const groups = new Map<string, E0402Input & { blanks: Interval[] }>();
  for (const r of runs) {
    const key = [r.headBan, r.branchBan, r.invoiceType, r.yearMonth, r.track].join('|');
    let g = groups.get(key);
    if (!g) {
      g = {
        headBan: r.headBan,
        branchBan: r.branchBan,
        invoiceType: r.invoiceType,
        yearMonth: r.yearMonth,
        track: r.track,
        blanks: [],
      };
      groups.set(key, g);
    }
    g.blanks.push({ begin: r.beginNo, end: r.endNo });
  }
  const out: E0402Input[] = [];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key) as E0402Input & { blanks: Interval[] };
    const blanks = g.blanks.sort((a, b) => a.begin - b.begin);
    for (let i = 0; i < blanks.length; i += E0402_MAX_ITEMS) out.push({ ...g, blanks: blanks.slice(i, i + E0402_MAX_ITEMS) });
  }
  return out;
}

/** The E0402 XML of one key's blank runs. Throws `MigValueError` for a run whose end precedes its begin. */
export function buildE0402(input: E0402Input): string {
  const blanks = [...input.blanks].sort((a, b) => a.begin - b.begin);
  const w = openMessage('E0402');
  w.open('Main');
  writeMainKey(w, input);
  w.close();
  w.open('Details');
  for (const b of blanks) {
    if (b.end < b.begin) throw new MigValueError(`E0402 blanks (${b.begin}-${b.end})`, 'ends before it begins');
    w.open('BranchTrackBlankItem')
      .leaf('InvoiceBeginNo', migInvoiceNo(b.begin, 'E0402 blanks.begin'))
      .leaf('InvoiceEndNo', migInvoiceNo(b.end, 'E0402 blanks.end'))
      .close();
  }
  w.close();
  return w.close().toString();
}
