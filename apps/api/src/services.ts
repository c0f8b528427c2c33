/**
 * The API's modules other processes use (the worker issues imported invoices and imports the E0501
 * files Turnkey downloads): the same code checks, numbers and records, whoever calls it.
 */
export { type AppDeps, type InlineKey, KEY_TAKEN, type Principal, type RequestContext } from './context.ts';
export { loadUserPrincipal } from './modules/auth/auth.repository.ts';
export { createImportRunService, type ImportRunService } from './modules/import/import-run.service.ts';
export { createInvoiceService, type InvoiceService } from './modules/invoice/invoice.service.ts';
export { createTrackImportService, type SystemCaller } from './modules/track/track-import.service.ts';
export { createRenderer, type RenderableMessage, type Rendered } from './modules/turnkey/render.ts';
export { systemResolver, type WebhookSealer, webhookSealer } from './modules/webhook/webhook.secrets.ts';
