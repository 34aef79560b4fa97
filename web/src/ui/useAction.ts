import { useState } from 'react';
import { describeError } from '../api/problem';

/**
 * The state of a dialog's action: `busy` while it runs (the dialog then cannot be dismissed), and the reason it
 * failed, shown in the dialog, which stays open so nothing typed is lost (a 409, a refused payload...).
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Runs `action`; `done` (closing, moving on) only when it succeeded. */
  const run = async (action: () => Promise<unknown>, done?: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      done?.();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
