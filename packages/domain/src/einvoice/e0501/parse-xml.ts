/**
 * E0501 營業人電子發票配號檔 as XML — einvoice-domain.md §3.1, XSD `common/v40/E0501.xsd`.
 *
 * Two shapes are accepted:
 * - a bare `<InvoiceAssignNo xmlns="urn:GEINV:E0501:4.0">` (one allocation);
 * - the `<InvoiceEnvelope>` Turnkey leaves in `Unpack/BAK/E0501/…`: `From/PartyId` (the seller BAN),
 *   `FromVAC/RoutingId`, and an `InvoicePack` of one or more `InvoiceAssignNo`. An entry whose `Ban` is not
 *   `From/PartyId` gets the reason `BAN_NOT_ENVELOPE_PARTY` (as [HO] rejects such items).
 *
 * Namespaces accepted:
 * - `InvoiceAssignNo`: `urn:GEINV:E0501:4.0` (the only 4.x E0501; MIG 4.1 keeps it) and `urn:GEINV:E0501:3.2`.
 *   The shipped `v32/E0501.xsd` is byte-identical to `common/v40/E0501.xsd` except for the namespace (its
 *   `InvoiceTypeEnum` also allows 01–06, which the validator refuses anyway), so files downloaded by a
 *   Turnkey still configured for MIG 3.2 — usable until 2025-12-31 — read the same way. 3.1 is not accepted.
 * - `InvoiceEnvelope`: `urn:GEINV:InvoiceEnvelope:4.1`, `:4.0` (the two shipped 4.x envelope XSDs, both listing
 *   `urn:GEINV:E0501:4.0` in `InvoicePack`) and `:3.2`.
 * A root without a namespace is refused: both XSDs are `elementFormDefault="qualified"`.
 *
 * Safety: the size is checked before anything is decoded; any `<!DOCTYPE` or `<!ENTITY` is refused before
 * parsing (so no DTD, no internal or external entity, no expansion bomb); only the predefined XML entities
 * and character references are decoded (plus HTML entity names, a quirk of fast-xml-parser). Every failure to read the file is a `DomainError`
 * (`e0501FileError`), never a library error. Values are kept as strings (leading zeros intact), trimmed.
 *
 * Prefixes: elements are resolved to (namespace URI, local name) from the `xmlns`/`xmlns:p` declarations in
 * scope, so `<e:InvoiceAssignNo xmlns:e="urn:GEINV:E0501:4.0"><e:Ban>…` and a default namespace read alike.
 * (fast-xml-parser's `removeNSPrefix` would also drop the `xmlns` attributes we need to check the URI, so the
 * parser keeps prefixes and this file resolves them.)
 */
import { decodeXmlBytes, readXmlTree, type XmlElement, type XmlTreeFail } from '../xml-tree.ts';
import { type E0501Field, type E0501Reason, reasons } from './reasons.ts';
import {
  assertSize,
  type E0501Envelope,
  type E0501Warning,
  type E0501XmlFile,
  e0501FileError,
  type ParseE0501Options,
  type RawE0501Entry,
  type RawE0501Fields,
} from './types.ts';

export const E0501_NAMESPACES = ['urn:GEINV:E0501:4.0', 'urn:GEINV:E0501:3.2'] as const;
export const INVOICE_ENVELOPE_NAMESPACES = [
  'urn:GEINV:InvoiceEnvelope:4.1',
  'urn:GEINV:InvoiceEnvelope:4.0',
  'urn:GEINV:InvoiceEnvelope:3.2',
] as const;

const FIELDS = new Map<string, { key: keyof RawE0501Fields; field: E0501Field }>([
  ['Ban', { key: 'ban', field: 'Ban' }],
  ['InvoiceType', { key: 'invoiceType', field: 'InvoiceType' }],
  ['YearMonth', { key: 'yearMonth', field: 'YearMonth' }],
  ['InvoiceTrack', { key: 'track', field: 'InvoiceTrack' }],
  ['InvoiceBeginNo', { key: 'begin', field: 'InvoiceBeginNo' }],
  ['InvoiceEndNo', { key: 'end', field: 'InvoiceEndNo' }],
  ['InvoiceBooklet', { key: 'booklet', field: 'InvoiceBooklet' }],
]);

const fail: XmlTreeFail = (reason, message, where) => e0501FileError(reason, message, where);

const childOf = (el: XmlElement | undefined, local: string): XmlElement | undefined =>
  el?.children.find((c) => c.local === local && c.ns === el.ns);
const textOf = (el: XmlElement | undefined): string | undefined => (el === undefined ? undefined : el.text);
const describe = (el: XmlElement) => `<${el.local}>${el.ns === undefined ? ' without a namespace' : ` in namespace ${el.ns}`}`;

