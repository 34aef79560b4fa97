import { useEffect, useRef, useState } from 'react';
import { Plus, X } from 'lucide-react';
import { isObject } from '../model';
import { describeDefault } from './schema';
import { FieldShell, describedBy } from './FieldShell';
import { TemplateInput } from './TemplateInput';
import { useFieldIds, type FieldProps } from './ScalarFields';
import { fromLooseText, parseJson, toLooseText } from './values';

interface Entry {
  key: string;
  value: string;
}

const entriesOf = (value: unknown): Entry[] =>
  isObject(value) ? Object.entries(value).map(([key, v]) => ({ key, value: typeof v === 'string' ? v : JSON.stringify(v) })) : [];

/** The object the rows stand for: named rows only, the first of a repeated name winning, non-string values kept as JSON. */
function objectOf(entries: Entry[], previous: unknown): Record<string, unknown> {
  const before = isObject(previous) ? previous : {};
  const out: Record<string, unknown> = {};
  for (const { key, value } of entries) {
    const k = key.trim();
    if (!k || k in out) continue;
    const old = before[k];
    // A value that was JSON (a number, a list) stays JSON while it parses; typed text is a string.
    if (old !== undefined && typeof old !== 'string') {
      const parsed = parseJson(value);
      out[k] = parsed.ok && parsed.value !== undefined ? parsed.value : value;
    } else out[k] = value;
  }
  return out;
}

/** Free names to values (set-variable's variables, CRM fields, HTTP headers): rows of name and value. */
export function MapField(props: FieldProps) {
  const { id, label, help } = useFieldIds(props);
  const [rows, setRows] = useState<Entry[]>(() => entriesOf(props.value));
  const written = useRef<unknown>(props.value);
  useEffect(() => {
    // Another change (undo, a rename) replaced the object: show it instead of the rows being edited.
    if (JSON.stringify(props.value) !== JSON.stringify(written.current)) {
      setRows(entriesOf(props.value));
      written.current = props.value;
    }
  }, [props.value]);

  const update = (next: Entry[]) => {
    setRows(next);
    const obj = objectOf(next, props.value);
    const value = Object.keys(obj).length > 0 ? obj : undefined;
    written.current = value;
    props.onChange(value);
  };
  const names = rows.map((r) => r.key.trim());
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path} helpAbove>
      <div className="cfg-map" id={id} role="group" aria-label={label}>
        {rows.map((row, i) => (
          <div className="cfg-map-row" key={i}>
            <input
              className="input cfg-map-key"
              aria-label={`Name ${i + 1}`}
              placeholder="name"
              value={row.key}
              spellCheck={false}
              aria-invalid={(row.key.trim() !== '' && names.indexOf(row.key.trim()) !== i) || undefined}
              onChange={(e) => update(rows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))}
            />
            <TemplateInput
              ariaLabel={`Value ${i + 1}`}
              placeholder="value or {{template}}"
              value={row.value}
              onChange={(v) => update(rows.map((r, j) => (j === i ? { ...r, value: v } : r)))}
            />
            <button type="button" className="btn btn-ghost btn-sm btn-icon" aria-label={`Remove ${row.key || `row ${i + 1}`}`} onClick={() => update(rows.filter((_, j) => j !== i))}>
              <X size={14} aria-hidden />
            </button>
          </div>
        ))}
        <button type="button" className="btn btn-ghost btn-sm cfg-add" onClick={() => setRows([...rows, { key: '', value: '' }])}>
          <Plus size={14} aria-hidden /> Add {label.toLowerCase().replace(/s$/, '') || 'entry'}
        </button>
      </div>
    </FieldShell>
  );
}

