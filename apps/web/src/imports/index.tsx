import { Route, Routes } from 'react-router';
import { useI18n } from '../i18n/index.ts';
import { ImportPage } from './ImportPage.tsx';
import { ImportsList } from './ImportsList.tsx';
import { ImportUpload } from './ImportUpload.tsx';
import './imports.css';

/**
 * Invoice imports: /imports (the list), /imports/new (upload a file), /imports/:id (its progress and each
 * invoice's outcome). `pollIntervalMs`: how often a running import's status is asked for (tests shorten it).
 */
export default function ImportsArea({ pollIntervalMs = 2000 }: { pollIntervalMs?: number }) {
  const { t } = useI18n();
  return (
    <Routes>
      <Route index element={<ImportsList />} />
      <Route path="new" element={<ImportUpload />} />
      <Route path=":id" element={<ImportPage pollIntervalMs={pollIntervalMs} />} />
      <Route path="*" element={<p role="alert">{t('imports.pageNotFound')}</p>} />
    </Routes>
  );
}
