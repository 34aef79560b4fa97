import { ApiError, describeError } from '../../api/problem';
import type { WorkflowDefinition, WorkflowDoc } from '../model';
import type { EditorState } from '../store';

/** What a successful save or load tells the saver: the server's new ETag and revision. */
export interface Saved {
  etag: string | null;
  revision: number;
}

/** The HTTP calls the saver makes, injected so tests drive it without a server. Both throw on failure (ApiError or a network TypeError). */
export interface SaveTransport {
  /** `PUT /api/workflows/{id}` with `If-Match: <etag>`. */
  put(workflowId: string, definition: WorkflowDefinition, etag: string | null): Promise<Saved>;
  /** `GET /api/workflows/{id}`: the server's current draft and its ETag (for Reload and Overwrite). */
  get(workflowId: string): Promise<{ doc: WorkflowDoc; etag: string | null }>;
}

/** The slice of the editor store the saver reads and drives (the real zustand store satisfies it). */
export interface SaverStore {
  getState(): Pick<EditorState, 'workflowId' | 'changeCount' | 'etag' | 'saveState' | 'definition' | 'markSaving' | 'markSaved' | 'markConflict' | 'markSaveError' | 'load'>;
  subscribe(listener: (state: Pick<EditorState, 'workflowId' | 'changeCount'>, previous: Pick<EditorState, 'workflowId' | 'changeCount'>) => void): () => void;
}

export interface AutoSaverOptions {
  /** Quiet time after the last change before a save starts. */
  debounceMs?: number;
  /** Waits before each retry of a failed save (network, 5xx, 429); the last one repeats. */
  retryDelaysMs?: number[];
}

/** Why a save failed, and whether trying again later can help. */
function classify(error: unknown): 'conflict' | 'retry' | 'fatal' {
  if (error instanceof ApiError) {
    // 412 answers a stale If-Match, 409 a stale revision field: either way someone else saved first.
    if (error.status === 412 || error.status === 409) return 'conflict';
    if (error.status >= 500 || error.status === 429 || error.status === 408) return 'retry';
    return 'fatal';
  }
  // fetch rejects with a TypeError when the server cannot be reached.
  return 'retry';
}

/**
 * Saves the editor's draft as it changes: one PUT at most in flight, `debounceMs` after the last change, with the
 * ETag of the last save as If-Match. A stale ETag (412/409) stops saving and marks a conflict, which only
 * {@link reload} or {@link overwrite} resolve, so neither side's edits are ever dropped silently. Network and server
 * errors are retried with back-off; edits keep being collected meanwhile and go out with the next attempt.
 */
export class AutoSaver {
  private readonly debounceMs: number;
  private readonly retryDelaysMs: number[];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private retries = 0;
  /** Bumped when the store loads another draft, so the answer to a save of the old one is ignored. */
  private generation = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: SaverStore,
    private readonly transport: SaveTransport,
    options: AutoSaverOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 800;
    this.retryDelaysMs = options.retryDelaysMs ?? [1_000, 2_000, 5_000, 10_000, 30_000];
    this.unsubscribe = store.subscribe((s, prev) => {
      if (s.workflowId !== prev.workflowId || s.changeCount < prev.changeCount) {
        // A (re)load: whatever was pending described the previous draft.
        this.generation++;
        this.clearTimer();
        this.retries = 0;
        return;
      }
      if (s.changeCount !== prev.changeCount) this.schedule(this.debounceMs);
    });
  }

  /** True while the draft has edits the server does not have yet (what `beforeunload` warns about). */
  get hasUnsavedChanges(): boolean {
    const state = this.store.getState().saveState;
    return state !== 'saved';
  }

  /**
   * Saves now what is not saved yet and resolves once the server has it (or the save failed): validate, test and
   * publish run on the server's copy, so they flush first. Resolves true when the server has every edit.
   */
  async flush(): Promise<boolean> {
    this.clearTimer();
    // Waiting in a loop: edits made while a save is in flight go out in the next one.
    for (let i = 0; i < 10; i++) {
      if (this.inFlight) {
        await this.inFlight;
        continue;
      }
      const s = this.store.getState();
      if (s.saveState === 'saved') return true;
      if (s.saveState === 'conflict' || !s.workflowId) return false;
      await this.save();
      const after = this.store.getState().saveState;
      if (after === 'error' || after === 'conflict') return false;
    }
    return this.store.getState().saveState === 'saved';
  }

  /** Resolves a conflict by loading the server's draft: the local edits since the last save are discarded. */
  async reload(): Promise<void> {
    const id = this.store.getState().workflowId;
    if (!id) return;
    this.clearTimer();
    if (this.inFlight) await this.inFlight;
    const { doc, etag } = await this.transport.get(id);
    this.store.getState().load(doc, etag);
  }

  /** Resolves a conflict by saving the local draft over the server's: it takes the server's current ETag, then PUTs with it. */
  async overwrite(): Promise<void> {
    const id = this.store.getState().workflowId;
    if (!id) return;
    this.clearTimer();
    if (this.inFlight) await this.inFlight;
    const { etag } = await this.transport.get(id);
    await this.save(etag);
  }

  dispose(): void {
    this.unsubscribe();
    this.clearTimer();
  }

  private schedule(delay: number): void {
    const s = this.store.getState();
    if (s.saveState === 'conflict' || !s.workflowId) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.save();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One PUT of the current draft; `etag` overrides the store's (Overwrite). Never two at once: a second call waits and then sends the newer edits. */
  private save(etag?: string | null): Promise<void> {
    if (this.inFlight) {
      // A save is already under way: it reschedules itself when it ends if edits arrived meanwhile.
      return this.inFlight;
    }
    const s = this.store.getState();
    const id = s.workflowId;
    if (!id) return Promise.resolve();
    if (etag === undefined && (s.saveState === 'saved' || s.saveState === 'conflict')) return Promise.resolve();

    const generation = this.generation;
    const sentCount = s.changeCount;
    const definition = s.definition();
    s.markSaving();
    const run = async () => {
      try {
        const saved = await this.transport.put(id, definition, etag === undefined ? s.etag : etag);
        if (generation !== this.generation) return;
        this.retries = 0;
        this.store.getState().markSaved(saved.etag, saved.revision, sentCount);
        if (this.store.getState().changeCount !== sentCount) this.schedule(this.debounceMs);
      } catch (error) {
        if (generation !== this.generation) return;
        const kind = classify(error);
        if (kind === 'conflict') {
          this.store.getState().markConflict();
          return;
        }
        this.store.getState().markSaveError(describeError(error));
        if (kind === 'retry') {
          const delay = this.retryDelaysMs[Math.min(this.retries, this.retryDelaysMs.length - 1)];
          this.retries++;
          this.schedule(delay);
        }
      }
    };
    this.inFlight = run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }
}
