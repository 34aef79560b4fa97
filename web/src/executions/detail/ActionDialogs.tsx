import { useState } from 'react';
import { describeError } from '../../api/problem';
import { Dialog } from '../../ui/Dialog';
import type { OpenWait } from './timeline';

interface Common {
  open: boolean;
  onClose(): void;
}

/** Runs an action, keeping the dialog open with the problem shown when it fails (a 409, a bad payload...). */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<unknown>, done: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      done();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function Problem({ message }: { message: string | null }) {
  return message ? (
    <p className="field-error exec-dialog-error" role="alert">
      {message}
    </p>
  ) : null;
}

export function CancelDialog({ open, onClose, onCancel }: Common & { onCancel(reason: string): Promise<unknown> }) {
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction();
  return (
    <Dialog
      open={open}
      onClose={onClose}
      busy={busy}
      size="sm"
      title="Cancel this execution?"
      description="It stops at its next step boundary: running steps finish, their results are dropped."
      onSubmit={() => run(() => onCancel(reason), onClose)}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Keep running
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Cancel execution
          </button>
        </>
      }
    >
      <label className="field">
        <span className="field-label">Reason (optional)</span>
        <input className="input" data-autofocus value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Not needed any more" maxLength={500} />
      </label>
      <Problem message={error} />
    </Dialog>
  );
}

export function ApprovalDialog({ open, onClose, wait, onAnswer }: Common & { wait: OpenWait | null; onAnswer(approved: boolean, comment: string): Promise<unknown> }) {
  const [comment, setComment] = useState('');
  const { busy, error, run } = useAction();
  if (!wait) return null;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      busy={busy}
      size="sm"
      title={`Answer the approval '${wait.nodeId}'`}
      description={wait.until ? `It times out at ${new Date(wait.until).toLocaleString('en-GB')}.` : undefined}
      footer={
        <>
          <button type="button" className="btn btn-danger" disabled={busy} onClick={() => run(() => onAnswer(false, comment), onClose)}>
            Reject
          </button>
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => run(() => onAnswer(true, comment), onClose)}>
            Approve
          </button>
        </>
      }
    >
      <label className="field">
        <span className="field-label">Comment (optional)</span>
        <textarea className="textarea" data-autofocus value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} />
        <span className="field-help">
          Sent as the <code>{wait.eventName}</code> event; the step continues on its <code>approved</code> or <code>rejected</code> port.
        </span>
      </label>
      <Problem message={error} />
    </Dialog>
  );
}

export function SendEventDialog({
  open,
  onClose,
  suggestions,
  onSend,
}: Common & { suggestions: string[]; onSend(name: string, payload: unknown): Promise<unknown> }) {
  const [name, setName] = useState(suggestions[0] ?? '');
  const [payload, setPayload] = useState('{}');
  const [invalid, setInvalid] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const submit = () => {
    if (!name.trim()) {
      setInvalid('Name the event.');
      return;
    }
    let parsed: unknown;
    try {
      parsed = payload.trim() ? JSON.parse(payload) : null;
    } catch (e) {
      setInvalid(`The payload is not valid JSON: ${(e as Error).message}`);
      return;
    }
    setInvalid(null);
    void run(() => onSend(name.trim(), parsed), onClose);
  };
  return (
    <Dialog
      open={open}
      onClose={onClose}
      busy={busy}
      title="Send an event"
      description="Steps waiting for an event with this name receive it; if none waits yet, the first one that does will."
      onSubmit={submit}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Close
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Send event
          </button>
        </>
      }
    >
      <div className="exec-dialog-fields">
        <label className="field">
          <span className="field-label">Event name</span>
          <input className="input" data-autofocus list="exec-event-names" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
          <datalist id="exec-event-names">
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span className="field-label">Payload (JSON)</span>
          <textarea
            className="textarea exec-code"
            rows={6}
            value={payload}
            onChange={(e) => setPayload(e.target.value)}
            aria-invalid={invalid?.startsWith('The payload') ? true : undefined}
            spellCheck={false}
          />
        </label>
      </div>
      <Problem message={invalid ?? error} />
    </Dialog>
  );
}
