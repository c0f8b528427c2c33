/** E0501 import over HTTP: XML alone or in an envelope, CSV in Big5, re-imports, unsafe and oversize files. */
import { randomUUID } from 'node:crypto';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

let t: TestApp;
let admin: string;
const BAN = '04595257';
const OTHER = '22099131';

const assign = (ban: string, track: string, begin: string, end: string, booklets: number, ym = '11402') => `
  <InvoiceAssignNo xmlns="urn:GEINV:E0501:4.0">
    <Ban>${ban}</Ban><InvoiceType>07</InvoiceType><YearMonth>${ym}</YearMonth><InvoiceTrack>${track}</InvoiceTrack>
    <InvoiceBeginNo>${begin}</InvoiceBeginNo><InvoiceEndNo>${end}</InvoiceEndNo><InvoiceBooklet>${booklets}</InvoiceBooklet>
  </InvoiceAssignNo>`;

const envelope = (ban: string, inner: string, count: number) => `<?xml version="1.0" encoding="UTF-8"?>
<InvoiceEnvelope xmlns="urn:GEINV:InvoiceEnvelope:4.1">
  <From><PartyId>${ban}</PartyId></From><FromVAC><RoutingId>${ban}</RoutingId></FromVAC>
  <To><PartyId>${ban}</PartyId></To><ToVAC><RoutingId>${ban}</RoutingId></ToVAC>
  <InvoicePack count="${count}" messageType="E0501" version="v41">${inner}</InvoicePack>
</InvoiceEnvelope>`;

function upload(filename: string, content: Buffer | string, opts: { key?: string; field?: string } = {}) {
  const boundary = `----test${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${opts.field ?? 'file'}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/tracks/e0501',
    headers: {
      authorization: `Bearer ${admin}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'idempotency-key': opts.key ?? randomUUID(),
    },
    payload: body,
  });
}

const trackCount = async () =>
  Number(
    (
      await t.deps.db
        .selectFrom('tracks')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  t = await createTestApp({ IMPORT_MAX_BYTES: '65536' });
  admin = (await t.login()).accessToken;
  await t.call({ method: 'POST', url: '/api/v1/sellers', token: admin, payload: { ban: BAN, name: 'S', address: 'A' } });
});
afterAll(() => t.close());

