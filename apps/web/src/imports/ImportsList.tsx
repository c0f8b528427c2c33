import { IMPORT_STATUSES, type ImportView } from '@app/schemas/import';
import { Link } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { ListPage, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { StatusBadge } from './parts.tsx';

/** GET /api/v1/imports's filters, held in the URL. */
export const IMPORT_FILTERS = ['status'] as const;

/** Invoice imports, newest first: the caller's own, or everyone's with data scope `all`. */
export function ImportsList() {
  const { t, format } = useI18n();
  const n = format.number;
  const list = useListParams(IMPORT_FILTERS);
  const imports = useApiQuery<{ items: ImportView[]; nextCursor: string | null }>('/api/v1/imports', list.query);
  return (
    <section aria-labelledby="imports-title">
      <h1 id="imports-title">{t('imports.title')}</h1>
      <p className="actions">
        <Link to="/imports/new" className="button-link">
          {t('imports.upload.link')}
        </Link>
      </p>
      <form className="filters" aria-label={t('common.filter')} onSubmit={(e) => e.preventDefault()}>
        <SelectField
          name="status"
          label={t('imports.statusLabel')}
          value={list.filters.status}
          onChange={(e) => list.setFilters({ status: e.target.value })}
          options={[
            { value: '', label: t('common.all') },
            ...IMPORT_STATUSES.map((s) => ({ value: s, label: t(`imports.status.${s}`) })),
          ]}
        />
        {list.filters.status && (
          <button type="button" onClick={list.clearFilters}>
            {t('common.clearFilters')}
          </button>
        )}
      </form>
      <QueryState query={imports} loading={t('imports.loading')}>
        {(data) => (
          <ListPage list={list} page={data}>
            <table>
              <caption>{t('imports.list.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('imports.createdAt')}</th>
                  <th scope="col">{t('imports.filename')}</th>
                  <th scope="col">{t('imports.statusLabel')}</th>
                  <th scope="col">{t('imports.count.total')}</th>
                  <th scope="col">{t('imports.count.issued')}</th>
                  <th scope="col">{t('imports.count.duplicate')}</th>
                  <th scope="col">{t('imports.count.failed')}</th>
                  <th scope="col">{t('imports.createdBy')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((x) => (
                  <tr key={x.id}>
                    <td>
                      <Time value={x.createdAt} />
                    </td>
                    <th scope="row">
                      <Link to={`/imports/${x.id}`}>{x.filename}</Link>{' '}
                      <span className="meta">
                        {x.format.toUpperCase()} · {t(`imports.encoding.${x.encoding}`)}
                      </span>
                    </th>
                    <td>
                      <StatusBadge status={x.status} />
                    </td>
                    <td>{n(x.counts.total)}</td>
                    <td>{n(x.counts.issued)}</td>
                    <td>{n(x.counts.duplicate)}</td>
                    <td>{x.counts.failed > 0 ? <span className="badge bad">{n(x.counts.failed)}</span> : n(0)}</td>
                    <td>{x.createdBy.name}</td>
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
