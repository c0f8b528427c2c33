import { ApiError } from '../api/errors.ts';
import { isMessageKey, type Translate } from '../i18n/index.ts';

/** What to tell the user about a failure: our own words for the codes we know, else the API's message. */
export function errorText(t: Translate, e: unknown): string {
  if (e instanceof ApiError || (typeof e === 'object' && e !== null && 'code' in e)) {
    const { code, message } = e as { code: string; message: string };
    const key = `error.${code}`;
    if (isMessageKey(key)) return t(key);
    if (message) return message;
  }
  if (e instanceof ApiError) return t('error.generic', { requestId: e.requestId ?? '—' });
  return e instanceof Error && e.message ? e.message : t('error.generic', { requestId: '—' });
}
