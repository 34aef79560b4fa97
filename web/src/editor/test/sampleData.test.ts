import { describe, expect, it } from 'vitest';
import { parseTestData, sampleTriggerData } from './sampleData';

const now = new Date('2026-03-01T09:30:00Z');
const field = (name: string, type = 'string') => ({ name, type, description: '' });

describe('sampleTriggerData', () => {
  it('gives a WhatsApp trigger a customer message in the fields its templates read', () => {
    const data = sampleTriggerData('trigger_whatsapp', [field('phone_number'), field('message_text'), field('message_timestamp'), field('message_id')], now);
    expect(data).toEqual({
      phone_number: '+15550100',
      message_text: 'My order arrived broken, I want a refund',
      message_timestamp: '2026-03-01T09:30:00.000Z',
      message_id: 'wamid.TEST0001',
    });
  });

  it('fills email, voice, webhook and schedule fields with values of the right type', () => {
    const email = sampleTriggerData('trigger_email', [field('email_from'), field('email_subject'), field('email_body'), field('email_timestamp')], now);
    expect(email.email_from).toMatch(/@/);
    expect(email.email_subject).toMatch(/order/i);

    const voice = sampleTriggerData('trigger_voice', [field('caller_number'), field('call_duration', 'number'), field('call_transcript')], now);
    expect(voice).toMatchObject({ caller_number: '+15550100', call_duration: 95 });
    expect(typeof voice.call_transcript).toBe('string');

    const hook = sampleTriggerData('trigger_webhook', [field('method'), field('headers', 'object'), field('query', 'object'), field('body', 'any')], now);
    expect(hook).toMatchObject({ method: 'POST', query: {}, body: { order_id: '1042' } });

    const schedule = sampleTriggerData('trigger_schedule', [field('scheduled_time'), field('fired_at')], now);
    expect(schedule).toEqual({ scheduled_time: '2026-03-01T09:30:00.000Z', fired_at: '2026-03-01T09:30:00.000Z' });
  });

  it('gives a manual trigger (no declared fields) a message to pass on', () => {
    expect(sampleTriggerData('trigger_manual', [], now)).toMatchObject({ message_text: expect.any(String) });
  });

  it('falls back to an empty value of the declared type for a field it does not know', () => {
    expect(sampleTriggerData('trigger_custom', [field('x'), field('n', 'number'), field('b', 'boolean'), field('o', 'object'), field('a', 'array'), field('y', 'any')], now))
      .toEqual({ x: '', n: 0, b: false, o: {}, a: [], y: null });
  });

  it('produces JSON that parses back', () => {
    const text = JSON.stringify(sampleTriggerData('trigger_whatsapp', [field('message_text')], now), null, 2);
    expect(parseTestData(text)).toEqual({ ok: true, value: { message_text: 'My order arrived broken, I want a refund' } });
  });
});

describe('parseTestData', () => {
  it('says where the JSON breaks', () => {
    const result = parseTestData('{\n  "a": 1,\n  "b": \n}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^Not valid JSON/);
  });

  it('takes empty text as no trigger data', () => {
    expect(parseTestData('  ')).toEqual({ ok: true, value: null });
  });
});
