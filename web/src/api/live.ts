import { HubConnectionBuilder, LogLevel, type HubConnection } from '@microsoft/signalr';
import { useSession } from '../auth/session';

/** The live-progress hub (`/hubs/executions`); browsers pass the API key as `access_token`. */
export function connectLive(): HubConnection {
  return new HubConnectionBuilder()
    .withUrl('/hubs/executions', { accessTokenFactory: () => useSession.getState().apiKey ?? '' })
    .withAutomaticReconnect()
    .configureLogging(LogLevel.Warning)
    .build();
}
