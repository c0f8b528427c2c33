// @vitest-environment happy-dom
import type { DeliveryView, WebhookView } from '@app/schemas/webhook';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, type Handler, nodeFetch, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import WebhooksArea from './index.tsx';

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

const ID = '3f1c2a4e-8d7b-4c1a-9e2f-5a6b7c8d9e0f';

async function open(path: string, handler: Handler) {
  server = await startApiServer((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') return { body: { kind: 'user', id: 'u1', name: 'alice', permissions: ['webhook.manage'] } };
    if (r.url === '/api/v1/webhooks/event-types')
      return {
        body: {
          items: [
            { type: 'InvoiceIssued', version: 1, description: 'An invoice was issued' },
            { type: 'InvoiceVoided', version: 1, description: 'An invoice was voided' },
            { type: 'InvoiceProcessed', version: 1, description: 'The platform answered' },
          ],
        },
      };
    return handler(r);
  });
  const view = renderApp([{ path: '/webhooks/*', element: <WebhooksArea /> }], {
    baseUrl: server.baseUrl,
    path,
    session: sessionTokens(1),
    services: { fetch: nodeFetch },
  });
  const seen = server.seen;
  return { ...view, calls: () => seen.filter((r) => !r.url.startsWith('/api/v1/auth/') && !r.url.endsWith('/event-types')) };
}

const webhook = (over: Partial<WebhookView> = {}): WebhookView => ({
  id: ID,
  url: 'https://erp.example.com/hooks',
  description: 'ERP',
  events: ['InvoiceIssued', 'InvoiceVoided'],
  authMode: 'hmac_sha256',
  security: 'standard',
  warning: null,
  status: 'enabled',
  disabledReason: null,
  disabledNote: null,
  disabledAt: null,
  disabledBy: null,
  secretRotatedAt: '2026-11-20T00:00:00Z',
  previousSecretExpiresAt: null,
  riskAcknowledgedAt: null,
  riskAcknowledgedBy: null,
  createdBy: 'user:alice',
  createdAt: '2026-11-20T00:00:00Z',
  updatedAt: '2026-11-20T00:00:00Z',
  ...over,
});

const delivery = (over: Partial<DeliveryView> = {}): DeliveryView => ({
  id: '31',
  webhookId: ID,
  webhookMessageId: 'msg_31',
  kind: 'event',
  eventId: 'evt-1',
  eventType: 'InvoiceIssued',
  status: 'dead',
  attempts: 8,
  maxAttempts: 8,
  nextAttemptAt: null,
  lastAttemptAt: '2026-11-21T02:00:00Z',
  lastStatusCode: 503,
  lastError: 'HTTP 503',
  lastDurationMs: 120,
  succeededAt: null,
  deadAt: '2026-11-21T02:00:00Z',
  redeliveredAt: null,
  redeliveredBy: null,
  createdAt: '2026-11-21T00:00:00Z',
  ...over,
});

const dialog = () => screen.getByRole('dialog');
const fieldError = (label: string) => {
  const input = screen.getByLabelText(label);
  const id = input.getAttribute('aria-describedby')?.split(' ')[0];
  return id ? document.getElementById(id)?.textContent : undefined;
};

