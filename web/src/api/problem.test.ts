import { describe, expect, it } from 'vitest';
import { ApiError, describeError } from './problem';

describe('ApiError', () => {
  it('carries the problem the server sent, its stable code and a message for people', () => {
    const response = new Response(null, { status: 409 });
    const error = ApiError.from(response, {
      type: 'urn:flowforge:problem:revision-conflict',
      title: 'Conflict',
      status: 409,
      detail: 'The workflow changed since you loaded it.',
    });
    expect(error.status).toBe(409);
    expect(error.code).toBe('revision-conflict');
    expect(describeError(error)).toBe('The workflow changed since you loaded it.');
  });

  it('says something useful for a body that is not a problem', () => {
    expect(ApiError.from(new Response(null, { status: 502 }), '').message).toBe('The server answered 502');
    expect(ApiError.from(new Response(null, { status: 500 }), 'boom').message).toBe('boom');
  });

  it('names an unreachable server rather than a fetch TypeError', () => {
    expect(describeError(new TypeError('Failed to fetch'))).toMatch(/cannot be reached/);
  });
});
