import { create } from 'zustand';

const storageKey = 'flowforge.apiKey';

interface SessionState {
  /** The API key the app signs its calls with; kept in session storage, so it ends with the tab. */
  apiKey: string | null;
  /** Why the last session ended (a refused key), shown on the sign-in page. */
  signedOutReason: string | null;
  signIn(apiKey: string): void;
  signOut(reason?: string): void;
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export const useSession = create<SessionState>((set) => ({
  apiKey: readStored(),
  signedOutReason: null,
  signIn(apiKey) {
    sessionStorage.setItem(storageKey, apiKey);
    set({ apiKey, signedOutReason: null });
  },
  signOut(reason) {
    sessionStorage.removeItem(storageKey);
    set({ apiKey: null, signedOutReason: reason ?? null });
  },
}));
