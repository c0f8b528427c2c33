import { qrKeyBody, type SellerView, type SiteView } from '@app/schemas/seller';
import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field } from '../ui/Field.tsx';
import { formSubmit, useZodForm } from '../ui/form.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { CertificateExpiry, StatusBadge } from './cert.tsx';

/** One seller: its details, its actions (edit, QR key, disable/enable) and its sites. */
export function SellerDetailPage() {
  const { id = '' } = useParams();
  const query = useApiQuery<SellerView>(`/api/v1/sellers/${id}`);
  return <QueryState query={query}>{(seller) => <SellerDetail seller={seller} />}</QueryState>;
}

function SellerDetail({ seller }: { seller: SellerView }) {
  const { t } = useI18n();
  const can = useCan();
  const manage = can('seller.manage');
  const none = t('common.none');
  const detailsId = useId();
  return (
    <>
      <p>
        <Link to="/sellers">{t('sellers.backToList')}</Link>
      </p>
      <h1>{seller.name}</h1>
      <section className="card" aria-labelledby={detailsId}>
        <h2 id={detailsId}>{t('common.details')}</h2>
        <dl className="props">
          <dt>{t('sellers.field.ban')}</dt>
          <dd>{seller.ban}</dd>
          <dt>{t('sellers.field.status')}</dt>
          <dd>
            <StatusBadge status={seller.status} />
          </dd>
          <dt>{t('sellers.field.address')}</dt>
          <dd>{seller.address}</dd>
          <dt>{t('sellers.field.personInCharge')}</dt>
          <dd>{seller.personInCharge ?? none}</dd>
          <dt>{t('sellers.field.telephone')}</dt>
          <dd>{seller.telephone ?? none}</dd>
          <dt>{t('sellers.field.email')}</dt>
          <dd>{seller.email ?? none}</dd>
          <dt>{t('sellers.field.turnkeyRoutingId')}</dt>
          <dd>{seller.turnkeyRoutingId ?? none}</dd>
          <dt>{t('sellers.field.certificateExpiresAt')}</dt>
          <dd>
            <CertificateExpiry date={seller.certificateExpiresAt} />
          </dd>
          <dt>{t('sellers.field.qrKey')}</dt>
          <dd>
            {seller.qrKeySet ? (
              t('sellers.qr.set', { fingerprint: seller.qrKeyFingerprint ?? none })
            ) : (
              <span className="badge warn">{t('sellers.qr.notSet')}</span>
            )}
          </dd>
          <dt>{t('sellers.field.updatedAt')}</dt>
          <dd>
            <Time value={seller.updatedAt} />
          </dd>
        </dl>
        {manage && (
          <div className="actions">
            <Link to={`/sellers/${seller.id}/edit`}>{t('common.edit')}</Link>
            <QrKeyAction seller={seller} />
            <SellerStatusAction seller={seller} />
          </div>
        )}
      </section>
      <Sites seller={seller} manage={manage} />
    </>
  );
}

/** Set or replace the QR AES key, typed into a confirm dialog; the key itself is never shown back. */
function QrKeyAction({ seller }: { seller: SellerView }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const form = useZodForm(qrKeyBody, { qrAesKey: '' });
  const save = useApiMutation(
    (api, body: { qrAesKey: string }) => api.put<SellerView>(`/api/v1/sellers/${seller.id}/qr-key`, body),
    ['/api/v1/sellers'],
  );
  const close = () => {
    form.reset();
    save.reset();
    setOpen(false);
  };
  const confirm = formSubmit(form, save.mutateAsync, close);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        {seller.qrKeySet ? t('sellers.qr.replace') : t('sellers.qr.setAction')}
      </button>
      <ConfirmDialog
        open={open}
        title={
          seller.qrKeySet ? t('sellers.qr.replaceTitle', { name: seller.name }) : t('sellers.qr.setTitle', { name: seller.name })
        }
        confirmLabel={t('sellers.qr.save')}
        busy={save.isPending}
        error={form.formError}
        onConfirm={() => void confirm()}
        onCancel={close}
      >
        <p>
          {seller.qrKeySet
            ? t('sellers.qr.replaceWarning', { fingerprint: seller.qrKeyFingerprint ?? '—' })
            : t('sellers.qr.setInfo')}
        </p>
        <Field
          label={t('sellers.field.qrAesKey')}
          type="password"
          autoComplete="off"
          spellCheck={false}
          maxLength={32}
          hint={t('sellers.qr.hint')}
          {...form.field('qrAesKey')}
        />
      </ConfirmDialog>
    </>
  );
}

