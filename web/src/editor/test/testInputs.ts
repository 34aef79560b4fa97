import { create } from 'zustand';
import type { Decision } from './approvals';

/**
 * What the person typed into the test panel, per workflow: trigger data per trigger step and the approval decisions
 * to send. Neither is part of the draft, so it lives here rather than in the editor store, and survives closing the
 * panel (not a reload).
 */
interface TestInputs {
  texts: Record<string, string>;
  trigger: Record<string, string>;
  decisions: Record<string, Record<string, Decision>>;
  setText(workflowId: string, triggerId: string, text: string): void;
  setTrigger(workflowId: string, triggerId: string): void;
  setDecision(workflowId: string, eventName: string, decision: Decision | null): void;
}

export const textKey = (workflowId: string, triggerId: string) => `${workflowId}\u0000${triggerId}`;

export const useTestInputs = create<TestInputs>((set) => ({
  texts: {},
  trigger: {},
  decisions: {},
  setText: (workflowId, triggerId, text) => set((s) => ({ texts: { ...s.texts, [textKey(workflowId, triggerId)]: text } })),
  setTrigger: (workflowId, triggerId) => set((s) => ({ trigger: { ...s.trigger, [workflowId]: triggerId } })),
  setDecision: (workflowId, eventName, decision) =>
    set((s) => {
      const current = { ...(s.decisions[workflowId] ?? {}) };
      if (decision) current[eventName] = decision;
      else delete current[eventName];
      return { decisions: { ...s.decisions, [workflowId]: current } };
    }),
}));
