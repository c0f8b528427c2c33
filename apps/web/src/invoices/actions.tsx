/**
 * The invoice's actions, each behind a confirmation dialog with its fields: cancel (作廢), void and re-issue
 * (註銷並重開), allowance (折讓), cancel/void an allowance, resend to Turnkey. Bodies are checked with the API's
 * own schemas first; the API's field errors come back next to the same fields. A void, a resend or a large
 * allowance may answer 202 "needs approval" instead of running: that is reported as such, not as done.
 */
import { type AllowanceDetail, endAllowanceBody, issueAllowanceBody } from '@app/schemas/allowance';
import type { invoiceDetail } from '@app/schemas/invoice';
import { cancelInvoiceBody, voidInvoiceBody } from '@app/schemas/lifecycle';
import { resendBody, type TurnkeyMessageView } from '@app/schemas/turnkey';
import { useState } from 'react';
import type { z } from 'zod';
import type { ApiClient } from '../api/client.ts';
import { ApiError } from '../api/errors.ts';
import { useApiMutation } from '../api/hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Field, SelectField, TextAreaField } from '../ui/Field.tsx';
import { dropEmpty, useZodForm } from '../ui/form.ts';
import { invoiceErrorText, isApprovalRequired, plainDecimal } from './shared.tsx';

export type InvoiceDetail = z.infer<typeof invoiceDetail>;

/** What an action came to: done (with what to say), or waiting for a second person's approval. */
export type Outcome = { kind: 'done'; text: string } | { kind: 'approval'; approvalId: string };

type ActionProps = { invoice: InvoiceDetail; open: boolean; onClose: () => void; onOutcome: (o: Outcome) => void };

const INVALIDATE = ['/api/v1/invoices', '/api/v1/allowances'];

/** The outcome of a write's answer: the 202 approval request, or done. */
function outcomeOf(answer: unknown, doneText: string): Outcome {
  return isApprovalRequired(answer) ? { kind: 'approval', approvalId: answer.approval.id } : { kind: 'done', text: doneText };
}

/** Field errors of the API or the schema that no field on screen shows (so none is lost). */
function OtherErrors({ errors, shown }: { errors: Record<string, string>; shown: readonly string[] }) {
  const other = Object.entries(errors).filter(([k]) => !shown.includes(k));
  if (other.length === 0) return null;
  return (
    <ul className="form-error inv-other-errors">
      {other.map(([k, m]) => (
        <li key={k}>
          <code>{k || '—'}</code>：{m}
        </li>
      ))}
    </ul>
  );
}

/** A refusal: field problems to the form, anything else as one message (with the API's code). */
function useFailure() {
  const { t } = useI18n();
  const [failure, setFailure] = useState<string | null>(null);
  const fail = (e: unknown, toForm: (e: unknown) => void) => {
    if (e instanceof ApiError && Object.keys(e.fieldErrors()).length > 0) {
      setFailure(null);
      toForm(e);
    } else setFailure(invoiceErrorText(t, e));
  };
  return { failure, setFailure, fail };
}

/**
 * A dialog whose form is one of the API's schemas: check it, send it, report the outcome (done, or the 202
 * approval request) and close; a refusal goes to the fields or the dialog. `close` also clears the form.
 */
function useFormAction<B>(
  form: { validate: () => B | null; fromApi: (e: unknown) => void; formError: string | null; reset: () => void },
  send: (api: ApiClient, body: B) => Promise<unknown>,
  opts: { onClose: () => void; onOutcome: (o: Outcome) => void; doneText: () => string },
) {
  const { failure, setFailure, fail } = useFailure();
  const m = useApiMutation(send, INVALIDATE);
  const close = () => {
    form.reset();
    setFailure(null);
    opts.onClose();
  };
  const confirm = () => {
    setFailure(null);
    const body = form.validate();
    if (!body) return;
    m.mutate(body, {
      onSuccess: (r) => {
        opts.onOutcome(outcomeOf(r, opts.doneText()));
        close();
      },
      onError: (e) => fail(e, form.fromApi),
    });
  };
  return { close, confirm, busy: m.isPending, error: failure ?? form.formError };
}

// ---------------------------------------------------------------------------------------------------------------
// Cancel (作廢)

