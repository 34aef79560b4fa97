import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FormHarness } from './testing/fixtures';
import { fieldKind } from './schema';

afterEach(cleanup);

const last = (fn: ReturnType<typeof vi.fn>) => fn.mock.calls.at(-1)?.[0] as Record<string, unknown>;

describe('SchemaForm', () => {
  it('renders each field by its title, marks required ones, and shows help and defaults as placeholders', () => {
    render(<FormHarness type="action_email" />);
    expect(screen.getByLabelText(/^To/)).toHaveProperty('tagName', 'INPUT');
    expect(screen.getByLabelText(/^Body/)).toHaveProperty('tagName', 'TEXTAREA');
    expect(screen.getByText('Recipient addresses, comma-separated.')).toBeTruthy();
    expect(screen.getByText('To').parentElement!.textContent).toContain('(required)');
    expect(screen.getByText('Cc').parentElement!.textContent).not.toContain('(required)');
    const html = screen.getByRole('switch', { name: 'HTML' });
    expect(html.getAttribute('aria-checked')).toBe('false');
  });

  it('writes only what is edited: defaults stay placeholders, a cleared field is removed', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="logic_loop" onConfig={onConfig} />);
    const max = screen.getByLabelText('Max iterations');
    expect(max.getAttribute('placeholder')).toBe('100');
    await user.type(max, '250');
    expect(last(onConfig)).toEqual({ maxIterations: 250 });
    await user.clear(max);
    expect(last(onConfig)).toEqual({});
  });

  it('edits strings, switches and selects into the config', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="action_email" onConfig={onConfig} />);
    await user.type(screen.getByLabelText(/^Subject/), 'Hello');
    await user.click(screen.getByRole('switch', { name: 'HTML' }));
    expect(last(onConfig)).toEqual({ subject: 'Hello', html: true });
  });

  it('shows an enum\'s empty option as Default and an optional one without it as its default', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="utility_sentiment" onConfig={onConfig} />);
    const provider = screen.getByLabelText('Provider') as HTMLSelectElement;
    expect(provider.selectedOptions[0].textContent).toBe('Default');
    await user.selectOptions(provider, 'builtin');
    expect(last(onConfig)).toEqual({ provider: 'builtin' });

    render(<FormHarness type="action_http" />);
    const method = screen.getByLabelText('Method') as HTMLSelectElement;
    expect(method.selectedOptions[0].textContent).toBe('Default (GET)');
  });

  it('checks a number against its bounds as it is typed', async () => {
    const user = userEvent.setup();
    render(<FormHarness type="utility_text_gen" />);
    await user.type(screen.getByLabelText('Temperature'), '3');
    expect(screen.getByText('Must be at most 2.')).toBeTruthy();
  });

  it('groups retry, timeout and on-error under a collapsed Execution settings section', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="action_email" onConfig={onConfig} />);
    expect(screen.queryByLabelText('Max attempts')).toBeNull();
    const toggle = screen.getByRole('button', { name: /Execution settings/ });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await user.click(toggle);
    await user.type(screen.getByLabelText('Max attempts'), '5');
    expect(last(onConfig)).toEqual({ retry: { maxAttempts: 5 } });
    await user.clear(screen.getByLabelText('Max attempts'));
    expect(last(onConfig)).toEqual({});
    expect(screen.getByLabelText('On error')).toBeTruthy();
  });

  it('keeps an approval\'s own timeout with its fields, not in the execution settings', () => {
    render(<FormHarness type="logic_approval" />);
    // Visible without opening the section: it is the approval's wait for a decision.
    expect(screen.getByLabelText('Timeout').getAttribute('placeholder')).toBe('7d');
  });

  it('validates durations inline: 500ms, 30s, 5m, 1h30m, PT5M and seconds; plain seconds are stored as a number', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="logic_delay" onConfig={onConfig} />);
    const duration = screen.getByLabelText('Duration');
    await user.type(duration, '5x');
    expect(screen.getByRole('alert').textContent).toMatch(/not a valid duration/);
    expect(duration.getAttribute('aria-invalid')).toBe('true');
    for (const ok of ['500ms', '30s', '5m', '1h30m', 'PT5M', 'P1DT2H']) {
      await user.clear(duration);
      await user.type(duration, ok);
      expect(screen.queryByRole('alert')).toBeNull();
      expect(last(onConfig)).toEqual({ duration: ok });
    }
    await user.clear(duration);
    await user.type(duration, '90');
    expect(last(onConfig)).toEqual({ duration: 90 });
    expect(screen.getByText('1 min 30 s')).toBeTruthy();
    await user.clear(duration);
    await user.type(duration, '30m1h');
    expect(screen.getByRole('alert').textContent).toMatch(/out of order/);
    await user.clear(duration);
    await user.type(duration, '400d');
    expect(screen.getByRole('alert').textContent).toMatch(/too long/);
  });

  it('edits an array of objects as rows with add and remove (A/B variants)', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="logic_ab_split" onConfig={onConfig} />);
    await user.click(screen.getByRole('button', { name: 'Add variant' }));
    await user.click(screen.getByRole('button', { name: 'Add variant' }));
    const first = screen.getByRole('group', { name: 'Variant 1' });
    await user.type(within(first).getByLabelText(/^Name/), 'a');
    await user.type(within(first).getByLabelText(/^Weight/), '3');
    const second = screen.getByRole('group', { name: 'Variant 2' });
    await user.type(within(second).getByLabelText(/^Name/), 'b');
    expect(last(onConfig)).toEqual({ variants: [{ name: 'a', weight: 3 }, { name: 'b' }] });
    await user.click(screen.getByRole('button', { name: 'Remove variant 1' }));
    expect(last(onConfig)).toEqual({ variants: [{ name: 'b' }] });
  });

  it('edits name/value objects as rows (set-variable\'s variables)', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="logic_set_variable" onConfig={onConfig} />);
    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    await user.type(screen.getByLabelText('Name 1'), 'tier');
    await user.type(screen.getByLabelText('Value 1'), 'gold');
    expect(last(onConfig)).toEqual({ variables: { tier: 'gold' } });
    await user.click(screen.getByRole('button', { name: 'Remove tier' }));
    expect(last(onConfig)).toEqual({});
  });

  it('edits string lists as tags and enum lists as checkboxes', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="logic_approval" onConfig={onConfig} />);
    await user.type(screen.getByLabelText('Approvers'), 'ann@example.com{Enter}bob@example.com,');
    expect(last(onConfig)).toEqual({ approvers: ['ann@example.com', 'bob@example.com'] });
    await user.click(screen.getByRole('button', { name: 'Remove ann@example.com' }));
    expect(last(onConfig)).toEqual({ approvers: ['bob@example.com'] });

    const hook = vi.fn();
    render(<FormHarness type="trigger_webhook" onConfig={hook} />);
    const methods = screen.getByRole('group', { name: 'Methods' });
    expect((within(methods).getByLabelText('POST') as HTMLInputElement).checked).toBe(true);
    await user.click(within(methods).getByLabelText('PUT'));
    expect(last(hook)).toEqual({ methods: ['POST', 'PUT'] });
  });

  it('takes JSON or text where the schema allows either, and shows JSON parse errors', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="action_http" onConfig={onConfig} />);
    const body = screen.getByLabelText('Body');
    await user.type(body, '{{"a": 1}');
    expect(last(onConfig)).toEqual({ body: { a: 1 } });
    await user.clear(body);
    await user.type(body, 'plain text');
    expect(last(onConfig)).toEqual({ body: 'plain text' });

    const json = vi.fn();
    render(<FormHarness schema={{ properties: { odd: { type: ['number', 'boolean'], title: 'Odd' } } }} onConfig={json} />);
    await user.type(screen.getByLabelText('Odd'), 'tru');
    expect(screen.getByRole('alert').textContent).toMatch(/Not valid JSON/);
    expect(json).not.toHaveBeenCalled();
    await user.type(screen.getByLabelText('Odd'), 'e');
    expect(last(json)).toEqual({ odd: true });
  });

  it('shows the server\'s validation errors under the field they name', () => {
    render(<FormHarness type="action_email" errors={{ to: ['Is required'], 'retry.maxAttempts': ['Must be at least 1'] }} initial={{ retry: { maxAttempts: 0 } }} />);
    expect(screen.getByLabelText(/^To/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Is required')).toBeTruthy();
    // The section opens by itself when it holds a value.
    expect(screen.getByText('Must be at least 1')).toBeTruthy();
  });

  it('shows errors inside a field without sub-fields (a filter\'s conditions) under that field, saying where', () => {
    render(<FormHarness type="trigger_whatsapp" errors={{ 'filter.conditions[0].operator': ['Is required'] }} initial={{ filter: { conditions: [{ variable: 'message_text', operator: 'equals', value: 'x' }] } }} />);
    expect(screen.getByText('conditions[0].operator: Is required')).toBeTruthy();
  });

  it('decides field kinds from the schema', () => {
    expect(fieldKind('prompt', { type: 'string' })).toBe('multiline');
    expect(fieldKind('messageTemplate', { type: 'string' })).toBe('multiline');
    expect(fieldKind('to', { type: 'string' })).toBe('text');
    expect(fieldKind('note', { type: 'string', format: 'multiline' })).toBe('multiline');
    expect(fieldKind('timeout', { type: ['string', 'number'], format: 'duration' })).toBe('duration');
    expect(fieldKind('headers', { type: 'object', additionalProperties: { type: 'string' } })).toBe('map');
    expect(fieldKind('items', { type: 'array' })).toBe('any');
    expect(fieldKind('chatHistory', { type: ['array', 'string'] })).toBe('any');
  });
});
