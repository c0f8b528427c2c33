import { createLiveStatus, type LiveError, type LiveMode } from '@app/live-client';
import { useEffect, useState } from 'react';
import { useServices } from '../app/services.tsx';
import type { DashboardSummary } from './summary.ts';

export type LiveDashboard = {
  summary: DashboardSummary | null;
  /** When the shown summary arrived (ms since the epoch). */
  receivedAt: number | null;
  /** The latest problem, cleared by the next good answer (200 or 304) or update. */
  error: LiveError | null;
  mode: LiveMode;
};

/**
 * Follows the dashboard summary through `@app/live-client`: the WebSocket channel when the API has it on,
 * else polling every 5 s with If-None-Match (304 when unchanged).
 */
export function useLiveDashboard(pollIntervalMs = 5_000): LiveDashboard {
  const { api, liveBaseUrl, WebSocket, fetch: baseFetch } = useServices();
  const [state, setState] = useState<LiveDashboard>({ summary: null, receivedAt: null, error: null, mode: 'connecting' });

  useEffect(() => {
    const f = baseFetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
    const live = createLiveStatus<DashboardSummary>({
      baseUrl: liveBaseUrl,
      topic: 'dashboard',
      pollIntervalMs,
      token: async () => {
        const t = await api.freshAccessToken();
        if (!t) throw new Error('signed out');
        return t;
      },
      ...(WebSocket === undefined ? {} : { WebSocket }),
      // The client does its own If-None-Match: keep the HTTP cache out of it (browsers do so for a conditional
      // request anyway; saying it keeps every fetch the same).
      fetch: async (input, init) => {
        const r = await f(input, { ...init, cache: 'no-store' });
        if (r.status === 304) setState((s) => (s.error ? { ...s, error: null } : s));
        return r;
      },
      onUpdate: (summary) => setState((s) => ({ ...s, summary, receivedAt: Date.now(), error: null })),
      onError: (error) => setState((s) => ({ ...s, error })),
      onModeChange: (mode) => setState((s) => ({ ...s, mode })),
    });
    return () => live.close();
  }, [api, liveBaseUrl, WebSocket, baseFetch, pollIntervalMs]);

  return state;
}
