import type { FastifyReply } from 'fastify';
import type { Tx } from '../context.ts';

/**
 * `reply.transact` for writes that cached state depends on — the access model (users, roles, role
 * assignments, clients, data scopes) and what issuing reads (sellers, sites, devices, blocks) — then
 * drop the caches so the change holds from the very next request (a disabled client's token or a
 * disabled site is refused at once, not after the caches' few seconds). The caches are cleared after
 * the commit, not inside the transaction: a request reloading between the two would otherwise cache
 * the old state again.
 */
export async function transactClearingCaches<T>(
  reply: FastifyReply,
  clearCaches: () => void,
  status: number,
  fn: (trx: Tx) => Promise<T>,
): Promise<T> {
  const result = await reply.transact(status, fn);
  clearCaches();
  return result;
}
