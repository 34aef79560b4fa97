import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FormHarness, catalog, triage } from './testing/fixtures';
import { templateSuggestions } from './templateSuggestions';

afterEach(cleanup);

const last = (fn: ReturnType<typeof vi.fn>) => fn.mock.calls.at(-1)?.[0] as Record<string, unknown>;
const sample = triage.nodes.find((n) => n.id === 'unhappy')!.config;

describe('ConditionBuilder', () => {
  it('shows the triage condition as rows joined by OR', () => {
    render(<FormHarness type="logic_condition" initial={sample} />);
    const rows = screen.getAllByRole('group', { name: /^Condition \d$/ });
    expect(rows).toHaveLength(3);
    expect((within(rows[0]).getByLabelText('Variable') as HTMLInputElement).value).toBe('steps.sentiment.sentiment');
    expect((within(rows[0]).getByLabelText('Operator') as HTMLSelectElement).value).toBe('equals');
    expect((within(rows[0]).getByLabelText('Value') as HTMLInputElement).value).toBe('negative');
    expect(screen.getByRole('radio', { name: 'Any (OR)' }).getAttribute('aria-checked')).toBe('true');
    expect(screen.getByRole('button', { name: 'Builder' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('writes row edits back as text, and the Text toggle shows the same condition', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="logic_condition" initial={sample} onConfig={onConfig} />);
    const third = screen.getByRole('group', { name: 'Condition 3' });
    await user.click(within(third).getByRole('button', { name: 'Remove condition 3' }));
    await user.click(screen.getByRole('radio', { name: 'All (AND)' }));
    await user.selectOptions(within(screen.getByRole('group', { name: 'Condition 2' })).getByLabelText('Operator'), 'exists');
    const text = "{{steps.sentiment.sentiment}} == 'negative' AND {{steps.intent.intent}} exists";
    expect(last(onConfig)).toEqual({ condition: text });
    await user.click(screen.getByRole('button', { name: 'Text' }));
    expect((screen.getByLabelText('Condition text') as HTMLTextAreaElement).value).toBe(text);
    await user.click(screen.getByRole('button', { name: 'Builder' }));
    expect(screen.getAllByRole('group', { name: /^Condition \d$/ })).toHaveLength(2);
    expect(last(onConfig)).toEqual({ condition: text });
  });

  it('shows unedited rows in the Text toggle exactly as they were written', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    const condition = "{{steps.intent.intent}}  equals \"refund\"";
    render(<FormHarness type="logic_condition" initial={{ condition }} onConfig={onConfig} />);
    expect(screen.getAllByRole('group', { name: /^Condition \d$/ })).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: 'Text' }));
    expect((screen.getByLabelText('Condition text') as HTMLTextAreaElement).value).toBe(condition);
    expect(onConfig).not.toHaveBeenCalled();
  });

  it('keeps a condition the rows cannot express in text mode, with a note, untouched', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    const condition = '({{a.b}} == 1 OR {{a.c}} == 2) AND NOT {{a.d}} exists';
    render(<FormHarness type="logic_condition" initial={{ condition }} onConfig={onConfig} />);
    expect((screen.getByLabelText('Condition text') as HTMLTextAreaElement).value).toBe(condition);
    expect(screen.getByRole('note').textContent).toMatch(/edited as text/);
    await user.click(screen.getByRole('button', { name: 'Builder' }));
    // Still text: switching would lose the grouping.
    expect(screen.getByLabelText('Condition text')).toBeTruthy();
    expect(onConfig).not.toHaveBeenCalled();
  });

  it('keeps a structured condition structured when its rows are edited', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    const condition = { combinator: 'AND', conditions: [{ variable: 'steps.sentiment.sentiment_score', operator: 'less_than', value: 0, type: 'number' }] };
    render(<FormHarness type="logic_condition" initial={{ condition }} onConfig={onConfig} />);
    const value = screen.getByLabelText('Value');
    await user.clear(value);
    await user.type(value, '-1');
    expect(last(onConfig)).toEqual({ condition: { combinator: 'AND', conditions: [{ variable: 'steps.sentiment.sentiment_score', operator: 'less_than', value: -1, type: 'number' }] } });
  });

  it('edits a chained structured condition as JSON rather than converting it', () => {
    const condition = { left: '{{a}}', operator: '==', right: 1, logicalOp: 'OR', next: { left: '{{b}}', operator: 'exists' } };
    render(<FormHarness type="logic_condition" initial={{ condition }} />);
    expect(JSON.parse((screen.getByLabelText('Condition JSON') as HTMLTextAreaElement).value)).toEqual(condition);
    expect(screen.queryByRole('button', { name: 'Text' })).toBeNull();
  });

  it('builds a trigger filter as {combinator, conditions} from the trigger\'s own fields', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    const suggestions = templateSuggestions(triage, catalog, 'message');
    render(<FormHarness type="trigger_whatsapp" suggestions={suggestions} onConfig={onConfig} />);
    const filter = screen.getByRole('group', { name: 'Filter' });
    expect(within(filter).queryByRole('button', { name: 'Text' })).toBeNull();
    const variable = within(filter).getByLabelText('Variable');
    await user.click(variable);
    await user.type(variable, 'message_te');
    expect(screen.getByRole('option', { name: /^message_text/ })).toBeTruthy();
    await user.keyboard('{Enter}');
    await user.selectOptions(within(filter).getByLabelText('Operator'), 'contains');
    await user.type(within(filter).getByLabelText('Value'), 'refund');
    expect(last(onConfig)).toEqual({ filter: { combinator: 'AND', conditions: [{ variable: 'message_text', operator: 'contains', value: 'refund' }] } });
  });
});
