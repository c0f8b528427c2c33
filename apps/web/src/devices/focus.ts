import { type RefObject, useEffect } from 'react';

/** After a refused submit, move focus to the first field marked invalid (keyboard and screen-reader users land on it). */
export function useFocusFirstError(form: RefObject<HTMLFormElement | null>, errors: Record<string, string>) {
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form, errors]);
}
