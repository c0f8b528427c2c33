import type { MetricsView, SystemView } from '@app/schemas/admin';
import type { ReactNode } from 'react';
import { useApiQuery } from '../api/hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { SystemNav } from './SystemNav.tsx';

/** Certificates expiring within this many days are flagged (the API mails at 30, 14, 7 and 1 day). */
export const CERT_WARN_DAYS = 30;
const REFRESH_MS = 15_000;

const CHECK_LABEL: Record<string, MessageKey> = {
  database: 'system.check.database',
  redis: 'system.check.redis',
  storage: 'system.check.storage',
  queue: 'system.check.queue',
};
const LICENSE_LABEL: Record<string, MessageKey> = {
  active: 'system.license.active',
  grace: 'system.license.grace',
  expired: 'system.license.expired',
  revoked: 'system.license.revoked',
};
const BREAKER_BADGE: Record<string, string> = { closed: 'badge good', 'half-open': 'badge warn', open: 'badge bad' };
const BREAKER_LABEL: Record<string, MessageKey> = {
  closed: 'system.breaker.closed',
  'half-open': 'system.breaker.halfOpen',
  open: 'system.breaker.open',
};

type Cert = SystemView['certificates'][number];
/** How a certificate stands: past its expiry, within the warning window, unknown, or fine. */
export function certState(c: Pick<Cert, 'daysLeft' | 'expiresAt'>): 'expired' | 'soon' | 'unknown' | 'ok' {
  if (c.daysLeft === null || c.expiresAt === null) return 'unknown';
  if (c.daysLeft < 0) return 'expired';
  if (c.daysLeft <= CERT_WARN_DAYS) return 'soon';
  return 'ok';
}

