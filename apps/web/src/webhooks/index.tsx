import { Route, Routes } from 'react-router';
import { useI18n } from '../i18n/index.ts';
import { DeliveryPage } from './DeliveryPage.tsx';
import { CreateWebhookPage, EditWebhookPage } from './EditPages.tsx';
import { WebhookPage } from './WebhookPage.tsx';
import { WebhooksPage } from './WebhooksPage.tsx';
import './webhooks.css';

/** Webhook subscriptions (webhook.manage): list, create, edit, enable/disable, rotate, delete, test, delivery log. */
export default function WebhooksArea() {
  const { t } = useI18n();
  return (
    <Routes>
      <Route index element={<WebhooksPage />} />
      <Route path="new" element={<CreateWebhookPage />} />
      <Route path=":id" element={<WebhookPage />} />
      <Route path=":id/edit" element={<EditWebhookPage />} />
      <Route path=":id/deliveries/:deliveryId" element={<DeliveryPage />} />
      <Route path="*" element={<p role="alert">{t('webhooks.notFound')}</p>} />
    </Routes>
  );
}
