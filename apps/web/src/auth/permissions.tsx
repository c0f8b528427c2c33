import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.ts';
import { useAuth } from './AuthProvider.tsx';

/** Whether the signed-in user holds a permission (the API checks again; this only shapes the screens). */
export function useCan(): (permission: string) => boolean {
  const { state } = useAuth();
  const held = state.status === 'signedIn' ? state.user.permissions : [];
  return (permission) => held.includes(permission);
}

/** The page for users holding `permission` (any of them, when a list); an explanation for others. */
export function RequirePermission({ permission, children }: { permission: string | readonly string[]; children: ReactNode }) {
  const can = useCan();
  const { t } = useI18n();
  const list = typeof permission === 'string' ? [permission] : permission;
  if (list.some(can)) return children;
  return (
    <p role="alert" className="no-permission">
      {t('common.noPermission', { permission: list.join(' / ') })}
    </p>
  );
}
