import { useEffect } from 'react';
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { ReactFlow, Background, Controls, ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { api, unwrap } from '../api/client';
import { useEditor } from './store';
import { Spinner } from '../ui/Spinner';

/** The workflow editor. (Skeleton: library, config panel, saving, validation and the test panel come next.) */
export function EditorPage() {
  const { id = '' } = useParams();
  const doc = useQuery({ queryKey: ['workflow', id], queryFn: () => unwrap(api.GET('/api/workflows/{id}', { params: { path: { id } } })) });
  const { nodes, edges, onNodesChange, onEdgesChange, load } = useEditor();
  useEffect(() => {
    if (doc.data) load(doc.data, null);
  }, [doc.data, load]);
  if (doc.isPending) return <Spinner block label="Loading the workflow" />;
  return (
    <ReactFlowProvider>
      <div style={{ height: '100%' }}>
        <ReactFlow nodes={nodes} edges={edges} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} fitView>
          <Background />
          <Controls />
        </ReactFlow>
      </div>
    </ReactFlowProvider>
  );
}
