import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ChevronDown, ChevronLeft, ChevronRight, ChevronUp, Mail, MessageCircle, Phone, Send } from 'lucide-react';
import { api, unwrap, type Schemas } from '../api/client';
import { describeError } from '../api/problem';
import { EmptyState } from '../ui/EmptyState';
import { Spinner } from '../ui/Spinner';
import { fullTime, relativeTime } from '../workflows/relativeTime';
import { channelLabel, outboxChannels, type OutboxChannel } from './channels';
import '../ui/DataTable.css';
import './OutboxPage.css';

type Message = Schemas['OutboxItem'];
const pageSize = 20;

/** What messaging steps delivered into the outbox (their provider is not configured): the rendered message and its run. */
export function OutboxPage() {
  const [params, setParams] = useSearchParams();
  const channel = (outboxChannels as readonly string[]).includes(params.get('channel') ?? '') ? (params.get('channel') as OutboxChannel) : null;
  const executionId = params.get('execution')?.trim() || null;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [executionInput, setExecutionInput] = useState(executionId ?? '');

  const update = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in patch)) next.delete('page');
    setParams(next, { replace: true });
  };

  const { data, error, isPending, isPlaceholderData } = useQuery({
    queryKey: ['outbox', channel, executionId, page],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/outbox', {
          params: {
            query: { page: String(page), limit: String(pageSize), ...(channel ? { channel } : {}), ...(executionId ? { executionId } : {}) },
          },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  const now = new Date();

  return (
    <div className="page">
      <header className="page-header">
        <div className="grow">
          <h1>Outbox</h1>
          <p>Messages your workflows wrote here instead of sending, because their channel has no provider configured.</p>
        </div>
      </header>
      <div className="data-toolbar">
        <div className="segmented" role="group" aria-label="Channel">
          {[null, ...outboxChannels].map((c) => (
            <button key={c ?? 'all'} type="button" className={c === channel ? 'segment segment-on' : 'segment'} aria-pressed={c === channel}
              onClick={() => update({ channel: c })}>
              {c ? channelLabel(c) : 'All'}
            </button>
          ))}
        </div>
        <form
          className="outbox-exec"
          onSubmit={(e) => {
            e.preventDefault();
            update({ execution: executionInput.trim() || null });
          }}
        >
          <input className="input" value={executionInput} onChange={(e) => setExecutionInput(e.target.value)} placeholder="Filter by run id (ex_…)"
            aria-label="Run id" />
          {executionId && (
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => { setExecutionInput(''); update({ execution: null }); }}>
              Clear
            </button>
          )}
        </form>
        <span className="grow" />
        {data && <span className="muted">{data.total === 1 ? '1 message' : `${data.total.toLocaleString('en-GB')} messages`}</span>}
      </div>

      {isPending ? (
        <Spinner label="Loading the outbox" block />
      ) : error ? (
        <div className="form-error" role="alert">
          {describeError(error)}
        </div>
      ) : data.messages.length === 0 ? (
        <EmptyState icon={<Send size={22} />} title={channel || executionId ? 'No messages match' : 'The outbox is empty'}>
          {channel || executionId
            ? 'Try another channel or clear the run filter.'
            : 'Email, WhatsApp and call steps whose provider is not configured leave their message here.'}
        </EmptyState>
      ) : (
        <div className="card data-card" aria-busy={isPlaceholderData || undefined}>
          <ul className="outbox-list" aria-label="Messages">
            {data.messages.map((m) => (
              <OutboxRow key={m.id} message={m} now={now} />
            ))}
          </ul>
          {data.pages > 1 && (
            <nav className="data-pager" aria-label="Pages">
              <span className="muted grow">
                Page {data.page} of {data.pages}
              </span>
              <button type="button" className="btn btn-sm btn-icon" aria-label="Previous page" disabled={page <= 1} onClick={() => update({ page: String(page - 1) })}>
                <ChevronLeft size={15} aria-hidden />
              </button>
              <button type="button" className="btn btn-sm btn-icon" aria-label="Next page" disabled={page >= data.pages} onClick={() => update({ page: String(page + 1) })}>
                <ChevronRight size={15} aria-hidden />
              </button>
            </nav>
          )}
        </div>
      )}
    </div>
  );
}

function ChannelIcon({ channel }: { channel: string }) {
  if (channel === 'email') return <Mail size={16} aria-hidden />;
  if (channel === 'whatsapp') return <MessageCircle size={16} aria-hidden />;
  if (channel === 'call') return <Phone size={16} aria-hidden />;
  return <Send size={16} aria-hidden />;
}

function OutboxRow({ message: m, now }: { message: Message; now: Date }) {
  const [open, setOpen] = useState(false);
  const bodyId = `outbox-${m.id}`;
  return (
    <li className="outbox-row">
      <span className={`outbox-icon outbox-${m.channel}`} title={channelLabel(m.channel)}>
        <ChannelIcon channel={m.channel} />
      </span>
      <div className="outbox-main">
        <div className="outbox-line">
          <span className="cell-main">{m.recipient}</span>
          <span className="badge">{channelLabel(m.channel)}</span>
          <span className="grow" />
          <span className="cell-time" title={fullTime(m.createdAt)}>
            {relativeTime(m.createdAt, now)}
          </span>
        </div>
        {m.subject && <div className="outbox-subject">{m.subject}</div>}
        <div id={bodyId} className={open ? 'outbox-body outbox-body-open' : 'outbox-body'}>
          {m.body}
        </div>
        {open && m.payload != null && (
          <pre className="outbox-payload" aria-label="Payload">
            {JSON.stringify(m.payload, null, 2)}
          </pre>
        )}
        <div className="outbox-foot">
          <span>
            Run{' '}
            <Link to={`/executions/${m.executionId}`} className="cell-mono">
              {m.executionId}
            </Link>{' '}
            · step <code>{m.stepId}</code>
          </span>
          <span className="grow" />
          <button type="button" className="btn btn-ghost btn-sm" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen(!open)}>
            {open ? <ChevronUp size={14} aria-hidden /> : <ChevronDown size={14} aria-hidden />}
            {open ? 'Show less' : 'Show message'}
          </button>
        </div>
      </div>
    </li>
  );
}
