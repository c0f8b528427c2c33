/**
 * Every name the browser tests find things by, in one place: accessible roles with the zh-TW names the screens
 * show (the app's primary language: the contexts run in zh-TW with nothing stored, so the app starts in it).
 * Each comes from the app's i18n files (apps/web/src/i18n/areas/<area>.ts, key named beside it) or, for the
 * printed proof, the data-testid the issue names. When a screen's wording changes, change it here.
 */
import type { Locator, Page } from 'playwright-core';

type Scope = Page | Locator;

const h1 = (p: Page) => p.getByRole('heading', { level: 1 });
const invoiceFilters = (p: Page) => p.getByRole('form', { name: '查詢條件' }); // invoices.list.filters

export const ui = {
  // --- shell and login (core.ts, login.ts) -----------------------------------------------------------------
  username: (p: Page) => p.getByLabel('帳號', { exact: true }), // login.username
  password: (p: Page) => p.getByLabel('密碼', { exact: true }), // login.password
  loginButton: (p: Page) => p.getByRole('button', { name: '登入', exact: true }), // login.submit
  mainNav: (p: Page) => p.getByRole('navigation', { name: '主選單' }), // nav.main
  signedInAs: (p: Page, name: string) => p.getByText(`登入身分：${name}`), // nav.signedInAs
  badCredentials: (p: Page) => p.getByRole('alert').filter({ hasText: '帳號或密碼錯誤' }), // error.INVALID_CREDENTIALS
  h1,
  /** A table row holding `text`. */
  rowWith: (scope: Scope, text: string | RegExp) => scope.getByRole('row').filter({ hasText: text }),
  /** A ConfirmDialog's confirm button (its other one is 取消). */
  dialogButton: (dialog: Locator, name: string) => dialog.getByRole('button', { name, exact: true }),

  // --- tracks (tracks.ts) ----------------------------------------------------------------------------------
  e0501Link: (p: Page) => p.getByRole('link', { name: 'E0501 配號檔匯入' }), // tracks.nav.e0501
  e0501File: (p: Page) => p.getByLabel('配號檔', { exact: true }), // tracks.e0501.file
  e0501Submit: (p: Page) => p.getByRole('button', { name: '上傳並匯入' }), // tracks.e0501.submit
  e0501Entries: (p: Page) => p.getByRole('table', { name: /的逐筆結果$/ }), // tracks.e0501.entriesCaption
  /** The track's link in the list: "AB 12345600–12345699" (NumberRange). */
  trackLink: (p: Page, track: string, begin: string) => p.getByRole('link', { name: new RegExp(`^${track} ${begin}`) }),
  siteSelect: (p: Page) => p.getByLabel('門市', { exact: true }), // tracks.site
  booklets: (p: Page) => p.getByLabel('本數', { exact: true }), // tracks.booklets
  allocateSubmit: (p: Page) => p.getByRole('button', { name: '配號', exact: true }), // tracks.allocate.submit
  allocateConfirm: '確認配號', // tracks.allocate.confirm
  blocksTable: (p: Page) => p.getByRole('table', { name: /的號碼段$/ }), // tracks.blocks.caption

  // --- invoices (invoices.ts) ------------------------------------------------------------------------------
  invoiceFilters,
  numberFilter: (p: Page) => invoiceFilters(p).getByLabel('發票號碼', { exact: true }), // invoices.field.number
  invoiceLink: (p: Page, number: string) => p.getByRole('link', { name: number, exact: true }),
  proofLink: (p: Page) => p.getByRole('link', { name: '列印證明聯' }), // invoices.proof.open
  cancelButton: (p: Page) => p.getByRole('main').getByRole('button', { name: '作廢', exact: true }), // invoices.cancel.action
  cancelConfirm: '確認作廢', // invoices.cancel.confirm
  voidButton: (p: Page) => p.getByRole('main').getByRole('button', { name: '註銷並重開', exact: true }), // invoices.void.action
  voidConfirm: '確認註銷並重開', // invoices.void.confirm
  reasonField: (dialog: Locator) => dialog.getByLabel('原因', { exact: true }), // invoices.field.reason
  /** The status badge in the page's heading. */
  statusInHeading: (p: Page, status: '已開立' | '已作廢' | '已註銷') => h1(p).getByText(status, { exact: true }),
  /** After a void that needs approval (202). */
  approvalSent: (p: Page) => p.getByRole('status').filter({ hasText: '已送出審核申請' }), // invoices.approval.submitted
  /** A history entry, by kind (invoices.history.<kind>). */
  historyEntry: (p: Page, kind: '開立' | '作廢' | '註銷' | '重新開立') =>
    p.getByRole('region', { name: '狀態歷程' }).getByText(kind, { exact: true }), // invoices.detail.history

  // --- proof (data-testid from the issue) -----------------------------------------------------------------
  proofBarcode: (p: Page) => p.getByTestId('proof-barcode'),
  proofQrLeft: (p: Page) => p.getByTestId('proof-qr-left'),
  proofQrRight: (p: Page) => p.getByTestId('proof-qr-right'),

  // --- approvals (approvals.ts) ----------------------------------------------------------------------------
  approveButton: (row: Locator) => row.getByRole('button', { name: '核准', exact: true }), // approvals.approve
  approveConfirm: '核准', // approvals.approve (the dialog's confirm label)
  withdrawButton: (row: Locator) => row.getByRole('button', { name: '撤回申請' }), // approvals.withdraw
  approvedNotice: (p: Page) => p.getByRole('status').filter({ hasText: /^已核准/ }), // approvals.done.approved

  // --- audit (audit.ts) ------------------------------------------------------------------------------------
  auditTable: (p: Page) => p.getByRole('table', { name: /^稽核紀錄/ }), // audit.caption

  // --- error boundary (errors.ts: role=alert with a reload button) -----------------------------------------
  errorPanel: (p: Page) => p.getByRole('alert').filter({ has: p.getByRole('button', { name: '重新載入' }) }),
  reloadButton: (panel: Locator) => panel.getByRole('button', { name: '重新載入' }), // errors.boundary.reload
};
