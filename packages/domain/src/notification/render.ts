/**
 * The notification e-mails: subject and body in Traditional Chinese with the English below, as plain text
 * and as simple HTML, with the facts of each event and links into the web app (APP_PUBLIC_URL). Pure:
 * the facts, the public URL and the time come in; nothing is read from the clock or the environment.
 */
import type { NotificationKind } from './kinds.ts';

export type SellerRef = { id: string; ban: string | null; name: string | null };
export type SiteRef = { id: string; code: string | null; name: string | null };

/** What the mail of each kind shows; the worker builds it from the event and the seller/site rows. */
export type NotificationFacts = {
  invoice_rejected: {
    messageId: string;
    messageType: string;
    identifier: string;
    invoiceNumber: string | null;
    allowanceNumber: string | null;
    yearMonth: string | null;
    code: string | null;
    message: string | null;
    seller: SellerRef;
    site: SiteRef | null;
    processedAt: string;
  };
  deadline_at_risk: {
    messageId: string;
    messageType: string;
    identifier: string;
    status: string;
    b2b: boolean;
    createdAt: string;
    deadline: string;
    seller: SellerRef;
  };
  track_low: {
    yearMonth: string;
    invoiceType: string;
    remaining: number;
    threshold: number;
    seller: SellerRef;
    site: SiteRef;
  };
  certificate_expiring: {
    seller: SellerRef;
    expiresAt: string;
    daysLeft: number;
  };
  webhook_dead: {
    webhookId: string;
    /** The URL without its query string. */
    target: string;
    deliveryId: string;
    eventId: string;
    eventType: string;
    attempts: number;
    lastStatusCode: number | null;
    lastError: string | null;
    deadAt: string;
  };
  approval_requested: {
    approvalId: string;
    action: string;
    invoiceNumber: string;
    amount: number | null;
    requestedBy: string;
    requestedAt: string;
    seller: SellerRef;
    site: SiteRef;
  };
  ops_slow_query: {
    reportId: string;
    periodStart: string;
    periodEnd: string;
    thresholdMs: number;
    /** Statements over the threshold. */
    count: number;
    maxMs: number;
    /** The slowest of them (normalized SQL, shortened), from the report. */
    statements: { query: string; maxMs: number; calls: number }[];
  };
};

export type Notification = { [K in NotificationKind]: { kind: K; facts: NotificationFacts[K] } }[NotificationKind];

export type RenderedMail = { subject: string; text: string; html: string };

export type RenderOptions = {
  /** The web app's public address (APP_PUBLIC_URL), e.g. https://einvoice.example.com. */
  publicUrl: string;
  /** The recipient's display name, for the greeting. */
  recipientName: string;
};

const SUBJECT_PREFIX = { zh: '【電子發票】', en: 'E-invoice: ' };

/** 'YYYY-MM-DD HH:mm' in Asia/Taipei (fixed UTC+8) of an ISO time; the text itself when it is not one. */
export function formatTaipeiTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** `11410` → 114年09–10月 / 2025-09/10; other text unchanged. */
function period(ym: string | null, lang: 'zh' | 'en'): string | null {
  if (ym === null) return null;
  const m = /^(\d{3})(0[2468]|1[02])$/.exec(ym);
  if (!m) return ym;
  const roc = Number(m[1]);
  const last = Number(m[2]);
  const first = String(last - 1).padStart(2, '0');
  return lang === 'zh' ? `${ym}（${roc}年${first}–${m[2]}月）` : `${ym} (${roc + 1911}-${first}/${m[2]})`;
}

