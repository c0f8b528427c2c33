import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAuth } from '../auth/AuthProvider.tsx';
import { useI18n } from '../i18n/index.ts';

/** Its children for a signed-in user; the login screen (coming back here after) for anyone else. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (state.status === 'restoring') {
    return (
      <p role="status" aria-busy="true">
        {t('app.loading')}
      </p>
    );
  }
  if (state.status === 'signedOut') return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return children;
}
