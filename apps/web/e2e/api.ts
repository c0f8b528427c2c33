/**
 * The API as the tests' own hands: admin and POS tokens, fixtures (seller, sites, users, an E0501 track and a
 * block), issuing invoices, and reading back what the screens did. Every write carries an Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import { periodOf } from '@app/domain';
import type { StackInfo } from './stack.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 1000)}`);
  }
  get code(): string | undefined {
    return (this.body as { code?: string } | null)?.code;
  }
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (method !== 'GET') headers['idempotency-key'] = randomUUID();
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed as T };
  }

  /** The body of a 2xx answer; throws ApiError (status, body) otherwise. */
  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T>(method, path, body);
    if (r.status < 200 || r.status >= 300) throw new ApiError(r.status, r.body, `${method} ${path}`);
    return r.body;
  }

  get = <T = any>(path: string) => this.ok<T>('GET', path);
  post = <T = any>(path: string, body?: unknown) => this.ok<T>('POST', path, body ?? {});
}

export async function loginToken(info: StackInfo, username: string, password: string): Promise<string> {
  const res = await fetch(`${info.apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { accessToken?: string };
  if (res.status !== 200 || !body.accessToken) throw new ApiError(res.status, body, `login ${username}`);
  return body.accessToken;
}

export async function posToken(info: StackInfo): Promise<string> {
  const res = await fetch(`${info.apiUrl}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: info.posClient.clientId,
      client_secret: info.posClient.clientSecret,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new ApiError(res.status, body, 'POS client token');
  return body.access_token;
}

/** The invoice period of today (Taipei), e.g. "11512": tracks must be of it for issuing to use them. */
export const currentYearMonth = () => periodOf(new Date()).yearMonth;

export type E0501Range = { ban: string; yearMonth: string; track: string; beginNo: string; endNo: string; booklets: number };

/** A bare E0501 InvoiceAssignNo document (MIG 4.1), one allocation, as the platform hands it out. */
export const e0501Xml = (r: E0501Range) => `<?xml version="1.0" encoding="UTF-8"?>
<InvoiceAssignNo xmlns="urn:GEINV:E0501:4.0">
  <Ban>${r.ban}</Ban><InvoiceType>07</InvoiceType><YearMonth>${r.yearMonth}</YearMonth><InvoiceTrack>${r.track}</InvoiceTrack>
  <InvoiceBeginNo>${r.beginNo}</InvoiceBeginNo><InvoiceEndNo>${r.endNo}</InvoiceEndNo><InvoiceBooklet>${r.booklets}</InvoiceBooklet>
</InvoiceAssignNo>
`;

export type Fixtures = {
  admin: Api;
  pos: Api;
  seller: { id: string; ban: string; name: string };
  /** Gets its block through the tracks screen (flow 3). */
  uiSite: { id: string; code: string; name: string };
  /** Gets its block through the API here, so the invoice flows do not depend on the tracks screens. */
  apiSite: { id: string; code: string; name: string };
  operator: { id: string; username: string; password: string; displayName: string };
  approver: { id: string; username: string; password: string; displayName: string };
};

const BAN = '04595257';
/** The key MOF's QRCode tool derives for the demo seller (any 32 hex characters do for the stand-in). */
const QR_AES_KEY = 'FE0F50D87215F625D1248F5FDAEBA37F';

/**
 * What every flow needs, made through the API as an administrator would: a seller with its QR key, two sites,
 * an operator (who may void, and holds `approve` so the API can refuse their own approval with APPROVAL_SELF)
 * and an approver, and for `apiSite` an imported track of the current period with a block allocated.
 */
export async function createFixtures(info: StackInfo): Promise<Fixtures> {
  const admin = new Api(info.apiUrl, await loginToken(info, info.admin.username, info.admin.password));
  const pos = new Api(info.apiUrl, await posToken(info));
  const seller = await admin.post('/api/v1/sellers', {
    ban: BAN,
    name: '瀏覽器測試加油站',
    address: '台北市信義區市府路1號',
    qrAesKey: QR_AES_KEY,
  });
  const uiSite = await admin.post(`/api/v1/sellers/${seller.id}/sites`, { code: 'UI-1', name: '信義站' });
  const apiSite = await admin.post(`/api/v1/sellers/${seller.id}/sites`, { code: 'API-1', name: '松山站' });

  const user = async (username: string, displayName: string, roles: string[]) => {
    const password = `pw-${randomUUID()}`;
    const u = await admin.post('/api/v1/users', {
      username,
      displayName,
      password,
      roles,
      scope: { all: true, sellers: [], sites: [] },
    });
    return { id: u.id as string, username, password, displayName };
  };
  const operator = await user('e2e-operator', '作業員甲', ['operator', 'approver']);
  const approver = await user('e2e-approver', '覆核員乙', ['approver']);

  // The invoice flows' own track: CD00000000-CD00000099 of this period, one booklet to apiSite.
  await importE0501(admin, 'api-track.xml', {
    ban: BAN,
    yearMonth: currentYearMonth(),
    track: 'CD',
    beginNo: '00000000',
    endNo: '00000099',
    booklets: 2,
  });
  const track = await findTrack(admin, 'CD');
  if (!track) throw new Error('the imported track CD is not listed by GET /api/v1/tracks');
  await admin.post(`/api/v1/tracks/${track.id}/blocks`, { siteId: apiSite.id, booklets: 1 });

  return { admin, pos, seller, uiSite, apiSite, operator, approver };
}

export async function importE0501(api: Api, filename: string, range: E0501Range) {
  const form = new FormData();
  form.append('file', new Blob([e0501Xml(range)], { type: 'application/xml' }), filename);
  return api.ok('POST', '/api/v1/tracks/e0501', form);
}

export type Track = { id: string; track: string; beginNo: string; endNo: string; allocated: number };

export async function findTrack(api: Api, letters: string): Promise<Track | undefined> {
  const page = await api.get<{ items: Track[] }>(`/api/v1/tracks?yearMonth=${currentYearMonth()}`);
  return page.items.find((t) => t.track === letters);
}

/** Issue one invoice at `siteId` through the POS client, as a till would. */
export async function issueInvoice(pos: Api, siteId: string): Promise<{ invoiceNumber: string; id: string }> {
  return pos.post('/api/v1/invoices', {
    siteId,
    printMark: 'Y',
    items: [{ description: '95無鉛汽油', quantity: '10', unit: 'L', unitPrice: '31.2' }],
  });
}
