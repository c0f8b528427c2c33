export * from './address.ts';
export * from './auth.ts';
export * from './retry.ts';
export * from './signature.ts';
export * from './target.ts';
