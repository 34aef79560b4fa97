import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { JsonView } from './JsonView';

describe('JsonView', () => {
  it('opens the first levels, folds deeper ones, and unfolds them on demand', () => {
    render(<JsonView label="Output" value={{ a: 1, nested: { deeper: { x: 'y' } }, list: [true, null] }} />);
    const view = screen.getByRole('group', { name: 'Output' });
    expect(view.textContent).toContain('"a":1');
    expect(view.textContent).toContain('"list":[0:true1:null]');
    // Level 3 is folded: a summary stands for it.
    expect(view.textContent).not.toContain('"x"');
    fireEvent.click(within(view).getByRole('button', { name: '1 key' }));
    expect(view.textContent).toContain('"x":"y"');
  });

  it('cuts a long string and a long list, with buttons to see the rest', () => {
    const long = 'x'.repeat(1000);
    render(<JsonView label="Input" value={{ long, items: Array.from({ length: 120 }, (_, i) => i) }} maxString={100} maxEntries={50} />);
    const view = screen.getByRole('group', { name: 'Input' });
    expect(view.textContent!.includes('x'.repeat(101))).toBe(false);
    fireEvent.click(within(view).getByRole('button', { name: /show all 1,000 characters/ }));
    expect(view.textContent!.includes(long)).toBe(true);
    expect(within(view).queryByText('119:')).toBeNull();
    fireEvent.click(within(view).getByRole('button', { name: 'Show 70 more of 70' }));
    expect(within(view).getByText('119:')).toBeTruthy();
  });

  it('names its copy button after what it shows', () => {
    render(<JsonView label="Trigger data" value={null} />);
    expect(screen.getByRole('button', { name: 'Copy trigger data' })).toBeTruthy();
    expect(screen.getByRole('group', { name: 'Trigger data' }).textContent).toContain('null');
  });
});