/** A list of strings (approvers, keywords) as tags: Enter or comma adds, × removes. */
export function TagsField(props: FieldProps) {
  const { id, label, help, hasError } = useFieldIds(props);
  const [draft, setDraft] = useState('');
  const tags = Array.isArray(props.value) ? props.value.map(String) : [];
  const add = () => {
    const items = draft.split(',').map((t) => t.trim()).filter(Boolean);
    if (items.length === 0) return;
    props.onChange([...tags, ...items.filter((t) => !tags.includes(t))]);
    setDraft('');
  };
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path}>
      <div className="cfg-tags">
        {tags.map((t, i) => (
          <span className="cfg-tag" key={`${t}-${i}`}>
            {t}
            <button type="button" aria-label={`Remove ${t}`} onClick={() => {
              const next = tags.filter((_, j) => j !== i);
              props.onChange(next.length ? next : undefined);
            }}>
              <X size={12} aria-hidden />
            </button>
          </span>
        ))}
        <input
          id={id}
          className="cfg-tags-input"
          value={draft}
          placeholder={tags.length ? 'Add…' : describeDefault(props.schema.default) ?? 'Type and press Enter'}
          aria-invalid={hasError || undefined}
          aria-describedby={describedBy(id, help, hasError)}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={add}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',') {
              e.preventDefault();
              add();
            } else if (e.key === 'Backspace' && draft === '' && tags.length > 0) {
              const next = tags.slice(0, -1);
              props.onChange(next.length ? next : undefined);
            }
          }}
        />
      </div>
    </FieldShell>
  );
}

/** A set of allowed values (a webhook's methods) as checkboxes; unset shows the default ticked. */
export function EnumListField(props: FieldProps) {
  const { id, label, help } = useFieldIds(props);
  const options = (props.schema.items?.enum ?? []).map(String);
  const fallback = Array.isArray(props.schema.default) ? props.schema.default.map(String) : [];
  const current = Array.isArray(props.value) ? props.value.map(String) : fallback;
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path}>
      <div className="cfg-checks" id={id} role="group" aria-label={label}>
        {options.map((o) => (
          <label className="cfg-check" key={o}>
            <input
              type="checkbox"
              checked={current.includes(o)}
              onChange={(e) => props.onChange(e.target.checked ? options.filter((x) => x === o || current.includes(x)) : current.filter((x) => x !== o))}
            />
            {o}
          </label>
        ))}
      </div>
    </FieldShell>
  );
}

/** Untyped or mixed values (an HTTP body, a loop's items, a chat history): JSON when it looks like JSON, else text. */
export function AnyField(props: FieldProps) {
  const { id, label, help, hasError } = useFieldIds(props);
  const [text, setText] = useState(() => toLooseText(props.value));
  useEffect(() => {
    setText((t) => (JSON.stringify(fromLooseText(t)) === JSON.stringify(props.value) ? t : toLooseText(props.value)));
  }, [props.value]);
  const looksJson = /^\s*[[{]/.test(text);
  const parsed = looksJson ? parseJson(text) : null;
  const local = parsed && !parsed.ok ? `${parsed.error} (it will be sent as text)` : null;
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path} localError={local}>
      <TemplateInput
        id={id}
        multiline
        className="cfg-mono"
        value={text}
        invalid={hasError || !!local}
        describedBy={describedBy(id, help, hasError || !!local)}
        placeholder={describeDefault(props.schema.default)}
        onChange={(t) => {
          setText(t);
          props.onChange(fromLooseText(t));
        }}
      />
    </FieldShell>
  );
}

/** Anything the form has no control for, as JSON; a value that does not parse is kept on screen, not written. */
export function JsonField(props: FieldProps) {
  const { id, label, help, hasError } = useFieldIds(props);
  const [text, setText] = useState(() => (props.value === undefined ? '' : JSON.stringify(props.value, null, 2)));
  useEffect(() => {
    setText((t) => {
      const p = parseJson(t);
      return p.ok && JSON.stringify(p.value) === JSON.stringify(props.value) ? t : props.value === undefined ? '' : JSON.stringify(props.value, null, 2);
    });
  }, [props.value]);
  const parsed = parseJson(text);
  const local = parsed.ok ? null : parsed.error;
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path} localError={local} hint="JSON">
      <textarea
        id={id}
        className="textarea cfg-mono"
        rows={4}
        spellCheck={false}
        value={text}
        aria-invalid={hasError || !!local || undefined}
        aria-describedby={describedBy(id, help, hasError || !!local)}
        onChange={(e) => {
          setText(e.target.value);
          const p = parseJson(e.target.value);
          if (p.ok) props.onChange(p.value);
        }}
      />
    </FieldShell>
  );
}