/** The system page (`ops.admin`): health, workers, versions, certificates, license and metrics, refreshed every 15 s. */
export function SystemPage({ refreshMs = REFRESH_MS }: { refreshMs?: number }) {
  const { t } = useI18n();
  const system = useApiQuery<SystemView>('/api/v1/admin/system', undefined, { refetchInterval: refreshMs });
  const metrics = useApiQuery<MetricsView>('/api/v1/admin/metrics', undefined, { refetchInterval: refreshMs });
  return (
    <div className="system">
      <h1>{t('system.title')}</h1>
      <SystemNav />
      <p className="meta">{t('system.refreshNote', { seconds: Math.round(refreshMs / 1000) })}</p>
      <QueryState query={system} loading={t('system.loading')}>
        {(s) => <SystemSections system={s} stale={system.isError} />}
      </QueryState>
      <QueryState query={metrics} loading={t('system.metricsLoading')}>
        {(m) => <MetricsSections metrics={m} stale={metrics.isError} />}
      </QueryState>
    </div>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Stale({ stale }: { stale: boolean }) {
  const { t } = useI18n();
  return stale ? <p role="alert">{t('system.stale')}</p> : null;
}

function SystemSections({ system: s, stale }: { system: SystemView; stale: boolean }) {
  const { t } = useI18n();
  const problems: string[] = [];
  for (const name of s.health.failing)
    problems.push(t('system.problem.check', { name: t(CHECK_LABEL[name] ?? 'system.check.other', { name }) }));
  if (s.workers.length === 0) problems.push(t('system.workers.none'));
  const expired = s.certificates.filter((c) => certState(c) === 'expired');
  const soon = s.certificates.filter((c) => certState(c) === 'soon');
  if (expired.length) problems.push(t('system.problem.certExpired', { count: expired.length }));
  if (soon.length) problems.push(t('system.problem.certSoon', { count: soon.length, days: CERT_WARN_DAYS }));
  if (!s.license) problems.push(t('system.problem.noLicense'));
  else if (s.license.status !== 'active')
    problems.push(t('system.problem.license', { status: t(LICENSE_LABEL[s.license.status] as MessageKey) }));

  return (
    <>
      <Stale stale={stale} />
      {problems.length > 0 && (
        <div role="alert" className="card problems">
          <h2>{t('system.problems')}</h2>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <Section id="system-health" title={t('system.health')}>
        <p>
          <span className={s.health.status === 'ok' ? 'badge good' : 'badge bad'}>
            {s.health.status === 'ok' ? t('system.health.ok') : t('system.health.degraded')}
          </span>{' '}
          <span className="meta">
            {t('system.generatedAt')} <Time value={s.generatedAt} />
          </span>
        </p>
        <div className="table-wrap">
          <table>
            <caption>{t('system.health.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('system.col.check')}</th>
                <th scope="col">{t('system.col.state')}</th>
                <th scope="col">{t('system.col.latency')}</th>
                <th scope="col">{t('system.col.error')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(s.health.checks).map(([name, c]) => (
                <tr key={name}>
                  <th scope="row">{t(CHECK_LABEL[name] ?? 'system.check.other', { name })}</th>
                  <td>
                    <span className={c.ok ? 'badge good' : 'badge bad'}>
                      {c.ok ? t('system.check.ok') : t('system.check.failing')}
                    </span>
                  </td>
                  <td>{t('system.ms', { ms: c.latencyMs })}</td>
                  <td>{c.error ?? t('common.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <WorkersSection workers={s.workers} />
      <Section id="system-version" title={t('system.version')}>
        <dl className="props">
          <dt>{t('system.version.api')}</dt>
          <dd>{s.version}</dd>
          <dt>{t('system.version.schema')}</dt>
          <dd>{s.schemaVersion ?? t('common.none')}</dd>
          <dt>{t('system.version.web')}</dt>
          <dd>{import.meta.env.VITE_APP_VERSION ?? 'dev'}</dd>
          <dt>{t('system.tenant')}</dt>
          <dd>{s.tenant.code}</dd>
        </dl>
      </Section>
      <Section id="system-certs" title={t('system.certs')}>
        {s.certificates.length === 0 ? (
          <p>{t('system.certs.none')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption>{t('system.certs.caption', { days: CERT_WARN_DAYS })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('system.col.seller')}</th>
                  <th scope="col">{t('system.col.expiresAt')}</th>
                  <th scope="col">{t('system.col.state')}</th>
                </tr>
              </thead>
              <tbody>
                {s.certificates.map((c) => (
                  <tr key={c.sellerId}>
                    <th scope="row">
                      {c.name} ({c.ban})
                    </th>
                    <td>
                      <Time value={c.expiresAt} />
                    </td>
                    <td>
                      <CertBadge cert={c} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section id="system-license" title={t('system.license')}>
        {s.license ? (
          <>
            <p>
              <span
                className={
                  s.license.status === 'active' ? 'badge good' : s.license.status === 'grace' ? 'badge warn' : 'badge bad'
                }
              >
                {t(LICENSE_LABEL[s.license.status] as MessageKey)}
              </span>
            </p>
            {s.license.status === 'grace' && (
              <p role="alert">
                {t('system.license.graceWarn', { days: Math.max(0, s.license.gracePeriodDays + s.license.daysLeft) })}
              </p>
            )}
            <dl className="props">
              <dt>{t('system.license.plan')}</dt>
              <dd>{s.license.plan}</dd>
              <dt>{t('system.col.expiresAt')}</dt>
              <dd>
                <Time value={s.license.expiresAt} />
              </dd>
              <dt>{t('system.license.daysLeft')}</dt>
              <dd>{t('system.days', { days: s.license.daysLeft })}</dd>
              <dt>{t('system.license.gracePeriod')}</dt>
              <dd>{t('system.days', { days: s.license.gracePeriodDays })}</dd>
            </dl>
          </>
        ) : (
          <p role="alert">{t('system.problem.noLicense')}</p>
        )}
      </Section>
    </>
  );
}

/** The worker processes alive now (oldest first): without one, nothing is sent to Turnkey, no webhook, no mail. */
function WorkersSection({ workers }: { workers: SystemView['workers'] }) {
  const { t, format } = useI18n();
  const paused = workers.filter((w) => w.pausedAt !== null).length;
  return (
    <Section id="system-workers" title={t('system.workers')}>
      {workers.length === 0 ? (
        <p role="alert">
          <span className="badge bad">{t('system.workers.noneBadge')}</span> {t('system.workers.none')}
        </p>
      ) : (
        <>
          <p>
            {t('system.workers.count', { count: workers.length })}
            {paused > 0 && <> · {t('system.workers.pausedCount', { count: paused })}</>}
          </p>
          <div className="table-wrap">
            <table>
              <caption>{t('system.workers.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('system.workers.id')}</th>
                  <th scope="col">{t('system.workers.startedAt')}</th>
                  <th scope="col">{t('system.workers.seenAt')}</th>
                  <th scope="col">{t('system.col.state')}</th>
                </tr>
              </thead>
              <tbody>
                {workers.map((w) => (
                  <tr key={w.id}>
                    <th scope="row">
                      <code>{w.id}</code>
                    </th>
                    <td>
                      <Time value={w.startedAt} />
                    </td>
                    <td>
                      <Time value={w.seenAt} />
                    </td>
                    <td>
                      {w.pausedAt === null ? (
                        <span className="badge good">{t('system.workers.working')}</span>
                      ) : (
                        <span className="badge warn">{t('system.workers.paused', { time: format.dateTime(w.pausedAt) })}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}

function CertBadge({ cert }: { cert: Cert }) {
  const { t } = useI18n();
  const state = certState(cert);
  const days = cert.daysLeft ?? 0;
  if (state === 'expired') return <span className="badge bad">{t('system.cert.expired', { days: -days })}</span>;
  if (state === 'soon') return <span className="badge warn">{t('system.cert.soon', { days })}</span>;
  if (state === 'unknown') return <span className="badge warn">{t('system.cert.unknown')}</span>;
  return <span className="badge good">{t('system.cert.ok', { days })}</span>;
}

const num = (v: unknown) => (typeof v === 'number' ? v : null);

function MetricsSections({ metrics: m, stale }: { metrics: MetricsView; stale: boolean }) {
  const { t, format } = useI18n();
  const bytes = (n: number | null) => (n === null ? t('common.none') : formatBytes(n, format.number));
  const queueCols = [...new Set(Object.values(m.queues).flatMap((q) => Object.keys(q).filter((k) => k !== 'error')))];
  const routes = [...m.routes].sort((a, b) => b.count - a.count);
  const disk = m.disk;
  return (
    <>
      <Stale stale={stale} />
      <Section id="system-traffic" title={t('system.traffic')}>
        <dl className="props">
          <dt>{t('system.rpm')}</dt>
          <dd>{format.number(m.requestsPerMinute)}</dd>
          <dt>{t('system.uptime')}</dt>
          <dd>{formatUptime(m.uptimeSeconds, t)}</dd>
          <dt>{t('system.memory')}</dt>
          <dd>{t('system.memory.value', { rss: bytes(m.process.rssBytes), heap: bytes(m.process.heapUsedBytes) })}</dd>
          <dt>{t('system.rateLimiter')}</dt>
          <dd>
            {m.rateLimiter.degraded ? (
              <span className="badge warn">{t('system.rateLimiter.degraded')}</span>
            ) : (
              <span className="badge good">{t('system.check.ok')}</span>
            )}
          </dd>
          <dt>{t('system.generatedAt')}</dt>
          <dd>
            <Time value={m.generatedAt} />
          </dd>
        </dl>
        <div className="table-wrap">
          <table>
            <caption>{t('system.routes.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('system.col.route')}</th>
                <th scope="col">{t('system.col.count')}</th>
                <th scope="col">{t('system.col.5xx')}</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">p99</th>
                <th scope="col">{t('system.col.samples')}</th>
              </tr>
            </thead>
            <tbody>
              {routes.length === 0 && (
                <tr>
                  <td colSpan={7}>{t('common.empty')}</td>
                </tr>
              )}
              {routes.map((r) => (
                <tr key={r.route}>
                  <th scope="row">
                    <code>{r.route}</code>
                  </th>
                  <td>{format.number(r.count)}</td>
                  <td>{r.errors5xx > 0 ? <span className="badge bad">{format.number(r.errors5xx)}</span> : 0}</td>
                  <td>{t('system.ms', { ms: r.latencyMs.p50 })}</td>
                  <td>{t('system.ms', { ms: r.latencyMs.p95 })}</td>
                  <td>{t('system.ms', { ms: r.latencyMs.p99 })}</td>
                  <td>{format.number(r.latencyMs.samples)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section id="system-db" title={t('system.dbPool')}>
        <dl className="props">
          <dt>{t('system.dbPool.max')}</dt>
          <dd>{m.dbPool.max}</dd>
          <dt>{t('system.dbPool.total')}</dt>
          <dd>{m.dbPool.total}</dd>
          <dt>{t('system.dbPool.idle')}</dt>
          <dd>{m.dbPool.idle}</dd>
          <dt>{t('system.dbPool.waiting')}</dt>
          <dd>{m.dbPool.waiting > 0 ? <span className="badge warn">{m.dbPool.waiting}</span> : m.dbPool.waiting}</dd>
        </dl>
      </Section>
      <Section id="system-queues" title={t('system.queues')}>
        <div className="table-wrap">
          <table>
            <caption>{t('system.queues.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('system.col.queue')}</th>
                {queueCols.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(m.queues).map(([name, q]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  {'error' in q ? (
                    <td colSpan={Math.max(1, queueCols.length)}>
                      <span className="badge bad">{t('system.check.failing')}</span> {String(q.error)}
                    </td>
                  ) : (
                    queueCols.map((c) => <td key={c}>{q[c] === undefined ? t('common.none') : String(q[c])}</td>)
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section id="system-breakers" title={t('system.breakers')}>
        {m.circuitBreakers.length === 0 ? (
          <p>{t('system.breakers.none')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption>{t('system.breakers.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('system.col.name')}</th>
                  <th scope="col">{t('system.col.state')}</th>
                  <th scope="col">{t('system.col.failures')}</th>
                  <th scope="col">{t('system.col.openedAt')}</th>
                  <th scope="col">{t('system.col.error')}</th>
                  <th scope="col">{t('system.col.worker')}</th>
                  <th scope="col">{t('system.col.updatedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {m.circuitBreakers.map((b) => (
                  <tr key={`${b.worker}/${b.name}`}>
                    <th scope="row">{b.name}</th>
                    <td>
                      <span className={BREAKER_BADGE[b.state] ?? 'badge'}>{t(BREAKER_LABEL[b.state] as MessageKey)}</span>
                    </td>
                    <td>{b.consecutiveFailures}</td>
                    <td>
                      <Time value={b.openedAt} />
                    </td>
                    <td>{b.lastError ?? t('common.none')}</td>
                    <td>{b.worker}</td>
                    <td>
                      <Time value={b.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
      <Section id="system-disk" title={t('system.disk')}>
        {'error' in disk ? (
          <p role="alert">{t('system.disk.error', { path: String(disk.path ?? ''), message: String(disk.error) })}</p>
        ) : (
          <dl className="props">
            <dt>{t('system.disk.path')}</dt>
            <dd>
              <code>{String(disk.path ?? '')}</code>
            </dd>
            <dt>{t('system.disk.total')}</dt>
            <dd>{bytes(num(disk.totalBytes))}</dd>
            <dt>{t('system.disk.free')}</dt>
            <dd>{bytes(num(disk.freeBytes))}</dd>
            <dt>{t('system.disk.used')}</dt>
            <dd>
              {num(disk.usedPercent) === null ? (
                t('common.none')
              ) : (
                <span
                  className={
                    (num(disk.usedPercent) ?? 0) >= 90 ? 'badge bad' : (num(disk.usedPercent) ?? 0) >= 80 ? 'badge warn' : ''
                  }
                >
                  {disk.usedPercent}%
                </span>
              )}
            </dd>
          </dl>
        )}
      </Section>
    </>
  );
}

export function formatBytes(n: number, fmt: (n: number) => string = String) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${fmt(Math.round(v * 10) / 10)} ${units[i]}`;
}

function formatUptime(seconds: number, t: (k: MessageKey, p?: Record<string, string | number>) => string) {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return t('system.uptime.value', { d, h, m });
}
