// The console's one way to the server: fetch on the same origin with the session's cookie,
// the protocol header every /v1 route reads, and the session's CSRF token on every request
// that changes something. Errors come back as ApiError with the server's code and words.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Listener = (e: ApiError) => void;

const state = { csrf: "", onUnauthorized: (() => {}) as Listener };

/** The session's CSRF token, sent as X-CSRF-Token on POST, PUT, PATCH and DELETE. */
export function setCsrf(token: string) {
  state.csrf = token;
}

/** The session's CSRF token, for requests made without `send` (an upload with progress). */
export function csrf(): string {
  return state.csrf;
}

/** Called on any 401 but the sign-in's own: the console goes back to sign-in. */
export function onUnauthorized(listener: Listener) {
  state.onUnauthorized = listener;
}

const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Query string of the defined, non-empty values of `params` (booleans only when true). */
export function queryString(params: Record<string, unknown> | undefined): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    q.set(name, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The error an answer that is not 2xx carries, from its JSON body when it has one. */
export async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || code;
  try {
    const body = await res.json();
    if (body?.error?.code) {
      code = String(body.error.code);
      message = String(body.error.message ?? code);
    }
  } catch {
    // Not JSON: the status says it.
  }
  return new ApiError(res.status, code, message);
}

export interface Options {
  query?: Record<string, unknown>;
  body?: unknown;
  /** Do not send the console back to sign-in on 401 (the sign-in form's own request). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

/** The raw answer (2xx only) of `method path`. */
export async function send(method: string, path: string, opts: Options = {}): Promise<Response> {
  const headers: Record<string, string> = { "Terrain-Protocol": "1", Accept: "application/json" };
  if (CHANGES.has(method)) headers["X-CSRF-Token"] = state.csrf;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path + queryString(opts.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error)?.name === "AbortError") throw e;
    throw new ApiError(0, "offline", String(e));
  }
  if (!res.ok) {
    const error = await errorOf(res);
    if (res.status === 401 && !opts.quiet401) state.onUnauthorized(error);
    throw error;
  }
  return res;
}

/** `method path` answered as JSON of type T (nothing for 204). */
export async function json<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const res = await send(method, path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, query?: Record<string, unknown>, signal?: AbortSignal) =>
  json<T>("GET", path, { query, signal });
