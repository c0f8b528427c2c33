/**
 * The result-file readers against the files the Turnkey stand-in writes (its own writer functions,
 * apps/turnkey-sim/src/results.ts) and hand-written variants: the XSD's names, other namespaces and prefixes,
 * missing wrappers, other date forms, inconsistent counts, and garbage.
 */
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { type Pack, processResultXml, summaryResultXml } from '../../../../../apps/turnkey-sim/src/results.ts';
import { isDomainError } from '../../errors.ts';
import {
  commonNameInstant,
  normaliseResultDate,
  parseCommonName,
  parseProcessResult,
  parseSummaryResult,
  processResultIdentifiers,
  type ResultFileErrorReason,
  resultFileErrorReason,
  summaryIdentifier,
} from './result-files.ts';

const opts = { maxBytes: 1024 * 1024 };
const PACK_ID = '4.1-F0401-20261121-141623456-550e8400-e29b-41d4-a716-446655440000';
const pack = (over: Partial<Pack> = {}): Pack => ({
  uuid: '550e8400-e29b-41d4-a716-446655440000',
  id: PACK_ID,
  messageType: 'F0401',
  service: 'B2SSTORAGE',
  size: 1234,
  fromPartyId: '04595257',
  fromRoutingId: '04595257RT',
  ...over,
});

function refusal(fn: () => unknown, reason: ResultFileErrorReason): string {
  try {
    fn();
  } catch (e) {
    expect(isDomainError(e), `not a DomainError: ${String(e)}`).toBe(true);
    expect(resultFileErrorReason(e)).toBe(reason);
    return (e as Error).message;
  }
  throw new Error(`expected the result file error ${reason}, but nothing was thrown`);
}

