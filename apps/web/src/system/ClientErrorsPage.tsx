import type { ClientErrorView } from '@app/schemas/client-error';
import { Fragment, useState } from 'react';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { Pager, useListParams } from '../ui/list.tsx';
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
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="client-errors">
      <h1>{t('system.clientErrors.title')}</h1>
      <SystemNav />
      <p className="meta">{t('system.clientErrors.hint')}</p>
      <QueryState query={query}>
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <p>{t('system.clientErrors.none')}</p>
            ) : (
              <div className="table-wrap">
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
                      <Fragment key={e.id}>
                        <tr>
                          <td>
                            <Time value={e.occurredAt} />
                          </td>
                          <td>{e.username ?? t('system.clientErrors.anonymous')}</td>
                          <td>{e.message}</td>
                          <td>
                            <code>{e.url}</code>
                          </td>
                          <td>{e.appVersion ?? t('common.none')}</td>
                          <td>
                            <button
                              type="button"
                              aria-expanded={open === e.id}
                              aria-controls={`client-error-${e.id}`}
                              onClick={() => setOpen(open === e.id ? null : e.id)}
                            >
                              {open === e.id ? t('system.clientErrors.hide') : t('system.clientErrors.show')}
                            </button>
                          </td>
                        </tr>
                        {open === e.id && (
                          <tr id={`client-error-${e.id}`}>
                            <td colSpan={6}>
                              <Details report={e} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <Pager page={list.page} nextCursor={page.nextCursor} onNext={list.nextPage} onFirst={list.firstPage} />
          </>
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
