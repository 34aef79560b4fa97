import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEditor } from '../store';
import type { WorkflowDoc } from '../model';
import { BottomPanel } from './BottomPanel';

function open(validation: Parameters<ReturnType<typeof useEditor.getState>['setValidation']>[0]) {
  useEditor.getState().load(
    {
      id: 'wf_1', name: 'Triage', description: null, status: 'draft', version: 1, publishedVersion: null, revision: 1, hasUnpublishedChanges: false,
      nodes: [
        { id: 'start', type: 'trigger_whatsapp', config: {}, position: { x: 0, y: 0 } },
        { id: 'reply', type: 'action_whatsapp', config: {}, position: { x: 200, y: 0 } },
      ],
      edges: [], canvas: null, createdAt: '', updatedAt: '', triggers: [],
    } as unknown as WorkflowDoc,
    '"1"',
  );
  useEditor.getState().setValidation(validation);
  useEditor.getState().setPanel('issues');
  // The catalog is not needed for the list (it only adds type names); a client with no data keeps it offline.
  const client = new QueryClient({ defaultOptions: { queries: { enabled: false } } });
  return render(
    <QueryClientProvider client={client}>
      <BottomPanel />
    </QueryClientProvider>,
  );
}

describe('IssuesPanel', () => {
  afterEach(cleanup);

  it('lists workflow-wide errors first, then step errors, then warnings; a step issue focuses its node', async () => {
    open({
      valid: false,
      errors: [
        { stepId: 'reply', nodeId: 'reply', field: 'recipient', message: 'recipient is required', code: 'required' },
        { stepId: null, nodeId: null, field: null, message: 'The workflow has no trigger that reaches every step.', code: 'x' },
      ],
      warnings: [{ stepId: 'reply', nodeId: 'reply', field: 'messageTemplate', message: "no step outputs 'name'", code: 'unknown_variable' }],
    });
    const region = screen.getByRole('region', { name: 'Validation issues' });
    expect(within(region).getByText('2 errors · 1 warning')).toBeTruthy();
    const items = within(region).getAllByRole('listitem').map((li) => li.textContent);
    expect(items[0]).toContain('Workflow');
    expect(items[1]).toContain('recipient is required');
    expect(items[2]).toContain("no step outputs 'name'");

    const before = useEditor.getState().focusSeq;
    await userEvent.click(within(region).getByRole('button', { name: /recipient is required/ }));
    expect(useEditor.getState().focusNodeId).toBe('reply');
    expect(useEditor.getState().focusSeq).toBe(before + 1);
    expect(useEditor.getState().nodes.find((n) => n.id === 'reply')?.selected).toBe(true);
  });

  it('says so when the workflow is valid', () => {
    open({ valid: true, errors: [], warnings: [] });
    expect(screen.getByText(/The workflow is valid/)).toBeTruthy();
  });
});
