import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../api/useLive';
import { applyPatch, isNewer, mergeHead, newerPatch, patchFromEvent, visibleRows, type ExecutionRow, type RowPatch } from './liveMerge';

function row(id: string, startedAt: string, overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    executionId: id,
    workflowId: 'wf_a',
    workflowName: 'Orders',
    version: 1,
    status: 'running',
    trigger: null,
    startedAt,
    completedAt: null,
    totalDuration: null,
    errorMessage: null,
    stuck: false,
    retryOf: null,
    parentExecutionId: null,
    ...overrides,
  };
}

const event = (name: LiveEvent['name'], fields: Partial<LiveEvent> = {}): LiveEvent => ({ name, executionId: 'ex_1', workflowId: 'wf_a', sequence: 1, ...fields });

describe('patches from hub events', () => {
  it('maps the lifecycle events to statuses', () => {
    expect(patchFromEvent(event('execution:started'), 5)).toEqual({ status: 'running', sequence: 1, receivedAt: 5 });
    expect(patchFromEvent(event('execution:waiting', { sequence: 3 }), 5)?.status).toBe('waiting');
    expect(patchFromEvent(event('execution:completed', { status: 'cancelled', completedAt: 'T', totalDuration: 12 }), 5)).toMatchObject({
      status: 'cancelled',
      completedAt: 'T',
      totalDuration: 12,
    });
    expect(patchFromEvent(event('execution:failed', { error: 'boom', totalDuration: 3 }), 5)).toMatchObject({ status: 'failed', errorMessage: 'boom', totalDuration: 3 });
  });

  it('ignores step and resync events', () => {
    expect(patchFromEvent(event('execution:step'), 1)).toBeNull();
    expect(patchFromEvent(event('execution:resync'), 1)).toBeNull();
  });

  it('keeps the later event of a run, and a finished run finished', () => {
    const waiting: RowPatch = { status: 'waiting', sequence: 4, receivedAt: 1 };
    const started: RowPatch = { status: 'running', sequence: 2, receivedAt: 2 };
    const done: RowPatch = { status: 'completed', sequence: 9, receivedAt: 3 };
    expect(newerPatch(waiting, started)).toBe(waiting);
    expect(newerPatch(started, waiting)).toBe(waiting);
    expect(newerPatch(done, { status: 'waiting', sequence: 10, receivedAt: 4 })).toBe(done);
    expect(newerPatch(undefined, done)).toBe(done);
  });
});

describe('applying a patch to a row', () => {
  const r = row('ex_1', '2025-06-01T10:00:00Z');

  it('updates status, end and duration in place when the run finishes', () => {
    const done = applyPatch(r, { status: 'completed', completedAt: '2025-06-01T10:00:02Z', totalDuration: 2000, sequence: 5, receivedAt: 1 }, 100);
    expect(done).toMatchObject({ executionId: 'ex_1', status: 'completed', completedAt: '2025-06-01T10:00:02Z', totalDuration: 2000 });
  });

  it('never un-finishes a row the server has finished', () => {
    const finished = { ...r, status: 'failed' };
    expect(applyPatch(finished, { status: 'waiting', sequence: 5, receivedAt: 999 }, 1)).toBe(finished);
  });

  it('lets a row read after an unfinished event stand (it is at least as new)', () => {
    expect(applyPatch(r, { status: 'waiting', sequence: 5, receivedAt: 10 }, 20)).toBe(r);
    expect(applyPatch(r, { status: 'waiting', sequence: 5, receivedAt: 30 }, 20).status).toBe('waiting');
  });

  it('clears stuck once finished', () => {
    expect(applyPatch({ ...r, stuck: true }, { status: 'completed', sequence: 2, receivedAt: 1 }, 5).stuck).toBe(false);
  });
});

describe('new runs on top', () => {
  const a = row('ex_a', '2025-06-01T10:00:00.0000001+00:00');
  const b = row('ex_b', '2025-06-01T10:00:01Z');
  const c = row('ex_c', '2025-06-01T10:00:02Z');
  const d = row('ex_d', '2025-06-01T10:00:03Z');

  it('orders by start time, then id', () => {
    expect(isNewer(b, a)).toBe(true);
    expect(isNewer(a, b)).toBe(false);
    expect(isNewer(row('ex_2', a.startedAt), row('ex_1', a.startedAt))).toBe(true);
  });

  it('puts only runs newer than everything shown on top, newest first, each once', () => {
    expect(mergeHead([], [c, b, a], [b, a]).map((r) => r.executionId)).toEqual(['ex_c']);
    const head = [c];
    expect(mergeHead(head, [d, c, b], [b, a]).map((r) => r.executionId)).toEqual(['ex_d', 'ex_c']);
    expect(mergeHead(head, [c, b], [b, a])).toBe(head); // nothing new: same array, no re-render
  });

  it('shows live rows, then the pages, each run once, patched', () => {
    const patches = new Map<string, RowPatch>([['ex_b', { status: 'failed', sequence: 3, receivedAt: 1, errorMessage: 'boom' }]]);
    const rows = visibleRows([c], 0, [{ rows: [c, b], fetchedAt: 0 }, { rows: [a], fetchedAt: 0 }], patches);
    expect(rows.map((r) => [r.executionId, r.status])).toEqual([
      ['ex_c', 'running'],
      ['ex_b', 'failed'],
      ['ex_a', 'running'],
    ]);
    expect(rows[1].errorMessage).toBe('boom');
  });
});
