import { ReactFlow, Background, Controls, MiniMap } from '@xyflow/react';
import { useEditor } from '../store';
import { stepNodeTypes } from './StepNode';

/** The editable canvas. (Stub: drop, connect rules, clipboard, undo, layout come with the canvas work.) */
export function Canvas() {
  const { nodes, edges, onNodesChange, onEdgesChange, connect } = useEditor();
  return (
    <ReactFlow nodes={nodes} edges={edges} nodeTypes={stepNodeTypes} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} onConnect={connect} fitView>
      <Background />
      <Controls />
      <MiniMap />
    </ReactFlow>
  );
}
