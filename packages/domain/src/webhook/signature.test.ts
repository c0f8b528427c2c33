import { describe, expect, it } from 'vitest';
import { webhookBody, webhookSecurity, webhookWarning } from './auth.ts';
import { formatWebhookSecret, signWebhook, webhookHeaders, webhookSecretKey } from './signature.ts';

describe('Standard Webhooks signatures', () => {
  // The published test vector of the Standard Webhooks reference libraries (and Svix's).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('reproduces the reference signature exactly', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    // The whsec_ prefix is optional, as in the reference implementations.
    expect(signWebhook('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id, timestamp, body)).toBe(signWebhook(secret, id, timestamp, body));
  });

  it('signs with every valid secret (rotation grace), current first, space-separated', () => {
    const other = formatWebhookSecret(Buffer.alloc(32, 7));
    const h = webhookHeaders({ id, timestamp, body }, [secret, other]);
    expect(h).toEqual({
      'webhook-id': id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': `v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= ${signWebhook(other, id, timestamp, body)}`,
    });
    expect(webhookHeaders({ id, timestamp, body }, [])).toEqual({ 'webhook-id': id, 'webhook-timestamp': '1614265330' });
  });

  it('any change of id, timestamp or body changes the signature', () => {
    const s = signWebhook(secret, id, timestamp, body);
    expect(signWebhook(secret, `${id}x`, timestamp, body)).not.toBe(s);
    expect(signWebhook(secret, id, timestamp + 1, body)).not.toBe(s);
    expect(signWebhook(secret, id, timestamp, `${body} `)).not.toBe(s);
  });

  it('a made secret is whsec_ + base64 of its key', () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    expect(formatWebhookSecret(key)).toBe(`whsec_${key.toString('base64')}`);
    expect(webhookSecretKey(formatWebhookSecret(key))).toEqual(key);
    expect(() => webhookSecretKey('whsec_')).toThrow(/empty/);
  });
});

describe('auth modes', () => {
  it('bearer is degraded and ip_only at risk, each with a warning; plain http is warned about too', () => {
    expect(webhookSecurity('hmac_sha256')).toBe('standard');
    expect(webhookSecurity('bearer')).toBe('degraded');
    expect(webhookSecurity('ip_only')).toBe('at_risk');
    expect(webhookWarning({ authMode: 'hmac_sha256', url: 'https://x.example/' })).toBeNull();
    expect(webhookWarning({ authMode: 'bearer', url: 'https://x.example/' })).toMatch(/^Degraded/);
    expect(webhookWarning({ authMode: 'ip_only', url: 'https://x.example/' })).toMatch(/^At risk/);
    expect(webhookWarning({ authMode: 'hmac_sha256', url: 'http://x.example/' })).toMatch(/^Plain http/);
  });

  it('the body carries type, version, event id, time and payload', () => {
    const b = webhookBody({
      type: 'InvoiceIssued',
      version: 1,
      eventId: '8d0f1c2e-1111-4c4c-9999-123456789abc',
      occurredAt: new Date('2026-11-21T06:30:00.000Z'),
      data: { invoiceNumber: 'AB12345678' },
    });
    expect(JSON.parse(b)).toEqual({
      type: 'InvoiceIssued',
      version: 1,
      eventId: '8d0f1c2e-1111-4c4c-9999-123456789abc',
      timestamp: '2026-11-21T06:30:00.000Z',
      data: { invoiceNumber: 'AB12345678' },
    });
  });
});
