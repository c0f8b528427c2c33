import {
  type ClientDetail,
  type CreateClientInput,
  createClientBody,
  type createdClient,
  type UpdateClientInput,
  updateClientBody,
} from '@app/schemas/client';
import type { DataScopeInput } from '@app/schemas/role';
import { useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import type { z } from 'zod';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field, SelectField } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { dropEmpty, formSubmit, useFocusFirstError, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { CLIENT_KINDS, clientKindLabel } from './ClientList.tsx';
import { ScopeEditor } from './scope.tsx';
import { errorUnder, RoleChecks, SecretOnce } from './shared.tsx';

type Created = z.infer<typeof createdClient>;

/**
 * Create a machine client (POST /api/v1/clients). The answer holds its secret, shown here once with a copy
 * button; closing it leaves nothing behind (the secret is kept only in this page's memory until then).
 * `?deviceId=` and `?kind=` prefill the form (from a device's page).
 */
export function ClientCreatePage() {
  const [created, setCreated] = useState<Created | null>(null);
  const navigate = useNavigate();
  if (created) {
    return (
      <SecretOnce
        clientId={created.clientId}
        secret={created.clientSecret}
        onDone={() => {
          const id = created.id;
          setCreated(null);
          navigate(`/users/clients/${id}`, { replace: true });
        }}
      />
    );
  }
  return <ClientCreateForm onCreated={setCreated} />;
}

function ClientCreateForm({ onCreated }: { onCreated: (c: Created) => void }) {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const ref = useRef<HTMLFormElement>(null);
  const [roles, setRoles] = useState<string[]>([]);
  const [scope, setScope] = useState<DataScopeInput>({ all: false, sellers: [], sites: [] });
  const kind = params.get('kind') ?? '';
  const form = useZodForm(
    createClientBody,
    {
      clientId: '',
      name: '',
      kind: (CLIENT_KINDS as readonly string[]).includes(kind) ? kind : 'pos',
      deviceId: params.get('deviceId') ?? '',
    },
    (v) => ({ ...dropEmpty(v), roles, scope }),
  );
  useFocusFirstError(ref, form.errors);
  const create = useApiMutation(
    (api, body: CreateClientInput) => api.post<Created>('/api/v1/clients', body),
    ['/api/v1/clients'],
  );

  const submit = formSubmit(form, create.mutateAsync, (answer) => {
    // Only the secret leaves the mutation's cache for this page's state; the cache entry is dropped.
    create.reset();
    onCreated(answer);
  });

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h2>{t('users.clients.createTitle')}</h2>
      <FormError message={form.formError} />
      <Field label={t('users.clients.field.name')} maxLength={128} {...form.field('name')} />
      <SelectField
        label={t('users.clients.field.kind')}
        options={CLIENT_KINDS.map((k) => ({ value: k, label: t(clientKindLabel(k)) }))}
        {...form.field('kind')}
      />
      <Field
        label={t('users.clients.field.clientIdOptional')}
        maxLength={64}
        spellCheck={false}
        hint={t('users.clients.clientIdHint')}
        {...form.field('clientId')}
      />
      <Field
        label={t('users.clients.field.deviceId')}
        spellCheck={false}
        hint={t('users.clients.deviceIdHint')}
        {...form.field('deviceId')}
      />
      <RoleChecks value={roles} onChange={setRoles} error={errorUnder(form.errors, 'roles')} />
      <ScopeEditor value={scope} onChange={setScope} error={errorUnder(form.errors, 'scope')} />
      <div className="actions">
        <SaveButton pending={create.isPending} label={t('users.clients.create')} />
        <Link to="/users/clients">{t('common.cancel')}</Link>
      </div>
    </form>
  );
}

/** Rename a client or change its roles (PATCH /api/v1/clients/:id); status and secret have their own actions. */
export function ClientEditPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<ClientDetail>(`/api/v1/clients/${id}`);
  return <QueryState query={query}>{(client) => <ClientEditForm client={client} />}</QueryState>;
}

function ClientEditForm({ client }: { client: ClientDetail }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const [roles, setRoles] = useState<string[]>(client.roles);
  const form = useZodForm(updateClientBody, { name: client.name }, (v) => {
    const out: Record<string, unknown> = {};
    if (v.name !== client.name) out.name = v.name;
    const same = roles.length === client.roles.length && roles.every((r) => client.roles.includes(r));
    if (!same) out.roles = roles;
    return out;
  });
  useFocusFirstError(ref, form.errors);
  const update = useApiMutation(
    (api, body: UpdateClientInput) => api.patch<ClientDetail>(`/api/v1/clients/${client.id}`, body),
    ['/api/v1/clients'],
  );
  const back = `/users/clients/${client.id}`;

  const leave = () => navigate(back);
  const submit = formSubmit(form, update.mutateAsync, leave, { unchanged: leave });

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h2>{t('users.clients.editTitle', { name: client.clientId })}</h2>
      <FormError message={form.formError} />
      <Field label={t('users.clients.field.name')} maxLength={128} {...form.field('name')} />
      <RoleChecks value={roles} onChange={setRoles} error={errorUnder(form.errors, 'roles')} />
      <div className="actions">
        <SaveButton pending={update.isPending} />
        <Link to={back}>{t('common.cancel')}</Link>
      </div>
    </form>
  );
}
