import { Route, Routes } from 'react-router';
import { RequirePermission } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { BlanksReport } from './BlanksReport.tsx';
import { E0501ImportPage, E0501Page } from './E0501Page.tsx';
import { TrackDetail } from './TrackDetail.tsx';
import { TracksList } from './TracksList.tsx';
import { TracksNav } from './TracksNav.tsx';
import './tracks.css';

/**
 * The number ranges (字軌) and their blocks: /tracks (the list), /tracks/:id (a range, its blocks, allocating
 * one), /tracks/blanks (unused numbers of a period), /tracks/e0501 (importing allocation files) and
 * /tracks/e0501/:id (one import). Reading needs invoice.read; every change track.manage.
 */
export default function TracksArea() {
  const { t } = useI18n();
  return (
    <div className="tracks-area">
      <TracksNav />
      <Routes>
        <Route index element={<TracksList />} />
        <Route path="blanks" element={<BlanksReport />} />
        <Route
          path="e0501"
          element={
            <RequirePermission permission="track.manage">
              <E0501Page />
            </RequirePermission>
          }
        />
        <Route
          path="e0501/:id"
          element={
            <RequirePermission permission="track.manage">
              <E0501ImportPage />
            </RequirePermission>
          }
        />
        <Route path=":id" element={<TrackDetail />} />
        <Route path="*" element={<p role="alert">{t('tracks.pageNotFound')}</p>} />
      </Routes>
    </div>
  );
}
