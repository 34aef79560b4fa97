import { useEffect, useState } from 'react';
import { describeDefault, labelOf, type JsonSchema } from './schema';
import { FieldShell, describedBy, fieldId, useFieldMessages } from './FieldShell';
import { TemplateInput } from './TemplateInput';
import { durationValue, formatSeconds, parseDuration } from './duration';
import { isTemplate } from './values';

/** What every field gets: its property, its value, where it sits (for ids and server errors), and how to change it. */
export interface FieldProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  /** `undefined` removes the property: a cleared field goes back to the default instead of storing "". */
  onChange(value: unknown): void;
  path: string;
  required: boolean;
  idPrefix: string;
}

export function useFieldIds(props: FieldProps) {
  const id = fieldId(props.idPrefix, props.path);
  const { errors } = useFieldMessages(props.path, true);
  return { id, label: labelOf(props.name, props.schema), help: props.schema.description, hasError: errors.length > 0 };
}

/** A string (one line or a text area), completing `{{templates}}`. */
export function TextField(props: FieldProps & { multiline: boolean }) {
  const { id, label, help, hasError } = useFieldIds(props);
  const value = typeof props.value === 'string' ? props.value : props.value === undefined ? '' : JSON.stringify(props.value);
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path}>
      <TemplateInput
        id={id}
        value={value}
        multiline={props.multiline}
        placeholder={describeDefault(props.schema.default)}
        invalid={hasError}
        describedBy={describedBy(id, help, hasError)}
        onChange={(v) => props.onChange(v === '' ? undefined : v)}
      />
    </FieldShell>
  );
}

/** Number text as typed, kept while it is not yet a number ("1.", "-"), resynced when the value changes elsewhere (undo). */
function useDraft(value: unknown, toText: (v: unknown) => string, same: (text: string, v: unknown) => boolean) {
  const [text, setText] = useState(() => toText(value));
  useEffect(() => {
    setText((t) => (same(t, value) ? t : toText(value)));
  }, [value]);
  return [text, setText] as const;
}

const numberToText = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function NumberField(props: FieldProps & { integer: boolean }) {
  const { id, label, help, hasError } = useFieldIds(props);
  const s = props.schema;
  const [text, setText] = useDraft(props.value, numberToText, (t, v) => (t.trim() === '' ? v === undefined : Number(t) === v || t === v));
  const min = s.minimum ?? s.exclusiveMinimum;
  const max = s.maximum ?? s.exclusiveMaximum;
  const range = min !== undefined && max !== undefined ? `From ${min} to ${max}.` : min !== undefined ? `At least ${min}.` : max !== undefined ? `At most ${max}.` : null;
  const local = (() => {
    const t = text.trim();
    if (!t || isTemplate(t)) return null;
    const n = Number(t);
    if (!Number.isFinite(n)) return 'Enter a number.';
    if (props.integer && !Number.isInteger(n)) return 'Enter a whole number.';
    if (s.minimum !== undefined && n < s.minimum) return `Must be at least ${s.minimum}.`;
    if (s.maximum !== undefined && n > s.maximum) return `Must be at most ${s.maximum}.`;
    if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum) return `Must be greater than ${s.exclusiveMinimum}.`;
    return null;
  })();
  return (
    <FieldShell id={id} label={label} required={props.required} help={[help, range].filter(Boolean).join(' ') || undefined} path={props.path} localError={local}>
      <input
        id={id}
        className="input"
        inputMode={props.integer ? 'numeric' : 'decimal'}
        value={text}
        placeholder={describeDefault(s.default)}
        aria-invalid={hasError || !!local || undefined}
        aria-describedby={describedBy(id, help || range || undefined, hasError || !!local)}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          const trimmed = t.trim();
          if (trimmed === '') props.onChange(undefined);
          else if (isTemplate(trimmed)) props.onChange(trimmed);
          else if (Number.isFinite(Number(trimmed))) props.onChange(Number(trimmed));
        }}
      />
    </FieldShell>
  );
}

/** A switch; while unset it shows the default, which is not written until toggled. */
export function BooleanField(props: FieldProps) {
  const { id, label, help } = useFieldIds(props);
  const checked = typeof props.value === 'boolean' ? props.value : props.schema.default === true;
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path} inline>
      <button
        id={id}
        type="button"
        role="switch"
        aria-checked={checked}
        aria-describedby={help ? `${id}-help` : undefined}
        className="cfg-switch"
        onClick={() => props.onChange(!checked)}
      >
        <span className="cfg-switch-thumb" />
      </button>
    </FieldShell>
  );
}

const unset = '\u0000unset';

/** A select; an empty-string option reads "Default", and an optional field without one offers "Default (x)". */
export function EnumField(props: FieldProps) {
  const { id, label, help, hasError } = useFieldIds(props);
  const options = props.schema.enum ?? [];
  const hasEmpty = options.includes('');
  const def = describeDefault(props.schema.default);
  const current = props.value === undefined ? (hasEmpty ? '' : unset) : props.value;
  const known = options.some((o) => o === current) || current === unset;
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path}>
      <select
        id={id}
        className="select"
        value={known ? JSON.stringify(current) : '"\u0000other"'}
        aria-invalid={hasError || undefined}
        aria-describedby={describedBy(id, help, hasError)}
        onChange={(e) => {
          const picked = JSON.parse(e.target.value) as unknown;
          props.onChange(picked === unset ? undefined : picked);
        }}
      >
        {!hasEmpty && <option value={JSON.stringify(unset)}>{props.required ? 'Choose…' : def ? `Default (${def})` : 'Not set'}</option>}
        {!known && <option value={'"\u0000other"'}>{String(props.value)}</option>}
        {options.map((o) => (
          <option key={JSON.stringify(o)} value={JSON.stringify(o)}>
            {o === '' ? (def ? `Default (${def})` : 'Default') : String(o)}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

const durationToText = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** A duration: 500ms, 30s, 5m, 1h30m, PT5M or seconds, checked as typed, with what it amounts to. */
export function DurationField(props: FieldProps) {
  const { id, label, help, hasError } = useFieldIds(props);
  const [text, setText] = useDraft(props.value, durationToText, (t, v) => (t.trim() === '' ? v === undefined : durationValue(t) === v));
  const trimmed = text.trim();
  const parsed = trimmed && !isTemplate(trimmed) ? parseDuration(trimmed) : null;
  const max = props.schema.maxDuration ? parseDuration(props.schema.maxDuration) : null;
  const local = parsed && !parsed.ok ? parsed.error : parsed?.ok && max?.ok && parsed.seconds > max.seconds ? `Must be at most ${props.schema.maxDuration}.` : null;
  const hint = parsed?.ok && !local && !/^\d+(\.\d+)?$/.test(trimmed) ? `= ${formatSeconds(parsed.seconds)}` : parsed?.ok && !local ? `${formatSeconds(parsed.seconds)}` : null;
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path} localError={local} hint={hint}>
      <input
        id={id}
        className="input"
        value={text}
        placeholder={describeDefault(props.schema.default) ?? 'e.g. 30s, 5m, PT5M'}
        aria-invalid={hasError || !!local || undefined}
        aria-describedby={describedBy(id, help, hasError || !!local)}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          const t = e.target.value.trim();
          // Written even while invalid, so what is on screen is what is saved; the error says what to fix.
          props.onChange(t === '' ? undefined : durationValue(t));
        }}
      />
    </FieldShell>
  );
}
