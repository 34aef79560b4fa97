import type { QueryClient } from '@tanstack/react-query';
import { describeError } from '../../api/problem';
import { toast } from '../../ui/toast';
import { useEditor } from '../store';
import { flushSave } from './useAutoSave';
import { publishWorkflow, unpublishWorkflow, validateWorkflow, validationFromProblem } from './workflowCalls';
import { setWorkflowStatus } from './workflowStatus';

/**
 * The toolbar's commands. Validate, publish and test act on the server's copy of the draft, so each one first
 * flushes the autosave; when that cannot happen (a conflict, the server down) it says so instead of acting on stale data.
 */

export async function savedFirst(action: string): Promise<string | null> {
  const id = useEditor.getState().workflowId;
  if (!id) return null;
  if (await flushSave()) return id;
  const state = useEditor.getState().saveState;
  toast.error(
    state === 'conflict'
      ? `Cannot ${action}: the workflow was changed elsewhere. Reload or overwrite first.`
      : `Cannot ${action}: the latest changes are not saved yet (${useEditor.getState().saveError ?? 'save failed'}).`,
  );
  return null;
}

/** Validates the draft and opens the issues panel with the result. */
export async function validate(): Promise<void> {
  const id = await savedFirst('validate');
  if (!id) return;
  try {
    const result = await validateWorkflow(id);
    const editor = useEditor.getState();
    editor.setValidation(result);
    editor.setPanel('issues');
  } catch (error) {
    toast.error(`Validation failed to run: ${describeError(error)}`);
  }
}

/** Validates, then publishes; a draft with errors is not published and its issues are shown instead. */
export async function publish(client: QueryClient): Promise<void> {
  const id = await savedFirst('publish');
  if (!id) return;
  const editor = useEditor.getState();
  try {
    const result = await validateWorkflow(id);
    editor.setValidation(result);
    if (!result.valid) {
      editor.setPanel('issues');
      toast.error(`Not published: fix the ${plural(result.errors.length, 'error')} first.`);
      return;
    }
    const doc = await publishWorkflow(id);
    setWorkflowStatus(client, id, doc);
    void client.invalidateQueries({ queryKey: ['versions', id] });
    void client.invalidateQueries({ queryKey: ['workflows'] });
    toast.success(`Published version ${doc.publishedVersion ?? doc.version}. Its triggers are live.`);
  } catch (error) {
    const refused = validationFromProblem(error);
    if (refused) {
      editor.setValidation(refused);
      editor.setPanel('issues');
      toast.error(`Not published: fix the ${plural(refused.errors.length, 'error')} first.`);
      return;
    }
    toast.error(`Publishing failed: ${describeError(error)}`);
  }
}

export async function unpublish(client: QueryClient): Promise<void> {
  const id = useEditor.getState().workflowId;
  if (!id) return;
  try {
    const doc = await unpublishWorkflow(id);
    setWorkflowStatus(client, id, doc);
    void client.invalidateQueries({ queryKey: ['versions', id] });
    void client.invalidateQueries({ queryKey: ['workflows'] });
    toast.success('Unpublished. Its triggers have stopped; runs under way go on.');
  } catch (error) {
    toast.error(`Unpublishing failed: ${describeError(error)}`);
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
