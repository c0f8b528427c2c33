/** The body of GET /api/v1/dashboard/summary: the API's own schema is the one source (a type-only import). */
export type { DashboardSummary } from '../../../api/src/modules/dashboard/dashboard.schemas.ts';
