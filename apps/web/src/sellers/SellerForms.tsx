import {
  type CreateSellerInput,
  createSellerBody,
  type SellerView,
  type UpdateSellerInput,
  updateSellerBody,
} from '@app/schemas/seller';
import { useRef } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { RequirePermission } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { Field } from '../ui/Field.tsx';
import { FormError, SaveButton } from '../ui/FormParts.tsx';
import { type FieldBinding, formSubmit, useFocusFirstError, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';

const EMPTY = {
  ban: '',
  name: '',
  address: '',
  personInCharge: '',
  telephone: '',
  email: '',
  turnkeyRoutingId: '',
  qrAesKey: '',
  certificateExpiresAt: '',
};

/** Register a seller (POST /api/v1/sellers); the BAN's checksum is checked by the API. */
export function SellerCreatePage() {
  return (
    <RequirePermission permission="seller.manage">
      <SellerCreateForm />
    </RequirePermission>
  );
}

function SellerCreateForm() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const form = useZodForm(createSellerBody, EMPTY);
  useFocusFirstError(ref, form.errors);
  const create = useApiMutation(
    (api, body: CreateSellerInput) => api.post<SellerView>('/api/v1/sellers', body),
    ['/api/v1/sellers'],
  );

  const submit = formSubmit(form, create.mutateAsync, (seller) => navigate(`/sellers/${seller.id}`));

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h1>{t('sellers.createTitle')}</h1>
      <p>
        <Link to="/sellers">{t('sellers.backToList')}</Link>
      </p>
      <FormError message={form.formError} />
      <Field label={t('sellers.field.ban')} inputMode="numeric" maxLength={8} {...form.field('ban')} />
      <SellerFields form={form} />
      <Field
        label={t('sellers.field.qrAesKey')}
        type="password"
        autoComplete="off"
        spellCheck={false}
        hint={t('sellers.qr.hint')}
        {...form.field('qrAesKey')}
      />
      <div className="actions">
        <SaveButton pending={create.isPending} label={t('sellers.create')} />
        <Link to="/sellers">{t('common.cancel')}</Link>
      </div>
    </form>
  );
}

type SellerStrings = Omit<typeof EMPTY, 'ban' | 'qrAesKey'>;

/** The fields a seller's create and edit forms share. */
function SellerFields({ form }: { form: { field: (name: keyof SellerStrings) => FieldBinding } }) {
  const { t } = useI18n();
  return (
    <>
      <Field label={t('sellers.field.name')} maxLength={60} {...form.field('name')} />
      <Field label={t('sellers.field.address')} maxLength={100} {...form.field('address')} />
      <Field label={t('sellers.field.personInCharge')} maxLength={30} {...form.field('personInCharge')} />
      <Field label={t('sellers.field.telephone')} type="tel" maxLength={26} {...form.field('telephone')} />
      <Field label={t('sellers.field.email')} type="email" maxLength={400} {...form.field('email')} />
      <Field label={t('sellers.field.turnkeyRoutingId')} maxLength={64} {...form.field('turnkeyRoutingId')} />
      <Field
        label={t('sellers.field.certificateExpiresAt')}
        type="date"
        hint={t('sellers.cert.hint')}
        {...form.field('certificateExpiresAt')}
      />
    </>
  );
}

const NULLABLE = ['personInCharge', 'telephone', 'email', 'turnkeyRoutingId', 'certificateExpiresAt'] as const;

const stringsOf = (s: SellerView): SellerStrings => ({
  name: s.name,
  address: s.address,
  personInCharge: s.personInCharge ?? '',
  telephone: s.telephone ?? '',
  email: s.email ?? '',
  turnkeyRoutingId: s.turnkeyRoutingId ?? '',
  certificateExpiresAt: s.certificateExpiresAt ?? '',
});

/** Only the fields the user changed; an emptied optional field is cleared (null). */
function changes(initial: SellerStrings, values: SellerStrings): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of Object.keys(initial) as (keyof SellerStrings)[]) {
    if (values[k] === initial[k]) continue;
    out[k] = (NULLABLE as readonly string[]).includes(k) && values[k].trim() === '' ? null : values[k];
  }
  return out;
}

/** Edit a seller's details (PATCH /api/v1/sellers/:id); status and the QR key have their own actions. */
export function SellerEditPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<SellerView>(`/api/v1/sellers/${id}`);
  return (
    <RequirePermission permission="seller.manage">
      <QueryState query={query}>{(seller) => <SellerEditForm seller={seller} />}</QueryState>
    </RequirePermission>
  );
}

function SellerEditForm({ seller }: { seller: SellerView }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const initial = stringsOf(seller);
  const form = useZodForm(updateSellerBody, initial, (v) => changes(initial, v));
  useFocusFirstError(ref, form.errors);
  const update = useApiMutation(
    (api, body: UpdateSellerInput) => api.patch<SellerView>(`/api/v1/sellers/${seller.id}`, body),
    ['/api/v1/sellers'],
  );
  const back = `/sellers/${seller.id}`;

  const leave = () => navigate(back);
  const submit = formSubmit(form, update.mutateAsync, leave, { unchanged: leave });

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h1>{t('sellers.editTitle', { name: seller.name })}</h1>
      <p className="meta">{t('sellers.banLine', { ban: seller.ban })}</p>
      <FormError message={form.formError} />
      <SellerFields form={form} />
      <div className="actions">
        <SaveButton pending={update.isPending} />
        <Link to={back}>{t('common.cancel')}</Link>
      </div>
    </form>
  );
}
