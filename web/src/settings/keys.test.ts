import { describe, expect, it } from 'vitest';
import { isSessionKey, keyLabel, keyPrefix, sortKeys, type ApiKey } from './keys';

const key = (id: string, createdAt: string, revokedAt: string | null = null, name: string | null = null): ApiKey =>
  ({ id, prefix: `ffk_${id}`.slice(0, 8), name, createdAt, revokedAt, key: null });

describe('API keys', () => {
  it('recognise the session’s key by the server’s 8-character prefix, never a revoked one', () => {
    const session = 'ffk_abcd_rest_of_the_secret';
    expect(keyPrefix(session)).toBe('ffk_abcd');
    expect(isSessionKey({ prefix: 'ffk_abcd', revokedAt: null }, session)).toBe(true);
    expect(isSessionKey({ prefix: 'ffk_abcd', revokedAt: '2026-01-01T00:00:00Z' }, session)).toBe(false);
    expect(isSessionKey({ prefix: 'ffk_zzzz', revokedAt: null }, session)).toBe(false);
    expect(isSessionKey({ prefix: 'ffk_abcd', revokedAt: null }, null)).toBe(false);
  });

  it('list active keys first, newest first, then revoked ones', () => {
    const sorted = sortKeys([
      key('old', '2026-01-01T00:00:00Z'),
      key('gone', '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'),
      key('new', '2026-02-01T00:00:00Z'),
    ]);
    expect(sorted.map((k) => k.id)).toEqual(['new', 'old', 'gone']);
  });

  it('name an unnamed key by its prefix', () => {
    expect(keyLabel({ name: 'ci', prefix: 'ffk_abcd' })).toBe('ci');
    expect(keyLabel({ name: '  ', prefix: 'ffk_abcd' })).toBe('ffk_abcd…');
  });
});
