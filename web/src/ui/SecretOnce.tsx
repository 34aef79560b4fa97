import { TriangleAlert } from 'lucide-react';
import { CopyButton } from './CopyButton';
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