function readEntry(el: XmlElement, index: number, partyId: string | undefined): RawE0501Entry {
  const fields: RawE0501Fields = {};
  const issues: E0501Reason[] = [];
  for (const child of el.children) {
    const known = child.ns === el.ns ? FIELDS.get(child.local) : undefined;
    if (known === undefined) {
      issues.push(reasons.xmlUnexpectedElement(child.local, child.ns));
      continue;
    }
    if (fields[known.key] !== undefined) {
      issues.push(reasons.xmlDuplicateElement(known.field));
      continue;
    }
    for (const grandchild of child.children) issues.push(reasons.xmlUnexpectedElement(grandchild.local, grandchild.ns));
    fields[known.key] = child.text;
  }
  if (partyId !== undefined && fields.ban !== undefined && fields.ban !== partyId) {
    issues.push(reasons.banNotEnvelopeParty(fields.ban, partyId));
  }
  return { source: 'xml', index, line: el.line, fields, issues };
}

const isE0501 = (el: XmlElement) =>
  el.local === 'InvoiceAssignNo' && (E0501_NAMESPACES as readonly (string | undefined)[]).includes(el.ns);

function readEnvelope(root: XmlElement): E0501XmlFile {
  const partyId = textOf(childOf(childOf(root, 'From'), 'PartyId'));
  if (!partyId) throw e0501FileError('ENVELOPE_INVALID', 'The InvoiceEnvelope has no From/PartyId', { line: root.line });
  const pack = childOf(root, 'InvoicePack');
  if (pack === undefined) throw e0501FileError('ENVELOPE_INVALID', 'The InvoiceEnvelope has no InvoicePack', { line: root.line });
  if (pack.children.length === 0) {
    throw e0501FileError('ENVELOPE_INVALID', 'The InvoicePack holds no InvoiceAssignNo', { line: pack.line });
  }
  for (const item of pack.children) {
    if (!isE0501(item)) {
      throw e0501FileError(
        'XML_NOT_E0501',
        `The InvoicePack holds ${describe(item)}; only InvoiceAssignNo in ${E0501_NAMESPACES.join(' or ')} is accepted`,
        { line: item.line },
      );
    }
  }
  const envelope: E0501Envelope = {
    namespace: root.ns as string,
    fromPartyId: partyId,
    fromRoutingId: textOf(childOf(childOf(root, 'FromVAC'), 'RoutingId')),
    toPartyId: textOf(childOf(childOf(root, 'To'), 'PartyId')),
    toRoutingId: textOf(childOf(childOf(root, 'ToVAC'), 'RoutingId')),
    messageType: pack.attrs['messageType'],
    count: pack.attrs['count'],
    version: pack.attrs['version'],
  };
  const entries = pack.children.map((item, i) => readEntry(item, i, partyId));
  const warnings: E0501Warning[] = [];
  if (envelope.count !== undefined && envelope.count !== String(entries.length)) {
    warnings.push({
      code: 'PACK_COUNT_MISMATCH',
      message: `InvoicePack count="${envelope.count}" but it holds ${entries.length} InvoiceAssignNo`,
    });
  }
  if (envelope.messageType !== undefined && envelope.messageType !== 'E0501') {
    warnings.push({ code: 'PACK_MESSAGE_TYPE', message: `InvoicePack messageType="${envelope.messageType}", expected E0501` });
  }
  return { format: 'xml', namespace: (pack.children[0] as XmlElement).ns as string, envelope, entries, warnings };
}

/**
 * Reads an E0501 XML file (bare `InvoiceAssignNo` or an `InvoiceEnvelope`). Throws a `DomainError` from
 * `e0501FileError` when the file cannot be read as E0501 at all; per-entry problems found while reading
 * are in each entry's `issues`, and `validateE0501Entries` checks the values.
 */
export function parseE0501Xml(buf: Buffer, opts: ParseE0501Options): E0501XmlFile {
  assertSize(buf, opts.maxBytes);
  const root = readXmlTree(decodeXmlBytes(buf, fail), fail);
  if (root.local === 'InvoiceAssignNo') {
    if (!isE0501(root)) {
      throw e0501FileError(
        'XML_NAMESPACE_UNSUPPORTED',
        `The root ${describe(root)} is not accepted; expected ${E0501_NAMESPACES.join(' or ')}`,
        { line: root.line },
      );
    }
    return { format: 'xml', namespace: root.ns as string, entries: [readEntry(root, 0, undefined)], warnings: [] };
  }
  if (root.local === 'InvoiceEnvelope') {
    if (!(INVOICE_ENVELOPE_NAMESPACES as readonly (string | undefined)[]).includes(root.ns)) {
      throw e0501FileError(
        'XML_NAMESPACE_UNSUPPORTED',
        `The root ${describe(root)} is not accepted; expected ${INVOICE_ENVELOPE_NAMESPACES.join(', ')}`,
        { line: root.line },
      );
    }
    return readEnvelope(root);
  }
  throw e0501FileError('XML_NOT_E0501', `The root ${describe(root)} is neither InvoiceAssignNo nor InvoiceEnvelope`, {
    line: root.line,
  });
}
