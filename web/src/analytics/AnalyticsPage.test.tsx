import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import type { AnalyticsDay, AnalyticsReport } from './shape';

// The page talks to the API only through the typed client, and draws with ECharts in a lazy chunk: stand-ins for both.
const calls = vi.hoisted(() => ({ GET: vi.fn() }));
vi.mock('../api/client', async (importOriginal) => ({ ...(await importOriginal<typeof import('../api/client')>()), api: calls }));
vi.mock('./AnalyticsCharts', () => {
  const Chart = ({ label }: { label: string }) => <div role="img" aria-label={label} />;
  return { RunsChart: Chart, SuccessChart: Chart, PercentileChart: Chart };
});

import { AnalyticsPage } from './AnalyticsPage';

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) });

function day(d: string, completed: number, failed: number): AnalyticsDay {
  const runs = completed + failed;
  return {
    day: d,
    completed,
    failed,
    cancelled: 0,
    successRate: runs ? completed / runs : null,
    durationP50Ms: runs ? 1200 : null,
    durationP95Ms: runs ? 4100 : null,
    queueP50Ms: runs ? 12 : null,
    queueP95Ms: runs ? 80 : null,
  };
}

function report(overrides: Partial<AnalyticsReport> = {}): AnalyticsReport {
  return {
    from: '2030-03-01',
    to: '2030-03-03',
    workflowId: null,
    totals: { runs: 10, completed: 8, failed: 2, cancelled: 0, successRate: 0.8, durationP50Ms: 1200, durationP95Ms: 4100, queueP50Ms: 12, queueP95Ms: 80 },
    days: [day('2030-03-01', 3, 0), day('2030-03-02', 0, 0), day('2030-03-03', 5, 2)],
    failingSteps: [
      {
        workflowId: 'wf_crm',
        nodeId: 'push_crm',
        nodeType: 'action_crm',
        failedAttempts: 5,
        failedRuns: 2,
        errors: [
          { message: 'HTTP 503 from crm.example', count: 4 },
          { message: 'timed out after 30 s', count: 1 },
        ],
      },
    ],
    variants: [
      { workflowId: 'wf_crm', nodeId: 'ab', variant: 'a', runs: 6, completed: 6, successRate: 1 },
      { workflowId: 'wf_crm', nodeId: 'ab', variant: 'b', runs: 4, completed: 2, successRate: 0.5 },
    ],
    countedUntil: '2030-03-03T10:00:00Z',
    percentileRelativeError: 0.0443,
    ...overrides,
  };
}

const empty = report({
  totals: { runs: 0, completed: 0, failed: 0, cancelled: 0, successRate: null, durationP50Ms: null, durationP95Ms: null, queueP50Ms: null, queueP95Ms: null },
  days: [day('2030-03-01', 0, 0)],
  failingSteps: [],
  variants: [],
});

function answer(byPath: Record<string, AnalyticsReport>) {
  calls.GET.mockImplementation(async (path: string) => {
    if (path === '/api/workflows') {
      return ok({ workflows: [{ id: 'wf_crm', name: 'CRM sync' }, { id: 'wf_idle', name: 'Idle one' }], total: 2, page: 1, limit: 100, pages: 1 });
    }
    return ok(byPath[path]);
  });
}

function renderPage(url = '/analytics') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <AnalyticsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => calls.GET.mockReset());
afterEach(cleanup);

