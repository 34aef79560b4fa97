import { describe, expect, it } from 'vitest';
import { emptyLive, liveStatus, nodeOverlay, withDetail, withEvent, type ExecutionDetail, type LiveEvent, type StepLog } from './liveState';

const log = (stepId: string, status: string, extra: Partial<StepLog> = {}): StepLog => ({
  stepId,
  nodeId: stepId.split('/')[0],
  nodeType: 'action_http',
  stepType: 'action',
  stepOrder: 1,
  status,
  attempts: 1,
  input: null,
  output: null,
  duration: status === 'running' ? null : 10,
  startedAt: '2026-11-29T19:00:00Z',
  completedAt: null,
  errorMessage: null,
  port: null,
  ...extra,
});

const detail = (sequence: number, logs: StepLog[], extra: Partial<ExecutionDetail> = {}): ExecutionDetail => ({
  executionId: 'ex_1',
  workflowId: 'wf_1',
  version: 1,
  status: 'running',
  startedAt: '2026-11-29T19:00:00Z',
  completedAt: null,
  totalDuration: null,
  triggerData: {},
  finalOutput: null,
  errorMessage: null,
  stuck: false,
  retryOf: null,
  parentExecutionId: null,
  updatedAt: '2026-11-29T19:00:00Z',
  logs,
  skipped: [],
  sequence,
  links: { self: '', history: '', cancel: '', events: '' },
  ...extra,
});

const step = (sequence: number, stepId: string, status: string, extra: Partial<LiveEvent> = {}): LiveEvent => ({
  kind: 'step',
  executionId: 'ex_1',
  sequence,
  stepId,
  nodeId: stepId.split('/')[0],
  nodeType: 'action_http',
  status,
  attempt: 1,
  ...extra,
});

describe('live state merge', () => {
  it('lays newer hub events over the fetched detail, and drops the ones it already contains', () => {
    let state = withDetail(emptyLive, detail(4, [log('t', 'completed'), log('call', 'running')]));
    state = withEvent(state, step(3, 'call', 'running'));
    expect(state.pending).toEqual([]);
    state = withEvent(state, step(6, 'call', 'completed', { duration: 42 }));
    expect(nodeOverlay(state).get('call')).toMatchObject({ status: 'completed', duration: 42 });
    // A refetch that caught up with the event lets it go; the detail now says the same.
    state = withDetail(state, detail(6, [log('t', 'completed'), log('call', 'completed', { duration: 42 })]));
    expect(state.pending).toEqual([]);
    expect(nodeOverlay(state).get('call')).toMatchObject({ status: 'completed', duration: 42 });
  });

  it('keeps events that arrive before the first fetch, in sequence order, until a detail covers them', () => {
    let state = withEvent(emptyLive, step(7, 'b', 'running'));
    state = withEvent(state, step(5, 'a', 'completed'));
    state = withEvent(state, step(5, 'a', 'completed'));
    expect(state.pending.map((e) => e.sequence)).toEqual([5, 7]);
    state = withDetail(state, detail(5, [log('a', 'completed')]));
    expect(state.pending.map((e) => e.sequence)).toEqual([7]);
    expect(nodeOverlay(state).get('b')?.status).toBe('running');
  });

  it('never goes back to an older detail (a slow fetch overtaken by a newer one)', () => {
    const newer = withDetail(emptyLive, detail(9, [log('a', 'completed')], { status: 'completed' }));
    expect(withDetail(newer, detail(4, [log('a', 'running')]))).toBe(newer);
  });

  it('shows retrying with the next attempt, waiting with what it waits for, and skipped steps from the detail', () => {
    let state = withDetail(
      emptyLive,
      detail(3, [log('t', 'completed')], { skipped: [{ stepId: 'no', nodeId: 'no' }] }),
    );
    state = withEvent(state, step(4, 'call', 'running'));
    state = withEvent(state, step(5, 'call', 'retrying', { error: 'HTTP 500', attempt: 1 }));
    state = withEvent(state, { kind: 'waiting', executionId: 'ex_1', sequence: 6, stepId: 'ok', nodeId: 'ok', nodeType: 'logic_approval', eventName: 'approval' });
    const overlay = nodeOverlay(state);
    expect(overlay.get('call')).toMatchObject({ status: 'retrying', attempt: 1, detail: 'attempt 2 next', error: 'HTTP 500' });
    expect(overlay.get('ok')).toMatchObject({ status: 'waiting', detail: 'approval' });
    expect(overlay.get('no')).toMatchObject({ status: 'skipped', runs: 0 });
    state = withEvent(state, step(8, 'call', 'running', { attempt: 2 }));
    expect(nodeOverlay(state).get('call')).toMatchObject({ status: 'running', detail: 'attempt 2' });
  });

  it('folds a loop body node to one card: its run count, and the most telling status of its iterations', () => {
    const state = withDetail(
      emptyLive,
      detail(9, [log('each', 'running'), log('body/each[0]', 'completed'), log('body/each[1]', 'failed'), log('body/each[2]', 'running')]),
    );
    expect(nodeOverlay(state).get('body')).toMatchObject({ status: 'failed', runs: 3, duration: 20 });
  });

  it('takes the execution status from lifecycle events newer than the detail', () => {
    let state = withDetail(emptyLive, detail(2, [], { status: 'pending' }));
    expect(liveStatus(state)).toBe('pending');
    state = withEvent(state, { kind: 'started', executionId: 'ex_1', sequence: 3 });
    expect(liveStatus(state)).toBe('running');
    state = withEvent(state, { kind: 'failed', executionId: 'ex_1', sequence: 5, error: 'x' });
    expect(liveStatus(state)).toBe('failed');
    // Resumed: the failed step runs again.
    state = withEvent(state, step(7, 'call', 'running', { attempt: 2 }));
    expect(liveStatus(state)).toBe('running');
    state = withEvent(state, { kind: 'completed', executionId: 'ex_1', sequence: 9, status: 'completed' });
    expect(liveStatus(state)).toBe('completed');
  });
});

describe('a cancelled run', () => {
  it('shows the steps it left open as cancelled, not still waiting', () => {
    const state = withDetail(
      emptyLive,
      detail(6, [log('start', 'completed'), log('review', 'waiting', { nodeType: 'logic_approval' })], { status: 'cancelled' }),
    );
    expect(nodeOverlay(state).get('review')).toMatchObject({ status: 'cancelled' });
    expect(nodeOverlay(state).get('start')).toMatchObject({ status: 'completed' });
  });
});