/** Disable or enable the seller, after a confirm. */
function SellerStatusAction({ seller }: { seller: SellerView }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const next = seller.status === 'active' ? 'disabled' : 'active';
  const change = useApiMutation(
    (api, status: 'active' | 'disabled') => api.patch<SellerView>(`/api/v1/sellers/${seller.id}`, { status }),
    ['/api/v1/sellers'],
  );
  return (
    <>
      <button
        type="button"
        className={next === 'disabled' ? 'danger' : undefined}
        onClick={() => {
          change.reset();
          setOpen(true);
        }}
      >
        {next === 'disabled' ? t('sellers.disable') : t('sellers.enable')}
      </button>
      <ConfirmDialog
        open={open}
        title={
          next === 'disabled' ? t('sellers.disableTitle', { name: seller.name }) : t('sellers.enableTitle', { name: seller.name })
        }
        confirmLabel={next === 'disabled' ? t('sellers.disable') : t('sellers.enable')}
        danger={next === 'disabled'}
        busy={change.isPending}
        error={change.error ? errorText(t, change.error) : null}
        onConfirm={() => change.mutate(next, { onSuccess: () => setOpen(false) })}
        onCancel={() => setOpen(false)}
      >
        <p>{next === 'disabled' ? t('sellers.disableBody') : t('sellers.enableBody')}</p>
      </ConfirmDialog>
    </>
  );
}

/** The seller's sites (GET /api/v1/sellers/:id/sites), with create, edit and disable/enable. */
function Sites({ seller, manage }: { seller: SellerView; manage: boolean }) {
  const { t } = useI18n();
  const headingId = useId();
  const query = useApiQuery<{ items: SiteView[]; nextCursor?: string | null }>(`/api/v1/sellers/${seller.id}/sites`);
  const none = t('common.none');
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('sellers.sites.title')}</h2>
      {manage && (
        <p className="actions">
          <Link to={`/sellers/${seller.id}/sites/new`}>{t('sellers.sites.create')}</Link>
        </p>
      )}
      <QueryState query={query} loading={t('sellers.sites.loading')}>
        {(data) =>
          data.items.length === 0 ? (
            <p>{t('sellers.sites.empty')}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption>{t('sellers.sites.caption', { name: seller.name })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('sellers.site.code')}</th>
                    <th scope="col">{t('sellers.site.name')}</th>
                    <th scope="col">{t('sellers.site.address')}</th>
                    <th scope="col">{t('sellers.site.branchBan')}</th>
                    <th scope="col">{t('sellers.field.status')}</th>
                    {manage && <th scope="col">{t('common.actions')}</th>}
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((s) => (
                    <tr key={s.id}>
                      <td>{s.code}</td>
                      <th scope="row">{s.name}</th>
                      <td>{s.address ?? none}</td>
                      <td>{s.branchBan ?? none}</td>
                      <td>
                        <StatusBadge status={s.status} />
                      </td>
                      {manage && (
                        <td>
                          <div className="actions">
                            <Link
                              to={`/sellers/${seller.id}/sites/${s.id}/edit`}
                              aria-label={t('sellers.site.editNamed', { code: s.code })}
                            >
                              {t('common.edit')}
                            </Link>
                            <SiteStatusAction site={s} />
                          </div>
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </section>
  );
}

function SiteStatusAction({ site }: { site: SiteView }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const next = site.status === 'active' ? 'disabled' : 'active';
  const change = useApiMutation(
    (api, status: 'active' | 'disabled') => api.patch<SiteView>(`/api/v1/sites/${site.id}`, { status }),
    ['/api/v1/sellers'],
  );
  const label = next === 'disabled' ? t('sellers.site.disable') : t('sellers.site.enable');
  const name = `${site.name} (${site.code})`;
  return (
    <>
      <button
        type="button"
        className={next === 'disabled' ? 'danger' : undefined}
        aria-label={`${label} ${site.code}`}
        onClick={() => {
          change.reset();
          setOpen(true);
        }}
      >
        {label}
      </button>
      <ConfirmDialog
        open={open}
        title={next === 'disabled' ? t('sellers.site.disableTitle', { name }) : t('sellers.site.enableTitle', { name })}
        confirmLabel={label}
        danger={next === 'disabled'}
        busy={change.isPending}
        error={change.error ? errorText(t, change.error) : null}
        onConfirm={() => change.mutate(next, { onSuccess: () => setOpen(false) })}
        onCancel={() => setOpen(false)}
      >
        <p>{next === 'disabled' ? t('sellers.site.disableBody') : t('sellers.site.enableBody')}</p>
      </ConfirmDialog>
    </>
  );
}
