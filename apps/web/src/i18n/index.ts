export { type I18n, I18nProvider, useI18n } from './I18nProvider.tsx';
export * from './translate.ts';
