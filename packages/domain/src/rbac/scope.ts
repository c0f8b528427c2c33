/**
 * Data scopes limit a caller to some sellers and sites. `all` sees everything; otherwise the caller
 * sees a row when its seller is in `sellers` or its site is in `sites`. No scope rows = sees nothing.
 */
export type DataScope = { all: true } | { all: false; sellers: readonly string[]; sites: readonly string[] };

export type ScopeRow = { scopeType: 'all' | 'seller' | 'site'; scopeRef: string | null };

export function scopeFromRows(rows: readonly ScopeRow[]): DataScope {
  if (rows.some((r) => r.scopeType === 'all')) return { all: true };
  const sellers = new Set<string>();
  const sites = new Set<string>();
  for (const r of rows) {
    if (r.scopeRef === null) continue;
    if (r.scopeType === 'seller') sellers.add(r.scopeRef);
    else if (r.scopeType === 'site') sites.add(r.scopeRef);
  }
  return { all: false, sellers: [...sellers].sort(), sites: [...sites].sort() };
}

/** Whether a row owned by `seller` (and optionally `site`) is visible in `scope`. */
export function scopeAllows(scope: DataScope, target: { seller?: string | null; site?: string | null }): boolean {
  if (scope.all) return true;
  if (target.seller != null && scope.sellers.includes(target.seller)) return true;
  if (target.site != null && scope.sites.includes(target.site)) return true;
  return false;
}
