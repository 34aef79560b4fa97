/**
 * The condition builder's model: rows of variable / operator / value joined by one combinator, and their two written
 * forms — the string language (the server's ConditionParser) and the structured `{combinator, conditions}` object.
 * Rows only express a flat list with a single AND or OR; anything richer (parentheses, NOT, mixed AND/OR, a literal
 * on the left) is left as text rather than rewritten.
 */
export type Combinator = 'AND' | 'OR';

export interface ConditionRow {
  /** A path without braces: `steps.sentiment.sentiment`, or a trigger field in a filter. */
  variable: string;
  operator: OperatorId;
  /** The value as typed: `negative`, `0.5`, `true`, `{{steps.a.b}}`; unused by is_empty and exists. */
  value: string;
  /** Fields of a structured condition the rows do not edit (its `type`), kept as written. */
  extra?: Record<string, unknown>;
}

export interface ConditionRows {
  combinator: Combinator;
  rows: ConditionRow[];
}

export type OperatorId =
  | 'equals' | 'not_equals' | 'contains' | 'not_contains' | 'starts_with' | 'ends_with'
  | 'greater_than' | 'less_than' | 'greater_or_equal' | 'less_or_equal' | 'is_empty' | 'exists';

/** The operators in the order a person looks for them; `text` is what the string language is written with. */
export const operators: { id: OperatorId; label: string; text: string; unary?: boolean }[] = [
  { id: 'equals', label: 'is equal to', text: '==' },
  { id: 'not_equals', label: 'is not equal to', text: '!=' },
  { id: 'contains', label: 'contains', text: 'contains' },
  { id: 'not_contains', label: 'does not contain', text: 'not_contains' },
  { id: 'starts_with', label: 'starts with', text: 'starts_with' },
  { id: 'ends_with', label: 'ends with', text: 'ends_with' },
  { id: 'greater_than', label: 'is greater than', text: '>' },
  { id: 'less_than', label: 'is less than', text: '<' },
  { id: 'greater_or_equal', label: 'is at least', text: '>=' },
  { id: 'less_or_equal', label: 'is at most', text: '<=' },
  { id: 'is_empty', label: 'is empty', text: 'is_empty', unary: true },
  { id: 'exists', label: 'exists', text: 'exists', unary: true },
];

export const isUnary = (op: OperatorId) => op === 'is_empty' || op === 'exists';

const symbols: Record<string, OperatorId> = { '==': 'equals', '!=': 'not_equals', '>': 'greater_than', '<': 'less_than', '>=': 'greater_or_equal', '<=': 'less_or_equal' };
const words: Record<string, OperatorId> = {
  equals: 'equals', notequals: 'not_equals', greaterthan: 'greater_than', lessthan: 'less_than', greaterorequal: 'greater_or_equal',
  lessorequal: 'less_or_equal', contains: 'contains', notcontains: 'not_contains', startswith: 'starts_with', endswith: 'ends_with',
  isempty: 'is_empty', exists: 'exists',
};

/** An operator name as the server reads it: symbols, or words ignoring case, `_`, `-` and spaces. */
export function parseOperator(name: string): OperatorId | null {
  return symbols[name] ?? words[name.replace(/[_\- ]/g, '').toLowerCase()] ?? null;
}

const placeholder = /^\{\{\s*([A-Za-z_$][A-Za-z0-9_\-$]*(?:\.[A-Za-z0-9_\-$]+|\[\d+\])*)\s*\}\}$/;
const numberText = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export const emptyRow = (): ConditionRow => ({ variable: '', operator: 'equals', value: '' });

/** A variable as typed (`{{a.b}}` or `a.b`) without its braces. */
export const bare = (variable: string) => variable.trim().replace(/^\{\{\s*/, '').replace(/\s*\}\}$/, '');

// ---- the string language ------------------------------------------------------------------------------------------

/** How a typed value is written: a lone placeholder or a number as is, true/false/null as keywords, else quoted. */
function literal(value: string): string {
  const v = value.trim();
  if (placeholder.test(v) || numberText.test(v) || v === 'true' || v === 'false' || v === 'null') return v;
  return quote(value);
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

/** The rows in the string language; rows without a variable are left out (still being filled in). */
export function rowsToText({ combinator, rows }: ConditionRows): string {
  return rows
    .filter((r) => bare(r.variable))
    .map((r) => {
      const op = operators.find((o) => o.id === r.operator)!;
      const left = `{{${bare(r.variable)}}}`;
      return op.unary ? `${left} ${op.text}` : `${left} ${op.text} ${literal(r.value)}`;
    })
    .join(` ${combinator} `);
}

type Token =
  | { kind: 'placeholder'; path: string; raw: string }
  | { kind: 'string'; value: string }
  | { kind: 'number' | 'word' | 'symbol' | 'paren'; raw: string };

function lex(text: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { tokens.push({ kind: 'paren', raw: c }); i++; continue; }
    if (c === '{' && text[i + 1] === '{') {
      const end = text.indexOf('}}', i + 2);
      if (end < 0) return null;
      const raw = text.slice(i, end + 2);
      const m = placeholder.exec(raw);
      if (!m) return null;
      tokens.push({ kind: 'placeholder', path: m[1], raw });
      i = end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const d = text[j];
        if (d === c) { closed = true; j++; break; }
        if (d === '\\') {
          const e = text[j + 1];
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '/': '/' };
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) { value += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16)); j += 6; continue; }
          if (e === undefined || !(e in map)) return null;
          value += map[e];
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      if (!closed) return null;
      tokens.push({ kind: 'string', value });
      i = j;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num && (c !== '-' || /\d/.test(text[i + 1] ?? ''))) { tokens.push({ kind: 'number', raw: num[0] }); i += num[0].length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) { tokens.push({ kind: 'word', raw: word[0] }); i += word[0].length; continue; }
    const sym = /^[=!<>&|~^%*+/;:,?@#`\\]+/.exec(text.slice(i));
    if (sym) { tokens.push({ kind: 'symbol', raw: sym[0] }); i += sym[0].length; continue; }
    return null;
  }
  return tokens;
}

