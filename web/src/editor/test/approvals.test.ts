import { describe, expect, it } from 'vitest';
import { approvalsIn, decisionEvents, nodeIdOf } from './approvals';
import type { StepNode, TestResult, TestStep } from '../model';

const step = (stepId: string, nodeType: string, output: unknown, status = 'completed'): TestStep =>
  ({ stepId, nodeType, stepType: 'logic', status, output, error: null, duration: 1, preview: false }) as TestStep;
const node = (id: string, type: string, config: Record<string, unknown> = {}): StepNode => ({ id, type: 'step', position: { x: 0, y: 0 }, data: { type, config } });
const run = (steps: TestStep[]): TestResult => ({ workflowId: 'wf', testData: null, status: 'completed', steps, finalOutput: null, errorMessage: null, totalDuration: 3 });

describe('approvals in a test run', () => {
  it('reports how each approval ended and the event its decision goes to', () => {
    const result = approvalsIn(
      run([
        step('t', 'trigger_manual', {}),
        step('refund_ok', 'logic_approval', { approved: false, timed_out: true, approved_by: null, comment: null }),
        step('manager', 'logic_approval', { approved: true, approved_by: 'Test run', comment: 'fine' }),
      ]),
      [node('t', 'trigger_manual'), node('refund_ok', 'logic_approval'), node('manager', 'logic_approval', { eventName: 'manager_ok' })],
    );
    expect(result).toEqual([
      { stepId: 'refund_ok', nodeId: 'refund_ok', eventName: 'approval', outcome: 'timed out' },
      { stepId: 'manager', nodeId: 'manager', eventName: 'manager_ok', outcome: 'approved' },
    ]);
  });

  it('maps steps inside loops to their node', () => {
    expect(nodeIdOf('ask/loop[2]')).toBe('ask');
    expect(nodeIdOf('ask')).toBe('ask');
  });

  it('sends each decision as the payload an approval reads, by event name', () => {
    expect(decisionEvents({})).toBeUndefined();
    expect(decisionEvents({ approval: { approved: false, comment: '  too much  ' }, other: { approved: true, comment: '' } })).toEqual({
      approval: { approved: false, approved_by: 'Test run', comment: 'too much' },
      other: { approved: true, approved_by: 'Test run' },
    });
  });
});
