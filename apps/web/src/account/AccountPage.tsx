import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { MfaSection } from './MfaSection.tsx';
import { NotificationSection } from './NotificationSection.tsx';
import { PasswordSection } from './PasswordSection.tsx';

/** GET /api/v1/auth/me (`meResponse` of @app/schemas/auth), the parts this page reads. */
export type Me = {
  kind: 'user' | 'client';
  id: string;
  name: string;
  displayName?: string;
  permissions: string[];
  mfaEnabled: boolean;
  /** The user's role requires MFA and it is not on yet: every other route answers MFA_ENROLLMENT_REQUIRED. */
  mfaPending: boolean;
};

/**
 * The signed-in user's own account: password, two-step verification (enrol, recovery codes, turn off), and
 * e-mail notification preferences. A user whose role requires MFA and who has none sees only the enrolment
 * (nothing else answers until it is done).
 */
export function AccountPage() {
  const { t } = useI18n();
  const me = useApiQuery<Me>('/api/v1/auth/me');
  return (
    <div className="account">
      <h1>{t('account.title')}</h1>
      <QueryState query={me}>
        {(m) => (
          <>
            <p>{t('account.signedInAs', { name: m.displayName || m.name, username: m.name })}</p>
            {m.mfaPending && (
              <p role="alert" className="form-error">
                {t('account.mfaRequired')}
              </p>
            )}
            {/* Same positions whatever mfaPending is, so enrolling (which ends it) keeps the recovery codes on screen. */}
            <MfaSection key="mfa" me={m} />
            {!m.mfaPending && <PasswordSection key="password" />}
            {!m.mfaPending && <NotificationSection key="notifications" />}
          </>
        )}
      </QueryState>
    </div>
  );
}
