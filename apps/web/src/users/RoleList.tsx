import type { RoleView } from '@app/schemas/role';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { ConfirmAction } from './shared.tsx';

/** Every role with its permissions and holders; built-in roles are marked and cannot be deleted. */
export function RoleList() {
  const { t } = useI18n();
  const query = useApiQuery<{ items: RoleView[]; nextCursor?: string | null }>('/api/v1/roles');
  return (
    <>
      <h2>{t('users.roles.title')}</h2>
      <p className="actions">
        <Link to="/users/roles/new">{t('users.roles.create')}</Link>
      </p>
      <QueryState query={query} loading={t('users.roles.loading')}>
        {(data) =>
          data.items.length === 0 ? (
            <p>{t('common.empty')}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption>{t('users.roles.caption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('users.roles.field.code')}</th>
                    <th scope="col">{t('users.roles.field.name')}</th>
                    <th scope="col">{t('users.roles.field.permissions')}</th>
                    <th scope="col">{t('users.roles.field.mfaRequired')}</th>
                    <th scope="col">{t('users.roles.field.holders')}</th>
                    <th scope="col">{t('common.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.id}>
                      <td>
                        {r.code}
                        {r.isSystem && (
                          <>
                            {' '}
                            <span className="badge">{t('users.roles.system')}</span>
                          </>
                        )}
                      </td>
                      <th scope="row">
                        {r.name}
                        {r.description && <div className="meta">{r.description}</div>}
                      </th>
                      <td>{r.permissions.join(', ') || t('common.none')}</td>
                      <td>{r.mfaRequired ? t('common.yes') : t('common.no')}</td>
                      <td>{t('users.roles.holderCounts', { users: r.userCount, clients: r.clientCount })}</td>
                      <td>
                        <div className="actions">
                          <Link to={`/users/roles/${r.id}/edit`} aria-label={t('users.roles.editNamed', { code: r.code })}>
                            {t('common.edit')}
                          </Link>
                          {!r.isSystem && (
                            <ConfirmAction
                              label={t('users.roles.delete')}
                              ariaLabel={t('users.roles.deleteNamed', { code: r.code })}
                              title={t('users.roles.deleteTitle', { name: r.name, code: r.code })}
                              danger
                              run={(api) => api.delete(`/api/v1/roles/${r.id}`)}
                              invalidate={['/api/v1/roles']}
                            >
                              <p>
                                {r.userCount + r.clientCount > 0
                                  ? t('users.roles.deleteHeld', { users: r.userCount, clients: r.clientCount })
                                  : t('users.roles.deleteBody')}
                              </p>
                            </ConfirmAction>
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </>
  );
}
