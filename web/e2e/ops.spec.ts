import { apiClient, expect, shot, signIn, test } from './support';

/** A published workflow whose manual run stops at an approval asking about `amount`; approved → r = "yes". */
async function publishApprovalWorkflow(api: Awaited<ReturnType<typeof apiClient>>, name: string) {
  const created = await api.post('/api/workflows', {
    data: {
      name,
      nodes: [
        { id: 't', type: 'trigger_manual' },
        { id: 'ask', type: 'logic_approval', config: { message: 'Refund {{trigger.amount}} EUR to {{trigger.customer}}?', approvers: ['ops@example.com'], timeout: '1d' } },
        { id: 'yes', type: 'logic_set_variable', config: { variables: { r: 'yes', by: '{{steps.ask.approved_by}}', why: '{{steps.ask.comment}}' } } },
        { id: 'no', type: 'logic_set_variable', config: { variables: { r: 'no' } } },
      ],
      edges: [
        { source: 't', target: 'ask' },
        { source: 'ask', target: 'yes', sourceHandle: 'approved' },
        { source: 'ask', target: 'no', sourceHandle: 'rejected' },
        { source: 'ask', target: 'no', sourceHandle: 'timeout' },
      ],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await api.post(`/api/workflows/${id}/publish`)).status()).toBe(200);
  return id;
}

async function executionStatus(api: Awaited<ReturnType<typeof apiClient>>, id: string) {
  return (await (await api.get(`/api/executions/${id}`)).json()) as { status: string; finalOutput?: Record<string, unknown> };
}

test.describe('operations', () => {
  test('an approval is answered from the inbox and the run completes', async ({ signedIn: page, api }) => {
    const customer = `Customer ${Date.now()}`;
    const workflowId = await publishApprovalWorkflow(api, `Refunds ${Date.now()}`);
    const started = await api.post(`/api/workflows/${workflowId}/execute`, { data: { triggerData: { amount: 42, customer } } });
    expect(started.status()).toBe(202);
    const { executionId } = (await started.json()) as { executionId: string };
    await expect.poll(async () => (await executionStatus(api, executionId)).status).toBe('waiting');

    await page.getByRole('link', { name: 'Approvals' }).click();
    await expect(page.getByRole('heading', { name: 'Approvals', level: 1 })).toBeVisible();
    const card = page.getByRole('listitem').filter({ hasText: `Refund 42 EUR to ${customer}?` });
    await expect(card).toBeVisible();
    await expect(card).toContainText('ops@example.com');
    await shot(page, 'ops-approvals');

    await card.getByLabel('Comment').fill('Receipt checked');
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect(card).toHaveCount(0);

    await expect.poll(async () => (await executionStatus(api, executionId)).status).toBe('completed');
    const done = await executionStatus(api, executionId);
    expect(done.finalOutput).toMatchObject({ r: 'yes', why: 'Receipt checked' });
    expect(String(done.finalOutput?.by)).not.toBe('');
  });

  test('replacing a credential swaps its values in place: same name and creation time', async ({ signedIn: page, api }) => {
    const name = `mail-${Date.now()}`;
    const created = await api.post('/api/credentials', { data: { name, kind: 'smtp', values: { host: 'old.example.com', from: 'old@example.com' } } });
    expect(created.status(), await created.text()).toBe(201);
    const before = (await created.json()) as { createdAt: string; updatedAt: string };

    await page.getByRole('link', { name: 'Credentials' }).click();
    await expect(page.getByRole('heading', { name: 'Credentials', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: `Replace ${name}` }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading', { name: `Replace “${name}”` })).toBeVisible();
    await dialog.getByLabel('host', { exact: true }).fill('mail.example.com');
    await dialog.getByLabel('from', { exact: true }).fill('ops@example.com');
    await dialog.getByRole('button', { name: 'Add value' }).click();
    await dialog.getByLabel('Value 3 name').fill('password');
    await dialog.getByLabel('password', { exact: true }).fill('s3cret-value');
    await shot(page, 'ops-credential-replace');
    await dialog.getByRole('button', { name: 'Replace values' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByText(`Replaced “${name}”`)).toBeVisible();

    const row = page.getByRole('row').filter({ hasText: name });
    await expect(row.getByText('password', { exact: true })).toBeVisible();
    const after = (await (await api.get(`/api/credentials/${name}`)).json()) as { fields: string[]; createdAt: string; updatedAt: string };
    expect(after.fields).toEqual(['host', 'from', 'password']);
    expect(after.createdAt).toBe(before.createdAt);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    expect(JSON.stringify(after)).not.toContain('s3cret-value');
  });

  test('a new key is shown once, works, and stops working once revoked', async ({ signedIn: page }) => {
    const name = `e2e key ${Date.now()}`;
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Key name').fill(name);
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const secret = dialog.getByRole('textbox', { name: 'New API key' });
    await expect(secret).toHaveValue(/^ffk_/);
    await expect(dialog).toContainText('shown only once');
    await shot(page, 'ops-key-created');
    const key = await secret.inputValue();
    const client = await apiClient(key);
    expect((await client.get('/api/keys')).status()).toBe(200);

    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('dialog')).toHaveCount(0);
    // Gone for good: the page no longer holds the secret anywhere.
    expect(await page.content()).not.toContain(key);
    const row = page.getByRole('row').filter({ hasText: name });
    await expect(row).toContainText('Active');

    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await expect(row).toContainText('Revoked');
    expect((await client.get('/api/keys')).status()).toBe(401);
    await client.dispose();
  });

  test('revoking the key you are signed in with signs you out, after saying so', async ({ page, api }) => {
    const name = `e2e own key ${Date.now()}`;
    const created = await api.post('/api/keys', { data: { name } });
    expect(created.status()).toBe(201);
    const { key } = (await created.json()) as { key: string };

    await signIn(page, key);
    await page.getByRole('link', { name: 'API keys' }).click();
    const row = page.getByRole('row').filter({ hasText: name });
    await expect(row).toContainText('This session');
    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('signs you out');
    await shot(page, 'ops-revoke-own-key');
    await dialog.getByRole('button', { name: 'Revoke and sign out' }).click();

    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByText('You revoked the API key this session was signed in with')).toBeVisible();
    const revoked = await apiClient(key);
    expect((await revoked.get('/api/keys')).status()).toBe(401);
    await revoked.dispose();
  });
});
