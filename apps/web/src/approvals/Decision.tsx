import { type ApprovalView, approveBody, rejectBody } from '@app/schemas/approval';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../api/errors.ts';
import { useApiMutation } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { useAuth } from '../auth/AuthProvider.tsx';
import { useCan } from '../auth/permissions.tsx';
import { useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { TextAreaField } from '../ui/Field.tsx';
import { useZodForm } from '../ui/form.ts';
import { ACTION_LABEL } from './labels.ts';

type Kind = 'approve' | 'reject' | 'withdraw';
/** What the page tells after a decision: the request as it is now, or why it could not be decided. */
export type Notice = { approval: ApprovalView; kind: Kind } | { refused: string };
const INVALIDATE = ['/api/v1/approvals'] as const;

/** Whether the signed-in user made this request (own requests are withdrawn, never approved); by user id. */
export function useIsRequester() {
  const { state } = useAuth();
  const me = state.status === 'signedIn' ? state.user.id : null;
  return (a: ApprovalView) => me !== null && a.requestedBy.id === me;
}

/**
 * The decision buttons of a pending request: approve and reject for holders of `approve` on others'
 * requests; withdraw on one's own. Each confirms in a dialog (reject needs a reason, approve takes a note);
 * the API's refusals (APPROVAL_SELF …) are shown in the dialog; APPROVAL_DECIDED (decided meanwhile) closes it,
 * refreshes the request and is told through `onNotice`, as is the request after a decision.
 */
export function DecisionButtons({ approval, onNotice }: { approval: ApprovalView; onNotice: (n: Notice) => void }) {
  const { t } = useI18n();
  const can = useCan();
  const isRequester = useIsRequester();
  const client = useQueryClient();
  const [open, setOpen] = useState<Kind | null>(null);
  const [error, setError] = useState<string | null>(null);
  const approveForm = useZodForm(approveBody, { note: '' });
  // The reason as typed: the schema trims it and says what is missing.
  const rejectForm = useZodForm(rejectBody, { reason: '' }, (v) => v);

  const decide = useApiMutation(
    (api, v: { kind: Kind; body?: unknown }) => api.post<ApprovalView>(`/api/v1/approvals/${approval.id}/${v.kind}`, v.body),
    INVALIDATE,
  );

  if (approval.status !== 'pending') return null;
  const own = isRequester(approval);
  const mayDecide = can('approve') && !own;
  if (!own && !mayDecide) return null;

  const subject = t('approvals.subject', { action: t(ACTION_LABEL[approval.action]), invoice: approval.invoiceNumber });
  const close = () => {
    setOpen(null);
    setError(null);
    approveForm.reset();
    rejectForm.reset();
  };
  // mutateAsync, not mutate's callbacks: those are dropped when this row leaves the refetched list.
  const run = async (kind: Kind, body?: unknown) => {
    setError(null);
    try {
      const approval = await decide.mutateAsync({ kind, body });
      close();
      onNotice({ approval, kind });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'APPROVAL_DECIDED') {
        // Decided meanwhile (by someone else, or in another tab): say so, and show the request as it is now.
        close();
        onNotice({ refused: errorText(t, e) });
        void client.invalidateQueries({
          predicate: (q) => typeof q.queryKey[0] === 'string' && q.queryKey[0].startsWith(INVALIDATE[0]),
        });
      } else {
        setError(errorText(t, e));
      }
    }
  };

  return (
    <>
      {mayDecide && (
        <>
          <button type="button" className="primary" onClick={() => setOpen('approve')}>
            {t('approvals.approve')}
          </button>
          <button type="button" className="danger" onClick={() => setOpen('reject')}>
            {t('approvals.reject')}
          </button>
        </>
      )}
      {own && (
        <button type="button" onClick={() => setOpen('withdraw')}>
          {t('approvals.withdraw')}
        </button>
      )}
      <ConfirmDialog
        open={open === 'approve'}
        title={t('approvals.approveTitle')}
        confirmLabel={t('approvals.approve')}
        busy={decide.isPending}
        error={error ?? approveForm.formError}
        onCancel={close}
        onConfirm={() => {
          const body = approveForm.validate();
          if (body) void run('approve', body);
        }}
      >
        <p>{subject}</p>
        <p>{t('approvals.approveHint', { name: approval.requestedBy.displayName || approval.requestedBy.username })}</p>
        <TextAreaField label={t('approvals.note')} maxLength={200} rows={3} {...approveForm.field('note')} />
      </ConfirmDialog>
      <ConfirmDialog
        open={open === 'reject'}
        title={t('approvals.rejectTitle')}
        confirmLabel={t('approvals.reject')}
        danger
        busy={decide.isPending}
        error={error ?? rejectForm.formError}
        onCancel={close}
        onConfirm={() => {
          const body = rejectForm.validate();
          if (body) void run('reject', body);
        }}
      >
        <p>{subject}</p>
        <TextAreaField label={t('approvals.reason')} required maxLength={200} rows={3} {...rejectForm.field('reason')} />
      </ConfirmDialog>
      <ConfirmDialog
        open={open === 'withdraw'}
        title={t('approvals.withdrawTitle')}
        confirmLabel={t('approvals.withdraw')}
        danger
        busy={decide.isPending}
        error={error}
        onCancel={close}
        onConfirm={() => void run('withdraw')}
      >
        <p>{subject}</p>
        <p>{t('approvals.withdrawHint')}</p>
      </ConfirmDialog>
    </>
  );
}

/** What to tell the user after a decision: the request's new state, why the action refused when it ran, or why it could not be decided. */
export function DecisionNotice({ notice }: { notice: Notice | null }) {
  const { t } = useI18n();
  if (!notice) return null;
  if ('refused' in notice) {
    return (
      <p role="alert" className="form-error">
        {notice.refused}
      </p>
    );
  }
  const { approval: a } = notice;
  const subject = t('approvals.subject', { action: t(ACTION_LABEL[a.action]), invoice: a.invoiceNumber });
  if (a.status === 'failed') {
    return (
      <p role="alert" className="form-error">
        {t('approvals.done.failed', { subject, code: a.error?.code ?? '—', message: a.error?.message ?? '—' })}
      </p>
    );
  }
  const key =
    a.status === 'approved'
      ? 'approvals.done.approved'
      : a.status === 'rejected'
        ? 'approvals.done.rejected'
        : a.status === 'withdrawn'
          ? 'approvals.done.withdrawn'
          : 'approvals.done.other';
  return (
    <p role="status" className="notice">
      {t(key, { subject })}
    </p>
  );
}
