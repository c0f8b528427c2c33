import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { useI18n } from '../i18n/index.ts';

/** The whole form's problem (what `useZodForm` puts in `formError`), announced; nothing when there is none. */
export function FormError({ message }: { message: ReactNode }) {
  if (!message) return null;
  return (
    <p role="alert" className="form-error">
      {message}
    </p>
  );
}

/**
 * A form's primary submit button: disabled and saying "saving" while the write is pending. `label` defaults to
 * the common "save"; `disabled` adds a reason of the form's own to be disabled.
 */
export function SaveButton({
  pending,
  label,
  disabled,
  ...rest
}: { pending: boolean; label?: string } & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'className' | 'children'>) {
  const { t } = useI18n();
  return (
    <button type="submit" className="primary" disabled={pending || disabled} {...rest}>
      {pending ? t('common.saving') : (label ?? t('common.save'))}
    </button>
  );
}
