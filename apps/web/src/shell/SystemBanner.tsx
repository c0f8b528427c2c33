import type { SystemStatusView } from '@app/schemas/admin';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';

/** How often every screen asks whether the system is in maintenance or its license is ending. */
export const SYSTEM_STATUS_POLL_MS = 30_000;

/**
 * The banner above every screen: maintenance (read-only) mode with its reason, and the license's grace
 * period or its end (GET /api/v1/system/status). Nothing when all is well, or when the status cannot be read
 * (the screens' own errors say what failed).
 */
export function SystemBanner() {
  const { t, format } = useI18n();
  const q = useApiQuery<SystemStatusView>('/api/v1/system/status', undefined, { refetchInterval: SYSTEM_STATUS_POLL_MS });
  const s = q.data;
  if (!s) return null;
  const notes: { key: string; text: string; level: 'warn' | 'bad' }[] = [];
  if (s.maintenance.enabled) {
    notes.push({
      key: 'maintenance',
      level: 'warn',
      text: s.maintenance.reason ? t('banner.maintenanceReason', { reason: s.maintenance.reason }) : t('banner.maintenance'),
    });
  }
  const l = s.license;
  if (l.status === 'grace' && l.expiresAt && l.readOnlyFrom) {
    notes.push({
      key: 'license',
      level: 'warn',
      text: t('banner.licenseGrace', { expired: format.dateTime(l.expiresAt), readOnly: format.dateTime(l.readOnlyFrom) }),
    });
  } else if (l.status === 'expired' || l.status === 'revoked') {
    notes.push({
      key: 'license',
      level: 'bad',
      text: t(l.status === 'revoked' ? 'banner.licenseRevoked' : 'banner.licenseExpired'),
    });
  }
  if (notes.length === 0) return null;
  return (
    <div className="system-banner" role="status">
      {notes.map((n) => (
        <p key={n.key} className={`badge ${n.level}`}>
          {n.text}
        </p>
      ))}
    </div>
  );
}
