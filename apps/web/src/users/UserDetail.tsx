import { resetPasswordBody, type UserDetail } from '@app/schemas/user';
import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field } from '../ui/Field.tsx';
import { formSubmit, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { ScopeText } from './scope.tsx';
import { ConfirmAction, StatusBadge } from './shared.tsx';
import { isLocked } from './UserList.tsx';

const INVALIDATE = ['/api/v1/users'] as const;

/** One user: details, roles, data scope, and the administrator's actions on the account. */
export function UserDetailPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<UserDetail>(`/api/v1/users/${id}`);
  return <QueryState query={query}>{(user) => <UserDetailView user={user} />}</QueryState>;
}

function UserDetailView({ user }: { user: UserDetail }) {
  const { t } = useI18n();
  const id = useId();
  const none = t('common.none');
  const [done, setDone] = useState<string | null>(null);
  const path = `/api/v1/users/${user.id}`;
  const locked = isLocked(user);
  const next = user.status === 'active' ? 'disabled' : 'active';
  return (
    <>
      <p>
        <Link to="/users">{t('users.users.backToList')}</Link>
      </p>
      <h2>{t('users.users.detailTitle', { name: user.username })}</h2>
      <p role="status">{done}</p>
      <section className="card" aria-labelledby={`${id}-details`}>
        <h3 id={`${id}-details`}>{t('common.details')}</h3>
        <dl className="props">
          <dt>{t('users.field.username')}</dt>
          <dd>{user.username}</dd>
          <dt>{t('users.field.displayName')}</dt>
          <dd>{user.displayName}</dd>
          <dt>{t('users.field.email')}</dt>
          <dd>{user.email ?? none}</dd>
          <dt>{t('users.field.status')}</dt>
          <dd>
            <StatusBadge status={user.status} />
            {locked && (
              <>
                {' '}
                <span className="badge warn">{t('users.locked')}</span> {t('users.until')} <Time value={user.lockedUntil} />
              </>
            )}
          </dd>
          <dt>{t('users.field.roles')}</dt>
          <dd>{user.roles.join(', ') || none}</dd>
          <dt>{t('users.field.mfa')}</dt>
          <dd>{user.mfaEnabled ? t('users.mfa.on') : t('users.mfa.off')}</dd>
          <dt>{t('users.field.lastLoginAt')}</dt>
          <dd>
            <Time value={user.lastLoginAt} />
          </dd>
          <dt>{t('users.field.passwordChangedAt')}</dt>
          <dd>
            <Time value={user.passwordChangedAt} />
          </dd>
          <dt>{t('users.field.createdAt')}</dt>
          <dd>
            <Time value={user.createdAt} />
          </dd>
        </dl>
        <div className="actions">
          <Link to={`/users/${user.id}/edit`}>{t('common.edit')}</Link>
          <ResetPasswordAction user={user} onDone={() => setDone(t('users.password.done'))} />
          {/* Shown even without a lock on the row: the sign-in throttle may hold one of its own, which this lifts too. */}
          <ConfirmAction
            label={t('users.unlock')}
            title={t('users.unlockTitle', { name: user.username })}
            run={(api) => api.post(`${path}/unlock`)}
            invalidate={INVALIDATE}
            onDone={() => setDone(t('users.unlockDone'))}
          >
            <p>{t('users.unlockBody')}</p>
          </ConfirmAction>
          {user.mfaEnabled && (
            <ConfirmAction
              label={t('users.mfaReset')}
              title={t('users.mfaResetTitle', { name: user.username })}
              danger
              run={(api) => api.post(`${path}/mfa-reset`)}
              invalidate={INVALIDATE}
              onDone={() => setDone(t('users.mfaResetDone'))}
            >
              <p>{t('users.mfaResetBody')}</p>
            </ConfirmAction>
          )}
          <ConfirmAction
            label={next === 'disabled' ? t('users.disable') : t('users.enable')}
            title={
              next === 'disabled'
                ? t('users.disableTitle', { name: user.username })
                : t('users.enableTitle', { name: user.username })
            }
            danger={next === 'disabled'}
            run={(api) => api.patch(path, { status: next })}
            invalidate={INVALIDATE}
          >
            <p>{next === 'disabled' ? t('users.disableBody') : t('users.enableBody')}</p>
          </ConfirmAction>
        </div>
      </section>
      <section className="card" aria-labelledby={`${id}-scope`}>
        <h3 id={`${id}-scope`}>{t('users.scope.legend')}</h3>
        <ScopeText scope={user.scope} />
        <p>
          <Link to={`/users/${user.id}/scope`}>{t('users.scope.edit')}</Link>
        </p>
      </section>
    </>
  );
}

/** Set a new password (the user's sessions end), typed into the confirm dialog and checked with the schema. */
function ResetPasswordAction({ user, onDone }: { user: UserDetail; onDone: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const form = useZodForm(resetPasswordBody, { password: '' }, (v) => v);
  const reset = useApiMutation(
    (api, body: { password: string }) => api.post<UserDetail>(`/api/v1/users/${user.id}/password`, body),
    INVALIDATE,
  );
  const close = () => {
    form.reset();
    reset.reset();
    setOpen(false);
  };
  const confirm = formSubmit(form, reset.mutateAsync, () => {
    close();
    onDone();
  });
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        {t('users.password.reset')}
      </button>
      <ConfirmDialog
        open={open}
        title={t('users.password.title', { name: user.username })}
        confirmLabel={t('users.password.reset')}
        danger
        busy={reset.isPending}
        error={form.formError}
        onConfirm={() => void confirm()}
        onCancel={close}
      >
        <p>{t('users.password.body')}</p>
        <Field
          label={t('users.password.new')}
          type="password"
          autoComplete="new-password"
          hint={t('users.passwordHint')}
          {...form.field('password')}
        />
      </ConfirmDialog>
    </>
  );
}
