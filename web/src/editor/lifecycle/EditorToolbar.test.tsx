import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { ReactFlowProvider } from '@xyflow/react';
import { useEditor } from '../store';
import type { WorkflowDoc } from '../model';
import { EditorToolbar } from './EditorToolbar';

function renderToolbar() {
  useEditor.getState().load(
    {
      id: 'wf_1', name: 'Triage', description: null, status: 'draft', version: 1, publishedVersion: null, revision: 1, hasUnpublishedChanges: false,
      nodes: [], edges: [], canvas: null, createdAt: '', updatedAt: '', triggers: [],
    } as unknown as WorkflowDoc,
    '"1"',
  );
  const client = new QueryClient({ defaultOptions: { queries: { enabled: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ReactFlowProvider>
          <EditorToolbar />
        </ReactFlowProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe('EditorToolbar', () => {
  afterEach(cleanup);

  it('names its buttons as the end-to-end tests expect', () => {
    renderToolbar();
    for (const name of ['Validate', 'Publish', 'Versions', 'Test', 'Export', 'Undo', 'Redo', 'Auto-layout', 'Zoom to fit']) {
      expect(screen.getByRole('button', { name })).toBeTruthy();
    }
    expect(screen.getByRole('textbox', { name: 'Workflow name' })).toHaveProperty('value', 'Triage');
  });

  it('reads the save state in the Save status element', () => {
    renderToolbar();
    const status = () => screen.getByRole('status', { name: 'Save status' }).textContent;
    expect(status()).toBe('Saved');
    act(() => useEditor.getState().setName('Triage 2'));
    expect(status()).toBe('Unsaved changes');
    act(() => useEditor.getState().markSaving());
    expect(status()).toBe('Saving…');
    act(() => useEditor.getState().markSaveError('The server cannot be reached. Is it running?'));
    expect(status()).toBe('Save failed');
    act(() => useEditor.getState().markConflict());
    expect(status()).toBe('Conflict');
    // The conflict asks for a decision.
    expect(screen.getByRole('dialog', { name: 'This workflow was changed elsewhere' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reload' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Overwrite' })).toBeTruthy();
  });

  it('enables Undo once there is something to undo', () => {
    renderToolbar();
    expect(screen.getByRole('button', { name: 'Undo' })).toHaveProperty('disabled', true);
    act(() => {
      useEditor.getState().addNode('trigger_manual', { x: 0, y: 0 });
    });
    expect(screen.getByRole('button', { name: 'Undo' })).toHaveProperty('disabled', false);
  });
});
