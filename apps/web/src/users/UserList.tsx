import type { RoleView } from '@app/schemas/role';
import type { UserView } from '@app/schemas/user';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { ListPage, SearchFilters, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { StatusBadge, StatusFilter } from './shared.tsx';

/** The API's query parameters of GET /api/v1/users. */
const KEYS = ['q', 'status', 'role'] as const;

type UserPage = { items: UserView[]; nextCursor: string | null };

/** Whether a login lock is in force now. */
export const isLocked = (u: Pick<UserView, 'lockedUntil'>) => u.lockedUntil !== null && Date.parse(u.lockedUntil) > Date.now();

/** Users by username, filtered by text, status and role (held in the URL), a page at a time. */
export function UserList() {
  const { t } = useI18n();
  const list = useListParams(KEYS);
  const query = useApiQuery<UserPage>('/api/v1/users', list.query);
  const roles = useApiQuery<{ items: RoleView[] }>('/api/v1/roles');

  return (
    <>
      <h2>{t('users.users.title')}</h2>
      <p className="actions">
        <Link to="/users/new">{t('users.users.create')}</Link>
      </p>
      <SearchFilters list={list} search={{ label: t('users.filter.q'), maxLength: 64 }}>
        <StatusFilter value={list.filters.status} onChange={(status) => list.setFilters({ status })} />
        <SelectField
          name="role"
          label={t('users.filter.role')}
          value={list.filters.role}
          onChange={(e) => list.setFilters({ role: e.target.value })}
          options={[
            { value: '', label: t('common.all') },
            ...(roles.data?.items ?? []).map((r) => ({ value: r.code, label: `${r.name} (${r.code})` })),
            ...(list.filters.role && !roles.data?.items.some((r) => r.code === list.filters.role)
              ? [{ value: list.filters.role, label: list.filters.role }]
              : []),
          ]}
        />
      </SearchFilters>
      <QueryState query={query} loading={t('users.users.loading')}>
        {(data) => (
          <ListPage list={list} page={data}>
            <table>
              <caption>{t('users.users.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('users.field.username')}</th>
                  <th scope="col">{t('users.field.displayName')}</th>
                  <th scope="col">{t('users.field.email')}</th>
                  <th scope="col">{t('users.field.status')}</th>
                  <th scope="col">{t('users.field.roles')}</th>
                  <th scope="col">{t('users.field.mfa')}</th>
                  <th scope="col">{t('users.field.lastLoginAt')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((u) => (
                  <tr key={u.id}>
                    <th scope="row">
                      <Link to={`/users/${u.id}`}>{u.username}</Link>
                    </th>
                    <td>{u.displayName}</td>
                    <td>{u.email ?? t('common.none')}</td>
                    <td>
                      <StatusBadge status={u.status} />
                      {isLocked(u) && (
                        <>
                          {' '}
                          <span className="badge warn">{t('users.locked')}</span>
                        </>
                      )}
                    </td>
                    <td>{u.roles.join(', ') || t('common.none')}</td>
                    <td>{u.mfaEnabled ? t('users.mfa.on') : t('users.mfa.off')}</td>
                    <td>
                      <Time value={u.lastLoginAt} />
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
