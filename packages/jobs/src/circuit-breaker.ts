/**
 * A circuit breaker for one dependency (the Turnkey folder, a database, an HTTP endpoint):
 *
 *   closed ──failureThreshold consecutive failures──▶ open ──openMs later, next call──▶ half-open
 *     ▲                                                 ▲                                  │
 *     └──────────── a probe succeeds ───────────────────┼──────── a probe fails ───────────┘
 *
 * While open, calls are refused at once with CircuitOpenError (no call reaches the dependency); the job
 * worker turns that error into a delayed retry that does not use one of the job's attempts. Half-open
 * lets `halfOpenProbes` calls through at a time; the first to succeed closes the breaker, the first to
 * fail opens it again for another `openMs`. Results of calls that started before the latest change of
 * state are counted in the totals but change nothing (a slow call from before an outage cannot close it).
 *
 * State is per process: each worker process learns about an outage from its own calls. Time comes from
 * `now` (default Date.now, read at each call), so tests can drive it with fake timers.
 */
import { runWithTimeout } from './timeout.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export type CircuitBreakerOptions = {
  /** Names the dependency in errors, logs and metrics, e.g. `turnkey-folder`. */
  name: string;
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses calls before it lets a probe through. */
  openMs: number;
  /** Calls let through at a time while half-open (default 1). */
  halfOpenProbes?: number;
  /** When set, a call running longer is abandoned (its signal aborted) and counts as a failure. */
  callTimeoutMs?: number;
  /** Which errors count against the dependency (default: all). A refused request (4xx, bad input) is not an outage. */
  isFailure?: (err: unknown) => boolean;
  now?: () => number;
  /** Told every change of state (for logs and metrics). */
  onStateChange?: (snapshot: CircuitBreakerSnapshot, from: CircuitState) => void;
};

export type CircuitBreakerSnapshot = {
  name: string;
  state: CircuitState;
  consecutiveFailures: number;
  /** When the breaker last opened (ms since epoch), or null while it has never opened. */
  openedAt: number | null;
  /** How long a caller refused now should wait before trying again (0 when closed). */
  retryAfterMs: number;
  lastError: string | null;
  totals: { succeeded: number; failed: number; rejected: number };
};

export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly breaker: string,
    readonly retryAfterMs: number,
  ) {
    super(`circuit "${breaker}" is open: the dependency failed repeatedly; retry in ${retryAfterMs} ms`);
  }
}

/** True for a CircuitOpenError, also one that crossed a module boundary (matched by name). */
export const isCircuitOpenError = (e: unknown): e is CircuitOpenError =>
  e instanceof CircuitOpenError || (e instanceof Error && e.name === 'CircuitOpenError' && 'retryAfterMs' in e);

export type CircuitBreaker = {
  readonly name: string;
  /** Run `fn` through the breaker; throws CircuitOpenError without calling it while the breaker is open. */
  run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  state(): CircuitState;
  snapshot(): CircuitBreakerSnapshot;
  /** Close it by hand (an operator knows the dependency is back). */
  reset(): void;
};

/** While half-open with every probe slot taken, refused callers are told to come back this soon. */
const HALF_OPEN_RETRY_MS = 1_000;

