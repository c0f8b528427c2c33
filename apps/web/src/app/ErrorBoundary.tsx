/**
 * The GlobalErrorBoundary (platform plan §13): a render error anywhere below it shows a friendly panel (reload,
 * contact support) instead of a blank page, and is reported once to POST /api/v1/client-errors with what
 * support needs (message, stacks, page, browser, device id, build). Reporting never throws: a failed report
 * is dropped, the panel stays.
 *
 * Two placements (App.tsx): around the whole router (the last resort: login, shell, providers below it), and
 * around the pages inside the shell (`PageErrorBoundary`), so a page that fails leaves the menu working and
 * going to another page clears the panel.
 */
import type { ClientErrorInput } from '@app/schemas/client-error';
import { Component, type ErrorInfo, type ReactNode, useEffect, useRef, useState } from 'react';
import { Outlet, useLocation, useRouteError } from 'react-router';
import type { ApiClient } from '../api/client.ts';
import { useI18n } from '../i18n/index.ts';
import { useServices } from './services.tsx';

/** Where users reach support (the panel's "聯絡客服" link). */
export const SUPPORT_EMAIL = 'support@einvoice.example.com';

/** The per-browser id sent with every report, so support can tie reports from one device together. */
export const DEVICE_ID_KEY = 'einvoice.deviceId';
/** localStorage flag that turns the test hooks on in a production build (see `testHooksEnabled`). */
export const TEST_HOOKS_KEY = 'einvoice.testHooks';

let memoryDeviceId: string | null = null;

/** A random UUID kept in localStorage; when storage is unavailable, one for this page's life. */
export function deviceId(): string {
  try {
    const stored = globalThis.localStorage?.getItem(DEVICE_ID_KEY);
    if (stored) return stored;
    const id = crypto.randomUUID();
    globalThis.localStorage?.setItem(DEVICE_ID_KEY, id);
    return id;
  } catch {
    memoryDeviceId ??= crypto.randomUUID();
    return memoryDeviceId;
  }
}

const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

/** The report body for `error`, within the limits the API's schema (`clientErrorBody`) sets. */
export function clientErrorReport(error: unknown, componentStack?: string | null): ClientErrorInput {
  const e = error instanceof Error ? error : null;
  const message = (e ? e.message || e.name : String(error)) || 'Error';
  const report: ClientErrorInput = {
    message: cut(message, 2000),
    url: cut(globalThis.location?.href ?? '', 2000),
    userAgent: cut(globalThis.navigator?.userAgent ?? '', 1000),
    occurredAt: new Date().toISOString(),
    deviceId: cut(deviceId(), 100),
    appVersion: cut(import.meta.env.VITE_APP_VERSION ?? 'dev', 100),
  };
  if (e?.stack) report.stack = cut(e.stack, 20_000);
  if (componentStack) report.componentStack = cut(componentStack, 20_000);
  return report;
}

/**
 * Send a report; the API's id for it, or null when it could not be sent (rate limited, offline, refused).
 * Never throws. The client sends the access token when there is a session; the route takes reports without.
 */
