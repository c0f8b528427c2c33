/**
 * The back office in a real browser against the real local stack (issue 6): Debian's Chromium driven by
 * playwright-core, the web app as the API serves it, PostgreSQL, Redis, the worker and the Turnkey stand-in
 * started by scripts/stack/run.ts. One stack for the file; a fresh browser context per test (1024×768, zh-TW).
 * Screenshots of each step, and of any failure with the page's log, go to apps/web/e2e/artifacts/<test>/.
 *
 * Fixtures (seller, sites, users, a track for the invoice flows) are made through the API in beforeAll; the
 * flows themselves go through the screens. Names the tests find things by are in selectors.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@app/devkit';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, createFixtures, currentYearMonth, e0501Xml, type Fixtures, findTrack, issueInvoice, loginToken } from './api.ts';
import { launchChromium, type Session, withPage, withSessions } from './browser.ts';
import { decodeQrPng } from './qr.ts';
import { ui } from './selectors.ts';
import { type Stack, startStack } from './stack.ts';

const FILE = 'back-office';
const STACK_TIMEOUT_MS = 180_000;
const FLOW_TIMEOUT_MS = 90_000;

let stack: Stack | undefined;
let browser: Browser | undefined;
let fx: Fixtures;
let base: string;
const timings: string[] = [];

/** The range flow 2 uploads through the tracks screen and flow 3 allocates from. */
const UI_TRACK = { track: 'AB', beginNo: '12345600', endNo: '12345699', booklets: 2 };
/** What the flows leave for the next ones. */
const shared: { invoiceNumber?: string } = {};

const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings.push(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
};

/**
 * Why the shared set-up failed, if it did. Each test throws it first, so a missing Chromium or a stack that
 * does not start counts as every flow failing (with the reason), not as skipped tests.
 */
let setupError: unknown;
const ready = () => {
  if (setupError) throw setupError;
};

beforeAll(async () => {
  try {
    // Chromium first: without it nothing here can run, and the message must say which package to install.
    browser = await launchChromium();
    stack = await timed('stack start', () => startStack(FILE, STACK_TIMEOUT_MS - 10_000));
    base = stack.info.webUrl;
    fx = await timed('API fixtures', () => createFixtures(stack!.info));
  } catch (e) {
    setupError = e;
  }
}, STACK_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await timed('stack stop', async () => stack?.stop());
  console.log(`[e2e ${FILE}] ${timings.join('; ')}`);
}, 120_000);

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** Sign in through the login page and wait for the signed-in frame. */
async function signIn(s: Session, user: { username: string; password: string }) {
  const p = s.page;
  await p.goto('/login');
  await ui.username(p).fill(user.username);
  await ui.password(p).fill(user.password);
  await ui.loginButton(p).click();
  await ui.mainNav(p).waitFor();
}

/** For waitForResponse: the API's answer to `method` `path`. */
const isCall = (method: string, path: string) => (r: Response) =>
  r.request().method() === method && new URL(r.url()).pathname === path;

const pathname = (p: Page) => new URL(p.url()).pathname;

async function invoiceNumberForFlow(): Promise<string> {
  if (!shared.invoiceNumber) shared.invoiceNumber = (await issueInvoice(fx.pos, fx.apiSite.id)).invoiceNumber;
  return shared.invoiceNumber;
}

const getInvoice = (api: Api, number: string) => api.get(`/api/v1/invoices/${number}`);

// ---------------------------------------------------------------------------------------------------------

