import { describe, expect, it } from 'vitest';
import triage from '../../../src/FlowForge.Server/Samples/triage-workflow.json';
import type { WorkflowDoc } from '../editor/model';
import { exportFileName, ImportFileError, parseWorkflowFile, serialiseWorkflow, toExportDefinition } from './transfer';

/** A workflow as GET /api/workflows/{id} answers, with every read-only field the server adds. */
function getResponse(): WorkflowDoc {
  return {
    id: 'wf_123',
    name: 'Refunds',
    description: 'Routes refund requests',
    status: 'published',
    version: 3,
    publishedVersion: 2,
    revision: 7,
    hasUnpublishedChanges: true,
    nodes: [
      { id: 'hook', type: 'trigger_webhook', config: { path: 'refunds' }, position: { x: 0, y: 40 } },
      { id: 'mail', type: 'action_email', config: { to: 'a@example.com', body: 'Hi {{trigger.name}}' }, position: { x: 240.5, y: 40 } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'mail', sourceHandle: null }],
    canvas: { zoom: 0.8, x: 10, y: -20 },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-02T00:00:00Z',
    triggers: [{ stepId: 'hook', type: 'webhook', url: 'https://example.com/hooks/wf_123/hook' } as never],
  };
}

describe('export', () => {
  it('writes the definition only: no id, revision, status or triggers', () => {
    const exported = JSON.parse(serialiseWorkflow(toExportDefinition(getResponse())));
    expect(Object.keys(exported)).toEqual(['name', 'description', 'nodes', 'edges', 'canvas']);
    expect(exported.nodes[1]).toEqual({ id: 'mail', type: 'action_email', config: { to: 'a@example.com', body: 'Hi {{trigger.name}}' }, position: { x: 240.5, y: 40 } });
    expect(exported.edges).toEqual([{ id: 'e1', source: 'hook', target: 'mail', sourceHandle: null }]);
    expect(exported.canvas).toEqual({ zoom: 0.8, x: 10, y: -20 });
  });

  it('is indented JSON ending in a newline', () => {
    const text = serialiseWorkflow(toExportDefinition(getResponse()));
    expect(text.startsWith('{\n  "name": "Refunds"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('names the file after the workflow, without characters file systems refuse', () => {
    expect(exportFileName('Customer message triage')).toBe('Customer message triage.flowforge.json');
    expect(exportFileName('Refunds: EU/UK <v2>?')).toBe('Refunds- EU-UK -v2.flowforge.json');
    expect(exportFileName('  ..  ')).toBe('workflow.flowforge.json');
  });
});

describe('import', () => {
  it('re-imports an exported file as the same definition', () => {
    const exported = toExportDefinition(getResponse());
    expect(parseWorkflowFile(serialiseWorkflow(exported), 'Refunds.flowforge.json')).toEqual(exported);
  });

  it('round-trips the server’s own triage sample unchanged', () => {
    const body = parseWorkflowFile(JSON.stringify(triage));
    const again = parseWorkflowFile(serialiseWorkflow(toExportDefinition({ ...(body as WorkflowDoc), canvas: body.canvas ?? null })));
    expect(again.nodes).toEqual(triage.nodes);
    expect(again.edges).toEqual(triage.edges.map((e) => ({ sourceHandle: null, ...e })));
  });

  it('accepts a full GET response, dropping the fields the server assigns', () => {
    const body = parseWorkflowFile(JSON.stringify(getResponse()));
    expect(Object.keys(body).sort()).toEqual(['canvas', 'description', 'edges', 'name', 'nodes']);
    expect(body.name).toBe('Refunds');
  });

  it('keeps fields it does not know, so the server refuses them by name instead of losing them silently', () => {
    const body = parseWorkflowFile('{"name":"x","nodes":[],"edgse":[]}') as Record<string, unknown>;
    expect(body.edgse).toEqual([]);
  });

  it('names a nameless workflow after its file, and adds the edges list when missing', () => {
    const body = parseWorkflowFile('{"nodes":[]}', 'C:\\Users\\ada\\Night shift.flowforge.json');
    expect(body.name).toBe('Night shift');
    expect(body.edges).toEqual([]);
    expect(parseWorkflowFile('{"name":"  ","nodes":[]}', '').name).toBe('Imported workflow');
  });

  it('reads a file saved with a byte order mark', () => {
    expect(parseWorkflowFile('\uFEFF{"name":"bom","nodes":[]}').name).toBe('bom');
  });

  it.each([
    ['not JSON', 'name: x', /not valid JSON/],
    ['a list', '[1,2]', /holds a JSON list, not an object/],
    ['a value', '"text"', /holds a JSON value, not an object/],
    ['no nodes', '{"name":"package","version":"1.0.0"}', /has no "nodes" list/],
  ])('refuses %s with a reason a person understands', (_, text, reason) => {
    expect(() => parseWorkflowFile(text)).toThrow(ImportFileError);
    expect(() => parseWorkflowFile(text)).toThrow(reason);
  });
});
