import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../i18n/index.ts';

/**
 * A signing secret or bearer token, shown this once: the API never answers it again. A copy button, a plain
 * warning, and "done" to put it away (it is kept in this component's memory only, never in the URL or cache).
 */
export function SecretReveal({ kind, value, onDone }: { kind: 'secret' | 'bearerToken'; value: string; onDone: () => void }) {
  const { t } = useI18n();
  const headingId = useId();
  const inputId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => heading.current?.focus(), []);

  const doCopy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };

  return (
    <section className="card webhook-secret" aria-labelledby={headingId}>
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {kind === 'secret' ? t('webhooks.secret.titleSecret') : t('webhooks.secret.titleToken')}
      </h2>
      <p role="alert" className="badge warn">
        {t('webhooks.secret.warning')}
      </p>
      <div className="field">
        <label htmlFor={inputId}>{kind === 'secret' ? t('webhooks.secret.secret') : t('webhooks.secret.token')}</label>
        <input
          id={inputId}
          readOnly
          value={value}
          className="webhook-secret-value"
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          autoComplete="off"
        />
      </div>
      <div className="actions">
        <button type="button" onClick={() => void doCopy()}>
          {t('common.copy')}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {t('webhooks.secret.done')}
        </button>
      </div>
      {copy !== 'idle' && (
        <p role="status">{copy === 'copied' ? t('webhooks.secret.copied') : t('webhooks.secret.copyFailed')}</p>
      )}
    </section>
  );
}
