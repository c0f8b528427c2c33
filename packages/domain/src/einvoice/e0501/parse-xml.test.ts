import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../errors.ts';
import { parseE0501Xml } from './parse-xml.ts';
import { type E0501FileErrorReason, e0501FileErrorReason } from './types.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const opts = { maxBytes: 64 * 1024 };
const xml = (s: string) => Buffer.from(s, 'utf8');
const E0501_NS = 'urn:GEINV:E0501:4.0';
const bare = (inner: string, ns = E0501_NS) => xml(`<InvoiceAssignNo xmlns="${ns}">${inner}</InvoiceAssignNo>`);
const FULL =
  '<Ban>24549210</Ban><InvoiceType>07</InvoiceType><YearMonth>11402</YearMonth><InvoiceTrack>AB</InvoiceTrack>' +
  '<InvoiceBeginNo>12345600</InvoiceBeginNo><InvoiceEndNo>12345649</InvoiceEndNo><InvoiceBooklet>1</InvoiceBooklet>';

/** Runs `fn`, expects it to throw the E0501 file error `reason`, and returns the error's message. */
function refusal(fn: () => unknown, reason: E0501FileErrorReason): string {
  try {
    fn();
  } catch (e) {
    expect(isDomainError(e), `not a DomainError: ${String(e)}`).toBe(true);
    expect(e0501FileErrorReason(e)).toBe(reason);
    return (e as Error).message;
  }
  throw new Error(`expected the E0501 file error ${reason}, but nothing was thrown`);
}

describe('parseE0501Xml: bare InvoiceAssignNo', () => {
  it('reads every field as a string, keeping leading zeros', () => {
    const file = parseE0501Xml(fixture('bare-assign-no.xml'), opts);
    expect(file).toEqual({
      format: 'xml',
      namespace: E0501_NS,
      warnings: [],
      entries: [
        {
          source: 'xml',
          index: 0,
          line: 2,
          issues: [],
          fields: {
            ban: '04595252',
            invoiceType: '07',
            yearMonth: '11402',
            track: 'AB',
            begin: '02345600',
            end: '02345699',
            booklet: '2',
          },
        },
      ],
    });
  });

  it('accepts the MIG 3.2 namespace (same schema, other URI)', () => {
    const file = parseE0501Xml(fixture('bare-assign-no-3.2.xml'), opts);
    expect(file.namespace).toBe('urn:GEINV:E0501:3.2');
    expect(file.entries[0]?.fields).toMatchObject({ ban: '24549210', begin: '00000000', end: '00000049' });
  });

  it('refuses other namespaces, including none', () => {
    expect(refusal(() => parseE0501Xml(bare(FULL, 'urn:GEINV:E0501:3.1'), opts), 'XML_NAMESPACE_UNSUPPORTED')).toContain(
      'urn:GEINV:E0501:3.1',
    );
    expect(
      refusal(() => parseE0501Xml(xml(`<InvoiceAssignNo>${FULL}</InvoiceAssignNo>`), opts), 'XML_NAMESPACE_UNSUPPORTED'),
    ).toContain('without a namespace');
  });

  it('refuses a root that is not E0501', () => {
    const msg = refusal(
      () => parseE0501Xml(xml('<Invoice xmlns="urn:GEINV:eInvoiceMessage:F0401:4.1"><Main/></Invoice>'), opts),
      'XML_NOT_E0501',
    );
    expect(msg).toContain('<Invoice>');
  });

  it('reports stray, duplicated and nested elements as entry issues, and keeps the first value', () => {
    const file = parseE0501Xml(
      bare(`${FULL}<Ban>53212539</Ban><Note>x</Note><InvoiceTrack2/><e:Ban xmlns:e="urn:other">1</e:Ban>`),
      opts,
    );
    const entry = file.entries[0];
    expect(entry?.fields.ban).toBe('24549210');
    expect(entry?.issues.map((i) => [i.code, i.field])).toEqual([
      ['XML_DUPLICATE_ELEMENT', 'Ban'],
      ['XML_UNEXPECTED_ELEMENT', 'entry'],
      ['XML_UNEXPECTED_ELEMENT', 'entry'],
      ['XML_UNEXPECTED_ELEMENT', 'entry'],
    ]);
    expect(entry?.issues[3]?.message).toContain('urn:other');
  });

  it('trims values, decodes predefined entities and leaves absent elements undefined', () => {
    const file = parseE0501Xml(
      bare('<Ban>\n  04595252 \n</Ban><InvoiceTrack>&#65;&#x42;</InvoiceTrack><YearMonth></YearMonth>'),
      opts,
    );
    expect(file.entries[0]?.fields).toEqual({ ban: '04595252', track: 'AB', yearMonth: '' });
  });
});

