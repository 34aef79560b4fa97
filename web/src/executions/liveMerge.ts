import type { Schemas } from '../api/client';
import type { LiveEvent } from '../api/useLive';

export type ExecutionRow = Schemas['ExecutionRow'];

/** What a lifecycle event says about a run's row. */
export interface RowPatch {
  status: string;
  completedAt?: string | null;
  totalDuration?: number | null;
  errorMessage?: string | null;
  /** The event's history sequence: a later event of the same run wins. */
  sequence: number;
  /** When it arrived (ms): it only overrides a row the server sent before that. */
  receivedAt: number;
}

const terminal = new Set(['completed', 'failed', 'cancelled']);
export const isTerminal = (status: string) => terminal.has(status);

/** The patch a hub event makes to its run's row; null for events that do not change the row (steps, resync). */
export function patchFromEvent(e: LiveEvent, receivedAt: number): RowPatch | null {
  const sequence = typeof e.sequence === 'number' ? e.sequence : 0;
  switch (e.name) {
    case 'execution:started':
      return { status: 'running', sequence, receivedAt };
    case 'execution:waiting':
      return { status: 'waiting', sequence, receivedAt };
    case 'execution:completed':
      return {
        status: typeof e.status === 'string' ? e.status : 'completed',
        completedAt: e.completedAt ?? null,
        totalDuration: e.totalDuration ?? null,
        sequence,
        receivedAt,
      };
    case 'execution:failed':
      return { status: 'failed', completedAt: e.completedAt ?? null, totalDuration: e.totalDuration ?? null, errorMessage: e.error ?? null, sequence, receivedAt };
    default:
      return null;
  }
}

/** Keeps the newer of two patches of one run: a finished run stays finished, else the higher sequence wins. */
export function newerPatch(current: RowPatch | undefined, next: RowPatch): RowPatch {
  if (!current) return next;
  if (isTerminal(current.status) && !isTerminal(next.status)) return current;
  if (isTerminal(next.status) && !isTerminal(current.status)) return next;
  return next.sequence >= current.sequence ? next : current;
}

/**
 * A row with its live patch applied. The server's word stands when it already has the run finished, or when it
 * answered after the event arrived (it is then at least as new); otherwise the event is newer.
 */
export function applyPatch(row: ExecutionRow, patch: RowPatch | undefined, rowFetchedAt: number): ExecutionRow {
  if (!patch || isTerminal(row.status)) return row;
  if (!isTerminal(patch.status) && patch.receivedAt < rowFetchedAt) return row;
  return {
    ...row,
    status: patch.status,
    completedAt: patch.completedAt !== undefined ? patch.completedAt : row.completedAt,
    totalDuration: patch.totalDuration !== undefined ? patch.totalDuration : row.totalDuration,
    errorMessage: patch.errorMessage !== undefined ? patch.errorMessage : row.errorMessage,
    stuck: isTerminal(patch.status) ? false : row.stuck,
  };
}

/** Whether `a` sorts before `b` in the newest-first list (start time, then id, as the server orders). */
export function isNewer(a: Pick<ExecutionRow, 'startedAt' | 'executionId'>, b: Pick<ExecutionRow, 'startedAt' | 'executionId'>): boolean {
  const ta = Date.parse(a.startedAt);
  const tb = Date.parse(b.startedAt);
  if (ta !== tb) return ta > tb;
  // The server compares ticks; equal milliseconds fall back to the id, which is what it does on equal ticks.
  return a.startedAt !== b.startedAt ? a.startedAt > b.startedAt : a.executionId > b.executionId;
}

/**
 * Merges a fresh first page into the rows that arrived live: the runs newer than everything shown go on top,
 * newest first; rows already shown are left where they are.
 */
export function mergeHead(head: ExecutionRow[], fresh: ExecutionRow[], shown: ExecutionRow[]): ExecutionRow[] {
  const top = head[0] ?? shown[0];
  const known = new Set([...head, ...shown].map((r) => r.executionId));
  const added = fresh.filter((r) => !known.has(r.executionId) && (!top || isNewer(r, top)));
  if (added.length === 0) return head;
  return [...added, ...head];
}

/** The list as shown: live rows on top, then the pages, each run once, with live patches applied. */
export function visibleRows(
  head: ExecutionRow[],
  headFetchedAt: number,
  pages: { rows: ExecutionRow[]; fetchedAt: number }[],
  patches: ReadonlyMap<string, RowPatch>,
): ExecutionRow[] {
  const seen = new Set<string>();
  const out: ExecutionRow[] = [];
  const push = (r: ExecutionRow, fetchedAt: number) => {
    if (seen.has(r.executionId)) return;
    seen.add(r.executionId);
    out.push(applyPatch(r, patches.get(r.executionId), fetchedAt));
  };
  for (const r of head) push(r, headFetchedAt);
  for (const page of pages) for (const r of page.rows) push(r, page.fetchedAt);
  return out;
}
