import { type CreateRoleInput, createRoleBody, type RoleView, type UpdateRoleInput, updateRoleBody } from '@app/schemas/role';
import { useId, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useI18n } from '../i18n/index.ts';
import { Field, TextAreaField } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { formSubmit, useFocusFirstError, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { errorUnder, usePermissionLabel } from './shared.tsx';

type Permission = { code: string; description: string };

/** A new role (POST /api/v1/roles). */
export function RoleCreatePage() {
  return <RoleForm existing={null} />;
}

/** Edit a role (PATCH /api/v1/roles/:id); a built-in role's permissions are the system's and shown read-only. */
export function RoleEditPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<RoleView>(`/api/v1/roles/${id}`);
  return <QueryState query={query}>{(role) => <RoleForm existing={role} />}</QueryState>;
}

function RoleForm({ existing: role }: { existing: RoleView | null }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const permErrorId = useId();
  const label = usePermissionLabel();
  const permissions = useApiQuery<{ items: Permission[] }>('/api/v1/permissions');
  const [chosen, setChosen] = useState<string[]>(role?.permissions ?? []);
  const [mfaRequired, setMfaRequired] = useState(role?.mfaRequired ?? false);
  const readOnlyPermissions = role?.isSystem === true;

  const initial = { code: role?.code ?? '', name: role?.name ?? '', description: role?.description ?? '' };
  const form = useZodForm<typeof createRoleBody | typeof updateRoleBody, typeof initial>(
    role ? updateRoleBody : createRoleBody,
    initial,
    (v) => {
      if (!role) {
        return {
          code: v.code,
          name: v.name,
          ...(v.description.trim() ? { description: v.description } : {}),
          permissions: chosen,
          mfaRequired,
        };
      }
      const out: Record<string, unknown> = {};
      if (v.name !== role.name) out.name = v.name;
      if (v.description !== role.description) out.description = v.description;
      if (mfaRequired !== role.mfaRequired) out.mfaRequired = mfaRequired;
      const same = chosen.length === role.permissions.length && chosen.every((p) => role.permissions.includes(p));
      if (!readOnlyPermissions && !same) out.permissions = chosen;
      return out;
    },
  );
  useFocusFirstError(ref, form.errors);
  const save = useApiMutation(
    (api, body: CreateRoleInput | UpdateRoleInput) =>
      role ? api.patch<RoleView>(`/api/v1/roles/${role.id}`, body) : api.post<RoleView>('/api/v1/roles', body),
    ['/api/v1/roles', '/api/v1/users', '/api/v1/clients'],
  );

  const leave = () => navigate('/users/roles');
  const submit = formSubmit(form, save.mutateAsync, leave, { unchanged: role ? leave : undefined });

  const toggle = (code: string, on: boolean) =>
    setChosen((c) => (on ? [...c.filter((x) => x !== code), code] : c.filter((x) => x !== code)));
  const permError = errorUnder(form.errors, 'permissions');

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h2>{role ? t('users.roles.editTitle', { name: role.name, code: role.code }) : t('users.roles.createTitle')}</h2>
      <FormError message={form.formError} />
      {role ? (
        <p className="meta">{t('users.roles.codeLine', { code: role.code })}</p>
      ) : (
        <Field label={t('users.roles.field.code')} maxLength={40} hint={t('users.roles.codeHint')} {...form.field('code')} />
      )}
      <Field label={t('users.roles.field.name')} maxLength={100} {...form.field('name')} />
      <TextAreaField label={t('users.roles.field.description')} maxLength={500} rows={2} {...form.field('description')} />
      <label className="check">
        <input type="checkbox" checked={mfaRequired} onChange={(e) => setMfaRequired(e.target.checked)} />
        {t('users.roles.field.mfaRequiredLong')}
      </label>
      <fieldset className="checks" disabled={readOnlyPermissions} aria-describedby={permError ? permErrorId : undefined}>
        <legend>{t('users.roles.field.permissions')}</legend>
        {readOnlyPermissions && <p className="meta">{t('users.roles.systemPermissions')}</p>}
        {permissions.isPending && (
          <p role="status" className="loading">
            {t('users.roles.permissionsLoading')}
          </p>
        )}
        {permissions.isError && (
          <div role="alert" className="load-error">
            <p>{t('common.loadError', { message: errorText(t, permissions.error) })}</p>
            <button type="button" onClick={() => void permissions.refetch()}>
              {t('common.retry')}
            </button>
          </div>
        )}
        {(permissions.data?.items ?? []).map((p) => (
          <label key={p.code} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(p.code)}
              disabled={readOnlyPermissions}
              onChange={(e) => toggle(p.code, e.target.checked)}
            />
            {label(p.code, p.description)} <code>{p.code}</code>
          </label>
        ))}
        {permError && (
          <p id={permErrorId} className="field-error">
            {permError}
          </p>
        )}
      </fieldset>
      <div className="actions">
        <SaveButton
          pending={save.isPending}
          disabled={permissions.isPending}
          label={role ? t('common.save') : t('users.roles.create')}
        />
        <Link to="/users/roles">{t('common.cancel')}</Link>
      </div>
    </form>
  );
}
