import { type DataScopeInput, dataScope } from '@app/schemas/role';
import { type CreateUserInput, createUserBody, type UpdateUserInput, type UserDetail, updateUserBody } from '@app/schemas/user';
import { useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { dropEmpty, formSubmit, useFocusFirstError, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { ScopeEditor } from './scope.tsx';
import { errorUnder, RoleChecks } from './shared.tsx';

const NO_SCOPE: DataScopeInput = { all: false, sellers: [], sites: [] };

/** Create a user (POST /api/v1/users): account, first password, roles and data scope. */
export function UserCreatePage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const [roles, setRoles] = useState<string[]>([]);
  const [scope, setScope] = useState<DataScopeInput>(NO_SCOPE);
  const form = useZodForm(createUserBody, { username: '', displayName: '', email: '', password: '' }, (v) => ({
    ...dropEmpty(v),
    // The password is sent as typed (spaces count); only an empty one is left out.
    ...(v.password ? { password: v.password } : {}),
    roles,
    scope,
  }));
  useFocusFirstError(ref, form.errors);
  const create = useApiMutation((api, body: CreateUserInput) => api.post<UserDetail>('/api/v1/users', body), ['/api/v1/users']);

  const submit = formSubmit(form, create.mutateAsync, (user) => navigate(`/users/${user.id}`));

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h2>{t('users.users.createTitle')}</h2>
      <FormError message={form.formError} />
      <Field
        label={t('users.field.username')}
        autoComplete="off"
        maxLength={64}
        hint={t('users.usernameHint')}
        {...form.field('username')}
      />
      <Field label={t('users.field.displayName')} maxLength={128} {...form.field('displayName')} />
      <Field label={t('users.field.email')} type="email" maxLength={254} {...form.field('email')} />
      <Field
        label={t('users.field.password')}
        type="password"
        autoComplete="new-password"
        hint={t('users.passwordHint')}
        {...form.field('password')}
      />
      <RoleChecks value={roles} onChange={setRoles} error={errorUnder(form.errors, 'roles')} />
      <ScopeEditor value={scope} onChange={setScope} error={errorUnder(form.errors, 'scope')} />
      <div className="actions">
        <SaveButton pending={create.isPending} label={t('users.users.create')} />
        <Link to="/users">{t('common.cancel')}</Link>
      </div>
    </form>
  );
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Edit a user's name, e-mail and roles (PATCH /api/v1/users/:id); only what changed is sent. */
export function UserEditPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<UserDetail>(`/api/v1/users/${id}`);
  return <QueryState query={query}>{(user) => <UserEditForm user={user} />}</QueryState>;
}

function UserEditForm({ user }: { user: UserDetail }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const [roles, setRoles] = useState<string[]>(user.roles);
  const initial = { displayName: user.displayName, email: user.email ?? '' };
  const form = useZodForm(updateUserBody, initial, (v) => {
    const out: Record<string, unknown> = {};
    if (v.displayName !== initial.displayName) out.displayName = v.displayName;
    if (v.email !== initial.email) out.email = v.email.trim() === '' ? null : v.email.trim();
    if (!sameSet(roles, user.roles)) out.roles = roles;
    return out;
  });
  useFocusFirstError(ref, form.errors);
  const update = useApiMutation(
    (api, body: UpdateUserInput) => api.patch<UserDetail>(`/api/v1/users/${user.id}`, body),
    ['/api/v1/users'],
  );
  const back = `/users/${user.id}`;

  const leave = () => navigate(back);
  const submit = formSubmit(form, update.mutateAsync, leave, { unchanged: leave });

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h2>{t('users.users.editTitle', { name: user.username })}</h2>
      <FormError message={form.formError} />
      <Field label={t('users.field.displayName')} maxLength={128} {...form.field('displayName')} />
      <Field label={t('users.field.email')} type="email" maxLength={254} {...form.field('email')} />
      <RoleChecks value={roles} onChange={setRoles} error={errorUnder(form.errors, 'roles')} />
      <div className="actions">
        <SaveButton pending={update.isPending} />
        <Link to={back}>{t('common.cancel')}</Link>
      </div>
    </form>
  );
}

/** Replace the data scope of a user or an API client (PUT …/:id/scope). */
export function ScopePage({ kind }: { kind: 'users' | 'clients' }) {
  const { id = '' } = useParams();
  const query = useApiQuery<{ id: string; scope: DataScopeInput; username?: string; clientId?: string }>(`/api/v1/${kind}/${id}`);
  return (
    <QueryState query={query}>
      {(subject) => (
        <ScopeForm
          kind={kind}
          id={subject.id}
          name={subject.username ?? subject.clientId ?? subject.id}
          initial={{ all: subject.scope.all, sellers: subject.scope.sellers, sites: subject.scope.sites }}
        />
      )}
    </QueryState>
  );
}

function ScopeForm({
  kind,
  id,
  name,
  initial,
}: {
  kind: 'users' | 'clients';
  id: string;
  name: string;
  initial: DataScopeInput;
}) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [scope, setScope] = useState(initial);
  const form = useZodForm(dataScope, {}, () => scope);
  const save = useApiMutation((api, body: DataScopeInput) => api.put(`/api/v1/${kind}/${id}/scope`, body), [`/api/v1/${kind}`]);
  const back = kind === 'users' ? `/users/${id}` : `/users/clients/${id}`;

  const submit = formSubmit(form, save.mutateAsync, () => navigate(back));

  return (
    <form noValidate onSubmit={submit} className="card">
      <h2>{t('users.scope.title', { name })}</h2>
      <p className="meta">{t('users.scope.intro')}</p>
      <FormError message={form.formError} />
      <ScopeEditor value={scope} onChange={setScope} error={form.errors.all ?? Object.values(form.errors)[0]} />
      <div className="actions">
        <SaveButton pending={save.isPending} label={t('users.scope.save')} />
        <Link to={back}>{t('common.cancel')}</Link>
      </div>
    </form>
  );
}
