import type { ApprovalView } from '@app/schemas/approval';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { DecisionButtons, DecisionNotice, type Notice } from './Decision.tsx';
import { ACTION_LABEL, STATUS_BADGE, STATUS_LABEL } from './labels.ts';
import { Readable } from './Readable.tsx';

/** One request: what will run (or ran), who asked and when, the decision and its outcome. */
export function ApprovalDetail() {
  const { id = '' } = useParams();
  const { t, format } = useI18n();
  const query = useApiQuery<ApprovalView>(`/api/v1/approvals/${encodeURIComponent(id)}`);
  const [notice, setNotice] = useState<Notice | null>(null);
  const person = (p: ApprovalView['requestedBy'] | null) =>
    p ? `${p.displayName || p.username} (${p.username})` : t('common.none');

  return (
    <div className="approval-detail">
      <p>
        <Link to="/approvals">{t('approvals.backToList')}</Link>
      </p>
      <h1>{t('approvals.detailTitle', { id })}</h1>
      <DecisionNotice notice={notice} />
      <QueryState query={query}>
        {(a) => (
          <>
            <section className="card" aria-labelledby="approval-what">
              <h2 id="approval-what">{t('approvals.whatWillRun')}</h2>
              <dl className="props">
                <dt>{t('approvals.col.status')}</dt>
                <dd>
                  <span className={STATUS_BADGE[a.status]}>{t(STATUS_LABEL[a.status])}</span>
                </dd>
                <dt>{t('approvals.col.action')}</dt>
                <dd>
                  {t(ACTION_LABEL[a.action])} <code>{a.action}</code>
                </dd>
                <dt>{t('approvals.col.invoice')}</dt>
                <dd>
                  <Link to={`/invoices/${a.invoiceNumber}`}>{a.invoiceNumber}</Link>
                </dd>
                <dt>{t('approvals.seller')}</dt>
                <dd>{a.sellerId}</dd>
                <dt>{t('approvals.col.amount')}</dt>
                <dd>{a.amount === null ? t('common.none') : format.number(a.amount)}</dd>
              </dl>
              <h3>{t('approvals.payload')}</h3>
              <Readable value={a.payload} />
              <div className="actions">
                <DecisionButtons approval={a} onNotice={setNotice} />
              </div>
            </section>
            <section className="card" aria-labelledby="approval-who">
              <h2 id="approval-who">{t('approvals.history')}</h2>
              <dl className="props">
                <dt>{t('approvals.col.requester')}</dt>
                <dd>{person(a.requestedBy)}</dd>
                <dt>{t('approvals.col.requestedAt')}</dt>
                <dd>
                  <Time value={a.requestedAt} />
                </dd>
                <dt>{t('approvals.decidedBy')}</dt>
                <dd>{person(a.decidedBy)}</dd>
                <dt>{t('approvals.decidedAt')}</dt>
                <dd>
                  <Time value={a.decidedAt} />
                </dd>
                <dt>{a.status === 'rejected' ? t('approvals.reason') : t('approvals.decisionNote')}</dt>
                <dd>{a.decisionNote ?? t('common.none')}</dd>
              </dl>
            </section>
            {(a.result !== null && a.result !== undefined) || a.error ? (
              <section className="card" aria-labelledby="approval-outcome">
                <h2 id="approval-outcome">{t('approvals.outcome')}</h2>
                {a.error && (
                  <p role="alert" className="form-error">
                    {t('approvals.errorText', { code: a.error.code, message: a.error.message })}
                  </p>
                )}
                {a.result !== null && a.result !== undefined && <Readable value={a.result} />}
              </section>
            ) : null}
          </>
        )}
      </QueryState>
    </div>
  );
}
