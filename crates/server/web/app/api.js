// The JSON API client: same-origin cookie auth, the CSRF header on every state-changing request, errors as text.

import { pathWith } from './dom.js';

/** Who is logged in: `{username, role, csrf}` or null. */
export const session = { me: null };

/** An API error with the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let onUnauthorized = () => {};

/** Sets what happens on a 401 (the router sends the user to the login page). */
export function setUnauthorizedHandler(f) {
  onUnauthorized = f;
}

/** Performs one request; `body` is sent as JSON; returns parsed JSON (or null for 204). */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.me && session.me.csrf) headers['X-CSRF-Token'] = session.me.csrf;
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'the server cannot be reached: ' + e.message);
  }
  if (resp.status === 204) return null;
  let data = null;
  const text = await resp.text();
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = null;
  }
  if (!resp.ok) {
    const msg = (data && typeof data.error === 'string' && data.error) || resp.status + ' ' + resp.statusText;
    if (resp.status === 401 && !path.startsWith('/api/v1/login')) onUnauthorized();
    throw new ApiError(resp.status, msg);
  }
  return data;
}

/** GET with a query object (empty values left out; the query string is built by `pathWith`). */
export function get(path, query) {
  return call('GET', pathWith(path, query));
}

/** Whether the logged-in user may change things. */
export function isAdmin() {
  return !!(session.me && session.me.role === 'admin');
}
