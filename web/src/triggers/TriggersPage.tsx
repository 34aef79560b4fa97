import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { CalendarClock, RefreshCw, Webhook, Zap } from 'lucide-react';
import { api, unwrap, type Schemas } from '../api/client';
import { describeError } from '../api/problem';
import { NodeIcon } from '../catalog/icons';
import { useNodeTypes } from '../catalog/nodeTypes';
import { CopyButton } from '../ui/CopyButton';
import { Dialog } from '../ui/Dialog';
import { EmptyState } from '../ui/EmptyState';
import { SecretOnce } from '../ui/SecretOnce';
import { Spinner } from '../ui/Spinner';
import { fullTime, relativeTime } from '../workflows/relativeTime';
import { authLabel, badgeClassFor, canRotate, outcomeBadge } from './triggerText';
import '../ui/DataTable.css';
import './TriggersPage.css';

type Trigger = Schemas['TriggerStatus'];

/** The triggers of published workflows: URLs to copy, auth, secret rotation, recent deliveries and upcoming schedule runs. */
export function TriggersPage() {
  const [params, setParams] = useSearchParams();
  const published = useQuery({
    queryKey: ['workflows', { status: 'published', page: 1, limit: 100 }],
    queryFn: ({ signal }) => unwrap(api.GET('/api/workflows', { params: { query: { status: 'published', limit: '100' } }, signal })),
  });
  const workflows = published.data?.workflows ?? [];
  const selected = workflows.find((w) => w.id === params.get('workflow')) ?? workflows[0];

  return (
    <div className="page">
      <header className="page-header">
        <div className="grow">
          <h1>Triggers</h1>
          <p>How each published workflow starts: its URLs, their authentication, what arrived lately and when schedules fire next.</p>
        </div>
      </header>
      {published.isPending ? (
        <Spinner label="Loading workflows" block />
      ) : published.error ? (
        <div className="form-error" role="alert">
          {describeError(published.error)}
        </div>
      ) : workflows.length === 0 ? (
        <EmptyState icon={<Zap size={22} />} title="No published workflows">
          Triggers go live when a workflow is published. Publish one from the <Link to="/workflows">workflows list</Link>.
        </EmptyState>
      ) : (
        <div className="trg-layout">
          <nav className="card trg-nav" aria-label="Published workflows">
            {workflows.map((w) => (
              <button
                key={w.id}
                type="button"
                className={w.id === selected?.id ? 'trg-nav-item trg-nav-on' : 'trg-nav-item'}
                aria-current={w.id === selected?.id ? 'true' : undefined}
                onClick={() => setParams({ workflow: w.id }, { replace: true })}
              >
                <span className="trg-nav-name">{w.name}</span>
                <span className="trg-nav-sub">v{w.publishedVersion}</span>
              </button>
            ))}
          </nav>
          {selected && <WorkflowTriggers key={selected.id} workflowId={selected.id} name={selected.name} />}
        </div>
      )}
    </div>
  );
}

