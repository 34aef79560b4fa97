import { createWorkflow, expect, shot, test } from './support';

/** A manual trigger, a short delay (so the run is seen unfinished), then a set-variable step. */
function delayedWorkflow(name: string) {
  return {
    name,
    nodes: [
      { id: 'start', type: 'trigger_manual', position: { x: 0, y: 0 } },
      { id: 'pause', type: 'logic_delay', config: { duration: '2s' }, position: { x: 220, y: 0 } },
      { id: 'done', type: 'logic_set_variable', config: { variables: { ok: true } }, position: { x: 440, y: 0 } },
    ],
    edges: [
      { source: 'start', target: 'pause' },
      { source: 'pause', target: 'done' },
    ],
  };
}

test.describe('executions', () => {
  test('a run started while the list is open appears on top and completes live', async ({ signedIn: page, api }) => {
    const tag = Date.now().toString(36);
    const workflow = await createWorkflow(api, delayedWorkflow(`Live list ${tag}`));
    expect((await api.post(`/api/workflows/${workflow.id}/publish`)).status()).toBe(200);
    // An earlier run, so the new one has something to land above.
    const earlier = await api.post(`/api/workflows/${workflow.id}/execute`, { data: { triggerData: { customer: `Grace ${tag}` } } });
    expect(earlier.status()).toBe(202);

    await page.getByRole('link', { name: 'Executions' }).click();
    await expect(page).toHaveURL(/\/executions$/);
    await expect(page.getByRole('heading', { name: 'Executions', level: 1 })).toBeVisible();
    await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('Live');

    const started = await api.post(`/api/workflows/${workflow.id}/execute`, { data: { triggerData: { customer: `Ada ${tag}` } } });
    expect(started.status()).toBe(202);
    const { executionId } = (await started.json()) as { executionId: string };

    // No reload: the row arrives over the hub, on top, unfinished, then finishes in place.
    const row = page.locator(`tr[data-execution-id="${executionId}"]`);
    await expect(row).toBeVisible();
    await expect(page.locator('tbody tr').first()).toHaveAttribute('data-execution-id', executionId);
    await expect(row).toHaveAttribute('data-status', /running|waiting/);
    await expect(row.getByRole('link')).toHaveText(workflow.name);
    await shot(page, 'executions-live-running');
    await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 15_000 });
    await expect(row).toContainText('Succeeded');
    await expect(row).toContainText(/\d(\.\d)? s/);
    await shot(page, 'executions-live-completed');

    // The search reads the trigger data; the status filter leaves the others out; both live in the URL.
    await page.getByRole('searchbox', { name: 'Search trigger data' }).fill(`ada ${tag}`);
    await expect(page).toHaveURL(new RegExp(`q=ada`));
    await expect(page.locator('tbody tr')).toHaveCount(1);
    await expect(page.locator('tbody tr').first()).toHaveAttribute('data-execution-id', executionId);
    await page.getByRole('button', { name: /^Status/ }).click();
    await page.getByRole('checkbox', { name: 'Failed' }).check();
    await page.keyboard.press('Escape');
    await expect(page.getByText('No runs match these filters')).toBeVisible();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(page).toHaveURL(/\/executions$/);

    // A row opens its run.
    await page.locator(`tr[data-execution-id="${executionId}"]`).getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`/executions/${executionId}$`));
  });

  test("a workflow's own runs page follows only that workflow", async ({ signedIn: page, api }) => {
    const tag = Date.now().toString(36);
    const mine = await createWorkflow(api, delayedWorkflow(`Mine ${tag}`));
    const other = await createWorkflow(api, delayedWorkflow(`Other ${tag}`));
    for (const w of [mine, other]) expect((await api.post(`/api/workflows/${w.id}/publish`)).status()).toBe(200);

    await page.goto(`/workflows/${mine.id}/executions`);
    await expect(page.getByRole('heading', { name: `Runs of ${mine.name}` })).toBeVisible();
    await expect(page.getByRole('status', { name: 'Live updates' })).toHaveText('Live');

    const theirs = (await (await api.post(`/api/workflows/${other.id}/execute`, { data: {} })).json()) as { executionId: string };
    const ours = (await (await api.post(`/api/workflows/${mine.id}/execute`, { data: {} })).json()) as { executionId: string };
    await expect(page.locator(`tr[data-execution-id="${ours.executionId}"]`)).toBeVisible();
    await expect(page.locator(`tr[data-execution-id="${theirs.executionId}"]`)).toHaveCount(0);
    await shot(page, 'executions-one-workflow');

    await page.getByRole('button', { name: "Show every workflow's runs" }).click();
    await expect(page).toHaveURL(/\/executions$/);
    await expect(page.locator(`tr[data-execution-id="${theirs.executionId}"]`)).toBeVisible();
  });
});
