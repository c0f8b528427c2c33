import type { WebhookView, webhookWithSecret } from '@app/schemas/webhook';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { z } from 'zod';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { SecretReveal } from './SecretReveal.tsx';
import { WebhookForm } from './WebhookForm.tsx';

type WithSecret = z.infer<typeof webhookWithSecret>;

/** The credential an answer carries (this once), if any. */
const shownOf = (w: WithSecret) =>
  w.secret
    ? { kind: 'secret' as const, value: w.secret }
    : w.bearerToken
      ? { kind: 'bearerToken' as const, value: w.bearerToken }
      : null;

/** A new subscription; its signing secret (or generated token) is shown once, then the subscription's page. */
export function CreateWebhookPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [created, setCreated] = useState<WithSecret | null>(null);
  const create = useApiMutation(
    (api, body: Record<string, unknown>) => api.post<WithSecret>('/api/v1/webhooks', body),
    ['/api/v1/webhooks'],
  );

  const shown = created ? shownOf(created) : null;
  return (
    <>
      <p>
        <Link to="/webhooks">{t('webhooks.back')}</Link>
      </p>
      <h1>{t('webhooks.new')}</h1>
      {created ? (
        <>
          <p role="status">{t('webhooks.created', { url: created.url })}</p>
          {shown ? (
            <SecretReveal
              kind={shown.kind}
              value={shown.value}
              onDone={() => navigate(`/webhooks/${created.id}`, { replace: true })}
            />
          ) : (
            <p>
              <Link to={`/webhooks/${created.id}`}>{t('webhooks.openCreated')}</Link>
            </p>
          )}
        </>
      ) : (
        <WebhookForm
          submitLabel={t('common.create')}
          onSubmit={async (body) => {
            const r = await create.mutateAsync(body);
            // The secret lives in this page's state only: the mutation's copy is dropped at once.
            create.reset();
            setCreated(r);
          }}
        />
      )}
    </>
  );
}

/** Change URL, events, description or auth mode; a new auth mode's credentials are shown once. */
export function EditWebhookPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const navigate = useNavigate();
  const path = `/api/v1/webhooks/${encodeURIComponent(id)}`;
  const query = useApiQuery<WebhookView>(path);
  const [shown, setShown] = useState<ReturnType<typeof shownOf>>(null);
  const update = useApiMutation((api, body: Record<string, unknown>) => api.patch<WithSecret>(path, body), ['/api/v1/webhooks']);

  return (
    <>
      <p>
        <Link to={`/webhooks/${id}`}>{t('webhooks.backToOne')}</Link>
      </p>
      <h1>{t('webhooks.editTitle')}</h1>
      {shown ? (
        <>
          <p role="status">{t('common.saved')}</p>
          <SecretReveal kind={shown.kind} value={shown.value} onDone={() => navigate(`/webhooks/${id}`, { replace: true })} />
        </>
      ) : (
        <QueryState query={query} loading={t('webhooks.loadingOne')}>
          {(w) => (
            <WebhookForm
              original={w}
              submitLabel={t('common.save')}
              onSubmit={async (body) => {
                const r = await update.mutateAsync(body);
                update.reset();
                const s = shownOf(r);
                if (s) setShown(s);
                else navigate(`/webhooks/${id}`, { state: { saved: true } });
              }}
            />
          )}
        </QueryState>
      )}
    </>
  );
}
