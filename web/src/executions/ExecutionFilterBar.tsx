import { useEffect, useId, useRef, useState } from 'react';
import { Check, ChevronDown, Search, X } from 'lucide-react';
import clsx from 'clsx';
import { rangePresets, statusOptions, type ExecutionFilters } from './filters';

interface Props {
  filters: ExecutionFilters;
  onChange(next: ExecutionFilters): void;
  workflows: { id: string; name: string }[];
  /** The route fixes the workflow (`/workflows/:id/executions`): the picker is replaced by a chip that leaves it. */
  routeWorkflow?: { name: string; onClear(): void } | null;
}

/** Search in trigger data, status (several), workflow, date range. Each change goes to the URL at once; the search when typing pauses. */
export function ExecutionFilterBar({ filters, onChange, workflows, routeWorkflow }: Props) {
  const [text, setText] = useState(filters.q);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (text.trim() === filters.q) return;
    const timer = setTimeout(() => onChange({ ...filters, q: text.trim() }), 300);
    return () => clearTimeout(timer);
  }, [text]);
  // Back and Forward change the search: the box follows unless someone is typing in it.
  useEffect(() => {
    if (document.activeElement !== input.current) setText(filters.q);
  }, [filters.q]);

  return (
    <div className="ex-filters">
      <div className="wf-search ex-search">
        <Search size={16} className="wf-search-icon" aria-hidden />
        <input
          ref={input}
          type="search"
          className="input"
          placeholder="Search trigger data…"
          aria-label="Search trigger data"
          value={text}
          maxLength={200}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && text) {
              e.preventDefault();
              setText('');
            }
          }}
        />
        {text && (
          <button type="button" className="btn btn-ghost btn-icon btn-sm wf-search-clear" aria-label="Clear search" onClick={() => setText('')}>
            <X size={14} aria-hidden />
          </button>
        )}
      </div>
      <StatusPicker selected={filters.statuses} onChange={(statuses) => onChange({ ...filters, statuses })} />
      {routeWorkflow ? (
        <span className="ex-chip">
          <span className="muted">Workflow</span> {routeWorkflow.name}
          <button type="button" className="ex-chip-clear" aria-label="Show every workflow's runs" onClick={routeWorkflow.onClear}>
            <X size={13} aria-hidden />
          </button>
        </span>
      ) : (
        <select
          className="select ex-select"
          aria-label="Workflow"
          value={filters.workflowId ?? ''}
          onChange={(e) => onChange({ ...filters, workflowId: e.target.value || null })}
        >
          <option value="">All workflows</option>
          {filters.workflowId && !workflows.some((w) => w.id === filters.workflowId) && <option value={filters.workflowId}>{filters.workflowId}</option>}
          {workflows.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      )}
      <select
        className="select ex-select ex-range"
        aria-label="Date range"
        value={filters.range ?? ''}
        onChange={(e) => {
          const range = (e.target.value || null) as ExecutionFilters['range'];
          onChange({ ...filters, range, fromDay: null, toDay: null });
        }}
      >
        <option value="">Any time</option>
        {rangePresets.map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom range…</option>
      </select>
      {filters.range === 'custom' && (
        <span className="ex-days">
          <input
            type="date"
            className="input"
            aria-label="From day"
            value={filters.fromDay ?? ''}
            max={filters.toDay ?? undefined}
            onChange={(e) => onChange({ ...filters, fromDay: e.target.value || null })}
          />
          <span className="muted" aria-hidden>
            –
          </span>
          <input
            type="date"
            className="input"
            aria-label="To day"
            value={filters.toDay ?? ''}
            min={filters.fromDay ?? undefined}
            onChange={(e) => onChange({ ...filters, toDay: e.target.value || null })}
          />
        </span>
      )}
    </div>
  );
}

/** A button that opens a list of status checkboxes; Escape or a click outside closes it. */
function StatusPicker({ selected: fromUrl, onChange }: { selected: string[]; onChange(next: string[]): void }) {
  const [open, setOpen] = useState(false);
  // The boxes answer the click at once; the URL (and the list) follow a moment later.
  const [selected, setSelected] = useState(fromUrl);
  useEffect(() => setSelected(fromUrl), [fromUrl.join(',')]);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  const summary =
    selected.length === 0
      ? 'All statuses'
      : selected.length <= 2
        ? selected.map((s) => statusOptions.find((o) => o.value === s)?.label ?? s).join(', ')
        : `${selected.length} statuses`;
  const change = (next: string[]) => {
    setSelected(next);
    onChange(next);
  };
  const toggle = (value: string) => change(statusOptions.map((o) => o.value).filter((v) => (v === value ? !selected.includes(v) : selected.includes(v))));

  return (
    <div
      className="ex-status"
      ref={root}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        className={clsx('btn ex-status-button', selected.length > 0 && 'ex-status-active')}
        aria-expanded={open}
        aria-controls={id}
        aria-label={`Status: ${summary}`}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="muted">Status</span> {summary}
        <ChevronDown size={14} aria-hidden />
      </button>
      {open && (
        <div className="ex-status-menu" id={id} role="group" aria-label="Status">
          {statusOptions.map((o) => (
            <label key={o.value} className="ex-status-option">
              <input type="checkbox" checked={selected.includes(o.value)} onChange={() => toggle(o.value)} />
              <span className={`ex-status-swatch ex-status-${o.value}`} aria-hidden />
              {o.label}
              {selected.includes(o.value) && <Check size={14} className="ex-status-check" aria-hidden />}
            </label>
          ))}
          <button type="button" className="btn btn-ghost btn-sm ex-status-all" disabled={selected.length === 0} onClick={() => change([])}>
            Show all
          </button>
        </div>
      )}
    </div>
  );
}
