import { Fragment } from 'react';
import { useI18n } from '../i18n/index.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A request body or an answer, readable: an object's fields as a list (text and numbers as they are, nested
 * values as indented JSON), anything else as indented JSON.
 */
export function Readable({ value }: { value: unknown }) {
  const { t } = useI18n();
  if (value === null || value === undefined) return <p>{t('common.none')}</p>;
  if (!isPlainObject(value)) return <pre className="code">{JSON.stringify(value, null, 2)}</pre>;
  const entries = Object.entries(value);
  if (entries.length === 0) return <p>{t('common.none')}</p>;
  return (
    <dl className="props">
      {entries.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>
            {v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? (
              String(v)
            ) : (
              <pre className="code">{JSON.stringify(v, null, 2)}</pre>
            )}
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}
