import { api, unwrap, type Schemas } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { TestResult, ValidationIssue, ValidationResult, WorkflowDoc } from '../model';
import type { SaveTransport } from './autoSaver';

/** The lifecycle's calls to the workflow API (save, validate, publish, versions, test), typed from the OpenAPI document. */

/** The saver's transport; `onSaved` sees each workflow a save answers with (its publication state changes with edits). */
export const createSaveTransport = (onSaved?: (doc: WorkflowDoc) => void): SaveTransport => ({
  async put(id, definition, etag) {
    const { data, error, response } = await api.PUT('/api/workflows/{id}', {
      params: { path: { id } },
      body: definition as Schemas['WorkflowBody'],
      headers: etag ? { 'If-Match': etag } : undefined,
    });
    if (!response.ok || !data) throw ApiError.from(response, error);
    onSaved?.(data);
    return { etag: response.headers.get('ETag'), revision: data.revision };
  },
  get: getWorkflow,
});

export async function getWorkflow(id: string): Promise<{ doc: WorkflowDoc; etag: string | null }> {
  const { data, error, response } = await api.GET('/api/workflows/{id}', { params: { path: { id } } });
  if (!response.ok || !data) throw ApiError.from(response, error);
  return { doc: data, etag: response.headers.get('ETag') };
}

/**
 * The validation errors and warnings a 400 `validation-failed` problem carries (validate, publish and test all answer
 * an invalid draft with it), or null for any other error.
 */
export function validationFromProblem(error: unknown): ValidationResult | null {
  if (!(error instanceof ApiError) || error.status !== 400 || error.code !== 'validation-failed') return null;
  const list = (v: unknown) => (Array.isArray(v) ? (v as ValidationIssue[]) : []);
  return { valid: false, errors: list(error.problem.errors), warnings: list(error.problem.warnings) };
}

/** Validates the server's draft: the result whether valid or not (a 400 `validation-failed` is an answer, not an error). */
export async function validateWorkflow(id: string): Promise<ValidationResult> {
  try {
    return await unwrap(api.POST('/api/workflows/{id}/validate', { params: { path: { id } } }));
  } catch (error) {
    const result = validationFromProblem(error);
    if (result) return result;
    throw error;
  }
}

export function publishWorkflow(id: string): Promise<WorkflowDoc> {
  return unwrap(api.POST('/api/workflows/{id}/publish', { params: { path: { id } } }));
}

export function unpublishWorkflow(id: string): Promise<WorkflowDoc> {
  return unwrap(api.POST('/api/workflows/{id}/unpublish', { params: { path: { id } } }));
}

export function listVersions(id: string): Promise<Schemas['VersionList']> {
  return unwrap(api.GET('/api/workflows/{id}/versions', { params: { path: { id } } }));
}

export function getVersion(id: string, version: number): Promise<Schemas['VersionResponse']> {
  return unwrap(api.GET('/api/workflows/{id}/versions/{version}', { params: { path: { id, version } } }));
}

export interface TestRequest {
  testData: unknown;
  /** External events delivered at the start, by name (an approval's decision). */
  events?: Record<string, unknown>;
  /** The trigger step to start from (the draft's first trigger when left out). */
  triggerNodeId?: string;
}

export function testWorkflow(id: string, request: TestRequest): Promise<TestResult> {
  return unwrap(
    api.POST('/api/workflows/{id}/test', {
      params: { path: { id } },
      // The generated type cannot say "any JSON per event name"; the server takes any JSON value.
      body: { testData: request.testData, triggerNodeId: request.triggerNodeId ?? null, events: (request.events ?? null) as Schemas['TestBody']['events'] },
    }),
  );
}
