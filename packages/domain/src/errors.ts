/**
 * The one error type of the system. Services throw it; the API's single error handler maps `code`
 * to an HTTP status through `ERROR_CODES`, so a code means the same thing everywhere.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: { status: 400, description: 'The request does not match the schema; `details` lists each bad field.' },
  INVALID_JSON: { status: 400, description: 'The body is not valid JSON.' },
  IDEMPOTENCY_KEY_MISSING: { status: 400, description: 'A write under /api/v1 was sent without an Idempotency-Key header.' },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    description: 'The Idempotency-Key header is empty, longer than 255 characters or not printable ASCII.',
  },
  BLOCK_OUTSIDE_RANGE: { status: 400, description: 'The block does not lie inside its range, or is not whole booklets of 50.' },
  BAD_REQUEST: { status: 400, description: 'The request is malformed.' },
  WEBHOOK_TARGET_REFUSED: {
    status: 400,
    description:
      'The webhook URL is not http(s), carries credentials or a fragment, does not resolve, or resolves to an address webhooks may not reach (loopback, private, CGNAT, link-local, unique-local, metadata …); `details` give the reason and the address. Internal targets need WEBHOOK_ALLOW_INTERNAL_TARGETS=true (on-prem).',
  },
  WEBHOOK_RISK_NOT_ACKNOWLEDGED: {
    status: 400,
    description:
      'Auth mode ip_only sends webhooks without any credential; it is refused unless the request sets acknowledgeRisk: true.',
  },
  UNAUTHENTICATED: { status: 401, description: 'No bearer token was sent.' },
  TOKEN_INVALID: { status: 401, description: 'The token is malformed, forged, expired or revoked.' },
  TOKEN_TENANT_MISMATCH: { status: 401, description: "The token was minted for another tenant's stack." },
  INVALID_CREDENTIALS: { status: 401, description: 'Username/password or client id/secret is wrong.' },
  MFA_CODE_INVALID: { status: 401, description: 'The one-time code or recovery code is wrong or already used.' },
  REFRESH_TOKEN_INVALID: { status: 401, description: 'The refresh token is unknown, expired or revoked.' },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    description: 'An already-rotated refresh token was presented; the whole session was revoked.',
  },
  FORBIDDEN: { status: 403, description: 'The caller lacks the permission the route requires.' },
  MFA_ENROLLMENT_REQUIRED: { status: 403, description: "The caller's role requires MFA; enrol before using other routes." },
  SCOPE_FORBIDDEN: { status: 403, description: "The target lies outside the caller's data scope." },
  NOT_FOUND: { status: 404, description: 'The resource does not exist or is outside the caller’s scope.' },
  ROUTE_NOT_FOUND: { status: 404, description: 'No route matches the method and path.' },
  CONFLICT: { status: 409, description: 'The write conflicts with the current state.' },
  ALREADY_EXISTS: { status: 409, description: 'A resource with the same unique name already exists.' },
  MAINTENANCE: {
    status: 503,
    description: 'The system is in maintenance (read-only) mode: writes are refused, reads work. Retry after it ends.',
  },
  LICENSE_EXPIRED: {
    status: 403,
    description: 'The license has expired and its grace period is over (or it was revoked): the system is read-only.',
  },
  APPROVAL_SELF: { status: 409, description: 'An approval request cannot be approved or rejected by the user who made it.' },
  APPROVAL_DECIDED: { status: 409, description: 'The approval request was already approved, rejected or withdrawn.' },
  APPROVAL_PENDING: {
    status: 409,
    description: 'The same action on this invoice already waits for approval (details name the request).',
  },
  IDEMPOTENCY_KEY_REUSED: { status: 409, description: 'The Idempotency-Key was already used with a different request.' },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    description: 'A request with this Idempotency-Key is still being processed; retry later.',
  },
  MFA_ALREADY_ENABLED: { status: 409, description: 'MFA is already enabled for this user.' },
  MFA_NOT_ENROLLED: { status: 409, description: 'No MFA enrolment is pending or active.' },
  BLOCK_OVERLAP: { status: 409, description: 'The block overlaps a block already allocated in this range.' },
  NO_FREE_NUMBERS: { status: 409, description: 'The range has no free run of numbers of the requested size.' },
  NO_NUMBER_BLOCK: { status: 409, description: "The site or device has no block of numbers for the invoice's period and type." },
  TRACK_EXHAUSTED: {
    status: 409,
    description: "Every number of the site's or device's blocks for the period is used; allocate more.",
  },
  INVOICE_TIME_ORDER: {
    status: 409,
    description: 'The invoice time is earlier than that of the last number issued from the block (numbers follow time order).',
  },
  NOTHING_TO_RESEND: {
    status: 409,
    description: 'The invoice has no rejected, invalid or dead Turnkey message to resend (in your scope).',
  },
  PERIOD_CLOSED: {
    status: 409,
    description:
      'The invoice time lies in a period that has ended (or its blocks are closed): no number of it is issued any more.',
  },
  OFFLINE_NUMBER_NOT_RESERVED: {
    status: 409,
    description: "The offline invoice's number is not in a reservation of this device for the invoice's period.",
  },
  OFFLINE_NUMBER_USED: { status: 409, description: 'The reserved number was already issued (each number is issued once).' },
  OFFLINE_RANDOM_MISMATCH: {
    status: 409,
    description: 'The random number differs from the one drawn for this number when it was reserved.',
  },
  SELLER_QR_KEY_MISSING: {
    status: 409,
    description: 'The seller has no QR AES key yet; set it with PUT /api/v1/sellers/{id}/qr-key.',
  },
  INVOICE_NOT_ISSUED: {
    status: 409,
    description: 'The invoice is already cancelled (作廢) or voided (註銷); only an issued invoice can change state.',
  },
  INVOICE_CANCEL_WINDOW_CLOSED: {
    status: 409,
    description:
      "The invoice's period ended more than CANCEL_GRACE_DAYS ago and it can no longer be cancelled; issue an allowance (折讓) instead.",
  },
  INVOICE_HAS_ALLOWANCES: {
    status: 409,
    description: 'The invoice has allowances that are neither cancelled nor voided; cancel or void them first.',
  },
  ALLOWANCE_EXCEEDS_REMAINING: {
    status: 409,
    description:
      "The allowance is larger than what is left of an item (its amount minus the active allowances) or of the invoice's total; `details` names the item.",
  },
  ALLOWANCE_NOT_ACTIVE: {
    status: 409,
    description: 'The allowance is already cancelled or voided.',
  },
  DEAD_LETTER_ALREADY_RETRIED: {
    status: 409,
    description:
      'The dead letter was already put back in its queue (see retriedAt and retryJobId); a new failure is a new dead letter.',
  },
  EMAIL_DISABLED: {
    status: 409,
    description: 'E-mail is off on this stack (SMTP_HOST is not set): no notification or test e-mail can be sent.',
  },
  EMAIL_ADDRESS_MISSING: {
    status: 409,
    description: 'The user has no e-mail address; an administrator sets it (PATCH /api/v1/users/{id}).',
  },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body exceeds the configured limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'The Content-Type is not accepted by this route.' },
  IMPORT_FILE_INVALID: {
    status: 422,
    description:
      'An invoice import file cannot be read as a whole (header, quoting, too many invoices): the import failed and issued nothing. Reported on the import (GET /api/v1/imports/{id}); fix the file and upload it again.',
  },
  RATE_LIMITED: { status: 429, description: 'Too many requests; see Retry-After.' },
  LOGIN_LOCKED: { status: 429, description: 'Too many failed logins; see Retry-After.' },
  INTERNAL_ERROR: { status: 500, description: 'An unexpected error; the request id is in the logs.' },
  SERVICE_UNAVAILABLE: { status: 503, description: 'A dependency is unavailable.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get statusCode(): number {
    return ERROR_CODES[this.code].status;
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
