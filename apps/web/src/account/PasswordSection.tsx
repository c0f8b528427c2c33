import { passwordChangeBody } from '@app/schemas/auth';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/errors.ts';
import { useApiMutation } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { useZodForm } from '../ui/form.ts';

type Values = { currentPassword: string; newPassword: string; confirmPassword: string };

/** Change one's own password (the API's `passwordChangeBody`); the user's other sessions end, this one stays. */
export function PasswordSection() {
  const { t } = useI18n();
  const [done, setDone] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const form = useZodForm(
    passwordChangeBody,
    { currentPassword: '', newPassword: '', confirmPassword: '' } as Values,
    // The confirmation is ours only; the API takes the two passwords as typed.
    (v) => ({ currentPassword: v.currentPassword, newPassword: v.newPassword }),
  );
  const change = useApiMutation((api, body: unknown) => api.post<{ changed: true }>('/api/v1/auth/password', body));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    const body = form.validate();
    const same = form.values.newPassword === form.values.confirmPassword;
    setMismatch(!same);
    if (!body || !same) return;
    try {
      await change.mutateAsync(body);
      form.reset();
      setDone(true);
    } catch (err) {
      form.fromApi(err);
    }
  };

  const current = form.field('currentPassword');
  // The API names the field of a wrong current password; say it in the user's language.
  const wrongCurrent = change.error instanceof ApiError && change.error.code === 'INVALID_CREDENTIALS' && current.error;
  return (
    <section className="card" aria-labelledby="account-password">
      <h2 id="account-password">{t('account.password.title')}</h2>
      <form onSubmit={submit} noValidate>
        <FormError message={form.formError} />
        {done && <p role="status">{t('account.password.changed')}</p>}
        <Field
          {...current}
          error={wrongCurrent ? t('account.password.currentWrong') : current.error}
          type="password"
          label={t('account.password.current')}
          autoComplete="current-password"
        />
        <Field
          {...form.field('newPassword')}
          type="password"
          label={t('account.password.new')}
          autoComplete="new-password"
          hint={t('account.password.newHint')}
        />
        <Field
          {...form.field('confirmPassword')}
          error={mismatch && form.values.newPassword !== form.values.confirmPassword ? t('account.password.mismatch') : undefined}
          type="password"
          label={t('account.password.confirm')}
          autoComplete="new-password"
        />
        <SaveButton pending={change.isPending} label={t('account.password.submit')} />
      </form>
    </section>
  );
}
