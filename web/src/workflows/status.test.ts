import { describe, expect, it } from 'vitest';
import { lastRunBadge, lifecycleBadges } from './status';
import { relativeTime } from './relativeTime';

describe('lifecycle badges', () => {
  it('says Draft for a workflow never published, whatever its version', () => {
    expect(lifecycleBadges({ status: 'draft', publishedVersion: null, hasUnpublishedChanges: true })).toMatchObject([{ label: 'Draft', tone: 'neutral' }]);
  });

  it('names the published version', () => {
    expect(lifecycleBadges({ status: 'published', publishedVersion: 3, hasUnpublishedChanges: false })).toMatchObject([{ label: 'Published v3', tone: 'success' }]);
  });

  it('adds Unpublished changes when the draft has moved on from the published version', () => {
    expect(lifecycleBadges({ status: 'published', publishedVersion: 2, hasUnpublishedChanges: true }).map((b) => [b.label, b.tone])).toEqual([
      ['Published v2', 'success'],
      ['Unpublished changes', 'warning'],
    ]);
  });
});

describe('last run badge', () => {
  it.each([
    ['completed', 'Succeeded', 'success'],
    ['failed', 'Failed', 'danger'],
    ['running', 'Running', 'info'],
    ['pending', 'Queued', 'info'],
    ['waiting', 'Waiting', 'warning'],
    ['cancelled', 'Cancelled', 'neutral'],
    ['paused', 'Paused', 'neutral'],
  ])('%s reads %s', (status, label, tone) => {
    expect(lastRunBadge({ status })).toMatchObject({ label, tone });
  });
});

describe('relative time', () => {
  const now = new Date(2026, 10, 29, 15, 0, 0);
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

  it.each([
    [10_000, 'just now'],
    [-120_000, 'just now'], // another machine's clock ahead of ours
    [60_000, '1 minute ago'],
    [5 * 60_000, '5 minutes ago'],
    [59 * 60_000, '59 minutes ago'],
    [60 * 60_000, '1 hour ago'],
    [14 * 3_600_000, '14 hours ago'],
    [24 * 3_600_000, 'yesterday'],
    [3 * 24 * 3_600_000, '3 days ago'],
  ])('%i ms before reads %s', (ms, text) => {
    expect(relativeTime(ago(ms), now)).toBe(text);
  });

  it('counts midnights, not 24-hour spans, once past a day', () => {
    expect(relativeTime(new Date(2026, 10, 27, 23, 0).toISOString(), new Date(2026, 10, 29, 1, 0))).toBe('2 days ago');
  });

  it('gives the date after a week, with the year only when it is not this one', () => {
    expect(relativeTime(new Date(2026, 2, 12, 9, 0).toISOString(), now)).toBe('12 Mar');
    expect(relativeTime(new Date(2025, 2, 12, 9, 0).toISOString(), now)).toBe('12 Mar 2025');
  });

  it('is empty for a time it cannot read', () => {
    expect(relativeTime('not a date', now)).toBe('');
  });
});
