import { useI18n } from '../i18n/index.ts';

/** Warn this many days (or fewer) before the signing certificate expires. */
export const CERT_WARN_DAYS = 30;

const taipeiDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Taipei',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** Whole days from today in Taiwan to `date` (YYYY-MM-DD): 0 today, negative once past; null when not a date. */
export function daysUntil(date: string, now: Date = new Date()): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const end = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(end)) return null;
  const today = Date.parse(`${taipeiDay.format(now)}T00:00:00Z`);
  return Math.round((end - today) / 86_400_000);
}

/** The certificate's expiry date as printed on it, with a badge when it is near (≤ 30 days) or past. */
export function CertificateExpiry({ date }: { date: string | null }) {
  const { t } = useI18n();
  if (!date) return <span className="meta">{t('sellers.cert.none')}</span>;
  const days = daysUntil(date);
  return (
    <>
      {date}
      {days !== null && days < 0 && (
        <>
          {' '}
          <span className="badge bad">{t('sellers.cert.expired')}</span>
        </>
      )}
      {days !== null && days >= 0 && days <= CERT_WARN_DAYS && (
        <>
          {' '}
          <span className="badge warn">{days === 0 ? t('sellers.cert.today') : t('sellers.cert.soon', { days })}</span>
        </>
      )}
    </>
  );
}

/** Active or disabled, as a badge. */
export function StatusBadge({ status }: { status: 'active' | 'disabled' }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${status === 'active' ? 'good' : 'bad'}`}>
      {status === 'active' ? t('sellers.status.active') : t('sellers.status.disabled')}
    </span>
  );
}