describe('parseE0501Xml: InvoiceEnvelope', () => {
  it('reads the envelope and three allocations in document order, with their lines', () => {
    const file = parseE0501Xml(fixture('envelope-three.xml'), opts);
    expect(file.envelope).toEqual({
      namespace: 'urn:GEINV:InvoiceEnvelope:4.1',
      fromPartyId: '24549210',
      fromRoutingId: '24549210',
      toPartyId: '24549210',
      toRoutingId: '24549210',
      messageType: 'E0501',
      count: '3',
      version: 'v41',
    });
    expect(file.namespace).toBe(E0501_NS);
    expect(file.warnings).toEqual([]);
    expect(file.entries.map((e) => [e.index, e.line, e.fields.track, e.fields.begin, e.fields.booklet])).toEqual([
      [0, 16, 'AB', '12345600', '1'],
      [1, 25, 'AC', '00000050', '4'],
      [2, 34, 'XY', '87654500', '10'],
    ]);
    expect(file.entries[2]?.fields).toMatchObject({ invoiceType: '08', yearMonth: '11404', ban: '24549210' });
    expect(file.entries.every((e) => e.issues.length === 0)).toBe(true);
  });

  it('flags an entry whose Ban is not the envelope From/PartyId', () => {
    const file = parseE0501Xml(fixture('envelope-foreign-ban.xml'), opts);
    expect(file.envelope?.namespace).toBe('urn:GEINV:InvoiceEnvelope:4.0');
    expect(file.entries[0]?.issues).toEqual([]);
    expect(file.entries[1]?.issues).toHaveLength(1);
    expect(file.entries[1]?.issues[0]).toMatchObject({ code: 'BAN_NOT_ENVELOPE_PARTY', field: 'Ban' });
    expect(file.entries[1]?.issues[0]?.message).toBe("Ban 53212539 differs from the envelope's From/PartyId 24549210");
    expect(file.entries[1]?.issues[0]?.messageZh).toContain('53212539');
  });

  it('resolves namespace prefixes (envelope and entries) and counts lines over CRLF', () => {
    const file = parseE0501Xml(fixture('prefixed-crlf.xml'), opts);
    expect(file.envelope).toMatchObject({ namespace: 'urn:GEINV:InvoiceEnvelope:4.1', fromPartyId: '10458575' });
    expect(file.entries.map((e) => [e.line, e.fields.track, e.fields.begin, e.fields.booklet, e.issues.length])).toEqual([
      [8, 'QR', '00001000', '01', 0],
      [13, 'QS', '00001050', '1', 0],
    ]);
  });

  it('checks the namespace URI, not the prefix', () => {
    const wrongUri = xml(
      '<InvoiceEnvelope xmlns="urn:GEINV:InvoiceEnvelope:4.1"><From><PartyId>24549210</PartyId></From>' +
        `<InvoicePack><e:InvoiceAssignNo xmlns:e="urn:GEINV:E0501:9.9">${FULL}</e:InvoiceAssignNo></InvoicePack></InvoiceEnvelope>`,
    );
    expect(refusal(() => parseE0501Xml(wrongUri, opts), 'XML_NOT_E0501')).toContain('urn:GEINV:E0501:9.9');
    const envelopeUri = xml(
      '<x:InvoiceEnvelope xmlns:x="urn:GEINV:InvoiceEnvelope:9.9"><x:From><x:PartyId>1</x:PartyId></x:From></x:InvoiceEnvelope>',
    );
    expect(refusal(() => parseE0501Xml(envelopeUri, opts), 'XML_NAMESPACE_UNSUPPORTED')).toContain('InvoiceEnvelope:9.9');
    const undeclared = xml(`<e:InvoiceAssignNo>${FULL}</e:InvoiceAssignNo>`);
    expect(refusal(() => parseE0501Xml(undeclared, opts), 'XML_MALFORMED')).toContain('prefix "e"');
  });

  it('envelope structure errors and pack warnings', () => {
    const env = (from: string, pack: string) =>
      xml(`<InvoiceEnvelope xmlns="urn:GEINV:InvoiceEnvelope:4.1">${from}${pack}</InvoiceEnvelope>`);
    const item = `<InvoiceAssignNo xmlns="${E0501_NS}">${FULL}</InvoiceAssignNo>`;
    const from = '<From><PartyId>24549210</PartyId></From>';
    expect(refusal(() => parseE0501Xml(env('', `<InvoicePack>${item}</InvoicePack>`), opts), 'ENVELOPE_INVALID')).toContain(
      'From/PartyId',
    );
    expect(refusal(() => parseE0501Xml(env(from, ''), opts), 'ENVELOPE_INVALID')).toContain('no InvoicePack');
    expect(refusal(() => parseE0501Xml(env(from, '<InvoicePack/>'), opts), 'ENVELOPE_INVALID')).toContain('holds no');
    const other = '<Invoice xmlns="urn:GEINV:eInvoiceMessage:F0401:4.1"/>';
    expect(
      refusal(() => parseE0501Xml(env(from, `<InvoicePack>${item}${other}</InvoicePack>`), opts), 'XML_NOT_E0501'),
    ).toContain('F0401');
    const file = parseE0501Xml(env(from, `<InvoicePack count="2" messageType="F0401">${item}</InvoicePack>`), opts);
    expect(file.entries).toHaveLength(1);
    expect(file.warnings.map((w) => w.code)).toEqual(['PACK_COUNT_MISMATCH', 'PACK_MESSAGE_TYPE']);
  });
});

