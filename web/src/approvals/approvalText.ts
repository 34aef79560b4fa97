/** The event payload an approval step reads (`InlineNodes.ApprovalOutcome`): the decision, who and why. */
export function decisionPayload(approved: boolean, comment: string, by: string | null): { approved: boolean; comment?: string; approvedBy?: string } {
  const text = comment.trim();
  return { approved, ...(text ? { comment: text } : {}), ...(by ? { approvedBy: by } : {}) };
}

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** How long until an approval times out: "in 45 minutes", "in 5 hours", "in 3 days"; "any moment" once past. */
export function timeLeft(untilIso: string, now: Date = new Date()): string {
  const left = new Date(untilIso).getTime() - now.getTime();
  if (Number.isNaN(left)) return '';
  if (left <= 30_000) return 'any moment';
  if (left < hour) return `in ${plural(Math.max(1, Math.round(left / minute)), 'minute')}`;
  if (left < 2 * day) return `in ${plural(Math.round(left / hour), 'hour')}`;
  return `in ${plural(Math.round(left / day), 'day')}`;
}

/** Under a day to go: worth a warning colour. */
export function isUrgent(untilIso: string, now: Date = new Date()): boolean {
  return new Date(untilIso).getTime() - now.getTime() < day;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
