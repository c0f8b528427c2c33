/** The API's error body: `{ requestId, statusCode, code, message, details? }` (apps/api/src/plugins/errors.ts). */
export type ErrorBody = { requestId: string; statusCode: number; code: string; message: string; details?: unknown };

/** One field's problem as the API names it: `body.username`, `query.from`, `headers.idempotency-key`. */
export type FieldProblem = { field: string; message: string };

/**
 * Any failed API call. `status` 0 with code NETWORK_ERROR when no answer came; otherwise the API's own
 * code, message, request id and details.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: unknown;

  constructor(init: { status: number; code: string; message: string; requestId?: string | null; details?: unknown }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.details = init.details;
  }

  /** The field problems in `details` (an array of them or a single one); others are left out. */
  get fieldProblems(): FieldProblem[] {
    const list = Array.isArray(this.details) ? this.details : [this.details];
    return list
      .filter((d): d is FieldProblem => typeof d === 'object' && d !== null && typeof (d as FieldProblem).field === 'string')
      .map((d) => ({ field: d.field, message: typeof d.message === 'string' ? d.message : this.message }));
  }

  /** First problem per body field, keyed without the `body.` prefix (`{ username: 'Required' }`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.fieldProblems) {
      if (!p.field.startsWith('body.')) continue;
      const name = p.field.slice('body.'.length);
      out[name] ??= p.message;
    }
    return out;
  }
}

export function isErrorBody(v: unknown): v is ErrorBody {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ErrorBody).code === 'string' &&
    typeof (v as ErrorBody).message === 'string'
  );
}
