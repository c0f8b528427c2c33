export * from './ban.ts';
