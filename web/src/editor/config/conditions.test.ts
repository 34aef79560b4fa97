import { describe, expect, it } from 'vitest';
import { rowsToStructured, rowsToText, structuredToRows, textToRows, type ConditionRows } from './conditions';
import { triage } from './testing/fixtures';

const sample = triage.nodes.find((n) => n.id === 'unhappy')!.config.condition as string;

describe('string conditions and rows', () => {
  it('reads the triage sample\'s condition as three OR rows and writes it back unchanged', () => {
    const rows = textToRows(sample)!;
    expect(rows).toEqual({
      combinator: 'OR',
      rows: [
        { variable: 'steps.sentiment.sentiment', operator: 'equals', value: 'negative' },
        { variable: 'steps.intent.intent', operator: 'equals', value: 'complaint' },
        { variable: 'steps.intent.intent', operator: 'equals', value: 'refund' },
      ],
    });
    expect(rowsToText(rows)).toBe(sample);
  });

  it('round-trips rows → text → rows for every operator and kind of value', () => {
    const rows: ConditionRows = {
      combinator: 'AND',
      rows: [
        { variable: 'steps.sentiment.sentiment_score', operator: 'less_than', value: '-0.5' },
        { variable: 'trigger.message_text', operator: 'contains', value: "it's broken" },
        { variable: 'trigger.message_text', operator: 'not_contains', value: 'line\nbreak \\ slash' },
        { variable: 'steps.a.b', operator: 'not_equals', value: '{{vars.expected}}' },
        { variable: 'vars.flag', operator: 'equals', value: 'true' },
        { variable: 'vars.none', operator: 'equals', value: 'null' },
        { variable: 'x.y', operator: 'starts_with', value: 'Re:' },
        { variable: 'x.y', operator: 'ends_with', value: '' },
        { variable: 'n', operator: 'greater_or_equal', value: '10' },
        { variable: 'n', operator: 'less_or_equal', value: '1e3' },
        { variable: 'n', operator: 'greater_than', value: '0' },
        { variable: 'steps.fetch.body', operator: 'is_empty', value: '' },
        { variable: 'vars.customer', operator: 'exists', value: '' },
      ],
    };
    const text = rowsToText(rows);
    expect(text).toContain("{{trigger.message_text}} contains 'it\\'s broken'");
    expect(text).toContain('{{steps.a.b}} != {{vars.expected}}');
    expect(text).toContain('{{steps.fetch.body}} is_empty AND');
    expect(textToRows(text)).toEqual(rows);
  });

  it('accepts the operator aliases and any case of AND/OR', () => {
    expect(textToRows("{{a}} equals 'x' and {{b}} greater_than 2 AND {{c}} startsWith \"y\"")).toEqual({
      combinator: 'AND',
      rows: [
        { variable: 'a', operator: 'equals', value: 'x' },
        { variable: 'b', operator: 'greater_than', value: '2' },
        { variable: 'c', operator: 'starts_with', value: 'y' },
      ],
    });
  });

  it('leaves rows still being filled in out of the text', () => {
    expect(rowsToText({ combinator: 'OR', rows: [{ variable: '', operator: 'equals', value: 'x' }, { variable: '{{a.b}}', operator: 'exists', value: '' }] })).toBe('{{a.b}} exists');
    expect(textToRows('')).toEqual({ combinator: 'AND', rows: [] });
  });

  it.each([
    ['parentheses', "({{a}} == 1 OR {{b}} == 2) AND {{c}} == 3"],
    ['NOT', 'NOT {{a}} exists'],
    ['mixed AND and OR', '{{a}} == 1 AND {{b}} == 2 OR {{c}} == 3'],
    ['a lone value', '{{approved}}'],
    ['a literal on the left', '5 < {{a}}'],
    ['a quoted number (the rows would write it unquoted)', "{{a}} == '5'"],
    ['a quoted placeholder', "{{a}} == '{{b}}'"],
    ['a syntax error', '{{a}} == '],
    ['an unknown operator', '{{a}} ~= 1'],
  ])('keeps %s as text', (_, text) => {
    expect(textToRows(text)).toBeNull();
  });
});

describe('structured conditions and rows', () => {
  const filter = {
    combinator: 'OR',
    conditions: [
      { variable: 'message_text', operator: 'contains', value: 'refund' },
      { variable: 'call_duration', operator: 'greater_than', value: 60, type: 'number' },
      { variable: 'email_subject', operator: 'is_empty' },
    ],
  };

  it('round-trips a filter, keeping each condition\'s type as written', () => {
    const rows = structuredToRows(filter)!;
    expect(rows.rows[1]).toEqual({ variable: 'call_duration', operator: 'greater_than', value: '60', extra: { type: 'number' } });
    expect(rowsToStructured(rows)).toEqual(filter);
    expect(structuredToRows(rowsToStructured(rows))).toEqual(rows);
  });

  it('defaults the combinator to AND and reads an empty filter as no rows', () => {
    expect(structuredToRows({ conditions: [] })).toEqual({ combinator: 'AND', rows: [] });
    expect(structuredToRows({ combinator: 'and', conditions: [{ variable: 'a', operator: '==', value: 'x' }] })!.rows[0].operator).toBe('equals');
  });

  it.each([
    ['a nested group', { combinator: 'AND', conditions: [{ combinator: 'OR', conditions: [] }] }],
    ['a chain', { left: 'a', operator: '==', right: 1, logicalOp: 'AND', next: { left: 'b', operator: 'exists' } }],
    ['an unknown operator', { conditions: [{ variable: 'a', operator: 'like', value: 'x' }] }],
    ['an object value', { conditions: [{ variable: 'a', operator: 'equals', value: { x: 1 } }] }],
    ['a numeric string the rows would turn into a number', { conditions: [{ variable: 'a', operator: 'equals', value: '5' }] }],
  ])('does not show %s as rows', (_, value) => {
    expect(structuredToRows(value)).toBeNull();
  });
});
