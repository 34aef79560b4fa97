import { createContext, useContext } from 'react';

/** A step's run state as a read-only canvas shows it (an execution's page); see `executions/detail/liveState.ts`. */
export interface RunOverlayStep {
  status: 'running' | 'completed' | 'failed' | 'waiting' | 'retrying' | 'skipped';
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
