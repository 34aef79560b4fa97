import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { LockKeyhole, Plus, Trash2, X } from 'lucide-react';
import { api, unwrap, type Schemas } from '../api/client';
import { ApiError, describeError } from '../api/problem';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Dialog, FormFooter } from '../ui/Dialog';
import { EmptyState } from '../ui/EmptyState';
import { QueryState } from '../ui/QueryState';
import { TableHead } from '../ui/TableHead';
import { toast } from '../ui/toast';
import { fullTime, relativeTime } from '../workflows/relativeTime';
import { credentialKinds, kindLabel, rowsFor, validateCredential, valuesObject, type CredentialFormErrors, type ValueRow } from './credentialKinds';
import '../ui/DataTable.css';
import './Settings.css';

type Credential = Schemas['CredentialResponse'];
const credentialsKey = ['credentials'] as const;

/** Provider credentials: values go in once and are never shown again; a replace asks for every value anew. */
export function CredentialsPage() {
  const { data, error, isPending } = useQuery({
    queryKey: credentialsKey,
    queryFn: ({ signal }) => unwrap(api.GET('/api/credentials', { signal })),
  });
  const [form, setForm] = useState<{ replace: Credential | null } | null>(null);
  const [deleting, setDeleting] = useState<Credential | null>(null);
  const queryClient = useQueryClient();
  const now = new Date();
  const list = [...(data?.credentials ?? [])].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <div className="page">
      <header className="page-header">
        <div className="grow">
          <h1>Credentials</h1>
          <p>Provider secrets the nodes use by name. Values are encrypted at rest and never shown again after you save them.</p>
        </div>
        <button type="button" className="btn btn-primary" onClick={() => setForm({ replace: null })}>
          <Plus size={16} aria-hidden /> New credential
        </button>
      </header>

      <QueryState
        pending={isPending}
        error={error}
        loadingLabel="Loading credentials"
        empty={
          list.length === 0 && (
            <EmptyState icon={<LockKeyhole size={22} />} title="No credentials yet">
              Add the keys of your email, WhatsApp, voice or AI providers here, then pick them by name in a step’s settings.
            </EmptyState>
          )
        }
      >
        {() => (
          <div className="card data-card">
            <table className="data-table">
              <TableHead columns={['Name', 'Kind', 'Values', 'Created', 'Updated']} actions />
              <tbody>
                {list.map((c) => (
                  <tr key={c.name}>
                    <td className="cell-main">{c.name}</td>
                    <td>
                      <span className="badge">{kindLabel(c.kind)}</span>
                    </td>
                    <td>
                      <span className="field-chips">
                        {c.fields.map((f) => (
                          <code key={f} className="field-chip" title="The value is stored encrypted and never shown">
                            {f}
                          </code>
                        ))}
                      </span>
                    </td>
                    <td className="cell-time" title={fullTime(c.createdAt)}>
                      {relativeTime(c.createdAt, now)}
                    </td>
                    <td className="cell-time" title={fullTime(c.updatedAt)}>
                      {relativeTime(c.updatedAt, now)}
                    </td>
                    <td className="cell-actions">
                      <button type="button" className="btn btn-sm" onClick={() => setForm({ replace: c })} aria-label={`Replace ${c.name}`}>
                        Replace
                      </button>
                      <button type="button" className="btn btn-sm btn-icon btn-danger" onClick={() => setDeleting(c)} aria-label={`Delete ${c.name}`} title="Delete">
                        <Trash2 size={14} aria-hidden />
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>

      {form && <CredentialDialog replace={form.replace} onClose={() => setForm(null)} />}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.name ?? ''}”?`}
        description="Steps that name this credential fail from then on, until a credential of that name exists again."
        confirmLabel="Delete credential"
        busyLabel="Deleting…"
        onConfirm={async () => {
          await unwrap(api.DELETE('/api/credentials/{name}', { params: { path: { name: deleting!.name } } }));
          await queryClient.invalidateQueries({ queryKey: credentialsKey });
          toast.success(`Deleted “${deleting!.name}”`);
        }}
        onClose={() => setDeleting(null)}
      />
    </div>
  );
}

/**
 * Creates a credential, or replaces one: values are write-only, so a replace asks for every value again and the server
 * swaps them (and the kind) in one step. A refused replace leaves the old values in place.
 */
function CredentialDialog({ replace, onClose }: { replace: Credential | null; onClose(): void }) {
  const [name, setName] = useState(replace?.name ?? '');
  const [kind, setKind] = useState(replace?.kind ?? credentialKinds[0].kind);
  const [rows, setRows] = useState<ValueRow[]>(() => rowsFor(replace?.kind ?? credentialKinds[0].kind, replace?.fields));
  const [errors, setErrors] = useState<CredentialFormErrors | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const queryClient = useQueryClient();

  const changeKind = (next: string) => {
    setKind(next);
    // Keep what was typed; add the new kind's required fields that are missing.
    setRows((current) => {
      const typed = current.filter((r) => r.name.trim() || r.value);
      const missing = rowsFor(next).filter((r) => r.name && !typed.some((t) => t.name.trim() === r.name));
      const merged = [...missing, ...typed];
      return merged.length > 0 ? merged : [{ name: '', value: '' }];
    });
  };
  const setRow = (i: number, patch: Partial<ValueRow>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  const save = async () => {
    const problems = validateCredential(name.trim(), kind, rows);
    setErrors(problems);
    setFailure(null);
    if (problems) return;
    setBusy(true);
    try {
      const values = valuesObject(rows) as never;
      if (replace) {
        await unwrap(api.PUT('/api/credentials/{name}', { params: { path: { name: replace.name } }, body: { kind, values } }));
      } else {
        await unwrap(api.POST('/api/credentials', { body: { name: name.trim(), kind, values } }));
      }
      await queryClient.invalidateQueries({ queryKey: credentialsKey });
      toast.success(replace ? `Replaced “${name.trim()}”` : `Saved “${name.trim()}”`);
      onClose();
    } catch (e) {
      setFailure(
        e instanceof ApiError && e.code === 'credential-exists'
          ? `A credential named “${name.trim()}” already exists: replace it instead.`
          : replace
            ? `The old values are still in place: ${describeError(e)}`
            : describeError(e),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={onClose}
      busy={busy}
      title={replace ? `Replace “${replace.name}”` : 'New credential'}
      description={
        replace
          ? 'Enter every value again: the stored ones are never shown. Saving swaps them at once for the steps that use this credential.'
          : 'Values are encrypted at rest and never shown again, here or in the API.'
      }
      onSubmit={save}
      footer={<FormFooter onCancel={onClose} submitLabel={replace ? 'Replace values' : 'Save credential'} busyLabel="Saving…" busy={busy} />}
    >
      <div className="form-stack">
        <div className="cred-grid">
          <label className="field">
            <span className="field-label">Name</span>
            <input
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              readOnly={replace !== null}
              aria-invalid={errors?.name ? true : undefined}
              placeholder="e.g. openai-main"
              autoComplete="off"
              data-autofocus={replace ? undefined : true}
            />
            {errors?.name && <span className="field-error">{errors.name}</span>}
          </label>
          <label className="field">
            <span className="field-label">Kind</span>
            <select className="select" value={kind} onChange={(e) => changeKind(e.target.value)}>
              {credentialKinds.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset className="cred-values">
          <legend className="field-label">Values</legend>
          {rows.map((r, i) => {
            const required = credentialKinds.find((k) => k.kind === kind)?.required.includes(r.name.trim()) ?? false;
            return (
              <div key={i} className="cred-row">
                <input
                  className="input cred-row-name"
                  value={r.name}
                  onChange={(e) => setRow(i, { name: e.target.value })}
                  aria-label={`Value ${i + 1} name`}
                  placeholder="name"
                  readOnly={required}
                  autoComplete="off"
                />
                <input
                  className="input"
                  type="password"
                  value={r.value}
                  onChange={(e) => setRow(i, { value: e.target.value })}
                  aria-label={r.name.trim() ? r.name.trim() : `Value ${i + 1}`}
                  aria-invalid={errors?.fields[i] ? true : undefined}
                  placeholder={required ? 'required' : 'value'}
                  autoComplete="new-password"
                  data-autofocus={replace && i === 0 ? true : undefined}
                />
                <button
                  type="button"
                  className="btn btn-sm btn-icon btn-ghost"
                  aria-label={`Remove ${r.name.trim() || `value ${i + 1}`}`}
                  disabled={required || rows.length === 1}
                  onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
                >
                  <X size={14} aria-hidden />
                </button>
                {errors?.fields[i] && <span className="field-error cred-row-error">{errors.fields[i]}</span>}
              </div>
            );
          })}
          <button type="button" className="btn btn-sm btn-ghost cred-add" onClick={() => setRows((rs) => [...rs, { name: '', value: '' }])}>
            <Plus size={14} aria-hidden /> Add value
          </button>
          {errors?.values && <span className="field-error">{errors.values}</span>}
        </fieldset>
        {failure && (
          <div className="form-error" role="alert">
            {failure}
          </div>
        )}
      </div>
    </Dialog>
  );
}
