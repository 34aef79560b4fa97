import { useEffect, useRef, useState } from 'react';
import type { HubConnection } from '@microsoft/signalr';
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
  /**
   * Once the subscription is in place, and again after each reconnect (subscriptions are lost and renewed then):
   * what happened before it may have been missed, so read it. `reconnected` tells the two apart.
   */
  onSubscribed?(reconnected: boolean): void;
  /** Whether onSubscribed was called for the first subscription yet. */
  subscribed?: boolean;
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
  /** Bumped by every start and stop: a connection whose client finished loading after a stop is not opened. */
  private generation = 0;
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
    else this.counts.set(k, { topic: listener.topic, count: 1 });
    void this.ensure().then(async () => {
      // A connection that was already open needs this subscription; one that just opened took it in renew().
      if (!entry) await this.invoke(listener.topic, true);
      if (this.listeners.has(listener) && this.status === 'live' && !listener.subscribed) {
        listener.subscribed = true;
        listener.onSubscribed?.(false);
      }
    });
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
    if (!c || c.state !== 'Connected') return; // renewed on (re)connect
    try {
      await c.invoke(...subscribeCall(topic, on));
    } catch (e) {
      console.warn('Live subscription refused', topicKey(topic), e);
    }
  }

  private ensure(): Promise<void> {
    const key = useSession.getState().apiKey;
    if (this.key === key && this.starting) return this.starting;
    if (this.connection) void this.connection.stop();
    this.key = key;
    this.setStatus('connecting');
    // The SignalR client loads after the page has drawn: it is not needed for the first paint.
    const generation = ++this.generation;
    this.starting = import('./live').then(({ connectLive }) => (generation === this.generation ? this.open(connectLive()) : undefined));
    return this.starting;
  }

  private open(c: HubConnection): Promise<void> {
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
      for (const l of [...this.listeners]) l.onSubscribed?.(true);
    });
    c.onclose(() => {
      if (this.connection === c) {
        this.setStatus('offline');
        this.connection = null;
        this.starting = null;
      }
    });
    return c
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
  }

  /** Subscriptions do not survive a reconnect (README): take them all again. */
  private async renew() {
    await Promise.all([...this.counts.values()].map((entry) => this.invoke(entry.topic, true)));
  }

  /** Ends the connection (sign-out); the next listener opens a new one. */
  async stop() {
    this.generation++;
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
 * Follows a topic on the shared hub connection while the component is mounted. `topic` null follows nothing (pass
 * null until the first data is drawn: the SignalR client then loads after it). `onSubscribed` runs once the
 * subscription is in place and after each reconnect (`reconnected` true): read again what may have been missed.
 * The handlers may change on every render: the latest ones are called. Returns the connection's status.
 */
export function useLive(topic: LiveTopic | null, onEvent: (e: LiveEvent) => void, onSubscribed?: (reconnected: boolean) => void): LiveStatus {
  const handlers = useRef({ onEvent, onSubscribed });
  handlers.current = { onEvent, onSubscribed };
  const [status, setStatus] = useState<LiveStatus>(hub.status);
  const key = topic ? topicKey(topic) : null;

  useEffect(() => hub.watch(setStatus), []);
  useEffect(() => {
    if (!topic) return;
    return hub.add({
      topic,
      onEvent: (e) => handlers.current.onEvent(e),
      onSubscribed: (reconnected) => handlers.current.onSubscribed?.(reconnected),
    });
    // The topic's identity is its key.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return status;
}
