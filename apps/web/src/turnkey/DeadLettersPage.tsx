import { type DeadLetterView, deadLetterStatus, listDeadLettersQuery, purgeDeadLettersBody } from '@app/schemas/dead-letter';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field, SelectField } from '../ui/Field.tsx';
import { FormError } from '../ui/FormParts.tsx';
import { useZodForm } from '../ui/form.ts';
import { FilterActions, ListPage, useFilterDraft, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { problemText } from './problem.ts';

const KEYS = ['jobName', 'priorityClass', 'status'] as const;
const PRIORITY_CLASSES = listDeadLettersQuery.shape.priorityClass.unwrap().options;
const STATUSES = deadLetterStatus.options;

type Page = { items: DeadLetterView[]; nextCursor: string | null };

/** Background jobs that failed for good: list (filters in the URL), and purge of old ones. */
export function DeadLettersPage() {
  const { t } = useI18n();
  const list = useListParams(KEYS);
  const query = useApiQuery<Page>('/api/v1/dead-letters', list.query);
  const { field, apply } = useFilterDraft(list, (d) => ({ ...d, jobName: d.jobName.trim() }));

  return (
    <section aria-labelledby="dead-letters-heading">
      <h2 id="dead-letters-heading">{t('turnkey.dead.title')}</h2>
      <p className="meta">{t('turnkey.dead.intro')}</p>
      <form className="filters" onSubmit={apply} aria-label={t('common.filter')}>
        <Field {...field('jobName')} label={t('turnkey.dead.jobName')} />
        <SelectField
          {...field('priorityClass')}
          label={t('turnkey.dead.priorityClass')}
          options={[{ value: '', label: t('common.all') }, ...PRIORITY_CLASSES.map((p) => ({ value: p, label: p }))]}
        />
        <SelectField
          {...field('status')}
          label={t('turnkey.dead.status')}
          options={[
            { value: '', label: t('common.all') },
            ...STATUSES.map((s) => ({ value: s, label: t(`turnkey.dead.status.${s}`) })),
          ]}
        />
        <FilterActions onClear={list.clearFilters} />
      </form>

      <QueryState query={query} loading={t('turnkey.dead.loading')}>
        {(page) => (
          <ListPage list={list} page={page}>
            <table>
              <caption>{t('turnkey.dead.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('turnkey.dead.id')}</th>
                  <th scope="col">{t('turnkey.dead.jobName')}</th>
                  <th scope="col">{t('turnkey.dead.queue')}</th>
                  <th scope="col">{t('turnkey.dead.status')}</th>
                  <th scope="col">{t('turnkey.dead.attempts')}</th>
                  <th scope="col">{t('turnkey.dead.lastError')}</th>
                  <th scope="col">{t('turnkey.dead.lastFailedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <Link to={`/turnkey/dead-letters/${d.id}`} aria-label={t('turnkey.dead.open', { id: d.id })}>
                        #{d.id}
                      </Link>
                    </td>
                    <td>{d.jobName}</td>
                    <td>
                      {d.queue} <span className="meta">({d.priorityClass})</span>
                    </td>
                    <td>
                      <span className={`badge ${d.status === 'dead' ? 'bad' : 'good'}`}>
                        {t(`turnkey.dead.status.${d.status}`)}
                      </span>
                    </td>
                    <td>
                      {d.attempts} / {d.maxAttempts}
                    </td>
                    <td>{d.lastError}</td>
                    <td>
                      <Time value={d.lastFailedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
      <PurgeForm />
    </section>
  );
}

/** Delete dead letters whose last failure is older than N days (optionally one job type or status), after a confirm. */
function PurgeForm() {
  const { t } = useI18n();
  const can = useCan();
  const form = useZodForm(purgeDeadLettersBody, { olderThanDays: '30', jobName: '', status: '' }, (v) => ({
    olderThanDays: v.olderThanDays.trim() === '' ? undefined : Number(v.olderThanDays),
    jobName: v.jobName.trim() || undefined,
    status: v.status || undefined,
  }));
  const [pending, setPending] = useState<ReturnType<typeof form.validate>>(null);
  const purge = useApiMutation(
    (api, body: NonNullable<typeof pending>) =>
      api.post<{ purged: number; lastFailedBefore: string }>('/api/v1/dead-letters/purge', body),
    ['/api/v1/dead-letters'],
  );
  if (!can('turnkey.manage')) return null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = form.validate();
    if (!body) return;
    purge.reset();
    setPending(body);
  };

  return (
    <section className="card" aria-labelledby="purge-heading">
      <h3 id="purge-heading">{t('turnkey.purge.title')}</h3>
      <p className="meta">{t('turnkey.purge.intro')}</p>
      <form onSubmit={submit} noValidate>
        <div className="filters">
          <Field label={t('turnkey.purge.olderThanDays')} inputMode="numeric" {...form.field('olderThanDays')} />
          <Field label={t('turnkey.dead.jobName')} {...form.field('jobName')} />
          <SelectField
            label={t('turnkey.dead.status')}
            {...form.field('status')}
            options={[
              { value: '', label: t('common.all') },
              ...STATUSES.map((s) => ({ value: s, label: t(`turnkey.dead.status.${s}`) })),
            ]}
          />
        </div>
        <FormError message={form.formError} />
        <div className="actions">
          <button type="submit" className="danger">
            {t('turnkey.purge.button')}
          </button>
        </div>
      </form>
      {purge.isSuccess && (
        <p role="status">
          {t('turnkey.purge.done', { count: purge.data.purged })} <Time value={purge.data.lastFailedBefore} />
        </p>
      )}
      <ConfirmDialog
        open={pending !== null}
        danger
        title={t('turnkey.purge.confirmTitle')}
        confirmLabel={t('turnkey.purge.confirm')}
        busy={purge.isPending}
        error={purge.isError ? problemText(t, purge.error) : null}
        onCancel={() => setPending(null)}
        onConfirm={() => pending && purge.mutate(pending, { onSuccess: () => setPending(null) })}
      >
        <p>
          {t('turnkey.purge.confirmBody', {
            days: pending?.olderThanDays ?? 0,
            jobName: pending?.jobName ?? t('common.all'),
            status: pending?.status ? t(`turnkey.dead.status.${pending.status}`) : t('common.all'),
          })}
        </p>
      </ConfirmDialog>
    </section>
  );
}
