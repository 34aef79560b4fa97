import { useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { Check, Inbox, X } from 'lucide-react';
import { api, unwrap, type Schemas } from '../api/client';
import { describeError } from '../api/problem';
import { useSignerName } from '../settings/keys';
import { EmptyState } from '../ui/EmptyState';
import { Spinner } from '../ui/Spinner';
import { toast } from '../ui/toast';
import { fullTime, relativeTime } from '../workflows/relativeTime';
import { decisionPayload, isUrgent, timeLeft } from './approvalText';
import '../ui/DataTable.css';
import './ApprovalsPage.css';

type Approval = Schemas['ApprovalItem'];
type ApprovalPage = Schemas['ApprovalList'];
const approvalsKey = ['approvals'] as const;
/** New approvals and ones answered elsewhere show up within this time. */
const refreshMs = 4_000;

/** Every run waiting on a person's decision in the organisation, oldest first; approve or reject in one click. */
export function ApprovalsPage() {
  const query = useInfiniteQuery({
    queryKey: approvalsKey,
    queryFn: ({ pageParam, signal }) =>
      unwrap(api.GET('/api/approvals', { params: { query: { limit: '25', ...(pageParam ? { after: pageParam } : {}) } }, signal })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    refetchInterval: refreshMs,
    refetchIntervalInBackground: false,
  });
  const approvals = query.data?.pages.flatMap((p) => p.approvals) ?? [];
  const now = new Date();

  return (
    <div className="page">
      <header className="page-header">
        <div className="grow">
          <h1>Approvals</h1>
          <p>Runs waiting for a decision, oldest first. A decision continues the run at once.</p>
        </div>
        <span className="live-dot" title={`Refreshed every ${refreshMs / 1000} seconds`}>
          Live
        </span>
      </header>
      {query.isPending ? (
        <Spinner label="Loading approvals" block />
      ) : query.error ? (
        <div className="form-error" role="alert">
          {describeError(query.error)}
        </div>
      ) : approvals.length === 0 ? (
        <EmptyState icon={<Inbox size={22} />} title="Nothing waiting for you">
          When a run reaches an Approval step, it shows up here with its question.
        </EmptyState>
      ) : (
        <ul className="approvals" aria-label="Waiting approvals">
          {approvals.map((a) => (
            <ApprovalCard key={`${a.executionId}/${a.stepId}`} approval={a} now={now} />
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <div className="approvals-more">
          <button type="button" className="btn" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? 'Loading…' : 'Show more'}
          </button>
        </div>
      )}
    </div>
  );
}

function ApprovalCard({ approval: a, now }: { approval: Approval; now: Date }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<'approve' | 'reject' | null>(null);
  const signer = useSignerName();
  const queryClient = useQueryClient();
  const workflow = a.workflowName ?? a.workflowId;

  const decide = async (approved: boolean) => {
    setBusy(approved ? 'approve' : 'reject');
    try {
      await unwrap(
        api.POST('/api/executions/{id}/events/{name}', {
          params: { path: { id: a.executionId, name: a.eventName } },
          body: { payload: decisionPayload(approved, comment, signer) as never },
        }),
      );
      // Gone from the inbox at once; the next refresh confirms it from the server.
      queryClient.setQueryData<InfiniteData<ApprovalPage>>(approvalsKey, (data) =>
        data && {
          ...data,
          pages: data.pages.map((p) => ({ ...p, approvals: p.approvals.filter((x) => !(x.executionId === a.executionId && x.stepId === a.stepId)) })),
        },
      );
      toast.success(`${approved ? 'Approved' : 'Rejected'}: “${workflow}” continues`);
    } catch (e) {
      toast.error(describeError(e));
      await queryClient.invalidateQueries({ queryKey: approvalsKey });
    } finally {
      setBusy(null);
    }
  };

  const titleId = `approval-${a.executionId}-${a.stepId}`;
  return (
    <li className="card approval" aria-labelledby={titleId}>
      <div className="approval-head">
        <div className="approval-titles">
          <h2 id={titleId}>
            <Link to={`/workflows/${a.workflowId}`}>{workflow}</Link>
            <span className="approval-step"> · {a.stepId}</span>
          </h2>
          <span className="approval-meta">
            Run{' '}
            <Link to={`/executions/${a.executionId}`} className="cell-mono">
              {a.executionId}
            </Link>{' '}
            · v{a.version} · waiting <span title={fullTime(a.waitingSince)}>{relativeTime(a.waitingSince, now)}</span>
          </span>
        </div>
        <span className={isUrgent(a.timeoutAt, now) ? 'badge badge-warning' : 'badge'} title={`Times out ${fullTime(a.timeoutAt)}`}>
          Times out {timeLeft(a.timeoutAt, now)}
        </span>
      </div>
      <p className="approval-message">{a.message?.trim() || <span className="muted">No message: the step asks for a decision.</span>}</p>
      <div className="approval-approvers">
        <span className="field-label">Approvers</span>
        {a.approvers.length > 0 ? (
          a.approvers.map((p) => (
            <span key={p} className="badge">
              {p}
            </span>
          ))
        ) : (
          <span className="muted">Anyone with access</span>
        )}
      </div>
      <div className="approval-decide">
        <input
          className="input"
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          placeholder="Add a comment (optional)"
          aria-label="Comment"
          maxLength={2000}
          disabled={busy !== null}
        />
        <button type="button" className="btn btn-danger" onClick={() => decide(false)} disabled={busy !== null}>
          <X size={15} aria-hidden /> {busy === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
        <button type="button" className="btn btn-primary" onClick={() => decide(true)} disabled={busy !== null}>
          <Check size={15} aria-hidden /> {busy === 'approve' ? 'Approving…' : 'Approve'}
        </button>
      </div>
    </li>
  );
}
