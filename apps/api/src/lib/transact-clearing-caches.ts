import type { FastifyReply } from 'fastify';
import type { Tx } from '../context.ts';

/**
 * `reply.transact` for writes to the access model (users, roles, role assignments, clients, data
 * scopes), then drop the cached principals so the change holds from the very next request (a
 * disabled client's token is refused at once, not after the cache's few seconds). The cache is
 * cleared after the commit, not inside the transaction: a request reloading a principal between
 * the two would otherwise cache the old state again.
 */
export async function transactAccessChange<T>(
  reply: FastifyReply,
  clearPrincipalCache: () => void,
  status: number,
  fn: (trx: Tx) => Promise<T>,
): Promise<T> {
  const result = await reply.transact(status, fn);
  clearPrincipalCache();
  return result;
}
