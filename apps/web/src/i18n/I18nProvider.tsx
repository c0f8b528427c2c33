import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import { en as zodEn, zhTW as zodZhTW } from 'zod/locales';
import {
  formatters,
  initialLocale,
  LOCALE_STORAGE_KEY,
  type Locale,
  type MessageKey,
  type Translate,
  type TranslateParams,
  translate,
} from './translate.ts';

export type I18n = {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
  format: ReturnType<typeof formatters>;
};

const I18nContext = createContext<I18n | null>(null);

const browserStorage = (): Storage | null => {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
};

/** Holds the language: read from localStorage at start, written back on change, mirrored in `<html lang>` and the title. */
export function I18nProvider({ children, locale: forced }: { children: ReactNode; locale?: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(() => forced ?? initialLocale(browserStorage()));

  useEffect(() => {
    // The shared schemas' built-in messages ("Too small…") in the user's language; their own texts stay as written.
    z.config(locale === 'zh-TW' ? zodZhTW() : zodEn());
    document.documentElement.lang = locale;
    document.title = translate(locale, 'app.title');
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      browserStorage()?.setItem(LOCALE_STORAGE_KEY, next);
    } catch {
      // private mode or storage full: the choice lasts for this page only
    }
  }, []);

  const value = useMemo<I18n>(
    () => ({
      locale,
      setLocale,
      t: (key: MessageKey, params?: TranslateParams) => translate(locale, key, params),
      format: formatters(locale),
    }),
    [locale, setLocale],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n needs an <I18nProvider> above it');
  return v;
}
