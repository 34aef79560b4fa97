import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/problem';
import { useEditor } from '../store';
import type { WorkflowDefinition, WorkflowDoc } from '../model';
import { AutoSaver, type SaveTransport, type Saved } from './autoSaver';

function doc(revision: number, name = 'Triage'): WorkflowDoc {
  return {
    id: 'wf_1', name, description: null, status: 'draft', version: 1, publishedVersion: null, revision, hasUnpublishedChanges: false,
    nodes: [{ id: 'start', type: 'trigger_manual', config: {}, position: { x: 0, y: 0 } }], edges: [], canvas: null,
    createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', triggers: [],
  } as WorkflowDoc;
}

/** A server stand-in that keeps a revision and answers like WorkflowsApi: 412 for a stale If-Match. */
class FakeServer implements SaveTransport {
  revision = 1;
  name = 'Triage';
  puts: { definition: WorkflowDefinition; etag: string | null }[] = [];
  /** Answers to hand out in order instead of the normal behaviour: an error to throw, or a promise to wait for. */
  script: (Error | Promise<void>)[] = [];

  async put(_id: string, definition: WorkflowDefinition, etag: string | null): Promise<Saved> {
    this.puts.push({ definition, etag });
    const next = this.script.shift();
    if (next instanceof Error) throw next;
    if (next) await next;
    if (etag !== `"${this.revision}"`) throw problem(412);
    this.revision++;
    this.name = definition.name;
    return { etag: `"${this.revision}"`, revision: this.revision };
  }

  async get(): Promise<{ doc: WorkflowDoc; etag: string | null }> {
    return { doc: doc(this.revision, this.name), etag: `"${this.revision}"` };
  }
}

function problem(status: number): ApiError {
  return new ApiError(new Response(null, { status }), { status, title: 'Problem', detail: `answered ${status}` });
}

const editor = () => useEditor.getState();

