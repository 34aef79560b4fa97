import { useEditor } from '../store';

/** The editor's header: name, save state, validate, publish, versions, test. (Stub.) */
export function EditorToolbar() {
  const name = useEditor((s) => s.name);
  const saveState = useEditor((s) => s.saveState);
  return (
    <header className="editor-toolbar">
      <h1>{name}</h1>
      <span className="muted">{saveState}</span>
    </header>
  );
}
