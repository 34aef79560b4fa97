/**
 * The subset of JSON Schema the node catalog uses (see the server's ConfigSchemaValidator), and how each property is
 * shown in the config form. Pure functions: the form components only render what {@link fieldKind} decides.
 */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  maxDuration?: string;
}

/**
 * How a property is edited:
 * - `text` / `multiline`: a string, with `{{template}}` autocompletion;
 * - `number` / `integer`, `boolean` (a switch), `enum` (a select), `duration` (500ms, 30s, PT5M or seconds);
 * - `fieldset`: an object with declared properties (the `retry` settings);
 * - `map`: an object of free names to values (set-variable's `variables`, CRM `fields`, HTTP `headers`);
 * - `objectList`: an array of objects (A/B `variants`, `intents`), `stringList` (tags), `enumList` (checkboxes);
 * - `condition`: a logic condition (text or structured), `filter`: a trigger filter (always structured);
 * - `any`: untyped or mixed, where a value is either JSON or text (an HTTP body, a loop's items);
 * - `json`: anything else, edited as JSON.
 */
export type FieldKind =
  | 'text' | 'multiline' | 'number' | 'integer' | 'boolean' | 'enum' | 'duration'
  | 'fieldset' | 'map' | 'objectList' | 'stringList' | 'enumList' | 'condition' | 'filter' | 'any' | 'json';

export function types(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/**
 * Prompts, bodies and messages are paragraphs, so they get a text area: `format: "multiline"` when a schema says so,
 * otherwise by name (the catalog's long-text fields are all named this way) or a long `maxLength`.
 */
const multilineNames = /(prompt|body|message|template|criteria|context|instructions|description)$/i;

export function isMultiline(name: string, schema: JsonSchema): boolean {
  if (schema.format === 'multiline') return true;
  if (schema.maxLength !== undefined) return schema.maxLength > 200;
  return multilineNames.test(name);
}

export function fieldKind(name: string, schema: JsonSchema): FieldKind {
  const t = types(schema);
  if (schema.format === 'duration') return 'duration';
  if (name === 'condition' && t.includes('string') && t.includes('object')) return 'condition';
  if (name === 'filter' && schema.properties?.conditions && schema.properties?.combinator) return 'filter';
  if (schema.enum && t.length <= 1) return 'enum';
  if (t.length === 0) return 'any';
  if (t.length > 1) return t.includes('string') ? 'any' : 'json';
  switch (t[0]) {
    case 'string':
      return isMultiline(name, schema) ? 'multiline' : 'text';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (schema.properties && Object.keys(schema.properties).length > 0) return 'fieldset';
      if (schema.additionalProperties === false) return 'json';
      return 'map';
    case 'array': {
      const items = schema.items;
      if (!items) return 'any';
      const itemTypes = types(items);
      if (itemTypes.length === 1 && itemTypes[0] === 'object' && items.properties) return 'objectList';
      if (itemTypes.length === 1 && itemTypes[0] === 'string') return items.enum ? 'enumList' : 'stringList';
      return 'json';
    }
    default:
      return 'json';
  }
}

/** `maxAttempts` → "Max attempts", `phone_number` → "Phone number": the label when a schema has no title. */
export function humanise(name: string): string {
  const words = name
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function labelOf(name: string, schema: JsonSchema): string {
  return schema.title?.trim() || humanise(name);
}

/** A default as placeholder text: `"30s"` → `30s`, `["POST"]` → `POST`. */
export function describeDefault(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The shared execution settings the server appends after a node's own properties: `retry`, and whichever of
 * `timeout` and `onError` come after it. A node that gives `timeout` its own meaning (an approval's wait for the
 * decision) declares it among its own properties, before `retry`, so it stays with the node's fields.
 */
export function executionSettingNames(properties: Record<string, JsonSchema>): Set<string> {
  const names = Object.keys(properties);
  const retry = names.indexOf('retry');
  const group = new Set<string>();
  if (retry < 0) return group;
  for (const name of names.slice(retry)) if (name === 'retry' || name === 'timeout' || name === 'onError') group.add(name);
  return group;
}

/** `retry` + `maxAttempts` → `retry.maxAttempts`, `variants` + 0 → `variants[0]`: the server's error paths. */
export function joinPath(parent: string, name: string | number): string {
  if (typeof name === 'number') return `${parent}[${name}]`;
  return parent ? `${parent}.${name}` : name;
}

/** The config without `name`; nested objects left empty by clearing are dropped too, so "unset" leaves no trace. */
export function setProperty(config: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  const next = { ...config };
  if (value === undefined) delete next[name];
  else next[name] = value;
  return next;
}
