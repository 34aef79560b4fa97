import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Activity, RotateCw, SearchX } from 'lucide-react';
import { EmptyState } from '../ui/EmptyState';
import { describeError } from '../api/problem';
import { useLive, type LiveEvent, type LiveStatus } from '../api/useLive';
import { fetchExecutions, useExecutionList, workflowOptionsQuery } from './api';
import { admitsNewRun, filtersToParams, isFiltered, noFilters, parseFilters, type ExecutionFilters } from './filters';
import { isTerminal, mergeHead, newerPatch, patchFromEvent, visibleRows, type ExecutionRow, type RowPatch } from './liveMerge';
import { ExecutionFilterBar } from './ExecutionFilterBar';
import { ExecutionTable, ExecutionTableSkeleton } from './ExecutionTable';
import '../workflows/WorkflowsPage.css';
import './ExecutionsPage.css';

interface LiveRows {
  /** Runs that started after the list was read, newest first. */
  head: ExecutionRow[];
  headFetchedAt: number;
  patches: Map<string, RowPatch>;
  /** Rows that just arrived, highlighted for a moment. */
  fresh: Set<string>;
}

const emptyLive = (): LiveRows => ({ head: [], headFetchedAt: 0, patches: new Map(), fresh: new Set() });

/** How long new runs are gathered before the list asks the server for them: one request per burst. */
const headDelay = 250;

/**
 * Every run of the organisation (or of one workflow, at `/workflows/:id/executions`), newest first, by cursor. The
 * filters live in the URL. Live over the hub: runs that start appear on top (read from the server, so the filters and
 * the search apply), and status changes update the rows in place.
 */
