/** The executions list's filters, as they live in the URL (so Back, reload and a shared link show the same list). */
export interface ExecutionFilters {
  /** Statuses shown; empty means all. */
  statuses: string[];
  /** One workflow's executions, or all. */
  workflowId: string | null;
  /** A preset range back from now, or a custom one of whole local days. */
  range: RangePreset | 'custom' | null;
  /** Custom range: first and last day included (`YYYY-MM-DD`, local). */
  fromDay: string | null;
  toDay: string | null;
  /** Text in the trigger data. */
  q: string;
}

export type RangePreset = '1h' | '24h' | '7d' | '30d';

export const rangePresets: { value: RangePreset; label: string; ms: number }[] = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
];

/** The statuses a run can have, in the order the filter offers them, with the words the app uses for them. */
export const statusOptions: { value: string; label: string }[] = [
  { value: 'running', label: 'Running' },
  { value: 'waiting', label: 'Waiting' },
  { value: 'pending', label: 'Queued' },
  { value: 'completed', label: 'Succeeded' },
  { value: 'failed', label: 'Failed' },
  { value: 'cancelled', label: 'Cancelled' },
];

const knownStatuses = new Set(statusOptions.map((s) => s.value));
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

export const noFilters: ExecutionFilters = { statuses: [], workflowId: null, range: null, fromDay: null, toDay: null, q: '' };

/**
 * Reads the filters from the URL's query (and the workflow of a `/workflows/:id/executions` route). Unknown values
 * are dropped rather than sent to the server: a hand-edited link still opens a list.
 */
export function parseFilters(params: URLSearchParams, routeWorkflowId?: string | null): ExecutionFilters {
  const statuses = params
    .getAll('status')
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s, i, all) => knownStatuses.has(s) && all.indexOf(s) === i);
  const range = params.get('range');
  const fromDay = params.get('from');
  const toDay = params.get('to');
  const custom = (fromDay && dayPattern.test(fromDay)) || (toDay && dayPattern.test(toDay));
  return {
    statuses: statusOptions.map((o) => o.value).filter((s) => statuses.includes(s)),
    workflowId: routeWorkflowId ?? (params.get('workflow') || null),
    range: rangePresets.some((p) => p.value === range) ? (range as RangePreset) : custom ? 'custom' : null,
    fromDay: custom && fromDay && dayPattern.test(fromDay) ? fromDay : null,
    toDay: custom && toDay && dayPattern.test(toDay) ? toDay : null,
    q: (params.get('q') ?? '').trim(),
  };
}

/** The URL query for the filters (the route carries the workflow when `routeWorkflow` is set). Empty filters leave no trace. */
export function filtersToParams(f: ExecutionFilters, routeWorkflow = false): URLSearchParams {
  const p = new URLSearchParams();
  if (f.statuses.length) p.set('status', f.statuses.join(','));
  if (f.workflowId && !routeWorkflow) p.set('workflow', f.workflowId);
  if (f.range === 'custom') {
    if (f.fromDay) p.set('from', f.fromDay);
    if (f.toDay) p.set('to', f.toDay);
  } else if (f.range) p.set('range', f.range);
  if (f.q) p.set('q', f.q);
  return p;
}

/** Local midnight of a `YYYY-MM-DD` day, plus `addDays`. */
function localMidnight(day: string, addDays = 0): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + addDays);
}

/** The API's query for the filters at `now`: a preset becomes `from`; a custom range's last day is included (`to` is the next midnight). */
export function toApiQuery(f: ExecutionFilters, now: Date = new Date()): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  if (f.statuses.length) q.status = f.statuses.join(',');
  if (f.workflowId) q.workflowId = f.workflowId;
  const preset = rangePresets.find((p) => p.value === f.range);
  if (preset) q.from = new Date(now.getTime() - preset.ms).toISOString();
  if (f.range === 'custom') {
    if (f.fromDay) q.from = localMidnight(f.fromDay).toISOString();
    if (f.toDay) q.to = localMidnight(f.toDay, 1).toISOString();
  }
  if (f.q) q.q = f.q;
  return q;
}

/** Whether any filter narrows the list (the empty state then offers to clear them). */
export function isFiltered(f: ExecutionFilters, routeWorkflow = false): boolean {
  return f.statuses.length > 0 || (!!f.workflowId && !routeWorkflow) || f.range !== null || f.q !== '';
}

/**
 * Whether a run that just started belongs at the top of this list: its status and workflow pass, and the range
 * reaches now. A text search cannot be judged here (the trigger data is not in the event): the server decides.
 */
export function admitsNewRun(f: ExecutionFilters, run: { workflowId: string; status: string }, now: Date = new Date()): boolean {
  if (f.statuses.length && !f.statuses.includes(run.status)) return false;
  if (f.workflowId && f.workflowId !== run.workflowId) return false;
  if (f.range === 'custom' && f.toDay && localMidnight(f.toDay, 1) <= now) return false;
  return true;
}
