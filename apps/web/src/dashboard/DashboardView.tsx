import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.ts';
import type { DashboardSummary } from './summary.ts';

const TURNKEY = ['acceptedToday', 'pending', 'delivered', 'rejected', 'invalid', 'dead', 'atRisk'] as const;
/** Counts that need someone's attention when not zero. */
const TURNKEY_WARN: ReadonlySet<(typeof TURNKEY)[number]> = new Set(['rejected', 'invalid', 'dead', 'atRisk']);
const INVOICES = ['issued', 'cancelled', 'voided'] as const;

function Counts({ items }: { items: { label: string; value: string; warn?: boolean }[] }) {
  return (
    <dl className="counts">
      {items.map((i) => (
        <div key={i.label} className={i.warn ? 'count warn' : 'count'}>
          <dt>{i.label}</dt>
          <dd>{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="card">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** One summary, as it is: no fetching here (see DashboardPage). Every instant is shown in Asia/Taipei. */
export function DashboardView({ summary: s, receivedAt }: { summary: DashboardSummary; receivedAt: number | null }) {
  const { t, format } = useI18n();
  const n = format.number;
  const p = s.pipeline;
  const tk = s.turnkey;
  return (
    <>
      <p className="meta">
        {t('dashboard.period', { period: s.period })}
        {receivedAt !== null && <> · {t('dashboard.updatedAt', { time: format.dateTime(receivedAt) })}</>}
      </p>

      <Section title={t('dashboard.today', { date: s.today })}>
        <Counts items={INVOICES.map((k) => ({ label: t(`dashboard.${k}`), value: n(s.invoices[k]) }))} />
      </Section>

      {tk && (
        <Section title={t('dashboard.turnkey')}>
          <Counts
            items={TURNKEY.map((k) => ({
              label: t(`dashboard.turnkey.${k}`),
              value: n(tk[k]),
              warn: TURNKEY_WARN.has(k) && tk[k] > 0,
            }))}
          />
        </Section>
      )}

      <Section title={t('dashboard.pipeline')}>
        <p className={`status status-${p.status}`}>
          <strong>{t(`dashboard.pipeline.${p.status}`)}</strong>
        </p>
        {p.problems.length > 0 && (
          <ul className="problems">
            {p.problems.map((x) => (
              <li key={x}>{x}</li>
            ))}
          </ul>
        )}
        <ul className="pipeline-facts">
          {p.outbox && <li>{t('dashboard.pipeline.outbox', { count: n(p.outbox.backlog) })}</li>}
          {p.outbox?.oldestAt && <li>{t('dashboard.pipeline.outboxOldest', { time: format.dateTime(p.outbox.oldestAt) })}</li>}
          {p.oldestUndeliveredAt && (
            <li>{t('dashboard.pipeline.oldestUndelivered', { time: format.dateTime(p.oldestUndeliveredAt) })}</li>
          )}
          {p.deadLetters !== null && <li>{t('dashboard.pipeline.deadLetters', { count: n(p.deadLetters) })}</li>}
          {p.circuitBreakers?.map((b) => (
            <li key={b.name}>
              {t('dashboard.pipeline.breaker', {
                name: b.name,
                state: t(`dashboard.pipeline.breaker.${b.state}`),
                time: format.dateTime(b.since),
              })}
            </li>
          ))}
        </ul>
      </Section>

      <Section title={t('dashboard.numbers')}>
        {s.numbers.sellers.length === 0 && s.numbers.sites.length === 0 && <p>{t('dashboard.numbers.none')}</p>}
        {s.numbers.sellers.length > 0 && (
          <table>
            <caption>{t('dashboard.numbers.sellers')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('dashboard.numbers.seller')}</th>
                <th scope="col">{t('dashboard.numbers.invoiceType')}</th>
                <th scope="col">{t('dashboard.numbers.total')}</th>
                <th scope="col">{t('dashboard.numbers.taken')}</th>
                <th scope="col">{t('dashboard.numbers.remaining')}</th>
              </tr>
            </thead>
            <tbody>
              {s.numbers.sellers.map((r) => (
                <tr key={`${r.sellerId}:${r.invoiceType}`}>
                  <th scope="row">
                    {r.name} ({r.ban})
                  </th>
                  <td>{r.invoiceType}</td>
                  <td>{n(r.total)}</td>
                  <td>{n(r.taken)}</td>
                  <td>{n(r.remaining)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {s.numbers.sites.length > 0 && (
          <table>
            <caption>{t('dashboard.numbers.sites')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('dashboard.numbers.site')}</th>
                <th scope="col">{t('dashboard.numbers.seller')}</th>
                <th scope="col">{t('dashboard.numbers.invoiceType')}</th>
                <th scope="col">{t('dashboard.numbers.remaining')}</th>
              </tr>
            </thead>
            <tbody>
              {s.numbers.sites.map((r) => (
                <tr key={`${r.siteId}:${r.invoiceType}`} className={r.low ? 'low' : undefined}>
                  <th scope="row">
                    {r.name} ({r.code})
                  </th>
                  <td>{r.sellerBan}</td>
                  <td>{r.invoiceType}</td>
                  <td>
                    {n(r.remaining)}
                    {r.low && <strong> {t('dashboard.numbers.low', { threshold: n(s.numbers.lowThreshold) })}</strong>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
