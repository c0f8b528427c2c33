import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useI18n } from '../i18n/index.ts';

/**
 * A list's filters and page, held in the URL so a link reproduces the view. `keys` are the filter names (the
 * API's query parameter names); `cursor` is the API's `nextCursor` of the page before; `page` only counts.
 * Changing a filter starts from the first page again. Pass `keys` as a module-level constant (it is a
 * dependency of the memoised filters).
 */
export function useListParams<K extends string>(keys: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(
    () => Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ''])) as Record<K, string>,
    [keys, params],
  );
  const cursor = params.get('cursor') ?? undefined;
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);

  const setFilters = useCallback(
    (patch: Partial<Record<K, string>>) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(patch) as [K, string | undefined][]) {
          if (v === undefined || v === '') next.delete(k);
          else next.set(k, v);
        }
        next.delete('cursor');
        next.delete('page');
        return next;
      });
    },
    [setParams],
  );
  const clearFilters = useCallback(() => setParams(new URLSearchParams()), [setParams]);
  const nextPage = useCallback(
    (nextCursor: string) =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        next.set('cursor', nextCursor);
        next.set('page', String(page + 1));
        return next;
      }),
    [setParams, page],
  );
  const firstPage = useCallback(
    () =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        next.delete('cursor');
        next.delete('page');
        return next;
      }),
    [setParams],
  );

  /** The filters that are set, plus the cursor: what to send as the API's query. */
  const query = useMemo(() => {
    const q: Record<string, string> = {};
    for (const [k, v] of Object.entries(filters) as [string, string][]) if (v) q[k] = v;
    if (cursor) q.cursor = cursor;
    return q;
  }, [filters, cursor]);

  return { filters, setFilters, clearFilters, cursor, page, nextPage, firstPage, query };
}

/** "Page N", back to the first page, and the next page when the API gave a cursor. */
export function Pager({
  page,
  nextCursor,
  onNext,
  onFirst,
}: {
  page: number;
  nextCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onFirst: () => void;
}) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('common.pageInfo', { page })}>
      <span>{t('common.pageInfo', { page })}</span>
      {page > 1 && (
        <button type="button" onClick={onFirst}>
          {t('common.firstPage')}
        </button>
      )}
      {nextCursor && (
        <button type="button" onClick={() => onNext(nextCursor)}>
          {t('common.nextPage')}
        </button>
      )}
    </nav>
  );
}
