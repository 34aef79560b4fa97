import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { KeyRound, Plus } from 'lucide-react';
import { api, unwrap } from '../api/client';
import { useSession } from '../auth/session';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Dialog, FormFooter } from '../ui/Dialog';
import { EmptyState } from '../ui/EmptyState';
import { QueryState } from '../ui/QueryState';
import { SecretOnceDialog } from '../ui/SecretOnce';
import { TableHead } from '../ui/TableHead';
import { toast } from '../ui/toast';
import { useAction } from '../ui/useAction';
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

      <QueryState
        pending={isPending}
        error={error}
        loadingLabel="Loading API keys"
        empty={
          keys.length === 0 && (
            <EmptyState icon={<KeyRound size={22} />} title="No API keys">
              Create a key for each script or service that calls the API, so each can be revoked on its own.
            </EmptyState>
          )
        }
      >
        {() => (
          <div className="card data-card">
            <table className="data-table">
              <TableHead columns={['Name', 'Key', 'Created', 'Status']} actions />
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
      </QueryState>

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
  const { busy, error, setError, run } = useAction();
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
    await run(async () => {
      setCreated(await unwrap(api.POST('/api/keys', { body: { name: name.trim() || null } })));
      await queryClient.invalidateQueries({ queryKey: keysQueryKey });
    });
  };

  if (created?.key) {
    return (
      <SecretOnceDialog
        key="created"
        open={open}
        onClose={close}
        title={`Key “${keyLabel(created)}” created`}
        value={created.key}
        label="New API key"
        warning="Copy this key now and keep it somewhere safe. It is shown only once: after you close this dialog no one can see it again, not even here."
      />
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
      footer={<FormFooter onCancel={close} submitLabel="Create key" busyLabel="Creating…" busy={busy} />}
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
