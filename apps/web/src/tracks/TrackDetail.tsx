import type { DeviceView } from '@app/schemas/device';
import type { SiteView } from '@app/schemas/seller';
import type { BlockView, TrackView } from '@app/schemas/track';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/errors.ts';
import { useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { AllocateBlockForm } from './AllocateBlockForm.tsx';
import { InvoiceTypeLabel, NumberRange, PeriodLabel, RemainingBadge } from './parts.tsx';

/** One range (GET /api/v1/tracks/{id}) and its blocks. */
export function TrackDetail() {
  const { t } = useI18n();
  const { id = '' } = useParams();
  const track = useApiQuery<TrackView>(`/api/v1/tracks/${encodeURIComponent(id)}`);
  // Not there, or outside the caller's scope (the API answers both with 404 NOT_FOUND): say so, with a way back.
  if (track.error instanceof ApiError && track.error.status === 404 && track.data === undefined) {
    return (
      <div role="alert">
        <p>{t('tracks.notFound')}</p>
        <p className="meta">
          {t('tracks.problem.code', { code: track.error.code, status: 404, requestId: track.error.requestId ?? '—' })}
        </p>
        <Link to="/tracks">{t('tracks.backToList')}</Link>
      </div>
    );
  }
  return (
    <QueryState query={track} loading={t('tracks.loading')}>
      {(data) => <TrackBody track={data} />}
    </QueryState>
  );
}

function TrackBody({ track }: { track: TrackView }) {
  const { t, format } = useI18n();
  const can = useCan();
  const n = format.number;
  const blocks = useApiQuery<{ items: BlockView[] }>(`/api/v1/tracks/${track.id}/blocks`);
  const sites = useApiQuery<{ items: SiteView[] }>(`/api/v1/sellers/${track.sellerId}/sites`);
  const mayListDevices = can('device.manage');
  const devices = useApiQuery<{ items: DeviceView[] }>(mayListDevices ? '/api/v1/devices' : null, {
    sellerId: track.sellerId,
  });
  const siteById = useMemo(() => new Map((sites.data?.items ?? []).map((s) => [s.id, s])), [sites.data]);
  const deviceById = useMemo(() => new Map((devices.data?.items ?? []).map((d) => [d.id, d])), [devices.data]);

  return (
    <>
      <h1>
        {t('tracks.detail.title', { track: track.track })} <PeriodLabel yearMonth={track.yearMonth} />
      </h1>
      <p>
        <Link to={`/tracks?${new URLSearchParams({ sellerId: track.sellerId, yearMonth: track.yearMonth })}`}>
          {t('tracks.backToList')}
        </Link>
      </p>
      <section className="card" aria-labelledby="track-props">
        <h2 id="track-props">{t('tracks.detail.range')}</h2>
        <dl className="props">
          <dt>{t('tracks.sellerBan')}</dt>
          <dd>{track.sellerBan}</dd>
          <dt>{t('tracks.invoiceType')}</dt>
          <dd>
            <InvoiceTypeLabel type={track.invoiceType} />
          </dd>
          <dt>{t('tracks.period')}</dt>
          <dd>
            <PeriodLabel yearMonth={track.yearMonth} /> ({track.yearMonth})
          </dd>
          <dt>{t('tracks.range')}</dt>
          <dd>
            <NumberRange track={track.track} begin={track.beginNo} end={track.endNo} />
          </dd>
          <dt>{t('tracks.size')}</dt>
          <dd>{t('tracks.sizeValue', { size: n(track.size), booklets: n(track.booklets) })}</dd>
          <dt>{t('tracks.allocated')}</dt>
          <dd>{n(track.allocated)}</dd>
          <dt>{t('tracks.unallocated')}</dt>
          <dd>{n(track.unallocated)}</dd>
          <dt>{t('tracks.issued')}</dt>
          <dd>{n(track.issued)}</dd>
          <dt>{t('tracks.remaining')}</dt>
          <dd>
            {n(track.remaining)} <RemainingBadge remaining={track.remaining} size={track.size} yearMonth={track.yearMonth} />
          </dd>
          <dt>{t('tracks.importedAt')}</dt>
          <dd>
            <Time value={track.createdAt} />
            {track.importId && can('track.manage') && (
              <>
                {' '}
                <Link to={`/tracks/e0501/${track.importId}`}>{t('tracks.detail.import')}</Link>
              </>
            )}
          </dd>
        </dl>
      </section>

      <section aria-labelledby="track-blocks">
        <h2 id="track-blocks">{t('tracks.blocks')}</h2>
        {sites.isError && <p role="alert">{t('tracks.sitesError', { message: errorText(t, sites.error) })}</p>}
        <QueryState query={blocks} loading={t('tracks.blocks.loading')}>
          {(data) =>
            data.items.length === 0 ? (
              <p>{t('tracks.blocks.none')}</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <caption>{t('tracks.blocks.caption', { track: track.track })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('tracks.range')}</th>
                      <th scope="col">{t('tracks.site')}</th>
                      <th scope="col">{t('tracks.device')}</th>
                      <th scope="col">{t('tracks.nextNo')}</th>
                      <th scope="col">{t('tracks.issued')}</th>
                      <th scope="col">{t('tracks.remaining')}</th>
                      <th scope="col">{t('tracks.status')}</th>
                      <th scope="col">{t('tracks.lastIssuedAt')}</th>
                      <th scope="col">{t('tracks.allocatedAt')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.items.map((b) => {
                      const site = siteById.get(b.siteId);
                      const device = b.deviceId ? deviceById.get(b.deviceId) : undefined;
                      return (
                        <tr key={b.id}>
                          <th scope="row">
                            <NumberRange begin={b.beginNo} end={b.endNo} />
                          </th>
                          <td>{site ? `${site.name} (${site.code})` : <code>{b.siteId}</code>}</td>
                          <td>
                            {b.deviceId === null ? (
                              t('tracks.device.any')
                            ) : device ? (
                              `${device.name} (${device.deviceCode})`
                            ) : (
                              <code>{b.deviceId}</code>
                            )}
                          </td>
                          <td>{b.nextNo ?? t('tracks.block.full')}</td>
                          <td>{n(b.issued)}</td>
                          <td>
                            {n(b.remaining)}{' '}
                            {b.status === 'active' && (
                              <RemainingBadge remaining={b.remaining} size={b.size} yearMonth={track.yearMonth} />
                            )}
                          </td>
                          <td>
                            <span className={b.status === 'active' ? 'badge good' : 'badge'}>
                              {t(`tracks.block.${b.status}`)}
                            </span>
                          </td>
                          <td>
                            <Time value={b.lastIssuedAt} />
                          </td>
                          <td>
                            <Time value={b.createdAt} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )
          }
        </QueryState>
      </section>

      {can('track.manage') && (
        <AllocateBlockForm
          track={track}
          sites={(sites.data?.items ?? []).filter((s) => s.status === 'active')}
          devices={mayListDevices ? (devices.data?.items ?? []).filter((d) => !d.revokedAt) : null}
          devicesError={devices.error}
        />
      )}
    </>
  );
}
