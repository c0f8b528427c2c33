import type { importView } from '@app/schemas/track';
import { useState } from 'react';
import { Link } from 'react-router';
import type { z } from 'zod';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { Time } from '../ui/Time.tsx';
import { InvoiceTypeLabel, NumberRange, PeriodLabel } from './parts.tsx';

export type E0501Import = z.infer<typeof importView>;
type Entry = E0501Import['entries'][number];

const STATUSES = ['accepted', 'duplicate', 'rejected'] as const;
const BADGE: Record<Entry['status'], string> = { accepted: 'badge good', duplicate: 'badge', rejected: 'badge bad' };

/** The facts and counts of one E0501 import (no entries). */
export function E0501Summary({ view }: { view: E0501Import }) {
  const { t, format } = useI18n();
  const n = format.number;
  return (
    <dl className="props">
      <dt>{t('tracks.e0501.filename')}</dt>
      <dd>{view.filename}</dd>
      <dt>{t('tracks.e0501.format')}</dt>
      <dd>{view.format.toUpperCase()}</dd>
      <dt>{t('tracks.e0501.size')}</dt>
      <dd>{t('tracks.e0501.bytes', { bytes: n(view.sizeBytes) })}</dd>
      <dt>{t('tracks.e0501.importedAt')}</dt>
      <dd>
        <Time value={view.createdAt} />
      </dd>
      <dt>SHA-256</dt>
      <dd>
        <code>{view.sha256}</code>
      </dd>
      <dt>{t('tracks.e0501.total')}</dt>
      <dd>{n(view.total)}</dd>
      <dt>{t('tracks.e0501.accepted')}</dt>
      <dd>{n(view.accepted)}</dd>
      <dt>{t('tracks.e0501.duplicate')}</dt>
      <dd>{n(view.duplicate)}</dd>
      <dt>{t('tracks.e0501.rejected')}</dt>
      <dd>{n(view.rejected)}</dd>
    </dl>
  );
}

/**
 * One import's outcome, entry by entry: the ranges created, the ones already there, and every reason an
 * entry was refused (field, code and the platform's wording in the user's language).
 */
export function E0501Result({ view, headingLevel = 2 }: { view: E0501Import; headingLevel?: 2 | 3 | 4 }) {
  const { t, locale, format } = useI18n();
  const [status, setStatus] = useState('');
  const entries = status ? view.entries.filter((e) => e.status === status) : view.entries;
  const H = (['h2', 'h3', 'h4'] as const)[headingLevel - 2] ?? 'h2';
  const periods = [...new Set(view.entries.flatMap((e) => (e.range ? [e.range.yearMonth] : [])))];
  return (
    <div className="e0501-result">
      {view.sameFileImportedBefore && (
        <p role="status" className="badge warn">
          {t('tracks.e0501.sameFile')}
        </p>
      )}
      <E0501Summary view={view} />
      {view.rejected > 0 && <p role="alert">{t('tracks.e0501.someRejected', { count: format.number(view.rejected) })}</p>}
      {view.accepted > 0 && periods.length > 0 && (
        <p>
          {periods.map((p) => (
            <Link key={p} to={`/tracks?yearMonth=${p}`} className="e0501-period-link">
              {t('tracks.e0501.seeRanges', { period: p })}
            </Link>
          ))}
        </p>
      )}
      <H>{t('tracks.e0501.entries')}</H>
      <div className="filters">
        <SelectField
          name="entryStatus"
          label={t('tracks.e0501.showEntries')}
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          options={[{ value: '', label: t('common.all') }, ...STATUSES.map((s) => ({ value: s, label: t(`tracks.e0501.${s}`) }))]}
        />
      </div>
      {entries.length === 0 ? (
        <p>{t('common.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>{t('tracks.e0501.entriesCaption', { filename: view.filename })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('tracks.e0501.entry')}</th>
                <th scope="col">{t('tracks.e0501.line')}</th>
                <th scope="col">{t('tracks.status')}</th>
                <th scope="col">{t('tracks.e0501.range')}</th>
                <th scope="col">{t('tracks.e0501.reasons')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.index}>
                  <th scope="row">{e.index + 1}</th>
                  <td>{e.line ?? t('common.none')}</td>
                  <td>
                    <span className={BADGE[e.status]}>{t(`tracks.e0501.${e.status}`)}</span>
                  </td>
                  <td>
                    {e.range ? (
                      <>
                        {e.range.ban} · <InvoiceTypeLabel type={e.range.invoiceType} /> ·{' '}
                        <PeriodLabel yearMonth={e.range.yearMonth} /> ·{' '}
                        <NumberRange track={e.range.track} begin={e.range.beginNo} end={e.range.endNo} /> ·{' '}
                        {t('tracks.e0501.bookletCount', { count: format.number(e.range.booklets) })}
                      </>
                    ) : (
                      t('common.none')
                    )}
                  </td>
                  <td>
                    {e.reasons.length === 0 ? (
                      t('common.none')
                    ) : (
                      <ul className="e0501-reasons">
                        {e.reasons.map((r) => (
                          <li key={`${r.field}:${r.code}`}>
                            {locale === 'zh-TW' ? r.messageZh : r.message} <code>{r.code}</code>
                            {r.field && (
                              <>
                                {' '}
                                ({t('tracks.e0501.field')}: <code>{r.field}</code>)
                              </>
                            )}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
