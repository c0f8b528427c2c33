import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanMessage,
  collapseDeclarationNames,
  createXsdValidator,
  loadSchemaSet,
  MAX_BATCH_SIZE,
  schemaReferences,
} from '../src/index.ts';

/** The official XSDs (`../shared/mig/xsd` from the project root). */
const XSD_DIR = fileURLToPath(new URL('../../../../shared/mig/xsd/', import.meta.url));

const tmp = mkdtempSync(join(tmpdir(), 'xsd-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const f0501 = (over: { number?: string; reason?: string | null; remark?: string } = {}) =>
  [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<CancelInvoice xmlns="urn:GEINV:eInvoiceMessage:F0501:4.1">',
    `  <CancelInvoiceNumber>${over.number ?? 'AB12345678'}</CancelInvoiceNumber>`,
    '  <InvoiceDate>20250315</InvoiceDate>',
    '  <BuyerId>0000000000</BuyerId>',
    '  <SellerId>04595252</SellerId>',
    '  <CancelDate>20250316</CancelDate>',
    '  <CancelTime>10:00:00</CancelTime>',
    over.reason === null ? '' : `  <CancelReason>${over.reason ?? '退貨'}</CancelReason>`,
    over.remark === undefined ? '' : `  <Remark>${over.remark}</Remark>`,
    '</CancelInvoice>',
    '',
  ].join('\n');

const e0402 = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<BranchTrackBlank xmlns="urn:GEINV:eInvoiceMessage:E0402:4.1">',
  '  <Main><HeadBan>04595252</HeadBan><BranchBan>04595252</BranchBan><InvoiceType>07</InvoiceType>',
  '    <YearMonth>11404</YearMonth><InvoiceTrack>AB</InvoiceTrack></Main>',
  '  <Details><BranchTrackBlankItem><InvoiceBeginNo>12345000</InvoiceBeginNo><InvoiceEndNo>12345099</InvoiceEndNo>',
  '  </BranchTrackBlankItem></Details>',
  '</BranchTrackBlank>',
].join('\n');

describe('createXsdValidator over the official folder (v41/ + common/)', () => {
  const xsd = createXsdValidator(XSD_DIR);

  it('accepts a valid document and names the element of each error in an invalid one', async () => {
    const results = await xsd.validate('F0501', [
      { name: 'ok.xml', xml: f0501() },
      { name: 'missing.xml', xml: f0501({ reason: null }) },
      { name: 'too-long.xml', xml: f0501({ remark: 'x'.repeat(201) }) },
      { name: 'pattern.xml', xml: f0501({ number: 'ab12345678' }) },
    ]);
    expect(results[0]).toEqual({ name: 'ok.xml', ok: true, errors: [] });
    expect(results[1]).toEqual({
      name: 'missing.xml',
      ok: false,
      errors: [
        expect.stringMatching(/^line 2: Element 'CancelInvoice': Missing child element\(s\)\. Expected is .*CancelReason/),
      ],
    });
    expect(results[2]?.errors).toEqual([
      "line 10: Element 'Remark': [facet 'maxLength'] The value has a length of '201'; this exceeds the allowed maximum length of '200'.",
    ]);
    expect(results[3]?.errors.join('\n')).toMatch(/^line 3: Element 'CancelInvoiceNumber': \[facet 'pattern'\]/);
  });

  it('reports a document that is not well-formed, or empty, without failing the others', async () => {
    const results = await xsd.validate('F0501', [
      { name: 'broken', xml: '<CancelInvoice><a></CancelInvoice>' },
      { name: 'empty', xml: '' },
      { name: 'fine', xml: f0501() },
    ]);
    expect(results.map((r) => r.ok)).toEqual([false, false, true]);
    expect(results[0]?.errors[0]).toMatch(/^line 1: parser error: Opening and ending tag mismatch/);
    expect(results[1]?.errors[0]).toMatch(/^line 1: parser error: Document is empty/);
  });

  it('keeps names of any shape (they never reach xmllint) and the order of the input', async () => {
    const names = ['-starts-with-dash.xml', 'has space:and colon', '', 'm0.xml', '重複', '重複'];
    const results = await xsd.validate(
      'F0501',
      names.map((name, i) => ({ name, xml: i === 3 ? f0501({ reason: null }) : f0501() })),
    );
    expect(results.map((r) => [r.name, r.ok])).toEqual(names.map((n, i) => [n, i !== 3]));
  });

  it('splits large inputs over several xmllint runs without mixing up results', async () => {
    const small = createXsdValidator(XSD_DIR, { batchSize: 70, concurrency: 3 });
    const docs = Array.from({ length: 1000 }, (_, i) => ({
      name: `d${i}`,
      xml: i % 97 === 0 ? f0501({ reason: null }) : f0501(),
    }));
    const invalid = docs.filter((_, i) => i % 97 === 0).map((d) => d.name);
    for (const validator of [small, xsd]) {
      const results = await validator.validate('F0501', docs);
      expect(results.map((r) => r.name)).toEqual(docs.map((d) => d.name));
      expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual(invalid);
    }
  });

  it("concurrent calls share the validator's runs and each gets its own answers", async () => {
    const shared = createXsdValidator(XSD_DIR, { batchSize: 50, concurrency: 2 });
    const calls = Array.from({ length: 5 }, (_, c) =>
      shared.validate(
        'F0501',
        Array.from({ length: 120 }, (_, i) => ({ name: `c${c}-${i}`, xml: i === c ? f0501({ reason: null }) : f0501() })),
      ),
    );
    const answers = await Promise.all(calls);
    answers.forEach((results, c) => {
      expect(results).toHaveLength(120);
      expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual([`c${c}-${c}`]);
    });
  });

  it('never gives one xmllint run more than MAX_BATCH_SIZE documents (larger runs crash xmllint-wasm)', async () => {
    expect(MAX_BATCH_SIZE).toBe(1000);
    const big = createXsdValidator(XSD_DIR, { batchSize: 5000, concurrency: 1 });
    const docs = Array.from({ length: 2500 }, (_, i) => ({ name: `d${i}`, xml: f0501() }));
    const results = await big.validate('F0501', docs);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('validates E0402 despite the official " BranchBan" declaration (repaired on load)', async () => {
    const [r] = await xsd.validate('E0402', [{ name: 'e0402', xml: e0402 }]);
    expect(r).toEqual({ name: 'e0402', ok: true, errors: [] });
  });

  it('an empty list needs no xmllint run', async () => {
    expect(await xsd.validate('F0401', [])).toEqual([]);
  });

  it('an unknown message type is an error naming the paths looked at', async () => {
    await expect(xsd.validate('X0401', [{ name: 'a', xml: '<a/>' }])).rejects.toThrow(
      `no XSD for message type X0401 in ${join(XSD_DIR)}`.replace(/\/$/, ''),
    );
    await expect(xsd.validate('../v41/F0401', [])).rejects.toThrow(/is not a message type name/);
    expect(xsd.schemaPath('F0401')).toBe(join(XSD_DIR, 'v41', 'F0401.xsd'));
  });
});

describe('schema folders of other layouts (e.g. Turnkey’s own copies)', () => {
  it('a flat folder whose schemas include their neighbour', async () => {
    const dir = join(tmp, 'flat');
    mkdirSync(dir);
    const main = readFileSync(join(XSD_DIR, 'v41/F0501.xsd'), 'utf8').replace(
      '../common/GenericType_4.0.xsd',
      'GenericType_4.0.xsd',
    );
    writeFileSync(join(dir, 'F0501.xsd'), main);
    copyFileSync(join(XSD_DIR, 'common/GenericType_4.0.xsd'), join(dir, 'GenericType_4.0.xsd'));
    const xsd = createXsdValidator(dir);
    expect(xsd.schemaPath('F0501')).toBe(join(dir, 'F0501.xsd'));
    expect((await xsd.validate('F0501', [{ name: 'a', xml: f0501() }]))[0]?.ok).toBe(true);
  });

  it('a deeper tree: includes resolve relative to the including file, under the path it names', async () => {
    const dir = join(tmp, 'deep');
    mkdirSync(join(dir, 'v41'), { recursive: true });
    mkdirSync(join(dir, 'shared', 'types'), { recursive: true });
    const main = readFileSync(join(XSD_DIR, 'v41/F0501.xsd'), 'utf8').replace(
      '../common/GenericType_4.0.xsd',
      '../shared/types/../types/GenericType_4.0.xsd',
    );
    writeFileSync(join(dir, 'v41', 'F0501.xsd'), main);
    copyFileSync(join(XSD_DIR, 'common/GenericType_4.0.xsd'), join(dir, 'shared', 'types', 'GenericType_4.0.xsd'));
    const set = await loadSchemaSet(join(dir, 'v41', 'F0501.xsd'));
    expect(set.main.fileName).toBe('xsd/v41/F0501.xsd');
    expect(set.preload.map((p) => p.fileName)).toEqual(['xsd/shared/types/GenericType_4.0.xsd']);
    expect((await createXsdValidator(dir).validate('F0501', [{ name: 'a', xml: f0501() }]))[0]?.ok).toBe(true);
  });

  it('a referenced schema that cannot be read is an error naming it and the file referring to it', async () => {
    const dir = join(tmp, 'broken');
    mkdirSync(join(dir, 'v41'), { recursive: true });
    copyFileSync(join(XSD_DIR, 'v41/F0501.xsd'), join(dir, 'v41', 'F0501.xsd'));
    const xsd = createXsdValidator(dir);
    await expect(xsd.validate('F0501', [{ name: 'a', xml: f0501() }])).rejects.toThrow(
      `cannot read XSD ${join(dir, 'common', 'GenericType_4.0.xsd')} (referenced by ${join(dir, 'v41', 'F0501.xsd')})`,
    );
  });

  it('an unreadable schema folder is an error naming the folder', () => {
    expect(() => createXsdValidator(join(tmp, 'does-not-exist'))).toThrow(
      `XSD folder ${join(tmp, 'does-not-exist')} cannot be read`,
    );
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    expect(() => createXsdValidator(file)).toThrow(/not a directory/);
  });
});

describe('helpers', () => {
  it('schemaReferences: include/import/redefine locations, comments skipped', () => {
    const xsd = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
      <!-- <xs:include schemaLocation="commented.xsd"/> -->
      <xs:include schemaLocation="a.xsd"/>
      <xsd:import namespace="urn:x" schemaLocation='../b.xsd' />
      <redefine schemaLocation="c.xsd"></redefine>
    </xs:schema>`;
    expect(schemaReferences(xsd)).toEqual(['a.xsd', '../b.xsd', 'c.xsd']);
  });

  it('collapseDeclarationNames trims declared names and leaves everything else byte for byte', () => {
    const text = '<xsd:element name=" InvoiceBeginNo">é<xsd:element name="Ok" type=" xsd:string "/>';
    const out = Buffer.from(collapseDeclarationNames(Buffer.from(text, 'utf8'))).toString('utf8');
    expect(out).toBe('<xsd:element name="InvoiceBeginNo">é<xsd:element name="Ok" type="xsd:string"/>');
    const clean = Buffer.from('<a name="x"/>');
    expect(collapseDeclarationNames(clean)).toBe(clean);
  });

  it('cleanMessage drops namespaces and the lead-in', () => {
    expect(
      cleanMessage(
        "element Name: Schemas validity error : Element '{urn:GEINV:eInvoiceMessage:F0401:4.1}Name': [facet 'maxLength'] too long.",
      ),
    ).toBe("Element 'Name': [facet 'maxLength'] too long.");
    expect(cleanMessage('parser error : Document is empty')).toBe('parser error: Document is empty');
  });
});
