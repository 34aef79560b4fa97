import { isObject, type Config } from '../model';

/** The one line a step's card shows under its name: what this step is set up to do, or '' when nothing is set. */
export function summarize(type: string, config: Config | undefined): string {
  const c = config ?? {};
  const text = (key: string) => oneLine(c[key]);
  const join = (...parts: string[]) => parts.filter(Boolean).join(' · ');
  switch (type) {
    case 'trigger_whatsapp':
      return join(text('phoneNumberId') ? `Number ${text('phoneNumberId')}` : 'Any number', filterSummary(c.filter));
    case 'trigger_email':
      return join(text('address') || 'Any inbox', filterSummary(c.filter));
    case 'trigger_voice':
      return join(text('number') || 'Any number', filterSummary(c.filter));
    case 'trigger_webhook': {
      const methods = Array.isArray(c.methods) && c.methods.length > 0 ? c.methods.map(String).join(', ') : 'POST';
      return join(methods, authLabel(text('auth') || 'signature'), filterSummary(c.filter));
    }
    case 'trigger_schedule':
      return join(text('cron'), text('cron') ? text('timezone') || 'UTC' : '', filterSummary(c.filter));
    case 'trigger_manual':
      return filterSummary(c.filter) || 'Started by hand or through the API';
    case 'agent_conversational':
    case 'agent_reasoning':
      return join(text('model'), text('systemPrompt') || text('inputText'));
    case 'agent_decision':
      return join(text('model'), text('criteria') || text('systemPrompt'));
    case 'action_whatsapp': {
      const recipient = text('recipient') || 'trigger';
      return join(recipient === 'trigger' ? 'To the sender' : `To ${recipient}`, text('messageTemplate'));
    }
    case 'action_email':
      return join(text('to'), text('subject'));
    case 'action_call':
      return join(text('phoneNumber'), text('voiceAgent'));
    case 'action_crm': {
      const fields = isObject(c.fields) ? Object.keys(c.fields).length : 0;
      const what = text('crmSystem') ? `${capitalise(text('action') || 'create')} in ${text('crmSystem')}` : '';
      return join(what, fields ? plural(fields, 'field') : '');
    }
    case 'action_http':
      return text('url') ? `${text('method') || 'GET'} ${text('url')}` : '';
    case 'utility_text_gen':
      return join(text('model'), text('prompt'));
    case 'utility_sentiment':
    case 'utility_intent':
    case 'utility_vulnerability':
    case 'utility_reason':
      return text('inputText') || "The trigger's message";
    case 'utility_custom':
      return text('endpoint') || text('prompt');
    case 'logic_condition':
      return typeof c.condition === 'string' ? oneLine(c.condition) : filterSummary(c.condition, '');
    case 'logic_delay':
      if (text('duration')) return `Wait ${durationLabel(c.duration)}`;
      return text('until') ? `Until ${text('until')}` : '';
    case 'logic_loop': {
      const items = Array.isArray(c.items) ? plural(c.items.length, 'item') : text('items');
      return join(items ? `Each of ${items}` : '', text('mode') === 'parallel' ? 'in parallel' : '');
    }
    case 'logic_ab_split':
      return variantsSummary(c.variants);
    case 'logic_set_variable':
      return isObject(c.variables) ? Object.keys(c.variables).join(', ') : '';
    case 'logic_subworkflow':
      return text('workflowId') ? `Runs ${text('workflowId')}` : '';
    case 'logic_approval': {
      const approvers = Array.isArray(c.approvers) ? c.approvers.map(String).filter(Boolean) : [];
      return join(text('message'), approvers.length ? `by ${approvers.join(', ')}` : '');
    }
    default:
      return '';
  }
}

/** Any config value as one short line: strings with their line breaks folded, numbers as written, the rest ''. */
function oneLine(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\s+/g, ' ').trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** A trigger filter or a condition object (`{combinator, conditions: [{variable, operator, value}]}`) in words. */
function filterSummary(filter: unknown, empty = ''): string {
  if (!isObject(filter) || !Array.isArray(filter.conditions) || filter.conditions.length === 0) return empty;
  const combinator = filter.combinator === 'OR' ? ' OR ' : ' AND ';
  return filter.conditions
    .map((row) => (isObject(row) ? [oneLine(row.variable), oneLine(row.operator), oneLine(row.value)].filter(Boolean).join(' ') : ''))
    .filter(Boolean)
    .join(combinator);
}

function variantsSummary(value: unknown): string {
  if (!Array.isArray(value)) return '';
  const variants = value.filter(isObject).map((v) => ({ name: oneLine(v.name), weight: typeof v.weight === 'number' && v.weight > 0 ? v.weight : 1 }));
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  return variants.filter((v) => v.name).map((v) => `${v.name} ${Math.round((v.weight / total) * 100)}%`).join(' · ');
}

function durationLabel(value: unknown): string {
  return typeof value === 'number' ? `${value}s` : oneLine(value);
}

function authLabel(auth: string): string {
  return auth === 'none' ? 'no auth' : auth === 'token' ? 'bearer token' : 'signed';
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
