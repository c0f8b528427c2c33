import {
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
} from 'react';

type Common = { name: string; label: string; error?: string | undefined; hint?: ReactNode };

/** Label, control, hint and error, tied together for screen readers (`aria-describedby`, `aria-invalid`). */
function Frame({
  label,
  error,
  hint,
  children,
}: Omit<Common, 'name'> & { children: (ids: { id: string; describedBy: string | undefined }) => ReactNode }) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, describedBy })}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & Common & { inputRef?: Ref<HTMLInputElement> };

/** A labelled input with its error beside it. */
export function Field({ label, error, hint, inputRef, ...input }: InputProps) {
  return (
    <Frame label={label} error={error} hint={hint}>
      {({ id, describedBy }) => (
        <input id={id} ref={inputRef} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      )}
    </Frame>
  );
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'> &
  Common & { options: readonly { value: string; label: string }[] };

/** A labelled select; `options` in the order shown. */
export function SelectField({ label, error, hint, options, ...select }: SelectProps) {
  return (
    <Frame label={label} error={error} hint={hint}>
      {({ id, describedBy }) => (
        <select id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...select}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Frame>
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'> & Common;

export function TextAreaField({ label, error, hint, ...area }: TextAreaProps) {
  return (
    <Frame label={label} error={error} hint={hint}>
      {({ id, describedBy }) => (
        <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...area} />
      )}
    </Frame>
  );
}
