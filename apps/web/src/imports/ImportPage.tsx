import {
  IMPORT_LOG_STATUSES,
  type ImportLogStatus,
  type ImportLogView,
  type ImportStatusView,
  type ImportView,
} from '@app/schemas/import';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { apiKey, useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { ListPage, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import type { UploadState } from './ImportUpload.tsx';
import { FINISHED, processed, StatusBadge } from './parts.tsx';

/** The log's filter (GET /api/v1/imports/{id}/logs?status=), held in the URL with its cursor. */
export const LOG_FILTERS = ['status'] as const;

const LOG_BADGE: Record<ImportLogStatus, string> = { issued: 'badge good', duplicate: 'badge', failed: 'badge bad' };

/**
 * One import: its facts, its progress while the worker runs (GET …/status every `pollIntervalMs` until it is
 * done or failed) and each invoice's outcome.
 */
export function ImportPage({ pollIntervalMs = 2000 }: { pollIntervalMs?: number }) {
  const { t } = useI18n();
  const { id = '' } = useParams();
  const location = useLocation();
  const uploaded = (location.state ?? null) as UploadState | null;
  const client = useQueryClient();
  const detailPath = `/api/v1/imports/${id}`;
  const logsPath = `/api/v1/imports/${id}/logs`;

  const detail = useApiQuery<ImportView>(detailPath);
  const running = detail.data !== undefined && !FINISHED.has(detail.data.status);
  const statusPath = `/api/v1/imports/${id}/status`;
  // The last status read (this renders again whenever it changes): stop asking once the worker is through;
  // the full record is read again then (below).
  const lastStatus = client.getQueryData<ImportStatusView>(apiKey(statusPath));
  const status = useApiQuery<ImportStatusView>(statusPath, undefined, {
    enabled: running,
    refetchInterval: lastStatus && FINISHED.has(lastStatus.status) ? false : pollIntervalMs,
  });

  // Each change of the live status (from what the record said at first, then from the last one): the log
  // has grown; at the end, read the full record again (its error and times).
  const snapshot = (v: Pick<ImportStatusView, 'status' | 'counts'>) => `${v.status}:${processed(v.counts)}:${v.counts.total}`;
  const live = running ? status.data : undefined;
  const liveKey = live ? snapshot(live) : null;
  const lastKey = useRef<string | null>(null);
  const firstKey = detail.data ? snapshot(detail.data) : null;
  useEffect(() => {
    if (liveKey === null) return;
    const before = lastKey.current ?? firstKey;
    lastKey.current = liveKey;
    if (before === liveKey) return;
    void client.invalidateQueries({ queryKey: [logsPath] });
    if (FINISHED.has(liveKey.split(':')[0] as ImportStatusView['status'])) {
      void client.invalidateQueries({ queryKey: [detailPath] });
    }
  }, [liveKey, firstKey, client, logsPath, detailPath]);

  return (
    <>
      <h1>{t('imports.detail.title')}</h1>
      <p>
        <Link to="/imports">{t('imports.backToList')}</Link>
      </p>
      {uploaded?.sameFileImportedBefore && (
        <p role="status" className="badge warn">
          {t('imports.detail.sameFile')}
        </p>
      )}
      <QueryState query={detail} loading={t('imports.detail.loading')}>
        {(view) => (
          <>
            <ImportFacts view={view} live={live ?? null} pollSeconds={pollIntervalMs / 1000} />
            {running && status.isError && (
              <p role="alert">{t('imports.detail.pollError', { message: errorText(t, status.error) })}</p>
            )}
            <ImportLogs importId={id} path={logsPath} />
          </>
        )}
      </QueryState>
    </>
  );
}

function ImportFacts({ view, live, pollSeconds }: { view: ImportView; live: ImportStatusView | null; pollSeconds: number }) {
  const { t, format } = useI18n();
  const n = format.number;
  const state = live?.status ?? view.status;
  const counts = live?.counts ?? view.counts;
  const done = processed(counts);
  const finished = FINISHED.has(state);
  return (
    <>
      <section className="card" aria-labelledby="import-progress">
        <h2 id="import-progress">{t('imports.detail.progress')}</h2>
        <p>
          <StatusBadge status={state} />{' '}
          {!finished && <span className="meta">{t('imports.detail.following', { seconds: format.number(pollSeconds) })}</span>}
        </p>
        {counts.total > 0 && (
          <p>
            <progress max={counts.total} value={done} aria-label={t('imports.detail.progressLabel')} />{' '}
            <span role="status">{t('imports.detail.processed', { done: n(done), total: n(counts.total) })}</span>
          </p>
        )}
        <dl className="counts" aria-label={t('imports.detail.counts')}>
          {(['total', 'valid', 'issued', 'duplicate', 'failed'] as const).map((k) => (
            <div key={k} className={k === 'failed' && counts.failed > 0 ? 'count warn' : 'count'}>
              <dt>{t(`imports.count.${k}`)}</dt>
              <dd>{n(counts[k])}</dd>
            </div>
          ))}
        </dl>
      </section>
      {view.error && (
        <div role="alert" className="card">
          <p>
            <strong>{t('imports.detail.failedWhole')}</strong>
          </p>
          <p>
            {view.error.message} <code>{view.error.code}</code>
          </p>
          {view.error.details !== undefined && view.error.details !== null && (
            <pre className="code">{JSON.stringify(view.error.details, null, 2)}</pre>
          )}
        </div>
      )}
      <section className="card" aria-labelledby="import-file">
        <h2 id="import-file">{t('imports.detail.file')}</h2>
        <dl className="props">
          <dt>{t('imports.filename')}</dt>
          <dd>{view.filename}</dd>
          <dt>{t('imports.upload.format')}</dt>
          <dd>{view.format === 'csv' ? 'CSV' : t('imports.format.jsonl')}</dd>
          <dt>{t('imports.upload.encoding')}</dt>
          <dd>{t(`imports.encoding.${view.encoding}`)}</dd>
          <dt>{t('imports.size')}</dt>
          <dd>{t('imports.bytes', { bytes: n(view.sizeBytes) })}</dd>
          <dt>SHA-256</dt>
          <dd>
            <code>{view.sha256}</code>
          </dd>
          <dt>{t('imports.createdBy')}</dt>
          <dd>{view.createdBy.name}</dd>
          <dt>{t('imports.createdAt')}</dt>
          <dd>
            <Time value={view.createdAt} />
          </dd>
          <dt>{t('imports.startedAt')}</dt>
          <dd>
            <Time value={view.startedAt} />
          </dd>
          <dt>{t('imports.validatedAt')}</dt>
          <dd>
            <Time value={view.validatedAt} />
          </dd>
          <dt>{t('imports.finishedAt')}</dt>
          <dd>
            <Time value={view.finishedAt} />
          </dd>
        </dl>
      </section>
    </>
  );
}

/** Each invoice's outcome in file order, filtered and paged through the URL. */
function ImportLogs({ importId, path }: { importId: string; path: string }) {
  const { t, format } = useI18n();
  const list = useListParams(LOG_FILTERS);
  const logs = useApiQuery<{ items: ImportLogView[]; nextCursor: string | null }>(path, list.query);
  return (
    <section aria-labelledby="import-logs">
      <h2 id="import-logs">{t('imports.logs.title')}</h2>
      <form className="filters" aria-label={t('common.filter')} onSubmit={(e) => e.preventDefault()}>
        <SelectField
          name="status"
          label={t('imports.logs.outcome')}
          value={list.filters.status}
          onChange={(e) => list.setFilters({ status: e.target.value })}
          options={[
            { value: '', label: t('common.all') },
            ...IMPORT_LOG_STATUSES.map((s) => ({ value: s, label: t(`imports.log.${s}`) })),
          ]}
        />
      </form>
      <QueryState query={logs} loading={t('imports.logs.loading')}>
        {(data) => (
          <ListPage list={list} page={data} empty={t('imports.logs.none')}>
            <table>
              <caption>{t('imports.logs.caption', { id: importId.slice(0, 8) })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('imports.logs.row')}</th>
                  <th scope="col">{t('imports.logs.lines')}</th>
                  <th scope="col">{t('imports.logs.ref')}</th>
                  <th scope="col">{t('imports.logs.outcome')}</th>
                  <th scope="col">{t('imports.logs.invoice')}</th>
                  <th scope="col">{t('imports.logs.error')}</th>
                  <th scope="col">{t('imports.logs.at')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((x) => (
                  <tr key={x.row}>
                    <th scope="row">{format.number(x.row)}</th>
                    <td>{x.lines.from === x.lines.to ? x.lines.from : `${x.lines.from}–${x.lines.to}`}</td>
                    <td>{x.ref ?? t('common.none')}</td>
                    <td>
                      <span className={LOG_BADGE[x.status]}>{t(`imports.log.${x.status}`)}</span>
                    </td>
                    <td>
                      {x.invoice ? (
                        <>
                          <Link to={`/invoices/${x.invoice.invoiceNumber}`}>{x.invoice.invoiceNumber}</Link>{' '}
                          <span className="meta">{x.invoice.invoiceDate}</span>
                        </>
                      ) : (
                        t('common.none')
                      )}
                    </td>
                    <td>
                      {x.error ? (
                        <>
                          <p className="import-error">
                            {x.error.message} <code>{x.error.code}</code>
                          </p>
                          {x.error.details.length > 0 && (
                            <ul className="import-error-details">
                              {x.error.details.map((d) => (
                                <li key={`${d.line}:${d.field ?? ''}:${d.column ?? ''}:${d.message}`}>
                                  {t('imports.logs.where', {
                                    line: d.line,
                                    place: d.column ?? d.field ?? t('common.none'),
                                  })}
                                  {d.message}
                                  {d.code && (
                                    <>
                                      {' '}
                                      <code>{d.code}</code>
                                    </>
                                  )}
                                </li>
                              ))}
                            </ul>
                          )}
                        </>
                      ) : (
                        t('common.none')
                      )}
                    </td>
                    <td>
                      <Time value={x.at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
    </section>
  );
}
