import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEditor } from '../store';
import type { WorkflowDoc } from '../model';
import { ConfigPanel } from './ConfigPanel';
import { nodeTypes, triage } from './testing/fixtures';

afterEach(cleanup);

function renderPanel() {
  const client = new QueryClient();
  // The catalog as `useNodeTypes` caches it; staleTime Infinity means no request is made.
  client.setQueryData(['node-types'], { nodeTypes });
  return render(
    <QueryClientProvider client={client}>
      <ConfigPanel />
    </QueryClientProvider>,
  );
}

const node = (id: string) => useEditor.getState().nodes.find((n) => n.id === id);

beforeEach(() => {
  useEditor.getState().load({ ...triage, id: 'wf_triage', revision: 1, canvas: null } as unknown as WorkflowDoc, '"1"');
});

describe('ConfigPanel', () => {
  it('is hidden until one step is selected, then shows its type and settings', () => {
    renderPanel();
    expect(screen.queryByRole('complementary', { name: 'Step settings' })).toBeNull();
    act(() => useEditor.getState().select(['escalate']));
    expect(screen.getByRole('complementary', { name: 'Step settings' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Send email' })).toBeTruthy();
    expect((screen.getByLabelText('Step name') as HTMLInputElement).value).toBe('escalate');
    expect((screen.getByLabelText(/^To/) as HTMLInputElement).value).toBe('support@example.com');
    act(() => useEditor.getState().select(['escalate', 'thank']));
    expect(screen.queryByRole('complementary', { name: 'Step settings' })).toBeNull();
  });

  it('renames on Enter, updating the references to the step, and explains a refused name', async () => {
    const user = userEvent.setup();
    act(() => useEditor.getState().select(['sentiment']));
    renderPanel();
    const name = screen.getByLabelText('Step name');
    await user.clear(name);
    await user.type(name, 'intent{Enter}');
    expect(screen.getByRole('alert').textContent).toBe("Another step is already called 'intent'.");
    await user.clear(name);
    await user.type(name, 'mood{Enter}');
    expect(node('mood')?.selected).toBe(true);
    expect(node('unhappy')!.data.config.condition).toContain('{{steps.mood.sentiment}}');
    expect((screen.getByLabelText('Step name') as HTMLInputElement).value).toBe('mood');
  });

  it('takes one undo checkpoint per burst of typing in a field', async () => {
    const user = userEvent.setup();
    act(() => useEditor.getState().select(['escalate']));
    renderPanel();
    const before = useEditor.getState().past.length;
    await user.type(screen.getByLabelText('Cc'), 'boss@example.com');
    expect(useEditor.getState().past.length).toBe(before + 1);
    expect(node('escalate')!.data.config.cc).toBe('boss@example.com');
    await user.type(screen.getByLabelText('Bcc'), 'audit@example.com');
    expect(useEditor.getState().past.length).toBe(before + 2);
    act(() => useEditor.getState().undo());
    expect(node('escalate')!.data.config.bcc).toBeUndefined();
    expect((screen.getByLabelText('Bcc') as HTMLInputElement).value).toBe('');
  });

  it('shows the server\'s validation messages under their fields, and the step\'s own above the form', () => {
    act(() => {
      useEditor.getState().select(['escalate']);
      useEditor.getState().setValidation({
        valid: false,
        errors: [
          { stepId: 'escalate', nodeId: 'escalate', field: 'to', message: 'to is required', code: 'config' },
          { stepId: 'escalate', nodeId: 'escalate', field: null, message: "Step 'escalate' (Send email) leads nowhere.", code: 'missing_outgoing' },
          { stepId: 'thank', nodeId: 'thank', field: 'to', message: 'not mine', code: 'config' },
        ],
        warnings: [],
      });
    });
    renderPanel();
    expect(screen.getByText('Is required')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('leads nowhere');
    expect(screen.queryByText('not mine')).toBeNull();
  });

  it('deletes the step', async () => {
    const user = userEvent.setup();
    act(() => useEditor.getState().select(['thank']));
    renderPanel();
    await user.click(screen.getByRole('button', { name: 'Delete step' }));
    expect(node('thank')).toBeUndefined();
    expect(useEditor.getState().edges.some((e) => e.target === 'thank')).toBe(false);
    expect(screen.queryByRole('complementary', { name: 'Step settings' })).toBeNull();
  });
});
