import type { ClientErrorView } from '@app/schemas/client-error';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { ExpandableRow, useExpandedRow } from '../ui/ExpandableRow.tsx';
import { ListPage, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { SystemNav } from './SystemNav.tsx';

type Page = { items: ClientErrorView[]; nextCursor: string | null };
/** The list takes no filters, only the cursor (held in the URL by useListParams). */
const KEYS = [] as const;

/** The render errors browsers reported (GlobalErrorBoundary), newest first; each expands to its stacks. */
export function ClientErrorsPage() {
  const { t } = useI18n();
  const list = useListParams(KEYS);
  const query = useApiQuery<Page>('/api/v1/client-errors', list.query);
  const rows = useExpandedRow();
  return (
    <div className="client-errors">
      <h1>{t('system.clientErrors.title')}</h1>
      <SystemNav />
      <p className="meta">{t('system.clientErrors.hint')}</p>
      <QueryState query={query}>
        {(page) => (
          <ListPage list={list} page={page} empty={t('system.clientErrors.none')}>
            <table>
              <caption>{t('system.clientErrors.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('system.clientErrors.occurredAt')}</th>
                  <th scope="col">{t('system.clientErrors.user')}</th>
                  <th scope="col">{t('system.clientErrors.message')}</th>
                  <th scope="col">{t('system.clientErrors.url')}</th>
                  <th scope="col">{t('system.clientErrors.appVersion')}</th>
                  <th scope="col">{t('common.details')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((e) => (
                  <ExpandableRow
                    key={e.id}
                    id={`client-error-${e.id}`}
                    open={rows.isOpen(e.id)}
                    onToggle={() => rows.toggle(e.id)}
                    show={t('system.clientErrors.show')}
                    hide={t('system.clientErrors.hide')}
                    colSpan={6}
                    details={<Details report={e} />}
                  >
                    <td>
                      <Time value={e.occurredAt} />
                    </td>
                    <td>{e.username ?? t('system.clientErrors.anonymous')}</td>
                    <td>{e.message}</td>
                    <td>
                      <code>{e.url}</code>
                    </td>
                    <td>{e.appVersion ?? t('common.none')}</td>
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

function Details({ report: e }: { report: ClientErrorView }) {
  const { t } = useI18n();
  return (
    <section aria-label={t('system.clientErrors.detailsOf', { id: e.id })}>
      <dl className="props">
        <dt>{t('system.clientErrors.receivedAt')}</dt>
        <dd>
          <Time value={e.receivedAt} />
        </dd>
        <dt>{t('system.clientErrors.userAgent')}</dt>
        <dd>{e.userAgent}</dd>
        <dt>{t('system.clientErrors.deviceId')}</dt>
        <dd>
          <code>{e.deviceId ?? t('common.none')}</code>
        </dd>
        <dt>{t('system.clientErrors.ip')}</dt>
        <dd>{e.ip ?? t('common.none')}</dd>
      </dl>
      <h2>{t('system.clientErrors.stack')}</h2>
      <pre className="code">{e.stack ?? t('common.none')}</pre>
      <h2>{t('system.clientErrors.componentStack')}</h2>
      <pre className="code">{e.componentStack ?? t('common.none')}</pre>
    </section>
  );
}
