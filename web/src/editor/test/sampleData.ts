import type { Schemas } from '../../api/client';

type OutputField = Schemas['OutputField'];

/**
 * Values that read like a real event for the trigger fields the catalog names, so a first test run needs no typing:
 * a customer writes in about a broken order, the running example of the README's triage workflow.
 */
function knownValue(name: string, now: Date): unknown {
  const iso = now.toISOString();
  switch (name) {
    // WhatsApp
    case 'phone_number': return '+15550100';
    case 'message_text': return 'My order arrived broken, I want a refund';
    case 'message_timestamp': return iso;
    case 'message_id': return 'wamid.TEST0001';
    case 'phone_number_id': return '105550100';
    case 'contact_name': return 'Ada Lovelace';
    // Email
    case 'email_from': return 'ada@example.com';
    case 'email_to': return 'support@example.com';
    case 'email_subject': return 'Refund for order #1042';
    case 'email_body': return 'Hello, my order #1042 arrived broken. I would like a refund, please.';
    case 'email_html': return '<p>Hello, my order #1042 arrived broken. I would like a refund, please.</p>';
    case 'email_timestamp': return iso;
    // Voice
    case 'caller_number': return '+15550100';
    case 'called_number': return '+15550199';
    case 'call_duration': return 95;
    case 'call_transcript': return 'Hi, my order arrived broken and I want a refund.';
    case 'call_id': return 'call_test_0001';
    // Webhook
    case 'method': return 'POST';
    case 'headers': return { 'content-type': 'application/json' };
    case 'query': return {};
    case 'body': return { order_id: '1042', customer_email: 'ada@example.com', message: 'My order arrived broken, I want a refund' };
    // Schedule
    case 'scheduled_time': return iso;
    case 'fired_at': return iso;
    case 'cron': return '0 9 * * MON-FRI';
    case 'timezone': return 'UTC';
    default: return undefined;
  }
}

function valueOfType(field: OutputField): unknown {
  switch (field.type) {
    case 'string': return '';
    case 'number': case 'integer': return 0;
    case 'boolean': return false;
    case 'object': return {};
    case 'array': return [];
    default: return null;
  }
}

/**
 * Trigger data for a test run of a trigger type, built from the type's `outputFields` (what `{{field}}` templates
 * downstream read). A manual trigger passes on whatever it is given, so it gets a customer message too.
 */
export function sampleTriggerData(type: string, outputFields: readonly OutputField[], now: Date = new Date()): Record<string, unknown> {
  if (outputFields.length === 0) {
    return type === 'trigger_manual' || type.startsWith('trigger_')
      ? { customer_name: 'Ada Lovelace', message_text: 'My order arrived broken, I want a refund' }
      : {};
  }
  const data: Record<string, unknown> = {};
  for (const field of outputFields) {
    const known = knownValue(field.name, now);
    data[field.name] = known !== undefined ? known : valueOfType(field);
  }
  return data;
}

/** Parses the trigger data editor's text: the value, or where and why it is not JSON. */
export function parseTestData(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = /position (\d+)/.exec(message);
    if (at) {
      const offset = Number(at[1]);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      return { ok: false, error: `Not valid JSON at line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '')}` };
    }
    return { ok: false, error: `Not valid JSON: ${message}` };
  }
}
