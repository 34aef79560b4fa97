/** The outbox's channels (the server's `Channels.Outbox`), in the order the filter shows them. */
export const outboxChannels = ['email', 'whatsapp', 'call'] as const;
export type OutboxChannel = (typeof outboxChannels)[number];

export function channelLabel(channel: string): string {
  return channel === 'email' ? 'Email' : channel === 'whatsapp' ? 'WhatsApp' : channel === 'call' ? 'Call' : channel;
}