describe('parseProcessResult', () => {
  it("reads the stand-in's file: routing, the pack, one entry per Info with its parameters", () => {
    const xml = processResultXml(pack(), [
      { code: '00000', description: '訊息存證成功', referenceNumber: 'AB12345678', date: '20261121' },
      { code: 'E0201', description: '訊息重複 Message is repeated.', referenceNumber: 'AB12345679', date: '20261121' },
    ]);
    const f = parseProcessResult(xml, opts);
    expect(f).toMatchObject({
      kind: 'ProcessResult',
      namespace: 'urn:GEINV:ProcessResult:4.0',
      routing: { fromPartyId: '04595257', fromRoutingId: '04595257RT', toPartyId: '0000000000', toRoutingId: '0000000000' },
      message: { id: PACK_ID, size: '1234', messageType: 'F0401', service: 'B2SSTORAGE', action: 'Upload' },
      warnings: [],
    });
    expect(f.entries.map((e) => [e.code, e.description, e.parameters])).toEqual([
      ['00000', '訊息存證成功', ['AB12345678', '20261121']],
      ['E0201', '訊息重複 Message is repeated.', ['AB12345679', '20261121']],
    ]);
    expect(processResultIdentifiers('F0401', f.entries[0]!)).toContain('F0401AB1234567820261121');
  });

  it('reads an E0402 entry (no date) and names its identifier', () => {
    const xml = processResultXml(pack({ messageType: 'E0402', service: 'B2PMESSAGE' }), [
      { code: '00000', description: '訊息存證成功', referenceNumber: '04595257AB07', date: '' },
    ]);
    const [entry] = parseProcessResult(xml, opts).entries;
    expect(entry?.parameters).toEqual(['04595257AB07']);
    expect(processResultIdentifiers('E0402', entry!)).toContain('E040204595257AB07');
  });

  it('is namespace-agnostic: a 3.0 namespace with a prefix, or none, read the same; parameters keep their number', () => {
    const prefixed = `<?xml version="1.0"?>
<p:ProcessResult xmlns:p="urn:GEINV:ProcessResult:3.0">
  <p:RoutingInfo><p:From><p:PartyId>04595257</p:PartyId></p:From></p:RoutingInfo>
  <p:MessageInfo><p:Id>${PACK_ID}</p:Id><p:MessageType>F0401</p:MessageType></p:MessageInfo>
  <p:Result><p:Info><p:Code>E0201</p:Code><p:Parameter1>2026-11-21</p:Parameter1><p:Parameter3>AB12345678</p:Parameter3></p:Info></p:Result>
</p:ProcessResult>`;
    const f = parseProcessResult(prefixed, opts);
    expect(f.namespace).toBe('urn:GEINV:ProcessResult:3.0');
    expect(f.routing.fromPartyId).toBe('04595257');
    expect(f.entries).toEqual([
      { code: 'E0201', description: undefined, parameters: ['', '2026-11-21', '', 'AB12345678'], line: 5 },
    ]);
    // Whichever parameter holds the number and which the date, the identifier is among the readings.
    expect(processResultIdentifiers('F0401', f.entries[0]!)).toContain('F0401AB1234567820261121');

    const bare = prefixed.replace(/p:/g, '').replace(' xmlns:p="urn:GEINV:ProcessResult:3.0"', '');
    expect(parseProcessResult(bare, opts)).toMatchObject({ namespace: undefined, entries: [{ code: 'E0201' }] });
  });

  it('decodes Big5 when the declaration says so', () => {
    const body = `<?xml version="1.0" encoding="Big5"?>
<ProcessResult xmlns="urn:GEINV:ProcessResult:4.1"><MessageInfo><Id>${PACK_ID}</Id></MessageInfo>
<Result><Info><Code>E0201</Code><Description>訊息重複</Description></Info></Result></ProcessResult>`;
    expect(parseProcessResult(iconv.encode(body, 'cp950'), opts).entries[0]?.description).toBe('訊息重複');
  });

  it('refuses garbage with a clear reason', () => {
    refusal(() => parseProcessResult('', opts), 'XML_MALFORMED');
    expect(refusal(() => parseProcessResult('this is not XML', opts), 'XML_MALFORMED')).toMatch(/malformed|root/);
    refusal(() => parseProcessResult('<ProcessResult><Result><Info><Code>1', opts), 'XML_MALFORMED');
    refusal(
      () => parseProcessResult('<!DOCTYPE x [<!ENTITY a "b">]><ProcessResult><Result/></ProcessResult>', opts),
      'XML_DTD_FORBIDDEN',
    );
    expect(refusal(() => parseProcessResult('<SummaryResult/>', opts), 'NOT_PROCESS_RESULT')).toContain('<SummaryResult>');
    expect(
      refusal(() => parseProcessResult('<ProcessResult><MessageInfo/></ProcessResult>', opts), 'STRUCTURE_INVALID'),
    ).toContain('no <Result>');
    refusal(() => parseProcessResult('<ProcessResult><Result/></ProcessResult>', opts), 'STRUCTURE_INVALID');
    expect(
      refusal(
        () =>
          parseProcessResult('<ProcessResult><Result><Info><Description>x</Description></Info></Result></ProcessResult>', opts),
        'STRUCTURE_INVALID',
      ),
    ).toContain('Info #1 has no <Code>');
    refusal(() => parseProcessResult(Buffer.from([0xff, 0xfe, 0x3c, 0x00]), opts), 'ENCODING_UNSUPPORTED');
    refusal(() => parseProcessResult(Buffer.from('<ProcessResult>\xff</ProcessResult>', 'latin1'), opts), 'ENCODING_UNSUPPORTED');
    refusal(() => parseProcessResult('<ProcessResult/>'.padEnd(2000), { maxBytes: 1000 }), 'FILE_TOO_LARGE');
  });
});