const MESSAGE_TYPES: Record<string, { zh: string; en: string }> = {
  F0401: { zh: '開立發票', en: 'invoice' },
  F0501: { zh: '作廢發票', en: 'invoice cancellation' },
  F0701: { zh: '註銷發票', en: 'invoice void' },
  G0401: { zh: '開立折讓', en: 'allowance' },
  G0501: { zh: '作廢折讓', en: 'allowance cancellation' },
  G0701: { zh: '註銷折讓', en: 'allowance void' },
  E0402: { zh: '空白未使用字軌', en: 'blank numbers' },
};
const messageType = (t: string, lang: 'zh' | 'en') => {
  const name = MESSAGE_TYPES[t]?.[lang];
  if (!name) return t;
  return lang === 'zh' ? `${t}（${name}）` : `${t} (${name})`;
};

const APPROVAL_ACTIONS: Record<string, { zh: string; en: string }> = {
  'invoice.void': { zh: '註銷並重開發票', en: 'void and re-issue the invoice' },
  'turnkey.resend': { zh: '重新上傳被退回的訊息', en: 'resend the rejected messages' },
  'allowance.issue': { zh: '開立折讓', en: 'issue an allowance' },
};
const approvalAction = (a: string, lang: 'zh' | 'en') => APPROVAL_ACTIONS[a]?.[lang] ?? a;

const party = (p: { ban?: string | null; code?: string | null; name: string | null; id: string }) =>
  [p.ban ?? p.code ?? null, p.name].filter((x): x is string => !!x).join(' ') || p.id;

const TZ = { zh: '（台北時間）', en: ' (Taipei time)' };

type Line = readonly [label: string, value: string | null];
type Side = { title: string; lines: Line[]; action: string };
type Described = { zh: Side; en: Side; path: string };

