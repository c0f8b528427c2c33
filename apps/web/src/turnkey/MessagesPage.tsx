import { listTurnkeyMessagesQuery, MESSAGE_STATUSES, type TurnkeyMessageView } from '@app/schemas/turnkey';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { SelectField } from '../ui/Field.tsx';
import { FilterActions, Pager, useFilterDraft, useListParams } from '../ui/list.tsx';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import { catalogueText, codeText, invoiceNumberOf, NEEDS_ATTENTION, statusBadge } from './codes.ts';
import { FixPanel, type ResendOutcome } from './FixPanel.tsx';

/** The API's filters of GET /api/v1/turnkey/messages (the cursor is its `before`). */
const KEYS = ['status', 'messageType'] as const;
const MESSAGE_TYPES = listTurnkeyMessagesQuery.shape.messageType.unwrap().options;
/** The URL parameter naming the message whose fix-and-resend panel is open. */
const OPEN = 'open';

type Page = { items: TurnkeyMessageView[]; nextCursor: string | null };

/** The messages that need staff (by default), with their codes explained, and fix-and-resend for each. */
export function MessagesPage() {
  const { t, locale } = useI18n();
  const list = useListParams(KEYS);
  const [params, setParams] = useSearchParams();
  const openId = params.get(OPEN);
  const [outcome, setOutcome] = useState<ResendOutcome | null>(null);
  const query = useApiQuery<Page>('/api/v1/turnkey/messages', {
    status: list.filters.status || undefined,
    messageType: list.filters.messageType || undefined,
    before: list.cursor,
  });

  const { draft, field, apply } = useFilterDraft(list, (d) => ({
    status: d.status === 'attention' ? '' : d.status,
    messageType: d.messageType,
  }));

  const open = (id: string | null) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (id) next.set(OPEN, id);
      else next.delete(OPEN);
      return next;
    });

  const statusOptions = [
    { value: 'attention', label: t('turnkey.status.attention') },
    ...MESSAGE_STATUSES.map((s) => ({ value: s, label: t(`turnkey.status.${s}`) })),
  ];

  return (
    <section aria-labelledby="turnkey-messages-heading">
      <h2 id="turnkey-messages-heading">{t('turnkey.messages.title')}</h2>
      <p className="meta">{t('turnkey.messages.intro')}</p>
      <form className="filters" onSubmit={apply} aria-label={t('common.filter')}>
        <SelectField
          {...field('status')}
          label={t('turnkey.messages.status')}
          value={draft.status || 'attention'}
          options={statusOptions}
        />
        <SelectField
          {...field('messageType')}
          label={t('turnkey.messages.messageType')}
          options={[{ value: '', label: t('common.all') }, ...MESSAGE_TYPES.map((m) => ({ value: m, label: m }))]}
        />
        <FilterActions onClear={list.clearFilters} />
      </form>

      {outcome && <OutcomeNotice outcome={outcome} onClose={() => setOutcome(null)} />}

      <QueryState query={query} loading={t('turnkey.messages.loading')}>
        {(page) => {
          const selected = openId ? page.items.find((m) => m.id === openId) : undefined;
          return (
            <>
              {page.items.length === 0 ? (
                <p>{t('common.empty')}</p>
              ) : (
                <div className="table-wrap">
                  <table>
                    <caption>{t('turnkey.messages.caption')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('turnkey.messages.messageType')}</th>
                        <th scope="col">{t('turnkey.messages.identifier')}</th>
                        <th scope="col">{t('turnkey.messages.status')}</th>
                        <th scope="col">{t('turnkey.messages.attempts')}</th>
                        <th scope="col">{t('turnkey.messages.result')}</th>
                        <th scope="col">{t('turnkey.messages.lastError')}</th>
                        <th scope="col">{t('turnkey.messages.times')}</th>
                        <th scope="col">{t('common.actions')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {page.items.map((m) => {
                        const number = invoiceNumberOf(m);
                        const text = codeText(m.resultCode, m.resultMessage, locale);
                        const catalogue = catalogueText(m.resultCode, locale);
                        return (
                          <tr key={m.id} aria-current={m.id === openId ? 'true' : undefined}>
                            <td>{m.messageType}</td>
                            <td>
                              {number ? <Link to={`/invoices/${number}`}>{number}</Link> : null}
                              <div className="meta">{m.identifier}</div>
                            </td>
                            <td>
                              <span className={`badge ${statusBadge(m.status)}`}>{t(`turnkey.status.${m.status}`)}</span>
                            </td>
                            <td>{m.attempts}</td>
                            <td>
                              {m.resultCode ? <code>{m.resultCode}</code> : t('common.none')}
                              {text && <div>{text}</div>}
                              {catalogue && catalogue !== text && <div className="meta">{catalogue}</div>}
                            </td>
                            <td>{m.lastError ?? t('common.none')}</td>
                            <td>
                              <div>
                                {t('turnkey.messages.createdAt')} <Time value={m.createdAt} />
                              </div>
                              <div>
                                {t('turnkey.messages.deliveredAt')} <Time value={m.deliveredAt} />
                              </div>
                              <div>
                                {t('turnkey.messages.resultAt')} <Time value={m.resultAt} />
                              </div>
                            </td>
                            <td>
                              {NEEDS_ATTENTION.has(m.status) && (
                                <button
                                  type="button"
                                  onClick={() => open(m.id === openId ? null : m.id)}
                                  aria-expanded={m.id === openId}
                                >
                                  {t('turnkey.fix.open', { type: m.messageType })}
                                </button>
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              )}
              <Pager page={list.page} nextCursor={page.nextCursor} onNext={list.nextPage} onFirst={list.firstPage} />
              {openId && !selected && <p className="meta">{t('turnkey.fix.notOnPage', { id: openId })}</p>}
              {selected && (
                <FixPanel
                  key={selected.id}
                  message={selected}
                  onClose={() => open(null)}
                  onDone={(o) => {
                    setOutcome(o);
                    open(null);
                  }}
                />
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}

function OutcomeNotice({ outcome, onClose }: { outcome: ResendOutcome; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div role="status" className="card">
      {outcome.kind === 'approval' ? (
        <>
          <p>
            <strong>{t('turnkey.resend.approvalRequested')}</strong>{' '}
            {t('turnkey.resend.approvalExplain', { number: outcome.approval.invoiceNumber })}
          </p>
          <p>
            <Link to={`/approvals/${outcome.approval.id}`}>{t('turnkey.resend.openApproval', { id: outcome.approval.id })}</Link>
          </p>
        </>
      ) : (
        <>
          <p>
            <strong>{t('turnkey.resend.done', { number: outcome.number, count: outcome.items.length })}</strong>
          </p>
          <ul>
            {outcome.items.map((m) => (
              <li key={m.id}>
                {m.messageType} {m.identifier} — {t(`turnkey.status.${m.status}`)}
              </li>
            ))}
          </ul>
        </>
      )}
      <button type="button" onClick={onClose}>
        {t('common.close')}
      </button>
    </div>
  );
}