export function createCircuitBreaker(opts: CircuitBreakerOptions): CircuitBreaker {
  if (!(opts.failureThreshold >= 1)) throw new Error('failureThreshold must be at least 1');
  if (!(opts.openMs > 0)) throw new Error('openMs must be positive');
  const probes = opts.halfOpenProbes ?? 1;
  const now = () => (opts.now ? opts.now() : Date.now());
  const isFailure = opts.isFailure ?? (() => true);

  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt: number | null = null;
  let lastError: string | null = null;
  let probesInFlight = 0;
  /** Bumped on every change of state: a call's result counts only in the generation it started in. */
  let generation = 0;
  const totals = { succeeded: 0, failed: 0, rejected: 0 };

  function retryAfterMs(): number {
    if (state === 'closed') return 0;
    if (state === 'half-open') return Math.min(opts.openMs, HALF_OPEN_RETRY_MS);
    return Math.max(0, (openedAt ?? 0) + opts.openMs - now());
  }

  function snapshot(): CircuitBreakerSnapshot {
    return {
      name: opts.name,
      state,
      consecutiveFailures: failures,
      openedAt,
      retryAfterMs: retryAfterMs(),
      lastError,
      totals: { ...totals },
    };
  }

  function moveTo(next: CircuitState): void {
    if (next === state) return;
    const from = state;
    state = next;
    generation++;
    probesInFlight = 0;
    if (next === 'open') openedAt = now();
    if (next === 'closed') failures = 0;
    opts.onStateChange?.(snapshot(), from);
  }

  /** Open → half-open once openMs has passed (checked lazily, at the next call or look). */
  function current(): CircuitState {
    if (state === 'open' && now() >= (openedAt ?? 0) + opts.openMs) moveTo('half-open');
    return state;
  }

  return {
    name: opts.name,
    state: current,
    snapshot: () => {
      current();
      return snapshot();
    },
    reset: () => moveTo('closed'),

    async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
      const s = current();
      if (s === 'open' || (s === 'half-open' && probesInFlight >= probes)) {
        totals.rejected++;
        throw new CircuitOpenError(opts.name, retryAfterMs());
      }
      const gen = generation;
      const probe = s === 'half-open';
      if (probe) probesInFlight++;
      try {
        const result = await (opts.callTimeoutMs
          ? runWithTimeout(fn, opts.callTimeoutMs, { what: `call through circuit "${opts.name}"` })
          : fn(new AbortController().signal));
        totals.succeeded++;
        if (gen === generation) {
          failures = 0;
          if (probe) moveTo('closed');
        }
        return result;
      } catch (err) {
        const counts = isFailure(err);
        if (counts) totals.failed++;
        else totals.succeeded++; // the dependency answered; the request itself was refused
        if (gen === generation) {
          if (counts) {
            failures++;
            lastError = err instanceof Error ? err.message : String(err);
            if (probe || failures >= opts.failureThreshold) moveTo('open');
          } else {
            failures = 0;
            if (probe) moveTo('closed');
          }
        }
        throw err;
      } finally {
        if (probe && gen === generation) probesInFlight--;
      }
    },
  };
}

/**
 * The breakers of one process by name, so every job of a kind shares one breaker per dependency and
 * their states can be listed (metrics, health) and followed (logs).
 */
export type CircuitBreakerRegistry = {
  /** The breaker called `opts.name`, created with `opts` on first use. */
  get(opts: CircuitBreakerOptions): CircuitBreaker;
  snapshots(): CircuitBreakerSnapshot[];
  /** Follow every state change of every breaker in the registry; returns an unsubscribe function. */
  onStateChange(listener: (snapshot: CircuitBreakerSnapshot, from: CircuitState) => void): () => void;
};

export function createCircuitBreakerRegistry(): CircuitBreakerRegistry {
  const breakers = new Map<string, CircuitBreaker>();
  const listeners = new Set<(snapshot: CircuitBreakerSnapshot, from: CircuitState) => void>();
  return {
    get(opts) {
      let b = breakers.get(opts.name);
      if (!b) {
        b = createCircuitBreaker({
          ...opts,
          onStateChange: (snap, from) => {
            opts.onStateChange?.(snap, from);
            for (const l of listeners) l(snap, from);
          },
        });
        breakers.set(opts.name, b);
      }
      return b;
    },
    snapshots: () => [...breakers.values()].map((b) => b.snapshot()),
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** This process's breakers: handlers take their breakers from here (`circuitBreakers.get({...})`). */
export const circuitBreakers: CircuitBreakerRegistry = createCircuitBreakerRegistry();