/** The title, the fact lines and what to do, in both languages, and where the web app shows it. */
export function describeNotification(n: Notification): Described {
  switch (n.kind) {
    case 'invoice_rejected': {
      const f = n.facts;
      const subjectNo = f.invoiceNumber ?? f.allowanceNumber ?? f.identifier;
      const common = (lang: 'zh' | 'en'): Line[] =>
        lang === 'zh'
          ? [
              ['訊息', messageType(f.messageType, 'zh')],
              ['發票號碼', f.invoiceNumber],
              ['折讓單號', f.allowanceNumber],
              ['識別碼', f.identifier],
              ['期別', period(f.yearMonth, 'zh')],
              ['賣方', party(f.seller)],
              ['站點', f.site ? party(f.site) : null],
              ['錯誤代碼', f.code],
              ['錯誤說明', f.message],
              ['處理時間', `${formatTaipeiTime(f.processedAt)}${TZ.zh}`],
            ]
          : [
              ['Message', messageType(f.messageType, 'en')],
              ['Invoice number', f.invoiceNumber],
              ['Allowance number', f.allowanceNumber],
              ['Identifier', f.identifier],
              ['Period', period(f.yearMonth, 'en')],
              ['Seller', party(f.seller)],
              ['Site', f.site ? party(f.site) : null],
              ['Error code', f.code],
              ['Error text', f.message],
              ['Processed at', `${formatTaipeiTime(f.processedAt)}${TZ.en}`],
            ];
      return {
        zh: {
          title: `平台退回 ${f.messageType} ${subjectNo}`,
          lines: common('zh'),
          action: '請依錯誤說明修正資料後，於系統中重新上傳（重送）此訊息。',
        },
        en: {
          title: `platform rejected ${f.messageType} ${subjectNo}`,
          lines: common('en'),
          action: 'Correct the data as the error text says, then resend the message from the web app.',
        },
        // The Turnkey screen's rejected list with this message's fix-and-resend panel open (apps/web turnkey).
        path: `/turnkey?status=rejected&open=${encodeURIComponent(f.messageId)}`,
      };
    }
    case 'deadline_at_risk': {
      const f = n.facts;
      const limit = { zh: f.b2b ? 'B2B（7 天）' : 'B2C（48 小時）', en: f.b2b ? 'B2B (7 days)' : 'B2C (48 hours)' };
      return {
        zh: {
          title: `上傳期限將屆 ${f.messageType} ${f.identifier}`,
          lines: [
            ['訊息', messageType(f.messageType, 'zh')],
            ['識別碼', f.identifier],
            ['賣方', party(f.seller)],
            ['目前狀態', f.status],
            ['上傳期限', `${limit.zh}，${formatTaipeiTime(f.deadline)}${TZ.zh}前`],
            ['建立時間', `${formatTaipeiTime(f.createdAt)}${TZ.zh}`],
          ],
          action: '此訊息尚未被平台接受。請確認 Turnkey 正常運作，並檢查訊息狀態。',
        },
        en: {
          title: `upload deadline at risk for ${f.messageType} ${f.identifier}`,
          lines: [
            ['Message', messageType(f.messageType, 'en')],
            ['Identifier', f.identifier],
            ['Seller', party(f.seller)],
            ['Status', f.status],
            ['Upload limit', `${limit.en}, by ${formatTaipeiTime(f.deadline)}${TZ.en}`],
            ['Queued at', `${formatTaipeiTime(f.createdAt)}${TZ.en}`],
          ],
          action: 'The platform has not accepted this message yet. Check that Turnkey is running and look at the message.',
        },
        path: `/turnkey?status=${encodeURIComponent(f.status)}&open=${encodeURIComponent(f.messageId)}`,
      };
    }
    case 'track_low': {
      const f = n.facts;
      const site = party(f.site);
      return {
        zh: {
          title: `字軌號碼即將用完 ${site} ${f.yearMonth}`,
          lines: [
            ['賣方', party(f.seller)],
            ['站點', site],
            ['期別', period(f.yearMonth, 'zh')],
            ['發票類別', f.invoiceType],
            ['剩餘號碼', String(f.remaining)],
            ['警示門檻', String(f.threshold)],
          ],
          action: '請為此站點配發新的號碼區段，或匯入下一批字軌（E0501）。',
        },
        en: {
          title: `invoice numbers running low at ${site} for ${f.yearMonth}`,
          lines: [
            ['Seller', party(f.seller)],
            ['Site', site],
            ['Period', period(f.yearMonth, 'en')],
            ['Invoice type', f.invoiceType],
            ['Numbers left', String(f.remaining)],
            ['Threshold', String(f.threshold)],
          ],
          action: 'Allocate a new block of numbers to this site, or import the next allocation (E0501).',
        },
        // The seller's number ranges, where a block is allocated to the site.
        path: `/tracks?sellerId=${encodeURIComponent(f.seller.id)}`,
      };
    }
    case 'certificate_expiring': {
      const f = n.facts;
      const seller = party(f.seller);
      const expired = f.daysLeft <= 0;
      return {
        zh: {
          title: expired ? `憑證已到期 ${seller}` : `憑證將於 ${f.daysLeft} 天後到期 ${seller}`,
          lines: [
            ['賣方', seller],
            ['到期日', f.expiresAt],
            ['剩餘天數', String(Math.max(0, f.daysLeft))],
          ],
          action: '憑證到期後 Turnkey 無法上傳此賣方的訊息。請更新憑證並安裝至 Turnkey。',
        },
        en: {
          title: expired
            ? `signing certificate expired for ${seller}`
            : `signing certificate expires in ${f.daysLeft} day${f.daysLeft === 1 ? '' : 's'} for ${seller}`,
          lines: [
            ['Seller', seller],
            ['Expires', f.expiresAt],
            ['Days left', String(Math.max(0, f.daysLeft))],
          ],
          action:
            "Turnkey cannot upload this seller's messages once the certificate has expired. Renew it and install it in Turnkey.",
        },
        path: `/sellers/${encodeURIComponent(f.seller.id)}`,
      };
    }
    case 'approval_requested': {
      const f = n.facts;
      const amount = f.amount === null ? null : `NT$${f.amount.toLocaleString('en-US')}`;
      return {
        zh: {
          title: `待審核：${f.invoiceNumber} ${approvalAction(f.action, 'zh')}`,
          lines: [
            ['申請動作', approvalAction(f.action, 'zh')],
            ['發票號碼', f.invoiceNumber],
            ['折讓金額（含稅）', amount],
            ['賣方', party(f.seller)],
            ['站點', party(f.site)],
            ['申請人', f.requestedBy],
            ['申請時間', `${formatTaipeiTime(f.requestedAt)}${TZ.zh}`],
          ],
          action: '此動作需由申請人以外、具審核權限的使用者核准後才會執行。請開啟申請，核准或駁回。',
        },
        en: {
          title: `waiting for approval: ${approvalAction(f.action, 'en')} ${f.invoiceNumber}`,
          lines: [
            ['Action', approvalAction(f.action, 'en')],
            ['Invoice number', f.invoiceNumber],
            ['Allowance (tax included)', amount],
            ['Seller', party(f.seller)],
            ['Site', party(f.site)],
            ['Requested by', f.requestedBy],
            ['Requested at', `${formatTaipeiTime(f.requestedAt)}${TZ.en}`],
          ],
          action:
            'This action runs only once a user holding approve, other than the requester, approves it. Open the request to approve or reject it.',
        },
        path: `/approvals/${encodeURIComponent(f.approvalId)}`,
      };
    }
    case 'webhook_dead': {
      const f = n.facts;
      const answer = f.lastStatusCode === null ? null : `HTTP ${f.lastStatusCode}`;
      return {
        zh: {
          title: `Webhook 傳送失敗已停止重試 ${f.target}`,
          lines: [
            ['網址', f.target],
            ['訂閱', f.webhookId],
            ['事件', `${f.eventType}（${f.eventId}）`],
            ['嘗試次數', String(f.attempts)],
            ['最後回應', answer],
            ['最後錯誤', f.lastError],
            ['停止時間', `${formatTaipeiTime(f.deadAt)}${TZ.zh}`],
          ],
          action: '此事件不再自動重送。請修正接收端後，於傳送紀錄中重新傳送。',
        },
        en: {
          title: `webhook delivery given up for ${f.target}`,
          lines: [
            ['URL', f.target],
            ['Subscription', f.webhookId],
            ['Event', `${f.eventType} (${f.eventId})`],
            ['Tries', String(f.attempts)],
            ['Last answer', answer],
            ['Last error', f.lastError],
            ['Given up at', `${formatTaipeiTime(f.deadAt)}${TZ.en}`],
          ],
          action: 'This event is no longer retried. Fix the receiving end, then redeliver it from the delivery log.',
        },
        // The subscription's page, its delivery log filtered to the dead ones (redeliver is there).
        path: `/webhooks/${encodeURIComponent(f.webhookId)}?status=dead`,
      };
    }
    case 'ops_slow_query': {
      const f = n.facts;
      const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
      const sqlLines = (label: string): Line[] =>
        f.statements.map((s, i) => [`${label} ${i + 1}`, `${ms(s.maxMs)} × ${s.calls}: ${s.query}`] as const);
      const span = (tz: string) => `${formatTaipeiTime(f.periodStart)} – ${formatTaipeiTime(f.periodEnd)}${tz}`;
      return {
        zh: {
          title: `慢查詢告警：${f.count} 個 SQL 超過 ${ms(f.thresholdMs)}（最長 ${ms(f.maxMs)}）`,
          lines: [
            ['期間', span(TZ.zh)],
            ['門檻', ms(f.thresholdMs)],
            ['超過門檻的 SQL', String(f.count)],
            ['最長一次', ms(f.maxMs)],
            ...sqlLines('SQL'),
            ['報表', `sys_ops_reports #${f.reportId}`],
          ],
          action:
            '請以 EXPLAIN (ANALYZE) 檢查這些 SQL，並參考報表中的建議索引（僅為建議，建立前請先驗證）。詳見維運手冊的慢查詢一節。',
        },
        en: {
          title: `slow queries: ${f.count} SQL statement${f.count === 1 ? '' : 's'} over ${ms(f.thresholdMs)} (longest ${ms(f.maxMs)})`,
          lines: [
            ['Period', span(TZ.en)],
            ['Threshold', ms(f.thresholdMs)],
            ['Statements over it', String(f.count)],
            ['Longest run', ms(f.maxMs)],
            ...sqlLines('SQL'),
            ['Report', `sys_ops_reports #${f.reportId}`],
          ],
          action:
            "Check these statements with EXPLAIN (ANALYZE) and see the report's suggested indexes (suggestions only: verify before creating one). The ops runbook's slow-query section says how.",
        },
        // The system page, where administrators watch the stack's health.
        path: '/system',
      };
    }
  }
}

