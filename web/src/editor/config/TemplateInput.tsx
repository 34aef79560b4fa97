import { Fragment, createContext, useContext, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import clsx from 'clsx';
import { filterSuggestions, insertSuggestion, openPlaceholder, type Suggestion } from './templateSuggestions';

/** What the fields of the selected step can reference; the config panel provides it for the whole form. */
export const SuggestionsContext = createContext<Suggestion[]>([]);

interface Props {
  id?: string;
  value: string;
  onChange(value: string): void;
  multiline?: boolean;
  placeholder?: string;
  invalid?: boolean;
  describedBy?: string;
  ariaLabel?: string;
  required?: boolean;
  className?: string;
  onBlur?(): void;
  onKeyDown?(e: KeyboardEvent<HTMLInputElement | HTMLTextAreaElement>): void;
  /**
   * `template` (default): suggestions open after `{{` (or Ctrl+Space) and insert `path}}`.
   * `path`: the whole value is a variable path (a condition row's variable); suggestions filter by it and replace it.
   */
  mode?: 'template' | 'path';
  /** Suggestions to use instead of the context's (a trigger filter reads the trigger's fields by bare name). */
  suggestions?: Suggestion[];
}

interface Open {
  start: number;
  query: string;
}

/** A text input or area that completes `{{template}}` paths from what is in scope upstream of the step. */
export function TemplateInput({ id, value, onChange, multiline, placeholder, invalid, describedBy, ariaLabel, required, className, onBlur, onKeyDown, mode = 'template', suggestions }: Props) {
  const scope = useContext(SuggestionsContext);
  const all = suggestions ?? scope;
  const listId = useId();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [open, setOpen] = useState<Open | null>(null);
  const [active, setActive] = useState(0);
  const pendingCaret = useRef<number | null>(null);
  const matches = open ? filterSuggestions(all, open.query).slice(0, 50) : [];
  const shown = open !== null && matches.length > 0;

  useLayoutEffect(() => {
    if (pendingCaret.current === null || !ref.current) return;
    ref.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
    pendingCaret.current = null;
  });

  useLayoutEffect(() => {
    if (!shown) return;
    document.getElementById(`${listId}-${active}`)?.scrollIntoView?.({ block: 'nearest' });
  }, [active, shown, listId]);

  // Near the bottom of the panel the list opens upwards, so it is not cut off by the panel's scrolling.
  const [upwards, setUpwards] = useState(false);
  useLayoutEffect(() => {
    if (!shown || !ref.current) return;
    const field = ref.current.getBoundingClientRect();
    const box = ref.current.closest('.cfg-body')?.getBoundingClientRect() ?? { top: 0, bottom: window.innerHeight };
    setUpwards(box.bottom - field.bottom < 250 && field.top - box.top > box.bottom - field.bottom);
  }, [shown]);

  const openAt = (o: Open | null) => {
    setOpen(o);
    setActive(0);
  };

  const refresh = (text: string, caret: number) => {
    if (mode === 'path') openAt({ start: 0, query: text });
    else openAt(openPlaceholder(text, caret));
  };

  const choose = (s: Suggestion) => {
    const el = ref.current;
    if (!el || !open) return;
    if (mode === 'path') {
      onChange(s.path);
      pendingCaret.current = s.path.length;
    } else {
      const result = insertSuggestion(value, el.selectionStart ?? value.length, open.start, s.path);
      onChange(result.text);
      pendingCaret.current = result.caret;
    }
    setOpen(null);
  };

  const keyDown = (e: KeyboardEvent<HTMLInputElement & HTMLTextAreaElement>) => {
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      const el = e.currentTarget;
      const caret = el.selectionStart ?? value.length;
      if (mode === 'path') return openAt({ start: 0, query: value });
      const inside = openPlaceholder(value, caret);
      if (inside) return openAt(inside);
      // Outside a placeholder, Ctrl+Space starts one.
      onChange(value.slice(0, caret) + '{{' + value.slice(caret));
      pendingCaret.current = caret + 2;
      return openAt({ start: caret + 2, query: '' });
    }
    if (shown) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        return setActive((a) => (a + 1) % matches.length);
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        return setActive((a) => (a - 1 + matches.length) % matches.length);
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        return choose(matches[Math.min(active, matches.length - 1)]);
      }
      if (e.key === 'Escape') {
        // Closes the list only, not the dialog or panel around the field.
        e.preventDefault();
        e.stopPropagation();
        return setOpen(null);
      }
    }
    onKeyDown?.(e);
  };

  const common = {
    id,
    ref,
    value,
    placeholder,
    required,
    'aria-label': ariaLabel,
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    'aria-autocomplete': 'list' as const,
    'aria-controls': shown ? listId : undefined,
    'aria-activedescendant': shown ? `${listId}-${active}` : undefined,
    spellCheck: false,
    autoComplete: 'off',
    onChange: (e: { target: HTMLInputElement | HTMLTextAreaElement }) => {
      onChange(e.target.value);
      refresh(e.target.value, e.target.selectionStart ?? e.target.value.length);
    },
    onKeyDown: keyDown,
    onClick: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
      if (mode === 'template' && open) refresh(value, e.currentTarget.selectionStart ?? value.length);
    },
    onFocus: () => {
      if (mode === 'path') openAt({ start: 0, query: value });
    },
    onBlur: () => {
      setOpen(null);
      onBlur?.();
    },
  };

  return (
    <div className="tpl">
      {multiline ? (
        <textarea {...common} className={clsx('textarea tpl-input', className)} rows={4} />
      ) : (
        <input {...common} className={clsx('input tpl-input', className)} />
      )}
      {shown && (
        <ul className={clsx('tpl-list', upwards && 'tpl-list-up')} role="listbox" id={listId} aria-label="Suggestions">
          {matches.map((s, i) => (
            <Fragment key={s.path}>
              {mode === 'template' && s.group !== matches[i - 1]?.group && (
                <li className="tpl-group" role="presentation">
                  {s.group}
                </li>
              )}
              <li
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                className={clsx('tpl-option', i === active && 'is-active')}
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => choose(s)}
              >
                <span className="tpl-path">{s.path}</span>
                <span className="tpl-meta">
                  <span className="tpl-type">{s.type}</span>
                  {s.description}
                </span>
              </li>
            </Fragment>
          ))}
        </ul>
      )}
    </div>
  );
}
