import { useRef, useState } from 'react';

/**
 * Drop a file anywhere on an element: `dragging` while files are over it (for an overlay), `onFile` with the
 * first file dropped. Drags that carry no files (text, a canvas node) pass through untouched. Enter and leave
 * fire for every child crossed, so a depth count tells when the drag really left.
 */
export function useFileDrop(onFile: (file: File) => void) {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e: React.DragEvent) => [...e.dataTransfer.types].includes('Files');

  const handlers = {
    onDragEnter(e: React.DragEvent) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current += 1;
      setDragging(true);
    },
    onDragOver(e: React.DragEvent) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave(e: React.DragEvent) {
      if (!hasFiles(e)) return;
      depth.current -= 1;
      if (depth.current <= 0) setDragging(false);
    },
    onDrop(e: React.DragEvent) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setDragging(false);
      const file = e.dataTransfer.files[0];
      if (file) onFile(file);
    },
  };
  return { dragging, handlers };
}
