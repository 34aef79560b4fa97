import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter } from 'react-router';
import { useSession } from '../auth/session';

// The page talks to the API only through the typed client: a stand-in answers it.
const calls = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), DELETE: vi.fn() }));
vi.mock('../api/client', async (importOriginal) => ({ ...(await importOriginal<typeof import('../api/client')>()), api: calls }));

import { KeysPage } from './KeysPage';

const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) });
const sessionKey = 'ffk_mine_0123456789';
const keys = [
  { id: 'key_other', prefix: 'ffk_othe', name: 'ci', createdAt: '2026-01-02T00:00:00Z', revokedAt: null, key: null },
  { id: 'key_mine', prefix: 'ffk_mine', name: 'laptop', createdAt: '2026-01-01T00:00:00Z', revokedAt: null, key: null },
];

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <KeysPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  calls.GET.mockReset().mockImplementation(async () => ok({ keys }));
  calls.POST.mockReset();
  calls.DELETE.mockReset().mockImplementation(async () => ok(undefined, 204));
  useSession.getState().signIn(sessionKey);
});
afterEach(cleanup);

describe('KeysPage', () => {
  it('marks the session’s key and warns that revoking it signs you out, then does', async () => {
    renderPage();
    const mine = (await screen.findByText('laptop')).closest('tr')!;
    expect(within(mine).getByText('This session')).toBeTruthy();
    await userEvent.click(within(mine).getByRole('button', { name: 'Revoke laptop' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toMatch(/signs you out of this app at once/);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke and sign out' }));
    await waitFor(() => expect(useSession.getState().apiKey).toBeNull());
    expect(calls.DELETE).toHaveBeenCalledWith('/api/keys/{id}', { params: { path: { id: 'key_mine' } } });
    expect(useSession.getState().signedOutReason).toMatch(/revoked the API key/);
  });

  it('revokes another key without a sign-out warning and keeps the session', async () => {
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Revoke ci' }));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).not.toMatch(/signs you out/);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Revoke key' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(useSession.getState().apiKey).toBe(sessionKey);
  });

  it('shows a new key once, with a warning, and forgets it when closed', async () => {
    calls.POST.mockImplementation(async () =>
      ok({ id: 'key_new', prefix: 'ffk_newk', name: 'deploy', createdAt: '2026-01-03T00:00:00Z', revokedAt: null, key: 'ffk_newkey_secret' }, 201),
    );
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Create key' }));
    await userEvent.type(screen.getByLabelText('Key name'), 'deploy');
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Create key' }));
    const secret = await screen.findByRole('textbox', { name: 'New API key' });
    expect((secret as HTMLInputElement).value).toBe('ffk_newkey_secret');
    expect(screen.getByRole('dialog').textContent).toMatch(/shown only once/);
    expect(calls.POST).toHaveBeenCalledWith('/api/keys', { body: { name: 'deploy' } });
    await userEvent.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.textContent).not.toContain('ffk_newkey_secret');
  });
});
