import type { ClientDetail, rotatedSecret } from '@app/schemas/client';
import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { z } from 'zod';
import { useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { clientKindLabel, DeviceRef } from './ClientList.tsx';
import { ScopeText } from './scope.tsx';
import { ConfirmAction, SecretOnce, StatusBadge } from './shared.tsx';

type Rotated = z.infer<typeof rotatedSecret>;
const INVALIDATE = ['/api/v1/clients'] as const;

/** One API client: details, roles, data scope; edit, rotate the secret (shown once), disable/enable. */
export function ClientDetailPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<ClientDetail>(`/api/v1/clients/${id}`);
  return <QueryState query={query}>{(client) => <ClientDetailView client={client} />}</QueryState>;
}

function ClientDetailView({ client }: { client: ClientDetail }) {
  const { t } = useI18n();
  const can = useCan();
  const id = useId();
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const path = `/api/v1/clients/${client.id}`;
  const next = client.status === 'active' ? 'disabled' : 'active';
  return (
    <>
      <p>
        <Link to="/users/clients">{t('users.clients.backToList')}</Link>
      </p>
      <h2>{t('users.clients.detailTitle', { name: client.clientId })}</h2>
      {rotated && <SecretOnce clientId={rotated.clientId} secret={rotated.clientSecret} onDone={() => setRotated(null)} />}
      <section className="card" aria-labelledby={`${id}-details`}>
        <h3 id={`${id}-details`}>{t('common.details')}</h3>
        <dl className="props">
          <dt>{t('users.clients.field.clientId')}</dt>
          <dd>
            <code>{client.clientId}</code>
          </dd>
          <dt>{t('users.clients.field.name')}</dt>
          <dd>{client.name}</dd>
          <dt>{t('users.clients.field.kind')}</dt>
          <dd>{t(clientKindLabel(client.kind))}</dd>
          <dt>{t('users.field.status')}</dt>
          <dd>
            <StatusBadge status={client.status} />
          </dd>
          <dt>{t('users.field.roles')}</dt>
          <dd>{client.roles.join(', ') || t('common.none')}</dd>
          <dt>{t('users.clients.field.device')}</dt>
          <dd>
            <DeviceRef id={client.deviceId} linked={can('device.manage')} />
          </dd>
          <dt>{t('users.clients.field.lastUsedAt')}</dt>
          <dd>
            <Time value={client.lastUsedAt} />
          </dd>
          <dt>{t('users.clients.field.secretRotatedAt')}</dt>
          <dd>
            <Time value={client.secretRotatedAt} />
          </dd>
          <dt>{t('users.field.createdAt')}</dt>
          <dd>
            <Time value={client.createdAt} />
          </dd>
        </dl>
        <div className="actions">
          <Link to={`/users/clients/${client.id}/edit`}>{t('common.edit')}</Link>
          <ConfirmAction
            label={t('users.clients.rotate')}
            title={t('users.clients.rotateTitle', { name: client.clientId })}
            danger
            run={(api) => api.post<Rotated>(`${path}/rotate-secret`)}
            invalidate={INVALIDATE}
            onDone={setRotated}
          >
            <p>{t('users.clients.rotateBody')}</p>
          </ConfirmAction>
          <ConfirmAction
            label={next === 'disabled' ? t('users.clients.disable') : t('users.clients.enable')}
            title={
              next === 'disabled'
                ? t('users.clients.disableTitle', { name: client.clientId })
                : t('users.clients.enableTitle', { name: client.clientId })
            }
            danger={next === 'disabled'}
            run={(api) => api.patch(path, { status: next })}
            invalidate={INVALIDATE}
          >
            <p>{next === 'disabled' ? t('users.clients.disableBody') : t('users.clients.enableBody')}</p>
          </ConfirmAction>
        </div>
      </section>
      <section className="card" aria-labelledby={`${id}-scope`}>
        <h3 id={`${id}-scope`}>{t('users.scope.legend')}</h3>
        <ScopeText scope={client.scope} />
        <p>
          <Link to={`/users/clients/${client.id}/scope`}>{t('users.scope.edit')}</Link>
        </p>
      </section>
    </>
  );
}