export function ExecutionsPage() {
  const { id: routeWorkflowId } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const filters = useMemo(() => parseFilters(params, routeWorkflowId ?? null), [params, routeWorkflowId]);
  const filterKey = JSON.stringify(filters);
  const list = useExecutionList(filters);
  const workflows = useQuery(workflowOptionsQuery());
  const [live, setLive] = useState<LiveRows>(emptyLive);

  // A new query starts from what the server says: the live rows of the previous one do not carry over.
  useEffect(() => setLive(emptyLive()), [filterKey]);

  const pages = useMemo(() => (list.data?.pages ?? []).map((p) => ({ rows: p.rows, fetchedAt: p.fetchedAt })), [list.data]);
  const rows = useMemo(() => visibleRows(live.head, live.headFetchedAt, pages, live.patches), [live, pages]);
  const now = useNow(rows.some((r) => !isTerminal(r.status)));

  // The latest values for the hub's callbacks, which are not re-created per render.
  const current = useRef({ filters, rows, filterKey });
  current.current = { filters, rows, filterKey };
  const headTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const readHead = useCallback(() => {
    if (headTimer.current) return;
    headTimer.current = setTimeout(async () => {
      headTimer.current = null;
      const { filters: f, filterKey: key } = current.current;
      try {
        const page = await fetchExecutions(f, null);
        if (current.current.filterKey !== key) return;
        setLive((l) => {
          const head = mergeHead(l.head, page.rows, current.current.rows);
          if (head === l.head) return l;
          const added = head.slice(0, head.length - l.head.length).map((r) => r.executionId);
          return { ...l, head, headFetchedAt: page.fetchedAt, fresh: new Set([...l.fresh, ...added]) };
        });
      } catch {
        // The next event or the reconnect reads it again.
      }
    }, headDelay);
  }, []);
  useEffect(() => () => void (headTimer.current && clearTimeout(headTimer.current)), []);

  const onEvent = useCallback(
    (e: LiveEvent) => {
      if (e.name === 'execution:resync') {
        void list.refetch();
        return;
      }
      const patch = patchFromEvent(e, Date.now());
      if (!patch) return;
      setLive((l) => {
        const patches = new Map(l.patches);
        patches.set(e.executionId, newerPatch(patches.get(e.executionId), patch));
        return { ...l, patches };
      });
      const known = current.current.rows.some((r) => r.executionId === e.executionId);
      if (!known && admitsNewRun(current.current.filters, { workflowId: e.workflowId, status: patch.status })) readHead();
    },
    [list, readHead],
  );
  // Subscribed once the first page is drawn (the hub client loads after it); runs that started in between are read
  // when the subscription is in place.
  const status = useLive(
    !list.data ? null : routeWorkflowId ? { kind: 'workflow', id: routeWorkflowId } : { kind: 'organization' },
    onEvent,
    (reconnected) => {
      if (reconnected) void list.refetch();
      readHead();
    },
  );

  // Fresh rows flash once.
  useEffect(() => {
    if (live.fresh.size === 0) return;
    const timer = setTimeout(() => setLive((l) => ({ ...l, fresh: new Set() })), 2500);
    return () => clearTimeout(timer);
  }, [live.fresh]);

  // A filtered slice can be short (the server reads a bounded stretch per request): read on a little, so a rare
  // status or a search does not open on an empty page with a "Load more".
  const loaded = list.data?.pages.length ?? 0;
  useEffect(() => {
    if (list.hasNextPage && !list.isFetching && rows.length < 20 && loaded < 5 && !list.isError) void list.fetchNextPage();
  }, [list.hasNextPage, list.isFetching, rows.length, loaded, list.isError]);

  const setFilters = (next: ExecutionFilters) => setParams(filtersToParams(next, !!routeWorkflowId), { replace: true });
  const routeName =
    routeWorkflowId &&
    (workflows.data?.find((w) => w.id === routeWorkflowId)?.name ?? rows.find((r) => r.workflowId === routeWorkflowId)?.workflowName ?? routeWorkflowId);
  const filtered = isFiltered(filters, !!routeWorkflowId);

  return (
    <div className="page ex-page">
      <header className="page-header">
        <div>
          <h1>{routeWorkflowId ? `Runs of ${routeName}` : 'Executions'}</h1>
          <p>
            {routeWorkflowId ? (
              <>
                Every run of this workflow, newest first. <Link to={`/workflows/${routeWorkflowId}`}>Open the workflow</Link>
              </>
            ) : (
              'Every run across your workflows, newest first.'
            )}
          </p>
        </div>
        <div className="shell-spacer" />
        <LiveBadge status={list.data ? status : 'connecting'} />
      </header>
      <ExecutionFilterBar
        filters={filters}
        onChange={setFilters}
        workflows={workflows.data ?? []}
        routeWorkflow={
          routeWorkflowId
            ? { name: String(routeName), onClear: () => navigate({ pathname: '/executions', search: filtersToParams({ ...filters, workflowId: null }).toString() }) }
            : null
        }
      />
      <div className="card wf-card">
        {list.isPending ? (
          <ExecutionTableSkeleton />
        ) : list.isError && rows.length === 0 ? (
          <EmptyState
            title="The runs could not be loaded"
            icon={<Activity size={22} />}
            action={
              <button type="button" className="btn" onClick={() => void list.refetch()}>
                <RotateCw size={15} aria-hidden /> Try again
              </button>
            }
          >
            {describeError(list.error)}
          </EmptyState>
        ) : rows.length === 0 && !list.hasNextPage ? (
          filtered ? (
            <EmptyState
              title="No runs match these filters"
              icon={<SearchX size={22} />}
              action={
                <button type="button" className="btn" onClick={() => setFilters({ ...noFilters, workflowId: routeWorkflowId ?? null })}>
                  Clear filters
                </button>
              }
            >
              Try another status or date range, or a shorter search.
            </EmptyState>
          ) : (
            <EmptyState title="No runs yet" icon={<Activity size={22} />}>
              Runs appear here as soon as they start: publish a workflow and trigger it, or run it from the API.
            </EmptyState>
          )
        ) : (
          <>
            {rows.length > 0 ? (
              <ExecutionTable rows={rows} now={now} fresh={live.fresh} busy={list.isRefetching} />
            ) : (
              <div className="ex-scanning">No matches among the most recent runs yet.</div>
            )}
            <div className="wf-pager ex-pager">
              <span className="muted" aria-live="polite">
                {rows.length === 1 ? '1 run' : `${rows.length.toLocaleString('en-GB')} runs`}
                {list.hasNextPage ? ' shown' : ''}
              </span>
              <span className="shell-spacer" />
              {list.hasNextPage && (
                <button type="button" className="btn btn-sm ex-more" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                  {list.isFetchingNextPage ? 'Loading…' : rows.length === 0 ? 'Search older runs' : 'Load more'}
                </button>
              )}
            </div>
          </>
        )}
      </div>
    </div>
  );
}

const liveLabels: Record<LiveStatus, string> = { live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', offline: 'Not live' };

function LiveBadge({ status }: { status: LiveStatus }) {
  return (
    <span
      className={`ex-live ex-live-${status}`}
      role="status"
      aria-label="Live updates"
      title={status === 'live' ? 'New runs and status changes appear as they happen.' : 'Updates are paused until the connection is back.'}
    >
      <span className="ex-live-dot" aria-hidden />
      {liveLabels[status]}
    </span>
  );
}

/** The clock for running durations: ticks every second while a shown run is unfinished. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
