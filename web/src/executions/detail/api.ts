import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import type { HistoryEventJson } from './timeline';

/** Query keys of one execution: an invalidation of `executionKey(id)` refreshes detail and history together. */
export const executionKey = (id: string) => ['execution', id] as const;

export function useExecutionDetail(id: string) {
  return useQuery({
    queryKey: [...executionKey(id), 'detail'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/executions/{id}', { params: { path: { id } }, signal })),
  });
}

export function useExecutionHistory(id: string, enabled: boolean) {
  return useQuery({
    queryKey: [...executionKey(id), 'history'],
    queryFn: async ({ signal }) => {
      const body = await unwrap(api.GET('/api/executions/{id}/history', { params: { path: { id } }, signal }));
      return body.events as HistoryEventJson[];
    },
    enabled,
  });
}

/** A frozen version never changes: fetched once per page visit. */
export function useWorkflowVersion(workflowId: string | undefined, version: number | undefined) {
  return useQuery({
    queryKey: ['workflow-version', workflowId, version],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/workflows/{id}/versions/{version}', { params: { path: { id: workflowId!, version: version! } }, signal })),
    enabled: workflowId !== undefined && version !== undefined,
    staleTime: Infinity,
  });
}

export function cancelExecution(id: string, reason: string): Promise<Schemas['AcceptedResponse']> {
  return unwrap(api.POST('/api/executions/{id}/cancel', { params: { path: { id } }, body: reason.trim() ? { reason: reason.trim() } : {} }));
}

export function retryExecution(id: string): Promise<Schemas['ExecuteResponse']> {
  return unwrap(api.POST('/api/executions/{id}/retry', { params: { path: { id } } }));
}

export function resumeExecution(id: string): Promise<Schemas['AcceptedResponse']> {
  return unwrap(api.POST('/api/executions/{id}/resume', { params: { path: { id } } }));
}

export function sendEvent(id: string, name: string, payload: unknown): Promise<Schemas['EventAcceptedResponse']> {
  return unwrap(api.POST('/api/executions/{id}/events/{name}', { params: { path: { id, name } }, body: { payload } }));
}
