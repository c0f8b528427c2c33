/**
 * Worker processes write their heartbeat into sys_worker_heartbeats every few seconds (apps/worker/src/
 * maintenance-watch.ts). One not seen for this long is taken for gone: it holds up no export and is not listed.
 */
export const WORKER_HEARTBEAT_STALE_SECONDS = 30;
