import { NavLink } from 'react-router';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';

/** The tracks area's own pages. */
export function TracksNav() {
  const { t } = useI18n();
  const can = useCan();
  return (
    <nav aria-label={t('tracks.nav')} className="actions tracks-nav">
      <NavLink to="/tracks" end>
        {t('tracks.nav.list')}
      </NavLink>
      <NavLink to="/tracks/blanks">{t('tracks.nav.blanks')}</NavLink>
      {can('track.manage') && <NavLink to="/tracks/e0501">{t('tracks.nav.e0501')}</NavLink>}
    </nav>
  );
}
