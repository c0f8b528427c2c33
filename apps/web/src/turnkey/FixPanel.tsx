import type { ApprovalRequired, ApprovalView } from '@app/schemas/approval';
import { resendParams, type TurnkeyMessageView } from '@app/schemas/turnkey';
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field } from '../ui/Field.tsx';
import { adviceFor, allowanceNumberOf, catalogueText, codeText, invoiceNumberOf } from './codes.ts';
import { problemText } from './problem.ts';

export type ResendOutcome =
  | { kind: 'done'; number: string; items: TurnkeyMessageView[] }
  | { kind: 'approval'; approval: ApprovalView };

type ResendAnswer = { items: TurnkeyMessageView[] } | ApprovalRequired;

/** Who the message is about, looked up through the invoice or the allowance (needs invoice.read). */
function useSubject(message: TurnkeyMessageView) {
  const can = useCan();
  const ownNumber = invoiceNumberOf(message);
  const allowance = allowanceNumberOf(message);
  const readable = can('invoice.read');
  const invoice = useApiQuery<{ sellerId: string }>(
    readable && ownNumber ? `/api/v1/invoices/${encodeURIComponent(ownNumber)}` : null,
  );
  const allowanceQ = useApiQuery<{ sellerId: string; invoiceNumber: string }>(
    readable && allowance ? `/api/v1/allowances/${encodeURIComponent(allowance)}` : null,
  );
  const lookup = ownNumber ? invoice : allowance ? allowanceQ : null;
  return {
    invoiceNumber: ownNumber ?? allowanceQ.data?.invoiceNumber ?? null,
    allowanceNumber: allowance,
    sellerId: (ownNumber ? invoice.data?.sellerId : allowanceQ.data?.sellerId) ?? null,
    /** Whether this message belongs to an invoice number at all (E0401/E0402 do not). */
    hasInvoice: ownNumber !== null || allowance !== null,
    readable,
    loading: readable && lookup?.isPending === true,
    error: lookup?.isError ? lookup.error : null,
  };
}

/**
 * A rejected, invalid or dead message: why, what to fix and where, and a resend of the invoice's messages
 * (which may need a second person's approval: the API then answers 202 with the approval request).
 */
