import { createContext, useContext } from 'react';
import type { TestStep } from '../model';
import type { StepRun } from './stepStatus';

/** A step's run state as a read-only canvas shows it (an execution's page); see `executions/detail/liveState.ts`. */
export interface RunOverlayStep {
  status: 'running' | 'completed' | 'failed' | 'waiting' | 'retrying' | 'skipped' | 'cancelled';
  /** How many times the node ran (loop iterations); 0 when skipped. */
  runs: number;
  duration: number | null;
  /** A short note: "attempt 2", "approval", "timer until 14:05". */
  detail?: string;
}

/**
 * Per node id, the run states a canvas's cards show instead of the editor's test run. `null` (no provider): the
 * cards show the editor store's test run as before.
 */
export const RunOverlayContext = createContext<ReadonlyMap<string, RunOverlayStep> | null>(null);

export function useRunOverlay(): ReadonlyMap<string, RunOverlayStep> | null {
  return useContext(RunOverlayContext);
}

/** An overlay entry as the card's run line takes it (the shape of a test run's step); skipped steps have none. */
export function overlayRun(id: string, step: RunOverlayStep | undefined): StepRun | undefined {
  if (!step || step.status === 'skipped') return undefined;
  const last: TestStep = { stepId: id, nodeType: '', stepType: '', status: step.status, output: null, error: null, duration: step.duration, preview: false };
  return { last, runs: step.runs, duration: step.duration, detail: step.detail };
}
