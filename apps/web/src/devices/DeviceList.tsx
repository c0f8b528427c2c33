import type { DeviceView } from '@app/schemas/device';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { ListPage, SearchFilters, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { SitePicker, useSellers, useSiteIndex } from './places.tsx';

/** The API's query parameters of GET /api/v1/devices. */
const KEYS = ['q', 'sellerId', 'siteId', 'revoked'] as const;
/** Rows a page of this screen (the API's default of 5000 is for pickers, which take them all). */
const DEVICE_PAGE_SIZE = 50;

type DevicePage = { items: DeviceView[]; nextCursor?: string | null };

export const kindLabel = (kind: string) => `devices.kind.${kind}` as MessageKey;

/**
 * Devices in the caller's scope, filtered by part of the code or name, seller, site and revoked, 50 a page
 * (filters and cursor in the URL).
 */
export function DeviceList() {
  const { t } = useI18n();
  const list = useListParams(KEYS);
  const query = useApiQuery<DevicePage>('/api/v1/devices', { ...list.query, limit: DEVICE_PAGE_SIZE });
  const sellers = useSellers();
  const sites = useSiteIndex((query.data?.items ?? []).flatMap((d) => (d.sellerId ? [d.sellerId] : [])));
  const sellerName = (id: string | null) => {
    if (!id) return t('common.none');
    const s = sellers.data?.items.find((x) => x.id === id);
    return s ? s.name : id;
  };
  const siteName = (id: string | null) => {
    if (!id) return t('common.none');
    const s = sites.get(id);
    return s ? `${s.name} (${s.code})` : id;
  };

  return (
    <>
      <h1>{t('devices.title')}</h1>
      <p className="actions">
        <Link to="/devices/new">{t('devices.create')}</Link>
      </p>
      <SearchFilters list={list} search={{ label: t('devices.filter.q'), maxLength: 64 }}>
        <SitePicker
          sellerId={list.filters.sellerId}
          siteId={list.filters.siteId}
          onSeller={(sellerId) => list.setFilters({ sellerId, siteId: '' })}
          onSite={(siteId) => list.setFilters({ siteId })}
          empty={t('common.all')}
        />
        <SelectField
          name="revoked"
          label={t('devices.field.state')}
          value={list.filters.revoked}
          onChange={(e) => list.setFilters({ revoked: e.target.value })}
          options={[
            { value: '', label: t('common.all') },
            { value: 'false', label: t('devices.state.active') },
            { value: 'true', label: t('devices.state.revoked') },
          ]}
        />
      </SearchFilters>
      <QueryState query={query} loading={t('devices.loading')}>
        {(data) => (
          <ListPage list={list} page={data}>
            <table>
              <caption>{t('devices.list.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('devices.field.deviceCode')}</th>
                  <th scope="col">{t('devices.field.name')}</th>
                  <th scope="col">{t('devices.field.kind')}</th>
                  <th scope="col">{t('devices.field.seller')}</th>
                  <th scope="col">{t('devices.field.site')}</th>
                  <th scope="col">{t('devices.field.appVersion')}</th>
                  <th scope="col">{t('devices.field.lastActiveAt')}</th>
                  <th scope="col">{t('devices.field.state')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">
                      <Link to={`/devices/${d.id}`}>{d.deviceCode}</Link>
                    </th>
                    <td>{d.name}</td>
                    <td>{t(kindLabel(d.kind))}</td>
                    <td>{sellerName(d.sellerId)}</td>
                    <td>{siteName(d.siteId)}</td>
                    <td>{d.appVersion ?? t('common.none')}</td>
                    <td>
                      <Time value={d.lastActiveAt} />
                    </td>
                    <td>
                      <DeviceState device={d} />
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

export function DeviceState({ device }: { device: DeviceView }) {
  const { t } = useI18n();
  return device.revokedAt ? (
    <span className="badge bad">{t('devices.state.revoked')}</span>
  ) : (
    <span className="badge good">{t('devices.state.active')}</span>
  );
}
