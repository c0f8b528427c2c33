// @vitest-environment happy-dom
import type { PreferencesView } from '@app/schemas/notification';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, type Handler, type SeenRequest, sessionTokens, startApiServer } from '../../test/http-server.ts';
import { renderApp } from '../../test/render.tsx';
import AccountArea from './index.tsx';

const CODES = Array.from({ length: 10 }, (_, i) => `rc${i}-abcd-efgh`);

const prefs = (over: Partial<PreferencesView> = {}): PreferencesView => ({
  userId: 'u1',
  email: 'alice@example.com',
  emailEnabled: true,
  kinds: {
    invoice_rejected: 'immediate',
    deadline_at_risk: 'digest',
    track_low: 'off',
    certificate_expiring: 'immediate',
    webhook_dead: 'immediate',
    approval_requested: 'immediate',
    ops_slow_query: 'immediate',
  },
  digest: { frequency: 'daily', hour: 8 },
  permittedKinds: ['invoice_rejected', 'deadline_at_risk'],
  ...over,
});

let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
beforeEach(() => localStorage.clear());
afterEach(async () => {
  cleanup();
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/** The account page of alice; `me` is what GET /auth/me answers (the page's, not the session's). */
async function open(handler: Handler, me: () => { mfaEnabled: boolean; mfaPending: boolean }) {
  server = await startApiServer((r) => {
    if (r.url === '/api/v1/auth/refresh') return { body: sessionTokens(1) };
    if (r.url === '/api/v1/auth/me') {
      return { body: { kind: 'user', id: 'u1', name: 'alice', displayName: 'Alice Wang', permissions: [], ...me() } };
    }
    if (r.url === '/api/v1/me/notification-preferences' && r.method === 'GET') return { body: prefs() };
    return handler(r);
  });
  const view = renderApp([{ path: '/account/*', element: <AccountArea /> }], {
    baseUrl: server.baseUrl,
    path: '/account',
    session: sessionTokens(1),
  });
  const seen = server.seen;
  return { ...view, writes: (): SeenRequest[] => seen.filter((r) => r.method !== 'GET' && r.url !== '/api/v1/auth/refresh') };
}

const errorOf = (el: HTMLElement) => {
  const id = el.getAttribute('aria-describedby');
  return id ? (document.getElementById(id.split(' ')[0]!)?.textContent ?? null) : null;
};

describe('two-step verification', () => {
  it('enrols: QR code and key, a code checked by the schema, then the recovery codes once', async () => {
    let enabled = false;
    const { writes } = await open(
      (r) => {
        if (r.url === '/api/v1/auth/mfa/enroll') {
          return {
            body: { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/e-invoice%20(acme):alice?secret=JBSWY3DPEHPK3PXP' },
          };
        }
        if (r.url === '/api/v1/auth/mfa/activate') {
          if ((r.body as { code: string }).code !== '123456') {
            return apiError(400, 'MFA_CODE_INVALID', 'The code does not match.', {
              field: 'body.code',
              message: 'The code does not match; check the device clock and try again.',
            });
          }
          enabled = true;
          return { body: { enabled: true, recoveryCodes: CODES } };
        }
        return apiError(404, 'ROUTE_NOT_FOUND', 'no');
      },
      () => ({ mfaEnabled: enabled, mfaPending: !enabled }),
    );
    // A role requiring MFA: only the enrolment is offered until it is done.
    expect((await screen.findByText(/您的角色必須使用兩步驟驗證/)).getAttribute('role')).toBe('alert');
    expect(screen.queryByRole('region', { name: '變更密碼' })).toBeNull();
    const mfa = screen.getByRole('region', { name: '兩步驟驗證' });
    expect(within(mfa).getByText('未啟用').className).toBe('badge warn');

    fireEvent.click(within(mfa).getByRole('button', { name: '設定兩步驟驗證' }));
    const qr = (await within(mfa).findByRole('img', { name: '兩步驟驗證設定用的 QR Code' })) as HTMLImageElement;
    expect(qr.src).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    expect(mfa.textContent).toContain('JBSWY3DPEHPK3PXP');
    expect(mfa.textContent).toContain('otpauth://totp/e-invoice%20(acme):alice?secret=JBSWY3DPEHPK3PXP');
    expect(writes()[0]!.url).toBe('/api/v1/auth/mfa/enroll');

    const code = within(mfa).getByLabelText('驗證碼') as HTMLInputElement;
    const activate = () => fireEvent.submit(within(mfa).getByRole('button', { name: '確認並啟用' }).closest('form')!);
    fireEvent.change(code, { target: { value: '12a' } });
    activate();
    expect(errorOf(code)).toBe('6 digits');
    expect(writes()).toHaveLength(1);

    // The API's refusal next to the field.
    fireEvent.change(code, { target: { value: '654321' } });
    activate();
    await waitFor(() =>
      expect(errorOf(within(mfa).getByLabelText('驗證碼'))).toBe(
        'The code does not match; check the device clock and try again.',
      ),
    );

    fireEvent.change(within(mfa).getByLabelText('驗證碼'), { target: { value: '123 456' } });
    activate();
    const list = await within(mfa).findByRole('list', { name: '復原碼' });
    expect(writes().at(-1)!.body).toEqual({ code: '123456' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(CODES);
    expect(
      within(mfa)
        .getByText(/只會顯示這一次/)
        .getAttribute('role'),
    ).toBe('alert');

    // The page now shows everything (enrolment done), and the codes stay on screen meanwhile.
    const password = await screen.findByRole('region', { name: '變更密碼' });
    expect((within(password).getByLabelText('目前的密碼') as HTMLInputElement).type).toBe('password');
    expect(within(mfa).getAllByRole('listitem')).toHaveLength(10);

    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    fireEvent.click(within(mfa).getByRole('button', { name: '複製' }));
    expect((await within(mfa).findByText('已複製到剪貼簿')).getAttribute('role')).toBe('status');
    expect(writeText).toHaveBeenCalledWith(`${CODES.join('\n')}\n`);

    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blobs.push(b as Blob);
      return 'blob:codes';
    });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    fireEvent.click(within(mfa).getByRole('button', { name: '下載' }));
    expect(click).toHaveBeenCalledTimes(1);
    expect(await blobs[0]!.text()).toBe(`${CODES.join('\n')}\n`);

    fireEvent.click(within(mfa).getByRole('button', { name: '我已妥善保存' }));
    expect(within(mfa).queryByRole('list', { name: '復原碼' })).toBeNull();
    expect(document.body.textContent).not.toContain(CODES[0]);
    expect(within(mfa).getByText('已啟用').className).toBe('badge good');
    expect(within(mfa).queryByText('未啟用')).toBeNull();
    expect((within(mfa).getByRole('button', { name: '停用兩步驟驗證' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('turns MFA off after confirming with a code (or a recovery code)', async () => {
    let enabled = true;
    const { writes } = await open(
      (r) => {
        if (r.url !== '/api/v1/auth/mfa/disable') return apiError(404, 'ROUTE_NOT_FOUND', 'no');
        const b = r.body as { code?: string; recoveryCode?: string };
        if (b.code === '000000') return apiError(401, 'MFA_CODE_INVALID', 'The code is wrong, expired or already used.');
        enabled = false;
        return { body: { enabled: false } };
      },
      () => ({ mfaEnabled: enabled, mfaPending: false }),
    );
    const mfa = await screen.findByRole('region', { name: '兩步驟驗證' });
    fireEvent.click(await within(mfa).findByRole('button', { name: '停用兩步驟驗證' }));
    const dialog = screen.getByRole('dialog', { name: '停用兩步驟驗證' });
    const confirm = () => fireEvent.submit(within(dialog).getByRole('button', { name: '停用兩步驟驗證' }).closest('form')!);
    fireEvent.change(within(dialog).getByLabelText('驗證碼'), { target: { value: '000000' } });
    confirm();
    expect((await within(dialog).findByRole('alert')).textContent).toBe('驗證碼錯誤、已過期或已使用');

    fireEvent.click(within(dialog).getByRole('button', { name: '改用復原碼' }));
    fireEvent.change(within(dialog).getByLabelText('復原碼'), { target: { value: ' rc1-abcd-efgh ' } });
    confirm();
    expect((await within(mfa).findByText('已停用兩步驟驗證')).getAttribute('role')).toBe('status');
    // (The API client answers any 401 with a token refresh and one retry, so the wrong code may be sent twice.)
    expect(writes()[0]!.body).toEqual({ code: '000000' });
    expect(writes().at(-1)!.body).toEqual({ recoveryCode: 'rc1-abcd-efgh' });
    expect(writes().every((r) => r.url === '/api/v1/auth/mfa/disable')).toBe(true);
    await waitFor(() => expect(within(mfa).getByText('未啟用').className).toBe('badge warn'));
    expect(within(mfa).queryByText('已啟用')).toBeNull();
  });
});

describe('password', () => {
  it("refuses bad input with the schema's message, shows a wrong current password beside it, then changes it", async () => {
    const { writes } = await open(
      (r) =>
        (r.body as { currentPassword: string }).currentPassword === 'old-password-1'
          ? { body: { changed: true } }
          : apiError(401, 'INVALID_CREDENTIALS', 'The current password is wrong.', { field: 'body.currentPassword' }),
      () => ({ mfaEnabled: false, mfaPending: false }),
    );
    const section = await screen.findByRole('region', { name: '變更密碼' });
    const field = (name: string) => within(section).getByLabelText(name) as HTMLInputElement;
    const send = () => fireEvent.submit(within(section).getByRole('button', { name: '變更密碼' }).closest('form')!);
    fireEvent.change(field('目前的密碼'), { target: { value: 'wrong' } });
    fireEvent.change(field('新密碼'), { target: { value: 'short' } });
    fireEvent.change(field('再次輸入新密碼'), { target: { value: 'short' } });
    send();
    expect(errorOf(field('新密碼'))).toBe('at least 10 characters');
    fireEvent.change(field('新密碼'), { target: { value: 'a-long-new-password' } });
    send();
    expect(errorOf(field('再次輸入新密碼'))).toBe('兩次輸入的新密碼不一致');
    expect(writes()).toHaveLength(0);

    fireEvent.change(field('再次輸入新密碼'), { target: { value: 'a-long-new-password' } });
    send();
    await waitFor(() => expect(errorOf(field('目前的密碼'))).toBe('目前的密碼不正確'));
    fireEvent.change(field('目前的密碼'), { target: { value: 'old-password-1' } });
    send();
    expect((await within(section).findByRole('status')).textContent).toBe('密碼已變更；您在其他裝置上的登入已被登出。');
    expect(writes().at(-1)!.url).toBe('/api/v1/auth/password');
    expect(writes().at(-1)!.body).toEqual({ currentPassword: 'old-password-1', newPassword: 'a-long-new-password' });
    expect(field('新密碼').value).toBe('');
  });
});

describe('notifications', () => {
  it('saves every kind with the changes and the digest schedule, and sends a test e-mail', async () => {
    let smtp = false;
    const { writes } = await open(
      (r) => {
        if (r.method === 'PUT') return { body: { ...prefs(), ...(r.body as object) } };
        if (r.url === '/api/v1/me/test-email') {
          return smtp
            ? { status: 202, body: { mailId: 'm1', to: 'alice@example.com', status: 'queued' } }
            : apiError(409, 'EMAIL_DISABLED', 'E-mail is off on this stack.');
        }
        return apiError(404, 'ROUTE_NOT_FOUND', 'no');
      },
      () => ({ mfaEnabled: false, mfaPending: false }),
    );
    const section = await screen.findByRole('region', { name: '通知設定' });
    const kinds = await within(section).findByRole('group', { name: '各類通知' });
    expect(within(kinds).getAllByRole('combobox')).toHaveLength(2);
    expect((within(section).getByLabelText('上傳期限將屆') as HTMLSelectElement).value).toBe('digest');
    expect(section.textContent).toContain('alice@example.com');

    fireEvent.change(within(section).getByLabelText('發票被平台退回'), { target: { value: 'off' } });
    fireEvent.change(within(section).getByLabelText('每天寄送時間（台北時間）'), { target: { value: '18' } });
    fireEvent.submit(within(section).getByRole('button', { name: '儲存' }).closest('form')!);
    expect(await within(section).findByText('已儲存')).toBeTruthy();
    const put = writes().find((r) => r.method === 'PUT')!;
    expect(put.url).toBe('/api/v1/me/notification-preferences');
    expect(put.body).toEqual({
      kinds: { ...prefs().kinds, invoice_rejected: 'off' },
      digest: { frequency: 'daily', hour: 18 },
    });

    fireEvent.click(within(section).getByRole('button', { name: '寄一封測試信給我' }));
    expect((await within(section).findByRole('alert')).textContent).toBe(
      '無法寄送測試信：本系統未設定郵件伺服器，無法寄送電子郵件',
    );
    smtp = true;
    fireEvent.click(within(section).getByRole('button', { name: '寄一封測試信給我' }));
    expect((await within(section).findByText(/測試信已排入寄送/)).textContent).toBe(
      '測試信已排入寄送，收件人：alice@example.com',
    );
    expect(writes().filter((r) => r.url === '/api/v1/me/test-email')).toHaveLength(2);
  });
});
