/** Conversions between config values and the text a field shows. */

const placeholder = /\{\{\s*[A-Za-z_$][A-Za-z0-9_\-$]*(?:\.[A-Za-z0-9_\-$]+|\[\d+\])*\s*\}\}/;

/** True when a string holds a `{{template}}`: the server accepts one in place of any value, resolved at run time. */
export const isTemplate = (text: string) => placeholder.test(text);

/** A value shown in a text area: strings as they are, anything else as indented JSON. */
export function toLooseText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/**
 * Text from a field that takes JSON or text (an HTTP body, a loop's items): text that starts like a JSON object or
 * array and parses is that JSON; anything else is a string (a template, a plain body). Empty is unset.
 */
export function fromLooseText(text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** JSON text with the parse error in words, for fields edited as JSON. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}
