/**
 * In-process subscribers to outbox events. `event.dispatch` hands every event to each subscriber in
 * registration order; if one throws, the job fails and the whole list runs again on the retry, so a
 * subscriber must be idempotent (key its side effects on `event.eventId`). Subscribers (runtime.ts): the
 * webhook fan-out, e-mail notifications, and the one that turns ImportQueued into its `import.invoices` job.
 */

export type OutboxEvent = {
  outboxId: string;
  eventId: string;
  type: string;
  version: number;
  aggregateType: string | null;
  aggregateId: string | null;
  payload: unknown;
  requestId: string | null;
  occurredAt: Date;
};

export type EventSubscriber = (event: OutboxEvent, signal: AbortSignal) => Promise<void>;

export type SubscriberRegistry = {
  subscribe(name: string, subscriber: EventSubscriber): void;
  names(): string[];
  deliver(event: OutboxEvent, signal: AbortSignal): Promise<void>;
};

export function createSubscriberRegistry(): SubscriberRegistry {
  const subscribers = new Map<string, EventSubscriber>();
  return {
    subscribe(name, subscriber) {
      if (subscribers.has(name)) throw new Error(`event subscriber "${name}" is already registered`);
      subscribers.set(name, subscriber);
    },
    names: () => [...subscribers.keys()],
    async deliver(event, signal) {
      for (const [name, subscriber] of subscribers) {
        signal.throwIfAborted();
        try {
          await subscriber(event, signal);
        } catch (e) {
          throw new Error(`subscriber "${name}" failed on ${event.type} ${event.eventId}: ${(e as Error).message}`, { cause: e });
        }
      }
    },
  };
}
