import { isObject, type StepNode, type TestResult, type TestStep } from '../model';

/** A decision the test panel delivers to approvals as an external event at the start of a run. */
export interface Decision {
  approved: boolean;
  comment: string;
}

/** An approval step a test run reached, and how it ended. */
export interface ApprovalInRun {
  stepId: string;
  nodeId: string;
  /** The event the approval waits for (its `eventName`, `approval` by default): what the decision is sent as. */
  eventName: string;
  outcome: 'approved' | 'rejected' | 'timed out' | 'waiting' | 'failed' | 'skipped';
}

/** The canvas node a test step belongs to: steps inside loops are `node/loop[i]`. */
export function nodeIdOf(stepId: string): string {
  const slash = stepId.indexOf('/');
  return slash < 0 ? stepId : stepId.slice(0, slash);
}

export function eventNameOf(node: StepNode | undefined): string {
  const name = node?.data.config.eventName;
  return typeof name === 'string' && name.trim() ? name : 'approval';
}

function outcomeOf(step: TestStep): ApprovalInRun['outcome'] {
  if (step.status === 'failed') return 'failed';
  if (step.status === 'skipped') return 'skipped';
  if (step.status === 'waiting' || step.status === 'running') return 'waiting';
  const out = isObject(step.output) ? step.output : {};
  // A test run fires timers at once: an approval with no decision given follows its timeout port.
  if (out.timed_out === true) return 'timed out';
  return out.approved === true ? 'approved' : 'rejected';
}

/** The approvals a run went through, so the panel can offer to answer them and run again. */
export function approvalsIn(run: TestResult, nodes: readonly StepNode[]): ApprovalInRun[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return run.steps
    .filter((s) => s.nodeType === 'logic_approval')
    .map((s) => {
      const nodeId = nodeIdOf(s.stepId);
      return { stepId: s.stepId, nodeId, eventName: eventNameOf(byId.get(nodeId)), outcome: outcomeOf(s) };
    });
}

/**
 * The `events` of a test request: each decision as the payload the approval reads (`approved`, who, why), by event
 * name. The server delivers them at the start; the approval that waits for one takes it.
 */
export function decisionEvents(decisions: Readonly<Record<string, Decision>>): Record<string, unknown> | undefined {
  const entries = Object.entries(decisions);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([name, d]) => [name, { approved: d.approved, approved_by: 'Test run', ...(d.comment.trim() ? { comment: d.comment.trim() } : {}) }]),
  );
}
