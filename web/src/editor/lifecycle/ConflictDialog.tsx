import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, Loader2 } from 'lucide-react';
import { describeError } from '../../api/problem';
import { Dialog } from '../../ui/Dialog';
import { toast } from '../../ui/toast';
import { useEditor } from '../store';
import { activeSaver } from './useAutoSave';

/**
 * Shown when a save found the workflow changed elsewhere (412/409). Saving stops until the person chooses: take the
 * server's version (their own unsaved edits are dropped, and the dialog says so) or put theirs over it.
 * "Decide later" only hides it; the save status keeps saying Conflict and its button reopens it.
 */
export function ConflictDialog() {
  const client = useQueryClient();
  const conflict = useEditor((s) => s.saveState === 'conflict');
  const workflowId = useEditor((s) => s.workflowId);
  const [hidden, setHidden] = useState(false);
  const [busy, setBusy] = useState<null | 'reload' | 'overwrite'>(null);
  useEffect(() => {
    if (conflict) setHidden(false);
  }, [conflict]);

  if (!conflict) return null;
  if (hidden) {
    return (
      <button type="button" className="btn btn-sm conflict-reopen" onClick={() => setHidden(false)}>
        <AlertTriangle size={14} aria-hidden /> Resolve conflict
      </button>
    );
  }

  const act = (kind: 'reload' | 'overwrite') => async () => {
    const saver = activeSaver();
    if (!saver || busy) return;
    setBusy(kind);
    try {
      if (kind === 'reload') {
        await saver.reload();
        toast.info('Loaded the latest version from the server.');
      } else {
        await saver.overwrite();
        if (useEditor.getState().saveState !== 'conflict') toast.success('Your version was saved over the other change.');
      }
      if (workflowId) void client.invalidateQueries({ queryKey: ['workflow-status', workflowId] });
    } catch (error) {
      toast.error(describeError(error));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Dialog
      open
      busy={busy !== null}
      title="This workflow was changed elsewhere"
      icon={<AlertTriangle size={18} />}
      onClose={() => setHidden(true)}
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={() => setHidden(true)} disabled={busy !== null}>
            Decide later
          </button>
          <span className="grow" />
          <button type="button" className="btn" onClick={act('reload')} disabled={busy !== null}>
            {busy === 'reload' && <Loader2 size={15} className="spin" aria-hidden />}
            Reload
          </button>
          <button type="button" className="btn btn-primary" onClick={act('overwrite')} disabled={busy !== null}>
            {busy === 'overwrite' && <Loader2 size={15} className="spin" aria-hidden />}
            Overwrite
          </button>
        </>
      }
    >
      <p>Someone saved this workflow in another tab or window after you opened it. Your latest edits are not saved yet; saving is paused until you choose.</p>
      <ul className="conflict-choices">
        <li>
          <strong>Reload</strong> loads their version. <span className="text-danger">Your unsaved edits here are discarded.</span>
        </li>
        <li>
          <strong>Overwrite</strong> saves your version over theirs. Their change is replaced.
        </li>
      </ul>
    </Dialog>
  );
}
