import { isObject, type Config, type StepEdge, type StepNode } from '../model';

/** What copy takes and paste puts back: some steps and the edges between them. */
export interface CopiedSteps {
  nodes: StepNode[];
  edges: StepEdge[];
}

/** Marks the JSON FlowForge writes to the system clipboard, so a paste knows its own from any other text. */
const format = 'flowforge/steps';

/** The selected steps and the edges that join two of them; null when nothing is selected. */
export function copySelection(nodes: readonly StepNode[], edges: readonly StepEdge[]): CopiedSteps | null {
  const picked = nodes.filter((n) => n.selected);
  if (picked.length === 0) return null;
  const ids = new Set(picked.map((n) => n.id));
  return {
    nodes: picked.map((n) => ({ id: n.id, type: 'step', position: { ...n.position }, data: structuredClone(n.data) })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null })),
  };
}

/** The copy as text for the system clipboard: the API's own node and edge shape, under a marker. */
export function toClipboardText(copy: CopiedSteps): string {
  return JSON.stringify({
    format,
    nodes: copy.nodes.map((n) => ({ id: n.id, type: n.data.type, config: n.data.config, position: n.position })),
    edges: copy.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null })),
  });
}

/** Steps from clipboard text FlowForge wrote (in this tab or another); null for any other text. */
export function fromClipboardText(text: string): CopiedSteps | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value.format !== format || !Array.isArray(value.nodes) || !Array.isArray(value.edges)) return null;
  const nodes: StepNode[] = [];
  for (const n of value.nodes) {
    if (!isObject(n) || typeof n.id !== 'string' || typeof n.type !== 'string') return null;
    const p = isObject(n.position) ? n.position : {};
    nodes.push({
      id: n.id,
      type: 'step',
      position: { x: typeof p.x === 'number' ? p.x : 0, y: typeof p.y === 'number' ? p.y : 0 },
      data: { type: n.type, config: isObject(n.config) ? (n.config as Config) : {} },
    });
  }
  const edges: StepEdge[] = value.edges
    .filter((e): e is Record<string, unknown> => isObject(e) && typeof e.source === 'string' && typeof e.target === 'string')
    .map((e, i) => ({
      id: typeof e.id === 'string' ? e.id : `e${i + 1}`,
      source: e.source as string,
      target: e.target as string,
      sourceHandle: typeof e.sourceHandle === 'string' ? e.sourceHandle : null,
    }));
  return nodes.length > 0 ? { nodes, edges } : null;
}

/** The same steps moved by (dx, dy): what the next paste of this copy starts from, so pastes cascade. */
export function shifted(copy: CopiedSteps, dx: number, dy: number): CopiedSteps {
  return { ...copy, nodes: copy.nodes.map((n) => ({ ...n, position: { x: n.position.x + dx, y: n.position.y + dy } })) };
}
