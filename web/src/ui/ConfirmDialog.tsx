import type { ReactNode } from 'react';
import { Dialog } from './Dialog';
import { useAction } from './useAction';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  /** The confirming button's text ("Revoke key"). */
  confirmLabel: string;
  busyLabel: string;
  /** `primary` for a confirmation that destroys nothing (rotating a secret keeps the old one for a while). */
  tone?: 'danger' | 'primary';
  /** False when the caller goes on to show the outcome itself (a new secret) instead of closing. */
  closeOnDone?: boolean;
  /** Runs the action; a thrown error is shown in the dialog, which stays open. */
  onConfirm(): Promise<void>;
  onClose(): void;
}

/** Asks before a destructive action, runs it, and keeps the dialog open with the reason when it fails. */
export function ConfirmDialog({ open, title, description, children, confirmLabel, busyLabel, tone = 'danger', closeOnDone = true, onConfirm, onClose }: ConfirmDialogProps) {
  const { busy, error, setError, run } = useAction();
  const close = () => {
    setError(null);
    onClose();
  };
  const confirm = () => run(onConfirm, closeOnDone ? close : undefined);
  return (
    <Dialog
      open={open}
      onClose={close}
      busy={busy}
      size="sm"
      title={title}
      description={description}
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="button" className={tone === 'danger' ? 'btn btn-danger-solid' : 'btn btn-primary'} onClick={confirm} disabled={busy} data-autofocus>
            {busy ? busyLabel : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
    </Dialog>
  );
}
