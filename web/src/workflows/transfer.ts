import type { Schemas } from '../api/client';
import type { WorkflowDefinition, WorkflowDoc } from '../editor/model';
import { isObject } from '../editor/model';

/** What `POST /api/workflows` takes. */
export type WorkflowBody = Schemas['WorkflowBody'];

/** The file name suffix of an exported workflow; import accepts any `.json`. */
export const exportSuffix = '.flowforge.json';

/**
 * The exported form of a workflow: the API's own definition (name, description, nodes, edges, canvas) and nothing
 * the server assigns (id, revision, status, versions, triggers), so importing it anywhere makes a new draft.
 */
export function toExportDefinition(doc: Pick<WorkflowDoc, 'name' | 'description' | 'nodes' | 'edges' | 'canvas'>): WorkflowDefinition {
  return {
    name: doc.name,
    description: doc.description ?? null,
    nodes: doc.nodes.map((n) => ({
      id: n.id,
      type: n.type,
      config: isObject(n.config) ? n.config : {},
      ...(n.position ? { position: { x: n.position.x, y: n.position.y } } : {}),
    })),
    edges: doc.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null })),
    canvas: doc.canvas ? { zoom: doc.canvas.zoom, x: doc.canvas.x, y: doc.canvas.y } : null,
  };
}

/**
 * A definition as the body of a create. The generated type says `canvas` and `position` are never null, but the
 * API reads null as absent (nodes placed later, viewport not saved yet), as an exported file may hold them.
 */
export function toCreateBody(definition: WorkflowDefinition): WorkflowBody {
  return definition as WorkflowBody;
}

/** The file's text: indented, so it reads and diffs well in a repository. */
export function serialiseWorkflow(definition: WorkflowDefinition): string {
  return JSON.stringify(definition, null, 2) + '\n';
}

/** `<name>.flowforge.json`, with the characters file systems refuse replaced. */
export function exportFileName(name: string): string {
  const safe = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '-').replace(/\s+/g, ' ').replace(/^[\s.-]+|[\s.-]+$/g, '');
  return (safe || 'workflow').slice(0, 120) + exportSuffix;
}

/** A file that is not a workflow; the message says why, for the person who picked it. */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

/**
 * Fields of a full `GET /api/workflows/{id}` response (or a list row) that describe the copy it was read from. The
 * API ignores most of them on create; they are dropped here so a file from another server or organisation never
 * carries its ids or trigger URLs along, and so fields the API does not know still reach it and are refused by name.
 */
const serverFields = ['id', 'status', 'version', 'publishedVersion', 'revision', 'hasUnpublishedChanges', 'createdAt', 'updatedAt', 'triggers', 'nodeCount', 'lastExecution'];

/**
 * Reads an exported workflow, or a saved GET response, into the body of a create. Only the outline is checked here
 * (a JSON object with a `nodes` list): the server checks the rest and its refusal names the field.
 * @param fileName names the workflow when the file has no name.
 */
export function parseWorkflowFile(text: string, fileName = ''): WorkflowBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ImportFileError(`This file is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (!isObject(parsed)) throw new ImportFileError('This file is not a FlowForge workflow: it holds a JSON ' + (Array.isArray(parsed) ? 'list' : 'value') + ', not an object.');
  if (!Array.isArray(parsed.nodes)) throw new ImportFileError('This file is not a FlowForge workflow: it has no "nodes" list.');
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(parsed).filter(([key]) => !serverFields.includes(key)));
  if (typeof body.name !== 'string' || !body.name.trim()) body.name = nameFromFile(fileName);
  body.edges ??= [];
  return body as WorkflowBody;
}

function nameFromFile(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.flowforge\.json$|\.json$/i, '').trim();
  return base || 'Imported workflow';
}

/** Hands the definition to the browser as a download. */
export function downloadWorkflow(definition: WorkflowDefinition): void {
  const url = URL.createObjectURL(new Blob([serialiseWorkflow(definition)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = exportFileName(definition.name);
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled: revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
