import { describe, expect, it } from 'vitest';
import { decisionPayload, isUrgent, timeLeft } from './approvalText';

describe('approval decisions', () => {
  it('send the payload the approval step reads: approved, and the comment and signer when given', () => {
    expect(decisionPayload(true, '  looks right ', 'ci-deploy')).toEqual({ approved: true, comment: 'looks right', approvedBy: 'ci-deploy' });
    expect(decisionPayload(false, '   ', null)).toEqual({ approved: false });
  });

  it('say how long is left before the timeout port', () => {
    const now = new Date('2026-05-01T12:00:00Z');
    expect(timeLeft('2026-05-01T12:20:00Z', now)).toBe('in 20 minutes');
    expect(timeLeft('2026-05-01T13:00:00Z', now)).toBe('in 1 hour');
    expect(timeLeft('2026-05-02T18:00:00Z', now)).toBe('in 30 hours');
    expect(timeLeft('2026-05-08T12:00:00Z', now)).toBe('in 7 days');
    expect(timeLeft('2026-05-01T11:00:00Z', now)).toBe('any moment');
    expect(isUrgent('2026-05-01T20:00:00Z', now)).toBe(true);
    expect(isUrgent('2026-05-03T12:00:00Z', now)).toBe(false);
  });
});
