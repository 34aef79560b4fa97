import { useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Info, Plus, X } from 'lucide-react';
import clsx from 'clsx';
import {
  emptyRow, isUnary, operators, rowsToStructured, rowsToText, structuredToRows, textToRows,
  type Combinator, type ConditionRow, type ConditionRows, type OperatorId,
} from './conditions';
import { FieldShell, describedBy } from './FieldShell';
import { SuggestionsContext, TemplateInput } from './TemplateInput';
import { useFieldIds, type FieldProps } from './ScalarFields';
import { parseJson } from './values';
import type { Suggestion } from './templateSuggestions';

type Mode = 'rows' | 'text' | 'json';

interface State {
  mode: Mode;
  rows: ConditionRows;
  text: string;
  /** Why the condition is not shown as rows. */
  note: string | null;
}

const notExpressible = 'This condition uses parentheses, NOT, a mix of AND and OR, or values the builder cannot show, so it is edited as text.';
const notStructured = 'This condition is written in a structured form the builder cannot show (nested groups or chained comparisons); edit it as JSON.';

function derive(value: unknown): State {
  const start = (rows: ConditionRows): ConditionRows => (rows.rows.length ? rows : { ...rows, rows: [emptyRow()] });
  if (value === undefined || value === null || value === '') {
    return { mode: 'rows', rows: start({ combinator: 'AND', rows: [] }), text: '', note: null };
  }
  if (typeof value === 'string') {
    const rows = textToRows(value);
    return rows ? { mode: 'rows', rows: start(rows), text: value, note: null } : { mode: 'text', rows: start({ combinator: 'AND', rows: [] }), text: value, note: notExpressible };
  }
  const rows = structuredToRows(value);
  if (rows) return { mode: 'rows', rows: start(rows), text: '', note: null };
  return { mode: 'json', rows: start({ combinator: 'AND', rows: [] }), text: JSON.stringify(value, null, 2), note: notStructured };
}

/**
 * The condition of a Condition step (rows, or the string language with the "Text" toggle) and a trigger's filter
 * (rows only: the server takes a filter as `{combinator, conditions}`). A condition is written back in the form it
 * came in: a string stays a string, a structured object stays structured, until the user switches to Text.
 */
export function ConditionBuilder(props: FieldProps & { kind: 'condition' | 'filter' }) {
  const { id, label, help, hasError } = useFieldIds(props);
  const [state, setState] = useState<State>(() => derive(props.value));
  const written = useRef<unknown>(props.value);
  const scope = useContext(SuggestionsContext);
  // A filter reads the trigger's event: its fields by their bare names (message_text), which the server resolves.
  const variableSuggestions = useMemo<Suggestion[]>(
    () => (props.kind === 'filter' ? scope.filter((s) => s.group === 'Trigger').map((s) => ({ ...s, path: s.path.replace(/^trigger\./, '') })) : scope),
    [scope, props.kind],
  );

  useEffect(() => {
    if (JSON.stringify(props.value) !== JSON.stringify(written.current)) {
      written.current = props.value;
      setState(derive(props.value));
    }
  }, [props.value, props.kind]);

  const write = (value: unknown) => {
    // Adding an empty row changes nothing the server sees: no edit, no save.
    if (JSON.stringify(value) === JSON.stringify(written.current)) return;
    written.current = value;
    props.onChange(value);
  };

  /** Rows are written in the form the value has: structured for a filter or a structured condition, else text. */
  const structured = props.kind === 'filter' || (typeof props.value === 'object' && props.value !== null);
  const setRows = (rows: ConditionRows) => {
    setState((s) => ({ ...s, rows }));
    const complete = rows.rows.filter((r) => r.variable.trim());
    if (complete.length === 0) return write(undefined);
    write(structured ? rowsToStructured(rows) : rowsToText(rows));
  };
  const setRow = (i: number, row: ConditionRow) => setRows({ ...state.rows, rows: state.rows.rows.map((r, j) => (j === i ? row : r)) });

  const toText = () => {
    // Unedited rows show the text as it was written (aliases, quotes and spacing kept), not a rewrite of it.
    const written = typeof props.value === 'string' ? props.value : null;
    const parsed = written !== null ? textToRows(written) : null;
    const text = written !== null && parsed && rowsToText(parsed) === rowsToText(state.rows) ? written : rowsToText(state.rows);
    setState({ ...state, mode: 'text', text, note: null });
    write(text || undefined);
  };
  const toRows = () => {
    const rows = textToRows(state.text);
    if (!rows) return setState({ ...state, note: notExpressible });
    setState({ mode: 'rows', rows: rows.rows.length ? rows : { ...rows, rows: [emptyRow()] }, text: state.text, note: null });
  };

  const json = state.mode === 'json' ? parseJson(state.text) : null;
  return (
    <FieldShell id={id} label={label} required={props.required} help={help} path={props.path} localError={json && !json.ok ? json.error : null} helpAbove>
      <div className="cond" id={id} role="group" aria-label={label} aria-describedby={describedBy(id, help, hasError)}>
        {props.kind === 'condition' && state.mode !== 'json' && (
          <div className="cond-modes" role="group" aria-label="Condition editor">
            <button type="button" className={clsx('cond-mode', state.mode === 'rows' && 'is-on')} aria-pressed={state.mode === 'rows'} onClick={() => state.mode !== 'rows' && toRows()}>
              Builder
            </button>
            <button type="button" className={clsx('cond-mode', state.mode === 'text' && 'is-on')} aria-pressed={state.mode === 'text'} onClick={() => state.mode !== 'text' && toText()}>
              Text
            </button>
          </div>
        )}
        {state.note && (
          <p className="cond-note" role="note">
            <Info size={14} aria-hidden /> {state.note}
          </p>
        )}
        {state.mode === 'text' && (
          <TemplateInput
            ariaLabel={`${label} text`}
            multiline
            className="cfg-mono"
            value={state.text}
            invalid={hasError}
            placeholder="{{steps.sentiment.sentiment_score}} < 0 AND {{trigger.message_text}} contains 'refund'"
            onChange={(text) => {
              setState((s) => ({ ...s, text }));
              write(text === '' ? undefined : text);
            }}
          />
        )}
        {state.mode === 'json' && (
          <textarea
            className="textarea cfg-mono"
            aria-label={`${label} JSON`}
            rows={6}
            spellCheck={false}
            value={state.text}
            onChange={(e) => {
              setState((s) => ({ ...s, text: e.target.value }));
              const p = parseJson(e.target.value);
              if (p.ok) write(p.value);
            }}
          />
        )}
        {state.mode === 'rows' && (
          <Rows
            rows={state.rows}
            onChange={setRows}
            onRow={setRow}
            variableSuggestions={variableSuggestions}
            variablePlaceholder={props.kind === 'filter' ? 'Trigger field, e.g. message_text' : 'Variable, e.g. steps.sentiment.sentiment'}
          />
        )}
      </div>
    </FieldShell>
  );
}

