import { beforeEach, describe, expect, it } from 'vitest';
import { useEditor } from '../store';
import type { StepEdge, StepNode, WorkflowDoc } from '../model';
import { testCatalog } from './testCatalog';
import { copySelection, fromClipboardText, toClipboardText } from './clipboard';

const doc = (nodes: WorkflowDoc['nodes'], edges: WorkflowDoc['edges']): WorkflowDoc =>
  ({ id: 'wf_test', name: 'Test', description: null, nodes, edges, canvas: null, revision: 1 }) as unknown as WorkflowDoc;

const at = (x: number, y: number) => ({ x, y });

beforeEach(() => {
  useEditor.getState().load(
    doc(
      [
        { id: 'start', type: 'trigger_whatsapp', config: {}, position: at(0, 0) },
        { id: 'check', type: 'logic_condition', config: { condition: 'x' }, position: at(0, 0) },
        { id: 'no', type: 'action_email', config: {}, position: at(0, 0) },
        { id: 'yes', type: 'action_email', config: {}, position: at(0, 0) },
      ] as WorkflowDoc['nodes'],
      [
        { id: 'e1', source: 'start', target: 'check', sourceHandle: null },
        // Listed false-first: the layout must still put `true` above `false`.
        { id: 'e2', source: 'check', target: 'no', sourceHandle: 'false' },
        { id: 'e3', source: 'check', target: 'yes', sourceHandle: 'true' },
      ] as WorkflowDoc['edges'],
    ),
    '"1"',
  );
  useEditor.getState().setCatalog(testCatalog);
});

const node = (id: string) => useEditor.getState().nodes.find((n) => n.id === id)!;

describe('autoLayout', () => {
  it('lays the steps out left to right, branches in port order, as one undo step, and asks for a fit', () => {
    const s = useEditor.getState();
    const fitBefore = s.fitSeq;
    s.autoLayout();
    const after = useEditor.getState();
    expect(node('start').position.x).toBeLessThan(node('check').position.x);
    expect(node('check').position.x).toBeLessThan(node('yes').position.x);
    expect(node('yes').position.x).toBe(node('no').position.x);
    expect(node('yes').position.y).toBeLessThan(node('no').position.y);
    expect(after.past).toHaveLength(1);
    expect(after.saveState).toBe('dirty');
    expect(after.fitSeq).toBe(fitBefore + 1);

    after.undo();
    expect(node('yes').position).toEqual(at(0, 0));
  });

  it('makes no undo step when nothing moves', () => {
    useEditor.getState().autoLayout();
    useEditor.getState().autoLayout();
    expect(useEditor.getState().past).toHaveLength(1);
  });
});

describe('nudgeSelection', () => {
  it('moves only the selected steps, and a burst of moves is one undo step', () => {
    const s = useEditor.getState();
    s.select(['check', 'yes']);
    s.nudgeSelection(10, 0, 1000);
    useEditor.getState().nudgeSelection(10, 0, 1200);
    useEditor.getState().nudgeSelection(0, 50, 1900);
    expect(node('check').position).toEqual(at(20, 50));
    expect(node('yes').position).toEqual(at(20, 50));
    expect(node('start').position).toEqual(at(0, 0));
    expect(useEditor.getState().past).toHaveLength(1);
    expect(useEditor.getState().saveState).toBe('dirty');

    // A pause starts a new burst.
    useEditor.getState().nudgeSelection(10, 0, 5000);
    expect(useEditor.getState().past).toHaveLength(2);
    useEditor.getState().undo();
    expect(node('check').position).toEqual(at(20, 50));
    useEditor.getState().undo();
    expect(node('check').position).toEqual(at(0, 0));
  });

  it('starts a new undo step when another action came in between', () => {
    const s = useEditor.getState();
    s.select(['check']);
    s.nudgeSelection(10, 0, 1000);
    useEditor.getState().addNode('action_email', at(500, 500));
    useEditor.getState().select(['check']);
    useEditor.getState().nudgeSelection(10, 0, 1100);
    expect(useEditor.getState().past).toHaveLength(3);
  });

  it('does nothing without a selection', () => {
    useEditor.getState().select([]);
    useEditor.getState().nudgeSelection(10, 0);
    expect(useEditor.getState().past).toHaveLength(0);
    expect(useEditor.getState().saveState).toBe('saved');
  });
});

describe('copy and paste', () => {
  it('pastes the selected steps with fresh ids, the edges between them, offset and selected', () => {
    const s = useEditor.getState();
    s.select(['check', 'yes']);
    const copy = copySelection(useEditor.getState().nodes, useEditor.getState().edges)!;
    expect(copy.nodes.map((n) => n.id)).toEqual(['check', 'yes']);
    expect(copy.edges.map((e) => e.id)).toEqual(['e3']);

    const ids = useEditor.getState().paste(copy.nodes, copy.edges);
    expect(ids).toEqual(['condition', 'email']);
    const after = useEditor.getState();
    expect(after.nodes.filter((n) => n.selected).map((n) => n.id)).toEqual(['condition', 'email']);
    expect(node('condition').position).toEqual(at(40, 40));
    expect(node('condition').data.config).toEqual({ condition: 'x' });
    const pasted = after.edges.filter((e) => e.source === 'condition');
    expect(pasted).toEqual([{ id: 'e4', source: 'condition', target: 'email', sourceHandle: 'true' }]);
    expect(after.past).toHaveLength(1);
  });

  it('round-trips a copy through the system clipboard text and ignores other text', () => {
    useEditor.getState().select(['check', 'yes']);
    const copy = copySelection(useEditor.getState().nodes, useEditor.getState().edges)!;
    const back = fromClipboardText(toClipboardText(copy))!;
    expect(back.nodes.map((n) => [n.id, n.data.type, n.position])).toEqual([
      ['check', 'logic_condition', at(0, 0)],
      ['yes', 'action_email', at(0, 0)],
    ]);
    expect(back.edges).toEqual([{ id: 'e3', source: 'check', target: 'yes', sourceHandle: 'true' }] satisfies StepEdge[]);
    expect(fromClipboardText('hello')).toBeNull();
    expect(fromClipboardText('{"nodes": []}')).toBeNull();
  });

  it('copies nothing without a selection', () => {
    useEditor.getState().select([]);
    expect(copySelection(useEditor.getState().nodes as StepNode[], useEditor.getState().edges)).toBeNull();
  });
});
