import { NavLink } from 'react-router';
import { useI18n } from '../i18n/index.ts';

/** The system area's pages. */
export function SystemNav() {
  const { t } = useI18n();
  return (
    <nav aria-label={t('system.nav')} className="tabs">
      <NavLink to="/system" end>
        {t('system.nav.status')}
      </NavLink>{' '}
      <NavLink to="/system/client-errors">{t('system.nav.clientErrors')}</NavLink>
    </nav>
  );
}
