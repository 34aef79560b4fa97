import { create } from 'zustand';
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange, type Viewport } from '@xyflow/react';
import {
  newEdgeId, newStepId, renameReferences, stepIdPattern, toDefinition, toGraph,
  type Config, type GraphSnapshot, type StepEdge, type StepNode, type TestResult, type ValidationResult, type WorkflowDefinition, type WorkflowDoc,
} from './model';
import type { NodeCatalog } from '../catalog/nodeTypes';
import { layoutGraph } from './canvas/layout';

/** Where the draft stands against the server. */
export type SaveState = 'saved' | 'dirty' | 'saving' | 'conflict' | 'error';

const historyLimit = 100;

export interface EditorState {
  workflowId: string | null;
  name: string;
  description: string | null;
  nodes: StepNode[];
  edges: StepEdge[];
  viewport: Viewport | null;
  /** Undo and redo stacks of graph snapshots; `checkpoint` pushes before each user action. */
  past: GraphSnapshot[];
  future: GraphSnapshot[];

  /** The server's ETag of the draft the editor last loaded or saved (sent as If-Match). */
  etag: string | null;
  revision: number;
  /** Bumped by every change that must be saved; the saver compares it with what it last sent. */
  changeCount: number;
  saveState: SaveState;
  saveError: string | null;

  validation: ValidationResult | null;
  testRun: TestResult | null;
  /** The bottom drawer: none, the validation issues, or the test panel. */
  panel: BottomPanel;
  /** A step the canvas should bring into view (set by the issues list, the test panel, ...); `focusSeq` re-triggers it. */
  focusNodeId: string | null;
  focusSeq: number;
  /** Bumped to ask the canvas to fit every step into view (auto-layout, the toolbar's "Zoom to fit"). */
  fitSeq: number;
  /** The node catalog once loaded (the canvas sets it): what auto-layout reads ports from. */
  catalog: NodeCatalog | null;

  load(doc: WorkflowDoc, etag: string | null): void;
  /** The definition as the API takes it (save, export). */
  definition(): WorkflowDefinition;

  onNodesChange(changes: NodeChange<StepNode>[]): void;
  onEdgesChange(changes: EdgeChange<StepEdge>[]): void;
  setViewport(viewport: Viewport): void;
  setName(name: string): void;
  setDescription(description: string): void;

  checkpoint(): void;
  undo(): void;
  redo(): void;

  addNode(type: string, position: { x: number; y: number }, config?: Config): string;
  /** Adds an edge; the caller has already checked it with `connectionProblem`. */
  connect(connection: Connection): void;
  updateConfig(id: string, config: Config): void;
  /** Renames a step and the `steps.<id>` references to it; returns why not, or null. */
  renameNode(from: string, to: string): string | null;
  deleteSelection(): void;
  select(ids: string[]): void;
  /** Inserts copied steps (and the edges between them) offset from their originals, selected; returns their ids. */
  paste(nodes: StepNode[], edges: StepEdge[]): string[];
  replaceGraph(graph: GraphSnapshot): void;

  markSaving(): void;
  markSaved(etag: string | null, revision: number, savedChangeCount: number): void;
  markConflict(): void;
  markSaveError(message: string): void;
  setValidation(result: ValidationResult | null): void;
  setTestRun(result: TestResult | null): void;
  setPanel(panel: BottomPanel): void;
  /** Selects a step and asks the canvas to centre it. */
  focusNode(id: string): void;

  setCatalog(catalog: NodeCatalog): void;
  /** Asks the canvas to fit every step into view. */
  requestFit(): void;
  /** Lays the graph out left to right (ports in order), as one undoable step, then fits it into view. */
  autoLayout(): void;
  /**
   * Moves the selected steps by (dx, dy) flow units (the arrow keys). A burst of moves (each within a second of the
   * last, nothing else checkpointed in between) is one undo step.
   */
  nudgeSelection(dx: number, dy: number, now?: number): void;
}

export type BottomPanel = 'none' | 'issues' | 'test';

/** How long after one arrow-key move the next still belongs to the same undo step. */
const nudgeBurstMs = 1000;

const snapshot = (s: Pick<EditorState, 'nodes' | 'edges'>): GraphSnapshot => ({ nodes: s.nodes, edges: s.edges });

