import { useState } from 'react';
import { ChevronRight } from 'lucide-react';
import clsx from 'clsx';
import { JsonView } from '../../ui/JsonView';
import type { HistoryEventJson } from './timeline';

const pageSize = 50;

const typeLabels: Record<string, string> = {
  executionStarted: 'Execution started',
  stepScheduled: 'Step scheduled',
  stepCompleted: 'Step completed',
  stepFailed: 'Step failed',
  loopStarted: 'Loop started',
  timerCreated: 'Timer set',
  timerFired: 'Timer fired',
  waitStarted: 'Wait started',
  eventRaised: 'Event received',
  childRequested: 'Sub-workflow requested',
  childCompleted: 'Sub-workflow completed',
  childFailed: 'Sub-workflow failed',
  cancelRequested: 'Cancel requested',
  executionResumed: 'Resumed',
  executionCompleted: 'Execution completed',
  executionFailed: 'Execution failed',
  executionCancelled: 'Execution cancelled',
};

function summary(e: HistoryEventJson): string {
  const parts: string[] = [];
  if (e.stepKey) parts.push(e.stepKey);
  if (e.attempt && e.attempt > 1) parts.push(`attempt ${e.attempt}`);
  if (e.type === 'stepCompleted' && e.port && e.port !== 'out') parts.push(`→ ${e.port}`);
  if (e.purpose) parts.push(String(e.purpose).toLowerCase());
  if (e.name) parts.push(`'${e.name}'`);
  if (e.eventName) parts.push(`waits for '${e.eventName}'`);
  if (e.error) parts.push(e.error);
  if (typeof e.reason === 'string') parts.push(e.reason);
  return parts.join(' · ');
}

const time = (iso: string) => {
  const d = new Date(iso);
  return `${d.toLocaleTimeString('en-GB')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/** The raw append-only history, newest last, a page at a time; each event opens to its full JSON. */
export function HistoryList({ events }: { events: HistoryEventJson[] }) {
  const pages = Math.max(1, Math.ceil(events.length / pageSize));
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<number | null>(null);
  const current = Math.min(page, pages);
  const shown = events.slice((current - 1) * pageSize, current * pageSize);
  return (
    <div className="hist">
      <ol className="hist-list" aria-label="History events">
        {shown.map((e) => (
          <li key={e.sequence} className={clsx('hist-item', e.type.endsWith('Failed') && 'is-failed')}>
            <button type="button" className="hist-row" aria-expanded={open === e.sequence} onClick={() => setOpen(open === e.sequence ? null : e.sequence)}>
              <ChevronRight size={13} aria-hidden className={clsx('hist-chevron', open === e.sequence && 'is-open')} />
              <span className="hist-seq">#{e.sequence}</span>
              <span className="hist-time">{time(e.timestamp)}</span>
              <span className="hist-type">{typeLabels[e.type] ?? e.type}</span>
              <span className="hist-summary">{summary(e)}</span>
            </button>
            {open === e.sequence && (
              <div className="hist-json">
                <JsonView value={e} label={`Event ${e.sequence}`} openDepth={1} />
              </div>
            )}
          </li>
        ))}
      </ol>
      {pages > 1 && (
        <nav className="hist-pager" aria-label="History pages">
          <button type="button" className="btn btn-sm" disabled={current <= 1} onClick={() => setPage(current - 1)}>
            Previous
          </button>
          <span className="muted">
            Events {(current - 1) * pageSize + 1}–{Math.min(events.length, current * pageSize)} of {events.length}
          </span>
          <button type="button" className="btn btn-sm" disabled={current >= pages} onClick={() => setPage(current + 1)}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}