/** Keep one line: collapse line breaks and runs of spaces (an error text may hold any). */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const link = (publicUrl: string, path: string) => `${publicUrl.replace(/\/+$/, '')}${path}`;

/** Where a user changes what they receive: the web app's account page (notification preferences). */
const SETTINGS_PATH = '/account';

function footer(publicUrl: string): { text: string; html: string } {
  const url = link(publicUrl, SETTINGS_PATH);
  return {
    text: `您收到這封信，是因為您的通知設定。變更設定：${url}\nYou receive this e-mail because of your notification settings. Change them at ${url}`,
    html: `<p style="color:#666;font-size:12px">您收到這封信，是因為您的通知設定。<a href="${escapeHtml(url)}">變更設定</a><br>You receive this e-mail because of your notification settings. <a href="${escapeHtml(url)}">Change them</a>.</p>`,
  };
}

function sideText(side: Side, url: string, lang: 'zh' | 'en'): string {
  const lines = side.lines.filter((l): l is readonly [string, string] => l[1] !== null);
  const sep = lang === 'zh' ? '：' : ': ';
  return [
    side.title.charAt(0).toUpperCase() + side.title.slice(1),
    '',
    ...lines.map(([k, v]) => `  ${k}${sep}${oneLine(v)}`),
    '',
    side.action,
    `${lang === 'zh' ? '查看' : 'Open'}: ${url}`,
  ].join('\n');
}

