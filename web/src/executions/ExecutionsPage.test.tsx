import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import type { LiveEvent, LiveTopic } from '../api/useLive';
import type { ExecutionRow } from './liveMerge';

// The page talks to the API through the typed client and to the hub through useLive: stand-ins for both.
const calls = vi.hoisted(() => ({ GET: vi.fn() }));
vi.mock('../api/client', async (importOriginal) => ({ ...(await importOriginal<typeof import('../api/client')>()), api: calls }));
const hub = vi.hoisted(() => ({ topic: null as LiveTopic | null, emit: (_e: LiveEvent) => {} }));
vi.mock('../api/useLive', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/useLive')>()),
  useLive: (topic: LiveTopic | null, onEvent: (e: LiveEvent) => void) => {
    hub.topic = topic;
    hub.emit = onEvent;
    return 'live';
  },
}));

import { ExecutionsPage } from './ExecutionsPage';

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString();

function run(id: string, overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    executionId: id,
    workflowId: 'wf_orders',
    workflowName: 'Orders',
    version: 2,
    status: 'completed',
    trigger: 'trigger_webhook',
    startedAt: secondsAgo(60),
    completedAt: secondsAgo(59),
    totalDuration: 1200,
    errorMessage: null,
    stuck: false,
    retryOf: null,
    parentExecutionId: null,
    ...overrides,
  };
}

/** Answers GET /api/executions with `pages()` (called per request, so a test can change what the server holds). */
let rowsOnServer: () => ExecutionRow[] = () => [];
function answer() {
  calls.GET.mockImplementation(async (path: string) => {
    if (path === '/api/workflows') {
      return { data: { workflows: [{ id: 'wf_orders', name: 'Orders' }, { id: 'wf_refunds', name: 'Refunds' }], total: 2, page: 1, limit: 100, pages: 1 }, response: new Response(null, { status: 200 }) };
    }
    return { data: { executions: rowsOnServer(), nextCursor: null, limit: 50 }, response: new Response(null, { status: 200 }) };
  });
}

function executionQueries(): Record<string, string>[] {
  return calls.GET.mock.calls.filter(([path]) => path === '/api/executions').map(([, init]) => init.params.query);
}

function Location() {
  const l = useLocation();
  return <output data-testid="location">{l.pathname + l.search}</output>;
}

function renderPage(url = '/executions') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/workflows/:id/executions" element={<ExecutionsPage />} />
        </Routes>
        <Location />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  calls.GET.mockReset();
  rowsOnServer = () => [];
  answer();
});
afterEach(cleanup);