function WorkflowTriggers({ workflowId, name }: { workflowId: string; name: string }) {
  const triggers = useQuery({
    queryKey: ['triggers', workflowId],
    queryFn: ({ signal }) => unwrap(api.GET('/api/workflows/{id}/triggers', { params: { path: { id: workflowId } }, signal })),
    refetchInterval: 5_000,
  });
  const schedule = useQuery({
    queryKey: ['schedule', workflowId],
    queryFn: ({ signal }) => unwrap(api.GET('/api/workflows/{id}/schedule', { params: { path: { id: workflowId }, query: { count: '5' } }, signal })),
  });
  const [rotating, setRotating] = useState<Trigger | null>(null);
  const now = new Date();

  if (triggers.isPending) return <Spinner label="Loading triggers" block />;
  if (triggers.error) {
    return (
      <div className="form-error" role="alert">
        {describeError(triggers.error)}
      </div>
    );
  }
  const list = triggers.data.triggers;
  const schedules = schedule.data?.schedules ?? [];
  return (
    <section className="trg-detail" aria-label={`Triggers of ${name}`}>
      <div className="trg-detail-head">
        <h2>{name}</h2>
        <Link to={`/workflows/${workflowId}`} className="btn btn-sm">
          Open in editor
        </Link>
      </div>
      {list.length === 0 ? (
        <div className="card trg-none muted">This workflow has no active triggers: it starts only from the API or the editor’s test run.</div>
      ) : (
        <ul className="trg-list">
          {list.map((t) => (
            <TriggerCard key={t.stepId} trigger={t} now={now} onRotate={() => setRotating(t)} />
          ))}
        </ul>
      )}

      {schedules.length > 0 && (
        <div className="data-section">
          <h2>Upcoming runs</h2>
          <div className="card data-card">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">Schedule</th>
                  <th scope="col">Next runs (your time)</th>
                  <th scope="col">Last fired</th>
                </tr>
              </thead>
              <tbody>
                {schedules.map((s) => (
                  <tr key={s.stepId}>
                    <td className="cell-main">{s.stepId}</td>
                    <td>
                      <code>{s.cron ?? '—'}</code>
                      <span className="cell-sub">
                        {s.timezone} · missed runs: {s.catchUp}
                      </span>
                    </td>
                    <td>
                      {s.nextRuns.length === 0 ? (
                        <span className="badge badge-danger">The cron expression no longer parses</span>
                      ) : (
                        <ol className="trg-runs">
                          {s.nextRuns.map((r) => (
                            <li key={r} className="cell-time">
                              {fullTime(r)}
                            </li>
                          ))}
                        </ol>
                      )}
                    </td>
                    <td className="cell-time">{s.lastFireAt ? <span title={fullTime(s.lastFireAt)}>{relativeTime(s.lastFireAt, now)}</span> : 'Never'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}

      <div className="data-section">
        <h2>Recent deliveries</h2>
        {triggers.data.recentEvents.length === 0 ? (
          <div className="card trg-none muted">Nothing has arrived yet. Each event a trigger receives is listed here with what became of it.</div>
        ) : (
          <div className="card data-card">
            <table className="data-table" aria-label="Recent deliveries">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Detail</th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {triggers.data.recentEvents.map((e, i) => {
                  const badge = outcomeBadge(e.outcome);
                  return (
                    <tr key={`${e.at}-${i}`}>
                      <td className="cell-time" title={fullTime(e.at)}>
                        {relativeTime(e.at, now)}
                      </td>
                      <td className="cell-main">{e.stepId}</td>
                      <td>
                        <span className={badgeClassFor(badge.tone)}>{badge.label}</span>
                      </td>
                      <td className="trg-detail-text">{e.detail ?? <span className="muted">—</span>}</td>
                      <td>
                        {e.executionId ? (
                          <Link to={`/executions/${e.executionId}`} className="cell-mono">
                            {e.executionId}
                          </Link>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {rotating && <RotateDialog workflowId={workflowId} trigger={rotating} onClose={() => setRotating(null)} />}
    </section>
  );
}

function TriggerCard({ trigger: t, now, onRotate }: { trigger: Trigger; now: Date; onRotate(): void }) {
  const catalog = useNodeTypes().data;
  const auth = authLabel(t.auth);
  const c = t.counts;
  return (
    <li className="card trg-card">
      <div className="trg-card-head">
        <span className="trg-icon" aria-hidden>
          {catalog?.find(t.type) ? <NodeIcon type={t.type} /> : t.url ? <Webhook size={16} /> : <CalendarClock size={16} />}
        </span>
        <div className="trg-card-titles">
          <h3>{t.stepId}</h3>
          <span className="cell-sub">{catalog?.find(t.type)?.displayName ?? t.type}</span>
        </div>
        <span className="badge" title={auth.hint}>
          {auth.label}
        </span>
        {canRotate(t.auth) && (
          <button type="button" className="btn btn-sm" onClick={onRotate} aria-label={`Rotate secret of ${t.stepId}`}>
            <RefreshCw size={14} aria-hidden /> Rotate secret
          </button>
        )}
      </div>
      {t.url && (
        <div className="trg-url">
          <code title={t.url}>{t.url}</code>
          <CopyButton value={t.url} label={`Copy URL of ${t.stepId}`} text="Copy" />
        </div>
      )}
      <div className="trg-stats">
        <span>
          <strong>{c.accepted}</strong> accepted
        </span>
        <span>
          <strong>{c.filtered}</strong> filtered
        </span>
        <span>
          <strong>{c.duplicates}</strong> duplicates
        </span>
        <span>
          <strong>{c.skipped}</strong> skipped
        </span>
        {c.refused > 0 && (
          <span className="trg-refused" title="Calls refused for their credentials (at most one logged per 10 seconds)">
            <strong>{c.refused}</strong> refused
          </span>
        )}
        <span className="grow" />
        {t.nextFireAt && <span title={fullTime(t.nextFireAt)}>Next run {fullTime(t.nextFireAt)}</span>}
        {t.lastFireAt && <span title={fullTime(t.lastFireAt)}>Last fired {relativeTime(t.lastFireAt, now)}</span>}
        {t.previousSecretValidUntil && new Date(t.previousSecretValidUntil) > now && (
          <span className="badge badge-info" title={fullTime(t.previousSecretValidUntil)}>
            Previous secret valid until {fullTime(t.previousSecretValidUntil)}
          </span>
        )}
      </div>
    </li>
  );
}

/** Asks, rotates, then shows the new secret once; the old one keeps working for the grace period the server reports. */
function RotateDialog({ workflowId, trigger, onClose }: { workflowId: string; trigger: Trigger; onClose(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [rotated, setRotated] = useState<Schemas['RotatedSecret'] | null>(null);
  const queryClient = useQueryClient();
  const kind = trigger.auth === 'token' ? 'token' : 'signing secret';

  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await unwrap(
        api.POST('/api/workflows/{id}/triggers/{stepId}/rotate-secret', { params: { path: { id: workflowId, stepId: trigger.stepId } } }),
      );
      setRotated(r);
      await queryClient.invalidateQueries({ queryKey: ['triggers', workflowId] });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  if (rotated?.secret) {
    return (
      <Dialog
        key="rotated"
        open
        onClose={onClose}
        title={`New ${kind} for ${trigger.stepId}`}
        description={
          rotated.previousSecretValidUntil
            ? `The previous ${kind} keeps working until ${fullTime(rotated.previousSecretValidUntil)}: update your senders before then.`
            : undefined
        }
        footer={
          <button type="button" className="btn btn-primary" onClick={onClose} data-autofocus>
            Done
          </button>
        }
      >
        <SecretOnce
          value={rotated.secret}
          label={trigger.auth === 'token' ? 'New token' : 'New signing secret'}
          warning={`Copy the new ${kind} now: it is shown only once and cannot be read back later.`}
        />
      </Dialog>
    );
  }
  return (
    <Dialog
      key="ask"
      open
      onClose={onClose}
      busy={busy}
      size="sm"
      title={`Rotate the ${kind} of ${trigger.stepId}?`}
      description={`A new ${kind} is created and shown once. The current one keeps working for a grace period (24 hours by default), so senders can switch over.`}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" onClick={rotate} disabled={busy} data-autofocus>
            {busy ? 'Rotating…' : `Rotate ${kind}`}
          </button>
        </>
      }
    >
      {error && (
        <div className="form-error" role="alert">
          {error}
        </div>
      )}
    </Dialog>
  );
}
