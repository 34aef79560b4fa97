import { memo } from 'react';
import clsx from 'clsx';
import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, type EdgeProps } from '@xyflow/react';

/**
 * An edge between steps: smooth-step, labelled with its port unless it is the plain `out`, the `error` edge dashed
 * red, the selected one highlighted. Its arrowhead comes from `EdgeMarkers`, which the canvas renders once.
 */
export const FlowEdge = memo(function FlowEdge(props: EdgeProps) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, sourceHandleId, selected } = props;
  const [path, labelX, labelY] = getSmoothStepPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition, borderRadius: 10, offset: 18 });
  const port = sourceHandleId ?? 'out';
  const error = port === 'error';
  const marker = selected ? 'ff-arrow-selected' : error ? 'ff-arrow-error' : 'ff-arrow';
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={`url(#${marker})`} className={clsx('flow-edge', error && 'is-error')} interactionWidth={16} />
      {port !== 'out' && (
        <EdgeLabelRenderer>
          <div
            className={clsx('flow-edge-label', error && 'is-error', selected && 'is-selected')}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            {port}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});

/** The arrowheads FlowEdge points to, defined once per page (plain, error, selected; coloured from the tokens). */
export function EdgeMarkers() {
  const marker = (id: string) => (
    <marker id={id} className={id} viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" />
    </marker>
  );
  return (
    <svg className="flow-edge-markers" aria-hidden width="0" height="0">
      <defs>
        {marker('ff-arrow')}
        {marker('ff-arrow-error')}
        {marker('ff-arrow-selected')}
      </defs>
    </svg>
  );
}
