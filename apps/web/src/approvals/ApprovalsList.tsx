import { APPROVAL_ACTIONS, APPROVAL_STATUSES, type ApprovalView, listApprovalsQuery } from '@app/schemas/approval';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import type { z } from 'zod';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field, SelectField } from '../ui/Field.tsx';
import { FilterActions, ListPage, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { DecisionButtons, DecisionNotice, type Notice, useIsRequester } from './Decision.tsx';
import { ACTION_LABEL, STATUS_BADGE, STATUS_LABEL } from './labels.ts';

type ApprovalPage = { items: ApprovalView[]; nextCursor: string | null };

/** The API's query parameters held in the URL. `mine=true` is the "my requests" tab. */
const KEYS = ['mine', 'status', 'action', 'invoiceNumber'] as const;

/**
 * The requests: "待我審核" (every pending request the user can see; holders of `approve` decide others'
 * requests, anyone withdraws their own) and "我的申請" (the user's own, every status by default).
 */
export function ApprovalsList() {
  const { t } = useI18n();
  const list = useListParams(KEYS);
  const { filters } = list;
  const mine = filters.mine === 'true';
  const query = useApiQuery<ApprovalPage>('/api/v1/approvals', list.query);
  const [notice, setNotice] = useState<Notice | null>(null);

  return (
    <div className="approvals">
      <h1>{t('approvals.title')}</h1>
      <nav aria-label={t('approvals.tabs')} className="tabs">
        <Link to="/approvals" aria-current={mine ? undefined : 'page'}>
          {t('approvals.tab.review')}
        </Link>{' '}
        <Link to="/approvals?mine=true&status=all" aria-current={mine ? 'page' : undefined}>
          {t('approvals.tab.mine')}
        </Link>
      </nav>
      <Filters key={`${filters.status}|${filters.action}|${filters.invoiceNumber}`} list={list} />
      <DecisionNotice notice={notice} />
      <QueryState query={query}>
        {(page) => (
          <ListPage list={list} page={page}>
            <table>
              <caption>{mine ? t('approvals.tab.mine') : t('approvals.tab.review')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('approvals.col.id')}</th>
                  <th scope="col">{t('approvals.col.action')}</th>
                  <th scope="col">{t('approvals.col.invoice')}</th>
                  <th scope="col">{t('approvals.col.amount')}</th>
                  <th scope="col">{t('approvals.col.requester')}</th>
                  <th scope="col">{t('approvals.col.requestedAt')}</th>
                  <th scope="col">{t('approvals.col.status')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((a) => (
                  <Row key={a.id} approval={a} onNotice={setNotice} />
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
    </div>
  );
}

function Row({ approval: a, onNotice }: { approval: ApprovalView; onNotice: (n: Notice) => void }) {
  const { t, format } = useI18n();
  const isRequester = useIsRequester();
  const own = isRequester(a);
  return (
    <tr>
      <td>#{a.id}</td>
      <td>{t(ACTION_LABEL[a.action])}</td>
      <td>
        <Link to={`/invoices/${a.invoiceNumber}`}>{a.invoiceNumber}</Link>
      </td>
      <td>{a.amount === null ? t('common.none') : format.number(a.amount)}</td>
      <td>
        {a.requestedBy.displayName || a.requestedBy.username}
        {own && <span className="meta"> {t('approvals.you')}</span>}
      </td>
      <td>
        <Time value={a.requestedAt} />
      </td>
      <td>
        <span className={STATUS_BADGE[a.status]}>{t(STATUS_LABEL[a.status])}</span>
      </td>
      <td className="actions">
        <Link to={`/approvals/${a.id}`} aria-label={t('approvals.viewLabel', { id: a.id })}>
          {t('common.details')}
        </Link>
        <DecisionButtons approval={a} onNotice={onNotice} />
      </td>
    </tr>
  );
}

/** Status, action and invoice number; applied on submit, checked with the API's own query schema. */
function Filters({ list }: { list: ReturnType<typeof useListParams<(typeof KEYS)[number]>> }) {
  const { t } = useI18n();
  const [values, setValues] = useState({
    status: list.filters.status || 'pending',
    action: list.filters.action,
    invoiceNumber: list.filters.invoiceNumber,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (k: keyof typeof values) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [k]: e.target.value }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const invoiceNumber = values.invoiceNumber.trim().toUpperCase();
    const candidate: Partial<z.input<typeof listApprovalsQuery>> = { status: values.status as never };
    if (values.action) candidate.action = values.action as never;
    if (invoiceNumber) candidate.invoiceNumber = invoiceNumber;
    const r = listApprovalsQuery.safeParse(candidate);
    if (!r.success) {
      const next: Record<string, string> = {};
      for (const issue of r.error.issues) next[String(issue.path[0])] ??= issue.message;
      setErrors(next);
      return;
    }
    setErrors({});
    // Pending is the API's default: left out of the URL.
    list.setFilters({ status: values.status === 'pending' ? '' : values.status, action: values.action, invoiceNumber });
  };

  return (
    <form className="filters" aria-label={t('common.filter')} onSubmit={submit}>
      <SelectField
        name="status"
        label={t('approvals.col.status')}
        value={values.status}
        onChange={set('status')}
        error={errors.status}
        options={[
          ...APPROVAL_STATUSES.map((s) => ({ value: s, label: t(STATUS_LABEL[s]) })),
          { value: 'all', label: t('common.all') },
        ]}
      />
      <SelectField
        name="action"
        label={t('approvals.col.action')}
        value={values.action}
        onChange={set('action')}
        error={errors.action}
        options={[
          { value: '', label: t('common.all') },
          ...APPROVAL_ACTIONS.map((a) => ({ value: a, label: t(ACTION_LABEL[a]) })),
        ]}
      />
      <Field
        name="invoiceNumber"
        label={t('approvals.col.invoice')}
        value={values.invoiceNumber}
        onChange={set('invoiceNumber')}
        error={errors.invoiceNumber}
        placeholder="AB12345678"
        autoComplete="off"
      />
      <FilterActions onClear={() => list.setFilters({ status: '', action: '', invoiceNumber: '' })} primary={false} />
    </form>
  );
}
