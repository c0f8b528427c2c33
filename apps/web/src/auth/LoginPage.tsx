import { mfaChallengeBody } from '@app/schemas/auth';
import { type FormEvent, useId, useRef, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiError } from '../api/errors.ts';
import { errorText } from '../app/error-text.ts';
import { useI18n } from '../i18n/index.ts';
import { LocaleSwitcher } from '../shell/LocaleSwitcher.tsx';
import { Field } from '../ui/Field.tsx';
import { FormError } from '../ui/FormParts.tsx';
import { useAuth } from './AuthProvider.tsx';

type Errors = Partial<Record<'username' | 'password' | 'code' | 'recoveryCode', string>>;

/**
 * Sign in: username and password, then a TOTP code (or a recovery code) when the API asks for one. A user
 * whose role requires MFA and who has none (the login answer's `mfaEnrollmentRequired`, kept by AuthProvider)
 * is sent to /account to enrol (nothing else answers until then); others go where they were going.
 */
export function LoginPage() {
  const { state } = useAuth();
  const location = useLocation();
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const { t } = useI18n();
  const from = (location.state as { from?: string } | null)?.from;
  const target = from && from !== '/login' ? from : '/';

  if (state.status === 'signedIn') {
    return <Navigate to={state.mfaEnrollmentRequired ? '/account' : target} replace />;
  }
  return (
    <div className="login">
      <header className="login-header">
        <p className="app-title">{t('app.title')}</p>
        <LocaleSwitcher />
      </header>
      <main id="main">
        {mfaToken ? <MfaForm mfaToken={mfaToken} onBack={() => setMfaToken(null)} /> : <PasswordForm onMfa={setMfaToken} />}
      </main>
    </div>
  );
}

/** Splits an API failure into field errors (next to their inputs) and a message for the whole form. */
function useFormErrors<F extends keyof Errors>(fields: readonly F[]) {
  const { t } = useI18n();
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const refs = useRef<Partial<Record<F, HTMLInputElement | null>>>({});

  const show = (next: Errors, general: string | null) => {
    setErrors(next);
    setFormError(general);
    const first = fields.find((f) => next[f]);
    if (first) refs.current[first]?.focus();
  };
  const fromApi = (e: unknown) => {
    const byField = e instanceof ApiError ? e.fieldErrors() : {};
    const next: Errors = {};
    for (const f of fields) if (byField[f]) next[f] = byField[f];
    const known = Object.keys(next).length > 0;
    show(next, known ? null : errorText(t, e));
  };
  return { errors, formError, show, fromApi, refs };
}

function PasswordForm({ onMfa }: { onMfa: (mfaToken: string) => void }) {
  const { t } = useI18n();
  const { login } = useAuth();
  const [busy, setBusy] = useState(false);
  const { errors, formError, show, fromApi, refs } = useFormErrors(['username', 'password'] as const);
  const headingId = useId();

  async function submit(ev: FormEvent<HTMLFormElement>) {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget);
    const username = String(data.get('username') ?? '').trim();
    const password = String(data.get('password') ?? '');
    const missing: Errors = {};
    if (!username) missing.username = t('login.required', { field: t('login.username') });
    if (!password) missing.password = t('login.required', { field: t('login.password') });
    if (missing.username || missing.password) return show(missing, null);
    show({}, null);
    setBusy(true);
    try {
      const mfa = await login(username, password);
      if (mfa) onMfa(mfa.mfaToken);
    } catch (e) {
      fromApi(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="login-form" aria-labelledby={headingId} noValidate onSubmit={submit}>
      <h1 id={headingId}>{t('login.title')}</h1>
      <FormError message={formError} />
      <Field
        name="username"
        label={t('login.username')}
        autoComplete="username"
        error={errors.username}
        inputRef={(el) => {
          refs.current.username = el;
        }}
      />
      <Field
        name="password"
        type="password"
        label={t('login.password')}
        autoComplete="current-password"
        error={errors.password}
        inputRef={(el) => {
          refs.current.password = el;
        }}
      />
      <button type="submit" disabled={busy}>
        {busy ? t('login.submitting') : t('login.submit')}
      </button>
    </form>
  );
}

function MfaForm({ mfaToken, onBack }: { mfaToken: string; onBack: () => void }) {
  const { t } = useI18n();
  const { completeMfa } = useAuth();
  const [busy, setBusy] = useState(false);
  const [useRecovery, setUseRecovery] = useState(false);
  const { errors, formError, show, fromApi, refs } = useFormErrors(['code', 'recoveryCode'] as const);
  const headingId = useId();

  async function submit(ev: FormEvent<HTMLFormElement>) {
    ev.preventDefault();
    const data = new FormData(ev.currentTarget);
    if (useRecovery) return submitRecovery(String(data.get('recoveryCode') ?? '').trim());
    const code = String(data.get('code') ?? '').replace(/\s/g, '');
    if (!/^\d{6}$/.test(code)) return show({ code: t('login.mfaCodeFormat') }, null);
    show({}, null);
    setBusy(true);
    try {
      await completeMfa(mfaToken, { code });
    } catch (e) {
      // A wrong code belongs to the code field even though the API names no field for it.
      if (e instanceof ApiError && e.code === 'MFA_CODE_INVALID') show({ code: errorText(t, e) }, null);
      else fromApi(e);
    } finally {
      setBusy(false);
    }
  }

  /** A recovery code instead of a TOTP code (sent as `recoveryCode`, checked first with the API's schema). */
  async function submitRecovery(recoveryCode: string) {
    const checked = mfaChallengeBody.safeParse({ mfaToken, recoveryCode });
    if (!checked.success || checked.data.recoveryCode === undefined) {
      return show({ recoveryCode: t('account.login.recoveryFormat') }, null);
    }
    show({}, null);
    setBusy(true);
    try {
      await completeMfa(mfaToken, { recoveryCode: checked.data.recoveryCode });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'MFA_CODE_INVALID') show({ recoveryCode: errorText(t, e) }, null);
      else fromApi(e);
    } finally {
      setBusy(false);
    }
  }

  const switchInput = () => {
    setUseRecovery((r) => !r);
    show({}, null);
  };

  return (
    <form className="login-form" aria-labelledby={headingId} noValidate onSubmit={submit}>
      <h1 id={headingId}>{t('login.mfaTitle')}</h1>
      <p>{useRecovery ? t('account.login.recoveryHint') : t('login.mfaHint')}</p>
      <FormError message={formError} />
      {useRecovery ? (
        <Field
          key="recoveryCode"
          name="recoveryCode"
          label={t('account.login.recoveryCode')}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={32}
          autoFocus
          error={errors.recoveryCode}
          inputRef={(el) => {
            refs.current.recoveryCode = el;
          }}
        />
      ) : (
        <Field
          key="code"
          name="code"
          label={t('login.mfaCode')}
          autoComplete="one-time-code"
          inputMode="numeric"
          maxLength={6}
          autoFocus
          error={errors.code}
          inputRef={(el) => {
            refs.current.code = el;
          }}
        />
      )}
      <button type="submit" disabled={busy}>
        {t('login.mfaSubmit')}
      </button>
      <button type="button" className="link" onClick={switchInput}>
        {useRecovery ? t('account.login.useCode') : t('account.login.useRecovery')}
      </button>
      <button type="button" className="link" onClick={onBack}>
        {t('login.mfaBack')}
      </button>
    </form>
  );
}
