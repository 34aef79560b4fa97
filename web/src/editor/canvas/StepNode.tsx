import { memo, useEffect, useMemo, useRef, useState } from 'react';
import clsx from 'clsx';
import { Handle, NodeToolbar, Position, useUpdateNodeInternals, type EdgeTypes, type NodeProps, type NodeTypes } from '@xyflow/react';
import { AlertTriangle, CheckCircle2, CircleDashed, Clock3, Eye, Loader2, Send, XCircle } from 'lucide-react';
import { NodeIcon } from '../../catalog/icons';
import { useNodeTypes, type NodeCatalog } from '../../catalog/nodeTypes';
import { useEditor } from '../store';
import type { StepNode as StepNodeType } from '../model';
import { useCatalogContext } from './catalogContext';
import { issuesByStep, runsByStep, formatDuration, type StepRun } from './stepStatus';
import { overlayRun, useRunOverlay } from './runOverlay';
import { summarize } from './summarize';
import { FlowEdge } from './FlowEdge';
import './canvas.css';

type Props = NodeProps<StepNodeType>;

/**
 * A step's card on the canvas: category colour and icon, the step's name (its id) and type, a one-line summary of its
 * config, an input on the left (not for triggers) and one output per port on the right; validation issues and test
 * results when there are some. Memoised: a card re-renders only when its own node, issues or test result change.
 */
export const StepNode = memo(function StepNode(props: Props) {
  const catalog = useCatalogContext();
  // Without a provider (a canvas that did not set one up) the card looks the catalog up itself.
  if (catalog === undefined) return <StepNodeWithOwnCatalog {...props} />;
  return <StepCard {...props} catalog={catalog} />;
});

function StepNodeWithOwnCatalog(props: Props) {
  const catalog = useNodeTypes().data ?? null;
  return <StepCard {...props} catalog={catalog} />;
}

function StepCard({ id, data, selected, catalog }: Props & { catalog: NodeCatalog | null }) {
  const type = catalog?.find(data.type);
  const category = type?.category ?? 'logic';
  const trigger = category === 'trigger';
  const ports = useMemo(() => (catalog ? catalog.portsFor(data.type, data.config) : ['out']), [catalog, data.type, data.config]);
  const summary = useMemo(() => summarize(data.type, data.config), [data.type, data.config]);
  usePortsMeasured(id, ports);
  const issues = useEditor((s) => issuesByStep(s.validation)?.get(id));
  // An execution's page gives its own run states (RunOverlayContext); elsewhere the editor's test run shows.
  const overlay = useRunOverlay();
  const testRun = useEditor((s) => (overlay ? undefined : runsByStep(s.testRun)?.get(id)));
  const run = overlay ? overlayRun(id, overlay.get(id)) : testRun;
  // A finished test run that never reached this step (a branch not taken): shown as skipped.
  const testSkipped = useEditor((s) => !!s.testRun && (s.testRun.status === 'completed' || s.testRun.status === 'failed')) && !run;
  const skipped = overlay ? overlay.get(id)?.status === 'skipped' : testSkipped;

  const main = ports.filter((p) => p !== 'error');
  const hasErrorPort = ports.includes('error');
  // One unnamed `out` needs no label; branches (true/false, approve/reject/review, item/done, variants) do.
  const labelled = main.length > 1 || (main.length === 1 && main[0] !== 'out');
  const errors = issues?.errors.length ?? 0;
  const warnings = issues?.warnings.length ?? 0;

  return (
    <div
      className={clsx('step-card', `cat-${category}`, selected && 'is-selected', errors > 0 && 'has-errors', run && `run-${runTone(run)}`, skipped && 'run-muted')}
      data-category={category}
    >
      {!trigger && <Handle type="target" position={Position.Left} className="step-handle step-handle-in" title="Input" />}
      <div className="step-card-head">
        <span className="step-card-icon">
          <NodeIcon type={data.type} size={16} />
        </span>
        <div className="step-card-titles">
          <div className="step-card-name" title={id}>
            {id}
          </div>
          <div className="step-card-type">{type?.displayName ?? data.type}</div>
        </div>
        {type?.hasSideEffects && (
          <span className="step-card-effect" title="Sends or changes something outside FlowForge" aria-label="Has side effects">
            <Send size={12} aria-hidden />
          </span>
        )}
      </div>
      <div className={clsx('step-card-summary', !summary && 'is-empty')} title={summary || undefined}>
        {summary || 'Not set up yet'}
      </div>
      {run && <RunStatus run={run} />}
      {skipped && (
        <div className="step-card-run tone-muted">
          <CircleDashed size={13} aria-hidden />
          <span>Skipped</span>
        </div>
      )}
      {labelled ? (
        <div className="step-card-ports">
          {main.map((port) => (
            <div className="step-port" key={port}>
              <span className="step-port-label">{port}</span>
              <Handle type="source" position={Position.Right} id={port} className="step-handle step-handle-out" title={`Output: ${port}`} />
            </div>
          ))}
          {hasErrorPort && (
            <div className="step-port step-port-error">
              <span className="step-port-label">error</span>
              <Handle type="source" position={Position.Right} id="error" className="step-handle step-handle-error" title="Output: error (when this step fails)" />
            </div>
          )}
        </div>
      ) : (
        <>
          {main.map((port) => (
            <Handle key={port} type="source" position={Position.Right} id={port} className="step-handle step-handle-out step-handle-main" title="Output" />
          ))}
          {hasErrorPort && (
            <Handle type="source" position={Position.Right} id="error" className="step-handle step-handle-error step-handle-corner" title="Output: error (when this step fails)" />
          )}
        </>
      )}
      {(errors > 0 || warnings > 0) && <IssueBadge errors={issues!.errors.map((i) => i.message)} warnings={issues!.warnings.map((i) => i.message)} />}
    </div>
  );
}

