export * from './kinds.ts';
export * from './render.ts';
