import type { AllowanceDetail } from '@app/schemas/allowance';
import type { InvoiceXmlView } from '@app/schemas/invoice';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';
import { Time } from '../ui/Time.tsx';
import {
  AllowanceDialog,
  CancelDialog,
  EndAllowanceDialog,
  type InvoiceDetail,
  type Outcome,
  RESENDABLE,
  ResendDialog,
  VoidDialog,
} from './actions.tsx';
import { codeLabel, plainDecimal, StatusBadge, sellerName, siteName, useSellers, useSites } from './shared.tsx';

const NUMBER_RE = /^[A-Z]{2}\d{8}$/;

export function InvoiceDetailPage() {
  const { t } = useI18n();
  const { number = '' } = useParams();
  const valid = NUMBER_RE.test(number);
  const q = useApiQuery<InvoiceDetail>(valid ? `/api/v1/invoices/${number}` : null);
  if (!valid) {
    return (
      <>
        <h1>{t('invoices.detail.title', { number })}</h1>
        <p role="alert">{t('invoices.detail.badNumber')}</p>
        <Link to="/invoices">{t('invoices.backToList')}</Link>
      </>
    );
  }
  return (
    <QueryState query={q} loading={t('invoices.detail.loading')}>
      {(inv) => <InvoiceView invoice={inv} />}
    </QueryState>
  );
}

type Dialog = 'cancel' | 'void' | 'allowance' | 'resend' | { end: 'cancel' | 'void'; allowance: AllowanceDetail } | null;

