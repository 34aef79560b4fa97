import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import type { WorkflowSummary } from './status';

// The page talks to the API only through the typed client: a stand-in answers the list call.
const calls = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), DELETE: vi.fn() }));
vi.mock('../api/client', async (importOriginal) => ({ ...(await importOriginal<typeof import('../api/client')>()), api: calls }));

import { WorkflowsPage } from './WorkflowsPage';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function summary(overrides: Partial<WorkflowSummary>): WorkflowSummary {
  return {
    id: 'wf_1',
    name: 'Workflow',
    description: null,
    status: 'draft',
    version: 1,
    publishedVersion: null,
    revision: 1,
    hasUnpublishedChanges: true,
    nodeCount: 0,
    createdAt: minutesAgo(60),
    updatedAt: minutesAgo(5),
    lastExecution: null,
    ...overrides,
  };
}

function answerList(workflows: WorkflowSummary[], total = workflows.length, page = 1) {
  calls.GET.mockImplementation(async () => ({
    data: { workflows, total, page, limit: 20, pages: Math.ceil(total / 20) },
    response: new Response(null, { status: 200 }),
  }));
}

function renderPage(url = '/workflows') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <WorkflowsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  calls.GET.mockReset();
  calls.POST.mockReset();
});
afterEach(cleanup);

describe('WorkflowsPage', () => {
  it('shows a row per workflow: name link, status, last run, steps and update time', async () => {
    answerList([
      summary({
        id: 'wf_triage',
        name: 'Customer message triage',
        description: 'Escalates unhappy customers',
        status: 'published',
        publishedVersion: 2,
        hasUnpublishedChanges: true,
        nodeCount: 6,
        lastExecution: { executionId: 'ex_1', status: 'failed', startedAt: minutesAgo(3) },
      }),
      summary({ id: 'wf_new', name: 'Lead routing' }),
    ]);
    renderPage();

    const link = await screen.findByRole('link', { name: 'Customer message triage' });
    expect(link.getAttribute('href')).toBe('/workflows/wf_triage');
    const [triage, lead] = screen.getAllByRole('row').slice(1);
    expect(within(triage).getByText('Escalates unhappy customers')).toBeTruthy();
    expect(within(triage).getByText('Published v2')).toBeTruthy();
    expect(within(triage).getByText('Unpublished changes')).toBeTruthy();
    expect(within(triage).getByText('Failed')).toBeTruthy();
    expect(within(triage).getByText('3 minutes ago')).toBeTruthy();
    expect(within(triage).getByText('6')).toBeTruthy();
    expect(within(lead).getByText('Draft')).toBeTruthy();
    expect(within(lead).getByText('Never run')).toBeTruthy();
    expect(within(lead).getByRole('button', { name: 'Actions for Lead routing' })).toBeTruthy();
    expect(screen.getByText('2 workflows')).toBeTruthy();
  });

  it('offers the first workflow to an organisation with none', async () => {
    answerList([]);
    renderPage();
    expect(await screen.findByRole('heading', { name: 'Build your first workflow' })).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /New workflow/ })).toHaveLength(2);
    expect(screen.queryByRole('searchbox', { name: 'Search workflows' })).toBeNull();
  });

  it('searches on the server once typing pauses, from page one', async () => {
    answerList([summary({ name: 'Lead routing' })], 45, 2);
    renderPage('/workflows?page=2');
    await screen.findByRole('link', { name: 'Lead routing' });
    calls.GET.mockClear();

    await userEvent.type(screen.getByRole('searchbox', { name: 'Search workflows' }), 'refund');

    await waitFor(() => expect(calls.GET).toHaveBeenCalled());
    expect(calls.GET).toHaveBeenCalledTimes(1);
    expect(calls.GET.mock.calls[0][1].params.query).toMatchObject({ search: 'refund', page: '1' });
  });

  it('filters by status and pages with the API', async () => {
    answerList([summary({ name: 'Lead routing' })], 45);
    renderPage();
    await screen.findByRole('link', { name: 'Lead routing' });
    expect(screen.getByText('1–1 of 45')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Published' }));
    await waitFor(() => expect(calls.GET.mock.lastCall?.[1].params.query).toMatchObject({ status: 'published', page: '1' }));
    await userEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(calls.GET.mock.lastCall?.[1].params.query).toMatchObject({ status: 'published', page: '2' }));
  });

  it('asks for a name before creating a workflow', async () => {
    answerList([]);
    renderPage();
    await userEvent.click((await screen.findAllByRole('button', { name: /New workflow/ }))[0]);
    await userEvent.click(screen.getByRole('button', { name: 'Create workflow' }));
    expect(screen.getByText('Give the workflow a name.')).toBeTruthy();
    expect(calls.POST).not.toHaveBeenCalled();
  });
});
