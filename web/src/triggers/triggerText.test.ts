import { describe, expect, it } from 'vitest';
import { authLabel, badgeClassFor, canRotate, outcomeBadge } from './triggerText';

describe('trigger wording', () => {
  it('offers rotation only where a trigger has its own secret', () => {
    expect(['token', 'signature'].every(canRotate)).toBe(true);
    expect(['none', 'provider', 'inbound', 'schedule'].some(canRotate)).toBe(false);
  });

  it('names auth modes and delivery outcomes in words, with a tone per outcome', () => {
    expect(authLabel('signature').label).toBe('Signed');
    expect(authLabel('none').hint).toMatch(/Anyone/);
    expect(authLabel('custom').label).toBe('custom');
    expect(badgeClassFor(outcomeBadge('accepted').tone)).toBe('badge badge-success');
    expect(badgeClassFor(outcomeBadge('refused').tone)).toBe('badge badge-danger');
    expect(badgeClassFor(outcomeBadge('something-new').tone)).toBe('badge');
  });
});
