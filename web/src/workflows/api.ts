import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import type { WorkflowDoc } from '../editor/model';
import { toCreateBody, toExportDefinition, type WorkflowBody } from './transfer';

export type StatusFilter = 'all' | 'draft' | 'published';

export interface ListQuery {
  search: string;
  status: StatusFilter;
  page: number;
}

export const pageSize = 20;

/** Every list page lives under this key: one invalidation refreshes whichever page is shown. */
export const workflowListKey = ['workflows'] as const;

export function useWorkflowList(query: ListQuery) {
  return useQuery({
    queryKey: [...workflowListKey, query],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/workflows', {
          params: {
            query: {
              page: String(query.page),
              limit: String(pageSize),
              ...(query.search.trim() ? { search: query.search.trim() } : {}),
              ...(query.status !== 'all' ? { status: query.status } : {}),
            },
          },
          signal,
        }),
      ),
    // The rows of the last page stay while the next search or page loads, instead of a flash of skeletons.
    placeholderData: keepPreviousData,
  });
}

export function getWorkflow(id: string): Promise<WorkflowDoc> {
  return unwrap(api.GET('/api/workflows/{id}', { params: { path: { id } } }));
}

export function createWorkflow(body: WorkflowBody): Promise<Schemas['WorkflowResponse']> {
  return unwrap(api.POST('/api/workflows', { body }));
}

export async function deleteWorkflow(id: string): Promise<void> {
  await unwrap(api.DELETE('/api/workflows/{id}', { params: { path: { id } } }));
}

/** The API's longest name; a copy's suffix must fit in it. */
const maxNameLength = 200;

export function copyName(name: string): string {
  const suffix = ' (copy)';
  return (name.length + suffix.length > maxNameLength ? name.slice(0, maxNameLength - suffix.length).trimEnd() : name) + suffix;
}

/** A new draft with the workflow's current definition (its draft, not only the published version). */
export async function duplicateWorkflow(id: string): Promise<Schemas['WorkflowResponse']> {
  const doc = await getWorkflow(id);
  return createWorkflow(toCreateBody({ ...toExportDefinition(doc), name: copyName(doc.name) }));
}
