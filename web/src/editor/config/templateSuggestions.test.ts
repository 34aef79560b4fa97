import { describe, expect, it } from 'vitest';
import { filterSuggestions, insertSuggestion, openPlaceholder, templateSuggestions, type ScopeGraph } from './templateSuggestions';
import { catalog, triage } from './testing/fixtures';

const paths = (graph: ScopeGraph, step: string) => templateSuggestions(graph, catalog, step).map((s) => s.path);

describe('templateSuggestions', () => {
  it('offers the triage sample\'s unhappy step what runs before it, and nothing after it', () => {
    const p = paths(triage, 'unhappy');
    expect(p).toEqual(expect.arrayContaining([
      'trigger.phone_number', 'trigger.message_text', 'trigger.message_timestamp', 'trigger.message_id',
      'steps.sentiment.sentiment', 'steps.sentiment.sentiment_score', 'steps.intent.intent', 'steps.intent.confidence',
      'execution.id', 'execution.workflowId', 'execution.version', 'execution.startedAt',
    ]));
    expect(p.filter((x) => /steps\.(unhappy|escalate|thank|message)\b/.test(x))).toEqual([]);
    expect(p.some((x) => x.startsWith('vars.'))).toBe(false);
    // Trigger fields first, then steps in graph order, then the run's fields.
    expect(p.indexOf('trigger.message_text')).toBeLessThan(p.indexOf('steps.sentiment.sentiment'));
    expect(p.indexOf('steps.sentiment.sentiment')).toBeLessThan(p.indexOf('steps.intent.intent'));
    expect(p.at(-1)).toBe('execution.startedAt');
  });

  it('includes the condition\'s own result for the steps on its ports', () => {
    expect(paths(triage, 'escalate')).toContain('steps.unhappy.result');
    expect(paths(triage, 'thank')).not.toContain('steps.escalate.email_sent');
  });

  it('gives a trigger its own fields (for its filter) but no step outputs', () => {
    const p = paths(triage, 'message');
    expect(p).toContain('trigger.message_text');
    expect(p.some((x) => x.startsWith('steps.'))).toBe(false);
  });

  it('offers variables set upstream, and the loop item only inside the loop body', () => {
    const graph: ScopeGraph = {
      nodes: [
        { id: 'start', type: 'trigger_manual', config: {} },
        { id: 'setv', type: 'logic_set_variable', config: { variables: { customer: 'x', tier: 'gold' } } },
        { id: 'each', type: 'logic_loop', config: { items: [1, 2] } },
        { id: 'body', type: 'action_http', config: {} },
        { id: 'after', type: 'action_email', config: {} },
      ],
      edges: [
        { source: 'start', target: 'setv' },
        { source: 'setv', target: 'each' },
        { source: 'each', target: 'body', sourceHandle: 'item' },
        { source: 'body', target: 'each' },
        { source: 'each', target: 'after', sourceHandle: 'done' },
      ],
    };
    expect(paths(graph, 'body')).toEqual(expect.arrayContaining(['vars.customer', 'vars.tier', 'vars.item', 'vars.index', 'steps.each.item']));
    expect(paths(graph, 'after')).toEqual(expect.arrayContaining(['vars.customer', 'steps.each.results', 'steps.each.count']));
    expect(paths(graph, 'after')).not.toContain('vars.item');
    expect(paths(graph, 'each')).not.toContain('steps.each.item');
    // A step with dynamic output and no declared fields is offered whole.
    expect(paths({ nodes: [...graph.nodes, { id: 'child', type: 'logic_subworkflow', config: {} }, { id: 'x', type: 'action_email', config: {} }], edges: [...graph.edges, { source: 'child', target: 'x' }] }, 'x')).toContain('steps.child');
  });

  it('reads the editor\'s nodes (type and config under data) as well as a definition\'s', () => {
    const graph: ScopeGraph = {
      nodes: [
        { id: 'm', data: { type: 'trigger_email', config: {} } },
        { id: 's', data: { type: 'utility_sentiment', config: {} } },
      ],
      edges: [{ source: 'm', target: 's' }],
    };
    expect(paths(graph, 's')).toContain('trigger.email_subject');
  });
});

describe('filtering and inserting', () => {
  const all = templateSuggestions(triage, catalog, 'unhappy');

  it('ranks prefix matches first, then a segment prefix, then anywhere', () => {
    expect(filterSuggestions(all, 'steps.int').map((s) => s.path)).toEqual(['steps.intent.intent', 'steps.intent.confidence']);
    const score = filterSuggestions(all, 'score').map((s) => s.path);
    expect(score[0]).toBe('steps.sentiment.sentiment_score');
    expect(filterSuggestions(all, 'MESSAGE_TE').map((s) => s.path)).toEqual(['trigger.message_text']);
    expect(filterSuggestions(all, '')).toHaveLength(all.length);
  });

  it('finds the placeholder the caret is in', () => {
    expect(openPlaceholder('Hi {{trig', 9)).toEqual({ start: 5, query: 'trig' });
    expect(openPlaceholder('Hi {{ steps.a', 13)).toEqual({ start: 5, query: 'steps.a' });
    expect(openPlaceholder('Hi {{x}} there', 14)).toBeNull();
    expect(openPlaceholder('no braces', 4)).toBeNull();
    expect(openPlaceholder('{{a b', 5)).toBeNull();
  });

  it('inserts the path and closes the braces, or reuses the ones already there', () => {
    expect(insertSuggestion('Hi {{trig', 9, 5, 'trigger.phone_number')).toEqual({ text: 'Hi {{trigger.phone_number}}', caret: 27 });
    expect(insertSuggestion('A {{ste}} B', 7, 4, 'steps.intent.intent')).toEqual({ text: 'A {{steps.intent.intent}} B', caret: 25 });
    expect(insertSuggestion('{{st.x}}', 4, 2, 'steps.a.b')).toEqual({ text: '{{steps.a.b}}', caret: 13 });
  });
});
