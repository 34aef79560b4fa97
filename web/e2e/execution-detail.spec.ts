import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIRequestContext, Page } from '@playwright/test';
import { createWorkflow, expect, shot, test } from './support';

const triage = JSON.parse(
  readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../src/FlowForge.Server/Samples/triage-workflow.json'), 'utf8'),
) as { name: string; nodes: unknown[]; edges: unknown[] };

async function publish(api: APIRequestContext, body: { name: string; nodes: unknown[]; edges: unknown[] }): Promise<string> {
  const { id } = await createWorkflow(api, body);
  const published = await api.post(`/api/workflows/${id}/publish`);
  expect(published.status(), await published.text()).toBe(200);
  return id;
}

async function execute(api: APIRequestContext, workflowId: string, triggerData: unknown = {}): Promise<string> {
  const response = await api.post(`/api/workflows/${workflowId}/execute`, { data: { triggerData } });
  expect(response.status(), await response.text()).toBe(202);
  return ((await response.json()) as { executionId: string }).executionId;
}

async function waitForStatus(api: APIRequestContext, id: string, statuses: string[]) {
  await expect
    .poll(async () => ((await (await api.get(`/api/executions/${id}`)).json()) as { status: string }).status, { timeout: 15_000 })
    .toMatch(new RegExp(`^(${statuses.join('|')})$`));
}

/** A step's card on the canvas, by its step id; its accessible name carries its run state ("call: Failed"). */
const card = (page: Page, stepId: string) => page.locator(`.react-flow__node[data-id="${stepId}"]`);
const status = (page: Page) => page.getByRole('status', { name: 'Execution status' });

