import { useEditor } from '../store';

/** The right-hand panel: the selected step's name and its config, rendered from the node type's JSON Schema. (Stub.) */
export function ConfigPanel() {
  const selected = useEditor((s) => s.nodes.filter((n) => n.selected));
  if (selected.length !== 1) return null;
  return (
    <aside className="editor-config" aria-label="Step settings">
      <h2>{selected[0].id}</h2>
    </aside>
  );
}
