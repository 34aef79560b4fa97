import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import {
  AlertTriangle, ArrowLeft, Check, CircleAlert, CloudOff, Download, FlaskConical, History, LayoutGrid, Loader2, Maximize, Redo2,
  Rocket, ShieldCheck, Undo2, CircleSlash,
} from 'lucide-react';
import { useEditor, type SaveState } from '../store';
import { ConflictDialog } from './ConflictDialog';
import { VersionsDialog } from './VersionsDialog';
import { Dialog } from './Dialog';
import { exportDefinition, publish, unpublish, validate } from './actions';
import { flushSave } from './useAutoSave';
import { statusLabel, useWorkflowStatus } from './workflowStatus';
import './lifecycle.css';

const saveText: Record<SaveState, string> = {
  saved: 'Saved',
  saving: 'Saving…',
  dirty: 'Unsaved changes',
  conflict: 'Conflict',
  error: 'Save failed',
};

const mod = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+';

/** The editor's header: back, name, publication and save state, history and layout, then the lifecycle actions. */
export function EditorToolbar() {
  const client = useQueryClient();
  const workflowId = useEditor((s) => s.workflowId);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const panel = useEditor((s) => s.panel);
  const status = useWorkflowStatus(workflowId);
  const [busy, setBusy] = useState<null | 'validate' | 'publish' | 'unpublish'>(null);
  const [dialog, setDialog] = useState<null | 'versions' | 'unpublish'>(null);

  const run = (kind: 'validate' | 'publish' | 'unpublish', action: () => Promise<void>) => async () => {
    if (busy) return;
    setBusy(kind);
    try {
      await action();
    } finally {
      setBusy(null);
    }
  };

  // Ctrl/Cmd+S saves at once (the autosave would anyway, but people press it, and the browser's own dialog is wrong here).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        void flushSave();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const autoLayout = useEditor((s) => s.autoLayout);
  // Through the store, so the canvas fits and saves the new viewport like any move the person makes.
  const zoomToFit = useEditor((s) => s.requestFit);

  const badge = status.data ? statusLabel(status.data) : null;
  const published = status.data?.status === 'published';
  const saveState = useEditor((s) => s.saveState);
  // Publishing an unchanged draft would only add an identical version.
  const upToDate = published && !status.data?.hasUnpublishedChanges && saveState === 'saved';

  return (
    <header className="editor-toolbar">
      <Link to="/workflows" className="btn btn-ghost btn-sm btn-icon tip" aria-label="Back to workflows" data-tip="Back to workflows">
        <ArrowLeft size={16} />
      </Link>
      <WorkflowName />
      {badge && (
        <span className={`badge ${badge.tone === 'success' ? 'badge-success' : badge.tone === 'warning' ? 'badge-warning' : ''}`}>{badge.label}</span>
      )}
      <SaveStatus />

      <span className="grow" />

      <div className="toolbar-group" role="group" aria-label="History and layout">
        <ToolButton label="Undo" shortcut={`${mod}Z`} onClick={() => useEditor.getState().undo()} disabled={!canUndo}>
          <Undo2 size={16} />
        </ToolButton>
        <ToolButton label="Redo" shortcut={`${mod}Shift+Z`} onClick={() => useEditor.getState().redo()} disabled={!canRedo}>
          <Redo2 size={16} />
        </ToolButton>
        <span className="toolbar-sep" aria-hidden />
        <ToolButton label="Auto-layout" onClick={autoLayout}>
          <LayoutGrid size={16} />
        </ToolButton>
        <ToolButton label="Zoom to fit" onClick={zoomToFit}>
          <Maximize size={16} />
        </ToolButton>
        <span className="toolbar-sep" aria-hidden />
        <ToolButton label="Versions" onClick={() => setDialog('versions')}>
          <History size={16} />
        </ToolButton>
        <ToolButton label="Export" tip="Export as JSON" onClick={() => exportDefinition(useEditor.getState().definition())}>
          <Download size={16} />
        </ToolButton>
      </div>

      <div className="toolbar-group">
        <button type="button" className="btn btn-sm" onClick={run('validate', validate)} disabled={busy !== null}>
          {busy === 'validate' ? <Loader2 size={15} className="spin" aria-hidden /> : <ShieldCheck size={15} aria-hidden />}
          Validate
        </button>
        <button
          type="button"
          className={panel === 'test' ? 'btn btn-sm btn-pressed' : 'btn btn-sm'}
          aria-pressed={panel === 'test'}
          onClick={() => useEditor.getState().setPanel(panel === 'test' ? 'none' : 'test')}
        >
          <FlaskConical size={15} aria-hidden />
          Test
        </button>
        {published && (
          <ToolButton label="Unpublish" tip="Unpublish: stop its triggers" onClick={() => setDialog('unpublish')} disabled={busy !== null}>
            <CircleSlash size={16} />
          </ToolButton>
        )}
        <button
          type="button"
          className="btn btn-sm btn-primary tip"
          // The tooltip is CSS generated content, which browsers add to a button's name: the label keeps it "Publish".
          aria-label="Publish"
          data-tip={upToDate ? `Version ${status.data?.publishedVersion} is live and the draft has no changes` : 'Validate and publish the draft'}
          onClick={run('publish', () => publish(client))}
          disabled={busy !== null || upToDate}
        >
          {busy === 'publish' ? <Loader2 size={15} className="spin" aria-hidden /> : <Rocket size={15} aria-hidden />}
          Publish
        </button>
      </div>

      <ConflictDialog />
      {dialog === 'versions' && workflowId && <VersionsDialog workflowId={workflowId} onClose={() => setDialog(null)} />}
      {dialog === 'unpublish' && (
        <Dialog
          title="Unpublish this workflow?"
          icon={<CircleSlash size={18} />}
          onClose={() => setDialog(null)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  setDialog(null);
                  void run('unpublish', () => unpublish(client))();
                }}
              >
                Unpublish
              </button>
            </>
          }
        >
          <p>Its triggers stop and no new runs start. Runs already under way finish. The draft and the published versions are kept; publish again to go live.</p>
        </Dialog>
      )}
    </header>
  );
}

