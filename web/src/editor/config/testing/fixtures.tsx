import { useState } from 'react';
import { NodeCatalog, type NodeType } from '../../../catalog/nodeTypes';
import type { WorkflowDefinition } from '../../model';
import { SchemaForm } from '../SchemaForm';
import { FieldMessagesContext } from '../FieldShell';
import { SuggestionsContext } from '../TemplateInput';
import type { Suggestion } from '../templateSuggestions';
import type { JsonSchema } from '../schema';

/** The server's real node catalog (`GET /api/node-types`, saved) and its triage sample, so tests use the real schemas. */
const files = import.meta.glob<unknown>('./*.json', { eager: true, import: 'default' });
const read = (name: string) => files[`./${name}`];

export const nodeTypes = (read('nodeTypes.json') as { nodeTypes: NodeType[] }).nodeTypes;
export const catalog = new NodeCatalog(nodeTypes);
export const triage = read('triage.json') as WorkflowDefinition;

export const schemaOf = (type: string) => catalog.find(type)!.configSchema as JsonSchema;

/** A schema form holding its own config, as the panel does through the store; `onConfig` sees each edit. */
export function FormHarness(props: {
  type?: string;
  schema?: JsonSchema;
  initial?: Record<string, unknown>;
  onConfig?: (config: Record<string, unknown>) => void;
  suggestions?: Suggestion[];
  errors?: Record<string, string[]>;
}) {
  const [config, setConfig] = useState<Record<string, unknown>>(props.initial ?? {});
  return (
    <SuggestionsContext.Provider value={props.suggestions ?? []}>
      <FieldMessagesContext.Provider value={{ errors: new Map(Object.entries(props.errors ?? {})), warnings: new Map() }}>
        <SchemaForm
          schema={props.schema ?? schemaOf(props.type!)}
          value={config}
          idPrefix="t"
          onChange={(c) => {
            setConfig(c);
            props.onConfig?.(c);
          }}
        />
      </FieldMessagesContext.Provider>
    </SuggestionsContext.Provider>
  );
}
