import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { errorText } from '../app/error-text.ts';
import { useI18n } from '../i18n/index.ts';

/**
 * The three states of loaded data, always explicit: a busy status while loading, an alert with a retry
 * button on failure, and the children with the data. A refetch keeps showing the last data.
 */
export function QueryState<T>({
  query,
  children,
  loading,
}: {
  query: Pick<UseQueryResult<T>, 'data' | 'error' | 'isPending' | 'isError' | 'refetch'>;
  children: (data: T) => ReactNode;
  /** What is loading, for the status text; default the generic one. */
  loading?: string;
}) {
  const { t } = useI18n();
  if (query.isPending) {
    return (
      <p role="status" aria-busy="true" className="loading">
        {loading ?? t('common.loading')}
      </p>
    );
  }
  if (query.isError && query.data === undefined) {
    return (
      <div role="alert" className="load-error">
        <p>{t('common.loadError', { message: errorText(t, query.error) })}</p>
        <button type="button" onClick={() => void query.refetch()}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  return <>{children(query.data as T)}</>;
}
