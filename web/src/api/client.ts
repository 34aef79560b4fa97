import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { useSession } from '../auth/session';
import { ApiError } from './problem';

/** The API's named types, generated from the server's OpenAPI document (see `npm run gen:api`). */
export type Schemas = components['schemas'];

/** Sends the signed-in key; a 401 means the key is wrong or was revoked, so the session ends. */
const auth: Middleware = {
  onRequest({ request }) {
    const key = useSession.getState().apiKey;
    if (key) request.headers.set('X-Api-Key', key);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && useSession.getState().apiKey) {
      useSession.getState().signOut('Your API key was refused (wrong or revoked). Sign in again.');
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/**
 * Unwraps an openapi-fetch result: the data, or an {@link ApiError} carrying the problem+json the server sent.
 * Use it in react-query functions so errors surface as ApiError everywhere.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiError.from(response, error);
  return data as T;
}
