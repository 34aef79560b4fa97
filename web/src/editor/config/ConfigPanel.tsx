import { useEffect, useMemo, useRef, useState } from 'react';
import { Trash2, X } from 'lucide-react';
import { useShallow } from 'zustand/react/shallow';
import { useEditor } from '../store';
import { useNodeTypes, type NodeType } from '../../catalog/nodeTypes';
import { NodeIcon } from '../../catalog/icons';
import type { StepNode, ValidationIssue } from '../model';
import { SchemaForm } from './SchemaForm';
import { FieldMessagesContext, type FieldMessages } from './FieldShell';
import { SuggestionsContext } from './TemplateInput';
import { templateSuggestions } from './templateSuggestions';
import type { JsonSchema } from './schema';
import './config.css';

/** The id of the one selected step, or null (none, or several). A string, so the panel re-renders only when it changes. */
const selectedId = (s: { nodes: StepNode[] }) => {
  let id: string | null = null;
  for (const n of s.nodes) {
    if (!n.selected) continue;
    if (id !== null) return null;
    id = n.id;
  }
  return id;
};

/**
 * The right-hand panel: the selected step's type, its name, and its config form rendered from the node type's
 * JSON Schema. Hidden while no single step is selected, so the canvas has the room.
 */
export function ConfigPanel() {
  const id = useEditor(selectedId);
  // The step's data, not the node: dragging it moves the node but leaves its data (and this form) alone.
  const data = useEditor((s) => (id ? s.nodes.find((n) => n.id === id)?.data : undefined));
  const catalog = useNodeTypes().data;
  if (!id || !data) return null;
  const type = catalog?.find(data.type);
  return (
    <aside className="editor-config cfg-panel" aria-label="Step settings">
      <StepSettings key={id} node={{ id, data }} type={type} />
    </aside>
  );
}

function StepSettings({ node, type }: { node: Pick<StepNode, 'id' | 'data'>; type: NodeType | undefined }) {
  const { checkpoint, updateConfig, select, deleteSelection } = useEditor.getState();
  // Ids and data only (shallowly compared), so moving steps around the canvas does not recompute the scope.
  const ids = useEditor(useShallow((s) => s.nodes.map((n) => n.id)));
  const datas = useEditor(useShallow((s) => s.nodes.map((n) => n.data)));
  const edges = useEditor((s) => s.edges);
  const validation = useEditor((s) => s.validation);
  const catalog = useNodeTypes().data;

  const suggestions = useMemo(
    () => (catalog ? templateSuggestions({ nodes: ids.map((id, i) => ({ id, data: datas[i] })), edges }, catalog, node.id) : []),
    [catalog, ids, datas, edges, node.id],
  );
  // Messages for the step as a whole, or for a field the form does not show, go above the form.
  const shown = useMemo(() => new Set(Object.keys((type?.configSchema as JsonSchema | undefined)?.properties ?? {})), [type]);
  const messages = useMemo(() => messagesFor(validation, node.id, shown), [validation, node.id, shown]);

  // One undo step per burst of edits to a field: the first change after the focus arrives takes the checkpoint.
  const burst = useRef(false);
  const onChange = (config: Record<string, unknown>) => {
    if (!burst.current) {
      checkpoint();
      burst.current = true;
    }
    updateConfig(node.id, config);
  };

  const general = [...messages.errors].filter(([path]) => !isShown(shown, path)).flatMap(([, list]) => list);
  return (
    <div
      className="cfg-scroll"
      onFocus={() => {
        burst.current = false;
      }}
    >
      <header className="cfg-header">
        <span className={`cfg-icon cat-${type?.category ?? 'logic'}`}>
          <NodeIcon type={node.data.type} size={18} />
        </span>
        <div className="cfg-heading">
          <h2>{type?.displayName ?? node.data.type}</h2>
          {type?.description && <p>{type.description}</p>}
        </div>
        <button type="button" className="btn btn-ghost btn-sm btn-icon" aria-label="Close step settings" onClick={() => select([])}>
          <X size={16} aria-hidden />
        </button>
      </header>

      <div className="cfg-body">
        <StepName id={node.id} trigger={catalog?.isTrigger(node.data.type) ?? false} />
        {general.length > 0 && (
          <div className="cfg-general" role="alert">
            {general.map((m, i) => (
              <p key={i}>{m}</p>
            ))}
          </div>
        )}
        {type ? (
          <SuggestionsContext.Provider value={suggestions}>
            <FieldMessagesContext.Provider value={messages}>
              <SchemaForm schema={type.configSchema as JsonSchema} value={node.data.config} onChange={onChange} idPrefix={`cfg-${node.id}`} />
            </FieldMessagesContext.Provider>
          </SuggestionsContext.Provider>
        ) : (
          <p className="cfg-empty">{catalog ? `The server does not know the node type '${node.data.type}'.` : 'Loading the node types…'}</p>
        )}
      </div>

      <footer className="cfg-footer">
        <button
          type="button"
          className="btn btn-danger btn-sm"
          onClick={() => {
            select([node.id]);
            deleteSelection();
          }}
        >
          <Trash2 size={14} aria-hidden /> Delete step
        </button>
      </footer>
    </div>
  );
}

