import type { Schemas } from '../api/client';

export type AnalyticsReport = Schemas['AnalyticsReport'];
export type AnalyticsDay = Schemas['AnalyticsDay'];
export type FailingStep = Schemas['FailingStep'];
export type VariantOutcome = Schemas['VariantOutcome'];

/** The ranges the page offers, in days (today included). */
export const rangePresets = [7, 30, 90] as const;
export type RangePreset = (typeof rangePresets)[number];

export function isRangePreset(value: unknown): value is RangePreset {
  return rangePresets.includes(Number(value) as RangePreset);
}

/** A UTC day as the API writes it (yyyy-MM-dd). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The last `days` UTC days up to `today`, as the API's from/to. */
export function rangeFor(days: number, today: Date): { from: string; to: string } {
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const start = new Date(end);
  start.setUTCDate(start.getUTCDate() - (days - 1));
  return { from: utcDay(start), to: utcDay(end) };
}

const monthDay = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "Mar 1" for 2030-03-01 (the day is UTC, as counted). */
export function dayLabel(day: string): string {
  return monthDay.format(new Date(`${day}T00:00:00Z`));
}

/** A duration in ms for people: "850 ms", "1.2 s", "3 min 4 s", "2 h 5 min"; an em dash without a value. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${trim(seconds.toFixed(2))} s`;
  if (seconds < 60) return `${trim(seconds.toFixed(1))} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    const rest = Math.round(seconds - minutes * 60);
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes - hours * 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  return `${Math.round(hours / 24)} d`;
}

function trim(fixed: string): string {
  return fixed.replace(/\.?0+$/, '');
}

/** 0.9234 → "92.3%"; 1 → "100%"; null → "—". */
export function formatRate(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return '—';
  const percent = rate * 100;
  return `${percent === 100 || percent === 0 ? percent.toFixed(0) : trim(percent.toFixed(1))}%`;
}

const grouped = new Intl.NumberFormat('en');
export function formatCount(n: number): string {
  return grouped.format(n);
}

/** The series the runs chart stacks, one value per day of the range. */
export function runSeries(days: AnalyticsDay[]) {
  return {
    labels: days.map((d) => dayLabel(d.day)),
    completed: days.map((d) => d.completed),
    failed: days.map((d) => d.failed),
    cancelled: days.map((d) => d.cancelled),
  };
}

/** Success rate per day in percent (null on days without runs, so the line skips them rather than dropping to 0). */
export function successSeries(days: AnalyticsDay[]): (number | null)[] {
  return days.map((d) => (d.successRate == null ? null : Math.round(d.successRate * 1000) / 10));
}

/** The p50/p95 trend of one metric. */
export function percentileSeries(days: AnalyticsDay[], metric: 'duration' | 'queue') {
  return metric === 'duration'
    ? { p50: days.map((d) => d.durationP50Ms ?? null), p95: days.map((d) => d.durationP95Ms ?? null) }
    : { p50: days.map((d) => d.queueP50Ms ?? null), p95: days.map((d) => d.queueP95Ms ?? null) };
}

/** Whether a series has anything to draw. */
export function hasValues(series: (number | null)[]): boolean {
  return series.some((v) => v != null);
}

/** A sentence for screen readers describing the runs chart. */
export function describeRuns(report: AnalyticsReport): string {
  const { totals, days } = report;
  const busiest = days.reduce<AnalyticsDay | null>(
    (best, d) => (best == null || total(d) > total(best) ? d : best),
    null,
  );
  const parts = [
    `${formatCount(totals.runs)} runs from ${dayLabel(report.from)} to ${dayLabel(report.to)}:`,
    `${formatCount(totals.completed)} completed, ${formatCount(totals.failed)} failed, ${formatCount(totals.cancelled)} cancelled.`,
  ];
  if (busiest && total(busiest) > 0) parts.push(`Busiest day ${dayLabel(busiest.day)} with ${formatCount(total(busiest))}.`);
  return parts.join(' ');
}

function total(d: AnalyticsDay): number {
  return d.completed + d.failed + d.cancelled;
}

/** One A/B split step and its variants, the variants' shares of the split's runs computed. */
export interface SplitOutcome {
  workflowId: string;
  nodeId: string;
  runs: number;
  variants: (VariantOutcome & { share: number })[];
  /** The variant with the best success rate, when the split has at least two variants with runs and they differ. */
  leader: string | null;
}

export function groupSplits(variants: VariantOutcome[]): SplitOutcome[] {
  const splits = new Map<string, SplitOutcome>();
  for (const v of variants) {
    const key = `${v.workflowId}\u0000${v.nodeId}`;
    let split = splits.get(key);
    if (!split) {
      split = { workflowId: v.workflowId, nodeId: v.nodeId, runs: 0, variants: [], leader: null };
      splits.set(key, split);
    }
    split.runs += v.runs;
    split.variants.push({ ...v, share: 0 });
  }
  for (const split of splits.values()) {
    split.variants.sort((a, b) => a.variant.localeCompare(b.variant));
    for (const v of split.variants) v.share = split.runs ? v.runs / split.runs : 0;
    const rated = split.variants.filter((v) => v.successRate != null);
    if (rated.length >= 2) {
      const best = Math.max(...rated.map((v) => v.successRate!));
      const leaders = rated.filter((v) => v.successRate === best);
      split.leader = leaders.length === 1 ? leaders[0].variant : null;
    }
  }
  return [...splits.values()].sort((a, b) => b.runs - a.runs || a.workflowId.localeCompare(b.workflowId) || a.nodeId.localeCompare(b.nodeId));
}

/** "Counted up to 14:02:11": how far the roll-up has got, or a note that nothing is counted yet. */
export function countedNote(countedUntil: string | null | undefined, now: Date): string {
  if (!countedUntil) return 'Nothing counted yet. Runs show up here a few seconds after they finish.';
  const at = new Date(countedUntil);
  const sameDay = utcDay(at) === utcDay(now);
  const time = at.toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const when = sameDay ? time : `${at.toLocaleDateString('en', { month: 'short', day: 'numeric' })} ${time}`;
  return `Runs that finished up to ${when} are counted; newer ones show up a few seconds after they finish.`;
}
