import type { Schemas } from '../../api/client';

/**
 * The execution as the page shows it: the last fetched detail (`GET /api/executions/{id}`, which says which history
 * `sequence` it reflects) with the hub's newer events laid over it. Pure, so the merge rules are tested without a hub:
 * an event at or below the detail's sequence is already in it and is dropped; one above it is applied, in sequence
 * order, and kept until a fetch catches up with it.
 */

export type ExecutionDetail = Schemas['ExecutionDetail'];
export type StepLog = Schemas['StepLog'];

/** The status of a step on the canvas. */
export type StepRunStatus = 'running' | 'completed' | 'failed' | 'waiting' | 'retrying' | 'skipped' | 'cancelled';

/** One event from `/hubs/executions` (the README's "Live progress" table), tagged with its hub method. */
export interface LiveEvent {
  kind: 'started' | 'step' | 'waiting' | 'completed' | 'failed';
  executionId: string;
  sequence: number;
  committedAt?: string;
  stepId?: string;
  nodeId?: string;
  nodeType?: string;
  status?: string;
  attempt?: number;
  error?: string | null;
  duration?: number | null;
  port?: string | null;
  eventName?: string | null;
  until?: string | null;
  completedAt?: string;
  totalDuration?: number;
}

export interface LiveState {
  detail: ExecutionDetail | null;
  /** Events newer than `detail`, in sequence order. */
  pending: LiveEvent[];
}

export const emptyLive: LiveState = { detail: null, pending: [] };

/** A fetched detail replaces the base; events it already contains are let go. */
export function withDetail(state: LiveState, detail: ExecutionDetail): LiveState {
  // An older answer (a slow fetch overtaken by a newer one) never moves the page back.
  if (state.detail && state.detail.executionId === detail.executionId && detail.sequence < state.detail.sequence) return state;
  return { detail, pending: state.pending.filter((e) => e.sequence > detail.sequence) };
}

/** A hub event: kept when newer than the detail and not seen yet. */
export function withEvent(state: LiveState, event: LiveEvent): LiveState {
  if (state.detail && event.sequence <= state.detail.sequence) return state;
  if (state.pending.some((e) => e.sequence === event.sequence && e.kind === event.kind && e.stepId === event.stepId)) return state;
  const pending = [...state.pending, event].sort((a, b) => a.sequence - b.sequence);
  return { ...state, pending };
}

/** What a step card shows: its status, attempt, how often it ran (loop iterations) and a short detail. */
export interface StepOverlay {
  status: StepRunStatus;
  attempt: number;
  /** Step keys of this node that ran (more than one inside a loop). */
  runs: number;
  duration: number | null;
  /** "attempt 2", "approval", "timer until 14:05": what it is waiting for or retrying. */
  detail?: string;
  error?: string | null;
}

interface StepKeyState {
  nodeId: string;
  nodeType: string;
  status: StepRunStatus;
  attempt: number;
  duration: number | null;
  detail?: string;
  error?: string | null;
}

function waitingDetail(nodeType: string, eventName?: string | null, until?: string | null): string {
  if (eventName) return nodeType === 'logic_approval' ? 'approval' : `event '${eventName}'`;
  if (nodeType === 'logic_delay') return until ? `timer until ${new Date(until).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}` : 'timer';
  if (nodeType === 'logic_approval') return 'approval';
  if (nodeType === 'logic_subworkflow') return 'sub-workflow';
  return '';
}

const knownStatus = (s: string | undefined): StepRunStatus =>
  s === 'completed' || s === 'failed' || s === 'waiting' || s === 'retrying' || s === 'skipped' ? s : 'running';

