import { describe, expect, it } from 'vitest';
import { buildTimeline, openWaits, ticks, type HistoryEventJson } from './timeline';

const t0 = Date.parse('2026-11-29T19:56:21.000Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();
let seq = 0;
const ev = (ms: number, type: string, fields: Partial<HistoryEventJson> = {}): HistoryEventJson => ({ type, sequence: ++seq, timestamp: at(ms), ...fields });

// The history the server wrote for an HTTP step that failed twice with a 100 ms backoff between (shape copied from a real run).
const retried = [
  ev(0, 'executionStarted', { workflowId: 'wf', version: 1 }),
  ev(0, 'stepCompleted', { stepKey: 't', nodeId: 't', nodeType: 'trigger_manual', attempt: 1, port: 'out', inline: true }),
  ev(0, 'stepScheduled', { stepKey: 'call', nodeId: 'call', nodeType: 'action_http', attempt: 1 }),
  ev(350, 'stepFailed', { stepKey: 'call', nodeId: 'call', nodeType: 'action_http', attempt: 1, error: 'answered 500', retryable: true }),
  ev(350, 'timerCreated', { timerId: 'retry:call:2', fireAt: at(450), purpose: 'Retry', stepKey: 'call' }),
  ev(452, 'timerFired', { timerId: 'retry:call:2' }),
  ev(452, 'stepScheduled', { stepKey: 'call', nodeId: 'call', nodeType: 'action_http', attempt: 2 }),
  ev(480, 'stepFailed', { stepKey: 'call', nodeId: 'call', nodeType: 'action_http', attempt: 2, error: 'answered 500' }),
  ev(480, 'executionFailed', { error: "Step 'call' failed after 2 attempts", stepKey: 'call' }),
];

describe('timeline from history', () => {
  it('draws each attempt, and the backoff between them until its timer fired', () => {
    const timeline = buildTimeline(retried);
    expect(timeline.origin).toBe(t0);
    expect(timeline.span).toBe(480);
    expect(timeline.rows.map((r) => r.stepKey)).toEqual(['t', 'call']);
    const [trigger, call] = timeline.rows;
    expect(trigger.bars).toEqual([{ kind: 'inline', start: 0, end: 0, outcome: 'completed', label: 'Completed' }]);
    expect(call.nodeType).toBe('action_http');
    expect(call.bars.map((b) => [b.kind, b.start, b.end, b.outcome, b.attempt])).toEqual([
      ['attempt', 0, 350, 'failed', 1],
      ['backoff', 350, 452, 'completed', undefined],
      ['attempt', 452, 480, 'failed', 2],
    ]);
    expect(call.bars[0].label).toBe('Attempt 1 failed: answered 500');
    expect(timeline.markers).toEqual([{ at: 480, kind: 'failed', label: 'Execution failed' }]);
  });

  it('continues a resumed step with its next attempt after the resume marker', () => {
    seq = 50;
    const resumed = [...retried, ev(2000, 'executionResumed'), ev(2000, 'stepScheduled', { stepKey: 'call', nodeId: 'call', nodeType: 'action_http', attempt: 3 }),
      ev(2010, 'stepCompleted', { stepKey: 'call', nodeId: 'call', nodeType: 'action_http', attempt: 3, port: 'out' })];
    const timeline = buildTimeline(resumed);
    expect(timeline.markers.map((m) => [m.kind, m.at])).toEqual([['failed', 480], ['resumed', 2000]]);
    expect(timeline.rows[1].bars.at(-1)).toMatchObject({ kind: 'attempt', attempt: 3, start: 2000, end: 2010, outcome: 'completed', label: 'Attempt 3 completed' });
  });

  it('keeps a running attempt open up to now, and a backoff not fired yet up to its due time', () => {
    const running = retried.slice(0, 5);
    const timeline = buildTimeline(running, t0 + 400);
    const call = timeline.rows[1];
    expect(call.bars.map((b) => [b.kind, b.end, b.outcome])).toEqual([
      ['attempt', 350, 'failed'],
      ['backoff', 450, 'open'],
    ]);
    // The span reaches the backoff's due time, past now.
    expect(timeline.span).toBe(450);

    const attempt = buildTimeline(retried.slice(0, 3), t0 + 200).rows[1].bars[0];
    expect([attempt.kind, attempt.start, attempt.end, attempt.outcome]).toEqual(['attempt', 0, 200, 'open']);
  });

  it('shows a delay as a timer and an approval as a wait, each until its step completes; a condition as the port it took', () => {
    seq = 100;
    const history = [
      ev(0, 'executionStarted'),
      ev(0, 'stepCompleted', { stepKey: 'c', nodeId: 'c', nodeType: 'logic_condition', port: 'false', inline: true }),
      ev(0, 'timerCreated', { timerId: 'delay:d:1', fireAt: at(1000), purpose: 'Delay', stepKey: 'd', nodeId: 'd' }),
      ev(1001, 'timerFired', { timerId: 'delay:d:1' }),
      ev(1001, 'stepCompleted', { stepKey: 'd', nodeId: 'd', nodeType: 'logic_delay', port: 'out', inline: true }),
      ev(1001, 'waitStarted', { stepKey: 'a', nodeId: 'a', eventName: 'approval', until: at(99_000) }),
      ev(1001, 'timerCreated', { timerId: 'approval:a:1', fireAt: at(99_000), purpose: 'WaitTimeout', stepKey: 'a' }),
      ev(5000, 'eventRaised', { name: 'approval' }),
      ev(5000, 'stepCompleted', { stepKey: 'a', nodeId: 'a', nodeType: 'logic_approval', port: 'approved', inline: true }),
    ];
    const rows = buildTimeline(history).rows;
    expect(rows.map((r) => [r.stepKey, r.bars.map((b) => [b.kind, b.start, b.end, b.outcome])])).toEqual([
      ['c', [['inline', 0, 0, 'completed']]],
      ['d', [['timer', 0, 1001, 'completed']]],
      ['a', [['wait', 1001, 5000, 'completed']]],
    ]);
    expect(rows[0].bars[0].label).toBe("Took 'false'");
    expect(rows[2].bars[0].label).toBe("Waiting for 'approval'");
    // The wait's timeout timer is not a bar of its own.
    expect(rows[2].bars).toHaveLength(1);
  });

  it('lists the waits still open, and none once the run is over', () => {
    seq = 200;
    const waiting = [
      ev(0, 'executionStarted'),
      ev(10, 'waitStarted', { stepKey: 'a', nodeId: 'a', eventName: 'manager-ok', until: at(60_000) }),
      ev(10, 'waitStarted', { stepKey: 'b', nodeId: 'b', eventName: 'approval', until: at(60_000) }),
      ev(20, 'stepCompleted', { stepKey: 'b', nodeId: 'b', port: 'approved' }),
    ];
    expect(openWaits(waiting)).toEqual([{ stepKey: 'a', nodeId: 'a', eventName: 'manager-ok', until: at(60_000) }]);
    expect(openWaits([...waiting, ev(30, 'executionCancelled', { reason: 'no' })])).toEqual([]);
  });

  it('an empty history is an empty timeline', () => {
    expect(buildTimeline([])).toEqual({ origin: 0, span: 1, rows: [], markers: [] });
  });

  it('puts round ticks over the span', () => {
    expect(ticks(480)).toEqual([0, 100, 200, 300, 400]);
    expect(ticks(10_000)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });
});
