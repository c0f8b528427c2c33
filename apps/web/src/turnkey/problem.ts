import { ApiError } from '../api/errors.ts';
import { errorText } from '../app/error-text.ts';
import type { Translate } from '../i18n/index.ts';

/** The failure in words, with the API's code (and request id) so staff can quote it. */
export function problemText(t: Translate, e: unknown): string {
  const text = errorText(t, e);
  if (!(e instanceof ApiError) || e.code === 'NETWORK_ERROR') return text;
  return t('turnkey.errorCode', { text, code: e.code, requestId: e.requestId ?? '—' });
}
