import { Link, useNavigate } from 'react-router';
import { BarChart3, Copy, Download, MoreHorizontal, Trash2, Workflow } from 'lucide-react';
import { Menu } from '../ui/Menu';
import { TableHead, type Column } from '../ui/TableHead';
import { relativeTime, fullTime } from './relativeTime';
import { badgeClass, lastRunBadge, lifecycleBadges, type WorkflowSummary } from './status';

export interface RowActions {
  duplicate(w: WorkflowSummary): void;
  export(w: WorkflowSummary): void;
  delete(w: WorkflowSummary): void;
}

/** One row per workflow: the name opens the editor; the menu holds Duplicate, Export and Delete. */
export function WorkflowTable({ workflows, actions, now, busy }: { workflows: WorkflowSummary[]; actions: RowActions; now: Date; busy?: boolean }) {
  return (
    <table className="wf-table" aria-busy={busy || undefined}>
      <TableHead columns={columns} actions />
      <tbody>
        {workflows.map((w) => (
          <WorkflowRow key={w.id} workflow={w} actions={actions} now={now} />
        ))}
      </tbody>
    </table>
  );
}

const columns: Column[] = ['Name', 'Status', 'Last run', { label: 'Steps', className: 'wf-num' }, 'Updated'];

function WorkflowRow({ workflow: w, actions, now }: { workflow: WorkflowSummary; actions: RowActions; now: Date }) {
  const last = w.lastExecution;
  const run = last ? lastRunBadge(last) : null;
  const navigate = useNavigate();
  return (
    <tr className="wf-row">
      <td className="wf-name-cell">
        <span className="wf-icon" aria-hidden>
          <Workflow size={16} />
        </span>
        <span className="wf-name-text">
          <Link to={`/workflows/${w.id}`} className="wf-name">
            {w.name}
          </Link>
          {w.description ? (
            <span className="wf-description" title={w.description}>
              {w.description}
            </span>
          ) : (
            <span className="wf-description wf-description-none">No description</span>
          )}
        </span>
      </td>
      <td>
        <span className="wf-badges">
          {lifecycleBadges(w).map((b) => (
            <span key={b.label} className={badgeClass(b.tone)} title={b.hint}>
              {b.label}
            </span>
          ))}
        </span>
      </td>
      <td>
        {last && run ? (
          <span className="wf-run">
            <span className={badgeClass(run.tone)} title={run.hint}>
              <span className="wf-dot" aria-hidden />
              {run.label}
            </span>
            <time dateTime={last.startedAt} title={fullTime(last.startedAt)} className="muted">
              {relativeTime(last.startedAt, now)}
            </time>
          </span>
        ) : (
          <span className="muted">Never run</span>
        )}
      </td>
      <td className="wf-num">{w.nodeCount}</td>
      <td>
        <time dateTime={w.updatedAt} title={fullTime(w.updatedAt)} className="wf-updated">
          {relativeTime(w.updatedAt, now)}
        </time>
      </td>
      <td className="wf-actions">
        <Menu
          label={`Actions for ${w.name}`}
          trigger={<MoreHorizontal size={16} aria-hidden />}
          items={[
            { label: 'Analytics', icon: <BarChart3 size={15} />, onSelect: () => navigate(`/analytics?workflow=${encodeURIComponent(w.id)}`) },
            { label: 'Duplicate', icon: <Copy size={15} />, onSelect: () => actions.duplicate(w) },
            { label: 'Export', icon: <Download size={15} />, onSelect: () => actions.export(w) },
            { label: 'Delete', icon: <Trash2 size={15} />, danger: true, onSelect: () => actions.delete(w) },
          ]}
        />
      </td>
    </tr>
  );
}

/** Placeholder rows in the table's own layout while the first page loads. */
export function WorkflowTableSkeleton({ rows = 5 }: { rows?: number }) {
  return (
    <table className="wf-table" aria-hidden>
      <TableHead columns={columns} actions />
      <tbody>
        {Array.from({ length: rows }, (_, i) => (
          <tr key={i} className="wf-row">
            <td className="wf-name-cell">
              <span className="wf-icon skeleton" />
              <span className="wf-name-text">
                <span className="skeleton skeleton-line" style={{ width: `${46 + ((i * 17) % 30)}%` }} />
                <span className="skeleton skeleton-line skeleton-thin" style={{ width: `${60 + ((i * 11) % 25)}%` }} />
              </span>
            </td>
            <td>
              <span className="skeleton skeleton-pill" />
            </td>
            <td>
              <span className="skeleton skeleton-pill" style={{ width: 120 }} />
            </td>
            <td className="wf-num">
              <span className="skeleton skeleton-line" style={{ width: 18, marginLeft: 'auto' }} />
            </td>
            <td>
              <span className="skeleton skeleton-line" style={{ width: 80 }} />
            </td>
            <td />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
