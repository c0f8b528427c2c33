import {
  type CreateSiteInput,
  createSiteBody,
  type SellerView,
  type SiteView,
  type UpdateSiteInput,
  updateSiteBody,
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

/** Add a site to a seller (POST /api/v1/sellers/:id/sites). */
export function SiteCreatePage() {
  const { id = '' } = useParams();
  const seller = useApiQuery<SellerView>(`/api/v1/sellers/${id}`);
  return (
    <RequirePermission permission="seller.manage">
      <QueryState query={seller}>{(s) => <SiteCreateForm seller={s} />}</QueryState>
    </RequirePermission>
  );
}

function SiteCreateForm({ seller }: { seller: SellerView }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const form = useZodForm(createSiteBody, { code: '', name: '', address: '', branchBan: '' });
  useFocusFirstError(ref, form.errors);
  const create = useApiMutation(
    (api, body: CreateSiteInput) => api.post<SiteView>(`/api/v1/sellers/${seller.id}/sites`, body),
    ['/api/v1/sellers'],
  );
  const back = `/sellers/${seller.id}`;

  const submit = formSubmit(form, create.mutateAsync, () => navigate(back));

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h1>{t('sellers.sites.createTitle', { name: seller.name })}</h1>
      <FormError message={form.formError} />
      <Field label={t('sellers.site.code')} maxLength={32} hint={t('sellers.site.codeHint')} {...form.field('code')} />
      <SiteFields form={form} />
      <div className="actions">
        <SaveButton pending={create.isPending} label={t('sellers.sites.create')} />
        <Link to={back}>{t('common.cancel')}</Link>
      </div>
    </form>
  );
}

/** The fields a site's create and edit forms share. */
function SiteFields({ form }: { form: { field: (name: keyof SiteStrings) => FieldBinding } }) {
  const { t } = useI18n();
  return (
    <>
      <Field label={t('sellers.site.name')} maxLength={60} {...form.field('name')} />
      <Field label={t('sellers.site.address')} maxLength={100} {...form.field('address')} />
      <Field
        label={t('sellers.site.branchBan')}
        inputMode="numeric"
        maxLength={8}
        hint={t('sellers.site.branchBanHint')}
        {...form.field('branchBan')}
      />
    </>
  );
}

/** Edit a site's name, address and branch BAN (PATCH /api/v1/sites/:id). */
export function SiteEditPage() {
  const { id = '', siteId = '' } = useParams();
  const { t } = useI18n();
  const sites = useApiQuery<{ items: SiteView[] }>(`/api/v1/sellers/${id}/sites`);
  return (
    <RequirePermission permission="seller.manage">
      <QueryState query={sites}>
        {(data) => {
          const site = data.items.find((s) => s.id === siteId);
          return site ? <SiteEditForm site={site} /> : <p role="alert">{t('sellers.site.notFound')}</p>;
        }}
      </QueryState>
    </RequirePermission>
  );
}

type SiteStrings = { name: string; address: string; branchBan: string };

function SiteEditForm({ site }: { site: SiteView }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const ref = useRef<HTMLFormElement>(null);
  const initial: SiteStrings = { name: site.name, address: site.address ?? '', branchBan: site.branchBan ?? '' };
  const form = useZodForm(updateSiteBody, initial, (v) => {
    const out: Record<string, string | null> = {};
    if (v.name !== initial.name) out.name = v.name;
    if (v.address !== initial.address) out.address = v.address.trim() === '' ? null : v.address;
    if (v.branchBan !== initial.branchBan) out.branchBan = v.branchBan.trim() === '' ? null : v.branchBan.trim();
    return out;
  });
  useFocusFirstError(ref, form.errors);
  const update = useApiMutation(
    (api, body: UpdateSiteInput) => api.patch<SiteView>(`/api/v1/sites/${site.id}`, body),
    ['/api/v1/sellers'],
  );
  const back = `/sellers/${site.sellerId}`;

  const leave = () => navigate(back);
  const submit = formSubmit(form, update.mutateAsync, leave, { unchanged: leave });

  return (
    <form ref={ref} noValidate onSubmit={submit} className="card">
      <h1>{t('sellers.site.editTitle', { name: site.name, code: site.code })}</h1>
      <FormError message={form.formError} />
      <SiteFields form={form} />
      <div className="actions">
        <SaveButton pending={update.isPending} />
        <Link to={back}>{t('common.cancel')}</Link>
      </div>
    </form>
  );
}
