import { ApiError } from '../api/errors.ts';
import { errorText } from '../app/error-text.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';

type Where = { reason?: unknown; line?: unknown; column?: unknown };

/**
 * A refusal shown in full, so nothing is lost: our words for the code (`texts` first, then the app's), the
 * API's own message when it says more, the field problems (unless the form shows them beside its fields),
 * where in a file (line, column, reason) and the code and request id to quote to support.
 */
export function ApiProblem({
  error,
  title,
  texts,
  showFields = true,
}: {
  error: unknown;
  title?: string;
  /** Screen-specific wording for API codes (`BLOCK_OVERLAP` → a key). */
  texts?: Readonly<Record<string, MessageKey>>;
  showFields?: boolean;
}) {
  const { t } = useI18n();
  const api = error instanceof ApiError ? error : null;
  const own = api ? texts?.[api.code] : undefined;
  const text = own ? t(own) : errorText(t, error);
  const where = api && typeof api.details === 'object' && api.details !== null ? (api.details as Where) : null;
  const fields = api && showFields ? api.fieldProblems : [];
  return (
    <div role="alert" className="api-problem">
      {title && (
        <p>
          <strong>{title}</strong>
        </p>
      )}
      <p>{text}</p>
      {api?.message && api.message !== text && <p lang="en">{api.message}</p>}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={`${f.field}:${f.message}`}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
      {where && (typeof where.line === 'number' || typeof where.reason === 'string') && (
        <p>
          {typeof where.reason === 'string' && <code>{where.reason}</code>}
          {typeof where.line === 'number' && (
            <>
              {' '}
              {t('tracks.problem.where', {
                line: where.line,
                column: typeof where.column === 'number' ? where.column : '—',
              })}
            </>
          )}
        </p>
      )}
      {api && (
        <p className="meta">
          {t('tracks.problem.code', { code: api.code, status: api.status, requestId: api.requestId ?? '—' })}
        </p>
      )}
    </div>
  );
}
