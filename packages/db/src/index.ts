export * from './client.ts';
export * from './migrate.ts';
export * from './reserved-runs.ts';
export * from './schema-version.ts';
export type * from './types.generated.ts';