function sideHtml(side: Side, url: string, lang: 'zh' | 'en'): string {
  const rows = side.lines
    .filter((l): l is readonly [string, string] => l[1] !== null)
    .map(
      ([k, v]) =>
        `<tr><th align="left" style="padding:2px 12px 2px 0;font-weight:normal;color:#555">${escapeHtml(k)}</th><td>${escapeHtml(oneLine(v))}</td></tr>`,
    )
    .join('');
  const title = side.title.charAt(0).toUpperCase() + side.title.slice(1);
  return `<div lang="${lang === 'zh' ? 'zh-Hant-TW' : 'en'}"><h2 style="font-size:16px">${escapeHtml(title)}</h2><table>${rows}</table><p>${escapeHtml(side.action)}</p><p><a href="${escapeHtml(url)}">${lang === 'zh' ? '在系統中查看' : 'Open in the web app'}</a></p></div>`;
}

const HR_TEXT = '\n\n----------------------------------------\n\n';
const page = (body: string) =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif;font-size:14px">${body}</body></html>`;

/** The mail of one event (immediate delivery). */
export function renderNotificationMail(n: Notification, opts: RenderOptions): RenderedMail {
  const d = describeNotification(n);
  const url = link(opts.publicUrl, d.path);
  const foot = footer(opts.publicUrl);
  const name = oneLine(opts.recipientName);
  return {
    subject: oneLine(`${SUBJECT_PREFIX.zh}${d.zh.title} | ${SUBJECT_PREFIX.en}${d.en.title}`),
    text:
      [`${name} 您好：\n\n${sideText(d.zh, url, 'zh')}`, `Hello ${name},\n\n${sideText(d.en, url, 'en')}`].join(HR_TEXT) +
      HR_TEXT +
      foot.text +
      '\n',
    html: page(
      `<p>${escapeHtml(name)} 您好：</p>${sideHtml(d.zh, url, 'zh')}<hr><p>Hello ${escapeHtml(name)},</p>${sideHtml(d.en, url, 'en')}<hr>${foot.html}`,
    ),
  };
}