export function FixPanel({
  message,
  onClose,
  onDone,
}: {
  message: TurnkeyMessageView;
  onClose: () => void;
  onDone: (outcome: ResendOutcome) => void;
}) {
  const { t, locale } = useI18n();
  const can = useCan();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const subject = useSubject(message);
  const advice = adviceFor(message);
  const [typedNumber, setTypedNumber] = useState('');
  const [numberError, setNumberError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const [scope, setScope] = useState<'this' | 'all'>('this');

  useEffect(() => heading.current?.focus(), []);

  const resend = useApiMutation(
    (api, v: { number: string; body: { messageIds?: string[] } }) =>
      api.post<ResendAnswer>(`/api/v1/invoices/${encodeURIComponent(v.number)}/resend`, v.body),
    ['/api/v1/turnkey/', '/api/v1/invoices/', '/api/v1/approvals'],
  );

  const number = subject.invoiceNumber ?? (typedNumber.trim() || null);
  const text = codeText(message.resultCode, message.resultMessage, locale);
  const catalogue = catalogueText(message.resultCode, locale);

  const ask = () => {
    const parsed = resendParams.safeParse({ number: number ?? '' });
    if (!parsed.success) {
      setNumberError(parsed.error.issues[0]?.message);
      return;
    }
    setNumberError(undefined);
    resend.reset();
    setConfirming(true);
  };

  const confirm = () => {
    if (!number) return;
    const body = scope === 'this' ? { messageIds: [message.id] } : {};
    resend.mutate(
      { number, body },
      {
        onSuccess: (r) => {
          setConfirming(false);
          onDone('approvalRequired' in r ? { kind: 'approval', approval: r.approval } : { kind: 'done', number, items: r.items });
        },
      },
    );
  };

  return (
    <section className="card" aria-labelledby={headingId}>
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        {t('turnkey.fix.title', { type: message.messageType, identifier: message.identifier })}
      </h3>
      <dl className="props">
        <dt>{t('turnkey.messages.status')}</dt>
        <dd>{t(`turnkey.status.${message.status}`)}</dd>
        <dt>{t('turnkey.fix.code')}</dt>
        <dd>
          {message.resultCode ? <code>{message.resultCode}</code> : t('common.none')}
          {text && <div>{text}</div>}
          {catalogue && catalogue !== text && <div className="meta">{t('turnkey.fix.catalogue', { text: catalogue })}</div>}
        </dd>
        <dt>{t('turnkey.messages.lastError')}</dt>
        <dd>{message.lastError ? <pre className="code">{message.lastError}</pre> : t('common.none')}</dd>
        <dt>{t('turnkey.messages.attempts')}</dt>
        <dd>{message.attempts}</dd>
        <dt>{t('turnkey.fix.fileName')}</dt>
        <dd>{message.fileName ?? t('common.none')}</dd>
        {subject.allowanceNumber && (
          <>
            <dt>{t('turnkey.fix.allowanceNumber')}</dt>
            <dd>{subject.allowanceNumber}</dd>
          </>
        )}
        <dt>{t('turnkey.fix.invoiceNumber')}</dt>
        <dd>
          {subject.invoiceNumber ? (
            <Link to={`/invoices/${subject.invoiceNumber}`}>{subject.invoiceNumber}</Link>
          ) : (
            t('common.none')
          )}
        </dd>
      </dl>

      <h4>{t('turnkey.fix.whatToDo')}</h4>
      <p>{t(advice.text)}</p>
      <ul>
        {(advice.place === 'seller' || advice.place === 'invoice') && subject.sellerId && (
          <li>
            <Link to={`/sellers/${subject.sellerId}`}>{t('turnkey.fix.sellerLink')}</Link>{' '}
            <span className="meta">{t('turnkey.fix.sellerHint')}</span>
          </li>
        )}
        {subject.invoiceNumber && advice.place !== 'none' && (
          <li>
            <Link to={`/invoices/${subject.invoiceNumber}`}>
              {t('turnkey.fix.invoiceLink', { number: subject.invoiceNumber })}
            </Link>{' '}
            <span className="meta">{t('turnkey.fix.invoiceHint')}</span>
          </li>
        )}
        {advice.place === 'pipeline' && (
          <li>
            <Link to="/turnkey/dead-letters">{t('turnkey.fix.deadLettersLink')}</Link>
          </li>
        )}
      </ul>
      {subject.loading && (
        <p role="status" aria-busy="true" className="meta">
          {t('turnkey.fix.lookingUp')}
        </p>
      )}
      {subject.error !== null && (
        <p role="alert" className="form-error">
          {t('turnkey.fix.lookupFailed', { message: problemText(t, subject.error) })}
        </p>
      )}
      {!subject.readable && subject.hasInvoice && <p className="meta">{t('turnkey.fix.noInvoiceRead')}</p>}

      {!subject.hasInvoice ? (
        <p className="meta">{t('turnkey.fix.cannotResend')}</p>
      ) : (
        can('turnkey.manage') && (
          <>
            {!advice.resend && <p className="meta">{t('turnkey.fix.resendNotAdvised')}</p>}
            {!subject.invoiceNumber && !subject.loading && (
              <Field
                name="invoiceNumber"
                label={t('turnkey.fix.typeNumber')}
                hint={t('turnkey.fix.typeNumberHint')}
                value={typedNumber}
                error={numberError}
                onChange={(e) => setTypedNumber(e.target.value.toUpperCase())}
                autoComplete="off"
              />
            )}
            {numberError && subject.invoiceNumber && (
              <p role="alert" className="form-error">
                {numberError}
              </p>
            )}
          </>
        )
      )}
      <div className="actions">
        {subject.hasInvoice && can('turnkey.manage') && (
          <button type="button" className="primary" onClick={ask} disabled={subject.loading}>
            {t('turnkey.resend.button')}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>

      <ConfirmDialog
        open={confirming}
        title={t('turnkey.resend.confirmTitle', { number: number ?? '' })}
        confirmLabel={t('turnkey.resend.confirm')}
        busy={resend.isPending}
        error={resend.isError ? problemText(t, resend.error) : null}
        onConfirm={confirm}
        onCancel={() => setConfirming(false)}
      >
        <p>{t('turnkey.resend.confirmBody')}</p>
        <fieldset>
          <legend>{t('turnkey.resend.scope')}</legend>
          <label>
            <input type="radio" name="scope" value="this" checked={scope === 'this'} onChange={() => setScope('this')} />{' '}
            {t('turnkey.resend.scopeThis', { type: message.messageType, id: message.id })}
          </label>
          <br />
          <label>
            <input type="radio" name="scope" value="all" checked={scope === 'all'} onChange={() => setScope('all')} />{' '}
            {t('turnkey.resend.scopeAll', { number: number ?? '' })}
          </label>
        </fieldset>
        <p className="meta">{t('turnkey.resend.approvalNote')}</p>
      </ConfirmDialog>
    </section>
  );
}
