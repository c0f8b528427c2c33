import {
  type CreateDeviceInput,
  createDeviceBody,
  type DeviceView,
  deviceKind,
  type UpdateDeviceInput,
  updateDeviceBody,
} from '@app/schemas/device';
import { useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Field, SelectField } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { dropEmpty, type FieldBinding, formSubmit, useFocusFirstError, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { kindLabel } from './DeviceList.tsx';
import { SitePicker } from './places.tsx';

function KindField(props: FieldBinding) {
  const { t } = useI18n();
  return (
    <SelectField
      label={t('devices.field.kind')}
      options={deviceKind.options.map((k) => ({ value: k, label: t(kindLabel(k)) }))}
      {...props}
    />
  );
}

/** The device's site, chosen through its seller (the seller only narrows the sites; it is not sent). */
function PlaceField({
  form,
}: {
  form: {
    values: { sellerId: string; siteId: string };
    errors: Record<string, string>;
    set: (name: 'sellerId' | 'siteId', value: string) => void;
  };
}) {
  const { t } = useI18n();
  return (
    <SitePicker
      sellerId={form.values.sellerId}
      siteId={form.values.siteId}
      onSeller={(id) => {
        form.set('sellerId', id);
        form.set('siteId', '');
      }}
      onSite={(id) => form.set('siteId', id)}
      empty={t('devices.places.choose')}
      siteError={form.errors.siteId}
      activeOnly
    />
  );
}

/** Register a device at a site (POST /api/v1/devices); the site is chosen through its seller. */
export function DeviceCreatePage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  // sellerId only narrows the site select; it is not part of the body.
  const form = useZodForm(
    createDeviceBody,
    { deviceCode: '', name: '', kind: 'pos', sellerId: '', siteId: '' },
    ({ sellerId: _, ...v }) => dropEmpty(v),
  );
  useFocusFirstError(ref, form.errors);
  const create = useApiMutation(
    (api, body: CreateDeviceInput) => api.post<DeviceView>('/api/v1/devices', body),
    ['/api/v1/devices'],
  );

  const submit = formSubmit(form, create.mutateAsync, (device) =>
    navigate(`/devices/${device.id}`, { state: { created: true } }),
  );

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h1>{t('devices.createTitle')}</h1>
      <p>
        <Link to="/devices">{t('devices.backToList')}</Link>
      </p>
      <FormError message={form.formError} />
      <Field label={t('devices.field.deviceCode')} maxLength={64} hint={t('devices.codeHint')} {...form.field('deviceCode')} />
      <Field label={t('devices.field.name')} maxLength={60} {...form.field('name')} />
      <KindField {...form.field('kind')} />
      <PlaceField form={form} />
      <div className="actions">
        <SaveButton pending={create.isPending} label={t('devices.create')} />
        <Link to="/devices">{t('common.cancel')}</Link>
      </div>
    </form>
  );
}

/** Rename a device, change its kind or move it to another site (PATCH /api/v1/devices/:id). */
export function DeviceEditPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<DeviceView>(`/api/v1/devices/${id}`);
  const { t } = useI18n();
  return (
    <QueryState query={query}>
      {(device) => (device.revokedAt ? <p role="alert">{t('devices.revokedNoEdit')}</p> : <DeviceEditForm device={device} />)}
    </QueryState>
  );
}

function DeviceEditForm({ device }: { device: DeviceView }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const initial = {
    name: device.name,
    kind: device.kind as string,
    sellerId: device.sellerId ?? '',
    siteId: device.siteId ?? '',
  };
  const form = useZodForm(updateDeviceBody, initial, (v) => {
    const out: Record<string, string> = {};
    if (v.name !== initial.name) out.name = v.name;
    if (v.kind !== initial.kind) out.kind = v.kind;
    // An emptied site select is sent as '' so the schema says what is wrong with it.
    if (v.siteId !== initial.siteId) out.siteId = v.siteId;
    return out;
  });
  useFocusFirstError(ref, form.errors);
  const update = useApiMutation(
    (api, body: UpdateDeviceInput) => api.patch<DeviceView>(`/api/v1/devices/${device.id}`, body),
    ['/api/v1/devices'],
  );
  const back = `/devices/${device.id}`;

  const leave = () => navigate(back);
  const submit = formSubmit(form, update.mutateAsync, leave, { unchanged: leave });

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h1>{t('devices.editTitle', { code: device.deviceCode })}</h1>
      <FormError message={form.formError} />
      <Field label={t('devices.field.name')} maxLength={60} {...form.field('name')} />
      <KindField {...form.field('kind')} />
      <PlaceField form={form} />
      <div className="actions">
        <SaveButton pending={update.isPending} />
        <Link to={back}>{t('common.cancel')}</Link>
      </div>
    </form>
  );
}
