import type { Schemas } from '../api/client';

export type WorkflowSummary = Schemas['WorkflowSummary'];
export type LastExecution = NonNullable<WorkflowSummary['lastExecution']>;

export type Tone = 'neutral' | 'success' | 'warning' | 'danger' | 'info' | 'accent';

export interface Badge {
  label: string;
  tone: Tone;
  /** A longer explanation, for a tooltip and screen readers. */
  hint?: string;
}

/**
 * What the list says about a workflow's lifecycle: Draft, or the published version, plus "Unpublished changes" when
 * the draft has moved on from it (triggers still run the published version). A draft always differs from its
 * (absent) published version, so that flag only means something once published.
 */
export function lifecycleBadges(w: Pick<WorkflowSummary, 'status' | 'publishedVersion' | 'hasUnpublishedChanges'>): Badge[] {
  if (w.status !== 'published' || w.publishedVersion == null) {
    return [{ label: 'Draft', tone: 'neutral', hint: 'Not published: triggers do not start it.' }];
  }
  const published: Badge = { label: `Published v${w.publishedVersion}`, tone: 'success', hint: `Version ${w.publishedVersion} runs when its triggers fire.` };
  return w.hasUnpublishedChanges
    ? [published, { label: 'Unpublished changes', tone: 'warning', hint: `The draft has edits that are not in version ${w.publishedVersion} yet.` }]
    : [published];
}

const runStatus: Record<string, Badge> = {
  pending: { label: 'Queued', tone: 'info' },
  running: { label: 'Running', tone: 'info' },
  waiting: { label: 'Waiting', tone: 'warning', hint: 'Waiting for an approval, an event or a timer.' },
  completed: { label: 'Succeeded', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
  cancelled: { label: 'Cancelled', tone: 'neutral' },
};

/** The last run's status as a badge; an unknown status (a newer server) is shown as it is. */
export function lastRunBadge(last: Pick<LastExecution, 'status'>): Badge {
  return runStatus[last.status] ?? { label: last.status.charAt(0).toUpperCase() + last.status.slice(1), tone: 'neutral' };
}

export function badgeClass(tone: Tone): string {
  return tone === 'neutral' ? 'badge' : `badge badge-${tone}`;
}
