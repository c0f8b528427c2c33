export * from './allocation.ts';
export * from './ban.ts';
