import { createContext, useContext, type ReactNode } from 'react';

/** Server validation messages for the form, by field path (`retry.maxAttempts`, `variants[0].name`). */
export interface FieldMessages {
  errors: Map<string, string[]>;
  warnings: Map<string, string[]>;
}

export const FieldMessagesContext = createContext<FieldMessages>({ errors: new Map(), warnings: new Map() });

/**
 * The messages for one field. With `nested`, also those for paths inside it (`filter.conditions[0].operator` under
 * the filter), prefixed with where they are: a field whose control has no sub-fields must still show them.
 */
export function useFieldMessages(path: string, nested = false) {
  const { errors, warnings } = useContext(FieldMessagesContext);
  const collect = (map: Map<string, string[]>) => {
    const out = [...(map.get(path) ?? [])];
    if (!nested) return out;
    for (const [key, list] of map) {
      if (key.length > path.length && key.startsWith(path) && (key[path.length] === '.' || key[path.length] === '[')) {
        const where = key.slice(path.length).replace(/^\./, '');
        out.push(...list.map((m) => `${where}: ${m}`));
      }
    }
    return out;
  };
  return { errors: collect(errors), warnings: collect(warnings) };
}

/** A DOM id for a field path: `cfg-escalate-retry-maxAttempts`. */
export const fieldId = (prefix: string, path: string) => `${prefix}-${path.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

interface Props {
  id: string;
  label: string;
  required?: boolean;
  help?: string;
  /** Shown under the field while typing (a duration's parse error); the server's errors for `path` follow it. */
  localError?: string | null;
  hint?: ReactNode;
  path: string;
  /** A switch puts its label beside the control. */
  inline?: boolean;
  /** Rows (a condition, name/value pairs) read better with their explanation above them. */
  helpAbove?: boolean;
  children: ReactNode;
}

/** Label, control, help, and the errors for one field, wired together for screen readers. */
export function FieldShell({ id, label, required, help, localError, hint, path, inline, helpAbove, children }: Props) {
  const { errors, warnings } = useFieldMessages(path, true);
  const messages = [...(localError ? [localError] : []), ...errors];
  return (
    <div className={inline ? 'cfg-field cfg-field-inline' : 'cfg-field'}>
      <label className="field-label" htmlFor={id}>
        {label}
        {required && (
          <span className="required" aria-hidden>
            *
          </span>
        )}
        {required && <span className="sr-only"> (required)</span>}
      </label>
      {help && helpAbove && (
        <div className="field-help" id={`${id}-help`}>
          {help}
        </div>
      )}
      {children}
      {hint && <div className="cfg-hint">{hint}</div>}
      {help && !helpAbove && (
        <div className="field-help" id={`${id}-help`}>
          {help}
        </div>
      )}
      {messages.map((m, i) => (
        <div className="field-error" id={i === 0 ? `${id}-error` : undefined} key={`e${i}`} role={i === 0 && localError ? 'alert' : undefined}>
          {m}
        </div>
      ))}
      {warnings.map((m, i) => (
        <div className="cfg-warning" key={`w${i}`}>
          {m}
        </div>
      ))}
    </div>
  );
}

/** The `aria-describedby` of a field: its help and its first error. */
export function describedBy(id: string, help: string | undefined, hasError: boolean): string | undefined {
  return [help ? `${id}-help` : null, hasError ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
}
