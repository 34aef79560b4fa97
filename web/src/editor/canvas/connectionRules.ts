import type { NodeCatalog } from '../../catalog/nodeTypes';
import type { StepEdge, StepNode } from '../model';

/** The loop type and the port its body leaves from: the one way back that is not a cycle (WorkflowValidator's rule). */
const loopType = 'logic_loop';
const loopBodyPort = 'item';

type GraphNode = Pick<StepNode, 'id' | 'data'>;
type GraphEdge = Pick<StepEdge, 'source' | 'target' | 'sourceHandle'>;

/**
 * The port an edge leaves `node` from, as the server resolves it (`NodeTypeDescriptor.ResolvePort`): aliases
 * (`yes` → `true`) and case folded to the canonical name; no handle means the only main port of a single-output node.
 * Null when the node has no such port, or when the handle is missing on a node with several.
 */
export function resolveEdgePort(catalog: NodeCatalog, node: GraphNode, handle: string | null | undefined): string | null {
  const ports = catalog.portsFor(node.data.type, node.data.config);
  if (!handle) {
    const main = ports.filter((p) => p !== 'error' || catalog.isTrigger(node.data.type));
    return main.length === 1 ? main[0] : null;
  }
  const aliased = catalog.find(node.data.type)?.portAliases[handle] ?? handle;
  return ports.find((p) => p.toLowerCase() === aliased.toLowerCase()) ?? null;
}

/**
 * Why the server would refuse an edge from `connection.source` (port `sourceHandle`) to `connection.target`, in
 * words for the person dragging it; null when it is fine. The same rules as `WorkflowValidator`: no edge into a
 * trigger, only the ports the source's type has (`unknown_port`), no cycle except a loop body leading back to its
 * loop (`cycle`); and, as editor rules, no edge from a step to itself and no second copy of an existing edge.
 */
export function connectionProblem(
  catalog: NodeCatalog,
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  connection: { source: string; target: string; sourceHandle?: string | null },
): string | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const source = byId.get(connection.source);
  const target = byId.get(connection.target);
  if (!source || !target) return 'Connect two steps of this workflow.';
  if (source.id === target.id) return 'A step cannot connect to itself.';
  if (catalog.isTrigger(target.data.type)) return 'Triggers start the workflow: nothing can lead into one.';

  const port = resolveEdgePort(catalog, source, connection.sourceHandle);
  if (port === null) {
    const ports = catalog.portsFor(source.data.type, source.data.config).join(', ');
    return connection.sourceHandle
      ? `'${source.id}' has no port '${connection.sourceHandle}'; its ports are: ${ports}.`
      : `Choose which port of '${source.id}' to connect from: ${ports}.`;
  }

  const duplicate = edges.some((e) => {
    if (e.source !== source.id || e.target !== target.id) return false;
    return resolveEdgePort(catalog, source, e.sourceHandle) === port;
  });
  if (duplicate) return `'${source.id}' is already connected to '${target.id}' from ${port === 'out' ? 'its output' : `'${port}'`}.`;

  // Going back from a loop's body to the loop is how loops work; the server leaves those edges out of its cycle check.
  const backEdge = (from: GraphNode, handle: string | null | undefined) =>
    from.data.type === loopType && resolveEdgePort(catalog, from, handle) === loopBodyPort;
  if (backEdge(source, connection.sourceHandle)) return null;

  const path = pathBetween(target.id, source.id, byId, edges, backEdge);
  if (path) {
    const steps = [...path, target.id].join(' → ');
    return `That would make a cycle (${steps}). Only a loop body may lead back to its loop, through the loop's item port.`;
  }
  return null;
}

/** A shortest path from `from` to `to` over the edges that count for cycles, as step ids; null when there is none. */
function pathBetween(
  from: string,
  to: string,
  byId: Map<string, GraphNode>,
  edges: readonly GraphEdge[],
  skip: (from: GraphNode, handle: string | null | undefined) => boolean,
): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const node = byId.get(e.source);
    if (!node || !byId.has(e.target) || skip(node, e.sourceHandle)) continue;
    const list = next.get(e.source);
    if (list) list.push(e.target);
    else next.set(e.source, [e.target]);
  }
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i];
    if (current === to) {
      const path: string[] = [];
      for (let at: string | null = current; at !== null; at = parent.get(at) ?? null) path.unshift(at);
      return path;
    }
    for (const n of next.get(current) ?? []) {
      if (!parent.has(n)) {
        parent.set(n, current);
        queue.push(n);
      }
    }
  }
  return null;
}