/** The step's name (its id): applied on Enter or leaving the field, Escape puts the old one back. */
function StepName({ id, trigger }: { id: string; trigger: boolean }) {
  const renameNode = useEditor((s) => s.renameNode);
  const [name, setName] = useState(id);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setName(id), [id]);
  const apply = () => {
    const next = name.trim();
    if (next === id) return setError(null);
    setError(renameNode(id, next));
  };
  return (
    <div className="cfg-field">
      <label className="field-label" htmlFor="cfg-step-name">
        Step name
      </label>
      <input
        id="cfg-step-name"
        className="input cfg-mono"
        value={name}
        spellCheck={false}
        aria-invalid={!!error || undefined}
        aria-describedby={error ? 'cfg-step-name-error cfg-step-name-help' : 'cfg-step-name-help'}
        onChange={(e) => {
          setName(e.target.value);
          setError(null);
        }}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
          if (e.key === 'Escape') {
            setName(id);
            setError(null);
          }
        }}
      />
      {error && (
        <div className="field-error" id="cfg-step-name-error" role="alert">
          {error}
        </div>
      )}
      <div className="field-help" id="cfg-step-name-help">
        {trigger ? (
          <>
            Later steps read this trigger's data as <code>{'{{trigger.…}}'}</code>, whatever its name.
          </>
        ) : (
          <>
            Later steps read this step's output as <code>{`{{steps.${id}.…}}`}</code>; renaming updates those references.
          </>
        )}
      </div>
    </div>
  );
}

/** The server's validation messages for one step, by field path; those for the step as a whole under "". */
function messagesFor(validation: { errors: ValidationIssue[]; warnings: ValidationIssue[] } | null, id: string, shown: Set<string>): FieldMessages {
  const group = (issues: ValidationIssue[]) => {
    const map = new Map<string, string[]>();
    for (const issue of issues) {
      if ((issue.nodeId ?? issue.stepId) !== id) continue;
      const key = issue.field ?? '';
      // "retry.maxAttempts must be at least 1" reads "Must be at least 1" under the field it names.
      const message = key && isShown(shown, key) && issue.message.startsWith(`${key} `) ? issue.message.slice(key.length + 1) : issue.message;
      map.set(key, [...(map.get(key) ?? []), message.charAt(0).toUpperCase() + message.slice(1)]);
    }
    return map;
  };
  return { errors: group(validation?.errors ?? []), warnings: group(validation?.warnings ?? []) };
}

const isShown = (properties: Set<string>, path: string) => path !== '' && properties.has(path.split(/[.[]/)[0]);
