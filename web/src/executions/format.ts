import type { ExecutionRow } from './liveMerge';

/** "420 ms", "3.2 s", "4 m 05 s", "2 h 14 m", "3 d 4 h": short, and precise where it matters. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} m`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** How long a run took, or has been going for (against `now`) while unfinished. */
export function runDuration(row: Pick<ExecutionRow, 'startedAt' | 'totalDuration' | 'completedAt'>, now: number): { ms: number; ongoing: boolean } {
  if (row.totalDuration != null) return { ms: row.totalDuration, ongoing: false };
  if (row.completedAt) return { ms: Date.parse(row.completedAt) - Date.parse(row.startedAt), ongoing: false };
  return { ms: Math.max(0, now - Date.parse(row.startedAt)), ongoing: true };
}

const triggerNames: Record<string, string> = {
  trigger_webhook: 'Webhook',
  trigger_whatsapp: 'WhatsApp',
  trigger_email: 'Email',
  trigger_voice: 'Voice call',
  trigger_schedule: 'Schedule',
  trigger_manual: 'Manual',
};

/** What started the run: the hook's trigger type, else a retry, a sub-workflow step, or the API/app (manual). */
export function triggerLabel(row: Pick<ExecutionRow, 'trigger' | 'retryOf' | 'parentExecutionId'>): string {
  if (row.trigger) return triggerNames[row.trigger] ?? row.trigger.replace(/^trigger_/, '').replace(/^\w/, (c) => c.toUpperCase());
  if (row.retryOf) return 'Retry';
  if (row.parentExecutionId) return 'Sub-workflow';
  return 'Manual';
}

/** The id's last characters, for a table cell: ids begin with their time, so the end is what tells runs apart. */
export function shortId(id: string): string {
  const bare = id.replace(/^ex_/, '');
  return bare.length > 8 ? bare.slice(-8) : bare;
}

// One formatter for every row: creating an Intl.DateTimeFormat per call costs more than the rest of a row.
const fullTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

/** The full local date and time, for the tooltip under a relative time. */
export function fullTime(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? '' : fullTimeFormat.format(t);
}
