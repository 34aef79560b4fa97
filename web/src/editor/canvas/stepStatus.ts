import type { TestResult, TestStep, ValidationIssue, ValidationResult } from '../model';

/** A step's share of a validation result. */
export interface StepIssues {
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/** A step's share of a test run: its last result, and how often it ran (a loop body runs once per item). */
export interface StepRun {
  last: TestStep;
  runs: number;
  /** Milliseconds over all its runs. */
  duration: number | null;
  /** A short note after the status (an execution's "attempt 2", "approval"); test runs leave it out. */
  detail?: string;
}

// Indexed once per result object, so each card's store selector is a map lookup, not a scan of every issue or step.
const issueIndex = new WeakMap<ValidationResult, Map<string, StepIssues>>();
const runIndex = new WeakMap<TestResult, Map<string, StepRun>>();

export function issuesByStep(result: ValidationResult | null): Map<string, StepIssues> | undefined {
  if (!result) return undefined;
  let index = issueIndex.get(result);
  if (!index) {
    index = new Map();
    const add = (issue: ValidationIssue, kind: keyof StepIssues) => {
      const id = issue.nodeId ?? issue.stepId;
      if (!id) return;
      let entry = index!.get(id);
      if (!entry) index!.set(id, (entry = { errors: [], warnings: [] }));
      entry[kind].push(issue);
    };
    result.errors.forEach((i) => add(i, 'errors'));
    result.warnings.forEach((i) => add(i, 'warnings'));
    issueIndex.set(result, index);
  }
  return index;
}

export function runsByStep(result: TestResult | null): Map<string, StepRun> | undefined {
  if (!result) return undefined;
  let index = runIndex.get(result);
  if (!index) {
    index = new Map();
    for (const step of result.steps) {
      const entry = index.get(step.stepId);
      const duration = step.duration ?? null;
      if (!entry) index.set(step.stepId, { last: step, runs: 1, duration });
      else
        index.set(step.stepId, {
          last: step,
          runs: entry.runs + 1,
          duration: entry.duration === null && duration === null ? null : (entry.duration ?? 0) + (duration ?? 0),
        });
    }
    runIndex.set(result, index);
  }
  return index;
}

/** A duration in milliseconds the way a card shows it: 840 ms, 1.2 s, 3 min. */
export function formatDuration(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