describe('parseSummaryResult', () => {
  it("reads the stand-in's file (real-world names): per pack the counts and the good and failed invoices", () => {
    const xml = summaryResultXml({ fromPartyId: '04595257', fromRoutingId: '04595257RT' }, [
      {
        pack: pack(),
        good: [
          { referenceNumber: 'AB12345678', date: '20261121' },
          { referenceNumber: 'AB12345679', date: '20261121' },
        ],
        failed: [{ referenceNumber: 'AB12345680', date: '20261121' }],
      },
      {
        pack: pack({ id: '4.1-E0402-20261121-150000000-abc', messageType: 'E0402', service: 'B2PMESSAGE' }),
        good: [{ referenceNumber: '04595257AB07', date: '' }],
        failed: [],
      },
    ]);
    const f = parseSummaryResult(xml, opts);
    expect(f).toMatchObject({ kind: 'SummaryResult', namespace: 'urn:GEINV:SummaryResult:4.0', warnings: [] });
    expect(f.routing.fromPartyId).toBe('04595257');
    const [inv, blanks] = f.messages;
    expect(inv).toMatchObject({
      info: { id: PACK_ID, messageType: 'F0401' },
      total: { count: 3 },
      good: {
        count: 2,
        invoices: [
          { referenceNumber: 'AB12345678', invoiceDate: '20261121' },
          { referenceNumber: 'AB12345679', invoiceDate: '20261121' },
        ],
      },
      failed: { count: 1, invoices: [{ referenceNumber: 'AB12345680', invoiceDate: '20261121' }] },
      listed: true,
    });
    expect(inv?.total.invoices).toHaveLength(3);
    expect(summaryIdentifier('F0401', inv!.failed.invoices[0]!)).toBe('F0401AB1234568020261121');
    // E0402: counts only (no invoice lists), so it is compared by count.
    expect(blanks).toMatchObject({ info: { messageType: 'E0402' }, total: { count: 1, invoices: [] }, listed: false });
  });

  it("reads the XSD's names: Result, Invoices/Invocie without ResultDetailType, xsd:date with a zone, a prefix", () => {
    const xml = `<s:SummaryResult xmlns:s="urn:GEINV:SummaryResult:4.0">
  <s:RoutingInfo><s:From><s:PartyId>04595257</s:PartyId></s:From></s:RoutingInfo>
  <s:DetailList><s:Message>
    <s:Info><s:Id>${PACK_ID}</s:Id><s:Size>10</s:Size><s:MessageType>F0401</s:MessageType><s:Service>x</s:Service><s:Action>y</s:Action></s:Info>
    <s:Result>
      <s:Total><s:Count>2</s:Count>
        <s:Invoices><s:Invocie><s:ReferenceNumber>AB12345678</s:ReferenceNumber><s:InvoiceDate>2026-11-21+08:00</s:InvoiceDate></s:Invocie></s:Invoices>
        <s:Invoices><s:Invocie><s:ReferenceNumber>AB12345679</s:ReferenceNumber><s:InvoiceDate>2026-11-20Z</s:InvoiceDate></s:Invocie></s:Invoices>
      </s:Total>
      <s:Good><s:Count>1</s:Count>
        <s:Invoices><s:Invocie><s:ReferenceNumber>AB12345678</s:ReferenceNumber><s:InvoiceDate>2026-11-21+08:00</s:InvoiceDate></s:Invocie></s:Invoices>
      </s:Good>
      <s:Failed><s:Count>1</s:Count>
        <s:Invoices><s:Invocie><s:ReferenceNumber>AB12345679</s:ReferenceNumber><s:InvoiceDate>2026-11-20</s:InvoiceDate></s:Invocie></s:Invoices>
      </s:Failed>
    </s:Result>
  </s:Message></s:DetailList>
</s:SummaryResult>`;
    const f = parseSummaryResult(xml, opts);
    expect(f.warnings).toEqual([]);
    expect(f.messages[0]).toMatchObject({
      total: { count: 2 },
      good: { count: 1, invoices: [{ referenceNumber: 'AB12345678', invoiceDate: '20261121' }] },
      failed: { count: 1, invoices: [{ referenceNumber: 'AB12345679', invoiceDate: '20261120' }] },
      listed: true,
    });
  });

  it('reads a 4.1 file without the DetailList and Invoices wrappers, with ROC dates', () => {
    const xml = `<SummaryResult xmlns="urn:GEINV:SummaryResult:4.1"><Message>
  <Info><Id>${PACK_ID}</Id><MessageType>G0401</MessageType></Info>
  <ResultType>
    <Total><ResultDetailType><Count>1</Count><Invoice><ReferenceNumber>AL0000000001</ReferenceNumber><InvoiceDate>1151121</InvoiceDate></Invoice></ResultDetailType></Total>
    <Good><ResultDetailType><Count>1</Count><Invoice><ReferenceNumber>AL0000000001</ReferenceNumber><InvoiceDate>115/11/21</InvoiceDate></Invoice></ResultDetailType></Good>
    <Failed><ResultDetailType><Count>0</Count></ResultDetailType></Failed>
  </ResultType>
</Message></SummaryResult>`;
    const [m] = parseSummaryResult(xml, opts).messages;
    expect(m).toMatchObject({
      info: { messageType: 'G0401' },
      good: { count: 1, invoices: [{ referenceNumber: 'AL0000000001', invoiceDate: '20261121' }] },
      failed: { count: 0, invoices: [] },
      listed: true,
    });
  });

  it('reports Total ≠ Good + Failed, a Count that disagrees with its list, a missing detail and a bad date as warnings', () => {
    const xml = `<SummaryResult><DetailList><Message><Info><Id>x</Id></Info><ResultType>
  <Total><ResultDetailType><Count>5</Count></ResultDetailType></Total>
  <Good><ResultDetailType><Count>3</Count><Invoices><Invoice><ReferenceNumber>AB12345678</ReferenceNumber><InvoiceDate>soon</InvoiceDate></Invoice></Invoices></ResultDetailType></Good>
</ResultType></Message></DetailList></SummaryResult>`;
    const f = parseSummaryResult(xml, opts);
    expect(f.warnings.map((w) => w.code).sort()).toEqual([
      'COUNT_NOT_LIST_LENGTH',
      'DATE_UNREADABLE',
      'DETAIL_MISSING',
      'TOTAL_NOT_GOOD_PLUS_FAILED',
    ]);
    expect(f.warnings.find((w) => w.code === 'TOTAL_NOT_GOOD_PLUS_FAILED')?.message).toBe(
      'Message #1: Total 5 ≠ Good 3 + Failed 0',
    );
    expect(f.messages[0]).toMatchObject({
      total: { count: 5 },
      good: { count: 3, invoices: [{ referenceNumber: 'AB12345678', invoiceDate: 'soon' }] },
      failed: { count: 0 },
    });
  });

  it('refuses garbage with a clear reason', () => {
    refusal(() => parseSummaryResult('<ProcessResult/>', opts), 'NOT_SUMMARY_RESULT');
    expect(
      refusal(() => parseSummaryResult('<SummaryResult><DetailList/></SummaryResult>', opts), 'STRUCTURE_INVALID'),
    ).toContain('no DetailList/Message');
    expect(
      refusal(
        () => parseSummaryResult('<SummaryResult><DetailList><Message><Info/></Message></DetailList></SummaryResult>', opts),
        'STRUCTURE_INVALID',
      ),
    ).toContain('Message #1 has no <ResultType>');
    expect(
      refusal(
        () =>
          parseSummaryResult(
            '<SummaryResult><Message><Result><Total><Count>many</Count></Total></Result></Message></SummaryResult>',
            opts,
          ),
        'STRUCTURE_INVALID',
      ),
    ).toContain('Total/Count "many" is not a number');
    refusal(() => parseSummaryResult('{"SummaryResult": []}', opts), 'XML_MALFORMED');
  });
});

