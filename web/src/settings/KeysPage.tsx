import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { KeyRound, Plus } from 'lucide-react';
import { api, unwrap } from '../api/client';
import { describeError } from '../api/problem';
import { useSession } from '../auth/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Dialog } from '../ui/Dialog';
import { EmptyState } from '../ui/EmptyState';
import { SecretOnce } from '../ui/SecretOnce';
import { Spinner } from '../ui/Spinner';
import { toast } from '../ui/toast';
import { fullTime, relativeTime } from '../workflows/relativeTime';
import { isSessionKey, keyLabel, keysQueryKey, sortKeys, useApiKeys, type ApiKey } from './keys';
import '../ui/DataTable.css';

/** The organisation's API keys: create one (its secret shown once), see them all, revoke. */
export function KeysPage() {
  const { data, error, isPending } = useApiKeys();
  const sessionKey = useSession((s) => s.apiKey);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const queryClient = useQueryClient();
  const signOut = useSession((s) => s.signOut);

  const revoke = async (key: ApiKey) => {
    const own = isSessionKey(key, sessionKey);
    await unwrap(api.DELETE('/api/keys/{id}', { params: { path: { id: key.id } } }));
    if (own) {
      signOut('You revoked the API key this session was signed in with. Sign in with another key.');
      return;
    }
    await queryClient.invalidateQueries({ queryKey: keysQueryKey });
    toast.success(`Revoked “${keyLabel(key)}”`);
  };

  const keys = data ? sortKeys(data.keys) : [];
  const now = new Date();
  return (
    <div className="page">
      <header className="page-header">
        <div className="grow">
          <h1>API keys</h1>
          <p>Keys sign every call to the API and this app. A key’s secret is shown once, when it is created.</p>
        </div>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          <Plus size={16} aria-hidden /> Create key
        </button>
      </header>

      {isPending ? (
        <Spinner label="Loading API keys" block />
      ) : error ? (
        <div className="form-error" role="alert">
          {describeError(error)}
        </div>
      ) : keys.length === 0 ? (
        <EmptyState icon={<KeyRound size={22} />} title="No API keys">
          Create a key for each script or service that calls the API, so each can be revoked on its own.
        </EmptyState>
      ) : (
        <div className="card data-card">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>
                    <span className="cell-main">{k.name?.trim() || <span className="muted">Unnamed</span>}</span>
                    {isSessionKey(k, sessionKey) && (
                      <span className="badge badge-accent" style={{ marginLeft: 8 }}>
                        This session
                      </span>
                    )}
                  </td>
                  <td className="cell-mono">{k.prefix}…</td>
                  <td className="cell-time" title={fullTime(k.createdAt)}>
                    {relativeTime(k.createdAt, now)}
                  </td>
                  <td>
                    {k.revokedAt ? (
                      <span className="badge" title={fullTime(k.revokedAt)}>
                        Revoked {relativeTime(k.revokedAt, now)}
                      </span>
                    ) : (
                      <span className="badge badge-success">Active</span>
                    )}
                  </td>
                  <td className="cell-actions">
                    {!k.revokedAt && (
                      <button type="button" className="btn btn-sm btn-danger" onClick={() => setRevoking(k)} aria-label={`Revoke ${keyLabel(k)}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking ? keyLabel(revoking) : ''}”?`}
        description="Calls signed with it are refused from now on, and its live connections close. This cannot be undone."
        confirmLabel={revoking && isSessionKey(revoking, sessionKey) ? 'Revoke and sign out' : 'Revoke key'}
        busyLabel="Revoking…"
        onConfirm={() => revoke(revoking!)}
        onClose={() => setRevoking(null)}
      >
        {revoking && isSessionKey(revoking, sessionKey) && (
          <div className="form-error" role="note">
            This is the key you are signed in with: revoking it signs you out of this app at once.
          </div>
        )}
      </ConfirmDialog>
    </div>
  );
}

/** Names a new key, then shows its secret once; closing the dialog forgets it. */
function CreateKeyDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();

  const close = () => {
    setName('');
    setCreated(null);
    setError(null);
    onClose();
  };
  const create = async () => {
    if (name.trim().length > 200) {
      setError('A key name has at most 200 characters.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const key = await unwrap(api.POST('/api/keys', { body: { name: name.trim() || null } }));
      setCreated(key);
      await queryClient.invalidateQueries({ queryKey: keysQueryKey });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  if (created?.key) {
    return (
      <Dialog
        key="created"
        open={open}
        onClose={close}
        title={`Key “${keyLabel(created)}” created`}
        footer={
          <button type="button" className="btn btn-primary" onClick={close} data-autofocus>
            Done
          </button>
        }
      >
        <SecretOnce
          value={created.key}
          label="New API key"
          warning="Copy this key now and keep it somewhere safe. It is shown only once: after you close this dialog no one can see it again, not even here."
        />
      </Dialog>
    );
  }
  return (
    <Dialog
      key="form"
      open={open}
      onClose={close}
      busy={busy}
      title="Create API key"
      description="Name it after what will use it (a script, a service), so you know what stops working if you revoke it."
      onSubmit={create}
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </>
      }
    >
      <div className="form-stack">
        <label className="field">
          <span className="field-label">Key name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. ci-deploy" maxLength={200} data-autofocus />
        </label>
        {error && (
          <div className="form-error" role="alert">
            {error}
          </div>
        )}
      </div>
    </Dialog>
  );
}