/**
 * React Flow measures a node's handles when its size changes; ports can change without that (the catalog arriving,
 * an A/B variant renamed), and an edge whose handle React Flow has not measured is not drawn. So: measure again.
 */
function usePortsMeasured(id: string, ports: string[]) {
  const updateNodeInternals = useUpdateNodeInternals();
  const key = ports.join('\n');
  const first = useRef(true);
  useEffect(() => {
    // The first measurement is React Flow's own.
    if (first.current) first.current = false;
    else updateNodeInternals(id);
  }, [id, key, updateNodeInternals]);
}

function runTone(run: StepRun): 'success' | 'danger' | 'muted' | 'warning' | 'info' {
  switch (run.last.status) {
    case 'completed':
      return 'success';
    case 'failed':
      return 'danger';
    case 'skipped':
    case 'cancelled':
      return 'muted';
    case 'waiting':
      return 'warning';
    default:
      return 'info';
  }
}

const runIcons = { success: CheckCircle2, danger: XCircle, muted: CircleDashed, warning: Clock3, info: Loader2 };
const runLabels: Record<string, string> = {
  completed: 'Completed', failed: 'Failed', skipped: 'Skipped', waiting: 'Waiting', running: 'Running', retrying: 'Retrying', cancelled: 'Cancelled',
};

function RunStatus({ run }: { run: StepRun }) {
  const tone = runTone(run);
  const Icon = runIcons[tone];
  return (
    <div className={clsx('step-card-run', `tone-${tone}`)}>
      <Icon size={13} aria-hidden />
      <span>{runLabels[run.last.status] ?? run.last.status}</span>
      {run.runs > 1 && <span className="step-card-run-meta">×{run.runs}</span>}
      {run.detail && <span className="step-card-run-meta">{run.detail}</span>}
      {run.duration !== null && <span className="step-card-run-meta">{formatDuration(run.duration)}</span>}
      {run.last.preview && (
        <span className="step-card-preview" title="Test runs do not send anything: this shows what would have been sent">
          <Eye size={11} aria-hidden /> Preview
        </span>
      )}
    </div>
  );
}

function IssueBadge({ errors, warnings }: { errors: string[]; warnings: string[] }) {
  const [open, setOpen] = useState(false);
  const count = errors.length + warnings.length;
  const label = `${count} ${count === 1 ? 'issue' : 'issues'}: ${[...errors, ...warnings].join(' ')}`;
  return (
    <>
      <div
        className={clsx('step-issues', errors.length === 0 && 'is-warning')}
        role="note"
        aria-label={label}
        onMouseEnter={() => setOpen(true)}
        onMouseLeave={() => setOpen(false)}
      >
        {count}
      </div>
      {/* In a NodeToolbar the messages stay readable at any zoom. */}
      <NodeToolbar isVisible={open} position={Position.Top} align="end" offset={8} className="step-issues-tip" aria-hidden>
        {errors.map((m, i) => (
          <div key={`e${i}`} className="step-issues-row">
            <XCircle size={13} className="tone-danger" aria-hidden /> {m}
          </div>
        ))}
        {warnings.map((m, i) => (
          <div key={`w${i}`} className="step-issues-row">
            <AlertTriangle size={13} className="tone-warning" aria-hidden /> {m}
          </div>
        ))}
      </NodeToolbar>
    </>
  );
}

/** React Flow's node-type map for every canvas that shows steps (the editor, and read-only views of versions). */
export const stepNodeTypes: NodeTypes = { step: StepNode };

/** React Flow's edge-type map to go with it: every edge (type `default`) drawn as a step edge. */
export const stepEdgeTypes: EdgeTypes = { default: FlowEdge };
