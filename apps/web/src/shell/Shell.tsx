import { NavLink, Outlet } from 'react-router';
import { canOpen, SECTIONS } from '../app/sections.ts';
import { useAuth } from '../auth/AuthProvider.tsx';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { LocaleSwitcher } from './LocaleSwitcher.tsx';
import { SystemBanner } from './SystemBanner.tsx';

/** The signed-in frame: skip link, banner with the user's controls, main navigation, the page. */
export function Shell() {
  const { t } = useI18n();
  const { state, logout } = useAuth();
  const can = useCan();
  const user = state.status === 'signedIn' ? state.user : null;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="shell-header">
        <p className="app-title">{t('app.title')}</p>
        <nav aria-label={t('nav.user')} className="user-nav">
          <LocaleSwitcher />
          {user && <span>{t('nav.signedInAs', { name: user.displayName || user.username })}</span>}
          <button type="button" onClick={() => void logout()}>
            {t('nav.logout')}
          </button>
        </nav>
      </header>
      <nav aria-label={t('nav.main')} className="main-nav">
        <ul>
          {can('invoice.read') && (
            <li>
              <NavLink to="/" end>
                {t('nav.dashboard')}
              </NavLink>
            </li>
          )}
          {SECTIONS.filter((s) => canOpen(s, can)).map((s) => (
            <li key={s.path}>
              <NavLink to={`/${s.path}`}>{t(s.label)}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <SystemBanner />
        <Outlet />
      </main>
    </div>
  );
}
