import { useState } from 'react';
import { AlertCircle, X } from 'lucide-react';
import clsx from 'clsx';
import { JsonView } from '../../ui/JsonView';
import { NodeIcon } from '../../catalog/icons';
import type { NodeCatalog } from '../../catalog/nodeTypes';
import { fullTime } from '../../workflows/relativeTime';
import type { ExecutionDetail, StepLog, StepOverlay } from './liveState';
import { formatMs, statusLabel, stepTone } from './labels';

interface Props {
  detail: ExecutionDetail;
  nodeId: string | null;
  nodeType: string | undefined;
  overlay: StepOverlay | undefined;
  catalog: NodeCatalog | null;
  onClose(): void;
}

/**
 * The selected step: status, attempts, timing, error, input and output (each run of it inside a loop); with nothing
 * selected, the execution's own trigger data, result and error.
 */
export function StepInspector({ detail, nodeId, nodeType, overlay, catalog, onClose }: Props) {
  if (!nodeId) {
    return (
      <aside className="exec-inspector card" aria-label="Step details">
        <header className="exec-inspector-head">
          <div>
            <h2>Run data</h2>
            <p className="muted">Select a step on the canvas or the timeline to see its input and output.</p>
          </div>
        </header>
        <div className="exec-inspector-body">
          <Section title="Trigger data">
            <JsonView value={detail.triggerData} label="Trigger data" />
          </Section>
          <Section title="Final output">
            {detail.finalOutput == null ? <p className="muted">No output yet.</p> : <JsonView value={detail.finalOutput} label="Final output" />}
          </Section>
        </div>
      </aside>
    );
  }
  const runs = detail.logs.filter((l) => l.nodeId === nodeId);
  return (
    <aside className="exec-inspector card" aria-label="Step details">
      <header className="exec-inspector-head">
        <span className="exec-inspector-icon">
          <NodeIcon type={nodeType ?? ''} size={16} />
        </span>
        <div className="grow">
          <h2>{nodeId}</h2>
          <p className="muted">{(nodeType && catalog?.find(nodeType)?.displayName) ?? nodeType}</p>
        </div>
        {overlay && <span className={clsx('badge', `badge-${badgeTone(stepTone[overlay.status])}`)}>{statusLabel(overlay.status)}</span>}
        <button type="button" className="btn btn-ghost btn-sm btn-icon" aria-label="Close step details" onClick={onClose}>
          <X size={15} aria-hidden />
        </button>
      </header>
      <div className="exec-inspector-body">
        {runs.length === 0 ? (
          <p className="muted">
            {overlay?.status === 'skipped'
              ? 'Skipped: the branch leading here was not taken, so this step will not run.'
              : 'This step has not run (yet).'}
          </p>
        ) : (
          <StepRuns runs={runs} />
        )}
      </div>
    </aside>
  );
}

function StepRuns({ runs }: { runs: StepLog[] }) {
  const [index, setIndex] = useState(runs.length - 1);
  const run = runs[Math.min(index, runs.length - 1)];
  return (
    <>
      {runs.length > 1 && (
        <label className="field">
          <span className="field-label">Run</span>
          <select className="select" value={Math.min(index, runs.length - 1)} onChange={(e) => setIndex(Number(e.target.value))}>
            {runs.map((r, i) => (
              <option key={r.stepId} value={i}>
                {r.stepId} · {r.status}
              </option>
            ))}
          </select>
        </label>
      )}
      <dl className="exec-facts">
        <div>
          <dt>Attempts</dt>
          <dd>{run.attempts}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatMs(run.duration)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{run.startedAt ? fullTime(run.startedAt) : '—'}</dd>
        </div>
        {run.port && run.port !== 'out' && (
          <div>
            <dt>Took</dt>
            <dd>
              <code>{run.port}</code>
            </dd>
          </div>
        )}
      </dl>
      {run.errorMessage && <ErrorBox message={run.errorMessage} />}
      <Section title="Input">{run.input == null ? <p className="muted">No input recorded.</p> : <JsonView value={run.input} label="Input" />}</Section>
      <Section title="Output">{run.output == null ? <p className="muted">No output yet.</p> : <JsonView value={run.output} label="Output" />}</Section>
    </>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="exec-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function ErrorBox({ message }: { message: string }) {
  return (
    <div className="exec-error" role="note" aria-label="Error">
      <AlertCircle size={15} aria-hidden />
      <span>{message}</span>
    </div>
  );
}

export const badgeTone = (tone: string) => (tone === 'neutral' ? 'neutral' : tone);
