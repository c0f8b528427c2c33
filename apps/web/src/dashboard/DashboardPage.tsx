import { errorText } from '../app/error-text.ts';
import { useI18n } from '../i18n/index.ts';
import { DashboardView } from './DashboardView.tsx';
import { useLiveDashboard } from './useLiveDashboard.ts';

export function DashboardPage({ pollIntervalMs }: { pollIntervalMs?: number }) {
  const { t, format } = useI18n();
  const { summary, receivedAt, error } = useLiveDashboard(pollIntervalMs);
  return (
    <div className="dashboard">
      <h1>{t('dashboard.title')}</h1>
      {!summary && !error && (
        <p role="status" aria-busy="true">
          {t('dashboard.loading')}
        </p>
      )}
      {!summary && error && <p role="alert">{t('dashboard.error', { message: errorText(t, error) })}</p>}
      {summary && error && (
        <p role="alert" className="stale">
          {t('dashboard.stale', { message: errorText(t, error), time: receivedAt ? format.dateTime(receivedAt) : '—' })}
        </p>
      )}
      {summary && <DashboardView summary={summary} receivedAt={receivedAt} />}
    </div>
  );
}
