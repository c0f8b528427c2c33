import { useId } from 'react';
import { isLocale, LOCALES, useI18n } from '../i18n/index.ts';

export function LocaleSwitcher() {
  const { t, locale, setLocale } = useI18n();
  const id = useId();
  return (
    <div className="locale-switcher">
      <label htmlFor={id}>{t('locale.label')}</label>
      <select
        id={id}
        value={locale}
        onChange={(e) => {
          if (isLocale(e.target.value)) setLocale(e.target.value);
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`locale.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