describe('AutoSaver', () => {
  let server: FakeServer;
  let saver: AutoSaver;

  beforeEach(() => {
    vi.useFakeTimers();
    server = new FakeServer();
    editor().load(doc(1), '"1"');
    saver = new AutoSaver(useEditor, server, { debounceMs: 800, retryDelaysMs: [1000, 5000] });
  });

  afterEach(() => {
    saver.dispose();
    vi.useRealTimers();
  });

  it('saves once, 800 ms after the last of several quick edits', async () => {
    editor().setName('A');
    await vi.advanceTimersByTimeAsync(500);
    editor().setName('AB');
    await vi.advanceTimersByTimeAsync(500);
    editor().setName('ABC');
    await vi.advanceTimersByTimeAsync(799);
    expect(server.puts).toHaveLength(0);
    expect(editor().saveState).toBe('dirty');

    await vi.advanceTimersByTimeAsync(1);
    expect(server.puts).toHaveLength(1);
    expect(server.puts[0].definition.name).toBe('ABC');
    expect(server.puts[0].etag).toBe('"1"');
    expect(editor().saveState).toBe('saved');
    expect(editor().etag).toBe('"2"');
    expect(editor().revision).toBe(2);
  });

  it('never has two PUTs in flight: edits during a save go out in the next one, with the new ETag', async () => {
    let release!: () => void;
    server.script.push(new Promise<void>((r) => (release = r)));
    editor().setName('first');
    await vi.advanceTimersByTimeAsync(800);
    expect(editor().saveState).toBe('saving');

    editor().setName('second');
    await vi.advanceTimersByTimeAsync(2000);
    expect(server.puts).toHaveLength(1);

    release();
    await vi.advanceTimersByTimeAsync(0);
    // The first save landed but the draft has newer edits.
    expect(editor().saveState).toBe('dirty');
    await vi.advanceTimersByTimeAsync(800);
    expect(server.puts).toHaveLength(2);
    expect(server.puts[1]).toMatchObject({ etag: '"2"', definition: { name: 'second' } });
    expect(editor().saveState).toBe('saved');
  });

  it('marks a conflict on 412 and stops saving until it is resolved', async () => {
    server.revision = 5; // another tab saved meanwhile
    editor().setName('mine');
    await vi.advanceTimersByTimeAsync(800);
    expect(editor().saveState).toBe('conflict');

    editor().setName('mine, more');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.puts).toHaveLength(1);
    expect(editor().saveState).toBe('conflict');
    expect(await saver.flush()).toBe(false);
  });

  it('treats 409 (stale revision field) as a conflict too', async () => {
    server.script.push(problem(409));
    editor().setName('mine');
    await vi.advanceTimersByTimeAsync(800);
    expect(editor().saveState).toBe('conflict');
  });

  it('overwrite takes the server ETag and saves the local draft over it', async () => {
    server.revision = 5;
    editor().setName('mine');
    await vi.advanceTimersByTimeAsync(800);
    expect(editor().saveState).toBe('conflict');

    await saver.overwrite();
    expect(server.puts.at(-1)).toMatchObject({ etag: '"5"', definition: { name: 'mine' } });
    expect(server.name).toBe('mine');
    expect(editor().saveState).toBe('saved');
    expect(editor().etag).toBe('"6"');

    // Saving goes on normally afterwards.
    editor().setName('mine again');
    await vi.advanceTimersByTimeAsync(800);
    expect(server.puts.at(-1)).toMatchObject({ etag: '"6"', definition: { name: 'mine again' } });
  });

  it('reload loads the server draft and drops the local edits', async () => {
    server.revision = 5;
    server.name = 'Theirs';
    editor().setName('mine');
    await vi.advanceTimersByTimeAsync(800);
    await saver.reload();
    expect(editor()).toMatchObject({ name: 'Theirs', etag: '"5"', saveState: 'saved', changeCount: 0 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(server.puts).toHaveLength(1);
  });

  it('retries a failed save with back-off and sends the latest edits', async () => {
    server.script.push(new TypeError('Failed to fetch'), problem(503));
    editor().setName('one');
    await vi.advanceTimersByTimeAsync(800);
    expect(editor().saveState).toBe('error');
    expect(editor().saveError).toMatch(/cannot be reached/);

    await vi.advanceTimersByTimeAsync(999);
    expect(server.puts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.puts).toHaveLength(2);
    expect(editor().saveState).toBe('error');

    // The second retry waits longer; an edit meanwhile is picked up by it.
    editor().setName('two');
    await vi.advanceTimersByTimeAsync(800);
    expect(server.puts).toHaveLength(3);
    expect(server.puts[2].definition.name).toBe('two');
    expect(editor().saveState).toBe('saved');
  });

  it('does not retry a refused body (400) until the draft changes', async () => {
    server.script.push(problem(400));
    editor().setName('bad');
    await vi.advanceTimersByTimeAsync(800);
    expect(editor().saveState).toBe('error');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.puts).toHaveLength(1);
    editor().setName('good');
    await vi.advanceTimersByTimeAsync(800);
    expect(server.puts).toHaveLength(2);
    expect(editor().saveState).toBe('saved');
  });

  it('flush saves at once and waits for a save in flight', async () => {
    editor().setName('now');
    expect(await saver.flush()).toBe(true);
    expect(server.puts).toHaveLength(1);
    expect(editor().saveState).toBe('saved');
    expect(await saver.flush()).toBe(true);
    expect(server.puts).toHaveLength(1);
  });

  it('ignores the answer to a save of a draft that was reloaded meanwhile', async () => {
    let release!: () => void;
    server.script.push(new Promise<void>((r) => (release = r)));
    editor().setName('old');
    await vi.advanceTimersByTimeAsync(800);
    editor().load(doc(7, 'Reloaded'), '"7"');
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(editor()).toMatchObject({ name: 'Reloaded', etag: '"7"', saveState: 'saved' });
  });
});