export async function reportClientError(api: ApiClient, error: unknown, componentStack?: string | null) {
  try {
    const r = await api.post<{ id: string }>('/api/v1/client-errors', clientErrorReport(error, componentStack));
    return r?.id ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether the test hooks answer (`/?__throw=render` throws during render, for the browser test of this
 * boundary): only in a dev build (`import.meta.env.DEV`), or when localStorage `einvoice.testHooks` is '1'
 * (set by hand or by a test on a production build). A user's normal production build never throws on its own.
 */
export function testHooksEnabled(): boolean {
  if (import.meta.env.DEV) return true;
  try {
    return globalThis.localStorage?.getItem(TEST_HOOKS_KEY) === '1';
  } catch {
    return false;
  }
}

/** Throws during render when the page was opened with `?__throw=render` and the test hooks are on. */
export function RenderErrorTrigger() {
  const search = globalThis.location?.search ?? '';
  if (testHooksEnabled() && new URLSearchParams(search).get('__throw') === 'render') {
    throw new Error('Test render error (__throw=render)');
  }
  return null;
}

type Props = {
  api: ApiClient;
  children: ReactNode;
  /** When it changes, a shown panel is cleared and the children are tried again (the page's location). */
  resetKey?: string;
};
type State = { error: unknown; hasError: boolean; reportId: string | null; resetKey: string | undefined };

class ErrorBoundaryCore extends Component<Props, State> {
  override state: State = { error: null, hasError: false, reportId: null, resetKey: this.props.resetKey };
  /** Errors already reported by this boundary (the object, and its text for errors thrown anew on each try). */
  private reported = new WeakSet<object>();
  private fingerprints = new Set<string>();

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error, hasError: true, reportId: null };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey === state.resetKey) return null;
    return { resetKey: props.resetKey, hasError: false, error: null, reportId: null };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    if (typeof error === 'object' && error !== null) {
      if (this.reported.has(error)) return;
      this.reported.add(error);
    }
    const print = `${String((error as Error)?.message ?? error)}\n${(error as Error)?.stack ?? ''}\n${info.componentStack ?? ''}`;
    if (this.fingerprints.has(print)) return;
    this.fingerprints.add(print);
    void reportClientError(this.props.api, error, info.componentStack).then((id) => {
      if (id && this.state.error === error) this.setState({ reportId: id });
    });
  }

  override render() {
    if (this.state.hasError) return <ErrorPanel reportId={this.state.reportId} />;
    return this.props.children;
  }
}

/** What the user sees instead of the failed part of the page. */
export function ErrorPanel({ reportId }: { reportId: string | null }) {
  const { t } = useI18n();
  const subject = encodeURIComponent(t('errors.boundary.mailSubject', { id: reportId ?? '—' }));
  return (
    <section role="alert" className="card error-panel" aria-labelledby="error-panel-title">
      <h2 id="error-panel-title">{t('errors.boundary.title')}</h2>
      <p>{t('errors.boundary.body')}</p>
      {reportId && <p className="meta">{t('errors.boundary.reportId', { id: reportId })}</p>}
      <div className="actions">
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          {t('errors.boundary.reload')}
        </button>
        <a href={`mailto:${SUPPORT_EMAIL}?subject=${subject}`}>{t('errors.boundary.contact')}</a>
      </div>
      <p className="meta">{t('errors.boundary.supportText', { email: SUPPORT_EMAIL })}</p>
    </section>
  );
}

/**
 * Catches render errors below it (a class component does that; this wrapper hands it the API client, which
 * comes from a hook). `testHooks`: also render `RenderErrorTrigger` (the outermost boundary only).
 */
export function GlobalErrorBoundary({
  children,
  resetKey,
  testHooks = false,
}: {
  children: ReactNode;
  resetKey?: string;
  testHooks?: boolean;
}) {
  const { api } = useServices();
  return (
    <ErrorBoundaryCore api={api} resetKey={resetKey}>
      {testHooks && <RenderErrorTrigger />}
      {children}
    </ErrorBoundaryCore>
  );
}

/** The pages inside the shell (a layout route's element): a failing page leaves the menu; navigating clears it. */
export function PageErrorBoundary() {
  const location = useLocation();
  return (
    <GlobalErrorBoundary resetKey={`${location.pathname}${location.search}`}>
      <Outlet />
    </GlobalErrorBoundary>
  );
}

/**
 * The router's error element for the pages: what React Router catches itself (a page's code failing to
 * load — e.g. an old tab after a deploy — which a reload fixes). Reported once, like a render error.
 */
export function RouteErrorPanel() {
  const error = useRouteError();
  const { api } = useServices();
  const [reportId, setReportId] = useState<string | null>(null);
  const sent = useRef<unknown>(undefined);
  useEffect(() => {
    if (sent.current === error) return;
    sent.current = error;
    void reportClientError(api, error).then(setReportId);
  }, [api, error]);
  return <ErrorPanel reportId={reportId} />;
}
