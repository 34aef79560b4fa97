/** An RFC 9457 problem the server answered with (every API error is application/problem+json). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: unknown;
  [key: string]: unknown;
}

/** A failed API call: the HTTP status, the problem body, and the response (for headers such as ETag). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly response: Response;

  constructor(response: Response, problem: Problem) {
    super(problem.detail ?? problem.title ?? `The server answered ${response.status}`);
    this.name = 'ApiError';
    this.status = response.status;
    this.problem = problem;
    this.response = response;
  }

  static from(response: Response, body: unknown): ApiError {
    const problem = typeof body === 'object' && body !== null ? (body as Problem) : { detail: typeof body === 'string' && body ? body : undefined };
    return new ApiError(response, problem);
  }

  /** The stable problem code: the last segment of `urn:flowforge:problem:<code>`. */
  get code(): string | undefined {
    return this.problem.type?.split(':').pop();
  }
}

/** A message fit for a person, for any error a call can throw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'The server cannot be reached. Is it running?';
  return error instanceof Error ? error.message : String(error);
}