describe('parseE0501Xml: hostile and broken input', () => {
  it('refuses malformed XML with its line, as a DomainError', () => {
    const msg = refusal(() => parseE0501Xml(fixture('malformed.xml'), opts), 'XML_MALFORMED');
    expect(msg).toMatch(/line 6/);
    for (const junk of ['', 'not xml at all', '<a>', '<a></b>', '<a/><b/>', '<?xml version="1.0"?>']) {
      refusal(() => parseE0501Xml(xml(junk), opts), 'XML_MALFORMED');
    }
  });

  it('refuses a DOCTYPE entity bomb and an external entity before parsing', () => {
    expect(refusal(() => parseE0501Xml(fixture('doctype-bomb.xml'), opts), 'XML_DTD_FORBIDDEN')).toContain('DOCTYPE');
    refusal(() => parseE0501Xml(fixture('external-entity.xml'), opts), 'XML_DTD_FORBIDDEN');
    refusal(() => parseE0501Xml(xml(`<!ENTITY x "y"><InvoiceAssignNo xmlns="${E0501_NS}"/>`), opts), 'XML_DTD_FORBIDDEN');
  });

  it('refuses input over maxBytes before decoding it', () => {
    const buf = fixture('bare-assign-no.xml');
    expect(parseE0501Xml(buf, { maxBytes: buf.length }).entries).toHaveLength(1);
    const msg = refusal(() => parseE0501Xml(buf, { maxBytes: buf.length - 1 }), 'FILE_TOO_LARGE');
    expect(msg).toContain(String(buf.length));
    // even bytes that are not XML at all are refused on size first
    refusal(() => parseE0501Xml(Buffer.alloc(1025, 0xff), { maxBytes: 1024 }), 'FILE_TOO_LARGE');
    expect(() => parseE0501Xml(buf, { maxBytes: 10 })).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', statusCode: 413 }),
    );
    expect(() => parseE0501Xml(fixture('malformed.xml'), opts)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parseE0501Xml(buf, { maxBytes: 0 })).toThrow(TypeError);
  });

  it('decodes per the declaration: UTF-8 with BOM, Big5; refuses invalid UTF-8, UTF-16 and other encodings', () => {
    const body = `<InvoiceAssignNo xmlns="${E0501_NS}"><Ban>24549210</Ban><InvoiceTrack>字軌</InvoiceTrack></InvoiceAssignNo>`;
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), xml(`<?xml version="1.0" encoding="UTF-8"?>${body}`)]);
    expect(parseE0501Xml(bom, opts).entries[0]?.fields.track).toBe('字軌');
    const big5 = iconv.encode(`<?xml version="1.0" encoding="Big5"?>\n${body}`, 'cp950');
    expect(parseE0501Xml(big5, opts).entries[0]?.fields).toMatchObject({ ban: '24549210', track: '字軌' });
    refusal(() => parseE0501Xml(iconv.encode(body, 'cp950'), opts), 'ENCODING_UNSUPPORTED'); // Big5 bytes, no declaration
    refusal(() => parseE0501Xml(Buffer.from(`\ufeff${body}`, 'utf16le'), opts), 'ENCODING_UNSUPPORTED');
    expect(
      refusal(() => parseE0501Xml(xml(`<?xml version="1.0" encoding="Shift_JIS"?>${body}`), opts), 'ENCODING_UNSUPPORTED'),
    ).toContain('shift_jis');
  });
});
