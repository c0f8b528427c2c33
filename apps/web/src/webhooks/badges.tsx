import type { DeliveryView, WebhookView } from '@app/schemas/webhook';
import { useI18n } from '../i18n/index.ts';

/** standard (signed) | degraded (bearer) | at_risk (ip_only). */
export function SecurityBadge({ security }: { security: WebhookView['security'] }) {
  const { t } = useI18n();
  const tone = security === 'standard' ? 'good' : security === 'degraded' ? 'warn' : 'bad';
  return <span className={`badge ${tone}`}>{t(`webhooks.security.${security}`)}</span>;
}

export function StatusBadge({ webhook }: { webhook: Pick<WebhookView, 'status' | 'disabledReason'> }) {
  const { t } = useI18n();
  if (webhook.status === 'enabled') return <span className="badge good">{t('webhooks.status.enabled')}</span>;
  return (
    <span className="badge bad">
      {webhook.disabledReason === 'gone' ? t('webhooks.status.gone') : t('webhooks.status.disabled')}
    </span>
  );
}

export function DeliveryStatusBadge({ status }: { status: DeliveryView['status'] }) {
  const { t } = useI18n();
  const tone = status === 'succeeded' ? 'good' : status === 'pending' ? 'warn' : 'bad';
  return <span className={`badge ${tone}`}>{t(`webhooks.delivery.status.${status}`)}</span>;
}
