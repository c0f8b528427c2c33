/**
 * The part of the domain a browser can load: rules, constants and pure checks, nothing that needs Node
 * (`node:crypto`, iconv-lite, the XML parser). The web app imports this entry (via `@app/schemas`) so the
 * forms check input with the same code the API does, without pulling the server-side modules into the bundle.
 */
export * from './audit/actions.ts';
export * from './einvoice/allocation.ts';
export * from './einvoice/ban.ts';
export * from './einvoice/import/types.ts';
export * from './einvoice/period.ts';
export * from './einvoice/rules/index.ts';
export { TURNKEY_MESSAGE_CODES } from './einvoice/turnkey/message-codes.generated.ts';
export * from './errors.ts';
export * from './notification/index.ts';
export * from './rbac/permissions.ts';
export * from './rbac/scope.ts';
export * from './webhook/address.ts';
export * from './webhook/auth.ts';
export * from './webhook/target.ts';
