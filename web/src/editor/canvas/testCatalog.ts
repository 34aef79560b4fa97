import { NodeCatalog, type NodeType } from '../../catalog/nodeTypes';

/** A few node types as `GET /api/node-types` describes them: enough for the canvas's tests. */
function type(t: string, category: string, outputPorts: string[], extra: Partial<NodeType> = {}): NodeType {
  return {
    type: t, category, displayName: t, description: '', configSchema: {}, outputPorts, portsFromConfig: false,
    portAliases: {}, outputFields: [], requiresOutgoingEdge: category !== 'trigger', hasSideEffects: category === 'action', ...extra,
  };
}

export const testCatalog = new NodeCatalog([
  type('trigger_whatsapp', 'trigger', ['out']),
  type('trigger_manual', 'trigger', ['out']),
  type('utility_sentiment', 'utility', ['out', 'error']),
  type('action_email', 'action', ['out', 'error']),
  type('logic_condition', 'logic', ['true', 'false', 'error'], { portAliases: { yes: 'true', no: 'false' } }),
  type('logic_loop', 'logic', ['item', 'done', 'error']),
  type('logic_ab_split', 'logic', ['out', 'error'], { portsFromConfig: true }),
  type('logic_approval', 'logic', ['approved', 'rejected', 'timeout', 'error']),
]);
