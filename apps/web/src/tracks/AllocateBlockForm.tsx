import type { DeviceView } from '@app/schemas/device';
import type { SiteView } from '@app/schemas/seller';
import { type AllocateInput, allocateBody, type BlockView, type TrackView } from '@app/schemas/track';
import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../api/errors.ts';
import { useApiMutation } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field, SelectField } from '../ui/Field.tsx';
import { useZodForm } from '../ui/form.ts';
import { ApiProblem } from './ApiProblem.tsx';

/** Our words for the allocation's own refusals (docs/error-codes.md). */
export const ALLOCATE_ERRORS: Readonly<Record<string, MessageKey>> = {
  BLOCK_OVERLAP: 'tracks.error.BLOCK_OVERLAP',
  BLOCK_OUTSIDE_RANGE: 'tracks.error.BLOCK_OUTSIDE_RANGE',
  NO_FREE_NUMBERS: 'tracks.error.NO_FREE_NUMBERS',
  NOT_FOUND: 'tracks.error.NOT_FOUND',
};

const EMPTY = { siteId: '', deviceId: '', booklets: '', beginNo: '' };
type Values = typeof EMPTY;

/** The form's strings as the API's body: empty optional fields left out, the booklet count a number. */
const toInput = (v: Values) => ({
  siteId: v.siteId === '' ? undefined : v.siteId.trim(),
  ...(v.deviceId.trim() ? { deviceId: v.deviceId.trim() } : {}),
  booklets: v.booklets.trim() === '' ? undefined : Number(v.booklets.trim()),
  ...(v.beginNo.trim() ? { beginNo: v.beginNo.trim() } : {}),
});

/**
 * Allocate whole booklets (50 numbers each) of the range to a site, and optionally one of its devices. There
 * is no way to take a block back, so the allocation is confirmed first.
 */
export function AllocateBlockForm({
  track,
  sites,
  devices,
  devicesError,
}: {
  track: TrackView;
  sites: SiteView[];
  /** The site's devices, or null when the user may not list devices (then the ID is typed). */
  devices: DeviceView[] | null;
  devicesError: unknown;
}) {
  const { t, format } = useI18n();
  const n = format.number;
  const headingId = useId();
  const form = useZodForm(allocateBody, EMPTY, toInput);
  const [pending, setPending] = useState<AllocateInput | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [done, setDone] = useState<BlockView | null>(null);
  const allocate = useApiMutation(
    (api, body: AllocateInput) => api.post<BlockView>(`/api/v1/tracks/${track.id}/blocks`, body),
    ['/api/v1/tracks'],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    setProblem(null);
    const body = form.validate();
    if (body) setPending(body);
  };

  const confirm = () => {
    if (!pending) return;
    allocate.mutate(pending, {
      onSuccess: (block) => {
        setPending(null);
        setDone(block);
        form.reset();
      },
      onError: (err) => {
        setPending(null);
        setProblem(err);
        if (err instanceof ApiError && Object.keys(err.fieldErrors()).length > 0) form.fromApi(err);
      },
    });
  };

  const siteLabel = (id: string) => {
    const s = sites.find((x) => x.id === id);
    return s ? `${s.name} (${s.code})` : id;
  };
  const siteDevices = (devices ?? []).filter((d) => d.siteId === form.values.siteId);
  const deviceLabel = (id: string) => {
    const d = devices?.find((x) => x.id === id);
    return d ? `${d.name} (${d.deviceCode})` : id;
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('tracks.allocate.title')}</h2>
      <p className="meta">
        {t('tracks.allocate.free', { count: n(track.unallocated), booklets: n(Math.floor(track.unallocated / 50)) })}
      </p>
      <form onSubmit={submit} noValidate className="narrow-form">
        <SelectField
          label={t('tracks.site')}
          options={[
            { value: '', label: t('tracks.allocate.chooseSite') },
            ...sites.map((s) => ({ value: s.id, label: `${s.name} (${s.code})` })),
          ]}
          {...form.field('siteId')}
          onChange={(e) => {
            form.set('siteId', e.target.value);
            form.set('deviceId', '');
          }}
        />
        {devices ? (
          <SelectField
            label={t('tracks.device')}
            hint={t('tracks.allocate.deviceHint')}
            options={[
              { value: '', label: t('tracks.device.any') },
              ...siteDevices.map((d) => ({ value: d.id, label: `${d.name} (${d.deviceCode})` })),
            ]}
            {...form.field('deviceId')}
          />
        ) : (
          <Field
            label={t('tracks.allocate.deviceId')}
            hint={t('tracks.allocate.deviceIdHint')}
            autoComplete="off"
            {...form.field('deviceId')}
          />
        )}
        {devicesError ? <p role="alert">{t('tracks.devicesError', { message: errorText(t, devicesError) })}</p> : null}
        <Field
          label={t('tracks.booklets')}
          hint={t('tracks.allocate.bookletsHint')}
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          {...form.field('booklets')}
        />
        <Field
          label={t('tracks.allocate.beginNo')}
          hint={t('tracks.allocate.beginNoHint', { begin: track.beginNo, end: track.endNo })}
          inputMode="numeric"
          maxLength={8}
          autoComplete="off"
          {...form.field('beginNo')}
        />
        {form.formError && !problem && (
          <p role="alert" className="form-error">
            {form.formError}
          </p>
        )}
        {problem ? <ApiProblem error={problem} texts={ALLOCATE_ERRORS} title={t('tracks.allocate.failed')} /> : null}
        {done && (
          <p role="status" className="badge good">
            {t('tracks.allocate.done', {
              begin: done.beginNo,
              end: done.endNo,
              count: n(done.size),
              site: siteLabel(done.siteId),
            })}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary">
            {t('tracks.allocate.submit')}
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={pending !== null}
        title={t('tracks.allocate.confirmTitle')}
        confirmLabel={t('tracks.allocate.confirm')}
        busy={allocate.isPending}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        {pending && (
          <>
            <p>
              {t('tracks.allocate.confirmText', {
                track: track.track,
                booklets: n(pending.booklets),
                count: n(pending.booklets * 50),
                site: siteLabel(pending.siteId),
              })}
            </p>
            <dl className="props">
              <dt>{t('tracks.device')}</dt>
              <dd>{pending.deviceId ? deviceLabel(pending.deviceId) : t('tracks.device.any')}</dd>
              <dt>{t('tracks.allocate.beginNo')}</dt>
              <dd>{pending.beginNo ?? t('tracks.allocate.lowestFree')}</dd>
            </dl>
            <p>{t('tracks.allocate.irreversible')}</p>
          </>
        )}
      </ConfirmDialog>
    </section>
  );
}
