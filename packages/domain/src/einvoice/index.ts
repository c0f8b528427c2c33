export * from './allocation.ts';
export * from './ban.ts';
export * from './e0501/index.ts';
export * from './period.ts';
export * from './print/index.ts';
export * from './rules/index.ts';
