/** Saves the draft as it changes (debounced, with If-Match) and surfaces conflicts. (Stub.) */
export function useAutoSave(): void {}
