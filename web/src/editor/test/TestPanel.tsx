import { useEffect, useId, useMemo, useState } from 'react';
import {
  Ban, Check, CheckCircle2, CircleDashed, CircleX, Clock, Eye, Loader2, Play, RotateCcw, ThumbsDown, ThumbsUp, X, XCircle,
} from 'lucide-react';
import { describeError } from '../../api/problem';
import { useNodeTypes, type NodeCatalog } from '../../catalog/nodeTypes';
import { toast } from '../../ui/toast';
import { useEditor } from '../store';
import type { StepNode, TestResult, TestStep } from '../model';
import { savedFirst } from '../lifecycle/actions';
import { testWorkflow, validationFromProblem } from '../lifecycle/workflowCalls';
import { approvalsIn, decisionEvents, nodeIdOf, type ApprovalInRun } from './approvals';
import { parseTestData, sampleTriggerData } from './sampleData';
import { textKey, useTestInputs } from './testInputs';

/**
 * The test panel: trigger data (a sample per trigger type to start from), Run test against the saved draft, and the
 * run step by step. The canvas colours nodes from the same result (`testRun` in the store); selecting a step here or
 * on the canvas shows its output. Approvals reached in the run can be answered, which runs the test again with the
 * decision delivered as the approval's event.
 */
export function TestPanel() {
  const workflowId = useEditor((s) => s.workflowId) ?? '';
  const nodes = useEditor((s) => s.nodes);
  const testRun = useEditor((s) => s.testRun);
  const catalog = useNodeTypes().data;
  const inputs = useTestInputs();
  const dataId = useId();
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const triggers = useMemo(() => nodes.filter((n) => n.data.type.startsWith('trigger_')), [nodes]);
  const chosen = inputs.trigger[workflowId];
  const trigger = triggers.find((t) => t.id === chosen) ?? triggers[0];
  const sample = useMemo(() => {
    if (!trigger) return '{}';
    const fields = catalog?.find(trigger.data.type)?.outputFields ?? [];
    return JSON.stringify(sampleTriggerData(trigger.data.type, fields), null, 2);
  }, [trigger, catalog]);
  const key = trigger ? textKey(workflowId, trigger.id) : '';
  const text = inputs.texts[key] ?? sample;
  const parsed = parseTestData(text);
  const decisions = inputs.decisions[workflowId] ?? {};

  const close = () => useEditor.getState().setPanel('none');

  const run = async (withDecisions = decisions) => {
    if (!parsed.ok || running) return;
    setRunning(true);
    setFailure(null);
    try {
      const id = await savedFirst('run a test');
      if (!id) return;
      const result = await testWorkflow(id, { testData: parsed.value, events: decisionEvents(withDecisions), triggerNodeId: trigger?.id });
      useEditor.getState().setTestRun(result);
    } catch (error) {
      const invalid = validationFromProblem(error);
      if (invalid) {
        const editor = useEditor.getState();
        editor.setValidation(invalid);
        editor.setPanel('issues');
        toast.error('The draft has errors, so it cannot be test-run. Fix them first.');
      } else {
        setFailure(describeError(error));
      }
    } finally {
      setRunning(false);
    }
  };

  const decide = (approval: ApprovalInRun, approved: boolean, comment: string) => {
    const next = { ...decisions, [approval.eventName]: { approved, comment } };
    inputs.setDecision(workflowId, approval.eventName, { approved, comment });
    void run(next);
  };
  const clearDecision = (eventName: string) => {
    const next = { ...decisions };
    delete next[eventName];
    inputs.setDecision(workflowId, eventName, null);
    void run(next);
  };

  return (
    <div className="drawer" onKeyDown={(e) => e.key === 'Escape' && (e.target as HTMLElement).tagName !== 'TEXTAREA' && close()}>
      <div className="drawer-header">
        <h2 className="drawer-title">Test run</h2>
        <span className="muted small hide-narrow">Runs the saved draft; messages, calls and CRM updates are previewed, not sent.</span>
        <span className="grow" />
        <button
          type="button"
          className="btn btn-primary btn-sm tip"
          aria-label="Run test"
          data-tip={`Run the draft with this data (${/Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+'}Enter in the data)`}
          onClick={() => void run()}
          disabled={!parsed.ok || running || !trigger}
        >
          {running ? <Loader2 size={15} className="spin" aria-hidden /> : <Play size={15} aria-hidden />}
          Run test
        </button>
        <button type="button" className="btn btn-ghost btn-sm btn-icon tip" data-tip="Close (Esc)" aria-label="Close the panel" onClick={close}>
          <X size={16} />
        </button>
      </div>
      <div className="drawer-body test-body">
        <div className="test-input">
          <div className="test-input-head">
            <label className="field-label" htmlFor={dataId}>
              Trigger data
            </label>
            {triggers.length > 1 && (
              <select
                className="select select-sm"
                aria-label="Trigger"
                value={trigger?.id}
                onChange={(e) => inputs.setTrigger(workflowId, e.target.value)}
              >
                {triggers.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.id} · {catalog?.find(t.data.type)?.displayName ?? t.data.type}
                  </option>
                ))}
              </select>
            )}
            {triggers.length === 1 && trigger && <span className="muted small">{catalog?.find(trigger.data.type)?.displayName ?? trigger.data.type}</span>}
            <span className="grow" />
            <button
              type="button"
              className="btn btn-ghost btn-sm tip"
              aria-label="Reset to the sample"
              data-tip="Put the sample back"
              onClick={() => inputs.setText(workflowId, trigger?.id ?? '', sample)}
              disabled={!trigger || text === sample}
            >
              <RotateCcw size={13} aria-hidden /> Sample
            </button>
          </div>
          {trigger ? (
            <textarea
              id={dataId}
              className="textarea test-data"
              spellCheck={false}
              value={text}
              aria-invalid={!parsed.ok}
              aria-describedby={!parsed.ok ? `${dataId}-error` : undefined}
              onChange={(e) => inputs.setText(workflowId, trigger.id, e.target.value)}
              onKeyDown={(e) => {
                if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
                  e.preventDefault();
                  void run();
                }
              }}
            />
          ) : (
            <p className="muted small">Add a trigger to the workflow: a test run starts from it.</p>
          )}
          {!parsed.ok && (
            <p className="field-error" id={`${dataId}-error`} role="alert">
              {parsed.error}
            </p>
          )}
          {Object.keys(decisions).length > 0 && (
            <div className="test-decisions">
              <span className="field-label">Decisions sent</span>
              {Object.entries(decisions).map(([name, d]) => (
                <span key={name} className={`badge ${d.approved ? 'badge-success' : 'badge-danger'}`}>
                  {name}: {d.approved ? 'approve' : 'reject'}
                  <button type="button" className="chip-x" aria-label={`Stop sending the ${name} decision`} onClick={() => clearDecision(name)}>
                    <X size={12} />
                  </button>
                </span>
              ))}
            </div>
          )}
        </div>
        <div className="test-results">
          {failure && (
            <div className="callout callout-danger" role="alert">
              The test could not run: {failure}
            </div>
          )}
          {!testRun && !failure && (
            <div className="drawer-empty">
              <Play size={22} aria-hidden />
              <p>Run the workflow with this trigger data to see what each step does. Nothing is stored and nothing is sent.</p>
            </div>
          )}
          {testRun && <RunResult run={testRun} nodes={nodes} catalog={catalog} running={running} decide={decide} clearDecision={clearDecision} />}
        </div>
      </div>
    </div>
  );
}

