import { type FormEvent, type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useI18n } from '../i18n/index.ts';
import { Field } from './Field.tsx';

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

type ListParams = ReturnType<typeof useListParams<string>>;

/**
 * A page of a list: `children` (the table) in its scrolling wrapper, or `empty` (default: the common "nothing
 * here") when the page has no rows; then the pager.
 */
export function ListPage({
  list,
  page,
  empty,
  children,
}: {
  list: Pick<ListParams, 'page' | 'nextPage' | 'firstPage'>;
  page: { items: readonly unknown[]; nextCursor?: string | null | undefined };
  empty?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <>
      {page.items.length === 0 ? <p>{empty ?? t('common.empty')}</p> : <div className="table-wrap">{children}</div>}
      <Pager page={list.page} nextCursor={page.nextCursor} onNext={list.nextPage} onFirst={list.firstPage} />
    </>
  );
}

/**
 * Filters edited as a draft and applied together on submit (each change would otherwise be a request); the
 * draft follows the URL (back/forward, clear). `field(k)` gives a control's name, value and onChange; `apply`
 * is the form's onSubmit, setting `toFilters(draft)` (default the draft as it is; e.g. a text trimmed).
 */
export function useFilterDraft<K extends string>(
  list: { filters: Record<K, string>; setFilters: (patch: Partial<Record<K, string>>) => void },
  toFilters: (draft: Record<K, string>) => Partial<Record<K, string>> = (d) => d,
) {
  const [draft, setDraft] = useState(list.filters);
  useEffect(() => setDraft(list.filters), [list.filters]);
  const field = (k: K) => ({
    name: k,
    value: draft[k],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value })),
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    list.setFilters(toFilters(draft));
  };
  return { draft, field, apply };
}

/** A filter form's buttons: apply (the form's submit) and clear. */
export function FilterActions({ onClear, primary = true }: { onClear: () => void; primary?: boolean }) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="submit" className={primary ? 'primary' : undefined}>
        {t('common.filter')}
      </button>
      <button type="button" onClick={onClear}>
        {t('common.clearFilters')}
      </button>
    </div>
  );
}

/**
 * A list's search form (a search landmark) whose `children` (selects) set their filter at once. With `search`,
 * it starts with the text field of the API's `q` filter, applied (trimmed) on submit by a Filter button.
 */
export function SearchFilters({
  list,
  search,
  children,
}: {
  list: Pick<ListParams, 'filters' | 'setFilters' | 'clearFilters'>;
  search?: { label: string; maxLength: number };
  children: ReactNode;
}) {
  const { t } = useI18n();
  const q = list.filters.q ?? '';
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (search) list.setFilters({ q: String(new FormData(e.currentTarget).get('q') ?? '').trim() });
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a form with role=search is announced everywhere; <search> is not yet mapped by all screen readers and testing tools
    <form className="filters" role="search" aria-label={t('common.filter')} onSubmit={submit}>
      {search && <Field key={q} name="q" label={search.label} defaultValue={q} maxLength={search.maxLength} />}
      {children}
      {search && <button type="submit">{t('common.filter')}</button>}
      <button type="button" onClick={list.clearFilters}>
        {t('common.clearFilters')}
      </button>
    </form>
  );
}
