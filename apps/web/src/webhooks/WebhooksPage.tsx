import { listWebhooksQuery, type WebhookView } from '@app/schemas/webhook';
import { Link, useLocation } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { FilterActions, ListPage, useFilterDraft, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { SecurityBadge, StatusBadge } from './badges.tsx';

const KEYS = ['status', 'authMode'] as const;
const AUTH_MODES = listWebhooksQuery.shape.authMode.unwrap().options;

type Page = { items: WebhookView[]; nextCursor: string | null };

/** The webhook subscriptions, filters and page in the URL. */
export function WebhooksPage() {
  const { t } = useI18n();
  const can = useCan();
  const location = useLocation();
  const deleted = (location.state as { deleted?: string } | null)?.deleted;
  const list = useListParams(KEYS);
  const query = useApiQuery<Page>('/api/v1/webhooks', list.query);
  const { field, apply } = useFilterDraft(list);

  return (
    <>
      <h1>{t('webhooks.title')}</h1>
      <p className="meta">{t('webhooks.intro')}</p>
      {deleted && <p role="status">{t('webhooks.deleted', { url: deleted })}</p>}
      {can('webhook.manage') && (
        <p>
          <Link to="/webhooks/new" className="button primary">
            {t('webhooks.new')}
          </Link>
        </p>
      )}
      <form className="filters" onSubmit={apply} aria-label={t('common.filter')}>
        <SelectField
          {...field('status')}
          label={t('webhooks.field.status')}
          options={[
            { value: '', label: t('common.all') },
            { value: 'enabled', label: t('webhooks.status.enabled') },
            { value: 'disabled', label: t('webhooks.status.disabled') },
          ]}
        />
        <SelectField
          {...field('authMode')}
          label={t('webhooks.field.authMode')}
          options={[
            { value: '', label: t('common.all') },
            ...AUTH_MODES.map((m) => ({ value: m, label: t(`webhooks.authMode.${m}`) })),
          ]}
        />
        <FilterActions onClear={list.clearFilters} />
      </form>
      <QueryState query={query} loading={t('webhooks.loading')}>
        {(page) => (
          <ListPage list={list} page={page}>
            <table>
              <caption>{t('webhooks.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('webhooks.field.url')}</th>
                  <th scope="col">{t('webhooks.field.events')}</th>
                  <th scope="col">{t('webhooks.field.authMode')}</th>
                  <th scope="col">{t('webhooks.field.status')}</th>
                  <th scope="col">{t('webhooks.field.createdAt')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((w) => (
                  <tr key={w.id}>
                    <td>
                      <Link to={`/webhooks/${w.id}`}>{w.url}</Link>
                      {w.description && <div className="meta">{w.description}</div>}
                    </td>
                    <td>{w.events.includes('*') ? t('webhooks.form.allEvents') : w.events.join(', ')}</td>
                    <td>
                      {t(`webhooks.authMode.${w.authMode}`)} <SecurityBadge security={w.security} />
                    </td>
                    <td>
                      <StatusBadge webhook={w} />
                    </td>
                    <td>
                      <Time value={w.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ListPage>
        )}
      </QueryState>
    </>
  );
}
