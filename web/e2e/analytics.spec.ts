import type { APIRequestContext, Page } from '@playwright/test';
import { createWorkflow, expect, shot, test } from './support';

// Runs are counted by the server's roll-up a few seconds after they finish (Analytics__SettleDelay, 5 s by default,
// plus the poll): the page is reloaded until the numbers show up.
const counted = { timeout: 40_000, intervals: [1_000, 2_000] };

async function publish(api: APIRequestContext, body: Parameters<typeof createWorkflow>[1]) {
  const workflow = await createWorkflow(api, body);
  const published = await api.post(`/api/workflows/${workflow.id}/publish`);
  expect(published.status(), await published.text()).toBe(200);
  return workflow;
}

async function runToEnd(api: APIRequestContext, workflowId: string, times: number) {
  const ids: string[] = [];
  for (let i = 0; i < times; i++) {
    const started = await api.post(`/api/workflows/${workflowId}/execute`, { data: { triggerData: { i } } });
    expect(started.status(), await started.text()).toBe(202);
    ids.push(((await started.json()) as { executionId: string }).executionId);
  }
  for (const id of ids) {
    await expect
      .poll(async () => ((await (await api.get(`/api/executions/${id}`)).json()) as { status: string }).status, { timeout: 20_000 })
      .toMatch(/^(completed|failed|cancelled)$/);
  }
}

/** The big number of a summary card ("Runs", "Success rate", …). */
const kpi = (page: Page, name: string) => page.getByRole('group', { name }).locator('.an-kpi-value');

test.describe('analytics', () => {
  test('runs, a failure and A/B variants are counted and shown per workflow and for the organisation', async ({ signedIn: page, api }) => {
    const stamp = Date.now();
    const split = await publish(api, {
      name: `Analytics split ${stamp}`,
      nodes: [
        { id: 'start', type: 'trigger_manual', config: {}, position: { x: 0, y: 0 } },
        { id: 'ab', type: 'logic_ab_split', config: { variants: [{ name: 'left', weight: 1 }, { name: 'right', weight: 1 }] }, position: { x: 220, y: 0 } },
        { id: 'l', type: 'logic_set_variable', config: { variables: { side: 'left' } }, position: { x: 440, y: -80 } },
        { id: 'r', type: 'logic_set_variable', config: { variables: { side: 'right' } }, position: { x: 440, y: 80 } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'ab' },
        { id: 'e2', source: 'ab', target: 'l', sourceHandle: 'left' },
        { id: 'e3', source: 'ab', target: 'r', sourceHandle: 'right' },
      ],
    });
    const failing = await publish(api, {
      name: `Analytics failing ${stamp}`,
      nodes: [
        { id: 'start', type: 'trigger_manual', config: {}, position: { x: 0, y: 0 } },
        // Nothing listens on port 9 (and private addresses may be refused): the step fails either way.
        { id: 'call_crm', type: 'action_http', config: { url: 'http://127.0.0.1:9/crm', retry: { maxAttempts: 1 } }, position: { x: 220, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'call_crm' }],
    });
    await runToEnd(api, split.id, 4);
    await runToEnd(api, failing.id, 2);

    // From the workflows list's row menu to the workflow's analytics. The list is opened already searched, so no
    // debounced search re-renders the rows while the menu is open.
    await page.goto(`/workflows?q=${encodeURIComponent(split.name)}`);
    await expect(page.getByRole('link', { name: split.name })).toBeVisible();
    await expect(page.getByRole('link', { name: failing.name })).toHaveCount(0);
    await page.getByRole('button', { name: `Actions for ${split.name}` }).click();
    await page.getByRole('menuitem', { name: 'Analytics' }).click();
    await expect(page).toHaveURL(new RegExp(`/analytics\\?workflow=${split.id}$`));
    await expect(page.getByRole('heading', { level: 1, name: split.name })).toBeVisible();

    await expect(async () => {
      await page.reload();
      await expect(kpi(page, 'Runs')).toHaveText('4', { timeout: 3_000 });
    }).toPass(counted);
    await expect(kpi(page, 'Success rate')).toHaveText('100%');
    await expect(page.getByRole('group', { name: 'Duration' })).toContainText('p95');
    const ab = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Share of runs' }) });
    await expect(ab.getByRole('rowheader')).toContainText('ab');
    const variantRuns = await ab.locator('tbody tr:not(.an-split-row) td:nth-child(3)').allInnerTexts();
    expect(variantRuns.reduce((sum, n) => sum + Number(n), 0)).toBe(4);
    await expect(page.getByText('No step failed in this range.')).toBeVisible();
    await expect(page.getByRole('img', { name: /^4 runs from/ })).toBeVisible();
    await shot(page, 'analytics-split-workflow');

    // The picker switches to the failing workflow: its step, its error and a 0% success rate.
    await page.getByRole('combobox', { name: 'Workflow' }).selectOption({ label: failing.name });
    await expect(page).toHaveURL(new RegExp(`workflow=${failing.id}`));
    await expect(async () => {
      await page.reload();
      await expect(kpi(page, 'Runs')).toHaveText('2', { timeout: 3_000 });
    }).toPass(counted);
    await expect(kpi(page, 'Success rate')).toHaveText('0%');
    const steps = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Failed runs' }) });
    const row = steps.getByRole('row').filter({ hasText: 'call_crm' });
    await expect(row.getByRole('cell').nth(1)).toHaveText('2');
    await expect(row.locator('.an-error-text')).not.toBeEmpty();
    await expect(row.locator('.badge')).toHaveText('×2');
    await expect(page.getByText('No run went through an A/B split in this range.')).toBeVisible();
    await shot(page, 'analytics-failing-workflow');

    // The organisation: at least these six runs, the failing step named with its workflow.
    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Analytics' })).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Workflow' })).toHaveValue('');
    expect(Number((await kpi(page, 'Runs').innerText()).replace(/,/g, ''))).toBeGreaterThanOrEqual(6);
    await expect(page.getByRole('link', { name: failing.name })).toBeVisible();
    await page.getByRole('radio', { name: '7 days' }).click();
    await expect(page).toHaveURL(/days=7/);
    await expect(page.getByRole('radio', { name: '7 days' })).toHaveAttribute('aria-checked', 'true');
    await shot(page, 'analytics-organisation');
  });

  test('a workflow without finished runs says so', async ({ signedIn: page, api }) => {
    const idle = await createWorkflow(api, { name: `Analytics idle ${Date.now()}` });
    await page.goto(`/analytics?workflow=${idle.id}`);
    await expect(page.getByRole('heading', { name: 'No finished runs in this range' })).toBeVisible();
    await shot(page, 'analytics-empty');
  });
});
