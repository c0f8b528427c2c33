import { type RefObject, useCallback, useEffect, useState } from 'react';
import type { z } from 'zod';
import { ApiError } from '../api/errors.ts';
import { errorText } from '../app/error-text.ts';
import { useI18n } from '../i18n/index.ts';

/** What `useZodForm(…).field(name)` gives: the props that bind a `<Field>`/`<SelectField>` to the form. */
export type FieldBinding = {
  name: string;
  value: string;
  error?: string | undefined;
  onChange: (e: { target: { value: string } }) => void;
};

/** The issue path as the API names a body field (`items.0.amount`), without the `body.` prefix. */
const pathOf = (path: readonly PropertyKey[]) => path.map(String).join('.');

/**
 * A form checked with the API's own zod schema (from `@app/schemas`) before it is sent, and the API's field
 * errors put next to the same fields after. `values` are the inputs' strings; `toInput` turns them into the
 * body the schema (and the API) expects — empty optional fields left out, numbers parsed.
 */
export function useZodForm<S extends z.ZodType, V extends Record<string, string>>(
  schema: S,
  initial: V,
  toInput: (values: V) => unknown = (v) => dropEmpty(v),
) {
  const { t } = useI18n();
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const set = useCallback((name: keyof V & string, value: string) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      if (!(name in e)) return e;
      const { [name]: _, ...rest } = e;
      return rest;
    });
  }, []);

  /** Props for `<Field>`/`<SelectField>`: name, value, onChange and the field's error. */
  const field = (name: keyof V & string) => ({
    name,
    value: values[name],
    error: errors[name],
    onChange: (e: { target: { value: string } }) => set(name, e.target.value),
  });

  /** The parsed body, or null with every problem shown next to its field. */
  const validate = (): z.output<S> | null => {
    const r = schema.safeParse(toInput(values));
    if (r.success) {
      setErrors({});
      setFormError(null);
      return r.data;
    }
    const next: Record<string, string> = {};
    for (const issue of r.error.issues) next[pathOf(issue.path)] ??= issue.message;
    setErrors(next);
    setFormError(t('common.formInvalid'));
    return null;
  };

  /** An API refusal: field problems next to their fields, anything else for the whole form. */
  const fromApi = (e: unknown) => {
    const byField = e instanceof ApiError ? e.fieldErrors() : {};
    if (Object.keys(byField).length > 0) {
      setErrors(byField);
      setFormError(t('common.formInvalid'));
    } else {
      setFormError(errorText(t, e));
    }
  };

  const reset = (next: V = initial) => {
    setValues(next);
    setErrors({});
    setFormError(null);
  };

  return { values, set, field, errors, formError, validate, fromApi, reset, setValues };
}

/** The values without empty strings (an unset optional field is absent, as the API expects). */
export function dropEmpty<V extends Record<string, string>>(v: V): Partial<V> {
  const out: Partial<V> = {};
  for (const [k, val] of Object.entries(v) as [keyof V, string][]) if (val.trim() !== '') out[k] = val as V[keyof V];
  return out;
}

/** After a refused submit, move focus to the first field marked invalid (keyboard and screen-reader users land on it). */
export function useFocusFirstError(form: RefObject<HTMLFormElement | null>, errors: Record<string, string>) {
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form, errors]);
}

/**
 * A form's submit (or a confirm dialog's confirm): check the values (nothing is sent when they are refused),
 * send the body, then `done` with the API's answer; an API refusal is put on the form (`fromApi`). With
 * `unchanged`, a body without any field (an edit that changed nothing) is not sent: `unchanged` runs instead.
 */
export function formSubmit<B, R>(
  form: { validate: () => B | null; fromApi: (e: unknown) => void },
  send: (body: NoInfer<B>) => Promise<R>,
  done: (answer: R) => void,
  opts: { unchanged?: (() => void) | undefined } = {},
) {
  return async (e?: { preventDefault: () => void }) => {
    e?.preventDefault();
    const body = form.validate();
    if (!body) return;
    if (opts.unchanged && Object.keys(body).length === 0) {
      opts.unchanged();
      return;
    }
    try {
      done(await send(body));
    } catch (err) {
      form.fromApi(err);
    }
  };
}
