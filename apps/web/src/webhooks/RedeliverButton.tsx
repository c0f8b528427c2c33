import type { DeliveryView } from '@app/schemas/webhook';
import { useState } from 'react';
import { useApiMutation } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { problemText } from './problem.ts';

/** Send a delivery again (same webhook-id, one more try), after a confirm; the outcome is told beside the button. */
export function RedeliverButton({
  webhookId,
  delivery,
}: {
  webhookId: string;
  delivery: Pick<DeliveryView, 'id' | 'eventType'>;
}) {
  const { t } = useI18n();
  const can = useCan();
  const [confirming, setConfirming] = useState(false);
  const redeliver = useApiMutation(
    (api, _: undefined) =>
      api.post<DeliveryView>(
        `/api/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`,
      ),
    [`/api/v1/webhooks/${webhookId}/deliveries`],
  );
  if (!can('webhook.manage')) return null;
  return (
    <>
      <button
        type="button"
        onClick={() => {
          redeliver.reset();
          setConfirming(true);
        }}
        aria-label={t('webhooks.redeliver.label', { id: delivery.id })}
      >
        {t('webhooks.redeliver.button')}
      </button>
      {redeliver.isSuccess && <p role="status">{t('webhooks.redeliver.done', { id: delivery.id })}</p>}
      <ConfirmDialog
        open={confirming}
        title={t('webhooks.redeliver.title', { id: delivery.id, eventType: delivery.eventType })}
        confirmLabel={t('webhooks.redeliver.button')}
        busy={redeliver.isPending}
        error={redeliver.isError ? problemText(t, redeliver.error) : null}
        onCancel={() => setConfirming(false)}
        onConfirm={() => redeliver.mutate(undefined, { onSuccess: () => setConfirming(false) })}
      >
        <p>{t('webhooks.redeliver.body')}</p>
      </ConfirmDialog>
    </>
  );
}