describe('Webhook subscriptions', () => {
  it('lists by the URL filters, warns of weaker auth modes, and shows an error state', async () => {
    let fail = false;
    const { calls, router } = await open('/webhooks?status=enabled&authMode=bearer', () =>
      fail
        ? apiError(403, 'SCOPE_FORBIDDEN', "Webhooks deliver every seller's events; managing them needs a data scope of all.")
        : {
            body: {
              items: [webhook({ authMode: 'bearer', security: 'degraded', url: 'http://erp.example.com/in' })],
              nextCursor: null,
            },
          },
    );
    const table = await screen.findByRole('table', { name: 'Webhook 訂閱' });
    expect(calls()[0]?.url).toBe('/api/v1/webhooks?status=enabled&authMode=bearer');
    expect(within(table).getByText('降級').className).toBe('badge warn');
    expect(within(table).getByRole('link', { name: 'http://erp.example.com/in' }).getAttribute('href')).toBe(`/webhooks/${ID}`);

    fail = true;
    fireEvent.change(screen.getByLabelText('驗證方式'), { target: { value: 'ip_only' } });
    fireEvent.click(screen.getByRole('button', { name: '篩選' }));
    expect((await screen.findByRole('alert')).textContent).toContain('managing them needs a data scope of all');
    expect(calls().at(-1)?.url).toBe('/api/v1/webhooks?status=enabled&authMode=ip_only');
    expect(router.state.location.search).toBe('?status=enabled&authMode=ip_only');
  });

  it('refuses bad input with the schema messages and the API refusal, then creates and shows the secret once', async () => {
    let posts = 0;
    const { calls, router } = await open('/webhooks/new', (r) => {
      if (r.method === 'POST' && r.url === '/api/v1/webhooks') {
        posts++;
        if (posts === 1)
          return apiError(400, 'WEBHOOK_TARGET_REFUSED', 'The webhook URL is refused: private address 10.0.0.5.', {
            field: 'body.url',
            reason: 'private',
          });
        return { status: 201, body: { ...webhook(), secret: 'whsec_c2VjcmV0LW9uY2U=' } };
      }
      if (r.url === `/api/v1/webhooks/${ID}`) return { body: webhook() };
      if (r.url.startsWith(`/api/v1/webhooks/${ID}/deliveries`)) return { body: { items: [], nextCursor: null } };
      return { status: 404, body: {} };
    });
    await screen.findByLabelText(/InvoiceIssued/);
    const submit = () => fireEvent.click(screen.getByRole('button', { name: '新增' }));

    // Nothing chosen, a bearer token that is too short, an empty URL: refused before anything is sent.
    fireEvent.change(screen.getByLabelText('接收網址'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('驗證方式'), { target: { value: 'bearer' } });
    expect(screen.getByText(/降級：Bearer 模式/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Bearer token'), { target: { value: 'short' } });
    submit();
    expect(screen.getByRole('alert').textContent).toBe('請修正標示的欄位');
    expect(fieldError('Bearer token')).toBe('16-512 printable ASCII characters without spaces');
    expect(fieldError('接收網址')).toBe('數值過小：預期 string 應為 >=1 字元');
    expect(screen.getByText('數值過小：預期 array 應為 >=1 項目')).toBeTruthy();

    // ip_only: the risk must be acknowledged.
    fireEvent.change(screen.getByLabelText('驗證方式'), { target: { value: 'ip_only' } });
    fireEvent.change(screen.getByLabelText('接收網址'), { target: { value: 'http://10.0.0.5/in' } });
    expect(screen.getByText(/此網址使用 http/)).toBeTruthy();
    fireEvent.click(screen.getByLabelText(/InvoiceIssued/));
    submit();
    expect(screen.getByText('使用「僅限來源 IP」前必須確認風險')).toBeTruthy();
    expect(calls()).toHaveLength(0);

    // The API refuses the target: its message goes beside the URL.
    fireEvent.change(screen.getByLabelText('驗證方式'), { target: { value: 'hmac_sha256' } });
    submit();
    await waitFor(() => expect(fieldError('接收網址')).toBe('The webhook URL is refused: private address 10.0.0.5.'));

    fireEvent.change(screen.getByLabelText('接收網址'), { target: { value: 'https://erp.example.com/hooks' } });
    fireEvent.click(screen.getByLabelText(/InvoiceVoided/));
    fireEvent.change(screen.getByLabelText('說明'), { target: { value: 'ERP' } });
    submit();

    const secret = (await screen.findByLabelText('簽章密鑰')) as HTMLInputElement;
    expect(secret.value).toBe('whsec_c2VjcmV0LW9uY2U=');
    expect(screen.getByText(/這是唯一一次顯示/)).toBeTruthy();
    const sent = calls().filter((r) => r.method === 'POST');
    expect(sent.map((r) => r.body)).toEqual([
      { url: 'http://10.0.0.5/in', events: ['InvoiceIssued'], description: '', authMode: 'hmac_sha256' },
      {
        url: 'https://erp.example.com/hooks',
        events: ['InvoiceIssued', 'InvoiceVoided'],
        description: 'ERP',
        authMode: 'hmac_sha256',
      },
    ]);

    fireEvent.click(screen.getByRole('button', { name: '複製' }));
    expect((await screen.findByText('已複製到剪貼簿')).getAttribute('role')).toBe('status');
    expect(await navigator.clipboard.readText()).toBe('whsec_c2VjcmV0LW9uY2U=');

    fireEvent.click(screen.getByRole('button', { name: '我已妥善保存' }));
    await screen.findByRole('heading', { name: '訂閱：https://erp.example.com/hooks' });
    expect(router.state.location.pathname).toBe(`/webhooks/${ID}`);
    expect(screen.queryByLabelText('簽章密鑰')).toBeNull();
    // Gone for good: not on the page, and the browser history does not lead back to it.
    expect(document.body.textContent).not.toContain('whsec_c2VjcmV0LW9uY2U=');
    expect(router.state.historyAction).toBe('REPLACE');
  });
});

describe('Editing', () => {
  it('sends the auth mode only when it changes, and shows the generated token once', async () => {
    const { calls } = await open(`/webhooks/${ID}/edit`, (r) => {
      if (r.url === `/api/v1/webhooks/${ID}` && r.method === 'GET') return { body: webhook() };
      if (r.url === `/api/v1/webhooks/${ID}` && r.method === 'PATCH')
        return { body: { ...webhook({ authMode: 'bearer', security: 'degraded' }), bearerToken: 'tok_generated_0123456789' } };
      return { status: 404, body: {} };
    });
    const description = await screen.findByLabelText('說明');
    expect((description as HTMLTextAreaElement).value).toBe('ERP');
    expect(((await screen.findByLabelText(/InvoiceVoided/)) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText(/InvoiceProcessed/) as HTMLInputElement).checked).toBe(false);
    fireEvent.change(screen.getByLabelText('驗證方式'), { target: { value: 'bearer' } });
    expect(screen.getByText(/變更驗證方式會產生新的憑證/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '儲存' }));
    expect(((await screen.findByLabelText('產生的 Bearer token')) as HTMLInputElement).value).toBe('tok_generated_0123456789');
    expect(calls().find((r) => r.method === 'PATCH')?.body).toEqual({
      url: 'https://erp.example.com/hooks',
      events: ['InvoiceIssued', 'InvoiceVoided'],
      description: 'ERP',
      authMode: 'bearer',
    });
  });
});

describe('One subscription', () => {
  it('shows the delivery log by the URL filters and redelivers one after a confirm', async () => {
    const { calls } = await open(`/webhooks/${ID}?status=dead&eventType=InvoiceIssued`, (r) => {
      if (r.url === `/api/v1/webhooks/${ID}`) return { body: webhook() };
      if (r.url.startsWith(`/api/v1/webhooks/${ID}/deliveries?`) || r.url === `/api/v1/webhooks/${ID}/deliveries`)
        return { body: { items: [delivery()], nextCursor: '30' } };
      if (r.url === `/api/v1/webhooks/${ID}/deliveries/31/redeliver`)
        return { status: 202, body: delivery({ status: 'pending', redeliveredAt: '2026-11-21T03:00:00Z' }) };
      return { status: 404, body: {} };
    });
    const log = await screen.findByRole('table', { name: '傳送紀錄' });
    expect(calls().find((r) => r.url.includes('/deliveries'))?.url).toBe(
      `/api/v1/webhooks/${ID}/deliveries?status=dead&eventType=InvoiceIssued`,
    );
    const row = within(log).getAllByRole('row')[1]!;
    expect(row.textContent).toContain('HTTP 503');
    expect(within(row).getByText('放棄').className).toBe('badge bad');

    fireEvent.click(within(row).getByRole('button', { name: '重送傳送紀錄 #31' }));
    expect(dialog().textContent).toContain('重送 #31（InvoiceIssued）？');
    expect(calls().some((r) => r.method === 'POST')).toBe(false);
    fireEvent.click(within(dialog()).getByRole('button', { name: '重送' }));
    expect(await screen.findByText('已排入重送 #31。')).toBeTruthy();
    expect(
      calls()
        .filter((r) => r.method === 'POST')
        .map((r) => r.url),
    ).toEqual([`/api/v1/webhooks/${ID}/deliveries/31/redeliver`]);

    fireEvent.click(screen.getByRole('button', { name: '下一頁' }));
    await waitFor(() =>
      expect(calls().at(-1)?.url).toBe(`/api/v1/webhooks/${ID}/deliveries?status=dead&eventType=InvoiceIssued&cursor=30`),
    );
  });

  it("shows a delivery's attempts", async () => {
    await open(`/webhooks/${ID}/deliveries/31`, (r) =>
      r.url === `/api/v1/webhooks/${ID}/deliveries/31`
        ? {
            body: {
              ...delivery(),
              body: { type: 'InvoiceIssued', data: { invoiceNumber: 'AB12345678' } },
              attemptLog: [
                {
                  attempt: 1,
                  startedAt: '2026-11-21T00:00:00Z',
                  durationMs: 5000,
                  outcome: 'timeout',
                  statusCode: null,
                  error: 'timed out after 5000 ms',
                  responseExcerpt: null,
                  address: '203.0.113.7',
                  nextAttemptAt: '2026-11-21T00:01:00Z',
                },
                {
                  attempt: 2,
                  startedAt: '2026-11-21T00:01:00Z',
                  durationMs: 120,
                  outcome: 'http_error',
                  statusCode: 503,
                  error: 'HTTP 503',
                  responseExcerpt: 'Service Unavailable',
                  address: '203.0.113.7',
                  nextAttemptAt: null,
                },
              ],
            },
          }
        : { status: 404, body: {} },
    );
    const attempts = await screen.findByRole('table', { name: '嘗試紀錄' });
    const rows = within(attempts).getAllByRole('row');
    expect(rows[1]!.textContent).toContain('逾時');
    expect(rows[1]!.textContent).toContain('5000 ms');
    // 00:00 UTC is 08:00 in Taipei.
    expect(rows[1]!.textContent).toContain('08:00:00');
    expect(rows[2]!.textContent).toContain('503');
    expect(rows[2]!.textContent).toContain('Service Unavailable');
    expect(screen.getByText(/"invoiceNumber": "AB12345678"/)).toBeTruthy();
  });

  it('rotates the secret with a grace period after a confirm, shows it once, and deletes after a confirm', async () => {
    const { calls, router } = await open(`/webhooks/${ID}`, (r) => {
      if (r.url === `/api/v1/webhooks/${ID}` && r.method === 'GET') return { body: webhook() };
      if (r.url.startsWith(`/api/v1/webhooks/${ID}/deliveries`)) return { body: { items: [], nextCursor: null } };
      if (r.url === `/api/v1/webhooks/${ID}/rotate-secret`)
        return {
          body: {
            id: ID,
            authMode: 'hmac_sha256',
            secret: 'whsec_bmV3',
            secretRotatedAt: '2026-11-21T00:00:00Z',
            previousSecretExpiresAt: '2026-11-23T00:00:00Z',
          },
        };
      if (r.url === `/api/v1/webhooks/${ID}` && r.method === 'DELETE')
        return { body: { id: ID, deleted: true, deliveriesDeleted: 3 } };
      if (r.url === '/api/v1/webhooks') return { body: { items: [], nextCursor: null } };
      return { status: 404, body: {} };
    });
    fireEvent.click(await screen.findByRole('button', { name: '輪替簽章密鑰' }));
    const grace = within(dialog()).getByLabelText('舊密鑰寬限時數（0–168）');
    fireEvent.change(grace, { target: { value: '200' } });
    fireEvent.click(within(dialog()).getByRole('button', { name: '產生' }));
    expect(grace.getAttribute('aria-invalid')).toBe('true');
    expect(calls().some((r) => r.method === 'POST')).toBe(false);
    fireEvent.change(grace, { target: { value: '48' } });
    fireEvent.click(within(dialog()).getByRole('button', { name: '產生' }));
    expect(((await screen.findByLabelText('簽章密鑰')) as HTMLInputElement).value).toBe('whsec_bmV3');
    expect(calls().find((r) => r.method === 'POST')?.body).toEqual({ graceHours: 48 });
    fireEvent.click(screen.getByRole('button', { name: '我已妥善保存' }));
    expect(screen.queryByLabelText('簽章密鑰')).toBeNull();
    expect(document.body.textContent).not.toContain('whsec_bmV3');

    fireEvent.click(screen.getByRole('button', { name: '刪除' }));
    expect(dialog().textContent).toContain('無法復原');
    fireEvent.click(within(dialog()).getByRole('button', { name: '刪除' }));
    expect(await screen.findByText('已刪除訂閱 https://erp.example.com/hooks 及其傳送紀錄。')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/webhooks');
    expect(
      calls()
        .filter((r) => r.method === 'DELETE')
        .map((r) => r.url),
    ).toEqual([`/api/v1/webhooks/${ID}`]);
  });
});
