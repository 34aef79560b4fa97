/**
 * The timeline (Gantt) model: an execution's raw history folded into one row per step with its bars: each attempt,
 * the backoff before a retry, a delay's timer, an approval's wait, a loop's or sub-workflow's span. Pure, so it is
 * tested without a browser; the component only lays the bars out.
 */

/** One raw history event as `GET /api/executions/{id}/history` returns it (camelCase fields, `type`, `sequence`). */
export interface HistoryEventJson {
  type: string;
  sequence: number;
  timestamp: string;
  stepKey?: string;
  nodeId?: string;
  nodeType?: string;
  attempt?: number;
  purpose?: string;
  fireAt?: string;
  timerId?: string;
  eventName?: string;
  until?: string;
  error?: string;
  port?: string;
  inline?: boolean;
  name?: string;
  [key: string]: unknown;
}

export type BarKind = 'attempt' | 'inline' | 'backoff' | 'timer' | 'wait' | 'loop' | 'child';
export type BarOutcome = 'completed' | 'failed' | 'open' | 'skipped';

export interface TimelineBar {
  kind: BarKind;
  /** Milliseconds from the timeline's start. */
  start: number;
  end: number;
  outcome: BarOutcome;
  /** The attempt number, for attempts. */
  attempt?: number;
  /** What a person reads in the tooltip: "Attempt 2 failed: HTTP 500", "Retry backoff", "Waiting for 'approval'". */
  label: string;
}

export interface TimelineRow {
  stepKey: string;
  nodeId: string;
  nodeType: string;
  bars: TimelineBar[];
}

/** A moment of the whole execution drawn across every row: it failed, was resumed, a cancel was asked for. */
export interface TimelineMarker {
  at: number;
  kind: 'failed' | 'resumed' | 'cancel';
  label: string;
}

export interface Timeline {
  /** Epoch milliseconds of the first event. */
  origin: number;
  /** Milliseconds the timeline spans (at least 1). */
  span: number;
  rows: TimelineRow[];
  markers: TimelineMarker[];
}

const isRetry = (purpose: string | undefined) => purpose?.toLowerCase() === 'retry';
const isDelay = (purpose: string | undefined) => purpose?.toLowerCase() === 'delay';

/**
 * @param now epoch ms that bars still open end at (the page's clock while the run goes on, else the last event).
 */
