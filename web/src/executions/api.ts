import { useInfiniteQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { toApiQuery, type ExecutionFilters } from './filters';
import type { ExecutionRow } from './liveMerge';

export const executionsPageSize = 50;

/** Every executions list lives under this key: an action on a run can refresh whichever list is shown. */
export const executionListKey = ['executions', 'list'] as const;

export interface FetchedPage {
  rows: ExecutionRow[];
  nextCursor: string | null;
  fetchedAt: number;
}

/** One page of the list after `cursor` (none: the newest). */
export async function fetchExecutions(filters: ExecutionFilters, cursor: string | null, signal?: AbortSignal, limit = executionsPageSize): Promise<FetchedPage> {
  const query = { ...toApiQuery(filters), limit: String(limit), ...(cursor ? { cursor } : {}) } as Record<string, string>;
  const page = await unwrap(api.GET('/api/executions', { params: { query }, signal }));
  return { rows: page.executions, nextCursor: page.nextCursor, fetchedAt: Date.now() };
}

/** The list by cursor: each "Load more" reads the next slice of the index, never an offset. */
export function useExecutionList(filters: ExecutionFilters) {
  return useInfiniteQuery({
    queryKey: [...executionListKey, filters],
    queryFn: ({ pageParam, signal }) => fetchExecutions(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Live events keep the shown list current, but only while it is shown: going back to earlier filters (or to the
    // page) reads it again rather than showing what the cache kept from then.
    staleTime: 0,
  });
}

/** The organisation's workflows for the filter (the first hundred by name is plenty for a picker). */
export function workflowOptionsQuery() {
  return {
    queryKey: ['workflows', 'options'],
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      unwrap(api.GET('/api/workflows', { params: { query: { limit: '100' } }, signal })).then((r) =>
        r.workflows.map((w) => ({ id: w.id, name: w.name })).sort((a, b) => a.name.localeCompare(b.name)),
      ),
    staleTime: 60_000,
  };
}
