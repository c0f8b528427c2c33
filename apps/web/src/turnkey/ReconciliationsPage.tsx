import { listReconciliationsQuery, type ReconciliationView } from '@app/schemas/turnkey';
import { type FormEvent, useEffect } from 'react';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field } from '../ui/Field.tsx';
import { FormError } from '../ui/FormParts.tsx';
import { dropEmpty, useZodForm } from '../ui/form.ts';
import { FilterActions, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { invoiceNumberOf } from './codes.ts';

const KEYS = ['from', 'to', 'differing'] as const;

type Answer = { from: string; to: string; items: ReconciliationView[] };
type Difference = ReconciliationView['differences'][number];

/**
 * The daily reconciliation of our hand-offs with the platform's SummaryResult (docs/turnkey.md §7). The API
 * answers a whole date range (at most 366 days) at once: the range is the paging.
 */
export function ReconciliationsPage() {
  const { t } = useI18n();
  const list = useListParams(KEYS);
  const query = useApiQuery<Answer>('/api/v1/turnkey/reconciliations', {
    from: list.filters.from || undefined,
    to: list.filters.to || undefined,
    differing: list.filters.differing || undefined,
  });
  const form = useZodForm(listReconciliationsQuery, list.filters, (v) => dropEmpty(v));
  const { reset } = form;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the form follows the URL (back/forward, a shared link), not its own reset
  useEffect(() => reset(list.filters), [list.filters]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (!form.validate()) return;
    list.setFilters(form.values);
  };

  return (
    <section aria-labelledby="recon-heading">
      <h2 id="recon-heading">{t('turnkey.recon.title')}</h2>
      <p className="meta">{t('turnkey.recon.intro')}</p>
      <form className="filters" onSubmit={apply} aria-label={t('common.filter')} noValidate>
        <Field type="date" label={t('turnkey.recon.from')} {...form.field('from')} />
        <Field type="date" label={t('turnkey.recon.to')} {...form.field('to')} />
        <div className="field">
          <label>
            <input
              type="checkbox"
              name="differing"
              checked={form.values.differing === 'true'}
              onChange={(e) => form.set('differing', e.target.checked ? 'true' : '')}
            />{' '}
            {t('turnkey.recon.onlyDiffering')}
          </label>
        </div>
        <FilterActions onClear={list.clearFilters} />
        <FormError message={form.formError} />
      </form>

      <QueryState query={query} loading={t('turnkey.recon.loading')}>
        {(a) => (
          <>
            <p className="meta">{t('turnkey.recon.range', { from: a.from, to: a.to })}</p>
            {a.items.length === 0 ? (
              <p>{t('common.empty')}</p>
            ) : (
              <>
                <div className="table-wrap">
                  <table>
                    <caption>{t('turnkey.recon.caption')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('turnkey.recon.day')}</th>
                        <th scope="col">{t('turnkey.messages.messageType')}</th>
                        <th scope="col">{t('turnkey.recon.summary')}</th>
                        <th scope="col">{t('turnkey.recon.ours')}</th>
                        <th scope="col">{t('turnkey.recon.theirs')}</th>
                        <th scope="col">{t('turnkey.recon.differences')}</th>
                        <th scope="col">{t('turnkey.recon.reconciledAt')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {a.items.map((r) => (
                        <tr key={`${r.day}-${r.messageType}`}>
                          <th scope="row">{r.day}</th>
                          <td>{r.messageType}</td>
                          <td>
                            <span className={`badge ${r.summaryReceived ? 'good' : 'warn'}`}>
                              {r.summaryReceived ? t('turnkey.recon.received') : t('turnkey.recon.notReceived')}
                            </span>
                          </td>
                          <td>
                            {r.ours
                              ? t('turnkey.recon.oursCounts', {
                                  handedOff: r.ours.handedOff,
                                  accepted: r.ours.accepted,
                                  rejected: r.ours.rejected,
                                  waiting: r.ours.waiting,
                                  before: r.ours.rejectedBeforeUpload,
                                })
                              : t('common.none')}
                          </td>
                          <td>
                            {r.theirs
                              ? t('turnkey.recon.theirsCounts', {
                                  total: r.theirs.total,
                                  good: r.theirs.good,
                                  failed: r.theirs.failed,
                                })
                              : t('common.none')}
                          </td>
                          <td>
                            {r.differing ? (
                              <a href={`#recon-${r.day}-${r.messageType}`} className="badge bad">
                                {t('turnkey.recon.differenceCount', { count: r.differences.length })}
                              </a>
                            ) : (
                              <span className="badge good">{t('turnkey.recon.agrees')}</span>
                            )}
                          </td>
                          <td>
                            <Time value={r.reconciledAt} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {a.items
                  .filter((r) => r.differences.length > 0)
                  .map((r) => (
                    <DayDifferences key={`${r.day}-${r.messageType}`} row={r} />
                  ))}
              </>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

function DayDifferences({ row }: { row: ReconciliationView }) {
  const { t } = useI18n();
  const id = `recon-${row.day}-${row.messageType}`;
  return (
    <section className="card" id={id} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t('turnkey.recon.dayTitle', { day: row.day, type: row.messageType })}</h3>
      <ul>
        {row.differences.map((d, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: differences have no id of their own; the list is not reordered
          <li key={i}>
            <DifferenceItem d={d} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function DifferenceItem({ d }: { d: Difference }) {
  const { t } = useI18n();
  const number = d.identifier ? invoiceNumberOf({ identifier: d.identifier }) : null;
  return (
    <>
      <strong>{t(`turnkey.recon.kind.${d.kind}`)}</strong>
      {d.identifier && <> {number ? <Link to={`/invoices/${number}`}>{d.identifier}</Link> : <code>{d.identifier}</code>}</>}
      <div>{d.detail}</div>
      <div className="meta">
        {d.ourStatus && t('turnkey.recon.ourStatus', { status: d.ourStatus })}{' '}
        {d.theirVerdict && t('turnkey.recon.theirVerdict', { verdict: t(`turnkey.recon.verdict.${d.theirVerdict}`) })}{' '}
        {d.partyId && t('turnkey.recon.party', { ban: d.partyId })}{' '}
        {d.sellerId && <Link to={`/sellers/${d.sellerId}`}>{t('turnkey.recon.sellerLink')}</Link>}
      </div>
      <p>{t(`turnkey.recon.todo.${d.kind}`)}</p>
    </>
  );
}
