import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Dialog } from '../ui/Dialog';
import { describeError } from '../api/problem';
import { toast } from '../ui/toast';
import { deleteWorkflow, workflowListKey } from './api';

/** Confirms a delete, naming the workflow; the delete itself says what happens to its triggers and runs. */
export function DeleteWorkflowDialog({ workflow, onClose }: { workflow: { id: string; name: string } | null; onClose(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();

  const confirm = async () => {
    if (!workflow) return;
    setBusy(true);
    setError(null);
    try {
      await deleteWorkflow(workflow.id);
      queryClient.removeQueries({ queryKey: ['workflow', workflow.id] });
      await queryClient.invalidateQueries({ queryKey: workflowListKey });
      toast.success(`Deleted “${workflow.name}”`);
      onClose();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={workflow !== null}
      onClose={() => {
        setError(null);
        onClose();
      }}
      busy={busy}
      size="sm"
      title={`Delete “${workflow?.name ?? ''}”?`}
      description="Its triggers stop at once and it leaves this list. Past runs keep their history."
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger-solid" onClick={confirm} disabled={busy} data-autofocus>
            {busy ? 'Deleting…' : 'Delete workflow'}
          </button>
        </>
      }
    >
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
    </Dialog>
  );
}
