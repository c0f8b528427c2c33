import type { ClientView } from '@app/schemas/client';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { ListPage, SearchFilters, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { StatusBadge, StatusFilter } from './shared.tsx';

/** The API's query parameters of GET /api/v1/clients. */
const KEYS = ['status', 'kind'] as const;
export const CLIENT_KINDS = ['pos', 'erp', 'service'] as const;
export const clientKindLabel = (kind: string) => `users.clients.kind.${kind}` as MessageKey;

type ClientPage = { items: ClientView[]; nextCursor: string | null };

/** Machine clients by client id, filtered by status and kind (held in the URL), a page at a time. */
export function ClientList() {
  const { t } = useI18n();
  const can = useCan();
  const list = useListParams(KEYS);
  const query = useApiQuery<ClientPage>('/api/v1/clients', list.query);
  return (
    <>
      <h2>{t('users.clients.title')}</h2>
      <p className="actions">
        <Link to="/users/clients/new">{t('users.clients.create')}</Link>
      </p>
      <SearchFilters list={list}>
        <StatusFilter value={list.filters.status} onChange={(status) => list.setFilters({ status })} />
        <SelectField
          name="kind"
          label={t('users.clients.field.kind')}
          value={list.filters.kind}
          onChange={(e) => list.setFilters({ kind: e.target.value })}
          options={[
            { value: '', label: t('common.all') },
            ...CLIENT_KINDS.map((k) => ({ value: k, label: t(clientKindLabel(k)) })),
          ]}
        />
      </SearchFilters>
      <QueryState query={query} loading={t('users.clients.loading')}>
        {(data) => (
          <ListPage list={list} page={data}>
            <table>
              <caption>{t('users.clients.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('users.clients.field.clientId')}</th>
                  <th scope="col">{t('users.clients.field.name')}</th>
                  <th scope="col">{t('users.clients.field.kind')}</th>
                  <th scope="col">{t('users.field.status')}</th>
                  <th scope="col">{t('users.field.roles')}</th>
                  <th scope="col">{t('users.clients.field.device')}</th>
                  <th scope="col">{t('users.clients.field.lastUsedAt')}</th>
                  <th scope="col">{t('users.clients.field.secretRotatedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">
                      <Link to={`/users/clients/${c.id}`}>{c.clientId}</Link>
                    </th>
                    <td>{c.name}</td>
                    <td>{t(clientKindLabel(c.kind))}</td>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    <td>{c.roles.join(', ') || t('common.none')}</td>
                    <td>
                      <DeviceRef id={c.deviceId} linked={can('device.manage')} />
                    </td>
                    <td>
                      <Time value={c.lastUsedAt} />
                    </td>
                    <td>
                      <Time value={c.secretRotatedAt} />
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

/** A device by id: a link to it for those who may open the devices screens. */
export function DeviceRef({ id, linked }: { id: string | null; linked: boolean }) {
  const { t } = useI18n();
  if (!id) return <>{t('common.none')}</>;
  return linked ? (
    <Link to={`/devices/${id}`}>
      <code>{id}</code>
    </Link>
  ) : (
    <code>{id}</code>
  );
}
