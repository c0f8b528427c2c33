import { useI18n } from '../i18n/index.ts';
import { isLow, periodParts } from './period.ts';

/** 07 一般稅額 / 08 特種稅額, with the code. */
export function InvoiceTypeLabel({ type }: { type: string }) {
  const { t } = useI18n();
  if (type === '07' || type === '08') return <>{t(`tracks.invoiceType.${type}`)}</>;
  return <>{type}</>;
}

/** `11402` as "114 年 01–02 月", with the code kept for machines and search. */
export function PeriodLabel({ yearMonth }: { yearMonth: string }) {
  const { t } = useI18n();
  const p = periodParts(yearMonth);
  if (!p) return <>{yearMonth}</>;
  return <span title={yearMonth}>{t('tracks.periodLabel', p)}</span>;
}

/** "AB 12345000–12345049". */
export function NumberRange({ track, begin, end }: { track?: string; begin: string; end: string }) {
  return (
    <span className="number-range">
      {track ? `${track} ` : ''}
      {begin}–{end}
    </span>
  );
}

/** Exhausted, or low (under 10 % left in a period not yet ended); nothing otherwise. */
export function RemainingBadge({ remaining, size, yearMonth }: { remaining: number; size: number; yearMonth: string }) {
  const { t } = useI18n();
  if (remaining === 0) return <span className="badge bad">{t('tracks.exhausted')}</span>;
  if (isLow(remaining, size, yearMonth)) return <span className="badge warn">{t('tracks.low')}</span>;
  return null;
}
