const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/**
 * "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago", then the date ("12 Mar", with the year
 * when it is not this one). A time ahead of `now` (another machine's clock) reads "just now".
 */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return '';
  const ago = now.getTime() - then.getTime();
  if (ago < 45_000) return 'just now';
  if (ago < hour) return plural(Math.max(1, Math.round(ago / minute)), 'minute');
  if (ago < day) return plural(Math.floor(ago / hour), 'hour');
  const days = calendarDays(then, now);
  if (days <= 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return then.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(then.getFullYear() !== now.getFullYear() ? { year: 'numeric' } : {}) });
}

/** The full local date and time, for a tooltip under a relative time. */
export function fullTime(iso: string): string {
  const then = new Date(iso);
  return Number.isNaN(then.getTime()) ? '' : then.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/** Midnights crossed between the two local dates: 30 hours before 10:00 is "2 days ago" (two midnights), before 20:00 "yesterday". */
function calendarDays(from: Date, to: Date): number {
  const a = new Date(from.getFullYear(), from.getMonth(), from.getDate());
  const b = new Date(to.getFullYear(), to.getMonth(), to.getDate());
  return Math.round((b.getTime() - a.getTime()) / day);
}
