import type { Edge, Node, Viewport } from '@xyflow/react';
import type { Schemas } from '../api/client';

export type WorkflowDoc = Schemas['WorkflowResponse'];
export type ValidationResult = Schemas['ValidationResponse'];
export type ValidationIssue = Schemas['ValidationIssueResponse'];
export type TestResult = Schemas['TestResponse'];
export type TestStep = Schemas['TestStep'];
export type Config = Record<string, unknown>;

/** What a canvas node carries: the step's type and config. Its id is the step id (what templates call `steps.<id>`). */
export interface StepData extends Record<string, unknown> {
  type: string;
  config: Config;
}

export type StepNode = Node<StepData, 'step'>;
export type StepEdge = Edge;

/** The part of the editor undo/redo restores. */
export interface GraphSnapshot {
  nodes: StepNode[];
  edges: StepEdge[];
}

/** The body `PUT /api/workflows/{id}` takes: the API's own shape, also what export writes and import reads. */
export interface WorkflowDefinition {
  name: string;
  description?: string | null;
  nodes: { id: string; type: string; config: Config; position?: { x: number; y: number } }[];
  edges: { id: string; source: string; target: string; sourceHandle?: string | null }[];
  canvas?: { zoom: number; x: number; y: number } | null;
}

/** Step ids double as template names (`{{steps.<id>.field}}`), so they keep to letters, digits, `_` and `-`. */
export const stepIdPattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export function toGraph(doc: Pick<WorkflowDoc, 'nodes' | 'edges'>): GraphSnapshot {
  const nodes: StepNode[] = doc.nodes.map((n, i) => ({
    id: n.id,
    type: 'step',
    position: n.position ? { x: n.position.x, y: n.position.y } : { x: i * 240, y: 0 },
    data: { type: n.type, config: isObject(n.config) ? (n.config as Config) : {} },
  }));
  const edges: StepEdge[] = doc.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    sourceHandle: e.sourceHandle ?? null,
  }));
  return { nodes, edges };
}

export function toDefinition(name: string, description: string | null | undefined, graph: GraphSnapshot, viewport: Viewport | null): WorkflowDefinition {
  return {
    name,
    description: description ?? null,
    nodes: graph.nodes.map((n) => ({
      id: n.id,
      type: n.data.type,
      config: n.data.config,
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    edges: graph.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null })),
    canvas: viewport ? { zoom: viewport.zoom, x: Math.round(viewport.x), y: Math.round(viewport.y) } : null,
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A fresh step id from the type's short name: `sentiment`, `sentiment_2`, ... */
export function newStepId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = type.replace(/^(trigger|agent|utility|action|logic)_/, '').replace(/[^A-Za-z0-9_-]/g, '_') || 'step';
  const start = /^[A-Za-z]/.test(base) ? base : `step_${base}`;
  if (!used.has(start)) return start;
  for (let i = 2; ; i++) if (!used.has(`${start}_${i}`)) return `${start}_${i}`;
}

export function newEdgeId(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = used.size + 1; ; i++) if (!used.has(`e${i}`)) return `e${i}`;
}

/**
 * Renames `steps.<from>` references in every string of a config (templates and conditions), so renaming a step
 * keeps the steps that read its output working.
 */
export function renameReferences(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') {
    const escaped = from.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
    return value.replace(new RegExp(`(\\{\\{\\s*steps\\.)${escaped}(?=[.\\s}])`, 'g'), `$1${to}`);
  }
  if (Array.isArray(value)) return value.map((v) => renameReferences(v, from, to));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameReferences(v, from, to)]));
  return value;
}
