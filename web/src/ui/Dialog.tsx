import { useEffect, useId, useLayoutEffect, useRef, type ReactNode } from 'react';
import { X } from 'lucide-react';
import clsx from 'clsx';
import './Dialog.css';

interface DialogProps {
  open: boolean;
  /** Called on Escape, the close button and a click on the backdrop (unless `busy`). */
  onClose(): void;
  title: string;
  /** A small tile before the title, saying what kind of dialog this is. */
  icon?: ReactNode;
  /** A line under the title. */
  description?: ReactNode;
  children?: ReactNode;
  /** The buttons, right-aligned under the body. */
  footer?: ReactNode;
  /** While an action runs the dialog cannot be dismissed, so its outcome is not lost. */
  busy?: boolean;
  /** `lg` fits a read-only canvas or a wide table. */
  size?: 'sm' | 'md' | 'lg';
  /** A form wrapping body and footer: Enter submits, and the footer's submit button is the default action. */
  onSubmit?(): void;
}

/**
 * A modal dialog on the native `<dialog>` element: the browser traps focus, makes the page inert and sends
 * Escape as `cancel`. Mounted only while open, so its fields start fresh each time; focus goes back to what
 * had it before (the button that opened it).
 */
export function Dialog(props: DialogProps) {
  return props.open ? <OpenDialog {...props} /> : null;
}

function OpenDialog({ onClose, title, icon, description, children, footer, busy = false, size = 'md', onSubmit }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const closeRef = useRef({ onClose, busy });
  closeRef.current = { onClose, busy };

  useLayoutEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // jsdom has no showModal; the attribute shows it there.
    if (dialog && typeof dialog.showModal === 'function' && !dialog.open) dialog.showModal();
    else dialog?.setAttribute('open', '');
    // showModal focuses the first focusable element (the close button): the dialog's own first field or default
    // action, marked data-autofocus, is where typing or Enter should go.
    dialog?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      if (dialog?.open && typeof dialog.close === 'function') dialog.close();
      // Removed rather than closed, the browser would not restore focus itself.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const cancel = (e: Event) => {
      e.preventDefault();
      if (!closeRef.current.busy) closeRef.current.onClose();
    };
    dialog.addEventListener('cancel', cancel);
    return () => dialog.removeEventListener('cancel', cancel);
  }, []);

  const body = (
    <>
      <header className="dialog-header">
        {icon && (
          <span className="dialog-icon" aria-hidden>
            {icon}
          </span>
        )}
        <div className="dialog-titles">
          <h2 id={titleId}>{title}</h2>
          {description && (
            <p id={descriptionId} className="dialog-description">
              {description}
            </p>
          )}
        </div>
        <button type="button" className="btn btn-ghost btn-sm btn-icon" aria-label="Close" onClick={onClose} disabled={busy}>
          <X size={16} aria-hidden />
        </button>
      </header>
      {children && <div className="dialog-body">{children}</div>}
      {footer && <footer className="dialog-footer">{footer}</footer>}
    </>
  );

  return (
    <dialog
      ref={ref}
      className={clsx('dialog', `dialog-${size}`)}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      // A press that starts and ends on the backdrop (the dialog element itself, outside its content) dismisses.
      onMouseDown={(e) => {
        if (e.target === ref.current && !busy) onClose();
      }}
    >
      {onSubmit ? (
        <form
          className="dialog-content"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (!busy) onSubmit();
          }}
        >
          {body}
        </form>
      ) : (
        <div className="dialog-content">{body}</div>
      )}
    </dialog>
  );
}

/**
 * The footer of a form dialog (one with `onSubmit`): a way out, disabled while the action runs, and the submit button,
 * which reads `busyLabel` meanwhile when one is given.
 */
export function FormFooter({ onCancel, cancelLabel = 'Cancel', submitLabel, busyLabel, busy = false }: {
  onCancel(): void;
  cancelLabel?: string;
  submitLabel: string;
  busyLabel?: string;
  busy?: boolean;
}) {
  return (
    <>
      <button type="button" className="btn" onClick={onCancel} disabled={busy}>
        {cancelLabel}
      </button>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy && busyLabel ? busyLabel : submitLabel}
      </button>
    </>
  );
}
