import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Background, Controls, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { ArrowLeft, Eye, History, RotateCcw } from 'lucide-react';
import { describeError } from '../../api/problem';
import { Dialog } from '../../ui/Dialog';
import { Spinner } from '../../ui/Spinner';
import { TableHead } from '../../ui/TableHead';
import { toast } from '../../ui/toast';
import { stepNodeTypes } from '../canvas/StepNode';
import { toGraph } from '../model';
import { useEditor } from '../store';
import { getVersion, listVersions } from './workflowCalls';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The published versions, newest first; one can be viewed read-only, and restored into the draft (undoable). */
export function VersionsDialog({ workflowId, onClose }: { workflowId: string; onClose: () => void }) {
  const [viewing, setViewing] = useState<number | null>(null);
  const versions = useQuery({ queryKey: ['versions', workflowId], queryFn: () => listVersions(workflowId) });

  if (viewing !== null) {
    return <VersionView workflowId={workflowId} version={viewing} onBack={() => setViewing(null)} onClose={onClose} />;
  }
  return (
    <Dialog open title="Versions" icon={<History size={18} />} onClose={onClose}>
      {versions.isPending && <Spinner block label="Loading versions" />}
      {versions.isError && <p className="text-danger">{describeError(versions.error)}</p>}
      {versions.data && versions.data.versions.length === 0 && (
        <p className="muted">No published versions yet. Publishing freezes the draft as version 1; executions run the published version.</p>
      )}
      {versions.data && versions.data.versions.length > 0 && (
        <table className="versions-table">
          <TableHead columns={['Version', 'Name', 'Published']} actions />
          <tbody>
            {versions.data.versions.map((v) => (
              <tr key={v.version}>
                <td>
                  <span className="version-number">v{v.version}</span>
                  {v.active && <span className="badge badge-success">Active</span>}
                </td>
                <td className="version-name">{v.name}</td>
                <td className="muted">{when.format(new Date(v.publishedAt))}</td>
                <td className="version-actions">
                  <button type="button" className="btn btn-sm" aria-label={`View version ${v.version}`} onClick={() => setViewing(v.version)}>
                    <Eye size={14} aria-hidden /> View
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Dialog>
  );
}

function VersionView({ workflowId, version, onBack, onClose }: { workflowId: string; version: number; onBack: () => void; onClose: () => void }) {
  const v = useQuery({ queryKey: ['version', workflowId, version], queryFn: () => getVersion(workflowId, version), staleTime: Infinity });
  const graph = useMemo(() => (v.data ? toGraph(v.data) : null), [v.data]);

  const restore = () => {
    if (!v.data || !graph) return;
    useEditor.getState().replaceGraph(graph);
    toast.success(`Version ${version} is now the draft. Undo brings your previous draft back.`);
    onClose();
  };

  return (
    <Dialog
      open
      size="lg"
      title={v.data ? `Version ${version} · ${v.data.name}` : `Version ${version}`}
      icon={<History size={18} />}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onBack}>
            <ArrowLeft size={15} aria-hidden /> All versions
          </button>
          <span className="grow" />
          {v.data && (
            <span className="muted small">
              Published {when.format(new Date(v.data.publishedAt))}
              {v.data.active ? ' · active' : ''} · read-only
            </span>
          )}
          <button type="button" className="btn" onClick={restore} disabled={!graph}>
            <RotateCcw size={15} aria-hidden /> Restore to draft
          </button>
        </>
      }
    >
      <div className="version-canvas" role="region" aria-label={`Version ${version}, read-only`}>
        {v.isPending && <Spinner block label="Loading the version" />}
        {v.isError && <p className="text-danger">{describeError(v.error)}</p>}
        {graph && (
          // Its own provider: the editor's React Flow store must not see these nodes.
          <ReactFlowProvider>
            <ReactFlow
              nodes={graph.nodes}
              edges={graph.edges}
              nodeTypes={stepNodeTypes}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable={false}
              edgesFocusable={false}
              nodesFocusable={false}
              deleteKeyCode={null}
              fitView
              fitViewOptions={{ padding: 0.2 }}
              proOptions={{ hideAttribution: true }}
            >
              <Background />
              <Controls showInteractive={false} />
            </ReactFlow>
          </ReactFlowProvider>
        )}
      </div>
    </Dialog>
  );
}
