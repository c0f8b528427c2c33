import {
  type DeliveryView,
  deliveryStatus,
  disableWebhookBody,
  type rotatedWebhookSecret,
  rotateSecretBody,
  type WebhookView,
} from '@app/schemas/webhook';
import { useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import type { z } from 'zod';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field, SelectField, TextAreaField } from '../ui/Field.tsx';
import { useZodForm } from '../ui/form.ts';
import { FilterActions, ListPage, useFilterDraft, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { DeliveryStatusBadge, SecurityBadge, StatusBadge } from './badges.tsx';
import { problemText } from './problem.ts';
import { RedeliverButton } from './RedeliverButton.tsx';
import { SecretReveal } from './SecretReveal.tsx';

type Rotated = z.infer<typeof rotatedWebhookSecret>;
type Dialog = 'disable' | 'enable' | 'rotate' | 'delete' | null;

/** One subscription: its settings and warnings, what can be done to it, and its delivery log. */
export function WebhookPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const location = useLocation();
  const saved = (location.state as { saved?: boolean } | null)?.saved;
  const path = `/api/v1/webhooks/${encodeURIComponent(id)}`;
  const query = useApiQuery<WebhookView>(path);

  return (
    <>
      <p>
        <Link to="/webhooks">{t('webhooks.back')}</Link>
      </p>
      <QueryState query={query} loading={t('webhooks.loadingOne')}>
        {(w) => (
          <>
            <h1>{t('webhooks.oneTitle', { url: w.url })}</h1>
            {saved && <p role="status">{t('common.saved')}</p>}
            <Settings w={w} />
            <Actions w={w} path={path} />
            <DeliveryLog webhookId={w.id} />
          </>
        )}
      </QueryState>
    </>
  );
}

function Settings({ w }: { w: WebhookView }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="webhook-settings">
      <h2 id="webhook-settings">{t('webhooks.settings')}</h2>
      {w.security !== 'standard' && (
        <p className={`badge ${w.security === 'at_risk' ? 'bad' : 'warn'}`}>
          {t(w.security === 'at_risk' ? 'webhooks.warning.atRisk' : 'webhooks.warning.degraded')}
        </p>
      )}
      {w.url.startsWith('http:') && <p className="badge warn">{t('webhooks.warning.plainHttp')}</p>}
      <dl className="props">
        <dt>{t('webhooks.field.url')}</dt>
        <dd>
          <code>{w.url}</code>
        </dd>
        <dt>{t('webhooks.field.description')}</dt>
        <dd>{w.description || t('common.none')}</dd>
        <dt>{t('webhooks.field.events')}</dt>
        <dd>{w.events.includes('*') ? t('webhooks.form.allEvents') : w.events.join(', ')}</dd>
        <dt>{t('webhooks.field.authMode')}</dt>
        <dd>
          {t(`webhooks.authMode.${w.authMode}`)} <SecurityBadge security={w.security} />
        </dd>
        {w.warning && (
          <>
            <dt>{t('webhooks.field.apiWarning')}</dt>
            <dd>{w.warning}</dd>
          </>
        )}
        <dt>{t('webhooks.field.status')}</dt>
        <dd>
          <StatusBadge webhook={w} />
          {w.status === 'disabled' && (
            <div className="meta">
              {w.disabledReason === 'gone' ? t('webhooks.disabledGone') : t('webhooks.disabledManual')}{' '}
              <Time value={w.disabledAt} /> {w.disabledBy && `(${w.disabledBy})`} {w.disabledNote}
            </div>
          )}
        </dd>
        <dt>{t('webhooks.field.secretRotatedAt')}</dt>
        <dd>
          <Time value={w.secretRotatedAt} />
        </dd>
        {w.previousSecretExpiresAt && (
          <>
            <dt>{t('webhooks.field.previousSecretExpiresAt')}</dt>
            <dd>
              <Time value={w.previousSecretExpiresAt} />
            </dd>
          </>
        )}
        {w.riskAcknowledgedAt && (
          <>
            <dt>{t('webhooks.field.riskAcknowledged')}</dt>
            <dd>
              <Time value={w.riskAcknowledgedAt} /> {w.riskAcknowledgedBy && `(${w.riskAcknowledgedBy})`}
            </dd>
          </>
        )}
        <dt>{t('webhooks.field.createdAt')}</dt>
        <dd>
          <Time value={w.createdAt} /> ({w.createdBy})
        </dd>
        <dt>{t('webhooks.field.updatedAt')}</dt>
        <dd>
          <Time value={w.updatedAt} />
        </dd>
      </dl>
    </section>
  );
}

