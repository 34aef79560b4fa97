import clsx from 'clsx';
import { NodeIcon } from '../../catalog/icons';
import { barKindLabel, formatMs } from './labels';
import { ticks, type Timeline } from './timeline';

interface Props {
  timeline: Timeline;
  selected: string | null;
  onSelect(nodeId: string): void;
}

/** The Gantt chart: one row per step, its attempts, backoffs, timers and waits on a shared time axis. */
export function TimelineView({ timeline, selected, onSelect }: Props) {
  if (timeline.rows.length === 0) return <p className="muted exec-empty-note">No step has started yet.</p>;
  const pct = (ms: number) => `${(Math.min(ms, timeline.span) / timeline.span) * 100}%`;
  const axis = ticks(timeline.span);
  return (
    <div className="tl" role="table" aria-label="Step timeline">
      <div className="tl-row tl-axis" role="row">
        <div className="tl-label" role="columnheader">
          Step
        </div>
        <div className="tl-track" role="columnheader" aria-label="Time since the start">
          {axis.map((t) => (
            <span key={t} className="tl-tick" style={{ left: pct(t) }}>
              {t === 0 ? '0' : `+${formatMs(t)}`}
            </span>
          ))}
        </div>
      </div>
      {timeline.rows.map((row) => {
        const description = row.bars
          .map((b) => `${b.label}${b.kind === 'inline' ? '' : ` (${formatMs(b.end - b.start)}${b.outcome === 'open' ? ', still going' : ''})`}`)
          .join('; ');
        return (
          <div key={row.stepKey} className={clsx('tl-row', selected === row.nodeId && 'is-selected')} role="row">
            <div className="tl-label" role="rowheader">
              <button type="button" className="tl-step" onClick={() => onSelect(row.nodeId)} title={row.stepKey} aria-description={description}>
                <NodeIcon type={row.nodeType} size={14} />
                <span>{row.stepKey}</span>
              </button>
            </div>
            <div className="tl-track" role="cell" aria-label={description}>
              {axis.map((t) => (
                <span key={t} className="tl-grid" style={{ left: pct(t) }} aria-hidden />
              ))}
              {timeline.markers.map((m, i) => (
                <span key={`m${i}`} className={clsx('tl-marker', `tl-marker-${m.kind}`)} style={{ left: pct(m.at) }} title={m.label} aria-hidden />
              ))}
              {row.bars.map((b, i) => (
                <span
                  key={i}
                  className={clsx('tl-bar', `tl-${b.kind}`, `tl-${b.outcome}`)}
                  style={{ left: pct(b.start), width: b.kind === 'inline' ? undefined : `max(3px, ${pct(b.end - b.start)})` }}
                  title={`${barKindLabel[b.kind]} · ${b.label}${b.kind === 'inline' ? '' : ` · ${formatMs(b.end - b.start)}`}`}
                  aria-hidden
                />
              ))}
            </div>
          </div>
        );
      })}
      <div className="tl-legend" aria-hidden>
        <span><i className="tl-bar tl-attempt tl-completed" /> Attempt</span>
        <span><i className="tl-bar tl-attempt tl-failed" /> Failed attempt</span>
        <span><i className="tl-bar tl-backoff" /> Retry backoff</span>
        <span><i className="tl-bar tl-timer" /> Timer</span>
        <span><i className="tl-bar tl-wait" /> Waiting</span>
        <span><i className="tl-bar tl-inline tl-completed" /> Decided at once</span>
        {timeline.markers.some((m) => m.kind === 'resumed') && <span><i className="tl-marker tl-marker-resumed" /> Resumed</span>}
      </div>
    </div>
  );
}
