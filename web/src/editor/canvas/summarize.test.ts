import { describe, expect, it } from 'vitest';
import { summarize } from './summarize';

describe('summarize', () => {
  it('shows an email as its recipient and subject', () => {
    expect(summarize('action_email', { to: 'support@example.com', subject: 'Unhappy customer {{trigger.phone_number}}', body: 'x' })).toBe(
      'support@example.com · Unhappy customer {{trigger.phone_number}}',
    );
  });

  it('shows a condition as its text, on one line', () => {
    expect(summarize('logic_condition', { condition: "{{steps.sentiment.sentiment}} == 'negative'\n OR {{x}} > 1" })).toBe(
      "{{steps.sentiment.sentiment}} == 'negative' OR {{x}} > 1",
    );
  });

  it('shows a condition object as its rows joined by the combinator', () => {
    expect(
      summarize('logic_condition', {
        condition: { combinator: 'OR', conditions: [{ variable: 'trigger.vip', operator: '==', value: 'true' }, { variable: 'trigger.score', operator: '>', value: 3 }] },
      }),
    ).toBe('trigger.vip == true OR trigger.score > 3');
  });

  it('shows a delay as its duration, or its date', () => {
    expect(summarize('logic_delay', { duration: '5m' })).toBe('Wait 5m');
    expect(summarize('logic_delay', { duration: 30 })).toBe('Wait 30s');
    expect(summarize('logic_delay', { until: '2025-01-31T09:00:00Z' })).toBe('Until 2025-01-31T09:00:00Z');
  });

  it('shows an AI step as its model and the start of its prompt', () => {
    expect(summarize('agent_conversational', { model: 'gpt-4o-mini', systemPrompt: 'You are a helpful assistant.' })).toBe('gpt-4o-mini · You are a helpful assistant.');
    expect(summarize('utility_text_gen', { prompt: 'Write a reply' })).toBe('Write a reply');
    expect(summarize('utility_sentiment', {})).toBe("The trigger's message");
  });

  it('shows messages, calls and requests by where they go', () => {
    expect(summarize('action_whatsapp', { recipient: 'trigger', messageTemplate: 'Thanks!' })).toBe('To the sender · Thanks!');
    expect(summarize('action_whatsapp', { recipient: '+4470000', messageTemplate: 'Hi' })).toBe('To +4470000 · Hi');
    expect(summarize('action_http', { url: 'https://api.example.com/x', method: 'POST' })).toBe('POST https://api.example.com/x');
    expect(summarize('action_crm', { crmSystem: 'hubspot', action: 'update', fields: { a: 1, b: 2 } })).toBe('Update in hubspot · 2 fields');
  });

  it('shows logic steps by what drives them', () => {
    expect(summarize('logic_ab_split', { variants: [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }] })).toBe('a 75% · b 25%');
    expect(summarize('logic_loop', { items: '{{steps.fetch.body.items}}', mode: 'parallel' })).toBe('Each of {{steps.fetch.body.items}} · in parallel');
    expect(summarize('logic_loop', { items: [1, 2, 3] })).toBe('Each of 3 items');
    expect(summarize('logic_set_variable', { variables: { score: 1, tier: 'gold' } })).toBe('score, tier');
    expect(summarize('logic_approval', { message: 'Refund?', approvers: ['ann@example.com'] })).toBe('Refund? · by ann@example.com');
  });

  it('shows triggers by what they listen to', () => {
    expect(summarize('trigger_whatsapp', {})).toBe('Any number');
    expect(summarize('trigger_schedule', { cron: '0 9 * * MON-FRI', timezone: 'Europe/Paris' })).toBe('0 9 * * MON-FRI · Europe/Paris');
    expect(summarize('trigger_webhook', { methods: ['POST', 'PUT'], auth: 'token' })).toBe('POST, PUT · bearer token');
    expect(summarize('trigger_manual', { filter: { conditions: [{ variable: 'vip', operator: '==', value: true }] } })).toBe('vip == true');
  });

  it('is empty for what is not set and for unknown types', () => {
    expect(summarize('action_email', {})).toBe('');
    expect(summarize('logic_condition', {})).toBe('');
    expect(summarize('something_new', { a: 1 })).toBe('');
    expect(summarize('action_email', undefined)).toBe('');
  });
});
