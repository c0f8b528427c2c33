import { listInvoicesQuery } from '@app/schemas/invoice';
import type { SiteView } from '@app/schemas/seller';
import type { FormEvent } from 'react';
import { useEffect } from 'react';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field, SelectField } from '../ui/Field.tsx';
import { FormError } from '../ui/FormParts.tsx';
import { dropEmpty, useZodForm } from '../ui/form.ts';
import { Pager, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { type InvoiceStatus, StatusBadge, sellerName, siteName, useSellers, useSites } from './shared.tsx';

/** Every query parameter of GET /api/v1/invoices but the cursor (listInvoicesQuery). */
const KEYS = ['sellerId', 'siteId', 'number', 'from', 'to', 'status', 'buyerBan', 'minTotal', 'maxTotal', 'limit'] as const;
type Filters = Record<(typeof KEYS)[number], string>;

type InvoiceRow = {
  id: string;
  invoiceNumber: string;
  yearMonth: string;
  invoiceDate: string;
  invoiceTime: string;
  sellerId: string;
  siteId: string;
  deviceId: string | null;
  buyerBan: string | null;
  status: InvoiceStatus;
  totalAmount: number;
};

const LIMITS = ['20', '50', '100', '200'];

/** The form's strings as the API's query: empty ones left out, the number in capitals. */
const toQuery = (v: Filters) => dropEmpty({ ...v, number: v.number.trim().toUpperCase(), buyerBan: v.buyerBan.trim() });

export function InvoiceListPage() {
  const { t, format } = useI18n();
  const list = useListParams(KEYS);
  const form = useZodForm(listInvoicesQuery, list.filters, toQuery);
  const { reset } = form;
  // The URL is the truth: back/forward or a shared link puts its filters in the form.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the URL's filters change
  useEffect(() => reset(list.filters), [list.filters]);

  const sellers = useSellers();
  const formSites = useApiQuery<{ items: SiteView[] }>(
    form.values.sellerId ? `/api/v1/sellers/${encodeURIComponent(form.values.sellerId)}/sites` : null,
  );
  const invoices = useApiQuery<{ items: InvoiceRow[]; nextCursor: string | null }>('/api/v1/invoices', list.query);
  const rowSites = useSites((invoices.data?.items ?? []).map((r) => r.sellerId));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!form.validate()) return;
    const q = toQuery(form.values) as Partial<Filters>;
    // One update with every key: the ones cleared in the form leave the URL.
    list.setFilters(Object.fromEntries(KEYS.map((k) => [k, q[k] ?? ''])) as Filters);
  };

  const sellerOptions = [
    { value: '', label: t('common.all') },
    ...(sellers.query.data?.items ?? []).map((s) => ({ value: s.id, label: sellerName(s, s.id) })),
  ];
  if (form.values.sellerId && !sellerOptions.some((o) => o.value === form.values.sellerId)) {
    sellerOptions.push({ value: form.values.sellerId, label: form.values.sellerId });
  }
  const siteOptions = [
    { value: '', label: t('common.all') },
    ...(formSites.data?.items ?? []).map((s) => ({ value: s.id, label: siteName(s, s.id) })),
  ];
  if (form.values.siteId && !siteOptions.some((o) => o.value === form.values.siteId)) {
    siteOptions.push({ value: form.values.siteId, label: form.values.siteId });
  }

  return (
    <>
      <h1>{t('invoices.list.title')}</h1>
      <form className="filters" onSubmit={submit} aria-label={t('invoices.list.filters')} noValidate>
        <SelectField
          label={t('invoices.field.seller')}
          options={sellerOptions}
          {...form.field('sellerId')}
          onChange={(e) => {
            form.set('sellerId', e.target.value);
            form.set('siteId', '');
          }}
          hint={sellers.query.isError ? t('invoices.list.sellersUnavailable') : undefined}
        />
        <SelectField
          label={t('invoices.field.site')}
          options={siteOptions}
          {...form.field('siteId')}
          hint={form.values.sellerId ? undefined : t('invoices.list.siteNeedsSeller')}
        />
        <Field label={t('invoices.field.number')} placeholder="AB12345678" autoComplete="off" {...form.field('number')} />
        <Field label={t('invoices.field.from')} type="date" {...form.field('from')} />
        <Field label={t('invoices.field.to')} type="date" {...form.field('to')} />
        <SelectField
          label={t('invoices.field.status')}
          options={[
            { value: '', label: t('common.all') },
            { value: 'issued', label: t('invoices.status.issued') },
            { value: 'cancelled', label: t('invoices.status.cancelled') },
            { value: 'voided', label: t('invoices.status.voided') },
          ]}
          {...form.field('status')}
        />
        <Field label={t('invoices.field.buyerBan')} inputMode="numeric" autoComplete="off" {...form.field('buyerBan')} />
        <Field label={t('invoices.field.minTotal')} type="number" min={0} step={1} {...form.field('minTotal')} />
        <Field label={t('invoices.field.maxTotal')} type="number" min={0} step={1} {...form.field('maxTotal')} />
        <SelectField
          label={t('invoices.field.limit')}
          options={[{ value: '', label: t('invoices.list.limitDefault') }, ...LIMITS.map((l) => ({ value: l, label: l }))]}
          {...form.field('limit')}
        />
        <div className="actions">
          <button type="submit" className="primary">
            {t('invoices.list.search')}
          </button>
          <button type="button" onClick={list.clearFilters}>
            {t('common.clearFilters')}
          </button>
        </div>
        <FormError message={form.formError} />
      </form>

      <QueryState query={invoices} loading={t('invoices.list.loading')}>
        {(data) => (
          <>
            {data.items.length === 0 ? (
              <p>{t('common.empty')}</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <caption>{t('invoices.list.caption')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('invoices.field.number')}</th>
                      <th scope="col">{t('invoices.field.invoiceTime')}</th>
                      <th scope="col">{t('invoices.field.seller')}</th>
                      <th scope="col">{t('invoices.field.site')}</th>
                      <th scope="col">{t('invoices.field.buyerBan')}</th>
                      <th scope="col">{t('invoices.field.status')}</th>
                      <th scope="col" className="inv-num">
                        {t('invoices.field.totalAmount')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((r) => (
                      <tr key={r.id}>
                        <th scope="row">
                          <Link to={`/invoices/${r.invoiceNumber}`}>{r.invoiceNumber}</Link>
                        </th>
                        <td>
                          <Time value={r.invoiceTime} />
                        </td>
                        <td>{sellerName(sellers.byId.get(r.sellerId), r.sellerId)}</td>
                        <td>{siteName(rowSites.get(r.siteId), r.siteId)}</td>
                        <td>{r.buyerBan ?? t('invoices.buyer.consumer')}</td>
                        <td>
                          <StatusBadge status={r.status} />
                        </td>
                        <td className="inv-num">{format.number(r.totalAmount)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p className="meta">{t('common.timeZoneNote')}</p>
            <Pager page={list.page} nextCursor={data.nextCursor} onNext={list.nextPage} onFirst={list.firstPage} />
          </>
        )}
      </QueryState>
    </>
  );
}
