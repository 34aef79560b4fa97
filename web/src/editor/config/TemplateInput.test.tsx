import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { FormHarness, catalog, triage } from './testing/fixtures';
import { templateSuggestions } from './templateSuggestions';

afterEach(cleanup);

const last = (fn: ReturnType<typeof vi.fn>) => fn.mock.calls.at(-1)?.[0] as Record<string, unknown>;
/** The email step after the triage sample's condition sees everything upstream of it. */
const suggestions = templateSuggestions(triage, catalog, 'escalate');

describe('template autocompletion', () => {
  it('opens after {{, filters as you type, and inserts with the keyboard, closing the braces', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="action_email" suggestions={suggestions} onConfig={onConfig} />);
    const subject = screen.getByLabelText(/^Subject/);
    await user.type(subject, 'Customer {{{{');
    expect(screen.getByRole('listbox', { name: 'Suggestions' })).toBeTruthy();
    expect(screen.getAllByRole('option').length).toBe(suggestions.length);
    await user.type(subject, 'steps.sent');
    expect(screen.getAllByRole('option').map((o) => o.querySelector('.tpl-path')!.textContent)).toEqual(['steps.sentiment.sentiment', 'steps.sentiment.sentiment_score']);
    expect(screen.getAllByRole('option')[0].getAttribute('aria-selected')).toBe('true');
    await user.keyboard('{ArrowDown}');
    expect(subject.getAttribute('aria-activedescendant')).toBe(screen.getAllByRole('option')[1].id);
    await user.keyboard('{Enter}');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(last(onConfig)).toEqual({ subject: 'Customer {{steps.sentiment.sentiment_score}}' });
    // The caret is after the braces: typing goes on after the placeholder.
    await user.type(subject, '!');
    expect(last(onConfig)).toEqual({ subject: 'Customer {{steps.sentiment.sentiment_score}}!' });
  });

  it('closes on Escape without changing the text, and reopens with Ctrl+Space inside the braces', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="action_email" suggestions={suggestions} onConfig={onConfig} />);
    const to = screen.getByLabelText(/^To/);
    await user.type(to, '{{{{trig');
    expect(screen.getByRole('listbox')).toBeTruthy();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(last(onConfig)).toEqual({ to: '{{trig' });
    await user.keyboard('{Control>} {/Control}');
    expect(screen.getAllByRole('option').map((o) => o.querySelector('.tpl-path')!.textContent)[0]).toBe('trigger.phone_number');
    await user.keyboard('{ArrowUp}{Enter}');
    // Up from the first wraps to the last match.
    expect(last(onConfig)).toEqual({ to: '{{trigger.message_id}}' });
  });

  it('inserts a suggestion picked with the mouse', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="action_email" suggestions={suggestions} onConfig={onConfig} />);
    const body = screen.getByLabelText(/^Body/);
    await user.type(body, 'Result: {{{{res');
    await user.click(screen.getByRole('option', { name: /steps\.unhappy\.result/ }));
    expect(last(onConfig)).toEqual({ body: 'Result: {{steps.unhappy.result}}' });
  });

  it('starts a placeholder with Ctrl+Space outside one', async () => {
    const onConfig = vi.fn();
    const user = userEvent.setup();
    render(<FormHarness type="action_email" suggestions={suggestions} onConfig={onConfig} />);
    const cc = screen.getByLabelText('Cc');
    await user.click(cc);
    await user.keyboard('{Control>} {/Control}');
    expect(screen.getByRole('listbox')).toBeTruthy();
    await user.keyboard('exec{Enter}');
    expect(last(onConfig)).toEqual({ cc: '{{execution.id}}' });
  });
});
