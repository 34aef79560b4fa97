import { Handle, Position, type NodeProps, type NodeTypes } from '@xyflow/react';
import type { StepNode as StepNodeType } from '../model';

/** A step's card on the canvas. (Stub: icon, summary, ports, validation and test status come with the canvas.) */
export function StepNode({ id, data }: NodeProps<StepNodeType>) {
  return (
    <div className="step-node">
      <Handle type="target" position={Position.Left} />
      <strong>{id}</strong> <span className="muted">{data.type}</span>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

/** React Flow's node-type map for every canvas that shows steps (the editor, and read-only views of versions). */
export const stepNodeTypes: NodeTypes = { step: StepNode };
