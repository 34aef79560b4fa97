import { useEffect, type RefObject } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useEditor } from '../store';
import type { StepEdge, StepNode } from '../model';
import { defaultNodeSize, freeSpot } from './layout';
import { copySelection, fromClipboardText, shifted, toClipboardText, type CopiedSteps } from './clipboard';

/** Flow units an arrow key moves the selection; with Shift, the big step. */
const nudgeStep = 10;
const nudgeBigStep = 50;
/** Each paste of one copy lands this much further, so repeated pastes do not pile up. */
const pasteOffset = 40;

/** The last copy in this tab: the fallback when the system clipboard cannot be read. */
let copied: CopiedSteps | null = null;

/** Typing in a field keeps its own keys: delete, arrows, copy and paste, undo. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || !!target.closest('input, textarea, select, [contenteditable="true"], [role="dialog"]');
}

/** Text the person has selected on the page is theirs to copy, not the selected steps. */
function hasTextSelection(): boolean {
  const selection = window.getSelection();
  return !!selection && !selection.isCollapsed && selection.toString().trim() !== '';
}

/**
 * The canvas's keyboard: Delete/Backspace, Ctrl/Cmd+Z / Shift+Z / Y, Ctrl/Cmd+C / V (also through the system
 * clipboard, as JSON, when the browser allows), Ctrl/Cmd+A, Escape (select nothing) and the arrow keys (Shift:
 * bigger steps). Delete, undo and the clipboard work wherever the focus is except in a field or dialog; arrows,
 * select-all and Escape only with the focus on the canvas, where they would otherwise scroll or close something.
 */
export function useCanvasKeys(wrapper: RefObject<HTMLElement | null>): void {
  const rf = useReactFlow<StepNode, StepEdge>();

  useEffect(() => {
    let pasteFallback: ReturnType<typeof setTimeout> | undefined;
    const onCanvas = (target: EventTarget | null) =>
      target === document.body || (target instanceof Node && !!wrapper.current?.contains(target));

    const copy = (): CopiedSteps | null => {
      const s = useEditor.getState();
      const selection = copySelection(s.nodes, s.edges);
      if (selection) copied = selection;
      return selection;
    };

    const paste = (from: CopiedSteps | null) => {
      if (!from) return;
      const placed = clear(intoView(from));
      useEditor.getState().paste(placed.nodes, placed.edges);
      copied = shifted(placed, pasteOffset, pasteOffset);
    };

    /** Moved, if need be, so the pasted steps (which land `pasteOffset` further on) cover none already there. */
    const clear = (from: CopiedSteps): CopiedSteps => {
      const xs = from.nodes.map((n) => n.position.x);
      const ys = from.nodes.map((n) => n.position.y);
      const box = { x: Math.min(...xs) + pasteOffset, y: Math.min(...ys) + pasteOffset };
      const size = { width: Math.max(...xs) - Math.min(...xs) + defaultNodeSize.width, height: Math.max(...ys) - Math.min(...ys) + defaultNodeSize.height };
      const spot = freeSpot(box, useEditor.getState().nodes, size);
      return shifted(from, spot.x - box.x, spot.y - box.y);
    };

    /** A copy from elsewhere (another workflow, far off on this one) is moved to the middle of the view. */
    const intoView = (from: CopiedSteps): CopiedSteps => {
      const el = wrapper.current;
      if (!el) return from;
      const box = el.getBoundingClientRect();
      const topLeft = rf.screenToFlowPosition({ x: box.left, y: box.top });
      const bottomRight = rf.screenToFlowPosition({ x: box.right, y: box.bottom });
      const minX = Math.min(...from.nodes.map((n) => n.position.x));
      const minY = Math.min(...from.nodes.map((n) => n.position.y));
      const visible = minX >= topLeft.x && minX <= bottomRight.x - 100 && minY >= topLeft.y && minY <= bottomRight.y - 60;
      if (visible) return from;
      const centre = { x: (topLeft.x + bottomRight.x) / 2 - 110, y: (topLeft.y + bottomRight.y) / 2 - 40 };
      return shifted(from, Math.round(centre.x - minX - pasteOffset), Math.round(centre.y - minY - pasteOffset));
    };

    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTyping(event.target)) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const s = useEditor.getState();

      if (mod && key === 'z') {
        event.preventDefault();
        if (event.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === 'y') {
        event.preventDefault();
        s.redo();
      } else if (mod && key === 'c') {
        if (hasTextSelection()) return;
        const selection = copy();
        // The system clipboard too, so steps paste into another tab; the copy event below covers browsers that
        // refuse this call.
        if (selection) navigator.clipboard?.writeText(toClipboardText(selection)).catch(() => {});
      } else if (mod && key === 'v') {
        // The paste event brings the system clipboard's text; if none arrives (no permission), this tab's copy.
        clearTimeout(pasteFallback);
        pasteFallback = setTimeout(() => paste(copied), 60);
      } else if (mod && key === 'a' && onCanvas(event.target)) {
        event.preventDefault();
        s.select(s.nodes.map((n) => n.id));
      } else if (event.key === 'Escape' && onCanvas(event.target) && (s.nodes.some((n) => n.selected) || s.edges.some((e) => e.selected))) {
        s.select([]);
      } else if ((event.key === 'Delete' || event.key === 'Backspace') && !mod) {
        if (!s.nodes.some((n) => n.selected) && !s.edges.some((e) => e.selected)) return;
        event.preventDefault();
        s.deleteSelection();
      }
    };

    const onCopy = (event: ClipboardEvent) => {
      if (isTyping(event.target) || hasTextSelection()) return;
      const s = useEditor.getState();
      const selection = copySelection(s.nodes, s.edges);
      if (!selection || !event.clipboardData) return;
      copied = selection;
      event.clipboardData.setData('text/plain', toClipboardText(selection));
      event.preventDefault();
    };

    const onPaste = (event: ClipboardEvent) => {
      if (isTyping(event.target)) return;
      clearTimeout(pasteFallback);
      const text = event.clipboardData?.getData('text/plain') ?? '';
      const fromSystem = text ? fromClipboardText(text) : null;
      if (!fromSystem && !copied) return;
      event.preventDefault();
      paste(fromSystem ?? copied);
    };

    document.addEventListener('keydown', onKeyDown);
    document.addEventListener('copy', onCopy);
    document.addEventListener('paste', onPaste);
    return () => {
      clearTimeout(pasteFallback);
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('paste', onPaste);
    };
  }, [rf, wrapper]);

  // Arrows, caught on the way down so React Flow's own node-moving keys (which skip the undo history) never see them.
  useEffect(() => {
    const el = wrapper.current;
    if (!el) return;
    const onKeyDown = (event: KeyboardEvent) => {
      const delta = arrows[event.key];
      if (!delta || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const s = useEditor.getState();
      if (!s.nodes.some((n) => n.selected)) return;
      event.preventDefault();
      event.stopPropagation();
      const step = event.shiftKey ? nudgeBigStep : nudgeStep;
      s.nudgeSelection(delta[0] * step, delta[1] * step);
    };
    el.addEventListener('keydown', onKeyDown, { capture: true });
    return () => el.removeEventListener('keydown', onKeyDown, { capture: true });
  }, [wrapper]);
}

const arrows: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
