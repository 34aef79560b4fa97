import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ChevronLeft, ChevronRight, FileUp, Plus, RotateCw, Search, SearchX, Upload, Workflow, X } from 'lucide-react';
import clsx from 'clsx';
import { EmptyState } from '../ui/EmptyState';
import { toast } from '../ui/toast';
import { describeError } from '../api/problem';
import { duplicateWorkflow, getWorkflow, pageSize, useWorkflowList, workflowListKey, type StatusFilter } from './api';
import { downloadWorkflow, exportFileName, toExportDefinition } from './transfer';
import { WorkflowTable, WorkflowTableSkeleton, type RowActions } from './WorkflowTable';
import { NewWorkflowDialog } from './NewWorkflowDialog';
import { DeleteWorkflowDialog } from './DeleteWorkflowDialog';
import { ImportProblemDialog } from './ImportProblemDialog';
import { useWorkflowImport } from './useWorkflowImport';
import { useFileDrop } from './useFileDrop';
import type { WorkflowSummary } from './status';
import './WorkflowsPage.css';

const filters: { value: StatusFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'draft', label: 'Draft' },
  { value: 'published', label: 'Published' },
];

/**
 * The organisation's workflows: search (debounced, on the server), a status filter, pages, and the ways in
 * (New workflow, Import by picker or drop) and out (Duplicate, Export, Delete). The query lives in the URL, so
 * Back from the editor returns to the same search and page.
 */
