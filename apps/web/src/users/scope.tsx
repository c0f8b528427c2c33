import type { DataScopeInput } from '@app/schemas/role';
import type { SellerView, SiteView } from '@app/schemas/seller';
import { useQueries } from '@tanstack/react-query';
import { useId } from 'react';
import { apiKey, useApiQuery } from '../api/hooks.ts';
import { useServices } from '../app/services.tsx';
import { useI18n } from '../i18n/index.ts';
import { QueryState } from '../ui/QueryState.tsx';

type Items<T> = { items: T[] };
export type Scope = DataScopeInput;

/** Every seller in the caller's scope with its sites: what a data scope can name. */
export function useScopeCatalog() {
  const { api } = useServices();
  const sellers = useApiQuery<Items<SellerView>>('/api/v1/sellers');
  const ids = (sellers.data?.items ?? []).map((s) => s.id);
  const sites = useQueries({
    queries: ids.map((id) => {
      const path = `/api/v1/sellers/${id}/sites`;
      return {
        queryKey: apiKey(path),
        queryFn: ({ signal }: { signal: AbortSignal }) => api.get<Items<SiteView>>(path, { signal }),
      };
    }),
  });
  const sitesOf = new Map<string, SiteView[] | undefined>();
  const siteById = new Map<string, SiteView>();
  ids.forEach((id, i) => {
    const items = sites[i]?.data?.items;
    sitesOf.set(id, items);
    for (const s of items ?? []) siteById.set(s.id, s);
  });
  const sellerById = new Map((sellers.data?.items ?? []).map((s) => [s.id, s]));
  const sitesPending = sites.some((q) => q.isPending);
  const sitesFailed = sites.some((q) => q.isError);
  return { sellers, sellerById, sitesOf, siteById, sitesPending, sitesFailed };
}

/**
 * A data scope to choose: everything, or sellers (all their sites) and single sites. Ids in the scope that
 * the catalog does not know (outside the caller's own scope, or deleted) stay listed, so saving keeps them
 * unless they are unticked.
 */
export function ScopeEditor({
  value,
  onChange,
  error,
}: {
  value: Scope;
  onChange: (v: Scope) => void;
  error?: string | undefined;
}) {
  const { t } = useI18n();
  const id = useId();
  const catalog = useScopeCatalog();
  const toggle = (list: 'sellers' | 'sites', ref: string, on: boolean) => {
    const rest = value[list].filter((x) => x !== ref);
    onChange({ ...value, [list]: on ? [...rest, ref] : rest });
  };
  const unknownSellers = catalog.sellers.data ? value.sellers.filter((s) => !catalog.sellerById.has(s)) : [];
  const unknownSites =
    catalog.sellers.data && !catalog.sitesPending && !catalog.sitesFailed
      ? value.sites.filter((s) => !catalog.siteById.has(s))
      : [];
  const nothing = !value.all && value.sellers.length === 0 && value.sites.length === 0;

  return (
    <fieldset className="scope-editor" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{t('users.scope.legend')}</legend>
      <label className="check">
        <input
          type="radio"
          name={`${id}-mode`}
          checked={value.all}
          onChange={() => onChange({ all: true, sellers: [], sites: [] })}
        />
        {t('users.scope.all')}
      </label>
      <label className="check">
        <input type="radio" name={`${id}-mode`} checked={!value.all} onChange={() => onChange({ ...value, all: false })} />
        {t('users.scope.chosen')}
      </label>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
      {!value.all && (
        <div className="scope-choices">
          {nothing && <p className="badge warn">{t('users.scope.nothing')}</p>}
          <QueryState query={catalog.sellers} loading={t('users.scope.loading')}>
            {(data) => (
              <>
                {data.items.length === 0 && <p>{t('users.scope.noSellers')}</p>}
                {data.items.map((s) => {
                  const whole = value.sellers.includes(s.id);
                  const sites = catalog.sitesOf.get(s.id);
                  return (
                    <fieldset key={s.id} className="scope-seller">
                      <legend>{`${s.name} (${s.ban})`}</legend>
                      <label className="check">
                        <input type="checkbox" checked={whole} onChange={(e) => toggle('sellers', s.id, e.target.checked)} />
                        {t('users.scope.wholeSeller', { name: s.name })}
                      </label>
                      {sites === undefined ? (
                        <p className="meta">
                          {catalog.sitesFailed ? t('users.scope.sitesError') : t('users.scope.sitesLoading')}
                        </p>
                      ) : (
                        sites.map((site) => (
                          <label key={site.id} className="check scope-site">
                            <input
                              type="checkbox"
                              checked={whole || value.sites.includes(site.id)}
                              disabled={whole}
                              onChange={(e) => toggle('sites', site.id, e.target.checked)}
                            />
                            {t('users.scope.site', { name: site.name, code: site.code })}
                          </label>
                        ))
                      )}
                    </fieldset>
                  );
                })}
              </>
            )}
          </QueryState>
          {(unknownSellers.length > 0 || unknownSites.length > 0) && (
            <fieldset className="scope-seller">
              <legend>{t('users.scope.unknown')}</legend>
              {unknownSellers.map((ref) => (
                <label key={ref} className="check">
                  <input type="checkbox" checked onChange={() => toggle('sellers', ref, false)} />
                  {t('users.scope.unknownSeller', { id: ref })}
                </label>
              ))}
              {unknownSites.map((ref) => (
                <label key={ref} className="check">
                  <input type="checkbox" checked onChange={() => toggle('sites', ref, false)} />
                  {t('users.scope.unknownSite', { id: ref })}
                </label>
              ))}
            </fieldset>
          )}
        </div>
      )}
    </fieldset>
  );
}

/** A data scope in words: everything, or the sellers and sites by name. */
export function ScopeText({ scope }: { scope: Scope }) {
  const { t } = useI18n();
  const catalog = useScopeCatalog();
  if (scope.all) return <>{t('users.scope.all')}</>;
  if (scope.sellers.length === 0 && scope.sites.length === 0)
    return <span className="badge warn">{t('users.scope.nothing')}</span>;
  const sellerName = (id: string) => {
    const s = catalog.sellerById.get(id);
    return s ? `${s.name} (${s.ban})` : id;
  };
  const siteName = (id: string) => {
    const s = catalog.siteById.get(id);
    if (!s) return id;
    const seller = catalog.sellerById.get(s.sellerId);
    return seller ? `${seller.name} / ${s.name} (${s.code})` : `${s.name} (${s.code})`;
  };
  return (
    <ul className="scope-text">
      {scope.sellers.map((id) => (
        <li key={`seller-${id}`}>{t('users.scope.sellerItem', { name: sellerName(id) })}</li>
      ))}
      {scope.sites.map((id) => (
        <li key={`site-${id}`}>{t('users.scope.siteItem', { name: siteName(id) })}</li>
      ))}
    </ul>
  );
}