describe('ExecutionsPage', () => {
  it('shows a row per run: status, workflow, version, trigger, start and duration, linking to the run', async () => {
    rowsOnServer = () => [run('ex_00000000aaaaaaaa'), run('ex_00000000bbbbbbbb', { status: 'failed', errorMessage: 'HTTP 500', trigger: null, workflowName: 'Refunds' })];
    renderPage();

    const link = await screen.findByRole('link', { name: /^Orders, run aaaaaaaa/ });
    expect(link.getAttribute('href')).toBe('/executions/ex_00000000aaaaaaaa');
    const [first, second] = screen.getAllByRole('row').slice(1);
    expect(within(first).getByText('Succeeded')).toBeTruthy();
    expect(within(first).getByText('v2')).toBeTruthy();
    expect(within(first).getByText('Webhook')).toBeTruthy();
    expect(within(first).getByText('1 minute ago')).toBeTruthy();
    expect(within(first).getByText('1.2 s')).toBeTruthy();
    expect(within(second).getByText('Failed')).toBeTruthy();
    expect(within(second).getByText(/HTTP 500/)).toBeTruthy();
    expect(within(second).getByText('Manual')).toBeTruthy();
    expect(hub.topic).toEqual({ kind: 'organization' });
  });

  it('reads its filters from the URL and sends them to the API', async () => {
    renderPage('/executions?status=failed,waiting&workflow=wf_refunds&q=ada');
    await screen.findByText('No runs match these filters');
    expect(executionQueries()[0]).toMatchObject({ status: 'waiting,failed', workflowId: 'wf_refunds', q: 'ada', limit: '50' });
    expect(screen.getByRole('button', { name: 'Status: Waiting, Failed' })).toBeTruthy();
  });

  it('writes filter changes to the URL and reads the list again', async () => {
    const user = userEvent.setup();
    rowsOnServer = () => [run('ex_1')];
    renderPage();
    await screen.findByRole('link', { name: /^Orders/ });

    await user.click(screen.getByRole('button', { name: /^Status/ }));
    await user.click(screen.getByRole('checkbox', { name: 'Failed' }));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/executions?status=failed'));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Workflow' }), 'wf_orders');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Date range' }), '24h');
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/executions?status=failed&workflow=wf_orders&range=24h'));
    await user.type(screen.getByRole('searchbox', { name: 'Search trigger data' }), 'ada');
    await waitFor(() => expect(screen.getByTestId('location').textContent).toContain('q=ada'));
    await waitFor(() => expect(executionQueries().at(-1)).toMatchObject({ status: 'failed', workflowId: 'wf_orders', q: 'ada' }));
    expect(executionQueries().at(-1)?.from).toBeTruthy();
  });

  it('follows one workflow on its own route, with a chip back to every run', async () => {
    const user = userEvent.setup();
    rowsOnServer = () => [run('ex_1')];
    renderPage('/workflows/wf_orders/executions?status=failed');
    await screen.findByRole('heading', { name: 'Runs of Orders' });
    expect(executionQueries()[0]).toMatchObject({ workflowId: 'wf_orders', status: 'failed' });
    expect(hub.topic).toEqual({ kind: 'workflow', id: 'wf_orders' });

    await user.click(screen.getByRole('button', { name: "Show every workflow's runs" }));
    expect(screen.getByTestId('location').textContent).toBe('/executions?status=failed');
  });

  it('puts a run that starts on top, then updates its status in place, live', async () => {
    const older = run('ex_0000old');
    rowsOnServer = () => [older];
    renderPage();
    await screen.findByRole('link', { name: /run 0000old/ });

    const fresh = run('ex_0000new', { status: 'running', startedAt: new Date().toISOString(), completedAt: null, totalDuration: null, trigger: null });
    rowsOnServer = () => [fresh, older];
    act(() => hub.emit({ name: 'execution:started', executionId: fresh.executionId, workflowId: 'wf_orders', sequence: 1 }));
    const row = await screen.findByRole('link', { name: /run 0000new, Running/ }, { timeout: 2000 });
    expect(screen.getAllByRole('row')[1].contains(row)).toBe(true);

    act(() =>
      hub.emit({ name: 'execution:completed', executionId: fresh.executionId, workflowId: 'wf_orders', sequence: 5, status: 'completed', completedAt: new Date().toISOString(), totalDuration: 420 }),
    );
    await screen.findByRole('link', { name: /run 0000new, Succeeded/ });
    expect(within(screen.getAllByRole('row')[1]).getByText('420 ms')).toBeTruthy();
    expect(screen.getAllByRole('row')).toHaveLength(3); // header + two runs: the new one once
  });

  it('reads the next page by cursor on Load more, after the rows it has', async () => {
    const user = userEvent.setup();
    const firstPage = Array.from({ length: 50 }, (_, i) => run(`ex_p1_${String(i).padStart(2, '0')}`, { startedAt: secondsAgo(100 + i) }));
    calls.GET.mockImplementation(async (path: string, init: { params: { query: Record<string, string> } }) => {
      if (path === '/api/workflows') return { data: { workflows: [], total: 0, page: 1, limit: 100, pages: 0 }, response: new Response(null, { status: 200 }) };
      const more = init.params.query.cursor === 'c1';
      return {
        data: more ? { executions: [run('ex_p2_00', { startedAt: secondsAgo(500) })], nextCursor: null, limit: 50 } : { executions: firstPage, nextCursor: 'c1', limit: 50 },
        response: new Response(null, { status: 200 }),
      };
    });
    renderPage();
    await screen.findByText('50 runs shown');

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('51 runs');
    expect(executionQueries().at(-1)).toMatchObject({ cursor: 'c1' });
    expect(screen.getAllByRole('row').at(-1)?.getAttribute('data-execution-id')).toBe('ex_p2_00');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('reads on by itself when a filtered slice comes back short', async () => {
    let served = 0;
    calls.GET.mockImplementation(async (path: string) => {
      if (path === '/api/workflows') return { data: { workflows: [], total: 0, page: 1, limit: 100, pages: 0 }, response: new Response(null, { status: 200 }) };
      served++;
      // The server read its bound of rows without a match twice, then finds one at the end of the range.
      const data = served < 3 ? { executions: [], nextCursor: `c${served}`, limit: 50 } : { executions: [run('ex_found', { status: 'failed' })], nextCursor: null, limit: 50 };
      return { data, response: new Response(null, { status: 200 }) };
    });
    renderPage('/executions?status=failed');
    await screen.findByRole('link', { name: /run found/ });
    expect(executionQueries().map((q) => q.cursor ?? null)).toEqual([null, 'c1', 'c2']);
  });

  it('leaves a new run out when the status filter excludes it', async () => {
    rowsOnServer = () => [run('ex_1', { status: 'failed' })];
    renderPage('/executions?status=failed');
    await screen.findByRole('link', { name: /run ex_1|run 1/ });
    const before = executionQueries().length;
    act(() => hub.emit({ name: 'execution:started', executionId: 'ex_2', workflowId: 'wf_orders', sequence: 1 }));
    await new Promise((r) => setTimeout(r, 400));
    expect(executionQueries().length).toBe(before);
  });
});
