import { en } from './en.ts';
import { type MessageKey, type Messages, zhTW } from './zh-TW.ts';

export type { MessageKey } from './zh-TW.ts';

export const LOCALES = ['zh-TW', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-TW';
/** Where the user's choice is kept. */
export const LOCALE_STORAGE_KEY = 'einvoice.locale';
/** Every time on screen is Taiwan time, whatever the browser's zone. */
export const TIME_ZONE = 'Asia/Taipei';

export const dictionaries: Record<Locale, Messages> = { 'zh-TW': zhTW, en };

export type TranslateParams = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: TranslateParams) => string;

export const isLocale = (v: unknown): v is Locale => LOCALES.includes(v as Locale);
export const isMessageKey = (v: string): v is MessageKey => v in zhTW;

/** The message for `key` in `locale`, with `{name}` replaced by `params.name` (left as is when not given). */
export function translate(locale: Locale, key: MessageKey, params?: TranslateParams): string {
  const text = dictionaries[locale][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The stored choice when valid, else the default (zh-TW is the primary language; a browser's is not consulted). */
export function initialLocale(storage: Pick<Storage, 'getItem'> | null | undefined): Locale {
  try {
    const v = storage?.getItem(LOCALE_STORAGE_KEY);
    return isLocale(v) ? v : DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

/** Formatters bound to a locale, all in Asia/Taipei. */
export function formatters(locale: Locale) {
  const dateTime = new Intl.DateTimeFormat(locale, {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const number = new Intl.NumberFormat(locale);
  return {
    dateTime: (v: string | number | Date) => dateTime.format(typeof v === 'string' ? new Date(v) : v),
    number: (n: number) => number.format(n),
  };
}
