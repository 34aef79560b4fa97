import { Link } from 'react-router';
import { CalendarClock, CornerDownRight, Globe, Hand, Mail, MessageCircle, Phone, RotateCcw } from 'lucide-react';
import { badgeClass, lastRunBadge } from '../workflows/status';
import { relativeTime } from '../workflows/relativeTime';
import { formatDuration, fullTime, runDuration, shortId, triggerLabel } from './format';
import type { ExecutionRow } from './liveMerge';

const triggerIcons: Record<string, typeof Globe> = {
  Webhook: Globe,
  WhatsApp: MessageCircle,
  Email: Mail,
  'Voice call': Phone,
  Schedule: CalendarClock,
  Retry: RotateCcw,
  'Sub-workflow': CornerDownRight,
  Manual: Hand,
};

/** One row per run, newest first; the whole row opens the run. `fresh` rows arrived live and flash once. */
export function ExecutionTable({ rows, now, fresh, busy }: { rows: ExecutionRow[]; now: number; fresh: ReadonlySet<string>; busy?: boolean }) {
  return (
    <table className="wf-table ex-table" aria-busy={busy || undefined} aria-label="Executions">
      <TableHead />
      <tbody>
        {rows.map((r) => (
          <Row key={r.executionId} row={r} now={now} fresh={fresh.has(r.executionId)} />
        ))}
      </tbody>
    </table>
  );
}

function TableHead() {
  return (
    <thead>
      <tr>
        <th scope="col">Status</th>
        <th scope="col">Workflow</th>
        <th scope="col">Version</th>
        <th scope="col">Trigger</th>
        <th scope="col">Started</th>
        <th scope="col" className="wf-num">
          Duration
        </th>
      </tr>
    </thead>
  );
}

function Row({ row, now, fresh }: { row: ExecutionRow; now: number; fresh: boolean }) {
  const badge = lastRunBadge(row);
  const trigger = triggerLabel(row);
  const TriggerIcon = triggerIcons[trigger] ?? Globe;
  const duration = runDuration(row, now);
  const name = row.workflowName ?? 'Deleted workflow';
  return (
    <tr className={fresh ? 'wf-row ex-row ex-fresh' : 'wf-row ex-row'} data-execution-id={row.executionId} data-status={row.status}>
      <td>
        <span className={badgeClass(row.stuck ? 'warning' : badge.tone)} title={row.stuck ? 'No progress for a while: it may be stuck.' : (row.errorMessage ?? badge.hint)}>
          <span className={row.status === 'running' || row.status === 'pending' ? 'wf-dot ex-pulse' : 'wf-dot'} aria-hidden />
          {row.stuck ? `${badge.label} · stuck` : badge.label}
        </span>
      </td>
      <td className="ex-workflow">
        <span className="wf-name-text">
          <Link to={`/executions/${row.executionId}`} className="wf-name" aria-label={`${name}, run ${shortId(row.executionId)}, ${badge.label}`}>
            {name}
          </Link>
          <span className="ex-id" title={row.executionId}>
            {shortId(row.executionId)}
            {row.errorMessage && row.status === 'failed' ? <span className="ex-error"> · {row.errorMessage}</span> : null}
          </span>
        </span>
      </td>
      <td>
        <span className="ex-version">v{row.version}</span>
      </td>
      <td>
        <span className="ex-trigger">
          <TriggerIcon size={14} aria-hidden />
          {trigger}
        </span>
      </td>
      <td>
        <time dateTime={row.startedAt} title={fullTime(row.startedAt)} className="wf-updated">
          {relativeTime(row.startedAt, new Date(now))}
        </time>
      </td>
      <td className="wf-num">
        <span className={duration.ongoing ? 'ex-duration ex-ongoing' : 'ex-duration'}>{formatDuration(duration.ms)}</span>
      </td>
    </tr>
  );
}

/** Placeholder rows in the table's layout while the first page loads. */
export function ExecutionTableSkeleton({ rows = 8 }: { rows?: number }) {
  return (
    <table className="wf-table ex-table" aria-hidden>
      <TableHead />
      <tbody>
        {Array.from({ length: rows }, (_, i) => (
          <tr key={i} className="wf-row ex-row">
            <td>
              <span className="skeleton skeleton-pill" />
            </td>
            <td>
              <span className="skeleton skeleton-line" style={{ width: `${40 + ((i * 17) % 35)}%` }} />
              <span className="skeleton skeleton-line skeleton-thin" style={{ width: 90 }} />
            </td>
            <td>
              <span className="skeleton skeleton-line" style={{ width: 24 }} />
            </td>
            <td>
              <span className="skeleton skeleton-line" style={{ width: 70 }} />
            </td>
            <td>
              <span className="skeleton skeleton-line" style={{ width: 80 }} />
            </td>
            <td className="wf-num">
              <span className="skeleton skeleton-line" style={{ width: 40, marginLeft: 'auto' }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