function Actions({ w, path }: { w: WebhookView; path: string }) {
  const { t } = useI18n();
  const can = useCan();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const invalidate = ['/api/v1/webhooks'];
  const disable = useApiMutation(
    (api, body: z.infer<typeof disableWebhookBody>) => api.post<WebhookView>(`${path}/disable`, body),
    invalidate,
  );
  const enable = useApiMutation((api, _: undefined) => api.post<WebhookView>(`${path}/enable`), invalidate);
  const rotate = useApiMutation(
    (api, body: z.infer<typeof rotateSecretBody>) => api.post<Rotated>(`${path}/rotate-secret`, body),
    invalidate,
  );
  const remove = useApiMutation((api, _: undefined) => api.delete<{ deliveriesDeleted: number }>(path), []);
  const test = useApiMutation((api, _: undefined) => api.post<DeliveryView>(`${path}/test`), invalidate);
  const disableForm = useZodForm(disableWebhookBody, { reason: '' });
  const rotateForm = useZodForm(rotateSecretBody, { graceHours: '24' }, (v) => ({
    graceHours: v.graceHours.trim() === '' ? undefined : Number(v.graceHours),
  }));

  if (!can('webhook.manage')) return null;
  const busy = disable.isPending || enable.isPending || rotate.isPending || remove.isPending;
  const current = { disable, enable, rotate, delete: remove }[dialog ?? 'disable'];
  const close = () => setDialog(null);
  const openDialog = (d: Exclude<Dialog, null>) => {
    for (const m of [disable, enable, rotate, remove]) m.reset();
    disableForm.reset();
    rotateForm.reset();
    setDialog(d);
  };

  const confirm = () => {
    if (dialog === 'disable') {
      const body = disableForm.validate();
      if (body) disable.mutate(body, { onSuccess: close });
    } else if (dialog === 'enable') {
      enable.mutate(undefined, { onSuccess: close });
    } else if (dialog === 'rotate') {
      const body = rotateForm.validate();
      if (body)
        rotate.mutate(body, {
          onSuccess: (r) => {
            rotate.reset();
            setRotated(r);
            close();
          },
        });
    } else if (dialog === 'delete') {
      remove.mutate(undefined, { onSuccess: () => navigate('/webhooks', { replace: true, state: { deleted: w.url } }) });
    }
  };

  const shown = rotated?.secret
    ? { kind: 'secret' as const, value: rotated.secret }
    : rotated?.bearerToken
      ? { kind: 'bearerToken' as const, value: rotated.bearerToken }
      : null;

  return (
    <section aria-labelledby="webhook-actions">
      <h2 id="webhook-actions">{t('common.actions')}</h2>
      {shown && rotated && (
        <>
          {rotated.previousSecretExpiresAt && (
            <p role="status">
              {t('webhooks.rotate.grace')} <Time value={rotated.previousSecretExpiresAt} />
            </p>
          )}
          <SecretReveal kind={shown.kind} value={shown.value} onDone={() => setRotated(null)} />
        </>
      )}
      <div className="actions webhook-actions">
        <Link to={`/webhooks/${w.id}/edit`} className="button">
          {t('common.edit')}
        </Link>
        {w.status === 'enabled' ? (
          <button type="button" onClick={() => openDialog('disable')}>
            {t('webhooks.disable')}
          </button>
        ) : (
          <button type="button" onClick={() => openDialog('enable')}>
            {t('webhooks.enable')}
          </button>
        )}
        {w.authMode !== 'ip_only' && (
          <button type="button" onClick={() => openDialog('rotate')}>
            {w.authMode === 'bearer' ? t('webhooks.rotate.buttonToken') : t('webhooks.rotate.button')}
          </button>
        )}
        <button type="button" onClick={() => test.mutate(undefined)} disabled={test.isPending}>
          {test.isPending ? t('common.working') : t('webhooks.test.button')}
        </button>
        <button type="button" className="danger" onClick={() => openDialog('delete')}>
          {t('webhooks.delete')}
        </button>
      </div>
      {test.isSuccess && (
        <p role="status">
          {t('webhooks.test.queued')}{' '}
          <Link to={`/webhooks/${w.id}/deliveries/${test.data.id}`}>{t('webhooks.delivery.open', { id: test.data.id })}</Link>
        </p>
      )}
      {test.isError && (
        <p role="alert" className="form-error">
          {problemText(t, test.error)}
        </p>
      )}

      <ConfirmDialog
        open={dialog !== null}
        danger={dialog === 'delete' || dialog === 'disable'}
        title={
          dialog === 'disable'
            ? t('webhooks.disableTitle')
            : dialog === 'enable'
              ? t('webhooks.enableTitle')
              : dialog === 'rotate'
                ? t('webhooks.rotate.title')
                : t('webhooks.deleteTitle')
        }
        confirmLabel={
          dialog === 'disable'
            ? t('webhooks.disable')
            : dialog === 'enable'
              ? t('webhooks.enable')
              : dialog === 'rotate'
                ? t('webhooks.rotate.confirm')
                : t('webhooks.delete')
        }
        busy={busy}
        error={current.isError ? problemText(t, current.error) : (dialog === 'disable' ? disableForm : rotateForm).formError}
        onCancel={close}
        onConfirm={confirm}
      >
        <p className="meta">
          <code>{w.url}</code>
        </p>
        {dialog === 'disable' && (
          <>
            <p>{t('webhooks.disableBody')}</p>
            <TextAreaField label={t('webhooks.disableReason')} rows={2} {...disableForm.field('reason')} />
          </>
        )}
        {dialog === 'enable' && <p>{t('webhooks.enableBody')}</p>}
        {dialog === 'rotate' &&
          (w.authMode === 'bearer' ? (
            <p>{t('webhooks.rotate.bodyToken')}</p>
          ) : (
            <>
              <p>{t('webhooks.rotate.body')}</p>
              <Field label={t('webhooks.rotate.graceHours')} inputMode="numeric" {...rotateForm.field('graceHours')} />
            </>
          ))}
        {dialog === 'delete' && <p>{t('webhooks.deleteBody')}</p>}
      </ConfirmDialog>
    </section>
  );
}