/**
 * The rows a string condition is, or null when rows cannot say it as written: parentheses, NOT, AND mixed with OR,
 * a lone value, a literal on the left, or a quoted string the rows would write differently (`'5'` would come back as 5).
 * An empty text is no rows.
 */
export function textToRows(text: string): ConditionRows | null {
  const tokens = lex(text);
  if (!tokens) return null;
  if (tokens.length === 0) return { combinator: 'AND', rows: [] };
  const rows: ConditionRow[] = [];
  let combinator: Combinator | null = null;
  let i = 0;
  for (;;) {
    const left = tokens[i++];
    if (left?.kind !== 'placeholder') return null;
    const opToken = tokens[i++];
    if (!opToken || (opToken.kind !== 'word' && opToken.kind !== 'symbol')) return null;
    const op = parseOperator(opToken.raw);
    if (!op) return null;
    let value = '';
    if (!isUnary(op)) {
      const right = tokens[i++];
      if (!right) return null;
      if (right.kind === 'placeholder') value = `{{${right.path}}}`;
      else if (right.kind === 'number') value = right.raw;
      else if (right.kind === 'word' && /^(true|false|null)$/i.test(right.raw)) value = right.raw.toLowerCase();
      else if (right.kind === 'string') {
        // The rows write a value that looks like a number, keyword or placeholder unquoted: keep such a string as text.
        if (literal(right.value) !== quote(right.value)) return null;
        value = right.value;
      } else return null;
    }
    rows.push({ variable: left.path, operator: op, value });
    const next = tokens[i++];
    if (!next) break;
    if (next.kind !== 'word' || !/^(and|or)$/i.test(next.raw)) return null;
    const c = next.raw.toUpperCase() as Combinator;
    if (combinator && combinator !== c) return null;
    combinator = c;
  }
  return { combinator: combinator ?? 'AND', rows };
}

// ---- the structured form ------------------------------------------------------------------------------------------

/** A structured value as typed text: strings as they are, other JSON as JSON. */
function valueToText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Typed text back to a structured value: numbers and true/false/null as JSON, anything else a string. */
function textToValue(text: string): unknown {
  const v = text.trim();
  if (numberText.test(v)) return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  if (v === 'null') return null;
  return text;
}

/**
 * The rows of a `{combinator, conditions}` object, or null when it holds more than flat comparisons (nested groups,
 * `next` chains, an unknown operator), which stay as written.
 */
export function structuredToRows(value: unknown): ConditionRows | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.some((k) => k !== 'combinator' && k !== 'conditions')) return null;
  const c = v.combinator === undefined ? 'AND' : typeof v.combinator === 'string' ? v.combinator.toUpperCase() : null;
  if (c !== 'AND' && c !== 'OR') return null;
  const list = v.conditions === undefined ? [] : v.conditions;
  if (!Array.isArray(list)) return null;
  const rows: ConditionRow[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
    const { variable, operator, value: itemValue, ...extra } = item as Record<string, unknown>;
    if (Object.keys(extra).some((k) => k !== 'type')) return null;
    if (typeof variable !== 'string' || typeof operator !== 'string') return null;
    const op = parseOperator(operator);
    if (!op) return null;
    const valueText = valueToText(itemValue);
    if (itemValue !== undefined && !isUnary(op) && !sameJson(textToValue(valueText), itemValue)) return null;
    rows.push({ variable, operator: op, value: valueText, ...(Object.keys(extra).length ? { extra } : {}) });
  }
  return { combinator: c, rows };
}

/** Rows as `{combinator, conditions}`; rows without a variable are left out (still being filled in). */
export function rowsToStructured({ combinator, rows }: ConditionRows): { combinator: Combinator; conditions: Record<string, unknown>[] } {
  return {
    combinator,
    conditions: rows
      .filter((r) => r.variable.trim())
      .map((r) => ({
        variable: r.variable.trim(),
        operator: r.operator,
        ...(isUnary(r.operator) ? {} : { value: textToValue(r.value) }),
        ...(r.extra ?? {}),
      })),
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