const statusTone: Record<string, string> = { completed: 'success', failed: 'danger', waiting: 'warning', cancelled: 'neutral' };

function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function StepStatusIcon({ status }: { status: string }) {
  switch (status) {
    case 'completed': return <CheckCircle2 size={15} className="st-completed" aria-label="Completed" />;
    case 'failed': return <XCircle size={15} className="st-failed" aria-label="Failed" />;
    case 'skipped': return <CircleDashed size={15} className="st-skipped" aria-label="Skipped" />;
    case 'waiting': return <Clock size={15} className="st-waiting" aria-label="Waiting" />;
    case 'cancelled': return <Ban size={15} className="st-skipped" aria-label="Cancelled" />;
    default: return <Loader2 size={15} className="st-waiting" aria-label={status} />;
  }
}

function RunResult({ run, nodes, catalog, running, decide, clearDecision }: {
  run: TestResult;
  nodes: StepNode[];
  catalog: NodeCatalog | undefined;
  running: boolean;
  decide: (a: ApprovalInRun, approved: boolean, comment: string) => void;
  clearDecision: (eventName: string) => void;
}) {
  const selectedId = useMemo(() => nodes.find((n) => n.selected)?.id ?? null, [nodes]);
  const selectedSteps = run.steps.filter((s) => nodeIdOf(s.stepId) === selectedId);
  const approvals = approvalsIn(run, nodes);
  const previews = run.steps.filter((s) => s.preview).length;
  const tone = statusTone[run.status] ?? 'neutral';

  return (
    <div className={running ? 'run is-stale' : 'run'}>
      <div className="run-summary">
        <span className={`badge badge-${tone === 'neutral' ? '' : tone}`}>{capitalise(run.status)}</span>
        <span className="muted small">
          {run.steps.length} step{run.steps.length === 1 ? '' : 's'} · {formatDuration(run.totalDuration)}
          {previews > 0 && ` · ${previews} previewed`}
        </span>
      </div>
      {run.errorMessage && <div className="callout callout-danger">{run.errorMessage}</div>}
      {approvals.map((a) => (
        <ApprovalCard key={a.stepId} approval={a} running={running} decide={decide} clearDecision={clearDecision} />
      ))}
      <div className="run-split">
        <ol className="run-steps" aria-label="Steps">
          {run.steps.map((s) => (
            <li key={s.stepId}>
              <button
                type="button"
                className={nodeIdOf(s.stepId) === selectedId ? 'run-step is-selected' : 'run-step'}
                aria-current={nodeIdOf(s.stepId) === selectedId ? 'true' : undefined}
                onClick={() => {
                  const id = nodeIdOf(s.stepId);
                  if (nodes.some((n) => n.id === id)) useEditor.getState().focusNode(id);
                }}
              >
                <StepStatusIcon status={s.status} />
                <span className="run-step-name">{s.stepId}</span>
                <span className="run-step-type">{catalog?.find(s.nodeType)?.displayName ?? s.nodeType}</span>
                {s.preview && (
                  <span className="badge badge-info preview-badge" title="Side effect previewed: nothing was sent">
                    <Eye size={11} aria-hidden /> Preview
                  </span>
                )}
                <span className="run-step-time">{formatDuration(s.duration)}</span>
              </button>
            </li>
          ))}
        </ol>
        <div className="run-detail">
          {selectedSteps.length > 0 ? (
            selectedSteps.map((s) => <StepDetail key={s.stepId} step={s} />)
          ) : (
            <>
              <h3 className="detail-title">Final output</h3>
              <p className="muted small">Select a step to see its output.</p>
              <Json value={run.finalOutput} />
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function StepDetail({ step }: { step: TestStep }) {
  return (
    <div className="step-detail">
      <h3 className="detail-title">
        <StepStatusIcon status={step.status} /> {step.stepId}
        <span className="muted small">{formatDuration(step.duration)}</span>
      </h3>
      {step.preview && (
        <p className="callout callout-info small">
          <Eye size={13} aria-hidden /> Preview: nothing was sent. This is what the step would send.
        </p>
      )}
      {step.error && <div className="callout callout-danger">{step.error}</div>}
      {step.output !== null && step.output !== undefined ? <Json value={step.output} /> : !step.error && <p className="muted small">No output.</p>}
    </div>
  );
}

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="muted small">Nothing.</p>;
  return (
    <pre className="json" tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

function ApprovalCard({ approval, running, decide, clearDecision }: {
  approval: ApprovalInRun;
  running: boolean;
  decide: (a: ApprovalInRun, approved: boolean, comment: string) => void;
  clearDecision: (eventName: string) => void;
}) {
  const decision = useTestInputs((s) => s.decisions[useEditor.getState().workflowId ?? '']?.[approval.eventName]);
  const [comment, setComment] = useState(decision?.comment ?? '');
  useEffect(() => setComment(decision?.comment ?? ''), [decision]);
  const answered = approval.outcome === 'approved' || approval.outcome === 'rejected';
  return (
    <div className="approval-card" role="group" aria-label={`Approval ${approval.stepId}`}>
      <div className="approval-head">
        <span className="approval-title">
          Approval <strong>{approval.stepId}</strong>
        </span>
        <span className={`badge ${approval.outcome === 'approved' ? 'badge-success' : approval.outcome === 'rejected' ? 'badge-danger' : 'badge-warning'}`}>
          {approval.outcome === 'timed out' ? 'No decision: timed out' : capitalise(approval.outcome)}
        </span>
      </div>
      {answered && decision ? (
        <p className="small approval-note">
          {decision.approved ? <Check size={13} aria-hidden /> : <CircleX size={13} aria-hidden />} Answered in this test with “{decision.approved ? 'Approve' : 'Reject'}”
          {decision.comment ? ` (${decision.comment})` : ''}.{' '}
          <button type="button" className="link-button" onClick={() => clearDecision(approval.eventName)} disabled={running}>
            Run without a decision
          </button>
        </p>
      ) : (
        <>
          <p className="small approval-note">Answer it as an approver would, and the test runs again with that decision.</p>
          <div className="approval-actions">
            <input
              className="input input-sm"
              placeholder="Comment (optional)"
              aria-label={`Comment for ${approval.stepId}`}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
            <button type="button" className="btn btn-sm" onClick={() => decide(approval, true, comment)} disabled={running}>
              <ThumbsUp size={14} aria-hidden /> Approve
            </button>
            <button type="button" className="btn btn-sm btn-danger" onClick={() => decide(approval, false, comment)} disabled={running}>
              <ThumbsDown size={14} aria-hidden /> Reject
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
