import { describe, expect, it } from 'vitest';
import { formatDuration, runDuration, shortId, triggerLabel } from './format';

describe('formatting a run', () => {
  it.each([
    [420, '420 ms'],
    [3_240, '3.2 s'],
    [42_000, '42 s'],
    [245_000, '4 m 05 s'],
    [2 * 3_600_000 + 14 * 60_000, '2 h 14 m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
    [-1, '—'],
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('counts an unfinished run up to now', () => {
    expect(runDuration({ startedAt: '2025-06-01T10:00:00Z', completedAt: null, totalDuration: null }, Date.parse('2025-06-01T10:00:05Z'))).toEqual({ ms: 5000, ongoing: true });
    expect(runDuration({ startedAt: '2025-06-01T10:00:00Z', completedAt: '2025-06-01T10:00:01Z', totalDuration: 1000 }, 0)).toEqual({ ms: 1000, ongoing: false });
  });

  it('names what started it', () => {
    expect(triggerLabel({ trigger: 'trigger_webhook', retryOf: null, parentExecutionId: null })).toBe('Webhook');
    expect(triggerLabel({ trigger: 'trigger_new_thing', retryOf: null, parentExecutionId: null })).toBe('New_thing');
    expect(triggerLabel({ trigger: null, retryOf: 'ex_0', parentExecutionId: null })).toBe('Retry');
    expect(triggerLabel({ trigger: null, retryOf: null, parentExecutionId: 'ex_p' })).toBe('Sub-workflow');
    expect(triggerLabel({ trigger: null, retryOf: null, parentExecutionId: null })).toBe('Manual');
  });

  it('shortens an id to its distinguishing end', () => {
    expect(shortId('ex_01a228defce679dd9e8a0780f41e67a3')).toBe('f41e67a3');
  });
});