const KIND_HEADINGS: Record<NotificationKind, { zh: string; en: string }> = {
  invoice_rejected: { zh: '平台退回的訊息', en: 'Messages the platform rejected' },
  deadline_at_risk: { zh: '上傳期限將屆', en: 'Upload deadlines at risk' },
  track_low: { zh: '字軌號碼即將用完', en: 'Invoice numbers running low' },
  certificate_expiring: { zh: '憑證即將到期', en: 'Signing certificates expiring' },
  webhook_dead: { zh: '停止重試的 Webhook 傳送', en: 'Webhook deliveries given up' },
  approval_requested: { zh: '待審核的申請', en: 'Requests waiting for approval' },
  ops_slow_query: { zh: '慢查詢告警', en: 'Slow query alerts' },
};

/** One digest item: the notification and when its event happened (ISO). */
export type DigestEntry = { notification: Notification; occurredAt: string };

/**
 * The digest mail of several events: grouped by kind (in the order of the first item of each kind),
 * each item one line with its time, title and link; Chinese first, then English.
 */
export function renderDigestMail(
  entries: readonly DigestEntry[],
  opts: RenderOptions & { since: string; until: string },
): RenderedMail {
  if (entries.length === 0) throw new RangeError('a digest needs at least one item');
  const groups = new Map<NotificationKind, DigestEntry[]>();
  for (const e of entries) {
    const g = groups.get(e.notification.kind);
    if (g) g.push(e);
    else groups.set(e.notification.kind, [e]);
  }
  const n = entries.length;
  const name = oneLine(opts.recipientName);
  const foot = footer(opts.publicUrl);
  const text = (lang: 'zh' | 'en') => {
    const out = [
      lang === 'zh' ? `${name} 您好：` : `Hello ${name},`,
      '',
      lang === 'zh'
        ? `以下是 ${formatTaipeiTime(opts.since)} 至 ${formatTaipeiTime(opts.until)}${TZ.zh}的 ${n} 則通知。`
        : `Here are ${n} notification${n === 1 ? '' : 's'} from ${formatTaipeiTime(opts.since)} to ${formatTaipeiTime(opts.until)}${TZ.en}.`,
    ];
    for (const [kind, items] of groups) {
      out.push('', `${KIND_HEADINGS[kind][lang]} (${items.length})`);
      for (const e of items) {
        const d = describeNotification(e.notification);
        const side = d[lang];
        const facts = digestFacts(side, lang);
        out.push(`  - ${formatTaipeiTime(e.occurredAt)} ${side.title}${facts ? ` — ${facts}` : ''}`);
        out.push(`    ${link(opts.publicUrl, d.path)}`);
      }
    }
    return out.join('\n');
  };
  const html = (lang: 'zh' | 'en') => {
    const parts = [
      `<p>${escapeHtml(lang === 'zh' ? `${name} 您好：` : `Hello ${name},`)}</p>`,
      `<p>${escapeHtml(
        lang === 'zh'
          ? `以下是 ${formatTaipeiTime(opts.since)} 至 ${formatTaipeiTime(opts.until)}${TZ.zh}的 ${n} 則通知。`
          : `Here are ${n} notification${n === 1 ? '' : 's'} from ${formatTaipeiTime(opts.since)} to ${formatTaipeiTime(opts.until)}${TZ.en}.`,
      )}</p>`,
    ];
    for (const [kind, items] of groups) {
      parts.push(`<h3 style="font-size:15px">${escapeHtml(`${KIND_HEADINGS[kind][lang]} (${items.length})`)}</h3><ul>`);
      for (const e of items) {
        const d = describeNotification(e.notification);
        const side = d[lang];
        const facts = digestFacts(side, lang);
        parts.push(
          `<li>${escapeHtml(formatTaipeiTime(e.occurredAt))} <a href="${escapeHtml(link(opts.publicUrl, d.path))}">${escapeHtml(side.title)}</a>${facts ? ` — ${escapeHtml(facts)}` : ''}</li>`,
        );
      }
      parts.push('</ul>');
    }
    return `<div lang="${lang === 'zh' ? 'zh-Hant-TW' : 'en'}">${parts.join('')}</div>`;
  };
  return {
    subject: `${SUBJECT_PREFIX.zh}通知摘要：${n} 則 | ${SUBJECT_PREFIX.en}digest of ${n} notification${n === 1 ? '' : 's'}`,
    text: `${text('zh')}${HR_TEXT}${text('en')}${HR_TEXT}${foot.text}\n`,
    html: page(`${html('zh')}<hr>${html('en')}<hr>${foot.html}`),
  };
}

