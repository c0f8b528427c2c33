import { type DeviceView, revokeDeviceBody } from '@app/schemas/device';
import { useId, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { TextAreaField } from '../ui/Field.tsx';
import { formSubmit, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { DeviceState, kindLabel } from './DeviceList.tsx';
import { useSellers, useSiteIndex } from './places.tsx';

/** One device: its details, edit, revoke, and (for user.manage) a machine client bound to it. */
export function DeviceDetailPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<DeviceView>(`/api/v1/devices/${id}`);
  return <QueryState query={query}>{(device) => <DeviceDetail device={device} />}</QueryState>;
}

function DeviceDetail({ device }: { device: DeviceView }) {
  const { t } = useI18n();
  const can = useCan();
  const headingId = useId();
  const sellers = useSellers();
  const sites = useSiteIndex(device.sellerId ? [device.sellerId] : []);
  const none = t('common.none');
  const seller = sellers.data?.items.find((s) => s.id === device.sellerId);
  const site = device.siteId ? sites.get(device.siteId) : undefined;
  const created = (useLocation().state as { created?: boolean } | null)?.created === true;
  return (
    <>
      <p>
        <Link to="/devices">{t('devices.backToList')}</Link>
      </p>
      <h1>{t('devices.detailTitle', { code: device.deviceCode })}</h1>
      {created && (
        <p role="status" className="card">
          {t('devices.created')}
        </p>
      )}
      <section className="card" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('common.details')}</h2>
        <dl className="props">
          <dt>{t('devices.field.deviceCode')}</dt>
          <dd>{device.deviceCode}</dd>
          <dt>{t('devices.field.name')}</dt>
          <dd>{device.name}</dd>
          <dt>{t('devices.field.kind')}</dt>
          <dd>{t(kindLabel(device.kind))}</dd>
          <dt>{t('devices.field.seller')}</dt>
          <dd>{seller ? `${seller.name} (${seller.ban})` : (device.sellerId ?? none)}</dd>
          <dt>{t('devices.field.site')}</dt>
          <dd>{site ? `${site.name} (${site.code})` : (device.siteId ?? none)}</dd>
          <dt>{t('devices.field.appVersion')}</dt>
          <dd>{device.appVersion ?? none}</dd>
          <dt>{t('devices.field.lastActiveAt')}</dt>
          <dd>
            <Time value={device.lastActiveAt} />
          </dd>
          <dt>{t('devices.field.state')}</dt>
          <dd>
            <DeviceState device={device} />
          </dd>
          {device.revokedAt && (
            <>
              <dt>{t('devices.field.revokedAt')}</dt>
              <dd>
                <Time value={device.revokedAt} />
              </dd>
              <dt>{t('devices.field.revokedReason')}</dt>
              <dd>{device.revokedReason ?? none}</dd>
            </>
          )}
          <dt>{t('devices.field.createdAt')}</dt>
          <dd>
            <Time value={device.createdAt} />
          </dd>
        </dl>
        {!device.revokedAt && (
          <div className="actions">
            <Link to={`/devices/${device.id}/edit`}>{t('common.edit')}</Link>
            <RevokeAction device={device} />
          </div>
        )}
      </section>
      {!device.revokedAt && (
        <section className="card" aria-labelledby={`${headingId}-client`}>
          <h2 id={`${headingId}-client`}>{t('devices.client.title')}</h2>
          <p>{t('devices.client.body')}</p>
          {can('user.manage') ? (
            <Link to={`/users/clients/new?deviceId=${encodeURIComponent(device.id)}&kind=pos`}>{t('devices.client.create')}</Link>
          ) : (
            <p className="meta">{t('devices.client.needsUserManage')}</p>
          )}
        </section>
      )}
    </>
  );
}

/** Revoke with a reason, after a confirm: cannot be undone, and the device's machine clients stop at once. */
function RevokeAction({ device }: { device: DeviceView }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const form = useZodForm(revokeDeviceBody, { reason: '' });
  const revoke = useApiMutation(
    (api, body: { reason: string }) => api.post<DeviceView>(`/api/v1/devices/${device.id}/revoke`, body),
    ['/api/v1/devices'],
  );
  const close = () => {
    form.reset();
    revoke.reset();
    setOpen(false);
  };
  const confirm = formSubmit(form, revoke.mutateAsync, close);
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {t('devices.revoke')}
      </button>
      <ConfirmDialog
        open={open}
        title={t('devices.revokeTitle', { code: device.deviceCode })}
        confirmLabel={t('devices.revoke')}
        danger
        busy={revoke.isPending}
        error={form.formError}
        onConfirm={() => void confirm()}
        onCancel={close}
      >
        <p>{t('devices.revokeBody')}</p>
        <TextAreaField label={t('devices.field.revokedReason')} maxLength={200} rows={3} {...form.field('reason')} />
      </ConfirmDialog>
    </>
  );
}
