/**
 * The server's duration rules (FlowForge.Core Durations), so the form can flag a bad value as it is typed:
 * a number with units largest first (500ms, 30s, 5m, 2h, 2d, 1w, 1h30m, 1.5h), an ISO 8601 duration (PT5M, P1DT2H;
 * years and months count as 365 and 30 days), or plain seconds (30, 0.5). At most 366 days.
 */
export const maxDurationSeconds = 366 * 86400;

const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const unitRank: Record<string, number> = { ms: 0, s: 1, m: 2, h: 3, d: 4, w: 5 };
const examples = 'use e.g. 500ms, 30s, 5m, 2h, 1h30m, PT5M or a number of seconds';

export type DurationResult = { ok: true; seconds: number } | { ok: false; error: string };

export function parseDuration(input: string | number): DurationResult {
  if (typeof input === 'number') return check(input, String(input));
  const s = input.trim();
  if (!s) return { ok: false, error: `Enter a duration: ${examples}.` };
  if (s.startsWith('-')) return { ok: false, error: 'A duration cannot be negative.' };
  if (/^[Pp]/.test(s)) {
    const m = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s.toUpperCase());
    if (!m || s.length < 3 || /T$/i.test(s)) return { ok: false, error: `'${s}' is not a valid ISO 8601 duration: ${examples}.` };
    const [y, mo, d, h, mi, se] = m.slice(1).map((v) => (v ? Number(v) : 0));
    return check(y * 365 * 86400 + mo * 30 * 86400 + d * 86400 + h * 3600 + mi * 60 + se, s);
  }
  if (/^\d+(\.\d+)?$/.test(s) || /^\.\d+$/.test(s)) return check(Number(s), s);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(s)) return { ok: false, error: `'${s}' is not a valid duration: ${examples}.` };
  let seconds = 0;
  let previous = Number.POSITIVE_INFINITY;
  for (const part of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    const rank = unitRank[part[2]];
    if (rank >= previous) return { ok: false, error: `'${s}' repeats a unit or lists units out of order (largest first, as in 1h30m).` };
    previous = rank;
    seconds += Number(part[1]) * unitSeconds[part[2]];
  }
  return check(seconds, s);
}

function check(seconds: number, text: string): DurationResult {
  if (!Number.isFinite(seconds) || seconds < 0) return { ok: false, error: 'A duration cannot be negative.' };
  if (seconds > maxDurationSeconds) return { ok: false, error: `'${text}' is too long: at most 366 days.` };
  return { ok: true, seconds };
}

/** A readable form for the hint under the field: 90 → "1 min 30 s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}`);
    rest -= n * size;
  }
  return parts.slice(0, 2).join(' ') || '0 s';
}

/** What a typed duration is stored as: plain seconds as a number, anything else as the string typed. */
export function durationValue(text: string): string | number {
  const s = text.trim();
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}
