import { TriangleAlert } from 'lucide-react';
import type { ReactNode } from 'react';
import { CopyButton } from './CopyButton';
import { Dialog } from './Dialog';
import './SecretOnce.css';

/** A secret the server returns once (a new API key, a rotated webhook secret): shown with a copy button and a clear warning. */
export function SecretOnce({ value, label, warning }: { value: string; label: string; warning: string }) {
  return (
    <div className="secret-once">
      <div className="secret-once-warning" role="note">
        <TriangleAlert size={16} aria-hidden />
        <span>{warning}</span>
      </div>
      <div className="secret-once-value">
        {/* A read-only field: selectable in one click, and named for screen readers. */}
        <input className="secret-once-input" readOnly value={value} aria-label={label} onFocus={(e) => e.currentTarget.select()} spellCheck={false} />
        <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} text="Copy" />
      </div>
    </div>
  );
}

/** The dialog that hands over a new secret: the secret once, and "Done", which forgets it. */
export function SecretOnceDialog({ open = true, onClose, title, description, ...secret }: {
  open?: boolean;
  onClose(): void;
  title: string;
  description?: ReactNode;
  value: string;
  label: string;
  warning: string;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      description={description}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose} data-autofocus>
          Done
        </button>
      }
    >
      <SecretOnce {...secret} />
    </Dialog>
  );
}
