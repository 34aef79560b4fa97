import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ReactFlowProvider } from '@xyflow/react';
import { ArrowLeft, Ban, CheckCheck, Radio, RotateCcw, Send, StepForward } from 'lucide-react';
import clsx from 'clsx';
import { describeError } from '../../api/problem';
import { useNodeTypes } from '../../catalog/nodeTypes';
import { EmptyState } from '../../ui/EmptyState';
import { Spinner } from '../../ui/Spinner';
import { toast } from '../../ui/toast';
import { lastRunBadge } from '../../workflows/status';
import { fullTime, relativeTime } from '../../workflows/relativeTime';
import {
  cancelExecution, executionKey, resumeExecution, retryExecution, sendEvent, useExecutionDetail, useExecutionHistory, useWorkflowVersion,
} from './api';
import { emptyLive, isFinished, liveStatus, nodeOverlay, withDetail, withEvent, type LiveEvent, type LiveState } from './liveState';
import { useExecutionLive } from './useExecutionLive';
import { useNow } from './useNow';
import { buildTimeline, openWaits } from './timeline';
import { formatMs } from './labels';
import { ExecutionCanvas } from './ExecutionCanvas';
import { StepInspector } from './StepInspector';
import { TimelineView } from './TimelineView';
import { HistoryList } from './HistoryList';
import { ApprovalDialog, CancelDialog, SendEventDialog } from './ActionDialogs';
import './ExecutionDetailPage.css';

type Action = { type: 'detail'; detail: NonNullable<LiveState['detail']> } | { type: 'event'; event: LiveEvent } | { type: 'reset' };

function reduce(state: LiveState, action: Action): LiveState {
  switch (action.type) {
    case 'detail':
      return withDetail(state, action.detail);
    case 'event':
      return withEvent(state, action.event);
    case 'reset':
      return emptyLive;
  }
}

// Hub events land on the canvas at once; the full detail (inputs, outputs, skipped steps) and the history follow with
// one refetch per burst of events, not one per event.
const refetchDelayMs = 250;

type Dialogs = 'cancel' | 'approval' | 'event' | null;

