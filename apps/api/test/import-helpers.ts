/** Uploading invoice imports and reading them back, for the import tests. */
import { randomUUID } from 'node:crypto';
import { waitFor } from '@app/devkit';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './helpers.ts';

export type Upload = {
  filename?: string;
  content: Buffer | string;
  /** Form fields besides the file (format, encoding, …). */
  fields?: Record<string, string>;
  /** The file's form field (default `file`). */
  field?: string;
  /** Idempotency-Key (default: a new one). */
  key?: string;
};

/** POST /api/v1/imports as multipart/form-data. */
export function uploadImport(t: TestApp, token: string, u: Upload): Promise<LightMyRequestResponse> {
  const boundary = `----import${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(u.fields ?? {})) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${u.field ?? 'file'}"; filename="${u.filename ?? 'invoices.csv'}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    Buffer.isBuffer(u.content) ? u.content : Buffer.from(u.content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/imports',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'idempotency-key': u.key ?? randomUUID(),
    },
    payload: Buffer.concat(parts),
  });
}

/** The import once it is done or failed (GET /api/v1/imports/{id}). */
export async function settledImport(t: TestApp, token: string, id: string, timeoutMs = 20_000) {
  return waitFor(
    `import ${id} to finish`,
    async () => {
      const r = await t.call({ url: `/api/v1/imports/${id}`, token });
      const v = r.json();
      return v.status === 'done' || v.status === 'failed' ? v : null;
    },
    timeoutMs,
  );
}

/** Every log entry of an import, page by page (`limit` per page), in row order. */
export async function allLogs(t: TestApp, token: string, id: string, query = '', limit = 50) {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await t.call({
      url: `/api/v1/imports/${id}/logs?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
      token,
    });
    if (r.statusCode !== 200) throw new Error(`logs: ${r.statusCode} ${r.body}`);
    const page = r.json();
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { items, pages };
}

export const countInvoices = async (t: TestApp, requestId?: string) => {
  let q = t.deps.db.selectFrom('invoices').select((e) => e.fn.countAll<string>().as('n'));
  if (requestId) q = q.where('request_id', '=', requestId);
  return Number((await q.executeTakeFirstOrThrow()).n);
};

/** The outbox events of one import, oldest first. */
export const importEvents = (t: TestApp, id: string) =>
  t.deps.db
    .selectFrom('sys_outbox')
    .select(['event_type', 'event_version', 'payload', 'request_id', 'dispatched_at'])
    .where('aggregate_type', '=', 'import_file')
    .where('aggregate_id', '=', id)
    .orderBy('id')
    .execute();

/** A CSV of the import layout from a header and rows of cells (quoted where needed). */
export function csv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
