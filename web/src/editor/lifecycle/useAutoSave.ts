import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useEditor } from '../store';
import { AutoSaver } from './autoSaver';
import { createSaveTransport } from './workflowCalls';
import { setWorkflowStatus } from './workflowStatus';

/** The saver of the open editor: one at a time, as there is one editor store. */
let current: AutoSaver | null = null;

/** The open editor's saver (the toolbar flushes it before validate, test and publish; the conflict dialog resolves through it). */
export function activeSaver(): AutoSaver | null {
  return current;
}

/** Saves now and resolves true once the server has every edit (false: a conflict or a failed save stands in the way). */
export function flushSave(): Promise<boolean> {
  return current ? current.flush() : Promise.resolve(true);
}

/**
 * Saves the draft as it changes (debounced, with If-Match) and surfaces conflicts through the store's save state.
 * Leaving the editor flushes what is pending; closing the tab with unsaved edits asks first.
 */
export function useAutoSave(): void {
  const client = useQueryClient();
  useEffect(() => {
    const transport = createSaveTransport((doc) => setWorkflowStatus(client, doc.id, doc));
    const saver = new AutoSaver(useEditor, transport);
    current = saver;
    const warn = (e: BeforeUnloadEvent) => {
      if (!saver.hasUnsavedChanges) return;
      e.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
      // Route leave: the pending edits still go out (the request outlives the page's components).
      void saver.flush().finally(() => saver.dispose());
      if (current === saver) current = null;
    };
  }, [client]);
}
