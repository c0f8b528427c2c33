export * from './events.ts';
export * from './handler.ts';
export * from './outbox.ts';
export * from './queues.ts';
export * from './redis.ts';
export * from './registry.ts';
export * from './timeout.ts';
