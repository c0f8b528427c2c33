import { describe, expect, it } from 'vitest';
import {
  digestDueAt,
  kindOfEvent,
  NOTIFICATION_KIND_NAMES,
  NOTIFICATION_KINDS,
  type Notification,
  permittedKinds,
  renderDigestMail,
  renderNotificationMail,
  renderTestMail,
} from './index.ts';

const URL = 'https://einvoice.example.com/';
const seller = { id: '11111111-1111-4111-8111-111111111111', ban: '04595257', name: '好市多股份有限公司' };
const site = { id: '22222222-2222-4222-8222-222222222222', code: 'TPE01', name: '台北店' };

const rejected: Notification = {
  kind: 'invoice_rejected',
  facts: {
    messageId: '42',
    messageType: 'F0401',
    identifier: 'AB00001234',
    invoiceNumber: 'AB00001234',
    allowanceNumber: null,
    yearMonth: '11410',
    code: 'E001',
    message: '賣方統一編號錯誤 | Seller BAN <invalid>',
    seller,
    site,
    processedAt: '2025-10-03T06:30:00.000Z',
  },
};

describe('notification kinds', () => {
  it('maps each event type to one kind, and permissions to the kinds they may receive', () => {
    expect(kindOfEvent('InvoiceProcessed')).toBe('invoice_rejected');
    expect(kindOfEvent('TrackLow')).toBe('track_low');
    expect(kindOfEvent('WebhookDead')).toBe('webhook_dead');
    expect(kindOfEvent('InvoiceIssued')).toBeUndefined();
    const events = NOTIFICATION_KIND_NAMES.map((k) => NOTIFICATION_KINDS[k].event);
    expect(new Set(events).size).toBe(events.length);
    expect(permittedKinds(new Set(['invoice.read']))).toEqual(['invoice_rejected']);
    expect(permittedKinds(new Set(['invoice.read', 'track.manage', 'turnkey.manage']))).toEqual([
      'invoice_rejected',
      'deadline_at_risk',
      'track_low',
    ]);
    expect(permittedKinds(new Set(['webhook.manage', 'seller.manage']))).toEqual(['certificate_expiring', 'webhook_dead']);
    expect(permittedKinds(new Set(['ops.admin']))).toEqual(['ops_slow_query']);
    expect(kindOfEvent('SlowQueryDetected')).toBe('ops_slow_query');
    expect(permittedKinds(new Set())).toEqual([]);
  });
});

describe('digestDueAt', () => {
  it('is the start of the hour for hourly digests', () => {
    expect(digestDueAt(new Date('2025-10-03T06:59:59.999Z'), { frequency: 'hourly', hour: 8 }).toISOString()).toBe(
      '2025-10-03T06:00:00.000Z',
    );
    expect(digestDueAt(new Date('2025-10-03T07:00:00.000Z'), { frequency: 'hourly', hour: 8 }).toISOString()).toBe(
      '2025-10-03T07:00:00.000Z',
    );
  });

  it('is the latest hour:00 Asia/Taipei for daily digests (yesterday before today’s)', () => {
    // 08:00 Taipei = 00:00Z.
    expect(digestDueAt(new Date('2025-10-03T00:00:00.000Z'), { frequency: 'daily', hour: 8 }).toISOString()).toBe(
      '2025-10-03T00:00:00.000Z',
    );
    expect(digestDueAt(new Date('2025-10-02T23:59:59.000Z'), { frequency: 'daily', hour: 8 }).toISOString()).toBe(
      '2025-10-02T00:00:00.000Z',
    );
    // 23:00 Taipei on 10-02 = 15:00Z; at 10-03 01:00 Taipei (10-02 17:00Z) the last one was 10-02 23:00 Taipei.
    expect(digestDueAt(new Date('2025-10-02T17:00:00.000Z'), { frequency: 'daily', hour: 23 }).toISOString()).toBe(
      '2025-10-02T15:00:00.000Z',
    );
    // Midnight Taipei across a month end: 2025-11-01 00:00 Taipei = 2025-10-31T16:00Z.
    expect(digestDueAt(new Date('2025-10-31T16:30:00.000Z'), { frequency: 'daily', hour: 0 }).toISOString()).toBe(
      '2025-10-31T16:00:00.000Z',
    );
    expect(() => digestDueAt(new Date(), { frequency: 'daily', hour: 24 })).toThrow(RangeError);
  });
});

