import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { AnalyticsReport } from './shape';

/** The report of the organisation (workflowId null) or of one workflow, refreshed every 30 s while the page is open. */
export function useAnalytics(workflowId: string | null, from: string, to: string) {
  return useQuery({
    queryKey: ['analytics', workflowId ?? '*', from, to],
    queryFn: ({ signal }): Promise<AnalyticsReport> =>
      workflowId
        ? unwrap(api.GET('/api/analytics/workflows/{id}', { params: { path: { id: workflowId }, query: { from, to } }, signal }))
        : unwrap(api.GET('/api/analytics/organization', { params: { query: { from, to } }, signal })),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

/** The organisation's workflows for the picker and for naming workflows in the tables (the API's largest page). */
export function useWorkflowNames() {
  return useQuery({
    queryKey: ['workflows', 'names'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/workflows', { params: { query: { limit: '100' } }, signal })),
    select: (list) => [...list.workflows].map((w) => ({ id: w.id, name: w.name })).sort((a, b) => a.name.localeCompare(b.name)),
    staleTime: 60_000,
  });
}
