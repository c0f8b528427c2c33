export * from './audit/actions.ts';
export * from './einvoice/index.ts';
export * from './errors.ts';
export * from './notification/index.ts';
export * from './rbac/permissions.ts';
export * from './rbac/scope.ts';
export * from './webhook/index.ts';
