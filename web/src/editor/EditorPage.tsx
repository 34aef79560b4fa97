import { useEffect } from 'react';
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { api } from '../api/client';
import { useEditor } from './store';
import { useNodeTypes } from '../catalog/nodeTypes';
import { Spinner } from '../ui/Spinner';
import { EmptyState } from '../ui/EmptyState';
import { ApiError, describeError } from '../api/problem';
import { Canvas } from './canvas/Canvas';
import { NodeLibrary } from './canvas/NodeLibrary';
import { ConfigPanel } from './config/ConfigPanel';
import { EditorToolbar } from './lifecycle/EditorToolbar';
import { BottomPanel } from './lifecycle/BottomPanel';
import { useAutoSave } from './lifecycle/useAutoSave';
import './EditorPage.css';

/**
 * The workflow editor: toolbar on top, node library left, canvas centre, the selected step's settings right,
 * issues or the test panel in a drawer under the canvas.
 */
export function EditorPage() {
  const { id = '' } = useParams();
  const doc = useQuery({
    queryKey: ['workflow', id],
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/workflows/{id}', { params: { path: { id } } });
      if (!response.ok || !data) throw ApiError.from(response, error);
      return { doc: data, etag: response.headers.get('ETag') };
    },
    // The editor owns the draft once loaded: a background refetch must not overwrite unsaved edits.
    staleTime: Infinity,
    gcTime: 0,
  });
  const load = useEditor((s) => s.load);
  const loadedId = useEditor((s) => s.workflowId);
  useEffect(() => {
    if (doc.data) load(doc.data.doc, doc.data.etag);
  }, [doc.data, load]);
  useAutoSave();
  // Asked for with the workflow, not after it: the cards need the catalog to draw their ports.
  const catalog = useNodeTypes();

  if (doc.isError) return <EmptyState title="This workflow cannot be opened">{describeError(doc.error)}</EmptyState>;
  if (doc.isPending || loadedId !== id || catalog.isPending) return <Spinner block label="Loading the workflow" />;
  return (
    <ReactFlowProvider>
      <div className="editor">
        <EditorToolbar />
        <div className="editor-body">
          <NodeLibrary />
          <div className="editor-centre">
            <div className="editor-canvas">
              <Canvas />
            </div>
            <BottomPanel />
          </div>
          <ConfigPanel />
        </div>
      </div>
    </ReactFlowProvider>
  );
}
