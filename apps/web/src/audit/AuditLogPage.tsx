import { type AuditEntry, auditFilters } from '@app/schemas/audit';
import { type FormEvent, Fragment, useState } from 'react';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useServices } from '../app/services.tsx';
import { isMessageKey, type MessageKey, useI18n } from '../i18n/index.ts';
import { ExpandableRow, useExpandedRow } from '../ui/ExpandableRow.tsx';
import { Field, SelectField } from '../ui/Field.tsx';
import { FormError } from '../ui/FormParts.tsx';
import { FilterActions, ListPage, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { downloadText, fileStamp } from './download.ts';

export type { AuditEntry } from '@app/schemas/audit';

type AuditPage = { items: AuditEntry[]; nextCursor: string | null };

/** Every filter the API takes, by its query parameter name, held in the URL. */
const KEYS = ['action', 'actorType', 'actorId', 'targetType', 'targetId', 'outcome', 'requestId', 'from', 'to'] as const;
type Key = (typeof KEYS)[number];

const ACTOR_TYPES = ['user', 'client', 'system', 'anonymous'] as const;
const OUTCOMES = ['success', 'failure', 'denied'] as const;
const OUTCOME_BADGE: Record<string, string> = { success: 'badge good', failure: 'badge bad', denied: 'badge warn' };
/** Our words for a value the API names (an actor type, an outcome), the value itself for one we do not know. */
const label = (t: (k: MessageKey) => string, prefix: string, v: string) => {
  const key = `${prefix}.${v}`;
  return isMessageKey(key) ? t(key) : v;
};
const SUMMARY_LABEL = { before: 'audit.summary.before', after: 'audit.summary.after', note: 'audit.summary.note' } as const;

const TAIPEI_MS = 8 * 3_600_000;
/** An instant (the URL's ISO value) as a `datetime-local` value in Asia/Taipei; '' when not a time. */
export function toTaipeiLocal(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Date(ms + TAIPEI_MS).toISOString().slice(0, 16);
}
/** A `datetime-local` value read as Asia/Taipei time, as the API wants it (ISO 8601 with offset). */
export const fromTaipeiLocal = (local: string) => (local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : '');

/** The audit log: every filter the API supports (in the URL), paging, each entry's details, CSV export. */
export function AuditLogPage() {
  const { t } = useI18n();
  const list = useListParams(KEYS);
  const query = useApiQuery<AuditPage>('/api/v1/audit-logs', list.query);
  const rows = useExpandedRow();

  return (
    <div className="audit">
      <h1>{t('audit.title')}</h1>
      <p className="meta">{t('common.timeZoneNote')}</p>
      <Filters key={KEYS.map((k) => list.filters[k]).join('|')} list={list} />
      <Export filters={list.filters} />
      <QueryState query={query}>
        {(page) => (
          <ListPage list={list} page={page}>
            <table>
              <caption>{t('audit.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('audit.col.time')}</th>
                  <th scope="col">{t('audit.col.actor')}</th>
                  <th scope="col">{t('audit.col.action')}</th>
                  <th scope="col">{t('audit.col.outcome')}</th>
                  <th scope="col">{t('audit.col.target')}</th>
                  <th scope="col">{t('audit.col.requestId')}</th>
                  <th scope="col">{t('audit.col.ip')}</th>
                  <th scope="col">{t('common.details')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((e) => (
                  <ExpandableRow
                    key={e.id}
                    id={`audit-entry-${e.id}`}
                    open={rows.isOpen(e.id)}
                    onToggle={() => rows.toggle(e.id)}
                    show={t('audit.show')}
                    hide={t('audit.hide')}
                    colSpan={8}
                    details={<EntryDetails entry={e} />}
                  >
                    <td>
                      <Time value={e.occurredAt} />
                    </td>
                    <td>
                      {e.actorName ?? e.actorId ?? t('common.none')}{' '}
                      <span className="meta">{label(t, 'audit.actorType', e.actorType)}</span>
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      <span className={OUTCOME_BADGE[e.outcome] ?? 'badge'}>{label(t, 'audit.outcome', e.outcome)}</span>
                    </td>
                    <td>{e.targetType ? `${e.targetType}${e.targetId ? `: ${e.targetId}` : ''}` : t('common.none')}</td>
                    <td>
                      <code>{e.requestId ?? t('common.none')}</code>
                    </td>
                    <td>{e.sourceIp ?? t('common.none')}</td>
                  </ExpandableRow>
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
    </div>
  );
}

function EntryDetails({ entry: e }: { entry: AuditEntry }) {
  const { t } = useI18n();
  const summary = (typeof e.summary === 'object' && e.summary !== null ? e.summary : {}) as Record<string, unknown>;
  const parts = (['before', 'after', 'note'] as const).filter((k) => summary[k] !== undefined);
  const others = Object.keys(summary).filter((k) => !(parts as readonly string[]).includes(k));
  const filterLink = (q: Record<string, string>) => `?${new URLSearchParams(q).toString()}`;
  return (
    <section aria-label={t('audit.detailsOf', { id: e.id })}>
      <dl className="props">
        <dt>{t('audit.col.time')}</dt>
        <dd>
          <Time value={e.occurredAt} />
        </dd>
        <dt>{t('audit.col.actor')}</dt>
        <dd>
          {e.actorName ?? t('common.none')} ({label(t, 'audit.actorType', e.actorType)}
          {e.actorId ? `, ${e.actorId}` : ''})
          {e.actorId && (
            <>
              {' '}
              <Link to={filterLink({ actorType: e.actorType, actorId: e.actorId })}>{t('audit.filterActor')}</Link>
            </>
          )}
        </dd>
        <dt>{t('audit.col.action')}</dt>
        <dd>
          <code>{e.action}</code>
        </dd>
        <dt>{t('audit.col.outcome')}</dt>
        <dd>
          {label(t, 'audit.outcome', e.outcome)}
          {e.statusCode !== null && ` (HTTP ${e.statusCode})`}
        </dd>
        <dt>{t('audit.col.target')}</dt>
        <dd>{e.targetType ? `${e.targetType}${e.targetId ? `: ${e.targetId}` : ''}` : t('common.none')}</dd>
        <dt>{t('audit.col.requestId')}</dt>
        <dd>
          <code>{e.requestId ?? t('common.none')}</code>
          {e.requestId && (
            <>
              {' '}
              <Link to={filterLink({ requestId: e.requestId })}>{t('audit.filterRequest')}</Link>
            </>
          )}
        </dd>
        <dt>{t('audit.col.ip')}</dt>
        <dd>{e.sourceIp ?? t('common.none')}</dd>
        <dt>{t('audit.userAgent')}</dt>
        <dd>{e.userAgent ?? t('common.none')}</dd>
      </dl>
      {parts.length === 0 && others.length === 0 && <p>{t('audit.noSummary')}</p>}
      {parts.map((k) => (
        <Fragment key={k}>
          <h2>{t(SUMMARY_LABEL[k])}</h2>
          <pre className="code">{JSON.stringify(summary[k], null, 2)}</pre>
        </Fragment>
      ))}
      {others.length > 0 && (
        <>
          <h2>{t('audit.summary.other')}</h2>
          <pre className="code">{JSON.stringify(Object.fromEntries(others.map((k) => [k, summary[k]])), null, 2)}</pre>
        </>
      )}
    </section>
  );
}

type Values = Record<Key, string>;

/** The filters, edited here and applied together on submit (each change would otherwise be a request). */
function Filters({ list }: { list: ReturnType<typeof useListParams<Key>> }) {
  const { t } = useI18n();
  const [values, setValues] = useState<Values>(() => ({
    ...list.filters,
    from: toTaipeiLocal(list.filters.from),
    to: toTaipeiLocal(list.filters.to),
  }));
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Key, string>>>({});
  const field = (k: Key) => ({
    name: k,
    value: values[k],
    error: fieldErrors[k],
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [k]: e.target.value })),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const from = fromTaipeiLocal(values.from);
    const to = fromTaipeiLocal(values.to);
    if (from && to && Date.parse(from) >= Date.parse(to)) {
      setError(t('audit.rangeInvalid'));
      return;
    }
    const next = { ...(Object.fromEntries(KEYS.map((k) => [k, values[k].trim()])) as Values), from, to };
    // The API's own filter schema (@app/schemas/audit): a bad filter is named here, not by a 400.
    const checked = auditFilters.safeParse(Object.fromEntries(Object.entries(next).filter(([, v]) => v !== '')));
    if (!checked.success) {
      const errs: Partial<Record<Key, string>> = {};
      for (const issue of checked.error.issues) errs[String(issue.path[0]) as Key] ??= issue.message;
      setFieldErrors(errs);
      setError(t('common.formInvalid'));
      return;
    }
    setFieldErrors({});
    setError(null);
    list.setFilters(next);
  };

  return (
    <form className="filters" aria-label={t('common.filter')} onSubmit={submit}>
      <Field label={t('audit.col.action')} placeholder="invoice.issue" maxLength={64} {...field('action')} />
      <SelectField
        label={t('audit.actorTypeLabel')}
        options={[
          { value: '', label: t('common.all') },
          ...ACTOR_TYPES.map((v) => ({ value: v, label: label(t, 'audit.actorType', v) })),
        ]}
        {...field('actorType')}
      />
      <Field label={t('audit.actorId')} maxLength={64} {...field('actorId')} />
      <Field label={t('audit.targetType')} placeholder="invoice" maxLength={64} {...field('targetType')} />
      <Field label={t('audit.targetId')} maxLength={128} {...field('targetId')} />
      <SelectField
        label={t('audit.col.outcome')}
        options={[
          { value: '', label: t('common.all') },
          ...OUTCOMES.map((v) => ({ value: v, label: label(t, 'audit.outcome', v) })),
        ]}
        {...field('outcome')}
      />
      <Field label={t('audit.col.requestId')} maxLength={128} {...field('requestId')} />
      <Field label={t('audit.from')} type="datetime-local" step={1} {...field('from')} />
      <Field label={t('audit.to')} type="datetime-local" step={1} hint={t('audit.toHint')} {...field('to')} />
      <FormError message={error} />
      <FilterActions onClear={list.clearFilters} primary={false} />
    </form>
  );
}

/** The filtered log as CSV (the API's export: at most 10,000 rows, 5 exports an hour), saved as a file. */
function Export({ filters }: { filters: Values }) {
  const { t } = useI18n();
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const query: Record<string, string> = {};
      for (const k of KEYS) if (filters[k]) query[k] = filters[k];
      const csv = await api.get<string>('/api/v1/audit-logs/export', { query, responseType: 'text' });
      const name = `audit-logs-${fileStamp()}.csv`;
      downloadText(name, csv, 'text/csv;charset=utf-8');
      setDone(t('audit.exported', { name }));
    } catch (e) {
      setError(t('audit.exportFailed', { message: errorText(t, e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="actions">
      <button type="button" onClick={() => void run()} disabled={busy} aria-busy={busy || undefined}>
        {busy ? t('common.working') : t('audit.export')}
      </button>
      <span className="meta">{t('audit.exportHint')}</span>
      {error && <p role="alert">{error}</p>}
      {done && <p role="status">{done}</p>}
    </div>
  );
}
