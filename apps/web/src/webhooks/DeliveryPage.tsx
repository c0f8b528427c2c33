import type { deliveryDetail } from '@app/schemas/webhook';
import { Link, useParams } from 'react-router';
import type { z } from 'zod';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { DeliveryStatusBadge } from './badges.tsx';
import { RedeliverButton } from './RedeliverButton.tsx';

type Detail = z.infer<typeof deliveryDetail>;

/** One delivery: every try (status code, error, duration, time, answer excerpt), its body, and redeliver. */
export function DeliveryPage() {
  const { id = '', deliveryId = '' } = useParams();
  const { t } = useI18n();
  const query = useApiQuery<Detail>(`/api/v1/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}`);
  return (
    <>
      <p>
        <Link to={`/webhooks/${id}`}>{t('webhooks.backToOne')}</Link>
      </p>
      <h1>{t('webhooks.delivery.oneTitle', { id: deliveryId })}</h1>
      <QueryState query={query} loading={t('webhooks.delivery.loadingOne')}>
        {(d) => (
          <>
            <dl className="props">
              <dt>{t('webhooks.delivery.eventType')}</dt>
              <dd>
                <code>{d.eventType}</code> {d.kind === 'test' && t('webhooks.delivery.test')}
              </dd>
              <dt>{t('webhooks.delivery.status')}</dt>
              <dd>
                <DeliveryStatusBadge status={d.status} />
              </dd>
              <dt>{t('webhooks.delivery.messageId')}</dt>
              <dd>
                <code>{d.webhookMessageId}</code>
              </dd>
              <dt>{t('webhooks.delivery.eventId')}</dt>
              <dd>
                <code>{d.eventId}</code>
              </dd>
              <dt>{t('webhooks.delivery.attempts')}</dt>
              <dd>
                {d.attempts} / {d.maxAttempts}
              </dd>
              <dt>{t('webhooks.delivery.nextAttemptAt')}</dt>
              <dd>
                <Time value={d.nextAttemptAt} />
              </dd>
              <dt>{t('webhooks.delivery.succeededAt')}</dt>
              <dd>
                <Time value={d.succeededAt} />
              </dd>
              <dt>{t('webhooks.delivery.deadAt')}</dt>
              <dd>
                <Time value={d.deadAt} />
              </dd>
              {d.redeliveredAt && (
                <>
                  <dt>{t('webhooks.delivery.redeliveredAt')}</dt>
                  <dd>
                    <Time value={d.redeliveredAt} /> {d.redeliveredBy && `(${d.redeliveredBy})`}
                  </dd>
                </>
              )}
              <dt>{t('webhooks.delivery.createdAt')}</dt>
              <dd>
                <Time value={d.createdAt} />
              </dd>
            </dl>
            <div className="actions">
              <RedeliverButton webhookId={id} delivery={d} />
            </div>

            <h2>{t('webhooks.attempt.title')}</h2>
            {d.attemptLog.length === 0 ? (
              <p>{t('webhooks.attempt.none')}</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <caption>{t('webhooks.attempt.caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">{t('webhooks.attempt.startedAt')}</th>
                      <th scope="col">{t('webhooks.attempt.outcome')}</th>
                      <th scope="col">{t('webhooks.attempt.statusCode')}</th>
                      <th scope="col">{t('webhooks.attempt.duration')}</th>
                      <th scope="col">{t('webhooks.attempt.error')}</th>
                      <th scope="col">{t('webhooks.attempt.address')}</th>
                      <th scope="col">{t('webhooks.attempt.nextAttemptAt')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.attemptLog.map((a) => (
                      <tr key={a.attempt}>
                        <th scope="row">{a.attempt}</th>
                        <td>
                          <Time value={a.startedAt} />
                        </td>
                        <td>
                          <span className={`badge ${a.outcome === 'succeeded' ? 'good' : 'bad'}`}>
                            {t(`webhooks.attempt.outcome.${a.outcome}`)}
                          </span>
                        </td>
                        <td>{a.statusCode ?? t('common.none')}</td>
                        <td>{t('webhooks.attempt.ms', { ms: a.durationMs })}</td>
                        <td>
                          {a.error ?? t('common.none')}
                          {a.responseExcerpt && <pre className="code">{a.responseExcerpt}</pre>}
                        </td>
                        <td>{a.address ?? t('common.none')}</td>
                        <td>
                          <Time value={a.nextAttemptAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <h2>{t('webhooks.delivery.body')}</h2>
            <pre className="code">{typeof d.body === 'string' ? d.body : JSON.stringify(d.body, null, 2)}</pre>
          </>
        )}
      </QueryState>
    </>
  );
}
