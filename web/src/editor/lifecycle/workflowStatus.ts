import { useQuery, type QueryClient } from '@tanstack/react-query';
import type { WorkflowDoc } from '../model';
import { getWorkflow } from './workflowCalls';

/** What the toolbar's badge shows: the server's publication state of the workflow. */
export type WorkflowStatus = Pick<WorkflowDoc, 'status' | 'version' | 'publishedVersion' | 'hasUnpublishedChanges'>;

const key = (id: string) => ['workflow-status', id] as const;

export function statusOf(doc: WorkflowDoc): WorkflowStatus {
  return { status: doc.status, version: doc.version, publishedVersion: doc.publishedVersion, hasUnpublishedChanges: doc.hasUnpublishedChanges };
}

/**
 * The publication state, from the server. Saves and publishes answer with the workflow, so they put its state here
 * ({@link setWorkflowStatus}) rather than asking again.
 */
export function useWorkflowStatus(id: string | null) {
  return useQuery({
    queryKey: key(id ?? ''),
    queryFn: async () => statusOf((await getWorkflow(id!)).doc),
    enabled: !!id,
    staleTime: 30_000,
  });
}

export function setWorkflowStatus(client: QueryClient, id: string, doc: WorkflowDoc): void {
  client.setQueryData(key(id), statusOf(doc));
}

/** The badge text: Draft, Published vN, or Unpublished changes (a published version runs while the draft moved on). */
export function statusLabel(s: WorkflowStatus): { label: string; tone: 'neutral' | 'success' | 'warning' } {
  if (s.status !== 'published' || s.publishedVersion == null) return { label: 'Draft', tone: 'neutral' };
  if (s.hasUnpublishedChanges) return { label: 'Unpublished changes', tone: 'warning' };
  return { label: `Published v${s.publishedVersion}`, tone: 'success' };
}
