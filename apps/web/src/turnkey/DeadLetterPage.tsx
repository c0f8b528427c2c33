import type { DeadLetterView, retriedDeadLetter } from '@app/schemas/dead-letter';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { z } from 'zod';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { problemText } from './problem.ts';

type Retried = z.infer<typeof retriedDeadLetter>;

/** One dead letter: its payload and error, and putting the job back in its queue (after a confirm). */
export function DeadLetterPage() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const can = useCan();
  const path = `/api/v1/dead-letters/${encodeURIComponent(id)}`;
  const query = useApiQuery<DeadLetterView>(path);
  const [confirming, setConfirming] = useState(false);
  const retry = useApiMutation((api, _: undefined) => api.post<Retried>(`${path}/retry`), ['/api/v1/dead-letters']);

  return (
    <section aria-labelledby="dead-letter-heading">
      <p>
        <Link to="/turnkey/dead-letters">{t('turnkey.dead.back')}</Link>
      </p>
      <h2 id="dead-letter-heading">{t('turnkey.dead.detailTitle', { id })}</h2>
      {retry.isSuccess && (
        <p role="status" className="card">
          {t('turnkey.dead.retried', {
            queue: retry.data.requeue.queue,
            jobId: retry.data.requeue.jobId,
            outcome: t(`turnkey.dead.outcome.${retry.data.requeue.outcome}`),
          })}
        </p>
      )}
      <QueryState query={query} loading={t('turnkey.dead.loadingOne')}>
        {(d) => (
          <>
            <dl className="props">
              <dt>{t('turnkey.dead.status')}</dt>
              <dd>
                <span className={`badge ${d.status === 'dead' ? 'bad' : 'good'}`}>{t(`turnkey.dead.status.${d.status}`)}</span>
              </dd>
              <dt>{t('turnkey.dead.jobName')}</dt>
              <dd>{d.jobName}</dd>
              <dt>{t('turnkey.dead.queue')}</dt>
              <dd>
                {d.queue} ({d.priorityClass})
              </dd>
              <dt>{t('turnkey.dead.jobId')}</dt>
              <dd>
                <code>{d.jobId}</code>
              </dd>
              <dt>{t('turnkey.dead.attempts')}</dt>
              <dd>
                {d.attempts} / {d.maxAttempts}
              </dd>
              <dt>{t('turnkey.dead.firstFailedAt')}</dt>
              <dd>
                <Time value={d.firstFailedAt} />
              </dd>
              <dt>{t('turnkey.dead.lastFailedAt')}</dt>
              <dd>
                <Time value={d.lastFailedAt} />
              </dd>
              {d.retriedAt && (
                <>
                  <dt>{t('turnkey.dead.retriedAt')}</dt>
                  <dd>
                    <Time value={d.retriedAt} /> {d.retriedBy && `(${d.retriedBy})`} {d.retryJobId && <code>{d.retryJobId}</code>}
                  </dd>
                </>
              )}
            </dl>
            <h3>{t('turnkey.dead.lastError')}</h3>
            <pre className="code">{d.lastError}</pre>
            {d.errorStack && (
              <details>
                <summary>{t('turnkey.dead.errorStack')}</summary>
                <pre className="code">{d.errorStack}</pre>
              </details>
            )}
            <h3>{t('turnkey.dead.payload')}</h3>
            <pre className="code">{JSON.stringify(d.payload, null, 2)}</pre>
            {can('turnkey.manage') && d.status === 'dead' && (
              <div className="actions">
                <button
                  type="button"
                  className="primary"
                  onClick={() => {
                    retry.reset();
                    setConfirming(true);
                  }}
                >
                  {t('turnkey.dead.retry')}
                </button>
              </div>
            )}
            {d.status === 'retried' && <p className="meta">{t('turnkey.dead.alreadyRetried')}</p>}
            <ConfirmDialog
              open={confirming}
              title={t('turnkey.dead.retryTitle', { id: d.id, jobName: d.jobName })}
              confirmLabel={t('turnkey.dead.retry')}
              busy={retry.isPending}
              error={retry.isError ? problemText(t, retry.error) : null}
              onCancel={() => setConfirming(false)}
              onConfirm={() => retry.mutate(undefined, { onSuccess: () => setConfirming(false) })}
            >
              <p>{t('turnkey.dead.retryBody')}</p>
            </ConfirmDialog>
          </>
        )}
      </QueryState>
    </section>
  );
}
