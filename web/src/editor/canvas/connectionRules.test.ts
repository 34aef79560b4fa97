import { describe, expect, it } from 'vitest';
import type { StepEdge, StepNode } from '../model';
import { connectionProblem, resolveEdgePort } from './connectionRules';
import { testCatalog as catalog } from './testCatalog';

const node = (id: string, type: string, config: Record<string, unknown> = {}): StepNode => ({ id, type: 'step', position: { x: 0, y: 0 }, data: { type, config } });
const edge = (source: string, target: string, sourceHandle: string | null = null): StepEdge => ({ id: `${source}-${target}-${sourceHandle}`, source, target, sourceHandle });

const nodes = [
  node('start', 'trigger_whatsapp'),
  node('other_start', 'trigger_manual'),
  node('mood', 'utility_sentiment'),
  node('check', 'logic_condition'),
  node('mail', 'action_email'),
  node('each', 'logic_loop'),
  node('split', 'logic_ab_split', { variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] }),
];

describe('connectionProblem', () => {
  it('accepts an ordinary edge', () => {
    expect(connectionProblem(catalog, nodes, [], { source: 'start', target: 'mood', sourceHandle: 'out' })).toBeNull();
    expect(connectionProblem(catalog, nodes, [], { source: 'start', target: 'mood', sourceHandle: null })).toBeNull();
  });

  it('refuses a step connected to itself', () => {
    expect(connectionProblem(catalog, nodes, [], { source: 'mood', target: 'mood', sourceHandle: 'out' })).toMatch(/itself/);
  });

  it('refuses anything into a trigger', () => {
    expect(connectionProblem(catalog, nodes, [], { source: 'mood', target: 'other_start', sourceHandle: 'out' })).toMatch(/Triggers/);
  });

  it('refuses a port the source type does not have, and takes aliases and any case', () => {
    expect(connectionProblem(catalog, nodes, [], { source: 'mood', target: 'mail', sourceHandle: 'true' })).toMatch(/no port 'true'.*out, error/);
    expect(connectionProblem(catalog, nodes, [], { source: 'check', target: 'mail', sourceHandle: 'yes' })).toBeNull();
    expect(connectionProblem(catalog, nodes, [], { source: 'check', target: 'mail', sourceHandle: 'False' })).toBeNull();
    expect(connectionProblem(catalog, nodes, [], { source: 'check', target: 'mail', sourceHandle: null })).toMatch(/Choose which port/);
  });

  it('knows an A/B split has a port per variant', () => {
    expect(connectionProblem(catalog, nodes, [], { source: 'split', target: 'mail', sourceHandle: 'b' })).toBeNull();
    expect(connectionProblem(catalog, nodes, [], { source: 'split', target: 'mail', sourceHandle: 'out' })).toMatch(/no port 'out'.*a, b, error/);
  });

  it('refuses a duplicate of an existing edge, however its port is spelled', () => {
    expect(connectionProblem(catalog, nodes, [edge('start', 'mood')], { source: 'start', target: 'mood', sourceHandle: 'out' })).toMatch(/already connected/);
    expect(connectionProblem(catalog, nodes, [edge('check', 'mail', 'yes')], { source: 'check', target: 'mail', sourceHandle: 'true' })).toMatch(/already connected/);
    // Another port to the same step is a different edge.
    expect(connectionProblem(catalog, nodes, [edge('check', 'mail', 'true')], { source: 'check', target: 'mail', sourceHandle: 'false' })).toBeNull();
  });

  it('refuses a cycle and names its steps', () => {
    const edges = [edge('mood', 'check'), edge('check', 'mail', 'true')];
    expect(connectionProblem(catalog, nodes, edges, { source: 'mail', target: 'mood', sourceHandle: 'out' })).toBe(
      "That would make a cycle (mood → check → mail → mood). Only a loop body may lead back to its loop, through the loop's item port.",
    );
    // The error port counts like any other.
    expect(connectionProblem(catalog, nodes, edges, { source: 'mail', target: 'check', sourceHandle: 'error' })).toMatch(/cycle/);
  });

  it('lets a loop body lead back to the loop it left through item', () => {
    const edges = [edge('each', 'mood', 'item'), edge('mood', 'mail')];
    expect(connectionProblem(catalog, nodes, edges, { source: 'mail', target: 'each', sourceHandle: 'out' })).toBeNull();
  });

  it('refuses going back to a loop through its done port', () => {
    const edges = [edge('each', 'mood', 'done'), edge('mood', 'mail')];
    expect(connectionProblem(catalog, nodes, edges, { source: 'mail', target: 'each', sourceHandle: 'out' })).toMatch(/cycle \(each → mood → mail → each\)/);
  });
});

describe('resolveEdgePort', () => {
  it('resolves as the server does', () => {
    expect(resolveEdgePort(catalog, nodes[0], null)).toBe('out');
    expect(resolveEdgePort(catalog, nodes[2], null)).toBe('out');
    expect(resolveEdgePort(catalog, nodes[3], null)).toBeNull();
    expect(resolveEdgePort(catalog, nodes[3], 'no')).toBe('false');
    expect(resolveEdgePort(catalog, nodes[0], 'error')).toBeNull();
  });
});
