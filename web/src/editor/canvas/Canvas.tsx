import { useCallback, useEffect, useMemo, useRef, type DragEvent } from 'react';
import {
  Background, BackgroundVariant, Controls, MiniMap, ReactFlow, useConnection, useReactFlow,
  type Connection, type Edge, type FinalConnectionState, type Node, type Viewport,
} from '@xyflow/react';
import { MousePointerClick } from 'lucide-react';
import { useNodeTypes, type NodeCatalog } from '../../catalog/nodeTypes';
import { toast } from '../../ui/toast';
import { useEditor } from '../store';
import type { StepEdge, StepNode } from '../model';
import { CatalogContext } from './catalogContext';
import { connectionProblem, resolveEdgePort } from './connectionRules';
import { EdgeMarkers } from './FlowEdge';
import { defaultNodeSize } from './layout';
import { stepEdgeTypes, stepNodeTypes } from './StepNode';
import { useCanvasKeys } from './useCanvasKeys';
import './canvas.css';

/** The dataTransfer type the node library drags a node type under. */
export const nodeDragType = 'application/flowforge-node';

const fitOptions = { padding: 0.12, maxZoom: 1 };
const triggerIntoMessage = 'Triggers start the workflow: nothing can lead into one.';

/**
 * The editable canvas: the store's steps and edges in React Flow, with drop from the library, connection rules
 * (refused while dragging, with the reason), keyboard editing (`useCanvasKeys`), minimap, controls, and the
 * viewport saved with the draft.
 */
export function Canvas() {
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const onNodesChange = useEditor((s) => s.onNodesChange);
  const onEdgesChange = useEditor((s) => s.onEdgesChange);
  const catalog = useNodeTypes().data ?? null;
  const rf = useReactFlow<StepNode, StepEdge>();
  const wrapper = useRef<HTMLDivElement>(null);
  // Read once: the viewport saved with the draft is where the canvas opens; without one it fits the steps.
  const initialViewport = useRef(useEditor.getState().viewport).current;
  // An empty workflow has nothing to fit; fitting later would jump to the first step dropped on it.
  const fitOnOpen = useRef(!initialViewport && useEditor.getState().nodes.length > 0).current;
  // Programmatic moves (fit, focus, zoom buttons) are saved only when the person asked for them.
  const saveNextMove = useRef(false);

  useEffect(() => {
    if (catalog) useEditor.getState().setCatalog(catalog);
  }, [catalog]);

  // Edges as React Flow draws them: each handle named by its canonical port (`yes` → `true`, none → `out`), so
  // edges the API accepted in another spelling still find their handle. The array keeps its identity while no edge
  // changes (a drag changes only nodes), so React Flow does not re-process every edge on every frame.
  const renamed = useRef(new WeakMap<StepEdge, StepEdge>());
  const lastEdges = useRef<StepEdge[]>([]);
  const viewEdges = useMemo(() => {
    if (!catalog) return edges;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const next = edges.map((e) => {
      const source = byId.get(e.source);
      const port = source ? resolveEdgePort(catalog, source, e.sourceHandle) : null;
      if (!port || port === e.sourceHandle) return e;
      const cached = renamed.current.get(e);
      if (cached?.sourceHandle === port) return cached;
      const view = { ...e, sourceHandle: port };
      renamed.current.set(e, view);
      return view;
    });
    const same = next.length === lastEdges.current.length && next.every((e, i) => e === lastEdges.current[i]);
    if (!same) lastEdges.current = next;
    return lastEdges.current;
  }, [edges, nodes, catalog]);

  const minimapColor = useCallback((n: StepNode) => `var(--cat-${catalog?.find(n.data.type)?.category ?? 'logic'})`, [catalog]);

  const isValidConnection = useCallback(
    (c: Connection | Edge) => {
      if (!catalog) return false;
      const s = useEditor.getState();
      return connectionProblem(catalog, s.nodes, s.edges, c) === null;
    },
    [catalog],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!catalog) return;
      const s = useEditor.getState();
      const problem = connectionProblem(catalog, s.nodes, s.edges, c);
      if (problem) toast.info(problem);
      else s.connect(c);
    },
    [catalog],
  );

  const onConnectEnd = useCallback(
    (_: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (!catalog || !state.fromNode) return;
      const reason = refusal(catalog, state, rf);
      if (reason) toast.info(reason);
    },
    [catalog, rf],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(nodeDragType)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(nodeDragType);
      if (!type) return;
      event.preventDefault();
      if (catalog && !catalog.find(type)) return;
      const at = rf.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // The card lands centred under the pointer, where the person let go of it.
      useEditor.getState().addNode(type, { x: Math.round(at.x - defaultNodeSize.width / 2), y: Math.round(at.y - 30) });
      wrapper.current?.focus({ preventScroll: true });
    },
    [catalog, rf],
  );

  const onMoveEnd = useCallback((event: MouseEvent | TouchEvent | null, viewport: Viewport) => {
    if (!event && !saveNextMove.current) return;
    saveNextMove.current = false;
    const saved = useEditor.getState().viewport;
    if (saved && saved.x === viewport.x && saved.y === viewport.y && saved.zoom === viewport.zoom) return;
    useEditor.getState().setViewport(viewport);
  }, []);

  const onNodeDragStart = useCallback(() => useEditor.getState().checkpoint(), []);

  // Fit on request (auto-layout, the toolbar's "Zoom to fit"); the result is saved as the draft's viewport.
  const fitSeq = useEditor((s) => s.fitSeq);
  useEffect(() => {
    if (fitSeq === 0) return;
    const frame = requestAnimationFrame(() => {
      saveNextMove.current = true;
      void rf.fitView({ ...fitOptions, duration: 300 });
    });
    return () => cancelAnimationFrame(frame);
  }, [fitSeq, rf]);

  // Centre a step someone asked to see (an issue in the list, a step of a test run).
  const focusSeq = useEditor((s) => s.focusSeq);
  useEffect(() => {
    const id = useEditor.getState().focusNodeId;
    if (focusSeq === 0 || !id) return;
    const node = rf.getInternalNode(id);
    if (!node) return;
    const width = node.measured.width ?? defaultNodeSize.width;
    const height = node.measured.height ?? defaultNodeSize.height;
    void rf.setCenter(node.internals.positionAbsolute.x + width / 2, node.internals.positionAbsolute.y + height / 2, {
      zoom: Math.max(rf.getZoom(), 0.9),
      duration: 300,
    });
  }, [focusSeq, rf]);

  useCanvasKeys(wrapper);

  // A click on the empty canvas gives it the keyboard (delete, arrows, copy and paste act on the canvas).
  const takeFocus = useCallback((event: React.MouseEvent) => {
    const target = event.target as HTMLElement;
    if (!target.closest('button, a, input, textarea, select, [tabindex]:not([tabindex="-1"])')) wrapper.current?.focus({ preventScroll: true });
  }, []);

  return (
    <CatalogContext.Provider value={catalog}>
      <div className="canvas" ref={wrapper} tabIndex={-1} onMouseDown={takeFocus} aria-label="Workflow canvas">
        <EdgeMarkers />
        <ReactFlow<StepNode, StepEdge>
          nodes={nodes}
          edges={viewEdges}
          nodeTypes={stepNodeTypes}
          edgeTypes={stepEdgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onNodeDragStart={onNodeDragStart}
          onSelectionDragStart={onNodeDragStart}
          onMoveEnd={onMoveEnd}
          onDragOver={onDragOver}
          onDrop={onDrop}
          defaultViewport={initialViewport ?? undefined}
          fitView={fitOnOpen}
          fitViewOptions={fitOptions}
          minZoom={0.1}
          maxZoom={2}
          deleteKeyCode={null}
          multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
          connectionRadius={28}
          snapToGrid={false}
          proOptions={{ hideAttribution: true }}
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="var(--border-strong)" />
          <Controls
            position="bottom-left"
            showInteractive={false}
            fitViewOptions={{ ...fitOptions, duration: 300 }}
            onZoomIn={() => (saveNextMove.current = true)}
            onZoomOut={() => (saveNextMove.current = true)}
            onFitView={() => (saveNextMove.current = true)}
          />
          {nodes.length > 0 && <MiniMap<StepNode>
            position="bottom-right"
            pannable
            zoomable
            ariaLabel="Minimap"
            nodeColor={minimapColor}
            nodeBorderRadius={4}
            maskColor="color-mix(in srgb, var(--bg) 70%, transparent)"
          />}
          <ConnectionHint catalog={catalog} />
          {nodes.length === 0 && <EmptyCanvasHint />}
        </ReactFlow>
      </div>
    </CatalogContext.Provider>
  );
}

