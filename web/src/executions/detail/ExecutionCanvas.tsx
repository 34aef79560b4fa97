import { useCallback, useMemo, useState } from 'react';
import { Background, Controls, ReactFlow, type Edge, type NodeChange } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { stepEdgeTypes, stepNodeTypes } from '../../editor/canvas/StepNode';
import { EdgeMarkers } from '../../editor/canvas/FlowEdge';
import { StepCatalogProvider } from '../../editor/canvas/catalogContext';
import { RunOverlayContext } from '../../editor/canvas/runOverlay';
import { toGraph, type StepNode } from '../../editor/model';
import type { Schemas } from '../../api/client';
import type { StepOverlay } from './liveState';
import { statusLabel } from './labels';

interface Props {
  version: Schemas['VersionResponse'];
  overlay: ReadonlyMap<string, StepOverlay>;
  selected: string | null;
  onSelect(nodeId: string | null): void;
}

/**
 * The version's graph, read-only, with each step's run state on its card (through `RunOverlayContext`, which the
 * step cards read instead of the editor's test run) and on the node itself (`run-<status>` class and its accessible
 * name), so the state shows and can be found however the card draws it.
 */
export function ExecutionCanvas({ version, overlay, selected, onSelect }: Props) {
  const graph = useMemo(() => toGraph(version), [version]);
  // The cards' measured sizes, handed back on every render: the nodes are rebuilt whenever the run moves on, and React
  // Flow hides a node it receives without `measured` until it measures it again, which it may not do when the card's
  // size did not change (a run finishing quickly left the canvas blank).
  const [measured, setMeasured] = useState<ReadonlyMap<string, { width: number; height: number }>>(() => new Map());
  const onNodesChange = useCallback((changes: NodeChange<StepNode>[]) => {
    setMeasured((previous) => {
      let next: Map<string, { width: number; height: number }> | null = null;
      for (const change of changes) {
        if (change.type !== 'dimensions' || !change.dimensions) continue;
        const known = previous.get(change.id);
        if (known && known.width === change.dimensions.width && known.height === change.dimensions.height) continue;
        next ??= new Map(previous);
        next.set(change.id, change.dimensions);
      }
      return next ?? previous;
    });
  }, []);
  const nodes = useMemo<StepNode[]>(
    () =>
      graph.nodes.map((n) => {
        const run = overlay.get(n.id);
        const status = run?.status ?? 'pending';
        return {
          ...n,
          measured: measured.get(n.id),
          className: `run-${status}`,
          ariaLabel: `${n.id}: ${run ? statusLabel(run.status) : 'Not run'}${run?.detail ? ` (${run.detail})` : ''}`,
          selected: n.id === selected,
          draggable: false,
          connectable: false,
        };
      }),
    [graph.nodes, overlay, selected, measured],
  );
  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((e) => {
        const source = overlay.get(e.source);
        const target = overlay.get(e.target);
        const taken = !!target && target.status !== 'skipped' && !!source && source.status !== 'skipped';
        const dead = target?.status === 'skipped';
        return { ...e, className: taken ? 'edge-taken' : dead ? 'edge-dead' : undefined, animated: taken && target.status === 'running' };
      }),
    [graph.edges, overlay],
  );
  return (
    <StepCatalogProvider>
      <RunOverlayContext.Provider value={overlay}>
        <ReactFlow
          // A focused card (Tab reaches each) opens its step data with Enter or Space, as a click does.
          onKeyDown={(e) => {
            const card = (e.target as HTMLElement).closest?.('.react-flow__node');
            if (card && (e.key === 'Enter' || e.key === ' ')) onSelect(card.getAttribute('data-id'));
          }}
          className="exec-canvas"
          nodes={nodes}
          onNodesChange={onNodesChange}
          edges={edges}
          nodeTypes={stepNodeTypes}
          edgeTypes={stepEdgeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          edgesFocusable={false}
          deleteKeyCode={null}
          onNodeClick={(_, node) => onSelect(node.id)}
          onPaneClick={() => onSelect(null)}
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
          minZoom={0.2}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} size={1} />
          <Controls showInteractive={false} />
          <EdgeMarkers />
        </ReactFlow>
      </RunOverlayContext.Provider>
    </StepCatalogProvider>
  );
}
