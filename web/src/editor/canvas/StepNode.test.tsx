import { describe, expect, it, beforeEach } from 'vitest';
import { render } from '@testing-library/react';
import { ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { StepNode as StepNodeType, ValidationResult } from '../model';
import { useEditor } from '../store';
import { CatalogContext } from './catalogContext';
import { stepEdgeTypes, stepNodeTypes } from './StepNode';
import { testCatalog } from './testCatalog';

const node = (id: string, type: string, config: Record<string, unknown> = {}, x = 0): StepNodeType => ({ id, type: 'step', position: { x, y: 0 }, data: { type, config } });

function renderCanvas(nodes: StepNodeType[]) {
  return render(
    <QueryClientProvider client={new QueryClient()}>
      <ReactFlowProvider>
        <CatalogContext.Provider value={testCatalog}>
          <div style={{ width: 800, height: 600 }}>
            <ReactFlow nodes={nodes} edges={[]} nodeTypes={stepNodeTypes} edgeTypes={stepEdgeTypes} />
          </div>
        </CatalogContext.Provider>
      </ReactFlowProvider>
    </QueryClientProvider>,
  );
}

const handles = (container: HTMLElement, id: string, kind: 'source' | 'target') =>
  [...container.querySelectorAll(`.react-flow__node[data-id="${id}"] .react-flow__handle.${kind}`)].map((h) => h.getAttribute('data-handleid'));

beforeEach(() => useEditor.setState({ validation: null, testRun: null }));

describe('StepNode', () => {
  it('gives a trigger no input, and every other step one input and an output per port, error last', () => {
    const { container } = renderCanvas([node('start', 'trigger_whatsapp'), node('check', 'logic_condition', {}, 300), node('split', 'logic_ab_split', { variants: [{ name: 'a' }, { name: 'b' }] }, 600)]);
    expect(handles(container, 'start', 'target')).toEqual([]);
    expect(handles(container, 'start', 'source')).toEqual(['out']);
    expect(handles(container, 'check', 'target')).toHaveLength(1);
    expect(handles(container, 'check', 'source')).toEqual(['true', 'false', 'error']);
    expect(handles(container, 'split', 'source')).toEqual(['a', 'b', 'error']);
  });

  it('shows the name, the summary and the count of validation issues', () => {
    const validation = {
      valid: false,
      errors: [{ stepId: 'mail', nodeId: 'mail', field: 'subject', message: 'subject is required', code: 'config_invalid' }],
      warnings: [],
    } as ValidationResult;
    useEditor.setState({ validation });
    const { container } = renderCanvas([node('mail', 'action_email', { to: 'ops@example.com', subject: '' })]);
    const card = container.querySelector('.react-flow__node[data-id="mail"] .step-card')!;
    expect(card.querySelector('.step-card-name')?.textContent).toBe('mail');
    expect(card.querySelector('.step-card-summary')?.textContent).toBe('ops@example.com');
    expect(card.classList.contains('has-errors')).toBe(true);
    expect(card.querySelector('[role="note"]')?.getAttribute('aria-label')).toBe('1 issue: subject is required');
  });
});
