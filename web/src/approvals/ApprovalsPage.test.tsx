import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { useSession } from '../auth/session';

// The page talks to the API only through the typed client: a stand-in answers it.
const calls = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), DELETE: vi.fn() }));
vi.mock('../api/client', async (importOriginal) => ({ ...(await importOriginal<typeof import('../api/client')>()), api: calls }));

import { ApprovalsPage } from './ApprovalsPage';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const hour = 3_600_000;
const approval = (executionId: string, message: string | null, approvers: string[] = []) => ({
  executionId,
  workflowId: 'wf_refunds',
  workflowName: 'Refunds',
  version: 2,
  stepId: 'ask',
  nodeId: 'ask',
  eventName: 'decision',
  message,
  approvers,
  waitingSince: new Date(Date.now() - hour).toISOString(),
  timeoutAt: new Date(Date.now() + 5 * hour).toISOString(),
  executionStartedAt: new Date(Date.now() - hour).toISOString(),
});

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <ApprovalsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  useSession.getState().signIn('ffk_mine_0123456789');
  calls.GET.mockReset().mockImplementation(async (path: string) =>
    path === '/api/keys'
      ? ok({ keys: [{ id: 'key_1', prefix: 'ffk_mine', name: 'laptop', createdAt: '2026-01-01T00:00:00Z', revokedAt: null, key: null }] })
      : ok({ approvals: [approval('ex_1', 'Refund 42 EUR?', ['ops@example.com']), approval('ex_2', null)], next: null }),
  );
  calls.POST.mockReset().mockImplementation(async () => ok({ executionId: 'ex_1', status: 'accepted', detail: '', waiting: true }, 202));
});
afterEach(cleanup);

describe('ApprovalsPage', () => {
  it('shows each waiting approval with its question, approvers and time left', async () => {
    renderPage();
    const first = (await screen.findByText('Refund 42 EUR?')).closest('li')!;
    expect(within(first).getByText('ops@example.com')).toBeTruthy();
    expect(first.textContent).toMatch(/Times out in 5 hours/);
    const second = screen.getAllByRole('listitem')[1];
    expect(second.textContent).toMatch(/Anyone with access/);
  });

  it('sends the decision as the event the step waits for, with the comment and who decided, and drops the card', async () => {
    renderPage();
    const card = (await screen.findByText('Refund 42 EUR?')).closest('li')!;
    await waitFor(() => expect(calls.GET).toHaveBeenCalledWith('/api/keys', expect.anything()));
    await userEvent.type(within(card).getByLabelText('Comment'), 'Receipt checked');
    await userEvent.click(within(card).getByRole('button', { name: 'Reject' }));
    await waitFor(() => expect(screen.queryByText('Refund 42 EUR?')).toBeNull());
    expect(calls.POST).toHaveBeenCalledWith('/api/executions/{id}/events/{name}', {
      params: { path: { id: 'ex_1', name: 'decision' } },
      body: { payload: { approved: false, comment: 'Receipt checked', approvedBy: 'laptop' } },
    });
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
  });
});
