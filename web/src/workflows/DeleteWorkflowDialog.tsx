import { useQueryClient } from '@tanstack/react-query';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { toast } from '../ui/toast';
import { deleteWorkflow, workflowListKey } from './api';

/** Confirms a delete, naming the workflow; the delete itself says what happens to its triggers and runs. */
export function DeleteWorkflowDialog({ workflow, onClose }: { workflow: { id: string; name: string } | null; onClose(): void }) {
  const queryClient = useQueryClient();
  return (
    <ConfirmDialog
      open={workflow !== null}
      onClose={onClose}
      title={`Delete “${workflow?.name ?? ''}”?`}
      description="Its triggers stop at once and it leaves this list. Past runs keep their history."
      confirmLabel="Delete workflow"
      busyLabel="Deleting…"
      onConfirm={async () => {
        if (!workflow) return;
        await deleteWorkflow(workflow.id);
        queryClient.removeQueries({ queryKey: ['workflow', workflow.id] });
        await queryClient.invalidateQueries({ queryKey: workflowListKey });
        toast.success(`Deleted “${workflow.name}”`);
      }}
    />
  );
}