const DELIVERY_KEYS = ['status', 'eventType'] as const;
type DeliveryPage = { items: DeliveryView[]; nextCursor: string | null };

/** The subscription's delivery log, newest first; filters and page in the URL. */
function DeliveryLog({ webhookId }: { webhookId: string }) {
  const { t } = useI18n();
  const list = useListParams(DELIVERY_KEYS);
  const query = useApiQuery<DeliveryPage>(`/api/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries`, list.query);
  const { field, apply } = useFilterDraft(list, (d) => ({ ...d, eventType: d.eventType.trim() }));

  return (
    <section aria-labelledby="webhook-deliveries">
      <h2 id="webhook-deliveries">{t('webhooks.delivery.title')}</h2>
      <form className="filters" onSubmit={apply} aria-label={t('webhooks.delivery.filters')}>
        <SelectField
          {...field('status')}
          label={t('webhooks.delivery.status')}
          options={[
            { value: '', label: t('common.all') },
            ...deliveryStatus.options.map((s) => ({ value: s, label: t(`webhooks.delivery.status.${s}`) })),
          ]}
        />
        <Field {...field('eventType')} label={t('webhooks.delivery.eventType')} />
        <FilterActions onClear={list.clearFilters} />
      </form>
      <QueryState query={query} loading={t('webhooks.delivery.loading')}>
        {(page) => (
          <ListPage list={list} page={page}>
            <table>
              <caption>{t('webhooks.delivery.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('webhooks.delivery.id')}</th>
                  <th scope="col">{t('webhooks.delivery.eventType')}</th>
                  <th scope="col">{t('webhooks.delivery.status')}</th>
                  <th scope="col">{t('webhooks.delivery.attempts')}</th>
                  <th scope="col">{t('webhooks.delivery.last')}</th>
                  <th scope="col">{t('webhooks.delivery.nextAttemptAt')}</th>
                  <th scope="col">{t('webhooks.delivery.createdAt')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <Link
                        to={`/webhooks/${webhookId}/deliveries/${d.id}`}
                        aria-label={t('webhooks.delivery.open', { id: d.id })}
                      >
                        #{d.id}
                      </Link>
                    </td>
                    <td>
                      <code>{d.eventType}</code>
                      {d.kind === 'test' && <span className="meta"> {t('webhooks.delivery.test')}</span>}
                    </td>
                    <td>
                      <DeliveryStatusBadge status={d.status} />
                    </td>
                    <td>
                      {d.attempts} / {d.maxAttempts}
                    </td>
                    <td>
                      {d.lastAttemptAt ? (
                        <>
                          {t('webhooks.delivery.lastSummary', {
                            code: d.lastStatusCode ?? t('common.none'),
                            ms: d.lastDurationMs ?? t('common.none'),
                          })}{' '}
                          <Time value={d.lastAttemptAt} />
                          {d.lastError && <div className="field-error">{d.lastError}</div>}
                        </>
                      ) : (
                        t('common.none')
                      )}
                    </td>
                    <td>
                      <Time value={d.nextAttemptAt} />
                    </td>
                    <td>
                      <Time value={d.createdAt} />
                    </td>
                    <td>
                      <RedeliverButton webhookId={webhookId} delivery={d} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
    </section>
  );
}
