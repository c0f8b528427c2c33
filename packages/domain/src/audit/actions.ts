/**
 * The audit event dictionary: every action the audit log may record. Routes and services name
 * actions only through this object; `docs/audit-events.csv` is generated from it.
 */
export const AUDIT_ACTIONS = {
  'auth.login': {
    category: 'auth',
    target: 'user',
    description: 'A user logged in with username and password (failure: wrong credentials).',
  },
  'auth.login_locked': {
    category: 'auth',
    target: 'user',
    description: 'A login was refused because the account or source IP is locked out.',
  },
  'auth.mfa_challenge': {
    category: 'auth',
    target: 'user',
    description: 'A user completed (or failed) the second login step with a TOTP or recovery code.',
  },
  'auth.token_refresh': {
    category: 'auth',
    target: 'session',
    description: 'A refresh token was rotated for a new access token.',
  },
  'auth.refresh_reuse': {
    category: 'auth',
    target: 'session',
    description: 'An already-rotated refresh token was presented; the session was revoked.',
  },
  'auth.logout': {
    category: 'auth',
    target: 'session',
    description: 'A user logged out; the session and its refresh tokens were revoked.',
  },
  'auth.mfa_enroll': { category: 'auth', target: 'user', description: 'A user started TOTP enrolment.' },
  'auth.mfa_activate': {
    category: 'auth',
    target: 'user',
    description: 'A user confirmed TOTP enrolment; recovery codes were issued.',
  },
  'auth.mfa_disable': { category: 'auth', target: 'user', description: 'A user turned MFA off (needs a valid code).' },
  'auth.password_change': { category: 'auth', target: 'user', description: 'A user changed their own password.' },
  'oauth.token': {
    category: 'auth',
    target: 'client',
    description: 'A machine client obtained an access token with client credentials.',
  },
  'user.create': { category: 'admin', target: 'user', description: 'A user was created.' },
  'user.update': {
    category: 'admin',
    target: 'user',
    description: "A user's name, e-mail, department, status or roles changed.",
  },
  'user.password_reset': { category: 'admin', target: 'user', description: "An administrator set a user's password." },
  'user.mfa_reset': { category: 'admin', target: 'user', description: "An administrator removed a user's MFA enrolment." },
  'user.unlock': { category: 'admin', target: 'user', description: 'An administrator lifted a login lock.' },
  'scope.set': { category: 'admin', target: 'user|client', description: "A user's or client's data scopes were replaced." },
  'role.create': { category: 'admin', target: 'role', description: 'A role was created.' },
  'role.update': { category: 'admin', target: 'role', description: "A role's name, permissions or MFA requirement changed." },
  'role.delete': { category: 'admin', target: 'role', description: 'A role was deleted.' },
  'client.create': {
    category: 'admin',
    target: 'client',
    description: 'A machine (API) client was created; its secret was shown once.',
  },
  'client.update': { category: 'admin', target: 'client', description: "A client's name, status or roles changed." },
  'client.secret_rotate': {
    category: 'admin',
    target: 'client',
    description: "A client's secret was replaced; the new one was shown once.",
  },
  'seller.create': { category: 'admin', target: 'seller', description: 'A seller (BAN) was registered.' },
  'seller.update': {
    category: 'admin',
    target: 'seller',
    description: "A seller's name, address, contacts, routing id or status changed.",
  },
  'seller.qr_key_set': {
    category: 'admin',
    target: 'seller',
    description: "A seller's QR AES key was set or replaced (the key itself is never logged).",
  },
  'site.create': { category: 'admin', target: 'site', description: 'A site (station/store) was added to a seller.' },
  'site.update': { category: 'admin', target: 'site', description: "A site's name, address, branch BAN or status changed." },
  'device.create': { category: 'admin', target: 'device', description: 'A device (POS, PDA) was registered at a site.' },
  'device.update': { category: 'admin', target: 'device', description: "A device's name, kind or site changed." },
  'device.revoke': {
    category: 'admin',
    target: 'device',
    description: 'A device was revoked; its clients can no longer get tokens.',
  },
  'track.import': {
    category: 'admin',
    target: 'e0501_import',
    description: 'An E0501 number-allocation file was imported (per-entry results kept).',
  },
  'track.block_allocate': {
    category: 'admin',
    target: 'track_block',
    description: 'A block of numbers was allocated to a site or device.',
  },
  'invoice.issue': { category: 'invoice', target: 'invoice', description: 'An invoice (F0401) was issued.' },
  'turnkey.resend': {
    category: 'invoice',
    target: 'invoice',
    description: "An invoice's rejected, invalid or dead Turnkey messages were queued to be handed off again.",
  },
  'invoice.reserve_offline': {
    category: 'invoice',
    target: 'offline_reservation',
    description: 'A device reserved numbers (with random numbers and QR verification strings) to issue offline.',
  },
  'invoice.issue_batch': {
    category: 'invoice',
    target: 'invoice_batch',
    description: 'A batch of up to 500 invoices was submitted (each issued invoice also has its own invoice.issue entry).',
  },
  'invoice.import': {
    category: 'invoice',
    target: 'import_file',
    description:
      'An invoice import file (CSV or JSON lines) was uploaded, or the same file again (note.sameFileAs); each invoice the worker issues from it has its own invoice.issue entry (request id import:<id>).',
  },
  'invoice.cancel': { category: 'invoice', target: 'invoice', description: 'An invoice was cancelled (作廢, F0501).' },
  'invoice.void': {
    category: 'invoice',
    target: 'invoice',
    description: 'An invoice was voided (註銷, F0701) and re-issued with the same number (F0401) and a new buyer/carrier.',
  },
  'allowance.issue': {
    category: 'invoice',
    target: 'allowance',
    description: 'An allowance (折讓, G0401) was issued against an invoice.',
  },
  'allowance.cancel': { category: 'invoice', target: 'allowance', description: 'An allowance was cancelled (G0501).' },
  'allowance.void': { category: 'invoice', target: 'allowance', description: 'An allowance was voided (G0701).' },
  'dead_letter.retry': {
    category: 'admin',
    target: 'dead_letter',
    description: 'A dead letter (a job that failed for good) was put back in its queue under the same job id.',
  },
  'dead_letter.purge': {
    category: 'admin',
    target: 'dead_letter',
    description: 'Dead letters older than a given age (optionally of one job type or status) were deleted.',
  },
  'webhook.create': {
    category: 'admin',
    target: 'webhook',
    description:
      'A webhook subscription was created (its signing secret or generated bearer token was shown once, never logged).',
  },
  'webhook.update': {
    category: 'admin',
    target: 'webhook',
    description:
      "A webhook subscription's URL, event filter, description or auth mode changed (note.riskAcknowledged for ip_only).",
  },
  'webhook.enable': { category: 'admin', target: 'webhook', description: 'A disabled webhook subscription was enabled again.' },
  'webhook.disable': {
    category: 'admin',
    target: 'webhook',
    description: 'A webhook subscription was disabled by hand (one click); nothing is sent to it until it is enabled.',
  },
  'webhook.delete': {
    category: 'admin',
    target: 'webhook',
    description: 'A webhook subscription was deleted with its delivery log.',
  },
  'webhook.secret_rotate': {
    category: 'admin',
    target: 'webhook',
    description:
      "A webhook subscription's signing secret (or bearer token) was replaced; the new one was shown once, the previous secret signs too until note.previousSecretExpiresAt.",
  },
  'webhook.redeliver': {
    category: 'admin',
    target: 'webhook_delivery',
    description: 'A webhook delivery was sent again by hand (same webhook-id), or a pending one was made due now.',
  },
  'webhook.test': {
    category: 'admin',
    target: 'webhook_delivery',
    description: 'A test event (WebhookTest) was queued to a webhook subscription.',
  },
  'notification.preferences_set': {
    category: 'admin',
    target: 'user',
    description: 'A user replaced their own e-mail notification preferences (per kind: off, immediate, digest; the digest time).',
  },
  'notification.test_email': {
    category: 'admin',
    target: 'notification_mail',
    description: 'A user queued a test e-mail to their own address.',
  },
  'audit.export': { category: 'export', target: 'audit_log', description: 'The audit log was exported as CSV.' },
  'approval.request': {
    category: 'invoice',
    target: 'approval',
    description: 'An action needing two-step approval (resend, void, large allowance) was asked for and stored as a request.',
  },
  'approval.approve': {
    category: 'invoice',
    target: 'approval',
    description: 'A second user holding `approve` accepted a request; the action ran as the requester (its own entry follows).',
  },
  'approval.reject': { category: 'invoice', target: 'approval', description: 'A user holding `approve` refused a request.' },
  'approval.withdraw': { category: 'invoice', target: 'approval', description: 'The requester withdrew a pending request.' },
  'ops.maintenance_set': {
    category: 'admin',
    target: 'tenant',
    description: 'Maintenance (read-only) mode was turned on or off.',
  },
  'client_error.report': {
    category: 'admin',
    target: 'client_error',
    description: 'The web app reported a render error (GlobalErrorBoundary); it was stored for the administrators.',
  },
} as const satisfies Record<string, { category: 'auth' | 'admin' | 'export' | 'invoice'; target: string; description: string }>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const isAuditAction = (s: string): s is AuditAction => Object.hasOwn(AUDIT_ACTIONS, s);

/** Keys whose values never reach the audit log (or the logs); matched case-insensitively on the key name. */
const SECRET_KEY = /pass(word)?|secret|token|otp|recovery|key$|hash|authorization|cookie/i;

/** A copy of `value` with secret-looking fields replaced by "[redacted]", for before/after summaries. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactSecrets(v, depth + 1);
  }
  return out;
}