export function buildTimeline(events: readonly HistoryEventJson[], now?: number): Timeline {
  if (events.length === 0) return { origin: 0, span: 1, rows: [], markers: [] };
  const origin = Date.parse(events[0].timestamp);
  const lastAt = Date.parse(events[events.length - 1].timestamp);
  const openEnd = Math.max(now ?? lastAt, lastAt) - origin;
  const rows = new Map<string, TimelineRow>();
  // The open bar of each step (an attempt, a wait, ...), closed by the step's next event.
  const open = new Map<string, TimelineBar>();
  // Timers by id, so a fired retry or delay timer closes its bar at the time it really fired.
  const timers = new Map<string, TimelineBar>();
  const markers: TimelineMarker[] = [];

  const row = (e: HistoryEventJson): TimelineRow => {
    const key = e.stepKey!;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { stepKey: key, nodeId: e.nodeId ?? key.split('/')[0], nodeType: e.nodeType ?? '', bars: [] }));
    if (!r.nodeType && e.nodeType) r.nodeType = e.nodeType;
    return r;
  };
  const start = (e: HistoryEventJson, at: number, bar: Omit<TimelineBar, 'start' | 'end' | 'outcome'>) => {
    const b: TimelineBar = { ...bar, start: at, end: openEnd, outcome: 'open' };
    row(e).bars.push(b);
    open.set(e.stepKey!, b);
    return b;
  };
  const close = (key: string, at: number, outcome: BarOutcome, label?: string) => {
    const b = open.get(key);
    if (!b) return false;
    b.end = Math.max(b.start, at);
    b.outcome = outcome;
    if (label) b.label = label;
    open.delete(key);
    return true;
  };

  for (const e of events) {
    const at = Date.parse(e.timestamp) - origin;
    switch (e.type) {
      case 'stepScheduled':
        close(e.stepKey!, at, 'completed');
        start(e, at, { kind: 'attempt', attempt: e.attempt, label: `Attempt ${e.attempt ?? 1}` });
        break;
      case 'stepCompleted': {
        const n = e.attempt ?? 1;
        if (!close(e.stepKey!, at, 'completed', open.get(e.stepKey!)?.kind === 'attempt' ? `Attempt ${n} completed` : undefined)) {
          // Decided inline (trigger, condition, variables, A/B split): an instant, drawn as a thin mark.
          row(e).bars.push({ kind: 'inline', start: at, end: at, outcome: 'completed', label: e.port && e.port !== 'out' ? `Took '${e.port}'` : 'Completed' });
        }
        break;
      }
      case 'stepFailed': {
        const message = `Attempt ${e.attempt ?? 1} failed${e.error ? `: ${e.error}` : ''}`;
        if (!close(e.stepKey!, at, 'failed', message)) row(e).bars.push({ kind: 'inline', start: at, end: at, outcome: 'failed', label: message });
        break;
      }
      case 'timerCreated': {
        if (!e.stepKey) break;
        if (isRetry(e.purpose)) {
          const b: TimelineBar = { kind: 'backoff', start: at, end: Math.max(at, Date.parse(e.fireAt ?? e.timestamp) - origin), outcome: 'open', label: 'Retry backoff' };
          row(e).bars.push(b);
          if (e.timerId) timers.set(e.timerId, b);
        } else if (isDelay(e.purpose)) {
          const b = start(e, at, { kind: 'timer', label: `Delay until ${new Date(Date.parse(e.fireAt ?? e.timestamp)).toLocaleString('en-GB')}` });
          if (e.timerId) timers.set(e.timerId, b);
        }
        break;
      }
      case 'timerFired': {
        const b = e.timerId ? timers.get(e.timerId) : undefined;
        if (b?.kind === 'backoff') {
          b.end = Math.max(b.start, at);
          b.outcome = 'completed';
        }
        break;
      }
      case 'waitStarted':
        start(e, at, { kind: 'wait', label: `Waiting for '${e.eventName ?? 'approval'}'` });
        break;
      case 'loopStarted':
        start(e, at, { kind: 'loop', label: 'Loop' });
        break;
      case 'childRequested':
        start(e, at, { kind: 'child', label: 'Sub-workflow' });
        break;
      case 'executionFailed':
        markers.push({ at, kind: 'failed', label: 'Execution failed' });
        break;
      case 'executionResumed':
        markers.push({ at, kind: 'resumed', label: 'Resumed' });
        break;
      case 'cancelRequested':
        markers.push({ at, kind: 'cancel', label: 'Cancel requested' });
        break;
      case 'childCompleted':
      case 'childFailed':
        // The child settles; the step itself completes (or retries) with the next events.
        break;
    }
  }
  // A backoff not fired yet ends at its due time (possibly in the future): keep it, the span grows to show it.
  let span = Math.max(1, openEnd);
  for (const r of rows.values()) for (const b of r.bars) span = Math.max(span, b.end);
  return { origin, span, rows: [...rows.values()], markers };
}

/** "+1.2 s" axis labels: a few round ticks over the span. */
export function ticks(span: number, count = 5): number[] {
  if (span <= 0) return [0];
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) out.push(t);
  return out;
}

/** A step waiting for an external event now (an approval): what the page offers to answer. */
export interface OpenWait {
  stepKey: string;
  nodeId: string;
  eventName: string;
  until: string | undefined;
}

/** The waits the history opened and nothing has settled yet (no completion or failure of that step after them). */
export function openWaits(events: readonly HistoryEventJson[]): OpenWait[] {
  const waits = new Map<string, OpenWait>();
  for (const e of events) {
    if (e.type === 'waitStarted' && e.stepKey) {
      waits.set(e.stepKey, { stepKey: e.stepKey, nodeId: e.nodeId ?? e.stepKey, eventName: e.eventName ?? 'approval', until: e.until });
    } else if ((e.type === 'stepCompleted' || e.type === 'stepFailed') && e.stepKey) {
      waits.delete(e.stepKey);
    } else if (e.type === 'executionCompleted' || e.type === 'executionFailed' || e.type === 'executionCancelled') {
      waits.clear();
    }
  }
  return [...waits.values()];
}