describe('AnalyticsPage', () => {
  it('shows the organisation: summary, runs chart, failing steps with reasons and A/B outcomes', async () => {
    answer({ '/api/analytics/organization': report() });
    renderPage();

    const runs = await screen.findByRole('group', { name: 'Runs' });
    expect(runs.textContent).toContain('10');
    expect(runs.textContent).toContain('8 completed');
    expect(screen.getByRole('group', { name: 'Success rate' }).textContent).toContain('80%');
    expect(screen.getByRole('group', { name: 'Duration' }).textContent).toContain('1.2 s');
    expect(screen.getByRole('group', { name: 'Duration' }).textContent).toContain('p95 4.1 s');
    expect(screen.getByRole('group', { name: 'Queue time' }).textContent).toContain('12 ms');
    expect(await screen.findByRole('img', { name: /^10 runs from Mar 1 to Mar 3/ })).toBeTruthy();

    const steps = within(screen.getByRole('region', { name: 'Steps that fail most' })).getByRole('table');
    const row = within(steps).getByRole('row', { name: /push_crm/ });
    expect(row.textContent).toContain('action_crm');
    // Organisation-wide, a step names its workflow, which opens that workflow's analytics.
    expect(within(row).getByRole('link', { name: 'CRM sync' }).getAttribute('href')).toBe('/analytics?workflow=wf_crm');
    expect(row.textContent).toContain('HTTP 503 from crm.example');
    expect(row.textContent).toContain('×4');

    const ab = within(screen.getByRole('region', { name: 'A/B split outcomes' })).getByRole('table');
    const variant = (name: string) => within(ab).getAllByRole('row').find((r) => r.querySelector('.an-variant')?.textContent === name)!;
    const a = variant('a');
    expect(a.textContent).toContain('Best');
    expect(a.textContent).toContain('60%');
    expect(variant('b').textContent).toContain('50%');
    expect(variant('b').textContent).not.toContain('Best');
    expect(screen.getByText(/within 4\.4% of the exact value/)).toBeTruthy();
  });

  it('asks for one workflow when picked, and for 7 days when chosen', async () => {
    answer({ '/api/analytics/organization': report(), '/api/analytics/workflows/{id}': report({ workflowId: 'wf_crm' }) });
    renderPage();
    const picker = await screen.findByRole('combobox', { name: 'Workflow' });
    await waitFor(() => expect(within(picker).getByRole('option', { name: 'CRM sync' })).toBeTruthy());

    await userEvent.selectOptions(picker, 'wf_crm');
    expect(await screen.findByRole('heading', { level: 1, name: 'CRM sync' })).toBeTruthy();
    expect(screen.getByRole('link', { name: /Open in editor/ }).getAttribute('href')).toBe('/workflows/wf_crm');
    const workflowCall = calls.GET.mock.calls.find(([path]) => path === '/api/analytics/workflows/{id}')!;
    expect(workflowCall[1].params.path).toEqual({ id: 'wf_crm' });

    await userEvent.click(screen.getByRole('radio', { name: '7 days' }));
    await waitFor(() => {
      const last = calls.GET.mock.calls.filter(([path]) => path === '/api/analytics/workflows/{id}').at(-1)!;
      const { from, to } = last[1].params.query as { from: string; to: string };
      expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(6);
    });
    expect(screen.getByRole('radio', { name: '7 days' }).getAttribute('aria-checked')).toBe('true');
    // One tab stop: the arrow keys move the choice.
    await userEvent.keyboard('{ArrowRight}');
    expect(screen.getByRole('radio', { name: '30 days' }).getAttribute('aria-checked')).toBe('true');
    expect(document.activeElement).toBe(screen.getByRole('radio', { name: '30 days' }));
  });

  it('says so when there are no finished runs', async () => {
    answer({ '/api/analytics/workflows/{id}': empty });
    renderPage('/analytics?workflow=wf_idle');
    expect(await screen.findByRole('heading', { name: 'No finished runs in this range' })).toBeTruthy();
    expect(screen.queryByRole('group', { name: 'Runs' })).toBeNull();
  });

  it('shows the problem when the report cannot be loaded', async () => {
    calls.GET.mockImplementation(async (path: string) =>
      path === '/api/workflows'
        ? ok({ workflows: [], total: 0, page: 1, limit: 100, pages: 0 })
        : {
            error: { type: 'urn:flowforge:problem:not-found', title: 'Not found', status: 404, detail: "Workflow 'wf_gone' does not exist." },
            response: new Response(null, { status: 404 }),
          },
    );
    renderPage('/analytics?workflow=wf_gone');
    expect(await screen.findByRole('heading', { name: 'The analytics could not be loaded' })).toBeTruthy();
    expect(screen.getByText(/wf_gone' does not exist/)).toBeTruthy();
  });
});
