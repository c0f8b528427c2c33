/**
 * certificate.watch (daily): sellers whose signing certificate (sellers.certificate_expires_at, entered by
 * staff) expires within 30, 14, 7 or 1 days — or has expired — get one CertificateExpiring event per
 * threshold crossed, in the same statement that records the threshold, so a re-run or a retry never
 * announces it twice. A seller that crosses several thresholds at once (the date entered late, the job
 * not run for days) gets one event, for the nearest.
 */
import type { Database } from '@app/db';
import { EVENTS, type JobHandler } from '@app/jobs';
import { sql } from 'kysely';

export const CERTIFICATE_THRESHOLDS_DAYS = [30, 14, 7, 1, 0] as const;

export function createCertificateWatchHandler(deps: { db: Database; now?: () => Date }): JobHandler<'certificate.watch'> {
  return async () => {
    const at = (deps.now ?? (() => new Date()))();
    const r = await sql<{ n: number }>`
      WITH today AS (SELECT (${at.toISOString()}::timestamptz AT TIME ZONE 'Asia/Taipei')::date AS d),
      due AS (
        SELECT s.id, s.ban, s.name, s.certificate_expires_at, (s.certificate_expires_at - today.d) AS days_left,
               (SELECT min(t) FROM unnest(${[...CERTIFICATE_THRESHOLDS_DAYS]}::int[]) AS t
                 WHERE t >= s.certificate_expires_at - today.d) AS threshold
          FROM sellers s, today
         WHERE s.status = 'active' AND s.certificate_expires_at IS NOT NULL
           AND s.certificate_expires_at - today.d <= ${CERTIFICATE_THRESHOLDS_DAYS[0]}
         FOR UPDATE OF s
      ),
      crossed AS (
        UPDATE sellers s SET certificate_alerted_days = coalesce(due.threshold, 0), updated_at = now()
          FROM due
         WHERE s.id = due.id AND (s.certificate_alerted_days IS NULL OR coalesce(due.threshold, 0) < s.certificate_alerted_days)
        RETURNING s.id, due.ban, due.name, due.certificate_expires_at, due.days_left
      ),
      events AS (
        INSERT INTO sys_outbox (event_type, event_version, aggregate_type, aggregate_id, payload)
        SELECT 'CertificateExpiring', ${EVENTS.CertificateExpiring.version}, 'seller', c.id::text,
               jsonb_build_object('sellerId', c.id, 'ban', c.ban, 'name', c.name,
                                  'expiresAt', c.certificate_expires_at::text, 'daysLeft', c.days_left)
          FROM crossed c
        RETURNING 1
      )
      SELECT count(*)::int AS n FROM events`.execute(deps.db);
    return (r.rows[0]?.n ?? 0) > 0 ? 'done' : 'skipped';
  };
}
