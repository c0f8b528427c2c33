/**
 * The SQL side of data scopes: every query that returns business data filters by the caller's scope
 * with this one helper, so "no scope rows = nothing" and "all = everything" hold the same everywhere.
 *
 *   db.selectFrom('invoices').where(scopeWhere(ctx.principal.scope, { seller: 'seller_id', site: 'site_id' }))
 *
 * `seller`: a column holding a seller id, visible when that seller is in scope.
 * `site`: a column holding a site id, visible when that site is in scope.
 * `sellerOfSites`: a column holding a seller id, visible when one of the scope's sites belongs to that
 *   seller (a station manager sees the seller of their station and its number ranges).
 */
import { type DataScope, DomainError } from '@app/domain';
import { type ExpressionBuilder, type ExpressionWrapper, type SqlBool, sql } from 'kysely';
import type { RequestContext } from '../context.ts';

export type ScopeColumns = { seller?: string; site?: string; sellerOfSites?: string };

export function scopeWhere(scope: DataScope, cols: ScopeColumns) {
  return <DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>): ExpressionWrapper<DB, TB, SqlBool> => {
    const expr = (e: unknown) => e as ExpressionWrapper<DB, TB, SqlBool>;
    if (scope.all) return expr(eb.val(true));
    const ors: ExpressionWrapper<DB, TB, SqlBool>[] = [];
    if (cols.seller && scope.sellers.length > 0) ors.push(expr(eb(sql.ref(cols.seller), 'in', scope.sellers)));
    if (cols.site && scope.sites.length > 0) ors.push(expr(eb(sql.ref(cols.site), 'in', scope.sites)));
    if (cols.sellerOfSites && scope.sites.length > 0) {
      ors.push(
        expr(
          sql<boolean>`${sql.ref(cols.sellerOfSites)} IN (SELECT seller_id FROM sites WHERE id IN (${sql.join(scope.sites)}))`,
        ),
      );
    }
    // No matching scope entries: the caller sees nothing (deny by default).
    if (ors.length === 0) return expr(eb.val(false));
    return eb.or(ors);
  };
}

/** The caller's data scope (routes that reach a service are authenticated; this guards the type). */
export function callerScope(ctx: RequestContext): DataScope {
  if (!ctx.principal) throw new DomainError('UNAUTHENTICATED', 'Not signed in.');
  return ctx.principal.scope;
}