describe('POST /api/v1/tracks/e0501', () => {
  const bare = `<?xml version="1.0" encoding="UTF-8"?>${assign(BAN, 'AB', '12345600', '12345699', 2)}`;

  it('imports a bare InvoiceAssignNo; the same file again changes nothing', async () => {
    const r = await upload('E0501-1.xml', bare);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({
      format: 'xml',
      total: 1,
      accepted: 1,
      rejected: 0,
      duplicate: 0,
      sameFileImportedBefore: false,
    });
    expect(r.json().entries[0]).toMatchObject({
      status: 'accepted',
      range: { ban: BAN, yearMonth: '11402', track: 'AB', beginNo: '12345600', endNo: '12345699', booklets: 2 },
    });
    const tracks = (await t.call({ url: '/api/v1/tracks', token: admin })).json().items;
    expect(tracks).toEqual([
      expect.objectContaining({ track: 'AB', beginNo: '12345600', endNo: '12345699', booklets: 2, importId: r.json().id }),
    ]);
    const stored = await t.deps.db.selectFrom('e0501_imports').select(['storage_key', 'sha256']).executeTakeFirstOrThrow();
    expect((await t.deps.storage.get(stored.storage_key)).toString()).toBe(bare);

    const again = await upload('renamed.xml', bare);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: r.json().id, sameFileImportedBefore: true });
    expect(await trackCount()).toBe(1);
  });

  it('an envelope with several allocations: each entry gets its own verdict', async () => {
    const xml = envelope(
      BAN,
      assign(BAN, 'AC', '00000000', '00000149', 3) + // new
        assign(BAN, 'AB', '12345650', '12345749', 2) + // overlaps the stored AB range
        assign(BAN, 'AD', '00000000', '00000048', 1), // end must end in 49/99
      3,
    );
    const r = await upload('envelope.xml', xml);
    expect(r.statusCode).toBe(201);
    const b = r.json();
    expect(b).toMatchObject({ total: 3, accepted: 1, duplicate: 0, rejected: 2 });
    expect(b.entries.map((e: { status: string }) => e.status)).toEqual(['accepted', 'rejected', 'rejected']);
    expect(b.entries[1].reasons.map((x: { code: string }) => x.code)).toContain('OVERLAPS_EXISTING');
    expect(b.entries[2].reasons.map((x: { field: string }) => x.field)).toContain('InvoiceEndNo');
    expect(b.entries[2].reasons[0].message).toMatch(/00000048/);
    expect(await trackCount()).toBe(2);

    // A later file repeating a stored range next to a new one: the repeat is a harmless duplicate.
    const r2 = await upload(
      'next.xml',
      envelope(BAN, assign(BAN, 'AB', '12345600', '12345699', 2) + assign(BAN, 'AE', '00000000', '00000049', 1), 2),
    );
    expect(r2.json()).toMatchObject({ total: 2, accepted: 1, duplicate: 1, rejected: 0 });
    expect(r2.json().entries[0].reasons.map((x: { code: string }) => x.code)).toEqual(['ALREADY_IMPORTED']);
    expect(await trackCount()).toBe(3);
  });

  it('entries of a seller that is not registered are rejected', async () => {
    const r = await upload('other.xml', envelope(OTHER, assign(OTHER, 'ZZ', '00000000', '00000049', 1), 1));
    expect(r.json()).toMatchObject({ accepted: 0, rejected: 1 });
    expect(r.json().entries[0].reasons.map((x: { code: string }) => x.code)).toContain('BAN_UNKNOWN_SELLER');
  });

  it('imports the platform CSV in Big5', async () => {
    const csv = `"統一編號","發票類別","類別說明","期別","字軌","起號","迄號"\r\n"${BAN}","07","一般稅額","114/01 ~ 114/02","EF","00012300","00012399"\r\n`;
    const r = await upload('配號.csv', iconv.encode(csv, 'cp950'));
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ format: 'csv', accepted: 1 });
    expect(r.json().entries[0].range).toMatchObject({ track: 'EF', yearMonth: '11402', beginNo: '00012300', endNo: '00012399' });
  });

  it('refuses DTDs (no entity expansion), malformed XML, oversize files and missing files — storing nothing', async () => {
    const before = await trackCount();
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>${assign(BAN, 'GH', '00000000', '00000049', 1)}`;
    const dtd = await upload('bomb.xml', bomb);
    expect(dtd.statusCode).toBe(400);
    expect(dtd.json().details).toMatchObject({ reason: 'XML_DTD_FORBIDDEN' });
    const malformed = await upload('bad.xml', '<InvoiceAssignNo xmlns="urn:GEINV:E0501:4.0"><Ban>');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().details).toMatchObject({ reason: 'XML_MALFORMED' });
    const big = await upload('big.xml', `<x>${'a'.repeat(70_000)}</x>`);
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('PAYLOAD_TOO_LARGE');
    const wrongField = await upload('e.xml', bare, { field: 'document' });
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json().details).toEqual([{ field: 'body.file', message: 'required' }]);
    const json = await t.call({ method: 'POST', url: '/api/v1/tracks/e0501', token: admin, payload: { file: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(await trackCount()).toBe(before);
  });

  it('a retried upload with the same Idempotency-Key replays; a different file under that key is 409', async () => {
    const key = randomUUID();
    const xml = `<?xml version="1.0" encoding="UTF-8"?>${assign(BAN, 'JK', '00000000', '00000049', 1)}`;
    const a = await upload('a.xml', xml, { key });
    const b = await upload('a.xml', xml, { key });
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await upload('a.xml', xml.replace('00000049', '00000099').replace('<InvoiceBooklet>1', '<InvoiceBooklet>2'), {
      key,
    });
    expect(c.statusCode).toBe(409);
    expect(c.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('needs track.manage', async () => {
    const pos = await t.clientToken();
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/tracks/e0501', headers: { authorization: `Bearer ${pos}` } });
    expect(r.statusCode).toBe(403);
  });
});
