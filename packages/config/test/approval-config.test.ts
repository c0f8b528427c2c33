/** APPROVAL_REQUIRED_FOR: all three actions by default and when empty (an empty value means the default), none with `none`. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/index.ts';

const base = {
  TENANT_CODE: 'demo',
  DATABASE_URL: 'postgres://einvoice@127.0.0.1:5432/einvoice',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'x'.repeat(64),
  APP_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};
const required = (v?: string) =>
  parseConfig(v === undefined ? base : { ...base, APPROVAL_REQUIRED_FOR: v }).APPROVAL_REQUIRED_FOR;

describe('APPROVAL_REQUIRED_FOR', () => {
  it('defaults to every action, also when set empty', () => {
    const all = ['turnkey.resend', 'invoice.void', 'allowance.issue'];
    expect(required()).toEqual(all);
    expect(required('')).toEqual(all);
  });
  it('takes a list, or none', () => {
    expect(required('invoice.void, allowance.issue')).toEqual(['invoice.void', 'allowance.issue']);
    expect(required('none')).toEqual([]);
  });
  it('refuses an unknown action, naming the variable', () => {
    expect(() => required('invoice.cancel')).toThrow(/APPROVAL_REQUIRED_FOR/);
  });
});
