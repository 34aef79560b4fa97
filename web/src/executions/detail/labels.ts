import type { StepRunStatus } from './liveState';
import type { BarKind } from './timeline';

const stepLabels: Record<StepRunStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  waiting: 'Waiting',
  retrying: 'Retrying',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

export const statusLabel = (status: StepRunStatus) => stepLabels[status];

export type Tone = 'success' | 'danger' | 'warning' | 'info' | 'neutral';

export const stepTone: Record<StepRunStatus, Tone> = {
  running: 'info',
  completed: 'success',
  failed: 'danger',
  waiting: 'warning',
  retrying: 'warning',
  skipped: 'neutral',
  cancelled: 'neutral',
};

export const barKindLabel: Record<BarKind, string> = {
  attempt: 'Attempt',
  inline: 'Decided',
  backoff: 'Retry backoff',
  timer: 'Timer',
  wait: 'Wait',
  loop: 'Loop',
  child: 'Sub-workflow',
};

/** 840 ms, 1.2 s, 3 min 5 s, 2 h 4 min. */
export function formatMs(ms: number | null | undefined): string {
  if (ms == null || Number.isNaN(ms)) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}