/** `/executions/:id`: one execution, live: its canvas, timeline, step data, history and the actions on it. */
export function ExecutionDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const detailQuery = useExecutionDetail(id);
  const [live, dispatch] = useReducer(reduce, emptyLive);
  const [tab, setTab] = useState<'timeline' | 'history'>('timeline');
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialogs>(null);
  // Keyed on having data, not on the last fetch's success: a failed refetch must not drop the hub connection.
  const loaded = detailQuery.data !== undefined;
  const historyQuery = useExecutionHistory(id, loaded);
  const detail = live.detail;
  const version = useWorkflowVersion(detail?.workflowId, detail?.version);
  const catalog = useNodeTypes().data ?? null;

  useEffect(() => {
    dispatch({ type: 'reset' });
    setSelected(null);
  }, [id]);
  useEffect(() => {
    if (detailQuery.data && detailQuery.data.executionId === id) dispatch({ type: 'detail', detail: detailQuery.data });
  }, [detailQuery.data, id]);

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refetch = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void queryClient.invalidateQueries({ queryKey: executionKey(id) });
    }, refetchDelayMs);
  }, [queryClient, id]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    },
    [id],
  );
  const connection = useExecutionLive(
    id,
    loaded,
    (event) => {
      dispatch({ type: 'event', event });
      refetch();
    },
    refetch,
  );

  const status = liveStatus(live);
  const finished = isFinished(status);
  const now = useNow(!finished && !!detail);
  const overlay = useMemo(() => nodeOverlay(live), [live]);
  const history = useMemo(() => historyQuery.data ?? [], [historyQuery.data]);
  const timeline = useMemo(() => buildTimeline(history, finished ? undefined : now), [history, finished, now]);
  const waits = useMemo(() => (finished ? [] : openWaits(history)), [history, finished]);
  const approval = waits.find((w) => version.data?.nodes.find((n) => n.id === w.nodeId)?.type === 'logic_approval') ?? null;

  if (detailQuery.isError && !detail) {
    return (
      <div className="page">
        <EmptyState title="This execution cannot be shown" action={<Link to="/workflows">Back to workflows</Link>}>
          {describeError(detailQuery.error)}
        </EmptyState>
      </div>
    );
  }
  if (!detail) return <Spinner block label="Loading the execution" />;

  const badge = lastRunBadge({ status: status ?? detail.status });
  const trigger = detail.logs.find((l) => l.stepType === 'trigger');
  const duration = detail.totalDuration ?? (finished ? null : now - Date.parse(detail.startedAt));
  const selectedType = selected ? version.data?.nodes.find((n) => n.id === selected)?.type : undefined;

  const act = async (call: () => Promise<unknown>, message: string) => {
    await call();
    toast.success(message);
    refetch();
  };
  const quick = async (call: () => Promise<unknown>, message: string) => {
    try {
      await act(call, message);
    } catch (e) {
      toast.error(describeError(e));
    }
  };

  return (
    <div className="exec-page">
      <header className="exec-header">
        <div className="exec-title-row">
          <Link to={`/workflows/${detail.workflowId}`} className="btn btn-ghost btn-sm btn-icon" aria-label="Open the workflow" title="Open the workflow">
            <ArrowLeft size={16} aria-hidden />
          </Link>
          <div className="exec-titles">
            <h1>
              {version.data?.name ?? detail.workflowId} <span className="exec-version">v{detail.version}</span>
            </h1>
            <p className="muted exec-id">{detail.executionId}</p>
          </div>
          <span className={clsx('badge', `badge-${badge.tone}`, 'exec-status')} role="status" aria-label="Execution status" title={badge.hint}>
            {badge.label}
          </span>
          {detail.stuck && !finished && <span className="badge badge-warning" title="No progress for a while">Stuck?</span>}
          <div className="grow" />
          <span className={clsx('exec-live', `is-${connection}`)} title={connection === 'live' ? 'Updating live' : connection === 'connecting' ? 'Connecting…' : 'Not updating live: refresh to see changes'}>
            <Radio size={13} aria-hidden /> {connection === 'live' ? 'Live' : connection === 'connecting' ? 'Connecting' : 'Offline'}
          </span>
          <div className="exec-actions">
            {approval && (
              <button type="button" className="btn btn-primary" onClick={() => setDialog('approval')}>
                <CheckCheck size={15} aria-hidden /> Answer approval
              </button>
            )}
            {!finished && (
              <button type="button" className="btn" onClick={() => setDialog('event')}>
                <Send size={15} aria-hidden /> Send event
              </button>
            )}
            {status === 'failed' && (
              <button type="button" className="btn btn-primary" onClick={() => void quick(() => resumeExecution(id), 'Resuming from the failed step.')}>
                <StepForward size={15} aria-hidden /> Resume
              </button>
            )}
            {finished && (
              <button
                type="button"
                className="btn"
                onClick={async () => {
                  try {
                    const started = await retryExecution(id);
                    toast.success('Started a new execution with the same input.');
                    navigate(`/executions/${started.executionId}`);
                  } catch (e) {
                    toast.error(describeError(e));
                  }
                }}
              >
                <RotateCcw size={15} aria-hidden /> Retry
              </button>
            )}
            {!finished && (
              <button type="button" className="btn btn-danger" onClick={() => setDialog('cancel')}>
                <Ban size={15} aria-hidden /> Cancel
              </button>
            )}
          </div>
        </div>
        <dl className="exec-meta">
          <div>
            <dt>Started</dt>
            <dd title={fullTime(detail.startedAt)}>{relativeTime(detail.startedAt, new Date(now))}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatMs(duration)}</dd>
          </div>
          <div>
            <dt>Trigger</dt>
            <dd>{trigger ? ((catalog?.find(trigger.nodeType)?.displayName ?? trigger.nodeType) + ` (${trigger.nodeId})`) : '—'}</dd>
          </div>
          {detail.retryOf && (
            <div>
              <dt>Retry of</dt>
              <dd>
                <Link to={`/executions/${detail.retryOf}`}>{detail.retryOf}</Link>
              </dd>
            </div>
          )}
          {detail.parentExecutionId && (
            <div>
              <dt>Started by</dt>
              <dd>
                <Link to={`/executions/${detail.parentExecutionId}`}>{detail.parentExecutionId}</Link>
              </dd>
            </div>
          )}
        </dl>
        {status === 'failed' && detail.errorMessage && (
          <div className="exec-error exec-banner" role="alert">
            {detail.errorMessage}
          </div>
        )}
      </header>

      <div className="exec-main">
        <section className="exec-canvas-card card" aria-label="Execution canvas">
          {version.data ? (
            <ReactFlowProvider>
              <ExecutionCanvas version={version.data} overlay={overlay} selected={selected} onSelect={setSelected} />
            </ReactFlowProvider>
          ) : version.isError ? (
            <EmptyState title="The workflow version cannot be shown">{describeError(version.error)}</EmptyState>
          ) : (
            <Spinner block label="Loading the workflow" />
          )}
        </section>
        <StepInspector
          detail={detail}
          nodeId={selected}
          nodeType={selectedType}
          overlay={selected ? overlay.get(selected) : undefined}
          catalog={catalog}
          onClose={() => setSelected(null)}
        />
      </div>

      <section className="exec-lower card" aria-label="Timeline and history">
        <div className="exec-tabs" role="tablist" aria-label="Views">
          <button type="button" role="tab" aria-selected={tab === 'timeline'} className={clsx('exec-tab', tab === 'timeline' && 'is-on')} onClick={() => setTab('timeline')}>
            Timeline
          </button>
          <button type="button" role="tab" aria-selected={tab === 'history'} className={clsx('exec-tab', tab === 'history' && 'is-on')} onClick={() => setTab('history')}>
            History <span className="exec-count">{history.length}</span>
          </button>
        </div>
        <div role="tabpanel" className="exec-tabpanel">
          {historyQuery.isPending ? (
            <Spinner label="Loading the history" />
          ) : tab === 'timeline' ? (
            <TimelineView timeline={timeline} selected={selected} onSelect={setSelected} />
          ) : (
            <HistoryList events={history} />
          )}
        </div>
      </section>

      <CancelDialog open={dialog === 'cancel'} onClose={() => setDialog(null)} onCancel={(reason) => act(() => cancelExecution(id, reason), 'Cancellation requested.')} />
      <ApprovalDialog
        open={dialog === 'approval'}
        onClose={() => setDialog(null)}
        wait={approval}
        onAnswer={(approved, comment) =>
          act(() => sendEvent(id, approval!.eventName, { approved, ...(comment.trim() ? { comment: comment.trim() } : {}) }), approved ? 'Approved.' : 'Rejected.')
        }
      />
      {dialog === 'event' && (
        <SendEventDialog
          open
          onClose={() => setDialog(null)}
          suggestions={waits.map((w) => w.eventName)}
          onSend={async (name, payload) => {
            const answer = await sendEvent(id, name, payload);
            if (answer.waiting) toast.success(answer.detail);
            else toast.info(answer.detail);
            refetch();
          }}
        />
      )}
    </div>
  );
}


