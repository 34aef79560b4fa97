import { memo, useMemo, useState, type DragEvent } from 'react';
import clsx from 'clsx';
import { useReactFlow, useStoreApi } from '@xyflow/react';
import { PanelLeftClose, PanelLeftOpen, Search, X } from 'lucide-react';
import { categories, useNodeTypes, type NodeType } from '../../catalog/nodeTypes';
import { NodeIcon } from '../../catalog/icons';
import { describeError } from '../../api/problem';
import { Spinner } from '../../ui/Spinner';
import { useEditor } from '../store';
import { nodeDragType } from './Canvas';
import { defaultNodeSize, freeSpot } from './layout';
import './canvas.css';

const collapsedKey = 'flowforge.library.collapsed';

/** Whether the person hid the library last time (remembered on this browser). */
function readCollapsed(): boolean {
  try {
    return localStorage.getItem(collapsedKey) === '1';
  } catch {
    return false;
  }
}

/** The left-hand node library: the catalog grouped by category, searchable, dragged onto the canvas or added with Enter. */
export function NodeLibrary() {
  const catalog = useNodeTypes();
  const [query, setQuery] = useState('');
  const [collapsed, setCollapsed] = useState(() => readCollapsed());
  const add = useAddAtCentre();

  const toggle = () => {
    setCollapsed(!collapsed);
    try {
      localStorage.setItem(collapsedKey, collapsed ? '0' : '1');
    } catch {
      // Storage may be off (private mode); the choice then lasts until the page closes.
    }
  };

  const groups = useMemo(() => {
    const all = catalog.data?.all ?? [];
    const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (t: NodeType) => {
      const text = `${t.displayName} ${t.description} ${t.type}`.toLowerCase();
      return words.every((w) => text.includes(w));
    };
    return categories
      .map((c) => ({ ...c, types: all.filter((t) => t.category === c.id && matches(t)) }))
      .filter((g) => g.types.length > 0);
  }, [catalog.data, query]);

  if (collapsed) {
    return (
      <aside className="library is-collapsed" aria-label="Node library">
        <button type="button" className="btn btn-ghost btn-sm btn-icon" onClick={toggle} aria-label="Show the node library" aria-expanded={false} title="Show the node library">
          <PanelLeftOpen size={16} aria-hidden />
        </button>
      </aside>
    );
  }

  return (
    <aside className="library" aria-label="Node library">
      <div className="library-head">
        <h2>Nodes</h2>
        <button type="button" className="btn btn-ghost btn-sm btn-icon" onClick={toggle} aria-label="Hide the node library" aria-expanded title="Hide the node library">
          <PanelLeftClose size={16} aria-hidden />
        </button>
      </div>
      <div className="library-search">
        <Search size={14} className="library-search-icon" aria-hidden />
        <input
          className="input"
          type="search"
          placeholder="Search nodes"
          aria-label="Search nodes"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.stopPropagation();
              setQuery('');
            }
          }}
        />
        {query && (
          <button type="button" className="library-search-clear" onClick={() => setQuery('')} aria-label="Clear the search">
            <X size={13} aria-hidden />
          </button>
        )}
      </div>
      <div className="library-list">
        {catalog.isPending && <Spinner block label="Loading the node types" />}
        {catalog.isError && <p className="library-note">The node types could not be loaded: {describeError(catalog.error)}</p>}
        {catalog.isSuccess && groups.length === 0 && <p className="library-note">No node matches “{query.trim()}”.</p>}
        {groups.map((g) => (
          <section key={g.id} className="library-group" aria-labelledby={`library-${g.id}`}>
            <h3 id={`library-${g.id}`} className="library-group-title">
              {g.label}
            </h3>
            <ul>
              {g.types.map((t) => (
                <li key={t.type}>
                  <LibraryEntry type={t} onAdd={add} />
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      <p className="library-foot">Drag onto the canvas, or press Enter to add in the middle.</p>
    </aside>
  );
}

const LibraryEntry = memo(function LibraryEntry({ type, onAdd }: { type: NodeType; onAdd: (type: string) => void }) {
  const onDragStart = (event: DragEvent) => {
    event.dataTransfer.setData(nodeDragType, type.type);
    event.dataTransfer.setData('text/plain', type.displayName);
    event.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <button
      type="button"
      className={clsx('library-entry', `cat-${type.category}`)}
      data-node-type={type.type}
      draggable
      onDragStart={onDragStart}
      onClick={() => onAdd(type.type)}
      aria-label={type.displayName}
      title={type.description}
    >
      <span className="library-entry-icon">
        <NodeIcon type={type.type} size={15} />
      </span>
      <span className="library-entry-text">
        <span className="library-entry-name">{type.displayName}</span>
        <span className="library-entry-desc">{type.description}</span>
      </span>
    </button>
  );
});

/** Adds a step of a type in the middle of what the canvas shows, or the nearest free place around it. */
function useAddAtCentre(): (type: string) => void {
  const rf = useReactFlow();
  const store = useStoreApi();
  return (type) => {
    const { domNode } = store.getState();
    const box = domNode?.getBoundingClientRect();
    const centre = box ? rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
    const start = { x: Math.round(centre.x - defaultNodeSize.width / 2), y: Math.round(centre.y - defaultNodeSize.height / 2) };
    useEditor.getState().addNode(type, freeSpot(start, useEditor.getState().nodes));
  };
}

