import { useEffect, useRef, useState } from 'react';
import { HubConnectionState, type HubConnection } from '@microsoft/signalr';
import { connectLive } from './live';
import { useSession } from '../auth/session';

/** The hub's event names (README "Live progress"). */
export const liveEventNames = [
  'execution:started',
  'execution:step',
  'execution:waiting',
  'execution:completed',
  'execution:failed',
  'execution:resync',
] as const;

export type LiveEventName = (typeof liveEventNames)[number];

/** One hub event: its name and payload. Every payload has `executionId` and `workflowId`; all but resync have `sequence` and `committedAt`. */
export interface LiveEvent {
  name: LiveEventName;
  executionId: string;
  workflowId: string;
  sequence?: number;
  committedAt?: string;
  status?: string;
  startedAt?: string;
  completedAt?: string;
  totalDuration?: number;
  version?: number;
  parentExecutionId?: string | null;
  error?: string;
  stepId?: string;
  [field: string]: unknown;
}

/** What to follow: the organisation's lifecycle events, one workflow's, or every event of one execution. */
export type LiveTopic = { kind: 'organization' } | { kind: 'workflow'; id: string } | { kind: 'execution'; id: string };

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

interface Listener {
  topic: LiveTopic;
  onEvent(e: LiveEvent): void;
  /** After a reconnect (subscriptions were lost and renewed): events may have been missed, so refetch. */
  onReconnected?(): void;
}

function topicKey(t: LiveTopic): string {
  return t.kind === 'organization' ? 'organization' : `${t.kind}:${t.id}`;
}

function subscribeCall(t: LiveTopic, on: boolean): [string, ...string[]] {
  if (t.kind === 'organization') return [on ? 'SubscribeOrganization' : 'UnsubscribeOrganization'];
  if (t.kind === 'workflow') return [on ? 'Subscribe' : 'Unsubscribe', t.id];
  return [on ? 'SubscribeExecution' : 'UnsubscribeExecution', t.id];
}

function matches(t: LiveTopic, e: LiveEvent): boolean {
  if (t.kind === 'execution') return e.executionId === t.id;
  // Workflow and organisation subscriptions carry lifecycle events only: a step event here belongs to an execution subscription.
  if (e.name === 'execution:step') return false;
  return t.kind === 'organization' || e.workflowId === t.id;
}

/**
 * One hub connection for the whole app, shared by every page that shows live data: subscriptions are counted per
 * topic (two components following one execution subscribe once), renewed after a reconnect, and the connection
 * stops a little after the last listener leaves (so moving between pages does not reconnect).
 */
class LiveHub {
  private connection: HubConnection | null = null;
  private starting: Promise<void> | null = null;
  private key: string | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly counts = new Map<string, { topic: LiveTopic; count: number }>();
  private readonly statusWatchers = new Set<(s: LiveStatus) => void>();
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  status: LiveStatus = 'offline';

  add(listener: Listener): () => void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stopTimer = null;
    this.listeners.add(listener);
    const k = topicKey(listener.topic);
    const entry = this.counts.get(k);
    if (entry) entry.count++;
    else {
      this.counts.set(k, { topic: listener.topic, count: 1 });
      void this.ensure().then(() => this.invoke(listener.topic, true));
    }
    return () => {
      this.listeners.delete(listener);
      const current = this.counts.get(k);
      if (current && --current.count === 0) {
        this.counts.delete(k);
        void this.invoke(listener.topic, false);
      }
      if (this.listeners.size === 0) this.stopTimer = setTimeout(() => void this.stop(), 5_000);
    };
  }

  watch(fn: (s: LiveStatus) => void): () => void {
    this.statusWatchers.add(fn);
    return () => this.statusWatchers.delete(fn);
  }

  private setStatus(s: LiveStatus) {
    this.status = s;
    for (const fn of this.statusWatchers) fn(s);
  }

  private async invoke(topic: LiveTopic, on: boolean) {
    const c = this.connection;
    if (!c || c.state !== HubConnectionState.Connected) return; // renewed on (re)connect
    try {
      await c.invoke(...subscribeCall(topic, on));
    } catch (e) {
      console.warn('Live subscription refused', topicKey(topic), e);
    }
  }

  private ensure(): Promise<void> {
    const key = useSession.getState().apiKey;
    if (this.connection && this.key === key && this.starting) return this.starting;
    if (this.connection) void this.connection.stop();
    this.key = key;
    const c = connectLive();
    this.connection = c;
    for (const name of liveEventNames) {
      c.on(name, (payload: Omit<LiveEvent, 'name'>) => {
        const e = { ...payload, name } as LiveEvent;
        for (const l of [...this.listeners]) if (matches(l.topic, e)) l.onEvent(e);
      });
    }
    c.onreconnecting(() => this.setStatus('reconnecting'));
    c.onreconnected(async () => {
      await this.renew();
      this.setStatus('live');
      for (const l of [...this.listeners]) l.onReconnected?.();
    });
    c.onclose(() => {
      if (this.connection === c) {
        this.setStatus('offline');
        this.connection = null;
        this.starting = null;
      }
    });
    this.setStatus('connecting');
    this.starting = c
      .start()
      .then(async () => {
        await this.renew();
        this.setStatus('live');
      })
      .catch((e: unknown) => {
        console.warn('Live connection failed', e);
        if (this.connection === c) {
          this.connection = null;
          this.starting = null;
        }
        this.setStatus('offline');
      });
    return this.starting;
  }

  /** Subscriptions do not survive a reconnect (README): take them all again. */
  private async renew() {
    await Promise.all([...this.counts.values()].map((entry) => this.invoke(entry.topic, true)));
  }

  /** Ends the connection (sign-out); the next listener opens a new one. */
  async stop() {
    const c = this.connection;
    this.connection = null;
    this.starting = null;
    if (c) await c.stop();
    this.setStatus('offline');
  }
}

const hub = new LiveHub();

// Signing out (or in with another key) ends the connection; the next listener opens one with the new key.
useSession.subscribe((s, previous) => {
  if (s.apiKey !== previous.apiKey) void hub.stop();
});

/**
 * Follows a topic on the shared hub connection while the component is mounted. `topic` null follows nothing.
 * The handlers may change on every render: the latest ones are called. Returns the connection's status.
 */
export function useLive(topic: LiveTopic | null, onEvent: (e: LiveEvent) => void, onReconnected?: () => void): LiveStatus {
  const handlers = useRef({ onEvent, onReconnected });
  handlers.current = { onEvent, onReconnected };
  const [status, setStatus] = useState<LiveStatus>(hub.status);
  const key = topic ? topicKey(topic) : null;

  useEffect(() => hub.watch(setStatus), []);
  useEffect(() => {
    if (!topic) return;
    return hub.add({
      topic,
      onEvent: (e) => handlers.current.onEvent(e),
      onReconnected: () => handlers.current.onReconnected?.(),
    });
    // The topic's identity is its key.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return status;
}
