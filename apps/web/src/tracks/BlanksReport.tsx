import { blanksQuery, type blanksView } from '@app/schemas/track';
import type { FormEvent } from 'react';
import type { z } from 'zod';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field } from '../ui/Field.tsx';
import { useZodForm } from '../ui/form.ts';
import { useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { InvoiceTypeLabel, NumberRange, PeriodLabel } from './parts.tsx';
import { periodOf } from './period.ts';

type Blanks = z.infer<typeof blanksView>;

const BLANK_FILTERS = ['yearMonth'] as const;

function PeriodForm({ yearMonth, onApply }: { yearMonth: string; onApply: (yearMonth: string) => void }) {
  const { t } = useI18n();
  const form = useZodForm(blanksQuery, { yearMonth });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = form.validate();
    if (v) onApply(v.yearMonth);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label={t('common.filter')} noValidate>
      <Field
        label={t('tracks.period')}
        hint={t('tracks.period.hint', { example: periodOf() })}
        inputMode="numeric"
        maxLength={5}
        {...form.field('yearMonth')}
      />
      <div className="actions">
        <button type="submit" className="primary">
          {t('tracks.blanks.show')}
        </button>
      </div>
    </form>
  );
}

/** 空白未使用字軌: numbers of a period never issued, per range and BAN — what E0402 reports once it closes. */
export function BlanksReport() {
  const { t, format } = useI18n();
  const list = useListParams(BLANK_FILTERS);
  // The current period unless the URL names one.
  const yearMonth = list.filters.yearMonth || periodOf();
  const blanks = useApiQuery<Blanks>('/api/v1/tracks/blanks', { yearMonth });
  const n = format.number;
  return (
    <section aria-labelledby="blanks-title">
      <h1 id="blanks-title">{t('tracks.blanks.title')}</h1>
      <p className="meta">{t('tracks.blanks.intro')}</p>
      <PeriodForm key={yearMonth} yearMonth={yearMonth} onApply={(v) => list.setFilters({ yearMonth: v })} />
      <QueryState query={blanks} loading={t('tracks.blanks.loading')}>
        {(data) => {
          const total = data.items.reduce((a, x) => a + x.blanks.reduce((b, s) => b + s.count, 0), 0);
          return (
            <>
              <dl className="props">
                <dt>{t('tracks.period')}</dt>
                <dd>
                  <PeriodLabel yearMonth={data.yearMonth} /> (<Time value={data.periodStart} /> – <Time value={data.periodEnd} />)
                </dd>
                <dt>{t('tracks.blanks.state')}</dt>
                <dd>
                  {data.periodClosed ? (
                    <span className="badge warn">{t('tracks.blanks.closed')}</span>
                  ) : (
                    <span className="badge">{t('tracks.blanks.open')}</span>
                  )}
                </dd>
                <dt>{t('tracks.blanks.deadline')}</dt>
                <dd>
                  <Time value={data.e0402Deadline} />
                </dd>
                <dt>{t('tracks.blanks.total')}</dt>
                <dd>{n(total)}</dd>
              </dl>
              {data.items.length === 0 ? (
                <p>{t('common.empty')}</p>
              ) : (
                <div className="table-wrap">
                  <table>
                    <caption>{t('tracks.blanks.caption', { period: data.yearMonth })}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('tracks.range')}</th>
                        <th scope="col">{t('tracks.invoiceType')}</th>
                        <th scope="col">{t('tracks.blanks.ban')}</th>
                        <th scope="col">{t('tracks.blanks.span')}</th>
                        <th scope="col">{t('tracks.blanks.count')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.items.flatMap((x) =>
                        x.blanks.length === 0
                          ? [
                              <tr key={x.trackId}>
                                <th scope="row">{x.track}</th>
                                <td>
                                  <InvoiceTypeLabel type={x.invoiceType} />
                                </td>
                                <td>{x.sellerBan}</td>
                                <td colSpan={2}>{t('tracks.blanks.none')}</td>
                              </tr>,
                            ]
                          : x.blanks.map((s) => (
                              <tr key={`${x.trackId}:${s.beginNo}`}>
                                <th scope="row">{x.track}</th>
                                <td>
                                  <InvoiceTypeLabel type={x.invoiceType} />
                                </td>
                                <td>{s.ban}</td>
                                <td>
                                  <NumberRange begin={s.beginNo} end={s.endNo} />
                                </td>
                                <td>{n(s.count)}</td>
                              </tr>
                            )),
                      )}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
