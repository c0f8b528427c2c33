import { Link, Route, Routes, useLocation } from 'react-router';
import { useI18n } from '../i18n/index.ts';
import { ClientDetailPage } from './ClientDetail.tsx';
import { ClientCreatePage, ClientEditPage } from './ClientForms.tsx';
import { ClientList } from './ClientList.tsx';
import { RoleCreatePage, RoleEditPage } from './RoleForm.tsx';
import { RoleList } from './RoleList.tsx';
import { UserDetailPage } from './UserDetail.tsx';
import { ScopePage, UserCreatePage, UserEditPage } from './UserForms.tsx';
import { UserList } from './UserList.tsx';
import './users.css';

/** The users screens (their own sub-paths under /users): users, roles and API clients, as three tabs. */
export default function UsersArea() {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const tab = pathname.startsWith('/users/roles') ? 'roles' : pathname.startsWith('/users/clients') ? 'clients' : 'users';
  const tabs = [
    { id: 'users', to: '/users', label: t('users.tabs.users') },
    { id: 'roles', to: '/users/roles', label: t('users.tabs.roles') },
    { id: 'clients', to: '/users/clients', label: t('users.tabs.clients') },
  ] as const;
  return (
    <>
      <h1>{t('nav.users')}</h1>
      <nav aria-label={t('users.tabs.label')} className="tabs">
        <ul>
          {tabs.map((x) => (
            <li key={x.id}>
              <Link to={x.to} aria-current={tab === x.id ? 'page' : undefined}>
                {x.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <Routes>
        <Route index element={<UserList />} />
        <Route path="new" element={<UserCreatePage />} />
        <Route path="roles" element={<RoleList />} />
        <Route path="roles/new" element={<RoleCreatePage />} />
        <Route path="roles/:id/edit" element={<RoleEditPage />} />
        <Route path="clients" element={<ClientList />} />
        <Route path="clients/new" element={<ClientCreatePage />} />
        <Route path="clients/:id" element={<ClientDetailPage />} />
        <Route path="clients/:id/edit" element={<ClientEditPage />} />
        <Route path="clients/:id/scope" element={<ScopePage kind="clients" />} />
        <Route path=":id" element={<UserDetailPage />} />
        <Route path=":id/edit" element={<UserEditPage />} />
        <Route path=":id/scope" element={<ScopePage kind="users" />} />
      </Routes>
    </>
  );
}