describe('common names and dates', () => {
  it('splits a pack common name and reads its instant as Asia/Taipei', () => {
    const c = parseCommonName(PACK_ID);
    expect(c).toEqual({
      mig: '4.1',
      messageType: 'F0401',
      day: '20261121',
      time: '141623456',
      uuid: '550e8400-e29b-41d4-a716-446655440000',
    });
    expect(commonNameInstant(c!)?.toISOString()).toBe('2026-11-21T06:16:23.456Z');
    expect(parseCommonName('ProcessResult-x.xml')).toBeUndefined();
    expect(parseCommonName('4.1-F0401-20261341-141623456-u')).toBeUndefined();
    expect(commonNameInstant({ day: '20261121', time: '256000000' })).toBeUndefined();
  });

  it('normalises the date forms a result file may use to yyyyMMdd', () => {
    const cases: [string, string | undefined][] = [
      ['20261121', '20261121'],
      ['2026-11-21', '20261121'],
      ['2026-11-21+08:00', '20261121'],
      ['2026-11-21Z', '20261121'],
      ['2026-11-21T10:00:00', '20261121'],
      ['2026/11/21', '20261121'],
      ['1151121', '20261121'],
      ['115/11/21', '20261121'],
      [' 20261121 ', '20261121'],
      ['20260230', undefined],
      ['2026-1121', undefined],
      ['202611211', undefined],
      ['', undefined],
    ];
    expect(cases.map(([s]) => normaliseResultDate(s))).toEqual(cases.map(([, v]) => v));
  });
});
