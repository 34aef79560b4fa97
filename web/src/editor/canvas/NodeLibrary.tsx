/** The left-hand node library: the catalog grouped by category, searchable, dragged onto the canvas. (Stub.) */
export function NodeLibrary() {
  return <aside className="editor-library" aria-label="Node library" />;
}