describe('the back office in Chromium against the local stack', () => {
  it(
    '1. an administrator logs in through the login page',
    async ({ task }) => {
      ready();
      await withPage(browser!, base, task.name, async (s) => {
        const p = s.page;
        await p.goto('/');
        // Not signed in: the app sends the user to the login page.
        await ui.username(p).waitFor();
        expect(pathname(p)).toBe('/login');
        await s.shot('login page');

        await ui.username(p).fill(stack!.info.admin.username);
        await ui.password(p).fill('not-the-password');
        await ui.loginButton(p).click();
        await ui.badCredentials(p).waitFor();
        expect(pathname(p)).toBe('/login');
        await s.shot('wrong password refused');

        await ui.password(p).fill(stack!.info.admin.password);
        await ui.loginButton(p).click();
        await ui.mainNav(p).waitFor();
        await ui.signedInAs(p, '系統管理員').waitFor();
        expect(pathname(p)).toBe('/');
        expect(await p.evaluate(() => document.documentElement.lang)).toBe('zh-TW');
        await s.shot('signed in');
      });
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    '2. uploads an E0501 file on the tracks screen and sees its entries',
    async ({ task }) => {
      ready();
      await withPage(browser!, base, task.name, async (s) => {
        const p = s.page;
        const range = { ban: fx.seller.ban, yearMonth: currentYearMonth(), ...UI_TRACK };
        const file = join(s.dir, `E0501-${range.yearMonth}-${range.track}.xml`);
        writeFileSync(file, e0501Xml(range));

        await signIn(s, stack!.info.admin);
        await p.goto('/tracks');
        await ui.h1(p).waitFor();
        await s.shot('tracks list');
        await ui.e0501Link(p).click();
        await ui.e0501File(p).setInputFiles(file);
        await s.shot('file chosen');

        const uploaded = p.waitForResponse(isCall('POST', '/api/v1/tracks/e0501'), { timeout: 20_000 });
        await ui.e0501Submit(p).click();
        const res = await uploaded;
        expect(res.status(), await res.text()).toBe(201);
        expect(await res.json()).toMatchObject({ total: 1, accepted: 1, rejected: 0 });

        // The import's entries on screen: the range, marked as created.
        const entry = ui.rowWith(ui.e0501Entries(p), `${range.track} ${range.beginNo}–${range.endNo}`);
        await entry.waitFor();
        expect(await entry.textContent()).toContain('已建立'); // tracks.e0501.accepted
        await s.shot('entries shown');
        expect(await findTrack(fx.admin, range.track)).toMatchObject({ beginNo: range.beginNo, endNo: range.endNo });
      });
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    '3. allocates a block of the imported track to a site',
    async ({ task }) => {
      ready();
      await withPage(browser!, base, task.name, async (s) => {
        const p = s.page;
        const track = await findTrack(fx.admin, UI_TRACK.track);
        expect(track, 'the track flow 2 uploads').toBeDefined();

        await signIn(s, stack!.info.admin);
        await p.goto('/tracks');
        await ui.trackLink(p, UI_TRACK.track, UI_TRACK.beginNo).click();
        await p.waitForURL(`**/tracks/${track!.id}`);
        await ui.siteSelect(p).locator(`option[value="${fx.uiSite.id}"]`).waitFor({ state: 'attached' });
        await ui.siteSelect(p).selectOption(fx.uiSite.id);
        await ui.booklets(p).fill('1');
        await s.shot('allocation form');

        // Allocating cannot be undone: the page asks first, naming the site.
        await ui.allocateSubmit(p).click();
        const dialog = p.getByRole('dialog');
        await dialog.waitFor();
        expect(await dialog.textContent()).toContain(fx.uiSite.name);
        await s.shot('confirm allocation');
        const allocated = p.waitForResponse(isCall('POST', `/api/v1/tracks/${track!.id}/blocks`), { timeout: 20_000 });
        await ui.dialogButton(dialog, ui.allocateConfirm).click();
        const res = await allocated;
        expect(res.status(), await res.text()).toBe(201);
        await dialog.waitFor({ state: 'hidden' });

        // The new block is listed with its site.
        const block = ui.rowWith(ui.blocksTable(p), `${UI_TRACK.beginNo}–12345649`);
        await block.waitFor();
        expect(await block.textContent()).toContain(fx.uiSite.name);
        await s.shot('block allocated');
        const blocks = await fx.admin.get(`/api/v1/tracks/${track!.id}/blocks`);
        expect(blocks.items).toEqual([expect.objectContaining({ siteId: fx.uiSite.id, size: 50, beginNo: UI_TRACK.beginNo })]);
      });
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    '4. finds an invoice issued through the API (POS client) by searching the invoices list',
    async ({ task }) => {
      ready();
      const other = await issueInvoice(fx.pos, fx.apiSite.id);
      const number = await invoiceNumberForFlow();
      await withPage(browser!, base, task.name, async (s) => {
        const p = s.page;
        await signIn(s, stack!.info.admin);
        await p.goto('/invoices');
        await ui.numberFilter(p).waitFor();
        await s.shot('invoices list');

        await ui.numberFilter(p).fill(number);
        await ui.numberFilter(p).press('Enter');
        // The filter is held in the URL under the API's name for it, and only that invoice is listed.
        await waitFor('the number in the URL', () => new URL(p.url()).searchParams.get('number') === number, 10_000);
        await waitFor(
          `${number} listed alone`,
          async () => (await ui.rowWith(p, number).count()) === 1 && (await ui.rowWith(p, other.invoiceNumber).count()) === 0,
          15_000,
          100,
        );
        await s.shot('found by number');

        await ui.invoiceLink(p, number).click();
        await p.waitForURL(`**/invoices/${number}`);
        await ui.h1(p).filter({ hasText: number }).waitFor();
        await ui.statusInHeading(p, '已開立').waitFor();
        await s.shot('invoice detail');
      });
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    '5. its proof page shows the barcode and both QR codes, which read back as the API computed them',
    async ({ task }) => {
      ready();
      const number = await invoiceNumberForFlow();
      const proof = await fx.admin.get(`/api/v1/invoices/${number}/proof`);
      expect(proof).toMatchObject({ invoiceNumber: number, qrLeft: expect.any(String), qrRight: expect.any(String) });
      await withPage(
        browser!,
        base,
        task.name,
        async (s) => {
          const p = s.page;
          await signIn(s, stack!.info.admin);
          await p.goto(`/invoices/${number}`);
          await ui.proofLink(p).click();
          await p.waitForURL(`**/invoices/${number}/proof`);
          const barcode = ui.proofBarcode(p);
          const left = ui.proofQrLeft(p);
          const right = ui.proofQrRight(p);
          await Promise.all([barcode.waitFor(), left.waitFor(), right.waitFor()]);
          await s.shot('proof page');

          const box = await barcode.boundingBox();
          expect(box && box.width > box.height, 'a Code 39 barcode is wider than high').toBe(true);
          // The number is printed large but on one line of the 57 mm paper (XX-12345678).
          const numberLine = p.getByText(`${number.slice(0, 2)}-${number.slice(2)}`, { exact: true });
          const lineBox = await numberLine.boundingBox();
          const lineHeight = await numberLine.evaluate((el) => Number.parseFloat(getComputedStyle(el).lineHeight));
          expect(lineBox!.height, 'the invoice number fits one line').toBeLessThan(lineHeight * 1.5);
          await barcode.screenshot({ path: s.nextShotPath('barcode') });
          for (const [side, qr, expected] of [
            ['left', left, proof.qrLeft],
            ['right', right, proof.qrRight],
          ] as const) {
            const png = await qr.screenshot({ path: s.nextShotPath(`qr ${side}`) });
            expect(decodeQrPng(png), `the ${side} QR code as a phone reads it`).toBe(expected);
          }
        },
        // Sharper element screenshots for the QR reader; the viewport stays 1024×768 CSS pixels.
        { deviceScaleFactor: 3 },
      );
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    '6. cancels the invoice through the confirm dialog and sees the cancel in the audit log',
    async ({ task }) => {
      ready();
      const number = await invoiceNumberForFlow();
      await withPage(browser!, base, task.name, async (s) => {
        const p = s.page;
        await signIn(s, stack!.info.admin);
        await p.goto(`/invoices/${number}`);
        await ui.cancelButton(p).click();
        const dialog = p.getByRole('dialog');
        await dialog.waitFor();
        await ui.reasonField(dialog).fill('客戶退貨');
        await s.shot('cancel dialog');

        const cancelled = p.waitForResponse(isCall('POST', `/api/v1/invoices/${number}/cancel`), { timeout: 20_000 });
        await ui.dialogButton(dialog, ui.cancelConfirm).click();
        const res = await cancelled;
        expect(res.status(), await res.text()).toBe(200);
        await dialog.waitFor({ state: 'hidden' });
        await ui.statusInHeading(p, '已作廢').waitFor();
        await ui.historyEntry(p, '作廢').waitFor();
        await s.shot('invoice cancelled');
        expect((await getInvoice(fx.admin, number)).status).toBe('cancelled');

        await p.goto(`/audit?${new URLSearchParams({ action: 'invoice.cancel', targetId: number })}`);
        const entry = ui.rowWith(ui.auditTable(p), `invoice: ${number}`).filter({ hasText: 'invoice.cancel' });
        await entry.waitFor();
        await s.shot('audit log');
      });
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    '7. a void needs another user’s approval: A asks and may not approve it, B approves, the invoice is re-issued',
    async ({ task }) => {
      ready();
      const { invoiceNumber: number } = await issueInvoice(fx.pos, fx.apiSite.id);
      await withSessions(browser!, base, task.name, ['a-operator', 'b-approver'], async ([a, b]) => {
        const pa = a!.page;
        const pb = b!.page;

        // A voids in the UI: the API answers 202 with a pending request, and the page says so.
        await signIn(a!, fx.operator);
        await pa.goto(`/invoices/${number}`);
        await ui.voidButton(pa).click();
        const dialog = pa.getByRole('dialog');
        await dialog.waitFor();
        await ui.reasonField(dialog).fill('買受人統編錯誤');
        await a!.shot('void dialog');
        const voided = pa.waitForResponse(isCall('POST', `/api/v1/invoices/${number}/void`), { timeout: 20_000 });
        await ui.dialogButton(dialog, ui.voidConfirm).click();
        const res = await voided;
        expect(res.status(), await res.text()).toBe(202);
        const request = await res.json();
        expect(request).toMatchObject({ approvalRequired: true, approval: { status: 'pending', invoiceNumber: number } });
        await ui.approvalSent(pa).waitFor();
        await a!.shot('approval requested');
        expect((await getInvoice(fx.admin, number)).status).toBe('issued');

        // A holds `approve` too, but not for their own request: the screen offers only withdrawing it, and
        // the API refuses A's approval (409 APPROVAL_SELF).
        await pa.goto('/approvals');
        const own = ui.rowWith(pa, number);
        await ui.withdrawButton(own).waitFor();
        expect(await ui.approveButton(own).count()).toBe(0);
        await a!.shot('own request: withdraw only');
        const asA = new Api(stack!.info.apiUrl, await loginToken(stack!.info, fx.operator.username, fx.operator.password));
        const self = await asA.request('POST', `/api/v1/approvals/${request.approval.id}/approve`, {});
        expect(self.status).toBe(409);
        expect(self.body).toMatchObject({ code: 'APPROVAL_SELF' });

        // B approves: the void runs (as A) and the invoice is re-issued under the same number.
        await signIn(b!, fx.approver);
        await pb.goto('/approvals');
        const row = ui.rowWith(pb, number);
        await ui.approveButton(row).click();
        const confirm = pb.getByRole('dialog');
        await confirm.waitFor();
        await b!.shot('approve dialog');
        const approved = pb.waitForResponse(isCall('POST', `/api/v1/approvals/${request.approval.id}/approve`), {
          timeout: 20_000,
        });
        await ui.dialogButton(confirm, ui.approveConfirm).click();
        const decision = await approved;
        expect(decision.status(), await decision.text()).toBe(200);
        expect(await decision.json()).toMatchObject({ status: 'approved' });
        await ui.approvedNotice(pb).waitFor();
        await b!.shot('approved');

        const inv = await getInvoice(fx.admin, number);
        expect(inv.status).toBe('issued');
        expect(inv.history.map((h: { kind: string }) => h.kind)).toEqual(expect.arrayContaining(['voided', 'reissued']));
        await pb.goto(`/invoices/${number}`);
        await ui.historyEntry(pb, '註銷').waitFor();
        await ui.historyEntry(pb, '重新開立').waitFor();
        await b!.shot('invoice re-issued');
      });
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    '8. a render error shows the friendly panel and reaches the admin’s client error list',
    async ({ task }) => {
      ready();
      await withPage(
        browser!,
        base,
        task.name,
        async (s) => {
          const p = s.page;
          await signIn(s, stack!.info.admin);
          const reported = p.waitForResponse(isCall('POST', '/api/v1/client-errors'), { timeout: 20_000 });
          reported.catch(() => {});
          await p.goto('/?__throw=render');
          const panel = ui.errorPanel(p);
          await panel.waitFor();
          await s.shot('error panel');
          const report = await reported;
          expect(report.status(), await report.text()).toBeLessThan(300);

          const userAgent = await p.evaluate(() => navigator.userAgent);
          const stored = await waitFor(
            'the report in GET /api/v1/client-errors',
            async () =>
              (await fx.admin.get('/api/v1/client-errors')).items.find((i: { url: string }) => i.url.includes('__throw=render')),
            10_000,
            250,
          );
          expect(stored.message).toEqual(expect.stringMatching(/\S/));
          expect(stored.stack).toEqual(expect.stringMatching(/\S/));
          expect(stored.userAgent).toBe(userAgent);

          // The reload button reloads the page (the hook throws again, so the panel comes back).
          await Promise.all([p.waitForEvent('load'), ui.reloadButton(panel).click()]);
          await ui.errorPanel(p).waitFor();
        },
        { initScript: `try { localStorage.setItem('einvoice.testHooks', '1'); } catch {}` },
      );
    },
    FLOW_TIMEOUT_MS,
  );
});