/** The few facts a digest line shows after the title. */
function digestFacts(side: Side, lang: 'zh' | 'en'): string {
  return side.lines
    .filter((l): l is readonly [string, string] => l[1] !== null && DIGEST_LINE_LABELS.has(l[0]))
    .map(([k, v]) => `${k}${lang === 'zh' ? '：' : ': '}${oneLine(v)}`)
    .join(lang === 'zh' ? '；' : '; ');
}

/** The facts a digest line keeps (the codes and figures; the rest is one click away). */
const DIGEST_LINE_LABELS = new Set([
  '錯誤代碼',
  '錯誤說明',
  'Error code',
  'Error text',
  '上傳期限',
  'Upload limit',
  '剩餘號碼',
  'Numbers left',
  '到期日',
  'Expires',
  '最後回應',
  'Last answer',
  '最後錯誤',
  'Last error',
]);

/** The mail a user sends themselves to check that notifications reach them. */
export function renderTestMail(opts: RenderOptions & { at: string }): RenderedMail {
  const name = oneLine(opts.recipientName);
  const url = link(opts.publicUrl, SETTINGS_PATH);
  const zh = `${name} 您好：\n\n這是一封測試信，於 ${formatTaipeiTime(opts.at)}${TZ.zh}由您在電子發票系統中要求寄出。收到這封信，表示系統的通知信可以寄達您的信箱。\n\n通知設定：${url}`;
  const en = `Hello ${name},\n\nThis is a test e-mail you asked the e-invoice stack for at ${formatTaipeiTime(opts.at)}${TZ.en}. Its arrival means notification e-mails reach your mailbox.\n\nNotification settings: ${url}`;
  return {
    subject: `${SUBJECT_PREFIX.zh}測試信 | ${SUBJECT_PREFIX.en}test e-mail`,
    text: `${zh}${HR_TEXT}${en}\n`,
    html: page(
      `<div lang="zh-Hant-TW"><p>${escapeHtml(`${name} 您好：`)}</p><p>${escapeHtml(`這是一封測試信，於 ${formatTaipeiTime(opts.at)}${TZ.zh}由您在電子發票系統中要求寄出。收到這封信，表示系統的通知信可以寄達您的信箱。`)}</p></div><hr><div lang="en"><p>${escapeHtml(`Hello ${name},`)}</p><p>${escapeHtml(`This is a test e-mail you asked the e-invoice stack for at ${formatTaipeiTime(opts.at)}${TZ.en}. Its arrival means notification e-mails reach your mailbox.`)}</p></div><p><a href="${escapeHtml(url)}">通知設定 / Notification settings</a></p>`,
    ),
  };
}
