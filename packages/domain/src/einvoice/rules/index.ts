export * from './amounts.ts';
export * from './formats.ts';
export * from './invoice-errors.ts';
export * from './invoice-rules.ts';
export * from './lifecycle.ts';
