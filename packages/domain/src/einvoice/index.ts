export * from './allocation.ts';
export * from './ban.ts';
export * from './e0501/index.ts';
export * from './mig/index.ts';
export * from './period.ts';
export * from './print/index.ts';
export * from './rules/index.ts';
export { TURNKEY_MESSAGE_CODES } from './turnkey/message-codes.generated.ts';
export * from './turnkey/results.ts';
