import { NavLink, Route, Routes } from 'react-router';
import { useI18n } from '../i18n/index.ts';
import { DeadLetterPage } from './DeadLetterPage.tsx';
import { DeadLettersPage } from './DeadLettersPage.tsx';
import { MessagesPage } from './MessagesPage.tsx';
import { ReconciliationsPage } from './ReconciliationsPage.tsx';
import './turnkey.css';

/** The Turnkey pipeline (turnkey.manage): messages to fix and resend, dead letters, daily reconciliations. */
export default function TurnkeyArea() {
  const { t } = useI18n();
  return (
    <div className="turnkey-area">
      <h1>{t('turnkey.title')}</h1>
      <nav aria-label={t('turnkey.tabs')} className="turnkey-tabs">
        <ul>
          <li>
            <NavLink to="/turnkey" end>
              {t('turnkey.messages.title')}
            </NavLink>
          </li>
          <li>
            <NavLink to="/turnkey/dead-letters">{t('turnkey.dead.title')}</NavLink>
          </li>
          <li>
            <NavLink to="/turnkey/reconciliations">{t('turnkey.recon.title')}</NavLink>
          </li>
        </ul>
      </nav>
      <Routes>
        <Route index element={<MessagesPage />} />
        <Route path="dead-letters" element={<DeadLettersPage />} />
        <Route path="dead-letters/:id" element={<DeadLetterPage />} />
        <Route path="reconciliations" element={<ReconciliationsPage />} />
        <Route path="*" element={<p role="alert">{t('turnkey.notFound')}</p>} />
      </Routes>
    </div>
  );
}
