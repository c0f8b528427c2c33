import type { ImportStatus, ImportView } from '@app/schemas/import';
import { useI18n } from '../i18n/index.ts';

export const FINISHED: ReadonlySet<ImportStatus> = new Set(['done', 'failed']);

const BADGE: Record<ImportStatus, string> = {
  queued: 'badge',
  validating: 'badge warn',
  issuing: 'badge warn',
  done: 'badge good',
  failed: 'badge bad',
};

export function StatusBadge({ status }: { status: ImportStatus }) {
  const { t } = useI18n();
  return <span className={BADGE[status]}>{t(`imports.status.${status}`)}</span>;
}

/** Invoices handled so far (issued, found issued already, or failed) out of those in the file. */
export const processed = (c: ImportView['counts']) => c.issued + c.duplicate + c.failed;
