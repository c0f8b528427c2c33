/** The body of GET /api/v1/dashboard/summary: the API's own schema is the one source (a type-only import). */
export type { DashboardSummary } from '@app/schemas/dashboard';
