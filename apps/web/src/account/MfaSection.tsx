import { mfaActivateBody, mfaDisableBody } from '@app/schemas/auth';
import { useMemo, useState } from 'react';
import { renderSVG } from 'uqr';
import { useApiMutation } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { downloadText } from '../audit/download.ts';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field } from '../ui/Field.tsx';
import { FormError } from '../ui/FormParts.tsx';
import { formSubmit, useZodForm } from '../ui/form.ts';
import type { Me } from './AccountPage.tsx';

type Enrolment = { secret: string; otpauthUri: string };
const ME = ['/api/v1/auth/me'] as const;

/**
 * Two-step verification (TOTP). Off: start enrolment → scan the QR code (or type the secret) → confirm with a
 * code → the ten recovery codes, shown this once (copy, download) until the user says they are kept. On: turn
 * it off with a current code or a recovery code (the API refuses when a role requires MFA).
 */
export function MfaSection({ me }: { me: Me }) {
  const { t } = useI18n();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const enroll = useApiMutation((api) => api.post<Enrolment>('/api/v1/auth/mfa/enroll'));

  const start = () =>
    enroll.mutate(undefined, {
      onSuccess: (e) => setEnrolment(e),
    });

  return (
    <section className="card" aria-labelledby="account-mfa">
      <h2 id="account-mfa">{t('account.mfa.title')}</h2>
      {codes ? (
        <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />
      ) : enrolment ? (
        <Enrol
          enrolment={enrolment}
          onCancel={() => setEnrolment(null)}
          onActivated={(c) => {
            setEnrolment(null);
            setCodes(c);
          }}
        />
      ) : me.mfaEnabled ? (
        <>
          <p>
            <span className="badge good">{t('account.mfa.on')}</span>
          </p>
          <Disable />
        </>
      ) : (
        <>
          <p>
            <span className="badge warn">{t('account.mfa.off')}</span> {t('account.mfa.offHint')}
          </p>
          {enroll.isError && (
            <p role="alert" className="form-error">
              {errorText(t, enroll.error)}
            </p>
          )}
          <button type="button" className="primary" onClick={start} disabled={enroll.isPending}>
            {enroll.isPending ? t('common.working') : t('account.mfa.start')}
          </button>
        </>
      )}
    </section>
  );
}

/** The QR code of the otpauth:// URI, as an image (an SVG drawn by uqr, no network). */
function QrCode({ uri }: { uri: string }) {
  const { t } = useI18n();
  const src = useMemo(() => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(uri, { border: 2 }))}`, [uri]);
  return <img src={src} alt={t('account.mfa.qrAlt')} width={200} height={200} className="qr" />;
}

function Enrol({
  enrolment,
  onCancel,
  onActivated,
}: {
  enrolment: Enrolment;
  onCancel: () => void;
  onActivated: (codes: string[]) => void;
}) {
  const { t } = useI18n();
  const form = useZodForm(mfaActivateBody, { code: '' }, (v) => ({ code: v.code.replace(/\s/g, '') }));
  const activate = useApiMutation(
    (api, body: { code: string }) => api.post<{ enabled: true; recoveryCodes: string[] }>('/api/v1/auth/mfa/activate', body),
    ME,
  );

  const submit = formSubmit(form, activate.mutateAsync, (r) => onActivated(r.recoveryCodes));

  return (
    <form onSubmit={submit} noValidate aria-labelledby="account-mfa-enrol">
      <h3 id="account-mfa-enrol">{t('account.mfa.enrolTitle')}</h3>
      <ol>
        <li>{t('account.mfa.step1')}</li>
        <li>{t('account.mfa.step2')}</li>
      </ol>
      <QrCode uri={enrolment.otpauthUri} />
      <dl className="props">
        <dt>{t('account.mfa.secret')}</dt>
        <dd>
          <code>{enrolment.secret}</code>
        </dd>
        <dt>{t('account.mfa.uri')}</dt>
        <dd>
          <code className="wrap">{enrolment.otpauthUri}</code>
        </dd>
      </dl>
      <FormError message={form.formError} />
      <Field
        label={t('account.mfa.code')}
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={6}
        hint={t('account.mfa.codeHint')}
        {...form.field('code')}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={activate.isPending}>
          {activate.isPending ? t('common.working') : t('account.mfa.activate')}
        </button>
        <button type="button" onClick={onCancel} disabled={activate.isPending}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The recovery codes, once: the API keeps only their hashes, so leaving this view loses them for good. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState<'ok' | 'failed' | null>(null);
  const text = `${codes.join('\n')}\n`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('ok');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div className="recovery-codes">
      <p>
        <span className="badge good">{t('account.mfa.on')}</span>
      </p>
      <h3>{t('account.mfa.codesTitle')}</h3>
      <p role="alert" className="form-error">
        {t('account.mfa.codesWarning', { count: codes.length })}
      </p>
      <ol aria-label={t('account.mfa.codesTitle')} className="codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {t('common.copy')}
        </button>
        <button type="button" onClick={() => downloadText('einvoice-recovery-codes.txt', text)}>
          {t('common.download')}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t('account.mfa.codesDone')}
        </button>
      </div>
      {copied && <p role="status">{copied === 'ok' ? t('account.mfa.copied') : t('account.mfa.copyFailed')}</p>}
    </div>
  );
}

/** Turning MFA off, confirmed with a current code (or a recovery code when the device is lost). */
function Disable() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [useRecovery, setUseRecovery] = useState(false);
  const [done, setDone] = useState(false);
  const form = useZodForm(mfaDisableBody, { code: '' }, (v) =>
    useRecovery ? { recoveryCode: v.code.trim() } : { code: v.code.replace(/\s/g, '') },
  );
  const disable = useApiMutation((api, body: unknown) => api.post<{ enabled: false }>('/api/v1/auth/mfa/disable', body), ME);

  const close = () => {
    setOpen(false);
    setUseRecovery(false);
    form.reset();
  };
  // A wrong code (MFA_CODE_INVALID) or a role requiring MFA (CONFLICT) is said in the dialog (fromApi).
  const confirm = formSubmit(form, disable.mutateAsync, () => {
    close();
    setDone(true);
  });
  // The schema names `code` for "one of the two" and a bad recovery code; the one input shows either.
  const fieldProps = form.field('code');
  const error = fieldProps.error ?? form.errors.recoveryCode;

  return (
    <>
      {done && <p role="status">{t('account.mfa.disabled')}</p>}
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {t('account.mfa.disable')}
      </button>
      <ConfirmDialog
        open={open}
        title={t('account.mfa.disableTitle')}
        confirmLabel={t('account.mfa.disable')}
        danger
        busy={disable.isPending}
        error={form.formError}
        onCancel={close}
        onConfirm={() => void confirm()}
      >
        <p>{t('account.mfa.disableHint')}</p>
        <Field
          {...fieldProps}
          error={error}
          label={useRecovery ? t('account.mfa.recoveryCode') : t('account.mfa.code')}
          inputMode={useRecovery ? 'text' : 'numeric'}
          autoComplete={useRecovery ? 'off' : 'one-time-code'}
          maxLength={useRecovery ? 32 : 6}
        />
        <button
          type="button"
          className="link"
          onClick={() => {
            setUseRecovery((r) => !r);
            form.reset();
          }}
        >
          {useRecovery ? t('account.mfa.useCode') : t('account.mfa.useRecovery')}
        </button>
      </ConfirmDialog>
    </>
  );
}
