// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { I18nProvider, useI18n } from './I18nProvider.tsx';
import { formatters, initialLocale, LOCALE_STORAGE_KEY, translate } from './translate.ts';
import { zhTW } from './zh-TW.ts';

describe('translate', () => {
  it('has the same keys in every language, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhTW).sort());
    for (const dict of [en, zhTW]) for (const v of Object.values(dict)) expect(v.trim()).not.toBe('');
  });

  it('uses the same parameters in every language', () => {
    const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(zhTW) as (keyof typeof zhTW)[]) expect(params(en[key]), key).toEqual(params(zhTW[key]));
  });

  it('fills parameters and leaves unknown ones visible', () => {
    expect(translate('zh-TW', 'nav.signedInAs', { name: '王小明' })).toBe('登入身分：王小明');
    expect(translate('en', 'dashboard.pipeline.outbox', { count: 3 })).toBe('3 events waiting');
    expect(translate('en', 'nav.signedInAs')).toBe('Signed in as {name}');
  });

  it('starts in zh-TW unless a valid choice is stored', () => {
    expect(initialLocale(null)).toBe('zh-TW');
    expect(initialLocale({ getItem: () => 'fr' })).toBe('zh-TW');
    expect(initialLocale({ getItem: () => 'en' })).toBe('en');
    expect(
      initialLocale({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBe('zh-TW');
  });

  it('formats instants in Asia/Taipei whatever the machine zone', () => {
    // 16:30 UTC is 00:30 the next day in Taipei (UTC+8, no DST).
    expect(formatters('en').dateTime('2026-11-20T16:30:00Z')).toContain('00:30:00');
    expect(formatters('zh-TW').dateTime('2026-11-20T16:30:00Z')).toMatch(/2026\/11\/21/);
  });
});

function Probe() {
  const { t, locale, setLocale } = useI18n();
  return (
    <button type="button" onClick={() => setLocale(locale === 'en' ? 'zh-TW' : 'en')}>
      {t('nav.logout')}
    </button>
  );
}

describe('I18nProvider', () => {
  beforeEach(() => localStorage.clear());
  afterEach(cleanup);

  it('defaults to zh-TW, switches, remembers the choice and sets <html lang>', () => {
    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByRole('button').textContent).toBe('登出');
    expect(document.documentElement.lang).toBe('zh-TW');

    act(() => screen.getByRole('button').click());
    expect(screen.getByRole('button').textContent).toBe('Log out');
    expect(document.documentElement.lang).toBe('en');
    expect(document.title).toBe('E-invoice back office');
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en');
  });

  it('starts in the stored language', () => {
    localStorage.setItem(LOCALE_STORAGE_KEY, 'en');
    render(
      <I18nProvider>
        <Probe />
      </I18nProvider>,
    );
    expect(screen.getByRole('button').textContent).toBe('Log out');
  });
});