interface RowsProps {
  rows: ConditionRows;
  onChange(rows: ConditionRows): void;
  onRow(i: number, row: ConditionRow): void;
  variableSuggestions: Suggestion[];
  variablePlaceholder: string;
}

function Rows({ rows, onChange, onRow, variableSuggestions, variablePlaceholder }: RowsProps) {
  const setCombinator = (combinator: Combinator) => onChange({ ...rows, combinator });
  return (
    <div className="cond-rows">
      {rows.rows.length > 1 && (
        <div className="cond-combinator" role="radiogroup" aria-label="Combine conditions">
          <span className="muted">Match</span>
          {(['AND', 'OR'] as const).map((c) => (
            <button key={c} type="button" role="radio" aria-checked={rows.combinator === c} className={clsx('cond-mode', rows.combinator === c && 'is-on')} onClick={() => setCombinator(c)}>
              {c === 'AND' ? 'All (AND)' : 'Any (OR)'}
            </button>
          ))}
        </div>
      )}
      {rows.rows.map((row, i) => (
        <div key={i}>
          {i > 0 && <div className="cond-join">{rows.combinator}</div>}
          <div className="cond-row" role="group" aria-label={`Condition ${i + 1}`}>
            <TemplateInput
              mode="path"
              ariaLabel="Variable"
              placeholder={variablePlaceholder}
              className="cfg-mono"
              value={row.variable}
              suggestions={variableSuggestions}
              onChange={(variable) => onRow(i, { ...row, variable })}
            />
            <div className="cond-row-line">
              <select className="select cond-op" aria-label="Operator" value={row.operator} onChange={(e) => onRow(i, { ...row, operator: e.target.value as OperatorId })}>
                {operators.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
              {!isUnary(row.operator) && (
                <TemplateInput ariaLabel="Value" placeholder="value" value={row.value} onChange={(value) => onRow(i, { ...row, value })} />
              )}
            </div>
            <button
              type="button"
              className="btn btn-ghost btn-sm btn-icon cond-remove"
              aria-label={`Remove condition ${i + 1}`}
              onClick={() => {
                const left = rows.rows.filter((_, j) => j !== i);
                onChange({ ...rows, rows: left.length ? left : [emptyRow()] });
              }}
            >
              <X size={14} aria-hidden />
            </button>
          </div>
        </div>
      ))}
      <button type="button" className="btn btn-sm cfg-add" onClick={() => onChange({ ...rows, rows: [...rows.rows, emptyRow()] })}>
        <Plus size={14} aria-hidden /> Add condition
      </button>
    </div>
  );
}
