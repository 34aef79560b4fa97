import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';
import { useSession } from '../auth/session';

export type ApiKey = Schemas['ApiKeyResponse'];

export const keysQueryKey = ['keys'] as const;

export function useApiKeys() {
  return useQuery({ queryKey: keysQueryKey, queryFn: ({ signal }) => unwrap(api.GET('/api/keys', { signal })) });
}

/** The server's prefix of a key: its first 8 characters (`ApiKeys.Prefix`). */
export function keyPrefix(key: string): string {
  return key.length <= 8 ? key : key.slice(0, 8);
}

/**
 * Whether a listed key is the one this session signs with. Only the prefix is listed, so two active keys with one
 * prefix would both match; with 8 characters of which 4 are random ('ffk_' + …) that is rare, and then both are marked.
 */
export function isSessionKey(key: Pick<ApiKey, 'prefix' | 'revokedAt'>, sessionKey: string | null): boolean {
  return sessionKey !== null && !key.revokedAt && keyPrefix(sessionKey) === key.prefix;
}

/** Active keys first (newest first), then revoked ones (most recently revoked first). */
export function sortKeys(keys: ApiKey[]): ApiKey[] {
  return [...keys].sort((a, b) => {
    if (!a.revokedAt !== !b.revokedAt) return a.revokedAt ? 1 : -1;
    const at = (k: ApiKey) => k.revokedAt ?? k.createdAt;
    return at(b).localeCompare(at(a));
  });
}

export function keyLabel(key: Pick<ApiKey, 'name' | 'prefix'>): string {
  return key.name?.trim() || `${key.prefix}…`;
}

/** Who is deciding, as an approval records it: the signed-in key's name, else its prefix. */
export function useSignerName(): string | null {
  const sessionKey = useSession((s) => s.apiKey);
  const { data } = useApiKeys();
  if (!sessionKey) return null;
  const mine = data?.keys.find((k) => isSessionKey(k, sessionKey));
  return mine ? keyLabel(mine) : `${keyPrefix(sessionKey)}…`;
}
