import type { SellerView } from '@app/schemas/seller';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { ListPage, SearchFilters, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { CertificateExpiry, StatusBadge } from './cert.tsx';

/** The API's query parameters of GET /api/v1/sellers. */
const KEYS = ['q', 'status'] as const;
/** Rows a page of this screen (the API's default of 1000 is for pickers, which take them all). */
const SELLER_PAGE_SIZE = 50;

type SellerPage = { items: SellerView[]; nextCursor?: string | null };

/** Sellers in the caller's data scope, filtered by name/BAN and status, 50 a page (filters and cursor in the URL). */
export function SellerList() {
  const { t } = useI18n();
  const can = useCan();
  const list = useListParams(KEYS);
  const query = useApiQuery<SellerPage>('/api/v1/sellers', { ...list.query, limit: SELLER_PAGE_SIZE });

  return (
    <>
      <h1>{t('sellers.title')}</h1>
      {can('seller.manage') && (
        <p className="actions">
          <Link to="/sellers/new">{t('sellers.create')}</Link>
        </p>
      )}
      <SearchFilters list={list} search={{ label: t('sellers.filter.q'), maxLength: 60 }}>
        <SelectField
          name="status"
          label={t('sellers.field.status')}
          value={list.filters.status}
          onChange={(e) => list.setFilters({ status: e.target.value })}
          options={[
            { value: '', label: t('common.all') },
            { value: 'active', label: t('sellers.status.active') },
            { value: 'disabled', label: t('sellers.status.disabled') },
          ]}
        />
      </SearchFilters>
      <QueryState query={query} loading={t('sellers.loading')}>
        {(data) => (
          <ListPage list={list} page={data}>
            <table>
              <caption>{t('sellers.list.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('sellers.field.ban')}</th>
                  <th scope="col">{t('sellers.field.name')}</th>
                  <th scope="col">{t('sellers.field.status')}</th>
                  <th scope="col">{t('sellers.field.certificateExpiresAt')}</th>
                  <th scope="col">{t('sellers.field.qrKey')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((s) => (
                  <tr key={s.id}>
                    <td>{s.ban}</td>
                    <th scope="row">
                      <Link to={`/sellers/${s.id}`}>{s.name}</Link>
                    </th>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td>
                      <CertificateExpiry date={s.certificateExpiresAt} />
                    </td>
                    <td>
                      {s.qrKeySet ? t('sellers.qr.setShort') : <span className="badge warn">{t('sellers.qr.notSet')}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
    </>
  );
}
