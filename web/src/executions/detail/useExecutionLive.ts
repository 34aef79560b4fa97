import { useEffect, useRef, useState } from 'react';
import { HubConnectionState } from '@microsoft/signalr';
import { connectLive } from '../../api/live';
import type { LiveEvent } from './liveState';

export type LiveConnection = 'connecting' | 'live' | 'offline';

const methods: [string, LiveEvent['kind']][] = [
  ['execution:started', 'started'],
  ['execution:step', 'step'],
  ['execution:waiting', 'waiting'],
  ['execution:completed', 'completed'],
  ['execution:failed', 'failed'],
];

/**
 * Follows one execution over `/hubs/executions`: each event goes to `onEvent`; `onResync` asks the page to refetch
 * (the hub dropped events for us, or the connection came back: subscriptions do not survive a reconnect, and what
 * was committed meanwhile was never sent).
 */
export function useExecutionLive(executionId: string, enabled: boolean, onEvent: (e: LiveEvent) => void, onResync: () => void): LiveConnection {
  const [state, setState] = useState<LiveConnection>('connecting');
  const handlers = useRef({ onEvent, onResync });
  handlers.current = { onEvent, onResync };

  useEffect(() => {
    if (!enabled) {
      setState('offline');
      return;
    }
    const hub = connectLive();
    let stopped = false;
    for (const [method, kind] of methods) {
      hub.on(method, (payload: Omit<LiveEvent, 'kind'>) => {
        if (payload.executionId === executionId) handlers.current.onEvent({ ...payload, kind });
      });
    }
    hub.on('execution:resync', (payload: { executionId?: string }) => {
      if (payload.executionId === executionId) handlers.current.onResync();
    });
    const subscribe = async () => {
      await hub.invoke('SubscribeExecution', executionId);
      if (!stopped) setState('live');
    };
    hub.onreconnecting(() => setState('connecting'));
    hub.onreconnected(() => {
      void subscribe().then(() => handlers.current.onResync(), () => setState('offline'));
    });
    hub.onclose(() => {
      if (!stopped) setState('offline');
    });
    setState('connecting');
    hub
      .start()
      .then(subscribe)
      // Anything committed between the page's fetch and the subscription would otherwise be missed.
      .then(() => handlers.current.onResync())
      .catch(() => {
        if (!stopped) setState('offline');
      });
    return () => {
      stopped = true;
      if (hub.state !== HubConnectionState.Disconnected) void hub.stop();
    };
  }, [executionId, enabled]);

  return state;
}
