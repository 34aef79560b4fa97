import { useState, type ReactNode } from 'react';
import { Check, ChevronRight, Copy } from 'lucide-react';
import clsx from 'clsx';
import './JsonView.css';

interface JsonViewProps {
  value: unknown;
  /** Names the block for screen readers and the copy button ("Output", "Input"). */
  label: string;
  /** Levels open at first (default 2). */
  openDepth?: number;
  /** Longest string shown in full before "Show all" (default 400 characters). */
  maxString?: number;
  /** Most entries of an object or array shown before "Show more" (default 50). */
  maxEntries?: number;
}

/**
 * A read-only JSON tree: objects and arrays fold and unfold, long strings and long lists are cut with a button to see
 * more (so a megabyte of step output never lands in the DOM at once), and the whole value can be copied.
 */
export function JsonView({ value, label, openDepth = 2, maxString = 400, maxEntries = 50 }: JsonViewProps) {
  return (
    <div className="json-view" role="group" aria-label={label}>
      <CopyButton value={value} label={label} />
      <div className="json-tree">
        <Node value={value} depth={0} openDepth={openDepth} limits={{ maxString, maxEntries }} />
      </div>
    </div>
  );
}

function CopyButton({ value, label }: { value: unknown; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-ghost btn-sm btn-icon json-copy"
      aria-label={`Copy ${label.toLowerCase()}`}
      title="Copy as JSON"
      onClick={() => {
        const text = JSON.stringify(value, null, 2) ?? 'null';
        void navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => undefined,
        );
      }}
    >
      {copied ? <Check size={14} aria-hidden /> : <Copy size={14} aria-hidden />}
    </button>
  );
}

interface Limits {
  maxString: number;
  maxEntries: number;
}

function Node({ value, depth, openDepth, limits, name }: { value: unknown; depth: number; openDepth: number; limits: Limits; name?: ReactNode }) {
  const isArray = Array.isArray(value);
  const isObject = typeof value === 'object' && value !== null;
  const [open, setOpen] = useState(depth < openDepth);
  const [shown, setShown] = useState(limits.maxEntries);

  if (!isObject) {
    return (
      <div className="json-row">
        {name}
        <Scalar value={value} maxString={limits.maxString} />
      </div>
    );
  }
  const entries: [string, unknown][] = isArray ? (value as unknown[]).map((v, i) => [String(i), v]) : Object.entries(value as object);
  const [openMark, closeMark] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div className="json-row">
        {name}
        <span className="json-punct">{openMark + closeMark}</span>
      </div>
    );
  }
  const summary = isArray ? `${entries.length} ${entries.length === 1 ? 'item' : 'items'}` : `${entries.length} ${entries.length === 1 ? 'key' : 'keys'}`;
  return (
    <div className="json-node">
      <div className="json-row">
        <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={open ? 'Collapse' : 'Expand'}>
          <ChevronRight size={12} aria-hidden className={clsx(open && 'is-open')} />
        </button>
        {name}
        <span className="json-punct">{openMark}</span>
        {!open && (
          <button type="button" className="json-summary" onClick={() => setOpen(true)}>
            {summary}
          </button>
        )}
        {!open && <span className="json-punct">{closeMark}</span>}
      </div>
      {open && (
        <div className="json-children">
          {entries.slice(0, shown).map(([key, child]) => (
            <Node
              key={key}
              value={child}
              depth={depth + 1}
              openDepth={openDepth}
              limits={limits}
              name={<span className={isArray ? 'json-index' : 'json-key'}>{isArray ? `${key}:` : `${JSON.stringify(key)}:`}</span>}
            />
          ))}
          {entries.length > shown && (
            <button type="button" className="json-more" onClick={() => setShown(shown + limits.maxEntries * 4)}>
              Show {Math.min(entries.length - shown, limits.maxEntries * 4)} more of {entries.length - shown}
            </button>
          )}
        </div>
      )}
      {open && <div className="json-row json-punct">{closeMark}</div>}
    </div>
  );
}

function Scalar({ value, maxString }: { value: unknown; maxString: number }) {
  const [full, setFull] = useState(false);
  if (typeof value === 'string') {
    const cut = !full && value.length > maxString;
    return (
      <span className="json-string">
        {JSON.stringify(cut ? value.slice(0, maxString) : value)}
        {cut && (
          <button type="button" className="json-more" onClick={() => setFull(true)}>
            … show all {value.length.toLocaleString('en-GB')} characters
          </button>
        )}
      </span>
    );
  }
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  if (value === undefined) return <span className="json-null">undefined</span>;
  return <span className="json-null">null</span>;
}