/** The name, edited in place: committed on Enter or blur (an empty name is not taken), Escape puts the old one back. */
function WorkflowName() {
  const name = useEditor((s) => s.name);
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  const commit = () => {
    const next = draft.trim();
    if (next && next !== name) useEditor.getState().setName(next);
    else setDraft(name);
  };
  return (
    <input
      className="toolbar-name"
      aria-label="Workflow name"
      value={draft}
      maxLength={200}
      size={Math.max(8, Math.min(draft.length + 1, 32))}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') e.currentTarget.blur();
        if (e.key === 'Escape') {
          setDraft(name);
          requestAnimationFrame(() => e.currentTarget?.blur());
        }
      }}
    />
  );
}

function SaveStatus() {
  const saveState = useEditor((s) => s.saveState);
  const saveError = useEditor((s) => s.saveError);
  const icon = {
    saved: <Check size={14} aria-hidden />,
    saving: <Loader2 size={14} className="spin" aria-hidden />,
    dirty: <span className="save-dot" aria-hidden />,
    conflict: <AlertTriangle size={14} aria-hidden />,
    error: saveError?.includes('reached') ? <CloudOff size={14} aria-hidden /> : <CircleAlert size={14} aria-hidden />,
  }[saveState];
  return (
    <span className={`save-status save-${saveState}`} title={saveState === 'error' && saveError ? `${saveError} Retrying…` : undefined}>
      {icon}
      <span role="status" aria-label="Save status">
        {saveText[saveState]}
      </span>
    </span>
  );
}

function ToolButton({ label, tip, shortcut, onClick, disabled, children }: {
  label: string;
  tip?: string;
  shortcut?: string;
  onClick: () => void;
  disabled?: boolean;
  children: React.ReactNode;
}) {
  return (
    <button
      type="button"
      className="btn btn-ghost btn-sm btn-icon tip"
      aria-label={label}
      aria-keyshortcuts={shortcut?.replace('⌘', 'Meta+').replace('Ctrl+', 'Control+')}
      data-tip={shortcut ? `${tip ?? label} (${shortcut})` : (tip ?? label)}
      onClick={onClick}
      disabled={disabled}
    >
      {children}
    </button>
  );
}
