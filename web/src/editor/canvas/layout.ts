import dagre from '@dagrejs/dagre';
import type { StepEdge, StepNode } from '../model';

/** A card's size before React Flow has measured it (the StepNode card's usual size). */
export const defaultNodeSize = { width: 220, height: 76 };

/**
 * How far below a card's top its input (and main output) handle sits: cards are laid out so these line up, which
 * keeps the main path's edges straight whatever the cards' heights (a condition's port rows make it taller).
 */
const handleOffset = 25;

/**
 * Positions for every step, laid out left to right with dagre. `portOrder(node)` gives a step's output ports in the
 * order its card shows them; the steps a branching step leads to are stacked in that order (true above false,
 * approve above reject above review), so the edges do not cross at the source.
 */
export function layoutGraph(
  nodes: readonly StepNode[],
  edges: readonly StepEdge[],
  portOrder: (node: StepNode) => string[],
): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 32, ranksep: 64, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const size = (n: StepNode) => ({ width: n.measured?.width ?? n.width ?? defaultNodeSize.width, height: n.measured?.height ?? n.height ?? defaultNodeSize.height });
  // Each card is given to dagre as a box centred on its handle line, tall enough to hold the card below it.
  for (const n of nodes) {
    const { width, height } = size(n);
    g.setNode(n.id, { width, height: 2 * Math.max(handleOffset, height - handleOffset) });
  }

  // Edges go in by port order, which is the order dagre's ordering starts from.
  const portIndex = (e: StepEdge) => {
    const source = byId.get(e.source);
    if (!source) return 0;
    const i = portOrder(source).indexOf(e.sourceHandle ?? 'out');
    return i < 0 ? 0 : i;
  };
  const sorted = edges.filter((e) => byId.has(e.source) && byId.has(e.target)).map((e, i) => ({ e, i, p: portIndex(e) }));
  sorted.sort((a, b) => (a.e.source === b.e.source ? a.p - b.p : a.i - b.i));
  for (const { e } of sorted) {
    if (e.source === e.target) continue;
    // Error edges are side exits: a lighter weight keeps the main path straight.
    g.setEdge(e.source, e.target, { weight: e.sourceHandle === 'error' ? 1 : 2 }, e.id);
  }
  dagre.layout(g);

  // dagre gives centres (the handle lines); React Flow positions are top-left corners.
  const centres = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const p = g.node(n.id);
    centres.set(n.id, { x: p.x, y: p.y });
  }
  keepPortOrder(nodes, edges, centres, portIndex);

  const positions = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const c = centres.get(n.id)!;
    const s = size(n);
    positions.set(n.id, { x: Math.round(c.x - s.width / 2), y: Math.round(c.y - handleOffset) });
  }
  return positions;
}

/**
 * dagre minimises crossings but knows nothing of ports: where the steps one branching step leads to share a column
 * and have no other parent, give them their column slots again in port order.
 */
function keepPortOrder(
  nodes: readonly StepNode[],
  edges: readonly StepEdge[],
  centres: Map<string, { x: number; y: number }>,
  portIndex: (e: StepEdge) => number,
) {
  const parents = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!parents.has(e.target)) parents.set(e.target, new Set());
    parents.get(e.target)!.add(e.source);
  }
  for (const n of nodes) {
    const children = edges
      .filter((e) => e.source === n.id && e.target !== n.id && parents.get(e.target)?.size === 1)
      .map((e) => ({ id: e.target, port: portIndex(e) }));
    const columns = new Map<number, { id: string; port: number }[]>();
    for (const child of children) {
      const x = Math.round(centres.get(child.id)!.x);
      const column = columns.get(x) ?? [];
      if (!column.some((c) => c.id === child.id)) column.push(child);
      columns.set(x, column);
    }
    for (const column of columns.values()) {
      if (column.length < 2) continue;
      const slots = column.map((c) => centres.get(c.id)!.y).sort((a, b) => a - b);
      [...column].sort((a, b) => a.port - b.port).forEach((c, i) => {
        centres.get(c.id)!.y = slots[i];
      });
    }
  }
}

/** Offsets tried around the wanted place, nearest first: below, above, right, left, then the corners, further out. */
const around = [[0, 0], [0, 1], [0, -1], [1, 0], [-1, 0], [1, 1], [1, -1], [-1, 1], [-1, -1]];

/** The first place near `want` where a new card (or a pasted group, of `size`) overlaps no other (or `want` itself when it is crowded everywhere). */
export function freeSpot(
  want: { x: number; y: number },
  nodes: readonly { position: { x: number; y: number }; measured?: { width?: number; height?: number } }[],
  size: { width: number; height: number } = defaultNodeSize,
) {
  const w = size.width;
  const h = size.height;
  const overlaps = (p: { x: number; y: number }) =>
    nodes.some((n) => {
      const nw = n.measured?.width ?? defaultNodeSize.width;
      const nh = n.measured?.height ?? defaultNodeSize.height;
      return p.x < n.position.x + nw + 16 && n.position.x < p.x + w + 16 && p.y < n.position.y + nh + 16 && n.position.y < p.y + h + 16;
    });
  for (let ring = 1; ring <= 4; ring++) {
    for (const [dx, dy] of around) {
      const p = { x: want.x + dx * (w + 40) * ring, y: want.y + dy * (h + 30) * ring };
      if (!overlaps(p)) return p;
    }
  }
  return want;
}