type FlowApi = ReturnType<typeof useReactFlow<StepNode, StepEdge>>;

/**
 * Why the connection being dragged (or just dropped) is refused, if it is: over a handle, the connection rules;
 * over a trigger's card (which has no input handle to snap to), that triggers take no input.
 */
function refusal(
  catalog: NodeCatalog,
  state: Pick<FinalConnectionState, 'fromNode' | 'fromHandle' | 'toNode' | 'toHandle' | 'isValid' | 'pointer'>,
  rf: FlowApi,
): string | null {
  const { fromNode, fromHandle, toNode, toHandle } = state;
  if (!fromNode || !fromHandle) return null;
  const s = useEditor.getState();
  if (toNode && state.isValid === false) {
    // Dragged from an input backwards, the node under the pointer is the source.
    const c = fromHandle.type === 'target'
      ? { source: toNode.id, sourceHandle: toHandle?.id ?? null, target: fromNode.id }
      : { source: fromNode.id, sourceHandle: fromHandle.id ?? null, target: toNode.id };
    return connectionProblem(catalog, s.nodes, s.edges, c);
  }
  if (!toNode && fromHandle.type === 'source' && state.pointer) {
    // The pointer is in pixels from the canvas corner; the viewport maps flow units onto those pixels.
    const { x, y, zoom } = rf.getViewport();
    const at = { x: (state.pointer.x - x) / zoom, y: (state.pointer.y - y) / zoom };
    const hit = s.nodes.find((n) => n.id !== fromNode.id && contains(n, at));
    if (hit && catalog.isTrigger(hit.data.type)) return triggerIntoMessage;
  }
  return null;
}

function contains(node: Node, at: { x: number; y: number }): boolean {
  const width = node.measured?.width ?? defaultNodeSize.width;
  const height = node.measured?.height ?? defaultNodeSize.height;
  return at.x >= node.position.x && at.x <= node.position.x + width && at.y >= node.position.y && at.y <= node.position.y + height;
}

/** The reason a connection being dragged would be refused, next to the pointer. */
function ConnectionHint({ catalog }: { catalog: NodeCatalog | null }) {
  const connection = useConnection<StepNode>();
  const rf = useReactFlow<StepNode, StepEdge>();
  if (!catalog || !connection.inProgress) return null;
  const reason = refusal(catalog, connection, rf);
  if (!reason) return null;
  return (
    <div className="connection-hint" role="status" aria-live="polite" style={{ left: connection.pointer.x + 16, top: connection.pointer.y + 18 }}>
      {reason}
    </div>
  );
}

function EmptyCanvasHint() {
  return (
    <div className="canvas-empty">
      <MousePointerClick size={22} aria-hidden />
      <strong>Start with a trigger</strong>
      <span>Drag one from the library on the left, or press Enter on it.</span>
    </div>
  );
}
