import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../api/client';

export type NodeType = Schemas['NodeTypeResponse'];
export type Category = 'trigger' | 'agent' | 'utility' | 'action' | 'logic';

/** The library's groups, in the order a workflow reads: what starts it, what thinks, what acts, what steers. */
export const categories: { id: Category; label: string }[] = [
  { id: 'trigger', label: 'Triggers' },
  { id: 'agent', label: 'AI agents' },
  { id: 'utility', label: 'AI utilities' },
  { id: 'action', label: 'Actions' },
  { id: 'logic', label: 'Logic' },
];

/** The node catalog from `GET /api/node-types`; it changes only with a server upgrade, so it is fetched once. */
export function useNodeTypes() {
  return useQuery({
    queryKey: ['node-types'],
    queryFn: () => unwrap(api.GET('/api/node-types')),
    staleTime: Infinity,
    select: (d) => new NodeCatalog(d.nodeTypes),
  });
}

/** The catalog with the lookups the editor needs. */
export class NodeCatalog {
  readonly all: NodeType[];
  private readonly byType: Map<string, NodeType>;

  constructor(types: NodeType[]) {
    this.all = types;
    this.byType = new Map(types.map((t) => [t.type, t]));
  }

  find(type: string): NodeType | undefined {
    return this.byType.get(type);
  }

  isTrigger(type: string): boolean {
    return this.find(type)?.category === 'trigger';
  }

  /**
   * The ports edges can leave a node from, as the server resolves them: the type's fixed ports, or for an A/B split
   * one port per variant named in its config (plus `error`, which every non-trigger has).
   */
  portsFor(type: string, config: Record<string, unknown> | undefined): string[] {
    const t = this.find(type);
    if (!t) return ['out'];
    if (!t.portsFromConfig) return t.outputPorts;
    const variants = Array.isArray(config?.variants) ? (config.variants as { name?: unknown }[]) : [];
    const names = variants.map((v) => v?.name).filter((n): n is string => typeof n === 'string' && /^[a-z0-9_-]+$/.test(n));
    return [...new Set(names), 'error'];
  }

  /** A port name as edges store it: aliases (`yes` → `true`) resolved, a missing handle meaning the default `out`. */
  resolvePort(type: string, handle: string | null | undefined): string {
    if (!handle) return 'out';
    return this.find(type)?.portAliases[handle] ?? handle;
  }
}
