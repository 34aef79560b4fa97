import { apiClient, createWorkflow, expect, shot, signIn, test } from './support';

test.describe('sign-in', () => {
  test('a wrong key is refused with a clear message', async ({ page }) => {
    await page.goto('/');
    // Not signed in: every page leads to the sign-in page.
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.getByLabel('API key').fill('ffk_this_is_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('not valid');
    await expect(page).toHaveURL(/\/sign-in$/);
    await shot(page, 'sign-in-wrong-key');
  });

  test('the right key lands on the workflows list', async ({ page }) => {
    await signIn(page);
    await shot(page, 'sign-in-workflows');
    // The key lives in this tab's session: a reload stays signed in.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Workflows', level: 1 })).toBeVisible();
  });

  test('a key revoked while signed in sends the app back to sign-in with the reason', async ({ page, api }) => {
    const created = await api.post('/api/keys', { data: { name: 'e2e revoked while signed in' } });
    expect(created.status()).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    const workflow = await createWorkflow(api, { name: `Revocation check ${Date.now()}` });

    await signIn(page, key);
    const link = page.getByRole('link', { name: workflow.name });
    await expect(link).toBeVisible();

    expect((await api.delete(`/api/keys/${id}`)).status()).toBe(204);
    // The revoked key still works nowhere: its own next call is refused.
    const revoked = await apiClient(key);
    expect((await revoked.get('/api/workflows')).status()).toBe(401);
    await revoked.dispose();

    // The app's next call (opening the workflow) is refused: the session ends and sign-in says why.
    await link.click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByRole('alert')).toContainText(/revoked/i);
    await shot(page, 'sign-in-revoked');
  });
});
