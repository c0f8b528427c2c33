/**
 * Debian's Chromium driven by playwright-core: launch (failing loudly when it is missing), a fresh context per
 * test at the tablet size the issue names (1024×768, zh-TW), screenshots of the steps that matter, and on any
 * failure a full-page screenshot plus what the page logged, under artifacts/<test>/ (gitignored).
 */
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const VIEWPORT = { width: 1024, height: 768 };

/** Launch headless Chromium; a clear failure (never a skip) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the browser tests need Debian's package \`chromium\` ` +
        '(apt-get install -y --no-install-recommends chromium; scripts/lib/bootstrap.sh installs it when run as root), ' +
        'or CHROMIUM_PATH pointing at a Chromium binary.',
    );
  }
  // --no-sandbox: the tests run as root (CI, containers), where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

/** A file-name-safe form of a test or step name. */
export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80) || 'unnamed';

/** One user's browser in one test: its own context (cookies, storage), page and numbered screenshots. */
export class Session {
  readonly log: string[] = [];
  private step = 0;

  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly dir: string,
    /** Prefix of this session's files when a test has several users ("a", "b"). */
    readonly who: string,
  ) {
    page.on('console', (m) => this.note(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.note(`pageerror: ${e.stack ?? e.message}`));
    page.on('requestfailed', (r) => this.note(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) this.note(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
  }

  private note(line: string) {
    this.log.push(`${new Date().toISOString()} ${line}`);
    if (this.log.length > 500) this.log.shift();
  }

  private file(name: string, ext: string) {
    return join(this.dir, `${this.who ? `${this.who}-` : ''}${name}.${ext}`);
  }

  /** A screenshot of the page as the user sees it now, numbered in order: artifacts/<test>/<NN>-<step>.png. */
  async shot(step: string, opts: { fullPage?: boolean } = {}): Promise<string> {
    this.step += 1;
    const path = this.file(`${String(this.step).padStart(2, '0')}-${slug(step)}`, 'png');
    await this.page.screenshot({ path, fullPage: opts.fullPage ?? true });
    return path;
  }

  /** Where an element screenshot of `step` goes (same numbering as shot). */
  nextShotPath(step: string): string {
    this.step += 1;
    return this.file(`${String(this.step).padStart(2, '0')}-${slug(step)}`, 'png');
  }

  /** On failure: the page as it was, its address, and what it logged. Never throws. */
  async failure(error: unknown): Promise<void> {
    try {
      await this.page.screenshot({ path: this.file('failure', 'png'), fullPage: true, timeout: 10_000 });
    } catch {}
    try {
      const err = error instanceof Error ? (error.stack ?? error.message) : String(error);
      writeFileSync(this.file('failure', 'txt'), `url: ${this.page.url()}\n\n${err}\n\npage log:\n${this.log.join('\n')}\n`);
    } catch {}
  }
}

export type SessionOptions = {
  /** Device pixels per CSS pixel (the viewport stays 1024×768); more makes element screenshots sharper. */
  deviceScaleFactor?: number;
  /** Runs in the page before any of its scripts (localStorage flags, say). */
  initScript?: string;
};

/**
 * Run `fn` with fresh browser sessions for one test; `who` lists one name per user ("" for a single one).
 * On failure every session saves a screenshot and its log before the error goes on; contexts always close.
 */
export async function withSessions<T>(
  browser: Browser,
  baseURL: string,
  testName: string,
  who: readonly string[],
  fn: (sessions: Session[]) => Promise<T>,
  opts: SessionOptions = {},
): Promise<T> {
  const dir = join(ARTIFACTS, slug(testName));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sessions: Session[] = [];
  try {
    for (const name of who) {
      const context = await browser.newContext({
        baseURL,
        viewport: VIEWPORT,
        locale: 'zh-TW',
        deviceScaleFactor: opts.deviceScaleFactor ?? 1,
      });
      // Shorter than the test's own timeout, so a missing element fails here, with a screenshot.
      context.setDefaultTimeout(15_000);
      context.setDefaultNavigationTimeout(30_000);
      if (opts.initScript) await context.addInitScript(opts.initScript);
      sessions.push(new Session(context, await context.newPage(), dir, name));
    }
    return await fn(sessions);
  } catch (e) {
    await Promise.all(sessions.map((s) => s.failure(e)));
    throw e;
  } finally {
    await Promise.allSettled(sessions.map((s) => s.context.close()));
  }
}

/** withSessions for a test with one user. */
export function withPage<T>(
  browser: Browser,
  baseURL: string,
  testName: string,
  fn: (s: Session) => Promise<T>,
  opts?: SessionOptions,
): Promise<T> {
  return withSessions(browser, baseURL, testName, [''], ([s]) => fn(s as Session), opts);
}
