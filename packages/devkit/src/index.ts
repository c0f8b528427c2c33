export * from './services.ts';
export * from './wait.ts';