export function CancelDialog({ invoice, open, onClose, onOutcome }: ActionProps) {
  const { t } = useI18n();
  const n = invoice.invoiceNumber;
  const form = useZodForm(cancelInvoiceBody, { reason: '', returnTaxDocumentNumber: '', remark: '' }, (v) => ({
    reason: v.reason,
    ...dropEmpty({ returnTaxDocumentNumber: v.returnTaxDocumentNumber, remark: v.remark }),
  }));
  const action = useFormAction(
    form,
    (api, body: z.infer<typeof cancelInvoiceBody>) => api.post<unknown>(`/api/v1/invoices/${n}/cancel`, body),
    { onClose, onOutcome, doneText: () => t('invoices.cancel.done', { number: n }) },
  );
  return (
    <ConfirmDialog
      open={open}
      title={t('invoices.cancel.title', { number: n })}
      confirmLabel={t('invoices.cancel.confirm')}
      danger
      busy={action.busy}
      error={action.error}
      onConfirm={action.confirm}
      onCancel={action.close}
    >
      <p>{t('invoices.cancel.explain')}</p>
      <Field
        label={t('invoices.field.reason')}
        required
        maxLength={400}
        hint={t('invoices.reasonHint')}
        {...form.field('reason')}
      />
      <Field
        label={t('invoices.field.returnTaxDocumentNumber')}
        maxLength={60}
        hint={t('invoices.cancel.returnTaxDocumentNumberHint')}
        {...form.field('returnTaxDocumentNumber')}
      />
      <TextAreaField label={t('invoices.field.remark')} maxLength={200} rows={2} {...form.field('remark')} />
      <OtherErrors errors={form.errors} shown={['reason', 'returnTaxDocumentNumber', 'remark']} />
    </ConfirmDialog>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Void and re-issue (註銷並重開)

const VOID_FIELDS = [
  'reason',
  'reissue.buyer.ban',
  'reissue.buyer.name',
  'reissue.buyer.address',
  'reissue.carrier.type',
  'reissue.carrier.id1',
  'reissue.carrier.id2',
  'reissue.donation.npoban',
  'reissue.printMark',
  'reissue.mainRemark',
] as const;
type VoidValues = Record<(typeof VOID_FIELDS)[number], string>;

const voidInitial = (inv: InvoiceDetail): VoidValues => ({
  reason: '',
  'reissue.buyer.ban': inv.buyerBan ?? '',
  'reissue.buyer.name': inv.buyerName ?? '',
  'reissue.buyer.address': inv.buyerAddress ?? '',
  'reissue.carrier.type': inv.carrier?.type ?? '',
  'reissue.carrier.id1': inv.carrier?.id1 ?? '',
  'reissue.carrier.id2': inv.carrier?.id2 ?? '',
  'reissue.donation.npoban': inv.npoban ?? '',
  'reissue.printMark': inv.printMark === 'Y' ? 'Y' : 'N',
  'reissue.mainRemark': inv.mainRemark ?? '',
});

/** The flat form as voidInvoiceBody: a part left wholly empty (buyer, carrier, donation) is left out. */
function voidBody(v: VoidValues) {
  const has = (...keys: (keyof VoidValues)[]) => keys.some((k) => v[k].trim() !== '');
  const buyer = dropEmpty({ ban: v['reissue.buyer.ban'], name: v['reissue.buyer.name'], address: v['reissue.buyer.address'] });
  return {
    reason: v.reason,
    reissue: {
      ...(Object.keys(buyer).length > 0 ? { buyer } : {}),
      ...(has('reissue.carrier.type', 'reissue.carrier.id1', 'reissue.carrier.id2')
        ? { carrier: { type: v['reissue.carrier.type'], id1: v['reissue.carrier.id1'], id2: v['reissue.carrier.id2'] } }
        : {}),
      ...(has('reissue.donation.npoban') ? { donation: { npoban: v['reissue.donation.npoban'] } } : {}),
      printMark: v['reissue.printMark'],
      ...(has('reissue.mainRemark') ? { mainRemark: v['reissue.mainRemark'] } : {}),
    },
  };
}

export function VoidDialog({ invoice, open, onClose, onOutcome }: ActionProps) {
  const { t } = useI18n();
  const n = invoice.invoiceNumber;
  const form = useZodForm(voidInvoiceBody, voidInitial(invoice), voidBody);
  const action = useFormAction(
    { ...form, reset: () => form.reset(voidInitial(invoice)) },
    (api, body: z.infer<typeof voidInvoiceBody>) => api.post<unknown>(`/api/v1/invoices/${n}/void`, body),
    { onClose, onOutcome, doneText: () => t('invoices.void.done', { number: n }) },
  );
  return (
    <ConfirmDialog
      open={open}
      title={t('invoices.void.title', { number: n })}
      confirmLabel={t('invoices.void.confirm')}
      danger
      busy={action.busy}
      error={action.error}
      onConfirm={action.confirm}
      onCancel={action.close}
    >
      <p>{t('invoices.void.explain')}</p>
      <Field
        label={t('invoices.field.reason')}
        required
        maxLength={400}
        hint={t('invoices.reasonHint')}
        {...form.field('reason')}
      />
      <fieldset className="inv-fieldset">
        <legend>{t('invoices.void.reissue')}</legend>
        <Field label={t('invoices.field.buyerBan')} inputMode="numeric" maxLength={10} {...form.field('reissue.buyer.ban')} />
        <Field label={t('invoices.field.buyerName')} maxLength={60} {...form.field('reissue.buyer.name')} />
        <Field label={t('invoices.field.buyerAddress')} maxLength={100} {...form.field('reissue.buyer.address')} />
        <Field
          label={t('invoices.field.carrierType')}
          maxLength={6}
          hint={t('invoices.void.carrierHint')}
          {...form.field('reissue.carrier.type')}
        />
        <Field label={t('invoices.field.carrierId1')} maxLength={400} {...form.field('reissue.carrier.id1')} />
        <Field label={t('invoices.field.carrierId2')} maxLength={400} {...form.field('reissue.carrier.id2')} />
        <Field label={t('invoices.field.npoban')} inputMode="numeric" maxLength={10} {...form.field('reissue.donation.npoban')} />
        <SelectField
          label={t('invoices.field.printMark')}
          options={[
            { value: 'Y', label: t('invoices.printMark.Y') },
            { value: 'N', label: t('invoices.printMark.N') },
          ]}
          {...form.field('reissue.printMark')}
        />
        <TextAreaField label={t('invoices.field.mainRemark')} maxLength={200} rows={2} {...form.field('reissue.mainRemark')} />
      </fieldset>
      <p className="meta">{t('invoices.void.approvalNote')}</p>
      <OtherErrors errors={form.errors} shown={VOID_FIELDS} />
    </ConfirmDialog>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Allowance (折讓)

type AllowanceRow = { seq: number; description: string; quantity: string; remaining: number };

export function AllowanceDialog({ invoice, open, onClose, onOutcome }: ActionProps) {
  const { t, format } = useI18n();
  const n = invoice.invoiceNumber;
  const rows: AllowanceRow[] = invoice.remaining.items
    .filter((r) => r.remaining > 0)
    .map((r) => {
      const item = invoice.items.find((i) => i.seq === r.seq);
      return {
        seq: r.seq,
        description: item?.description ?? '',
        quantity: plainDecimal(item?.quantity ?? '1'),
        remaining: r.remaining,
      };
    });
  const initialLines = () => Object.fromEntries(rows.map((r) => [r.seq, { quantity: r.quantity, amount: '' }]));
  const [lines, setLines] = useState<Record<number, { quantity: string; amount: string }>>(initialLines);
  const [allowanceDate, setAllowanceDate] = useState('');
  const [remark, setRemark] = useState('');
  /** Problems by field: `seq.<n>.amount`, `seq.<n>.quantity`, `allowanceDate`, `remark`, or others as named. */
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const { failure, setFailure, fail } = useFailure();
  const m = useApiMutation(
    (api, body: z.infer<typeof issueAllowanceBody>) => api.post<unknown>(`/api/v1/invoices/${n}/allowances`, body),
    INVALIDATE,
  );

  const chosen = rows.filter((r) => (lines[r.seq]?.amount ?? '').trim() !== '');
  const total = chosen.reduce((s, r) => s + (Number(lines[r.seq]?.amount) || 0), 0);

  /** A body path (`items.2.amount`) as the field on screen (`seq.5.amount`). */
  const onScreen = (path: string) => {
    const mm = /^items\.(\d+)(?:\.(\w+))?$/.exec(path);
    if (!mm) return path;
    const row = chosen[Number(mm[1])];
    return row ? `seq.${row.seq}.${mm[2] ?? 'amount'}` : path;
  };

  const setLine = (seq: number, key: 'quantity' | 'amount', value: string) => {
    setLines((l) => ({ ...l, [seq]: { ...(l[seq] ?? { quantity: '', amount: '' }), [key]: value } }));
    setErrors((e) => {
      const { [`seq.${seq}.${key}`]: _, ...rest } = e;
      return rest;
    });
  };

  const close = () => {
    setLines(initialLines());
    setAllowanceDate('');
    setRemark('');
    setErrors({});
    setFormError(null);
    setFailure(null);
    onClose();
  };

  const confirm = () => {
    setFailure(null);
    const input = {
      items: chosen.map((r) => ({
        seq: r.seq,
        quantity: (lines[r.seq]?.quantity ?? '').trim(),
        amount: (lines[r.seq]?.amount ?? '').trim(),
      })),
      ...dropEmpty({ allowanceDate, remark }),
    };
    const parsed = issueAllowanceBody.safeParse(input);
    const next: Record<string, string> = {};
    if (!parsed.success) for (const i of parsed.error.issues) next[onScreen(i.path.map(String).join('.'))] ??= i.message;
    // What is left per item, checked here too (the API checks again under its lock).
    for (const r of chosen) {
      const a = Number(lines[r.seq]?.amount);
      if (Number.isInteger(a) && a > r.remaining)
        next[`seq.${r.seq}.amount`] ??= t('invoices.allowance.overRemaining', { remaining: format.number(r.remaining) });
    }
    if (chosen.length === 0) {
      delete next.items;
      next[''] = t('invoices.allowance.noLines');
    }
    setErrors(next);
    if (Object.keys(next).length > 0 || !parsed.success) {
      setFormError(t('common.formInvalid'));
      return;
    }
    setFormError(null);
    m.mutate(parsed.data, {
      onSuccess: (r) => {
        const a = r as Partial<AllowanceDetail>;
        onOutcome(outcomeOf(r, t('invoices.allowance.done', { allowanceNumber: a.allowanceNumber ?? '—', number: n })));
        close();
      },
      onError: (e) =>
        fail(e, (err) => {
          const byField = err instanceof ApiError ? err.fieldErrors() : {};
          setErrors(Object.fromEntries(Object.entries(byField).map(([k, v]) => [onScreen(k), v])));
          setFormError(t('common.formInvalid'));
        }),
    });
  };

  const shown = ['allowanceDate', 'remark', ...rows.flatMap((r) => [`seq.${r.seq}.amount`, `seq.${r.seq}.quantity`])];
  return (
    <ConfirmDialog
      open={open}
      title={t('invoices.allowance.title', { number: n })}
      confirmLabel={t('invoices.allowance.confirm')}
      busy={m.isPending}
      error={failure ?? formError}
      onConfirm={confirm}
      onCancel={close}
    >
      <p>{t('invoices.allowance.explain', { remaining: format.number(invoice.remaining.totalAmount) })}</p>
      <div className="table-wrap">
        <table>
          <caption>{t('invoices.allowance.lines')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('invoices.item.seq')}</th>
              <th scope="col">{t('invoices.item.description')}</th>
              <th scope="col">{t('invoices.remaining.remaining')}</th>
              <th scope="col">{t('invoices.allowance.quantity')}</th>
              <th scope="col">{t('invoices.allowance.amount')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const amountErr = errors[`seq.${r.seq}.amount`];
              const qtyErr = errors[`seq.${r.seq}.quantity`];
              return (
                <tr key={r.seq}>
                  <td>{r.seq}</td>
                  <td>{r.description}</td>
                  <td className="inv-num">{format.number(r.remaining)}</td>
                  <td>
                    <input
                      aria-label={t('invoices.allowance.quantityOf', { seq: r.seq, description: r.description })}
                      inputMode="decimal"
                      size={6}
                      value={lines[r.seq]?.quantity ?? ''}
                      aria-invalid={qtyErr ? true : undefined}
                      onChange={(e) => setLine(r.seq, 'quantity', e.target.value)}
                    />
                    {qtyErr && <p className="field-error">{qtyErr}</p>}
                  </td>
                  <td>
                    <div className="inv-amount">
                      <input
                        aria-label={t('invoices.allowance.amountOf', { seq: r.seq, description: r.description })}
                        inputMode="numeric"
                        size={8}
                        value={lines[r.seq]?.amount ?? ''}
                        aria-invalid={amountErr ? true : undefined}
                        onChange={(e) => setLine(r.seq, 'amount', e.target.value)}
                      />
                      <button type="button" onClick={() => setLine(r.seq, 'amount', String(r.remaining))}>
                        {t('invoices.allowance.full')}
                      </button>
                    </div>
                    {amountErr && <p className="field-error">{amountErr}</p>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p>{t('invoices.allowance.total', { total: format.number(total) })}</p>
      <Field
        label={t('invoices.field.allowanceDate')}
        name="allowanceDate"
        type="date"
        value={allowanceDate}
        error={errors.allowanceDate}
        hint={t('invoices.allowance.dateHint')}
        onChange={(e) => setAllowanceDate(e.target.value)}
      />
      <TextAreaField
        label={t('invoices.field.remark')}
        name="remark"
        rows={2}
        maxLength={200}
        value={remark}
        error={errors.remark}
        onChange={(e) => setRemark(e.target.value)}
      />
      <p className="meta">{t('invoices.allowance.approvalNote')}</p>
      <OtherErrors errors={errors} shown={shown} />
    </ConfirmDialog>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Cancel or void an allowance

export function EndAllowanceDialog({
  allowance,
  kind,
  onClose,
  onOutcome,
}: {
  allowance: AllowanceDetail | null;
  kind: 'cancel' | 'void';
  onClose: () => void;
  onOutcome: (o: Outcome) => void;
}) {
  const { t } = useI18n();
  const form = useZodForm(endAllowanceBody, { reason: '' }, (v) => ({ reason: v.reason }));
  const number = allowance?.allowanceNumber ?? '';
  const action = useFormAction(
    form,
    (api, body: z.infer<typeof endAllowanceBody>) => api.post<unknown>(`/api/v1/allowances/${number}/${kind}`, body),
    { onClose, onOutcome, doneText: () => t(`invoices.endAllowance.${kind}.done`, { allowanceNumber: number }) },
  );
  if (!allowance) return null;
  return (
    <ConfirmDialog
      open
      title={t(`invoices.endAllowance.${kind}.title`, { allowanceNumber: number })}
      confirmLabel={t(`invoices.endAllowance.${kind}.confirm`)}
      danger
      busy={action.busy}
      error={action.error}
      onConfirm={action.confirm}
      onCancel={action.close}
    >
      <p>{t(`invoices.endAllowance.${kind}.explain`)}</p>
      <Field
        label={t('invoices.field.reason')}
        required
        maxLength={400}
        hint={t('invoices.reasonHint')}
        {...form.field('reason')}
      />
      <OtherErrors errors={form.errors} shown={['reason']} />
    </ConfirmDialog>
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Resend to Turnkey

export const RESENDABLE: readonly TurnkeyMessageView['status'][] = ['rejected', 'invalid', 'dead'];

export function ResendDialog({ invoice, open, onClose, onOutcome }: ActionProps) {
  const { t } = useI18n();
  const n = invoice.invoiceNumber;
  const candidates = invoice.turnkey.filter((m) => RESENDABLE.includes(m.status));
  const [picked, setPicked] = useState<Set<string>>(() => new Set(candidates.map((m) => m.id)));
  const [formError, setFormError] = useState<string | null>(null);
  const { failure, setFailure, fail } = useFailure();
  const m = useApiMutation(
    (api, body: z.infer<typeof resendBody>) => api.post<unknown>(`/api/v1/invoices/${n}/resend`, body),
    ['/api/v1/invoices', '/api/v1/turnkey'],
  );
  const close = () => {
    setPicked(new Set(candidates.map((c) => c.id)));
    setFormError(null);
    setFailure(null);
    onClose();
  };
  const confirm = () => {
    setFailure(null);
    const ids = candidates.filter((c) => picked.has(c.id)).map((c) => c.id);
    const parsed = resendBody.safeParse({ messageIds: ids });
    if (ids.length === 0 || !parsed.success) {
      setFormError(
        ids.length === 0 ? t('invoices.resend.noneChosen') : (parsed.error?.issues[0]?.message ?? t('common.formInvalid')),
      );
      return;
    }
    setFormError(null);
    m.mutate(parsed.data, {
      onSuccess: (r) => {
        const count = (r as { items?: unknown[] }).items?.length ?? ids.length;
        onOutcome(outcomeOf(r, t('invoices.resend.done', { count, number: n })));
        close();
      },
      onError: (e) => fail(e, () => setFormError(invoiceErrorText(t, e))),
    });
  };
  return (
    <ConfirmDialog
      open={open}
      title={t('invoices.resend.title', { number: n })}
      confirmLabel={t('invoices.resend.confirm')}
      busy={m.isPending}
      error={failure ?? formError}
      onConfirm={confirm}
      onCancel={close}
    >
      <p>{t('invoices.resend.explain')}</p>
      <fieldset className="inv-fieldset">
        <legend>{t('invoices.resend.messages')}</legend>
        {candidates.map((c) => (
          <label key={c.id} className="inv-check">
            <input
              type="checkbox"
              checked={picked.has(c.id)}
              onChange={(e) =>
                setPicked((p) => {
                  const next = new Set(p);
                  if (e.target.checked) next.add(c.id);
                  else next.delete(c.id);
                  return next;
                })
              }
            />
            {t('invoices.resend.message', {
              type: c.messageType,
              status: t(`invoices.turnkey.status.${c.status}`),
              code: c.resultCode ?? '—',
            })}
          </label>
        ))}
      </fieldset>
      <p className="meta">{t('invoices.resend.approvalNote')}</p>
    </ConfirmDialog>
  );
}
