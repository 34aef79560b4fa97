import { describe, expect, it } from 'vitest';
import {
  countedNote,
  dayLabel,
  describeRuns,
  formatDuration,
  formatRate,
  groupSplits,
  percentileSeries,
  rangeFor,
  runSeries,
  successSeries,
  type AnalyticsDay,
  type AnalyticsReport,
} from './shape';

const day = (d: string, completed: number, failed: number, cancelled = 0, extra: Partial<AnalyticsDay> = {}): AnalyticsDay => {
  const runs = completed + failed + cancelled;
  return {
    day: d,
    completed,
    failed,
    cancelled,
    successRate: runs ? completed / runs : null,
    durationP50Ms: runs ? 120 : null,
    durationP95Ms: runs ? 900 : null,
    queueP50Ms: runs ? 4 : null,
    queueP95Ms: runs ? 30 : null,
    ...extra,
  };
};

describe('ranges and labels', () => {
  it('covers the last n UTC days, today included, across a month end', () => {
    expect(rangeFor(7, new Date('2030-03-03T23:30:00Z'))).toEqual({ from: '2030-02-25', to: '2030-03-03' });
    expect(rangeFor(1, new Date('2030-03-03T00:00:00Z'))).toEqual({ from: '2030-03-03', to: '2030-03-03' });
  });

  it('labels a day as counted (UTC), whatever the local zone', () => {
    expect(dayLabel('2030-03-01')).toBe('Mar 1');
    expect(dayLabel('2030-12-31')).toBe('Dec 31');
  });
});

describe('formatting', () => {
  it('writes durations at a useful precision', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(0.4)).toBe('<1 ms');
    expect(formatDuration(849.6)).toBe('850 ms');
    expect(formatDuration(1200)).toBe('1.2 s');
    expect(formatDuration(2000)).toBe('2 s');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(184_000)).toBe('3 min 4 s');
    expect(formatDuration(180_000)).toBe('3 min');
    expect(formatDuration(7_500_000)).toBe('2 h 5 min');
    expect(formatDuration(5 * 86_400_000)).toBe('5 d');
  });

  it('writes rates as percentages', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(0)).toBe('0%');
    expect(formatRate(0.9234)).toBe('92.3%');
    expect(formatRate(0.5)).toBe('50%');
  });
});

describe('chart series', () => {
  const days = [day('2030-03-01', 3, 1), day('2030-03-02', 0, 0), day('2030-03-03', 5, 0, 1)];

  it('stacks runs by status, one value per day, zeros kept', () => {
    expect(runSeries(days)).toEqual({
      labels: ['Mar 1', 'Mar 2', 'Mar 3'],
      completed: [3, 0, 5],
      failed: [1, 0, 0],
      cancelled: [0, 0, 1],
    });
  });

  it('leaves days without runs out of the success line instead of drawing 0%', () => {
    expect(successSeries(days)).toEqual([75, null, 83.3]);
  });

  it('picks the percentile series of the metric asked for', () => {
    expect(percentileSeries(days, 'duration')).toEqual({ p50: [120, null, 120], p95: [900, null, 900] });
    expect(percentileSeries(days, 'queue')).toEqual({ p50: [4, null, 4], p95: [30, null, 30] });
  });

  it('describes the runs chart in a sentence', () => {
    const report = {
      from: '2030-03-01',
      to: '2030-03-03',
      totals: { runs: 10, completed: 8, failed: 1, cancelled: 1 },
      days,
    } as unknown as AnalyticsReport;
    expect(describeRuns(report)).toBe('10 runs from Mar 1 to Mar 3: 8 completed, 1 failed, 1 cancelled. Busiest day Mar 3 with 6.');
  });
});

describe('A/B splits', () => {
  it('groups variants per split step with their share, and names a clear leader', () => {
    const splits = groupSplits([
      { workflowId: 'wf_1', nodeId: 'ab', variant: 'b', runs: 30, completed: 27, successRate: 0.9 },
      { workflowId: 'wf_1', nodeId: 'ab', variant: 'a', runs: 10, completed: 7, successRate: 0.7 },
      { workflowId: 'wf_2', nodeId: 'split', variant: 'x', runs: 4, completed: 2, successRate: 0.5 },
      { workflowId: 'wf_2', nodeId: 'split', variant: 'y', runs: 4, completed: 2, successRate: 0.5 },
    ]);
    expect(splits.map((s) => [s.workflowId, s.nodeId, s.runs, s.leader])).toEqual([
      ['wf_1', 'ab', 40, 'b'],
      ['wf_2', 'split', 8, null],
    ]);
    expect(splits[0].variants.map((v) => [v.variant, v.share])).toEqual([
      ['a', 0.25],
      ['b', 0.75],
    ]);
  });
});

describe('the counted note', () => {
  it('says when nothing is counted yet', () => {
    expect(countedNote(null, new Date())).toMatch(/Nothing counted yet/);
  });

  it('names the time the counting has got to', () => {
    expect(countedNote('2030-03-03T10:00:00Z', new Date('2030-03-03T10:00:05Z'))).toMatch(/^Runs that finished up to .*\d\d:\d\d:\d\d are counted/);
  });
});
