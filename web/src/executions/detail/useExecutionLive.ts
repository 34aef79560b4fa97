import { useLive, type LiveEvent as HubEvent } from '../../api/useLive';
import type { LiveEvent } from './liveState';

export type LiveConnection = 'connecting' | 'live' | 'offline';

const kinds: Partial<Record<HubEvent['name'], LiveEvent['kind']>> = {
  'execution:started': 'started',
  'execution:step': 'step',
  'execution:waiting': 'waiting',
  'execution:completed': 'completed',
  'execution:failed': 'failed',
};

/**
 * Follows one execution on the app's shared hub connection (`useLive`): each event goes to `onEvent`; `onResync` asks
 * the page to refetch when the hub dropped events for us, once the subscription is in place (what was committed
 * between the page's fetch and it was never sent), and after a reconnect (subscriptions do not survive one).
 */
export function useExecutionLive(executionId: string, enabled: boolean, onEvent: (e: LiveEvent) => void, onResync: () => void): LiveConnection {
  const status = useLive(
    enabled ? { kind: 'execution', id: executionId } : null,
    (e) => {
      if (e.name === 'execution:resync') onResync();
      else if (kinds[e.name]) onEvent({ ...(e as unknown as Omit<LiveEvent, 'kind'>), kind: kinds[e.name]! });
    },
    () => onResync(),
  );
  if (!enabled) return 'offline';
  return status === 'reconnecting' ? 'connecting' : status;
}
