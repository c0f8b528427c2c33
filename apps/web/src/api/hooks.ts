import { type QueryKey, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useServices } from '../app/services.tsx';
import type { ApiClient } from './client.ts';

type Query = Record<string, string | number | boolean | undefined>;

/** The query key of a GET: its path first, so a write can refresh everything under a path. */
export const apiKey = (path: string, query?: Query): QueryKey => (query ? [path, query] : [path]);

/** GET `path` (with `query`) through the API client; `null` path waits (a dependent query). */
export function useApiQuery<T>(
  path: string | null,
  query?: Query,
  opts: { refetchInterval?: number | false; enabled?: boolean } = {},
) {
  const { api } = useServices();
  return useQuery({
    queryKey: apiKey(path ?? '', query),
    queryFn: ({ signal }) => api.get<T>(path as string, { query, signal }),
    enabled: path !== null && (opts.enabled ?? true),
    refetchInterval: opts.refetchInterval,
  });
}

/**
 * A write. `invalidate` names path prefixes whose cached GETs are refetched after success (the list and
 * detail it changed).
 */
export function useApiMutation<V, R>(run: (api: ApiClient, vars: V) => Promise<R>, invalidate: readonly string[] = []) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: V) => run(api, vars),
    onSuccess: async () => {
      await client.invalidateQueries({
        predicate: (q) => typeof q.queryKey[0] === 'string' && invalidate.some((p) => (q.queryKey[0] as string).startsWith(p)),
      });
    },
  });
}
