import { useI18n } from '../i18n/index.ts';

/** A moment in Asia/Taipei (whatever the browser's zone), machine-readable in `dateTime`; '—' when absent. */
export function Time({ value }: { value: string | number | Date | null | undefined }) {
  const { t, format } = useI18n();
  if (value === null || value === undefined || value === '') return <>{t('common.none')}</>;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return <>{String(value)}</>;
  return <time dateTime={d.toISOString()}>{format.dateTime(d)}</time>;
}