export function WorkflowsPage() {
  const [params, setParams] = useSearchParams();
  const search = params.get('q') ?? '';
  const status = (filters.find((f) => f.value === params.get('status'))?.value ?? 'all') as StatusFilter;
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const [searchText, setSearchText] = useState(search);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<WorkflowSummary | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const importButton = useRef<HTMLButtonElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  const queryClient = useQueryClient();
  const now = useNow();
  const list = useWorkflowList({ search, status, page });
  const { importFile, importing, problem, clearProblem } = useWorkflowImport();
  const drop = useFileDrop((file) => void importFile(file));

  const update = (changes: Record<string, string | null>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null || value === '' || (key === 'status' && value === 'all') || (key === 'page' && value === '1')) next.delete(key);
          else next.set(key, value);
        }
        return next;
      },
      { replace: true },
    );

  // Debounced: one request when typing pauses, not one per key.
  useEffect(() => {
    if (searchText.trim() === search.trim()) return;
    const timer = setTimeout(() => update({ q: searchText.trim(), page: null }), 250);
    return () => clearTimeout(timer);
  }, [searchText]);

  // Back and Forward change the URL's search: the box follows, unless someone is typing in it.
  useEffect(() => {
    if (document.activeElement !== searchInput.current) setSearchText(search);
  }, [search]);

  // A delete can empty the last page: show the one before instead of an empty table.
  const pages = list.data?.pages ?? 0;
  useEffect(() => {
    if (list.data && !list.isPlaceholderData && page > 1 && page > pages) update({ page: String(Math.max(1, pages)) });
  }, [list.data, list.isPlaceholderData, page, pages]);

  const actions: RowActions = {
    async duplicate(w) {
      try {
        const copy = await duplicateWorkflow(w.id);
        await queryClient.invalidateQueries({ queryKey: workflowListKey });
        toast.success(`Duplicated as “${copy.name}”`);
      } catch (e) {
        toast.error(`Could not duplicate “${w.name}”: ${describeError(e)}`);
      }
    },
    async export(w) {
      try {
        downloadWorkflow(toExportDefinition(await getWorkflow(w.id)));
        toast.info(`Exported ${exportFileName(w.name)}`);
      } catch (e) {
        toast.error(`Could not export “${w.name}”: ${describeError(e)}`);
      }
    },
    delete: setDeleting,
  };

  const filtered = search.trim() !== '' || status !== 'all';
  const total = list.data?.total ?? 0;
  const rows = list.data?.workflows ?? [];
  const first = (page - 1) * pageSize + 1;

  return (
    <div className="page wf-page" {...drop.handlers}>
      <div className="page-header">
        <div>
          <h1>Workflows</h1>
          <p>Design what happens when a message, an email or a schedule arrives.</p>
        </div>
        <div className="grow" />
        <button ref={importButton} type="button" className="btn" onClick={() => fileInput.current?.click()} disabled={importing}>
          <Upload size={16} aria-hidden />
          {importing ? 'Importing…' : 'Import'}
        </button>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          <Plus size={16} aria-hidden />
          New workflow
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          hidden
          aria-label="Workflow file to import"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = ''; // the same file can be picked again after fixing it
            if (file) void importFile(file);
          }}
        />
      </div>

      {/* A new organisation gets the call to action alone: nothing to search or filter yet. */}
      {!(list.data && list.data.total === 0 && !filtered) && (
        <div className="wf-toolbar">
          <div className="wf-search">
            <Search size={16} className="wf-search-icon" aria-hidden />
            <input
              ref={searchInput}
              type="search"
              className="input"
              aria-label="Search workflows"
              placeholder="Search by name"
              value={searchText}
              onChange={(e) => setSearchText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && searchText) {
                  e.preventDefault();
                  setSearchText('');
                }
              }}
            />
            {searchText && (
              <button
                type="button"
                className="btn btn-ghost btn-sm btn-icon wf-search-clear"
                aria-label="Clear search"
                onClick={() => {
                  setSearchText('');
                  searchInput.current?.focus();
                }}
              >
                <X size={14} aria-hidden />
              </button>
            )}
          </div>
          <div className="segmented" role="group" aria-label="Status">
            {filters.map((f) => (
              <button key={f.value} type="button" aria-pressed={status === f.value} className={clsx('segment', status === f.value && 'segment-on')} onClick={() => update({ status: f.value, page: null })}>
                {f.label}
              </button>
            ))}
          </div>
          <div className="grow" />
          {list.isFetching && !list.isPending && <span className="wf-refreshing" aria-hidden />}
          {list.data && total > 0 && (
            <span className="muted wf-count" aria-live="polite">
              {total === 1 ? '1 workflow' : `${total} workflows`}
            </span>
          )}
        </div>
      )}

      {list.isPending ? (
        <div className="card wf-card" aria-busy>
          <span className="sr-only" role="status">
            Loading workflows
          </span>
          <WorkflowTableSkeleton />
        </div>
      ) : list.isError ? (
        <div className="card">
          <EmptyState
            title="The workflows could not be loaded"
            action={
              <button type="button" className="btn" onClick={() => void list.refetch()}>
                <RotateCw size={16} aria-hidden /> Try again
              </button>
            }
          >
            {describeError(list.error)}
          </EmptyState>
        </div>
      ) : rows.length === 0 && !filtered ? (
        <div className="card">
          <EmptyState
            icon={<Workflow size={24} />}
            title="Build your first workflow"
            action={
              <div className="wf-empty-actions">
                <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
                  <Plus size={16} aria-hidden /> New workflow
                </button>
                <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
                  <FileUp size={16} aria-hidden /> Import a file
                </button>
              </div>
            }
          >
            Connect a trigger to AI steps and actions on a canvas, test it with sample data, then publish it. Or drop an
            exported <code>.flowforge.json</code> file here.
          </EmptyState>
        </div>
      ) : rows.length === 0 ? (
        <div className="card">
          <EmptyState
            icon={<SearchX size={24} />}
            title={search ? `No workflows match “${search}”` : `No ${status} workflows`}
            action={
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setSearchText('');
                  update({ q: null, status: null, page: null });
                }}
              >
                Clear filters
              </button>
            }
          >
            Search looks at workflow names.
          </EmptyState>
        </div>
      ) : (
        <div className="card wf-card">
          <WorkflowTable workflows={rows} actions={actions} now={now} busy={list.isFetching} />
          {pages > 1 && <Pager page={page} pages={pages} first={first} count={rows.length} total={total} onPage={(p) => update({ page: String(p) })} />}
        </div>
      )}

      {drop.dragging && (
        <div className="wf-drop" aria-hidden>
          <div className="wf-drop-inner">
            <FileUp size={28} />
            <strong>Drop to import</strong>
            <span>A .flowforge.json file, opened in the editor as a new draft</span>
          </div>
        </div>
      )}

      <NewWorkflowDialog open={creating} onClose={() => setCreating(false)} />
      <DeleteWorkflowDialog workflow={deleting} onClose={() => setDeleting(null)} />
      <ImportProblemDialog
        problem={problem}
        onClose={() => {
          clearProblem();
          // The dialog opened after an asynchronous import, not from a click it could return focus to.
          requestAnimationFrame(() => importButton.current?.focus());
        }}
        onChooseAnother={() => fileInput.current?.click()}
      />
    </div>
  );
}

/** The current time, refreshed every minute, so "5 minutes ago" does not stand still on an open page. */
function useNow(interval = 60_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), interval);
    return () => clearInterval(timer);
  }, [interval]);
  return now;
}

function Pager({ page, pages, first, count, total, onPage }: { page: number; pages: number; first: number; count: number; total: number; onPage(page: number): void }) {
  return (
    <nav className="wf-pager" aria-label="Pages">
      <span className="muted">
        {first}–{first + count - 1} of {total}
      </span>
      <div className="grow" />
      <span className="muted">
        Page {page} of {pages}
      </span>
      <button type="button" className="btn btn-sm" aria-label="Previous page" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        <ChevronLeft size={16} aria-hidden />
      </button>
      <button type="button" className="btn btn-sm" aria-label="Next page" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        <ChevronRight size={16} aria-hidden />
      </button>
    </nav>
  );
}
