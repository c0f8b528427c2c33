/**
 * The SQL side of data scopes: every query that returns business data filters by the caller's scope
 * with this one helper, so "no scope rows = nothing" and "all = everything" hold the same everywhere.
 *
 *   db.selectFrom('invoices').where(scopeWhere(ctx.principal.scope, { seller: 'seller_id', site: 'site_id' }))
 */
import type { DataScope } from '@app/domain';
import { type ExpressionBuilder, type ExpressionWrapper, type SqlBool, sql } from 'kysely';

export type ScopeColumns = { seller?: string; site?: string };

export function scopeWhere(scope: DataScope, cols: ScopeColumns) {
  return <DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>): ExpressionWrapper<DB, TB, SqlBool> => {
    if (scope.all) return eb.val(true) as unknown as ExpressionWrapper<DB, TB, SqlBool>;
    const ors: ExpressionWrapper<DB, TB, SqlBool>[] = [];
    if (cols.seller && scope.sellers.length > 0) {
      ors.push(eb(sql.ref(cols.seller), 'in', scope.sellers) as unknown as ExpressionWrapper<DB, TB, SqlBool>);
    }
    if (cols.site && scope.sites.length > 0) {
      ors.push(eb(sql.ref(cols.site), 'in', scope.sites) as unknown as ExpressionWrapper<DB, TB, SqlBool>);
    }
    // No matching scope entries: the caller sees nothing (deny by default).
    if (ors.length === 0) return eb.val(false) as unknown as ExpressionWrapper<DB, TB, SqlBool>;
    return eb.or(ors);
  };
}