function InvoiceView({ invoice: inv }: { invoice: InvoiceDetail }) {
  const { t, format } = useI18n();
  const can = useCan();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const sellers = useSellers();
  const sites = useSites([inv.sellerId]);
  const n = inv.invoiceNumber;

  const issued = inv.status === 'issued';
  const resendable = inv.turnkey.some((m) => RESENDABLE.includes(m.status));
  const actions = {
    cancel: issued && can('invoice.cancel'),
    void: issued && can('invoice.void'),
    allowance: issued && can('allowance.issue') && inv.remaining.totalAmount > 0,
    resend: resendable && can('turnkey.manage'),
  };
  const close = () => setDialog(null);
  const done = (o: Outcome) => setOutcome(o);
  const itemOf = (seq: number) => inv.items.find((i) => i.seq === seq);

  return (
    <>
      <p className="no-print">
        <Link to="/invoices">{t('invoices.backToList')}</Link>
      </p>
      <h1>
        {t('invoices.detail.title', { number: n })} <StatusBadge status={inv.status} />
      </h1>

      <div role="status" className="inv-outcome">
        {outcome?.kind === 'done' && <p className="inv-done">{outcome.text}</p>}
        {outcome?.kind === 'approval' && (
          <p className="inv-approval">
            {t('invoices.approval.submitted')}{' '}
            <Link to={`/approvals/${encodeURIComponent(outcome.approvalId)}`}>
              {t('invoices.approval.view', { id: outcome.approvalId })}
            </Link>
          </p>
        )}
      </div>

      <div className="actions no-print">
        <Link to={`/invoices/${n}/proof`} className="inv-button-link">
          {t('invoices.proof.open')}
        </Link>
        {actions.cancel && (
          <button type="button" className="danger" onClick={() => setDialog('cancel')}>
            {t('invoices.cancel.action')}
          </button>
        )}
        {actions.void && (
          <button type="button" className="danger" onClick={() => setDialog('void')}>
            {t('invoices.void.action')}
          </button>
        )}
        {actions.allowance && (
          <button type="button" onClick={() => setDialog('allowance')}>
            {t('invoices.allowance.action')}
          </button>
        )}
        {actions.resend && (
          <button type="button" onClick={() => setDialog('resend')}>
            {t('invoices.resend.action')}
          </button>
        )}
      </div>

      <section className="card" aria-labelledby="inv-facts">
        <h2 id="inv-facts">{t('invoices.detail.facts')}</h2>
        <dl className="props">
          <dt>{t('invoices.field.number')}</dt>
          <dd>{n}</dd>
          <dt>{t('invoices.field.status')}</dt>
          <dd>
            <StatusBadge status={inv.status} />
          </dd>
          <dt>{t('invoices.field.yearMonth')}</dt>
          <dd>{inv.yearMonth}</dd>
          <dt>{t('invoices.field.invoiceDate')}</dt>
          <dd>{inv.invoiceDate}</dd>
          <dt>{t('invoices.field.invoiceTime')}</dt>
          <dd>
            <Time value={inv.invoiceTime} />
          </dd>
          <dt>{t('invoices.field.randomNumber')}</dt>
          <dd>{inv.randomNumber}</dd>
          <dt>{t('invoices.field.invoiceType')}</dt>
          <dd>{codeLabel(t, 'invoices.invoiceType', inv.invoiceType)}</dd>
          <dt>{t('invoices.field.taxType')}</dt>
          <dd>{codeLabel(t, 'invoices.taxType', inv.taxType)}</dd>
          <dt>{t('invoices.field.taxRate')}</dt>
          <dd>{inv.taxRate}</dd>
          <dt>{t('invoices.field.seller')}</dt>
          <dd>{sellerName(sellers.byId.get(inv.sellerId), inv.sellerId)}</dd>
          <dt>{t('invoices.field.site')}</dt>
          <dd>{siteName(sites.get(inv.siteId), inv.siteId)}</dd>
          <dt>{t('invoices.field.device')}</dt>
          <dd>{inv.deviceId ?? t('common.none')}</dd>
          <dt>{t('invoices.field.printMark')}</dt>
          <dd>{codeLabel(t, 'invoices.printMark', inv.printMark)}</dd>
          <dt>{t('invoices.field.mainRemark')}</dt>
          <dd>{inv.mainRemark ?? t('common.none')}</dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="inv-buyer">
        <h2 id="inv-buyer">{t('invoices.detail.buyer')}</h2>
        <dl className="props">
          <dt>{t('invoices.field.buyerBan')}</dt>
          <dd>{inv.buyerBan ?? t('invoices.buyer.consumer')}</dd>
          <dt>{t('invoices.field.buyerName')}</dt>
          <dd>{inv.buyerName ?? t('common.none')}</dd>
          <dt>{t('invoices.field.buyerAddress')}</dt>
          <dd>{inv.buyerAddress ?? t('common.none')}</dd>
          <dt>{t('invoices.field.carrier')}</dt>
          <dd>
            {inv.carrier
              ? t('invoices.carrier.value', {
                  type: codeLabel(t, 'invoices.carrierType', inv.carrier.type),
                  id1: inv.carrier.id1 || t('common.none'),
                  id2: inv.carrier.id2 || t('common.none'),
                })
              : t('common.none')}
          </dd>
          <dt>{t('invoices.field.npoban')}</dt>
          <dd>{inv.npoban ?? t('common.none')}</dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="inv-items">
        <h2 id="inv-items">{t('invoices.detail.items')}</h2>
        <div className="table-wrap">
          <table aria-labelledby="inv-items">
            <thead>
              <tr>
                <th scope="col">{t('invoices.item.seq')}</th>
                <th scope="col">{t('invoices.item.description')}</th>
                <th scope="col" className="inv-num">
                  {t('invoices.item.quantity')}
                </th>
                <th scope="col">{t('invoices.item.unit')}</th>
                <th scope="col" className="inv-num">
                  {t('invoices.item.unitPrice')}
                </th>
                <th scope="col" className="inv-num">
                  {t('invoices.item.amount')}
                </th>
                <th scope="col">{t('invoices.field.taxType')}</th>
                <th scope="col">{t('invoices.field.remark')}</th>
              </tr>
            </thead>
            <tbody>
              {inv.items.map((i) => (
                <tr key={i.seq}>
                  <td>{i.seq}</td>
                  <td>{i.description}</td>
                  <td className="inv-num">{plainDecimal(i.quantity)}</td>
                  <td>{i.unit ?? t('common.none')}</td>
                  <td className="inv-num">{plainDecimal(i.unitPrice)}</td>
                  <td className="inv-num">{format.number(i.amount)}</td>
                  <td>{i.taxType ? codeLabel(t, 'invoices.taxType', i.taxType) : t('common.none')}</td>
                  <td>{i.remark ?? t('common.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="inv-amounts">
        <h2 id="inv-amounts">{t('invoices.detail.amounts')}</h2>
        <dl className="props inv-amounts">
          <dt>{t('invoices.amount.sales')}</dt>
          <dd>{format.number(inv.salesAmount)}</dd>
          <dt>{t('invoices.amount.freeTax')}</dt>
          <dd>{format.number(inv.freeTaxSalesAmount)}</dd>
          <dt>{t('invoices.amount.zeroTax')}</dt>
          <dd>{format.number(inv.zeroTaxSalesAmount)}</dd>
          <dt>{t('invoices.amount.tax')}</dt>
          <dd>{format.number(inv.taxAmount)}</dd>
          <dt>{t('invoices.amount.total')}</dt>
          <dd>
            <strong>{format.number(inv.totalAmount)}</strong>
          </dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="inv-allowances">
        <h2 id="inv-allowances">{t('invoices.detail.allowances')}</h2>
        <p>{t('invoices.remaining.total', { amount: format.number(inv.remaining.totalAmount) })}</p>
        <div className="table-wrap">
          <table>
            <caption>{t('invoices.remaining.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('invoices.item.seq')}</th>
                <th scope="col">{t('invoices.item.description')}</th>
                <th scope="col" className="inv-num">
                  {t('invoices.item.amount')}
                </th>
                <th scope="col" className="inv-num">
                  {t('invoices.remaining.allowed')}
                </th>
                <th scope="col" className="inv-num">
                  {t('invoices.remaining.remaining')}
                </th>
              </tr>
            </thead>
            <tbody>
              {inv.remaining.items.map((r) => (
                <tr key={r.seq}>
                  <td>{r.seq}</td>
                  <td>{itemOf(r.seq)?.description ?? t('common.none')}</td>
                  <td className="inv-num">{format.number(r.amount)}</td>
                  <td className="inv-num">{format.number(r.allowed)}</td>
                  <td className="inv-num">{format.number(r.remaining)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {inv.allowances.length === 0 ? (
          <p>{t('invoices.allowances.none')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption>{t('invoices.allowances.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('invoices.allowances.number')}</th>
                  <th scope="col">{t('invoices.field.allowanceDate')}</th>
                  <th scope="col">{t('invoices.field.status')}</th>
                  <th scope="col">{t('invoices.allowances.items')}</th>
                  <th scope="col" className="inv-num">
                    {t('invoices.allowances.untaxed')}
                  </th>
                  <th scope="col" className="inv-num">
                    {t('invoices.amount.tax')}
                  </th>
                  <th scope="col" className="inv-num">
                    {t('invoices.allowances.gross')}
                  </th>
                  <th scope="col">{t('invoices.allowances.ended')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {inv.allowances.map((a) => (
                  <tr key={a.id}>
                    <td>{a.allowanceNumber}</td>
                    <td>{a.allowanceDate}</td>
                    <td>
                      <StatusBadge status={a.status} />
                    </td>
                    <td>
                      <ul className="inv-plain">
                        {a.items.map((i) => (
                          <li key={i.seq}>
                            {t('invoices.allowances.item', {
                              seq: i.originalSeq,
                              description: i.description,
                              quantity: plainDecimal(i.quantity),
                              amount: format.number(i.amount),
                            })}
                          </li>
                        ))}
                      </ul>
                      {a.remark && <p className="meta">{a.remark}</p>}
                    </td>
                    <td className="inv-num">{format.number(a.totalAmount)}</td>
                    <td className="inv-num">{format.number(a.taxAmount)}</td>
                    <td className="inv-num">{format.number(a.grossAmount)}</td>
                    <td>
                      {a.endedAt ? (
                        <>
                          <Time value={a.endedAt} />
                          {a.reason && <p className="meta">{a.reason}</p>}
                        </>
                      ) : (
                        t('common.none')
                      )}
                    </td>
                    <td>
                      {a.status === 'issued' && can('allowance.issue') && (
                        <div className="actions">
                          <button type="button" onClick={() => setDialog({ end: 'cancel', allowance: a })}>
                            {t('invoices.endAllowance.cancel.action')}
                          </button>
                          <button type="button" onClick={() => setDialog({ end: 'void', allowance: a })}>
                            {t('invoices.endAllowance.void.action')}
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="inv-history">
        <h2 id="inv-history">{t('invoices.detail.history')}</h2>
        <ol className="inv-timeline">
          {inv.history.map((h) => (
            <li key={`${h.invoiceId}-${h.kind}-${h.at}`}>
              <Time value={h.at} /> <strong>{t(`invoices.history.${h.kind}`)}</strong>
              {h.reason && <> — {t('invoices.history.reason', { reason: h.reason })}</>}
              {h.returnTaxDocumentNumber && (
                <> — {t('invoices.history.returnTaxDocumentNumber', { value: h.returnTaxDocumentNumber })}</>
              )}
              {h.remark && <> — {t('invoices.history.remark', { remark: h.remark })}</>}
              <span className="meta">
                {' '}
                {t('invoices.history.meta', { by: h.by ?? '—', requestId: h.requestId ?? '—', version: h.invoiceId })}
              </span>
            </li>
          ))}
        </ol>
        <p className="meta">{t('common.timeZoneNote')}</p>
      </section>

      <section className="card" aria-labelledby="inv-turnkey">
        <h2 id="inv-turnkey">{t('invoices.detail.turnkey')}</h2>
        {inv.turnkey.length === 0 ? (
          <p>{t('invoices.turnkey.none')}</p>
        ) : (
          <div className="table-wrap">
            <table aria-labelledby="inv-turnkey">
              <thead>
                <tr>
                  <th scope="col">{t('invoices.turnkey.messageType')}</th>
                  <th scope="col">{t('invoices.field.status')}</th>
                  <th scope="col">{t('invoices.turnkey.attempts')}</th>
                  <th scope="col">{t('invoices.turnkey.times')}</th>
                  <th scope="col">{t('invoices.turnkey.result')}</th>
                </tr>
              </thead>
              <tbody>
                {inv.turnkey.map((m) => (
                  <tr key={m.id}>
                    <td>
                      {m.messageType}
                      <div className="meta">{m.identifier}</div>
                      {m.fileName && <div className="meta">{m.fileName}</div>}
                    </td>
                    <td>
                      <span className={`badge ${TURNKEY_BADGE[m.status]}`}>{t(`invoices.turnkey.status.${m.status}`)}</span>
                    </td>
                    <td>{m.attempts}</td>
                    <td>
                      <div>
                        {t('invoices.turnkey.created')} <Time value={m.createdAt} />
                      </div>
                      <div>
                        {t('invoices.turnkey.delivered')} <Time value={m.deliveredAt} />
                      </div>
                      <div>
                        {t('invoices.turnkey.resultAt')} <Time value={m.resultAt} />
                      </div>
                    </td>
                    <td>
                      {m.resultCode && (
                        <div>
                          <code>{m.resultCode}</code> {m.resultMessage}
                        </div>
                      )}
                      {!m.resultCode && m.resultMessage && <div>{m.resultMessage}</div>}
                      {m.lastError && (
                        <div className="inv-error-text">{t('invoices.turnkey.lastError', { error: m.lastError })}</div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <XmlSection number={n} />

      {dialog === 'cancel' && <CancelDialog invoice={inv} open onClose={close} onOutcome={done} />}
      {dialog === 'void' && <VoidDialog invoice={inv} open onClose={close} onOutcome={done} />}
      {dialog === 'allowance' && <AllowanceDialog invoice={inv} open onClose={close} onOutcome={done} />}
      {dialog === 'resend' && <ResendDialog invoice={inv} open onClose={close} onOutcome={done} />}
      {typeof dialog === 'object' && dialog !== null && (
        <EndAllowanceDialog allowance={dialog.allowance} kind={dialog.end} onClose={close} onOutcome={done} />
      )}
    </>
  );
}

const TURNKEY_BADGE: Record<InvoiceDetail['turnkey'][number]['status'], string> = {
  pending: '',
  delivered: 'warn',
  accepted: 'good',
  rejected: 'bad',
  invalid: 'bad',
  dead: 'bad',
};

/** Save `text` as a file (the MIG XML of one message). */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/xml' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** The MIG 4.1 XML of each of the number's messages, loaded when asked for (it can be large). */
function XmlSection({ number }: { number: string }) {
  const { t } = useI18n();
  const [show, setShow] = useState(false);
  const q = useApiQuery<InvoiceXmlView>(show ? `/api/v1/invoices/${number}/xml` : null);
  return (
    <section className="card" aria-labelledby="inv-xml">
      <h2 id="inv-xml">{t('invoices.xml.title')}</h2>
      {!show ? (
        <button type="button" onClick={() => setShow(true)}>
          {t('invoices.xml.load')}
        </button>
      ) : (
        <QueryState query={q} loading={t('invoices.xml.loading')}>
          {(data) =>
            data.documents.length === 0 ? (
              <p>{t('invoices.xml.none')}</p>
            ) : (
              data.documents.map((d) => (
                <article key={d.messageId} className="inv-xml-doc" aria-labelledby={`inv-xml-${d.messageId}`}>
                  <h3 id={`inv-xml-${d.messageId}`}>
                    {t('invoices.xml.document', { type: d.messageType, id: d.messageId, status: d.status })}
                  </h3>
                  {d.xml !== null ? (
                    <>
                      <button
                        type="button"
                        onClick={() => download(`${number}-${d.messageType}-${d.messageId}.xml`, d.xml as string)}
                      >
                        {t('invoices.xml.download', { type: d.messageType })}
                      </button>
                      <pre className="code">{d.xml}</pre>
                    </>
                  ) : (
                    <p role="alert">{t('invoices.xml.error', { error: d.error ?? t('common.none') })}</p>
                  )}
                </article>
              ))
            )
          }
        </QueryState>
      )}
    </section>
  );
}
