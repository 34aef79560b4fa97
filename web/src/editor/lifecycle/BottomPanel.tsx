import { useEditor } from '../store';

/** The drawer under the canvas: validation issues or the test panel. (Stub.) */
export function BottomPanel() {
  const panel = useEditor((s) => s.panel);
  if (panel === 'none') return null;
  return <section className="editor-bottom" aria-label={panel === 'issues' ? 'Validation issues' : 'Test run'} />;
}
