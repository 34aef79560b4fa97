import type { WorkflowBody } from './transfer';

export type StartFrom = 'blank' | 'triage';

export interface Template {
  id: StartFrom;
  title: string;
  summary: string;
  /** The name offered when the person has not typed one. */
  defaultName: string;
}

export const templates: Template[] = [
  { id: 'blank', title: 'Blank canvas', summary: 'Start empty: add a trigger, then the steps.', defaultName: '' },
  {
    id: 'triage',
    title: 'Customer triage sample',
    summary: 'A WhatsApp message scored for sentiment and intent; unhappy customers escalated by email, the others thanked.',
    defaultName: 'Customer message triage',
  },
];

/**
 * The graph a new workflow starts with. The triage sample is the server's own seeded file, bundled in a chunk of its
 * own, so the two never drift and the list page does not carry it until asked.
 */
export async function startingGraph(start: StartFrom): Promise<Pick<WorkflowBody, 'nodes' | 'edges' | 'canvas'>> {
  if (start === 'blank') return { nodes: [], edges: [] };
  const sample = (await import('../../../src/FlowForge.Server/Samples/triage-workflow.json')).default as WorkflowBody;
  return { nodes: sample.nodes, edges: sample.edges, ...(sample.canvas ? { canvas: sample.canvas } : {}) };
}
