import { useCallback, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { useEditor } from '../store';
import { IssuesPanel } from './IssuesPanel';
import { TestPanel } from '../test/TestPanel';
import './lifecycle.css';

const minHeight = 160;
const defaultShare = 0.4;

/** The drawer under the canvas: validation issues or the test panel; its top edge drags (or arrow keys) to resize. */
export function BottomPanel() {
  const panel = useEditor((s) => s.panel);
  const [height, setHeight] = useState<number | null>(null);
  const ref = useRef<HTMLElement>(null);

  const maxHeight = useCallback(() => {
    const parent = ref.current?.parentElement;
    return parent ? parent.clientHeight - 120 : 600;
  }, []);
  const clamp = useCallback((h: number) => Math.round(Math.max(minHeight, Math.min(maxHeight(), h))), [maxHeight]);

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    const section = ref.current;
    if (!section) return;
    e.preventDefault();
    const startY = e.clientY;
    const startHeight = section.getBoundingClientRect().height;
    const handle = e.currentTarget;
    handle.setPointerCapture(e.pointerId);
    const move = (ev: globalThis.PointerEvent) => setHeight(clamp(startHeight + startY - ev.clientY));
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const current = ref.current?.getBoundingClientRect().height ?? 300;
    const step = e.shiftKey ? 80 : 24;
    if (e.key === 'ArrowUp') setHeight(clamp(current + step));
    else if (e.key === 'ArrowDown') setHeight(clamp(current - step));
    else return;
    e.preventDefault();
  };

  if (panel === 'none') return null;
  return (
    <section
      ref={ref}
      className="editor-bottom"
      aria-label={panel === 'issues' ? 'Validation issues' : 'Test run'}
      style={{ height: height ?? `${defaultShare * 100}%` }}
    >
      <div
        className="drawer-resize"
        role="separator"
        aria-orientation="horizontal"
        aria-label="Resize the panel"
        tabIndex={0}
        onPointerDown={onPointerDown}
        onKeyDown={onKeyDown}
      />
      {panel === 'issues' ? <IssuesPanel /> : <TestPanel />}
    </section>
  );
}