/** A stand-in for an outside provider: answers 500 while `failing`, then 200; counts the calls. */
function standIn() {
  const state = { failing: true, calls: 0 };
  const server: Server = createServer((req, res) => {
    state.calls++;
    req.resume();
    res.writeHead(state.failing ? 500 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(state.failing ? { error: 'the provider is down' } : { ok: true, ticket: 'T-42' }));
  });
  return {
    state,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/tickets`,
    start: () => new Promise<void>((r) => server.listen(0, '127.0.0.1', r)),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test.describe('execution detail', () => {
  test('the triage sample runs to completion on the canvas, the branch not taken shown skipped', async ({ signedIn: page, api }) => {
    const workflowId = await publish(api, { ...triage, name: `Triage ${Date.now()}` });
    const first = await execute(api, workflowId, { from: '+15550001', text: 'This is terrible, I want a refund' });
    await waitForStatus(api, first, ['completed']);

    await page.goto(`/executions/${first}`);
    await expect(status(page)).toHaveText('Succeeded');
    await expect(page.getByText('Live', { exact: true })).toBeVisible();

    // Retry from the page: a new execution, opened at once, whose steps complete live.
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect(page).not.toHaveURL(new RegExp(`/executions/${first}$`));
    await expect(page.getByRole('link', { name: first })).toBeVisible();
    await expect(status(page)).toHaveText('Succeeded');
    for (const step of ['message', 'sentiment', 'intent', 'unhappy']) {
      await expect(card(page, step)).toHaveAttribute('aria-label', new RegExp(`^${step}: Completed`));
    }
    // One of the two branches ran; the other is skipped (derived by the server, the logs do not list it).
    const branches = [await card(page, 'escalate').getAttribute('aria-label'), await card(page, 'thank').getAttribute('aria-label')];
    expect(branches.sort()).toEqual([expect.stringMatching(/^escalate: (Completed|Skipped)/), expect.stringMatching(/^thank: (Completed|Skipped)/)]);
    expect(branches.filter((b) => b?.includes('Skipped'))).toHaveLength(1);
    await expect(card(page, 'sentiment').getByText('Completed')).toBeVisible();

    // The timeline has a row per step that ran; a step's input and output open in the inspector.
    await expect(page.getByRole('table', { name: 'Step timeline' }).getByRole('button', { name: 'sentiment' })).toBeVisible();
    await card(page, 'sentiment').click();
    const details = page.getByRole('complementary', { name: 'Step details' });
    await expect(details.getByRole('heading', { name: 'sentiment' })).toBeVisible();
    await expect(details.getByRole('group', { name: 'Output' })).toContainText('"sentiment"');
    await page.getByRole('tab', { name: /History/ }).click();
    await expect(page.getByRole('list', { name: 'History events' }).getByText('Execution completed')).toBeVisible();
    await shot(page, 'execution-detail-triage');
  });

  test('a run failing on a stand-in provider is resumed from the page once the provider is fixed', async ({ signedIn: page, api }) => {
    const provider = standIn();
    await provider.start();
    try {
      const workflowId = await publish(api, {
        name: `Stand-in ${Date.now()}`,
        nodes: [
          { id: 'start', type: 'trigger_manual', config: {} },
          { id: 'call', type: 'action_http', config: { method: 'POST', url: provider.url(), retry: { maxAttempts: 2, initialInterval: '200ms' } } },
          { id: 'done', type: 'logic_set_variable', config: { variables: { ticket: '{{steps.call.body.ticket}}' } } },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'call' },
          { id: 'e2', source: 'call', target: 'done' },
        ],
      });
      const id = await execute(api, workflowId);
      await waitForStatus(api, id, ['failed']);
      expect(provider.state.calls).toBe(2);

      await page.goto(`/executions/${id}`);
      await expect(status(page)).toHaveText('Failed');
      await expect(page.getByRole('alert')).toContainText('500');
      await expect(card(page, 'call')).toHaveAttribute('aria-label', /^call: Failed/);
      await expect(card(page, 'done')).toHaveAttribute('aria-label', /^done: Not run/);
      // Two attempts and the backoff between them on the timeline.
      await expect(page.getByRole('table', { name: 'Step timeline' }).getByRole('cell', { name: /Attempt 1 failed.*Retry backoff.*Attempt 2 failed/ })).toBeVisible();
      await shot(page, 'execution-detail-failed');

      provider.state.failing = false;
      await page.getByRole('button', { name: 'Resume' }).click();
      // No reload: the hub brings the resumed attempt and the completion.
      await expect(status(page)).toHaveText('Succeeded');
      await expect(card(page, 'call')).toHaveAttribute('aria-label', /^call: Completed/);
      await expect(card(page, 'done')).toHaveAttribute('aria-label', /^done: Completed/);
      expect(provider.state.calls).toBe(3);
      await card(page, 'done').click();
      await expect(page.getByRole('complementary', { name: 'Step details' }).getByRole('group', { name: 'Output' })).toContainText('T-42');
      await shot(page, 'execution-detail-resumed');

      // Resuming again is refused by the server, and the page says why.
      const again = await api.post(`/api/executions/${id}/resume`);
      expect(again.status()).toBe(409);
    } finally {
      await provider.stop();
    }
  });

  test('an approval is answered from the page, and a waiting run can be cancelled with a reason', async ({ signedIn: page, api }) => {
    const workflowId = await publish(api, {
      name: `Approval ${Date.now()}`,
      nodes: [
        { id: 'start', type: 'trigger_manual', config: {} },
        { id: 'review', type: 'logic_approval', config: { message: 'Refund?' } },
        { id: 'refund', type: 'logic_set_variable', config: { variables: { refunded: true } } },
        { id: 'decline', type: 'logic_set_variable', config: { variables: { refunded: false } } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'review' },
        { id: 'e2', source: 'review', target: 'refund', sourceHandle: 'approved' },
        { id: 'e3', source: 'review', target: 'decline', sourceHandle: 'rejected' },
      ],
    });
    const id = await execute(api, workflowId);
    await waitForStatus(api, id, ['waiting']);
    await page.goto(`/executions/${id}`);
    await expect(status(page)).toHaveText('Waiting');
    await expect(card(page, 'review')).toHaveAttribute('aria-label', /^review: Waiting \(approval\)/);

    await page.getByRole('button', { name: 'Answer approval' }).click();
    const dialog = page.getByRole('dialog', { name: /Answer the approval/ });
    await dialog.getByLabel('Comment (optional)').fill('Goodwill refund');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await expect(status(page)).toHaveText('Succeeded');
    await expect(card(page, 'refund')).toHaveAttribute('aria-label', /^refund: Completed/);
    await expect(card(page, 'decline')).toHaveAttribute('aria-label', /^decline: Skipped/);
    await card(page, 'review').click();
    await expect(page.getByRole('complementary', { name: 'Step details' }).getByRole('group', { name: 'Output' })).toContainText('Goodwill refund');

    // Answered elsewhere (the API): the open page has no poll, so only the live feed can bring it to the end.
    const elsewhere = await execute(api, workflowId);
    await waitForStatus(api, elsewhere, ['waiting']);
    await page.goto(`/executions/${elsewhere}`);
    await expect(status(page)).toHaveText('Waiting');
    await expect(page.getByText('Live', { exact: true })).toBeVisible();
    const answered = await api.post(`/api/executions/${elsewhere}/events/approval`, { data: { payload: { approved: false, approvedBy: 'e2e' } } });
    expect(answered.status(), await answered.text()).toBe(202);
    await expect(status(page)).toHaveText('Succeeded');
    await expect(card(page, 'decline')).toHaveAttribute('aria-label', /^decline: Completed/);

    const second = await execute(api, workflowId);
    await waitForStatus(api, second, ['waiting']);
    await page.goto(`/executions/${second}`);
    await expect(status(page)).toHaveText('Waiting');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    const cancel = page.getByRole('dialog', { name: 'Cancel this execution?' });
    await cancel.getByLabel('Reason (optional)').fill('Customer withdrew');
    await cancel.getByRole('button', { name: 'Cancel execution' }).click();
    await expect(status(page)).toHaveText('Cancelled');
    await expect(card(page, 'review')).toHaveAttribute('aria-label', /^review: Cancelled/);
    await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toBeHidden();
    await page.getByRole('tab', { name: /History/ }).click();
    await expect(page.getByRole('list', { name: 'History events' })).toContainText('Customer withdrew');
    await shot(page, 'execution-detail-cancelled');
  });
});