/** Position, size and selection changes are the canvas's own business; only these change the saved draft. */
function changesDraft(changes: NodeChange<StepNode>[] | EdgeChange<StepEdge>[]): boolean {
  return changes.some((c) => c.type === 'remove' || c.type === 'add' || c.type === 'replace' || (c.type === 'position' && c.dragging === false));
}

export const useEditor = create<EditorState>((set, get) => {
  /** The last arrow-key move: when, and the undo entry it made (a newer entry means another action came between). */
  let lastNudge: { at: number; entry: GraphSnapshot | undefined } | null = null;

  /** Applies a change to the draft: marks it dirty and clears results that described the old graph. */
  const edit = (partial: Partial<EditorState>) =>
    set((s) => ({ ...partial, changeCount: s.changeCount + 1, saveState: s.saveState === 'conflict' ? 'conflict' : 'dirty', validation: null }));

  return {
    workflowId: null,
    name: '',
    description: null,
    nodes: [],
    edges: [],
    viewport: null,
    past: [],
    future: [],
    etag: null,
    revision: 0,
    changeCount: 0,
    saveState: 'saved',
    saveError: null,
    validation: null,
    testRun: null,
    panel: 'none',
    focusNodeId: null,
    focusSeq: 0,
    fitSeq: 0,
    catalog: null,

    load(doc, etag) {
      const graph = toGraph(doc);
      set({
        workflowId: doc.id,
        name: doc.name,
        description: doc.description,
        ...graph,
        viewport: doc.canvas ? { x: doc.canvas.x, y: doc.canvas.y, zoom: doc.canvas.zoom } : null,
        past: [],
        future: [],
        etag,
        revision: doc.revision,
        changeCount: 0,
        saveState: 'saved',
        saveError: null,
        validation: null,
        testRun: null,
      });
    },

    definition() {
      const s = get();
      return toDefinition(s.name, s.description, snapshot(s), s.viewport);
    },

    onNodesChange(changes) {
      const nodes = applyNodeChanges(changes, get().nodes);
      if (changesDraft(changes)) edit({ nodes });
      else set({ nodes });
    },

    onEdgesChange(changes) {
      const edges = applyEdgeChanges(changes, get().edges);
      if (changesDraft(changes)) edit({ edges });
      else set({ edges });
    },

    setViewport(viewport) {
      // The viewport is saved with the draft but is not worth an undo step or clearing results.
      set((s) => ({ viewport, changeCount: s.changeCount + 1, saveState: s.saveState === 'conflict' ? 'conflict' : 'dirty' }));
    },

    setName(name) {
      edit({ name });
    },

    setDescription(description) {
      edit({ description });
    },

    checkpoint() {
      set((s) => ({ past: [...s.past.slice(-(historyLimit - 1)), snapshot(s)], future: [] }));
    },

    undo() {
      const s = get();
      const previous = s.past.at(-1);
      if (!previous) return;
      set({ past: s.past.slice(0, -1), future: [snapshot(s), ...s.future] });
      edit({ ...previous });
    },

    redo() {
      const s = get();
      const next = s.future[0];
      if (!next) return;
      set({ past: [...s.past, snapshot(s)], future: s.future.slice(1) });
      edit({ ...next });
    },

    addNode(type, position, config = {}) {
      const s = get();
      const id = newStepId(type, s.nodes.map((n) => n.id));
      s.checkpoint();
      const node: StepNode = { id, type: 'step', position, data: { type, config }, selected: true };
      edit({ nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node] });
      return id;
    },

    connect(connection) {
      const s = get();
      s.checkpoint();
      const edge: StepEdge = {
        id: newEdgeId(s.edges.map((e) => e.id)),
        source: connection.source,
        target: connection.target,
        sourceHandle: connection.sourceHandle ?? null,
      };
      edit({ edges: [...s.edges, edge] });
    },

    updateConfig(id, config) {
      edit({ nodes: get().nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, config } } : n)) });
    },

    renameNode(from, to) {
      const s = get();
      if (from === to) return null;
      if (!stepIdPattern.test(to)) return 'Use a letter first, then letters, digits, _ or - (up to 64).';
      if (s.nodes.some((n) => n.id === to)) return `Another step is already called '${to}'.`;
      s.checkpoint();
      edit({
        nodes: s.nodes.map((n) => ({
          ...n,
          id: n.id === from ? to : n.id,
          data: { ...n.data, config: renameReferences(n.data.config, from, to) as Config },
        })),
        edges: s.edges.map((e) => ({ ...e, source: e.source === from ? to : e.source, target: e.target === from ? to : e.target })),
      });
      return null;
    },

    deleteSelection() {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edges = s.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target));
      if (gone.size === 0 && edges.length === s.edges.length) return;
      s.checkpoint();
      edit({ nodes: s.nodes.filter((n) => !gone.has(n.id)), edges });
    },

    select(ids) {
      const wanted = new Set(ids);
      set((s) => ({
        nodes: s.nodes.map((n) => (!!n.selected === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) })),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
    },

    paste(nodes, edges) {
      const s = get();
      const taken = new Set(s.nodes.map((n) => n.id));
      const ids = new Map<string, string>();
      const added: StepNode[] = nodes.map((n) => {
        const id = newStepId(n.data.type, taken);
        taken.add(id);
        ids.set(n.id, id);
        return { ...n, id, selected: true, position: { x: n.position.x + 40, y: n.position.y + 40 }, data: structuredClone(n.data) };
      });
      const edgeIds = new Set(s.edges.map((e) => e.id));
      const addedEdges: StepEdge[] = [];
      for (const e of edges) {
        const source = ids.get(e.source);
        const target = ids.get(e.target);
        if (!source || !target) continue;
        const id = newEdgeId(edgeIds);
        edgeIds.add(id);
        addedEdges.push({ id, source, target, sourceHandle: e.sourceHandle ?? null });
      }
      s.checkpoint();
      edit({ nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), ...added], edges: [...s.edges, ...addedEdges] });
      return added.map((n) => n.id);
    },

    replaceGraph(graph) {
      get().checkpoint();
      edit({ ...graph });
    },

    markSaving() {
      set({ saveState: 'saving', saveError: null });
    },

    markSaved(etag, revision, savedChangeCount) {
      // Edits made while the save was in flight keep the draft dirty; the saver sends them next.
      set((s) => ({ etag, revision, saveState: s.changeCount === savedChangeCount ? 'saved' : 'dirty', saveError: null }));
    },

    markConflict() {
      set({ saveState: 'conflict' });
    },

    markSaveError(message) {
      set({ saveState: 'error', saveError: message });
    },

    setValidation(validation) {
      set({ validation });
    },

    setTestRun(testRun) {
      set({ testRun });
    },

    setPanel(panel) {
      set({ panel });
    },

    focusNode(id) {
      get().select([id]);
      set((s) => ({ focusNodeId: id, focusSeq: s.focusSeq + 1 }));
    },

    setCatalog(catalog) {
      if (get().catalog !== catalog) set({ catalog });
    },

    requestFit() {
      set((s) => ({ fitSeq: s.fitSeq + 1 }));
    },

    autoLayout() {
      const s = get();
      if (s.nodes.length === 0) return;
      const catalog = s.catalog;
      const positions = layoutGraph(s.nodes, s.edges, (n) => (catalog ? catalog.portsFor(n.data.type, n.data.config) : ['out', 'error']));
      const moved = s.nodes.some((n) => {
        const p = positions.get(n.id)!;
        return p.x !== n.position.x || p.y !== n.position.y;
      });
      if (moved) {
        s.checkpoint();
        edit({ nodes: s.nodes.map((n) => ({ ...n, position: positions.get(n.id)! })) });
      }
      get().requestFit();
    },

    nudgeSelection(dx, dy, now = Date.now()) {
      const s = get();
      if (!s.nodes.some((n) => n.selected)) return;
      const sameBurst = lastNudge !== null && now - lastNudge.at < nudgeBurstMs && s.past.at(-1) === lastNudge.entry;
      if (!sameBurst) get().checkpoint();
      edit({ nodes: s.nodes.map((n) => (n.selected ? { ...n, position: { x: n.position.x + dx, y: n.position.y + dy } } : n)) });
      lastNudge = { at: now, entry: get().past.at(-1) };
    },
  };
});
