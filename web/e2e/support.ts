import { test as base, expect, request, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Shared plumbing for the end-to-end specs: the server global-setup.ts started (its address and bootstrap key), an API
 * client with that key, a page already signed in, and screenshots saved as artifacts.
 *
 *   import { test, expect, shot } from './support';
 *   test('…', async ({ signedIn: page, api }) => { … await shot(page, 'editor-open'); });
 */

const screenshots = resolve(dirname(fileURLToPath(import.meta.url)), '../test-results/screenshots');

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the specs with \`npx playwright test\` (global-setup.ts starts the server).`);
  return value;
}

/** The server's address (http://127.0.0.1:<port>). */
export const serverUrl = () => env('FLOWFORGE_E2E_URL');

/** The bootstrap API key of the server's `default` organisation. */
export const bootstrapKey = () => env('FLOWFORGE_E2E_KEY');

/** An API client signed with <paramref name="key"/> (default: the bootstrap key). Dispose it when done. */
export function apiClient(key: string = bootstrapKey()): Promise<APIRequestContext> {
  return request.newContext({ baseURL: serverUrl(), extraHTTPHeaders: { 'X-Api-Key': key, Accept: 'application/json' } });
}

/** Signs in through the sign-in page with <paramref name="key"/> and waits for the workflows list. */
export async function signIn(page: Page, key: string = bootstrapKey()) {
  await page.goto('/sign-in');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/workflows$/);
  await expect(page.getByRole('heading', { name: 'Workflows', level: 1 })).toBeVisible();
}

/** A full-page screenshot saved as test-results/screenshots/<name>.png (kept as a CI artifact). */
export async function shot(page: Page, name: string) {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** Creates a draft through the API (its own create body: name, nodes, edges, canvas…) and returns what it answered. */
export async function createWorkflow(api: APIRequestContext, body: { name: string; nodes?: unknown[]; edges?: unknown[]; [key: string]: unknown }) {
  const response = await api.post('/api/workflows', { data: { nodes: [], edges: [], ...body } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string; name: string; [key: string]: unknown };
}

export const test = base.extend<{ api: APIRequestContext; signedIn: Page }>({
  baseURL: async ({}, use) => use(serverUrl()),
  /** The API with the bootstrap key, for arranging data and checking what the app did. */
  api: async ({}, use) => {
    const api = await apiClient();
    await use(api);
    await api.dispose();
  },
  /** A page signed in with the bootstrap key, on the workflows list. */
  signedIn: async ({ page }, use) => {
    await signIn(page);
    await use(page);
  },
});

export { expect };
