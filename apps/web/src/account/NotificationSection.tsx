import { type PreferencesView, putPreferencesBody } from '@app/schemas/notification';
import { type FormEvent, useState } from 'react';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { isMessageKey, type MessageKey, useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { QueryState } from '../ui/QueryState.tsx';

const PATH = '/api/v1/me/notification-preferences';
const DELIVERIES = ['off', 'immediate', 'digest'] as const;
const HOURS = Array.from({ length: 24 }, (_, h) => h);

/** E-mail notifications: per kind off / one mail each / in the digest, the digest's schedule, and a test mail. */
export function NotificationSection() {
  const { t } = useI18n();
  const prefs = useApiQuery<PreferencesView>(PATH);
  return (
    <section className="card" aria-labelledby="account-notifications">
      <h2 id="account-notifications">{t('account.notify.title')}</h2>
      <QueryState query={prefs}>{(p) => <PreferencesForm prefs={p} />}</QueryState>
      <TestEmail />
    </section>
  );
}

function PreferencesForm({ prefs }: { prefs: PreferencesView }) {
  const { t } = useI18n();
  const [kinds, setKinds] = useState<Record<string, string>>({ ...prefs.kinds });
  const [frequency, setFrequency] = useState<string>(prefs.digest.frequency);
  const [hour, setHour] = useState(String(prefs.digest.hour));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useApiMutation((api, body: unknown) => api.put<PreferencesView>(PATH, body), [PATH]);
  const kindLabel = (k: string) => {
    const key = `account.notify.kind.${k}`;
    return isMessageKey(key) ? t(key) : k;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    // Every kind, the ones this user may not receive as they were: a kind left out would go back to the default.
    const r = putPreferencesBody.safeParse({ kinds, digest: { frequency, hour: Number(hour) } });
    if (!r.success) {
      const next: Record<string, string> = {};
      for (const issue of r.error.issues) next[issue.path.join('.')] ??= issue.message;
      setErrors(next);
      setFormError(t('common.formInvalid'));
      return;
    }
    setErrors({});
    setFormError(null);
    try {
      await save.mutateAsync(r.data);
      setSaved(true);
    } catch (err) {
      setFormError(errorText(t, err));
    }
  };

  const usesDigest = prefs.permittedKinds.some((k) => kinds[k] === 'digest');
  return (
    <form onSubmit={submit} noValidate>
      <p>{prefs.email ? t('account.notify.email', { email: prefs.email }) : t('account.notify.noEmail')}</p>
      {!prefs.emailEnabled && <p role="alert">{t('account.notify.emailDisabled')}</p>}
      <FormError message={formError} />
      {saved && <p role="status">{t('common.saved')}</p>}
      {prefs.permittedKinds.length === 0 ? (
        <p>{t('account.notify.noKinds')}</p>
      ) : (
        <fieldset>
          <legend>{t('account.notify.kinds')}</legend>
          {prefs.permittedKinds.map((k) => (
            <SelectField
              key={k}
              name={`kinds.${k}`}
              label={kindLabel(k)}
              value={kinds[k] ?? 'immediate'}
              error={errors[`kinds.${k}`]}
              onChange={(e) => setKinds((v) => ({ ...v, [k]: e.target.value }))}
              options={DELIVERIES.map((d) => ({ value: d, label: t(`account.notify.delivery.${d}` as MessageKey) }))}
            />
          ))}
        </fieldset>
      )}
      <fieldset>
        <legend>{t('account.notify.digest')}</legend>
        {!usesDigest && <p className="meta">{t('account.notify.digestUnused')}</p>}
        <SelectField
          name="digest.frequency"
          label={t('account.notify.frequency')}
          value={frequency}
          error={errors['digest.frequency']}
          onChange={(e) => setFrequency(e.target.value)}
          options={[
            { value: 'daily', label: t('account.notify.daily') },
            { value: 'hourly', label: t('account.notify.hourly') },
          ]}
        />
        {frequency === 'daily' && (
          <SelectField
            name="digest.hour"
            label={t('account.notify.hour')}
            value={hour}
            error={errors['digest.hour']}
            onChange={(e) => setHour(e.target.value)}
            options={HOURS.map((h) => ({ value: String(h), label: `${String(h).padStart(2, '0')}:00` }))}
          />
        )}
      </fieldset>
      <SaveButton pending={save.isPending} />
    </form>
  );
}

/** Queue a test mail to the user's own address (the worker sends it like any notification). */
function TestEmail() {
  const { t } = useI18n();
  const send = useApiMutation((api) => api.post<{ mailId: string; to: string; status: 'queued' }>('/api/v1/me/test-email'));
  return (
    <div className="actions">
      <button type="button" onClick={() => send.mutate(undefined)} disabled={send.isPending}>
        {send.isPending ? t('common.working') : t('account.notify.test')}
      </button>
      {send.isSuccess && <p role="status">{t('account.notify.testQueued', { to: send.data.to })}</p>}
      {send.isError && <p role="alert">{t('account.notify.testFailed', { message: errorText(t, send.error) })}</p>}
    </div>
  );
}
