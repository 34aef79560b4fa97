import { lazy, Suspense, useId, useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { AlertTriangle, BarChart3, CheckCircle2, Clock, ExternalLink, Hourglass, Split, Timer } from 'lucide-react';
import clsx from 'clsx';
import { EmptyState } from '../ui/EmptyState';
import { Spinner } from '../ui/Spinner';
import { describeError } from '../api/problem';
import { useAnalytics, useWorkflowNames } from './api';
import {
  countedNote,
  describeRuns,
  formatCount,
  formatDuration,
  formatRate,
  groupSplits,
  hasValues,
  isRangePreset,
  percentileSeries,
  rangeFor,
  rangePresets,
  successSeries,
  type AnalyticsReport,
  type FailingStep,
  type RangePreset,
} from './shape';
import './AnalyticsPage.css';

// ECharts is the page's heaviest part: its chunk loads after the numbers and tables are on screen.
const RunsChart = lazy(() => import('./AnalyticsCharts').then((m) => ({ default: m.RunsChart })));
const SuccessChart = lazy(() => import('./AnalyticsCharts').then((m) => ({ default: m.SuccessChart })));
const PercentileChart = lazy(() => import('./AnalyticsCharts').then((m) => ({ default: m.PercentileChart })));

/**
 * Run analytics of the organisation, or of one workflow (`?workflow=<id>`), over the last 7, 30 or 90 days
 * (`?days=`): runs per day by outcome, success rate, duration and queue-time percentiles, the steps that fail most
 * and why, and A/B split outcomes. Everything comes from the server's roll-ups, so it is as quick at a million runs.
 */
export function AnalyticsPage() {
  const [params, setParams] = useSearchParams();
  const workflowId = params.get('workflow') || null;
  const days: RangePreset = isRangePreset(params.get('days')) ? (Number(params.get('days')) as RangePreset) : 30;
  const { from, to } = useMemo(() => rangeFor(days, new Date()), [days]);
  const report = useAnalytics(workflowId, from, to);
  const workflows = useWorkflowNames();
  const names = useMemo(() => new Map((workflows.data ?? []).map((w) => [w.id, w.name])), [workflows.data]);
  const pickerId = useId();

  const update = (changes: Record<string, string | null>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [k, v] of Object.entries(changes)) {
          if (v == null) next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: true },
    );

  const pickRange = (d: RangePreset) => update({ days: d === 30 ? null : String(d) });
  const onRangeKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const index = (rangePresets.indexOf(days) + step + rangePresets.length) % rangePresets.length;
    pickRange(rangePresets[index]);
    const buttons = e.currentTarget.querySelectorAll<HTMLButtonElement>('[role="radio"]');
    buttons[index]?.focus();
  };

  const workflowName = workflowId ? (names.get(workflowId) ?? workflowId) : null;
  const data = report.data;

  return (
    <div className="page an-page">
      <header className="page-header an-header">
        <div className="an-title">
          <h1>{workflowName ? workflowName : 'Analytics'}</h1>
          <p>
            {workflowName ? (
              <>
                Analytics of this workflow ·{' '}
                <Link to={`/workflows/${encodeURIComponent(workflowId!)}`} className="an-link">
                  Open in editor <ExternalLink size={12} aria-hidden />
                </Link>
              </>
            ) : (
              'How runs across the organisation went: volume, reliability, speed and what fails.'
            )}
          </p>
        </div>
        <div className="an-controls">
          <label htmlFor={pickerId} className="sr-only">
            Workflow
          </label>
          <select
            id={pickerId}
            className="select an-picker"
            value={workflowId ?? ''}
            onChange={(e) => update({ workflow: e.target.value || null })}
          >
            <option value="">All workflows</option>
            {workflowId && !names.has(workflowId) && <option value={workflowId}>{workflowId}</option>}
            {(workflows.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          <div className="an-segmented" role="radiogroup" aria-label="Time range" onKeyDown={onRangeKey}>
            {rangePresets.map((d) => (
              <button
                key={d}
                type="button"
                role="radio"
                aria-checked={d === days}
                // A radio group is one tab stop; the arrow keys move the choice (WAI-ARIA radio group).
                tabIndex={d === days ? 0 : -1}
                className={clsx('an-segment', d === days && 'an-segment-on')}
                onClick={() => pickRange(d)}
              >
                {d} days
              </button>
            ))}
          </div>
        </div>
      </header>

      {report.isPending ? (
        <Spinner label="Loading analytics" block />
      ) : report.isError && !data ? (
        <EmptyState title="The analytics could not be loaded" icon={<AlertTriangle size={22} />}>
          {describeError(report.error)}
        </EmptyState>
      ) : data ? (
        <Report report={data} names={names} orgWide={!workflowId} busy={report.isFetching && report.isPlaceholderData} />
      ) : null}
    </div>
  );
}

function Report({ report, names, orgWide, busy }: { report: AnalyticsReport; names: Map<string, string>; orgWide: boolean; busy: boolean }) {
  const { totals } = report;
  const note = countedNote(report.countedUntil, new Date());
  if (totals.runs === 0) {
    return (
      <div className="an-report" aria-busy={busy}>
        <EmptyState title="No finished runs in this range" icon={<BarChart3 size={22} />}>
          {orgWide
            ? 'Run a published workflow and its outcome, duration and failing steps appear here.'
            : 'This workflow has no runs that finished in this range. Run it, or pick a longer range.'}{' '}
          {note}
        </EmptyState>
      </div>
    );
  }
  const durations = percentileSeries(report.days, 'duration');
  const queues = percentileSeries(report.days, 'queue');
  return (
    <div className="an-report" aria-busy={busy}>
      <section className="an-kpis" aria-label="Summary">
        <Kpi icon={<BarChart3 size={16} />} label="Runs" value={formatCount(totals.runs)}>
          <span className="an-dot an-dot-success" /> {formatCount(totals.completed)} completed
          <span className="an-dot an-dot-danger" /> {formatCount(totals.failed)} failed
          {totals.cancelled > 0 && (
            <>
              <span className="an-dot an-dot-muted" /> {formatCount(totals.cancelled)} cancelled
            </>
          )}
        </Kpi>
        <Kpi icon={<CheckCircle2 size={16} />} label="Success rate" value={formatRate(totals.successRate)}>
          Completed, of all finished runs
        </Kpi>
        <Kpi icon={<Timer size={16} />} label="Duration" value={formatDuration(totals.durationP50Ms)} unit="p50">
          p95 {formatDuration(totals.durationP95Ms)} · start to end
        </Kpi>
        <Kpi icon={<Hourglass size={16} />} label="Queue time" value={formatDuration(totals.queueP50Ms)} unit="p50">
          p95 {formatDuration(totals.queueP95Ms)} · start to first step
        </Kpi>
      </section>

      <section className="card an-card" aria-labelledby="an-runs-title">
        <div className="an-card-head">
          <h2 id="an-runs-title">Runs per day</h2>
          <span className="muted">By how they ended (UTC days)</span>
        </div>
        <Suspense fallback={<ChartPlaceholder height={240} />}>
          <RunsChart days={report.days} label={describeRuns(report)} />
        </Suspense>
      </section>

      <div className="an-trio">
        <section className="card an-card" aria-labelledby="an-rate-title">
          <div className="an-card-head">
            <h2 id="an-rate-title">Success rate</h2>
          </div>
          {hasValues(successSeries(report.days)) ? (
            <Suspense fallback={<ChartPlaceholder height={170} />}>
              <SuccessChart days={report.days} label={`Success rate per day; ${formatRate(totals.successRate)} over the range.`} />
            </Suspense>
          ) : (
            <NoSeries />
          )}
        </section>
        <section className="card an-card" aria-labelledby="an-duration-title">
          <div className="an-card-head">
            <h2 id="an-duration-title">Duration</h2>
            <span className="muted">p50 and p95</span>
          </div>
          {hasValues(durations.p50) ? (
            <Suspense fallback={<ChartPlaceholder height={170} />}>
              <PercentileChart
                days={report.days}
                metric="duration"
                label={`Run duration per day; over the range p50 ${formatDuration(totals.durationP50Ms)}, p95 ${formatDuration(totals.durationP95Ms)}.`}
              />
            </Suspense>
          ) : (
            <NoSeries />
          )}
        </section>
        <section className="card an-card" aria-labelledby="an-queue-title">
          <div className="an-card-head">
            <h2 id="an-queue-title">Queue time</h2>
            <span className="muted">p50 and p95</span>
          </div>
          {hasValues(queues.p50) ? (
            <Suspense fallback={<ChartPlaceholder height={170} />}>
              <PercentileChart
                days={report.days}
                metric="queue"
                label={`Queue time per day (start to first step); over the range p50 ${formatDuration(totals.queueP50Ms)}, p95 ${formatDuration(totals.queueP95Ms)}.`}
              />
            </Suspense>
          ) : (
            <NoSeries />
          )}
        </section>
      </div>

      <FailingSteps steps={report.failingSteps} names={names} orgWide={orgWide} />
      <SplitOutcomes report={report} names={names} orgWide={orgWide} />

      <p className="an-footnote">
        <Clock size={13} aria-hidden /> {note} Percentiles are read from histograms and are within{' '}
        {formatRate(report.percentileRelativeError)} of the exact value.
      </p>
    </div>
  );
}

function Kpi({ icon, label, value, unit, children }: { icon: React.ReactNode; label: string; value: string; unit?: string; children: React.ReactNode }) {
  return (
    <div className="card an-kpi" role="group" aria-label={label}>
      <div className="an-kpi-label" aria-hidden>
        <span className="an-kpi-icon" aria-hidden>
          {icon}
        </span>
        {label}
      </div>
      <div className="an-kpi-value">
        {value}
        {unit && <span className="an-kpi-unit">{unit}</span>}
      </div>
      <div className="an-kpi-sub">{children}</div>
    </div>
  );
}

function ChartPlaceholder({ height }: { height: number }) {
  return <div className="an-chart skeleton-block" style={{ height }} aria-hidden />;
}

function NoSeries() {
  return <div className="an-noseries muted">No runs to chart</div>;
}

function WorkflowLink({ id, names }: { id: string; names: Map<string, string> }) {
  return (
    <Link to={`/analytics?workflow=${encodeURIComponent(id)}`} className="an-wf-link">
      {names.get(id) ?? id}
    </Link>
  );
}

function FailingSteps({ steps, names, orgWide }: { steps: FailingStep[]; names: Map<string, string>; orgWide: boolean }) {
  return (
    <section className="card an-card an-table-card" aria-labelledby="an-steps-title">
      <div className="an-card-head">
        <h2 id="an-steps-title">Steps that fail most</h2>
        <span className="muted">Failed runs, failed attempts (retries included) and the commonest errors</span>
      </div>
      {steps.length === 0 ? (
        <div className="an-table-empty">
          <CheckCircle2 size={18} aria-hidden className="an-ok" /> No step failed in this range.
        </div>
      ) : (
        <table className="an-table">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col" className="an-num">
                Failed runs
              </th>
              <th scope="col" className="an-num">
                Failed attempts
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={`${s.workflowId}/${s.nodeId}`}>
                <td>
                  <div className="an-step">
                    <code className="an-step-id">{s.nodeId}</code>
                    <span className="an-step-meta">
                      {s.nodeType}
                      {orgWide && (
                        <>
                          {' · '}
                          <WorkflowLink id={s.workflowId} names={names} />
                        </>
                      )}
                    </span>
                  </div>
                </td>
                <td className="an-num">{formatCount(s.failedRuns)}</td>
                <td className="an-num">{formatCount(s.failedAttempts)}</td>
                <td>
                  <ul className="an-errors">
                    {s.errors.map((e) => (
                      <li key={e.message}>
                        <span className="an-error-text" title={e.message}>
                          {e.message}
                        </span>
                        <span className="badge badge-danger">×{formatCount(e.count)}</span>
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SplitOutcomes({ report, names, orgWide }: { report: AnalyticsReport; names: Map<string, string>; orgWide: boolean }) {
  const splits = groupSplits(report.variants);
  return (
    <section className="card an-card an-table-card" aria-labelledby="an-ab-title">
      <div className="an-card-head">
        <h2 id="an-ab-title">A/B split outcomes</h2>
        <span className="muted">Runs per variant and how many of them completed</span>
      </div>
      {splits.length === 0 ? (
        <div className="an-table-empty">
          <Split size={18} aria-hidden className="muted" /> No run went through an A/B split in this range.
        </div>
      ) : (
        <table className="an-table">
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Share of runs</th>
              <th scope="col" className="an-num">
                Runs
              </th>
              <th scope="col" className="an-num">
                Completed
              </th>
              <th scope="col" className="an-num">
                Success rate
              </th>
            </tr>
          </thead>
          {splits.map((split) => (
            <tbody key={`${split.workflowId}/${split.nodeId}`}>
              <tr className="an-split-row">
                <th scope="rowgroup" colSpan={5}>
                  <Split size={14} aria-hidden /> <code>{split.nodeId}</code>
                  {orgWide && (
                    <>
                      {' · '}
                      <WorkflowLink id={split.workflowId} names={names} />
                    </>
                  )}
                  <span className="muted"> · {formatCount(split.runs)} runs</span>
                </th>
              </tr>
              {split.variants.map((v) => (
                <tr key={v.variant}>
                  <td>
                    <span className="an-variant">{v.variant}</span>
                    {split.leader === v.variant && <span className="badge badge-success">Best</span>}
                  </td>
                  <td>
                    <div className="an-share" aria-label={`${formatRate(v.share)} of the split's runs`}>
                      <div className="an-share-bar">
                        <div style={{ width: `${v.share * 100}%` }} />
                      </div>
                      <span>{formatRate(v.share)}</span>
                    </div>
                  </td>
                  <td className="an-num">{formatCount(v.runs)}</td>
                  <td className="an-num">{formatCount(v.completed)}</td>
                  <td className="an-num">{formatRate(v.successRate)}</td>
                </tr>
              ))}
            </tbody>
          ))}
        </table>
      )}
    </section>
  );
}
