import type { NodeCatalog } from '../../catalog/nodeTypes';
import { isObject } from '../model';

/** One thing a `{{template}}` can read at a step. `path` is what goes between the braces. */
export interface Suggestion {
  path: string;
  group: 'Trigger' | 'Steps' | 'Variables' | 'Execution';
  type: string;
  description: string;
}

/** The graph as the suggestions need it: the editor's nodes and edges, or a definition's. */
export interface ScopeGraph {
  nodes: { id: string; data?: { type: string; config: Record<string, unknown> }; type?: string; config?: Record<string, unknown> }[];
  edges: { source: string; target: string; sourceHandle?: string | null }[];
}

/** The run's own fields (the engine's ExpressionContext `execution` object). */
const executionFields: Suggestion[] = [
  { path: 'execution.id', group: 'Execution', type: 'string', description: 'The run ID.' },
  { path: 'execution.workflowId', group: 'Execution', type: 'string', description: 'The workflow ID.' },
  { path: 'execution.version', group: 'Execution', type: 'number', description: 'The published version that runs.' },
  { path: 'execution.startedAt', group: 'Execution', type: 'string', description: 'When the run started (ISO 8601).' },
];

const stepOf = (n: ScopeGraph['nodes'][number]) => ({ type: n.data?.type ?? n.type ?? '', config: n.data?.config ?? n.config ?? {} });

/**
 * What the templates of step `stepId` can read, as the server's validator sees it: the outputs of the steps upstream
 * (its graph ancestors), the trigger's fields, the variables set upstream (plus `vars.item`/`vars.index` inside a
 * loop body) and the run's fields. A trigger's own fields are in scope for its own filter.
 */
export function templateSuggestions(graph: ScopeGraph, catalog: NodeCatalog, stepId: string): Suggestion[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, stepOf(n)]));
  const self = byId.get(stepId);
  const predecessors = new Map<string, string[]>();
  for (const e of graph.edges) predecessors.set(e.target, [...(predecessors.get(e.target) ?? []), e.source]);

  const ancestors = new Set<string>();
  const stack = [...(predecessors.get(stepId) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (ancestors.has(id)) continue;
    ancestors.add(id);
    stack.push(...(predecessors.get(id) ?? []));
  }
  // A trigger's filter reads its own event; any other step never sees its own output (a loop is its own ancestor).
  if (self && catalog.isTrigger(self.type)) ancestors.add(stepId);
  else ancestors.delete(stepId);

  const ordered = graph.nodes.map((n) => n.id).filter((id) => ancestors.has(id));
  let triggers = ordered.filter((id) => catalog.isTrigger(byId.get(id)!.type));
  // A step not yet connected still gets the trigger's fields: it will be, and it is what people type first.
  if (triggers.length === 0) triggers = graph.nodes.map((n) => n.id).filter((id) => catalog.isTrigger(byId.get(id)!.type));

  const out: Suggestion[] = [];
  const seen = new Set<string>();
  const add = (s: Suggestion) => {
    if (seen.has(s.path)) return;
    seen.add(s.path);
    out.push(s);
  };

  for (const id of triggers) {
    const t = catalog.find(byId.get(id)!.type);
    for (const f of t?.outputFields ?? []) add({ path: `trigger.${f.name}`, group: 'Trigger', type: f.type, description: f.description });
  }

  for (const id of ordered) {
    const step = byId.get(id)!;
    if (catalog.isTrigger(step.type)) continue;
    const t = catalog.find(step.type);
    const fields = t?.outputFields ?? [];
    if (fields.length === 0) {
      add({ path: `steps.${id}`, group: 'Steps', type: 'object', description: `The output of ${t?.displayName ?? id}.` });
    }
    for (const f of fields) add({ path: `steps.${id}.${f.name}`, group: 'Steps', type: f.type, description: f.description });
  }

  for (const id of ordered) {
    const step = byId.get(id)!;
    if (step.type !== 'logic_set_variable' || !isObject(step.config.variables)) continue;
    for (const name of Object.keys(step.config.variables)) {
      add({ path: `vars.${name}`, group: 'Variables', type: 'any', description: `Set by step '${id}'.` });
    }
  }
  for (const loop of loopsAround(graph, byId, stepId)) {
    add({ path: 'vars.item', group: 'Variables', type: 'any', description: `The current item of loop '${loop}'.` });
    add({ path: 'vars.index', group: 'Variables', type: 'number', description: `The current item's position in loop '${loop}', from 0.` });
  }

  for (const s of executionFields) add(s);
  return out;
}

/** The loops whose body (what their item port leads to, up to the loop again) contains `stepId`. */
function loopsAround(graph: ScopeGraph, byId: Map<string, { type: string }>, stepId: string): string[] {
  const successors = new Map<string, string[]>();
  for (const e of graph.edges) successors.set(e.source, [...(successors.get(e.source) ?? []), e.target]);
  const loops: string[] = [];
  for (const [id, step] of byId) {
    if (step.type !== 'logic_loop' || id === stepId) continue;
    const body = new Set<string>();
    const stack = graph.edges.filter((e) => e.source === id && e.sourceHandle === 'item').map((e) => e.target);
    while (stack.length) {
      const next = stack.pop()!;
      if (next === id || body.has(next)) continue;
      body.add(next);
      stack.push(...(successors.get(next) ?? []));
    }
    if (body.has(stepId)) loops.push(id);
  }
  return loops;
}

/**
 * The suggestions matching what was typed after `{{`: prefix matches of the path first, then of its last segment,
 * then anywhere; case-insensitive; the catalog order kept within each rank.
 */
export function filterSuggestions(all: Suggestion[], query: string): Suggestion[] {
  const q = query.trim().toLowerCase();
  if (!q) return all;
  const rank = (s: Suggestion) => {
    const p = s.path.toLowerCase();
    if (p.startsWith(q)) return 0;
    if (p.split('.').some((part) => part.startsWith(q))) return 1;
    return p.includes(q) ? 2 : 3;
  };
  return all
    .map((s, i) => ({ s, i, r: rank(s) }))
    .filter((x) => x.r < 3)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.s);
}

/** The `{{` the caret is inside of, if any: where the path starts and what was typed of it. */
export function openPlaceholder(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf('{{');
  if (open < 0) return null;
  const typed = before.slice(open + 2);
  if (typed.includes('}}') || /[\s]{2,}|\n/.test(typed) || !/^\s*[A-Za-z0-9_.$[\]-]*$/.test(typed)) return null;
  return { start: open + 2, query: typed.trim() };
}

/**
 * Puts `path` at the placeholder the caret is in: replaces what was typed (and the rest of a path right after the
 * caret), closing the braces unless they already follow. Returns the new text and where the caret goes (after `}}`).
 */
export function insertSuggestion(text: string, caret: number, start: number, path: string): { text: string; caret: number } {
  const after = text.slice(caret);
  const rest = /^[A-Za-z0-9_.$[\]-]*\s*/.exec(after)?.[0] ?? '';
  const closes = after.slice(rest.length).startsWith('}}');
  const tail = closes ? after.slice(rest.length + 2) : after.slice(rest.length);
  const inserted = `${path}}}`;
  return { text: text.slice(0, start) + inserted + tail, caret: start + inserted.length };
}