describe('renderNotificationMail', () => {
  it('writes the facts in Traditional Chinese, then in English, with the link, as text and escaped HTML', () => {
    const m = renderNotificationMail(rejected, { publicUrl: URL, recipientName: '王小明' });
    expect(m.subject).toBe('【電子發票】平台退回 F0401 AB00001234 | E-invoice: platform rejected F0401 AB00001234');
    const zh = m.text.indexOf('王小明 您好');
    const en = m.text.indexOf('Hello 王小明');
    expect(zh).toBeGreaterThanOrEqual(0);
    expect(en).toBeGreaterThan(zh);
    const [zhPart, enPart] = [m.text.slice(zh, en), m.text.slice(en)];
    expect(zhPart).toContain('發票號碼：AB00001234');
    expect(zhPart).toContain('錯誤代碼：E001');
    expect(zhPart).toContain('錯誤說明：賣方統一編號錯誤 | Seller BAN <invalid>');
    expect(zhPart).toContain('期別：11410（114年09–10月）');
    expect(zhPart).toContain('賣方：04595257 好市多股份有限公司');
    expect(zhPart).toContain('站點：TPE01 台北店');
    expect(zhPart).toContain('處理時間：2025-10-03 14:30（台北時間）');
    expect(zhPart).not.toContain('折讓單號');
    expect(enPart).toContain('Invoice number: AB00001234');
    expect(enPart).toContain('Error code: E001');
    expect(enPart).toContain('Period: 11410 (2025-09/10)');
    expect(enPart).toContain('Processed at: 2025-10-03 14:30 (Taipei time)');
    expect(m.text).toContain('https://einvoice.example.com/turnkey?status=rejected&open=42');
    expect(m.text).toContain('https://einvoice.example.com/account');
    expect(m.html).toContain('Seller BAN &#60;invalid&#62;');
    expect(m.html).not.toContain('<invalid>');
    expect(m.html).toContain('href="https://einvoice.example.com/turnkey?status=rejected&#38;open=42"');
  });

  it('renders every kind with its own title and link', () => {
    const all: Notification[] = [
      rejected,
      {
        kind: 'deadline_at_risk',
        facts: {
          messageId: '7',
          messageType: 'F0401',
          identifier: 'AB00000007',
          status: 'delivered',
          b2b: false,
          createdAt: '2025-10-01T00:00:00.000Z',
          deadline: '2025-10-03T00:00:00.000Z',
          seller,
        },
      },
      {
        kind: 'track_low',
        facts: { yearMonth: '11410', invoiceType: '07', remaining: 12, threshold: 500, seller, site },
      },
      { kind: 'certificate_expiring', facts: { seller, expiresAt: '2025-10-10', daysLeft: 7 } },
      {
        kind: 'webhook_dead',
        facts: {
          webhookId: 'ws-1',
          target: 'https://erp.example.com/hook',
          deliveryId: '9',
          eventId: 'e-1',
          eventType: 'InvoiceIssued',
          attempts: 10,
          lastStatusCode: 500,
          lastError: null,
          deadAt: '2025-10-03T00:00:00.000Z',
        },
      },
    ];
    const subjects = all.map((n) => renderNotificationMail(n, { publicUrl: URL, recipientName: 'x' }).subject);
    expect(subjects).toEqual([
      '【電子發票】平台退回 F0401 AB00001234 | E-invoice: platform rejected F0401 AB00001234',
      '【電子發票】上傳期限將屆 F0401 AB00000007 | E-invoice: upload deadline at risk for F0401 AB00000007',
      '【電子發票】字軌號碼即將用完 TPE01 台北店 11410 | E-invoice: invoice numbers running low at TPE01 台北店 for 11410',
      '【電子發票】憑證將於 7 天後到期 04595257 好市多股份有限公司 | E-invoice: signing certificate expires in 7 days for 04595257 好市多股份有限公司',
      '【電子發票】Webhook 傳送失敗已停止重試 https://erp.example.com/hook | E-invoice: webhook delivery given up for https://erp.example.com/hook',
    ]);
    const hook = renderNotificationMail(all[4] as Notification, { publicUrl: URL, recipientName: 'x' });
    expect(hook.text).toContain('事件：InvoiceIssued（e-1）');
    expect(hook.text).toContain('最後回應：HTTP 500');
    expect(hook.text).not.toContain('最後錯誤');
    expect(hook.text).toContain('https://einvoice.example.com/webhooks/ws-1?status=dead');
    const deadline = renderNotificationMail(all[1] as Notification, { publicUrl: URL, recipientName: 'x' });
    expect(deadline.text).toContain('上傳期限：B2C（48 小時），2025-10-03 08:00（台北時間）前');
    expect(deadline.text).toContain('Upload limit: B2C (48 hours), by 2025-10-03 08:00 (Taipei time)');
    const low = renderNotificationMail(all[2] as Notification, { publicUrl: URL, recipientName: 'x' });
    expect(low.text).toContain('剩餘號碼：12');
    expect(low.text).toContain(`https://einvoice.example.com/tracks?sellerId=${seller.id}`);
    const expired = renderNotificationMail(
      { kind: 'certificate_expiring', facts: { seller, expiresAt: '2025-10-10', daysLeft: 0 } },
      { publicUrl: URL, recipientName: 'x' },
    );
    expect(expired.subject).toContain('憑證已到期');
    expect(expired.subject).toContain('signing certificate expired');
  });
});

