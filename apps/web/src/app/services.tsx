import type { WebSocketClass } from '@app/live-client';
import { createContext, type ReactNode, useContext } from 'react';
import type { ApiClient } from '../api/client.ts';

/** What the screens need from outside: the API client and how to reach the live channel. */
export type Services = {
  api: ApiClient;
  /** The origin for the live channel and its polling; this page's in the browser. */
  liveBaseUrl: string;
  /** The live channel's socket class; default the browser's, null to always poll. */
  WebSocket?: WebSocketClass | null;
  /** The fetch the live client polls with; default the global one. */
  fetch?: typeof fetch;
};

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const v = useContext(ServicesContext);
  if (!v) throw new Error('useServices needs a <ServicesProvider> above it');
  return v;
}
