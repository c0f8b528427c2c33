import type { RoleView } from '@app/schemas/role';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { useApiMutation, useApiQuery } from '../api/hooks.ts';
import { errorText } from '../app/error-text.ts';
import { isMessageKey, useI18n } from '../i18n/index.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { SelectField } from '../ui/Field.tsx';

/** The first error at `path` or under it (`roles`, `roles.0`, `scope.all`). */
export function errorUnder(errors: Record<string, string>, path: string): string | undefined {
  return errors[path] ?? Object.entries(errors).find(([k]) => k.startsWith(`${path}.`))?.[1];
}

/** Roles by code, chosen with checkboxes (GET /api/v1/roles). Codes held that the list lacks stay shown. */
export function RoleChecks({
  value,
  onChange,
  error,
}: {
  value: string[];
  onChange: (v: string[]) => void;
  error?: string | undefined;
}) {
  const { t } = useI18n();
  const id = useId();
  const roles = useApiQuery<{ items: RoleView[] }>('/api/v1/roles');
  const known = new Set((roles.data?.items ?? []).map((r) => r.code));
  const extra = roles.data ? value.filter((c) => !known.has(c)) : [];
  const toggle = (code: string, on: boolean) =>
    onChange(on ? [...value.filter((c) => c !== code), code] : value.filter((c) => c !== code));
  return (
    <fieldset className="checks" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{t('users.field.roles')}</legend>
      {roles.isPending && (
        <p role="status" className="loading">
          {t('users.roles.loading')}
        </p>
      )}
      {roles.isError && (
        <div role="alert" className="load-error">
          <p>{t('common.loadError', { message: errorText(t, roles.error) })}</p>
          <button type="button" onClick={() => void roles.refetch()}>
            {t('common.retry')}
          </button>
        </div>
      )}
      {(roles.data?.items ?? []).map((r) => (
        <label key={r.code} className="check">
          <input type="checkbox" checked={value.includes(r.code)} onChange={(e) => toggle(r.code, e.target.checked)} />
          {`${r.name} (${r.code})`}
          {r.mfaRequired && <span className="meta"> {t('users.roles.mfaNote')}</span>}
        </label>
      ))}
      {extra.map((code) => (
        <label key={code} className="check">
          <input type="checkbox" checked onChange={() => toggle(code, false)} />
          {code}
        </label>
      ))}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** A permission's name in the user's language, else the API's description. */
export function usePermissionLabel() {
  const { t } = useI18n();
  return (code: string, description: string) => {
    const key = `users.perm.${code}`;
    return isMessageKey(key) ? t(key) : description;
  };
}

/**
 * A button that opens a confirm dialog and runs `run` on confirm; the dialog stays open with the API's
 * reason when it fails. `children` go inside the dialog (what will happen).
 */
export function ConfirmAction<R>({
  label,
  ariaLabel,
  title,
  confirmLabel,
  danger = false,
  run,
  invalidate,
  onDone,
  children,
}: {
  label: string;
  ariaLabel?: string;
  title: string;
  confirmLabel?: string;
  danger?: boolean;
  run: (api: ApiClient) => Promise<R>;
  invalidate: readonly string[];
  onDone?: (result: R) => void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const m = useApiMutation((api, _: undefined) => run(api), invalidate);
  return (
    <>
      <button
        type="button"
        className={danger ? 'danger' : undefined}
        aria-label={ariaLabel}
        onClick={() => {
          m.reset();
          setOpen(true);
        }}
      >
        {label}
      </button>
      <ConfirmDialog
        open={open}
        title={title}
        confirmLabel={confirmLabel ?? label}
        danger={danger}
        busy={m.isPending}
        error={m.error ? errorText(t, m.error) : null}
        onConfirm={() =>
          m.mutate(undefined, {
            onSuccess: (r) => {
              setOpen(false);
              // The answer (it may hold a secret) is handed on, not kept in the mutation's state.
              m.reset();
              onDone?.(r);
            },
          })
        }
        onCancel={() => setOpen(false)}
      >
        {children}
      </ConfirmDialog>
    </>
  );
}

/**
 * A secret shown this once (a new API client's, or a rotated one): a clear warning, a copy button, and a
 * button to close it for good. Leaving the page while it shows asks first.
 */
export function SecretOnce({ clientId, secret, onDone }: { clientId: string; secret: string; onDone: () => void }) {
  const { t } = useI18n();
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const secretRef = useRef<HTMLInputElement>(null);

  // Focus lands on the secret (selected, ready to copy) rather than on a form or dialog that is gone.
  useEffect(() => secretRef.current?.focus(), []);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <section className="card secret-once" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('users.secret.title')}</h2>
      <p role="alert" className="secret-warning">
        {t('users.secret.warning')}
      </p>
      <div className="field">
        <label htmlFor={`${id}-client`}>{t('users.clients.field.clientId')}</label>
        <input id={`${id}-client`} readOnly value={clientId} spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-secret`}>{t('users.secret.label')}</label>
        <input
          id={`${id}-secret`}
          ref={secretRef}
          readOnly
          value={secret}
          spellCheck={false}
          autoComplete="off"
          className="secret-value"
          onFocus={(e) => e.currentTarget.select()}
        />
      </div>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {t('users.secret.copy')}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t('users.secret.done')}
        </button>
      </div>
      <p role="status">{copied === 'yes' ? t('users.secret.copied') : copied === 'failed' ? t('users.secret.copyFailed') : ''}</p>
    </section>
  );
}

/** A status as a badge: active or disabled. */
export function StatusBadge({ status }: { status: 'active' | 'disabled' }) {
  const { t } = useI18n();
  return (
    <span className={`badge ${status === 'active' ? 'good' : 'bad'}`}>
      {status === 'active' ? t('users.status.active') : t('users.status.disabled')}
    </span>
  );
}

/** A list's status filter (all, active, disabled), applied as it changes. */
export function StatusFilter({ value, onChange }: { value: string; onChange: (status: string) => void }) {
  const { t } = useI18n();
  return (
    <SelectField
      name="status"
      label={t('users.field.status')}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      options={[
        { value: '', label: t('common.all') },
        { value: 'active', label: t('users.status.active') },
        { value: 'disabled', label: t('users.status.disabled') },
      ]}
    />
  );
}