describe('renderDigestMail', () => {
  it('groups the items by kind, one line each with the key facts and link, Chinese then English', () => {
    const low: Notification = {
      kind: 'track_low',
      facts: { yearMonth: '11410', invoiceType: '07', remaining: 12, threshold: 500, seller, site },
    };
    const m = renderDigestMail(
      [
        { notification: rejected, occurredAt: '2025-10-03T01:00:00.000Z' },
        { notification: low, occurredAt: '2025-10-03T02:00:00.000Z' },
        {
          notification: {
            ...rejected,
            facts: { ...rejected.facts, messageId: '43', invoiceNumber: 'AB00001235', identifier: 'AB00001235' },
          },
          occurredAt: '2025-10-03T03:00:00.000Z',
        },
      ],
      { publicUrl: URL, recipientName: 'Mia', since: '2025-10-03T01:00:00.000Z', until: '2025-10-04T00:00:00.000Z' },
    );
    expect(m.subject).toBe('【電子發票】通知摘要：3 則 | E-invoice: digest of 3 notifications');
    expect(m.text).toContain('平台退回的訊息 (2)');
    expect(m.text).toContain('字軌號碼即將用完 (1)');
    expect(m.text).toContain('Messages the platform rejected (2)');
    expect(m.text).toContain('  - 2025-10-03 09:00 平台退回 F0401 AB00001234 — 錯誤代碼：E001；錯誤說明：');
    expect(m.text).toContain('https://einvoice.example.com/turnkey?status=rejected&open=43');
    expect(m.text).toContain('剩餘號碼：12');
    expect(m.text).toContain('Numbers left: 12');
    expect(m.text.indexOf('平台退回的訊息')).toBeLessThan(m.text.indexOf('Messages the platform rejected'));
    expect(m.html.match(/<li>/g)).toHaveLength(6);
    expect(() => renderDigestMail([], { publicUrl: URL, recipientName: 'x', since: '', until: '' })).toThrow(RangeError);
  });
});

describe('renderTestMail', () => {
  it('says when it was asked for, in both languages', () => {
    const m = renderTestMail({ publicUrl: URL, recipientName: 'Mia', at: '2025-10-03T01:02:03.000Z' });
    expect(m.subject).toBe('【電子發票】測試信 | E-invoice: test e-mail');
    expect(m.text).toContain('2025-10-03 09:02（台北時間）');
    expect(m.text).toContain('2025-10-03 09:02 (Taipei time)');
  });
});