/** Per step key: the detail's logs, then the live events over them, then the skipped steps. */
export function stepStates(state: LiveState): Map<string, StepKeyState> {
  const steps = new Map<string, StepKeyState>();
  for (const log of state.detail?.logs ?? []) {
    const status = knownStatus(log.status);
    steps.set(log.stepId, {
      nodeId: log.nodeId,
      nodeType: log.nodeType,
      status,
      attempt: log.attempts,
      duration: log.duration ?? null,
      detail:
        status === 'retrying'
          ? `attempt ${log.attempts}`
          : status === 'waiting'
            ? waitingDetail(log.nodeType)
            : status === 'failed' && log.attempts > 1
              ? `after ${log.attempts} attempts`
              : undefined,
      error: log.errorMessage,
    });
  }
  for (const e of state.pending) {
    if (!e.stepId) continue;
    const prev = steps.get(e.stepId);
    const nodeId = e.nodeId ?? prev?.nodeId ?? e.stepId.split('/')[0];
    const nodeType = e.nodeType ?? prev?.nodeType ?? '';
    if (e.kind === 'step') {
      const status = knownStatus(e.status);
      const attempt = e.attempt ?? prev?.attempt ?? 1;
      steps.set(e.stepId, {
        nodeId,
        nodeType,
        status,
        attempt,
        duration: e.duration ?? (status === 'running' ? null : prev?.duration ?? null),
        detail: status === 'retrying' ? `attempt ${attempt + 1} next` : status === 'running' && attempt > 1 ? `attempt ${attempt}` : undefined,
        error: e.error ?? null,
      });
    } else if (e.kind === 'waiting') {
      steps.set(e.stepId, { nodeId, nodeType, status: 'waiting', attempt: prev?.attempt ?? 1, duration: null, detail: waitingDetail(nodeType, e.eventName, e.until) });
    }
  }
  for (const s of state.detail?.skipped ?? []) {
    if (!steps.has(s.stepId)) steps.set(s.stepId, { nodeId: s.nodeId, nodeType: '', status: 'skipped', attempt: 0, duration: null });
  }
  return steps;
}

// A node that ran in several loop iterations shows the most telling one: a failure beats a wait beats running ...
const weight: Record<StepRunStatus, number> = { failed: 7, retrying: 6, waiting: 5, running: 4, cancelled: 3, completed: 2, skipped: 1 };

/** The canvas overlay: one entry per node id. */
export function nodeOverlay(state: LiveState): Map<string, StepOverlay> {
  const byNode = new Map<string, StepOverlay>();
  // A cancelled run leaves its open steps as they were (waiting, running): they will not go on, so they show cancelled.
  const cancelled = liveStatus(state) === 'cancelled';
  for (const found of stepStates(state).values()) {
    const step = cancelled && (found.status === 'running' || found.status === 'waiting' || found.status === 'retrying') ? { ...found, status: 'cancelled' as const, detail: undefined } : found;
    const prev = byNode.get(step.nodeId);
    const ran = step.status === 'skipped' ? 0 : 1;
    if (!prev) {
      byNode.set(step.nodeId, { status: step.status, attempt: step.attempt, runs: ran, duration: step.duration, detail: step.detail, error: step.error });
      continue;
    }
    const runs = prev.runs + ran;
    const duration = prev.duration === null && step.duration === null ? null : (prev.duration ?? 0) + (step.duration ?? 0);
    const top = weight[step.status] > weight[prev.status] ? step : null;
    byNode.set(
      step.nodeId,
      top ? { status: top.status, attempt: top.attempt, runs, duration, detail: top.detail, error: top.error } : { ...prev, runs, duration },
    );
  }
  return byNode;
}

/** The execution's status with the live lifecycle events applied. */
export function liveStatus(state: LiveState): string | null {
  let status = state.detail?.status ?? null;
  for (const e of state.pending) {
    if (e.kind === 'completed') status = e.status ?? 'completed';
    else if (e.kind === 'failed') status = 'failed';
    else if (e.kind === 'started' && (status === null || status === 'pending')) status = 'running';
    else if (e.kind === 'step' && e.status === 'running' && (status === 'pending' || status === 'waiting' || status === 'failed')) status = 'running';
  }
  return status;
}

export const isFinished = (status: string | null | undefined) => status === 'completed' || status === 'failed' || status === 'cancelled';
