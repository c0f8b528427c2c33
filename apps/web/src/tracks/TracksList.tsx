import type { SellerView } from '@app/schemas/seller';
import { listTracksQuery, type TrackView } from '@app/schemas/track';
import { type FormEvent, useMemo } from 'react';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useI18n } from '../i18n/index.ts';
import { Field, SelectField } from '../ui/Field.tsx';
import { dropEmpty, useZodForm } from '../ui/form.ts';
import { FilterActions, Pager, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { InvoiceTypeLabel, NumberRange, PeriodLabel, RemainingBadge } from './parts.tsx';
import { isLow, periodOf } from './period.ts';

/** The filters held in the URL: GET /api/v1/tracks's query parameters (the cursor is kept beside them). */
export const TRACK_FILTERS = ['sellerId', 'yearMonth', 'invoiceType'] as const;

type TrackPage = { items: TrackView[]; nextCursor?: string | null };

/** A range's page (GET /api/v1/tracks/{id} reads it on its own). */
export const trackLink = (tr: Pick<TrackView, 'id'>) => `/tracks/${tr.id}`;

function TrackFilters({
  filters,
  sellers,
  onApply,
  onClear,
}: {
  filters: Record<(typeof TRACK_FILTERS)[number], string>;
  sellers: { data?: { items: SellerView[] } | undefined; error: unknown };
  onApply: (f: Record<(typeof TRACK_FILTERS)[number], string>) => void;
  onClear: () => void;
}) {
  const { t } = useI18n();
  const form = useZodForm(listTracksQuery, filters, (v) =>
    dropEmpty({ sellerId: v.sellerId.trim(), yearMonth: v.yearMonth.trim(), invoiceType: v.invoiceType }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!form.validate()) return;
    onApply({
      sellerId: form.values.sellerId.trim(),
      yearMonth: form.values.yearMonth.trim(),
      invoiceType: form.values.invoiceType,
    });
  };
  const sellerOptions = [
    { value: '', label: t('common.all') },
    ...(sellers.data?.items ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.ban})` })),
  ];
  // A seller in the URL that the list does not (yet) hold stays selectable.
  if (filters.sellerId && !sellerOptions.some((o) => o.value === filters.sellerId)) {
    sellerOptions.push({ value: filters.sellerId, label: filters.sellerId });
  }
  return (
    <form className="filters" onSubmit={submit} aria-label={t('common.filter')} noValidate>
      <SelectField label={t('tracks.seller')} options={sellerOptions} {...form.field('sellerId')} />
      <Field
        label={t('tracks.period')}
        hint={t('tracks.period.hint', { example: periodOf() })}
        inputMode="numeric"
        maxLength={5}
        {...form.field('yearMonth')}
      />
      <SelectField
        label={t('tracks.invoiceType')}
        options={[
          { value: '', label: t('common.all') },
          { value: '07', label: t('tracks.invoiceType.07') },
          { value: '08', label: t('tracks.invoiceType.08') },
        ]}
        {...form.field('invoiceType')}
      />
      <FilterActions onClear={onClear} />
      {sellers.error ? <p role="alert">{t('tracks.sellersError', { message: errorText(t, sellers.error) })}</p> : null}
    </form>
  );
}

/**
 * 字軌: the number ranges in the caller's scope, a page at a time (the API's default of 100, newest period
 * first), with how much of each is allocated, used and left.
 */
export function TracksList() {
  const { t, format } = useI18n();
  const list = useListParams(TRACK_FILTERS);
  const tracks = useApiQuery<TrackPage>('/api/v1/tracks', list.query);
  const sellers = useApiQuery<{ items: SellerView[] }>('/api/v1/sellers');
  const sellerName = useMemo(() => new Map((sellers.data?.items ?? []).map((s) => [s.id, s.name])), [sellers.data]);
  const n = format.number;

  return (
    <section aria-labelledby="tracks-title">
      <h1 id="tracks-title">{t('tracks.title')}</h1>
      <p className="meta">{t('tracks.intro')}</p>
      <TrackFilters
        key={JSON.stringify(list.filters)}
        filters={list.filters}
        sellers={sellers}
        onApply={list.setFilters}
        onClear={list.clearFilters}
      />
      <QueryState query={tracks} loading={t('tracks.loading')}>
        {(data) => {
          const items = data.items;
          const pager = <Pager page={list.page} nextCursor={data.nextCursor} onNext={list.nextPage} onFirst={list.firstPage} />;
          if (items.length === 0) {
            return (
              <>
                <p>{t('common.empty')}</p>
                {pager}
              </>
            );
          }
          const low = items.filter((x) => isLow(x.remaining, x.size, x.yearMonth)).length;
          return (
            <>
              <p className="meta">
                {t('tracks.count', { count: n(items.length) })}
                {low > 0 && (
                  <>
                    {' '}
                    <span className="badge warn">{t('tracks.lowCount', { count: n(low) })}</span>
                  </>
                )}
              </p>
              <div className="table-wrap">
                <table>
                  <caption>{t('tracks.list.caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('tracks.seller')}</th>
                      <th scope="col">{t('tracks.invoiceType')}</th>
                      <th scope="col">{t('tracks.period')}</th>
                      <th scope="col">{t('tracks.range')}</th>
                      <th scope="col">{t('tracks.booklets')}</th>
                      <th scope="col">{t('tracks.allocated')}</th>
                      <th scope="col">{t('tracks.unallocated')}</th>
                      <th scope="col">{t('tracks.issued')}</th>
                      <th scope="col">{t('tracks.remaining')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((x) => (
                      <tr key={x.id}>
                        <td>
                          {sellerName.get(x.sellerId) ?? ''} <span className="meta">{x.sellerBan}</span>
                        </td>
                        <td>
                          <InvoiceTypeLabel type={x.invoiceType} />
                        </td>
                        <td>
                          <PeriodLabel yearMonth={x.yearMonth} />
                        </td>
                        <th scope="row">
                          <Link to={trackLink(x)}>
                            <NumberRange track={x.track} begin={x.beginNo} end={x.endNo} />
                          </Link>
                        </th>
                        <td>{n(x.booklets)}</td>
                        <td>{n(x.allocated)}</td>
                        <td>{n(x.unallocated)}</td>
                        <td>{n(x.issued)}</td>
                        <td>
                          {n(x.remaining)} <RemainingBadge remaining={x.remaining} size={x.size} yearMonth={x.yearMonth} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {pager}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
