import type { FetchLike } from "./connection.js";

/** How the client gets its token: a fixed one, or the app's callback for a fresh one. */
export interface TokenOptions {
  /** A capability token (or an API key): sent as `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * Called for the first token, again shortly before the current one expires (its JWT `exp`),
   * and after a 401: the app asks its backend for a new one.
   */
  getToken?: () => Promise<string>;
}

/** A token is renewed this long before its `exp`, so no request carries one about to expire. */
export const REFRESH_MARGIN_MS = 30_000;

/** The `exp` (seconds since the epoch) of a JWT, read from its payload without verifying it. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const { exp } = JSON.parse(new TextDecoder().decode(bytes)) as { exp?: unknown };
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined; // not a JWT (an API key): it does not expire
  }
}

/** When (ms since the epoch) a token should be replaced; Infinity when it has no `exp`. */
export function refreshAt(token: string): number {
  const exp = tokenExpiry(token);
  return exp === undefined ? Number.POSITIVE_INFINITY : exp * 1000 - REFRESH_MARGIN_MS;
}

/**
 * The current token: the cached one until its refresh time, then `getToken`'s next (one call
 * at a time, however many requests wait for it). `invalidate` drops it (after a 401).
 */
export function tokenSource({ token, getToken }: TokenOptions, now = () => Date.now()) {
  let current: { token: string; until: number } | undefined =
    token === undefined ? undefined : { token, until: Number.POSITIVE_INFINITY };
  let pending: Promise<string> | undefined;
  return {
    async get(): Promise<string | undefined> {
      if (current && (now() < current.until || !getToken)) return current.token;
      if (!getToken) return undefined;
      pending ??= getToken()
        .then((fresh) => {
          current = { token: fresh, until: refreshAt(fresh) };
          return fresh;
        })
        .finally(() => (pending = undefined));
      return pending;
    },
    /** Whether a new token can be had (a 401 is then worth one retry). */
    renewable: getToken !== undefined,
    invalidate() {
      current = undefined;
    },
  };
}

/**
 * `fetch` with `Authorization: Bearer <token>` from `source`; a 401 with a renewable token
 * drops it and retries once with a fresh one.
 */
export function authorizedFetch(
  fetch: FetchLike,
  source: ReturnType<typeof tokenSource>,
): FetchLike {
  const send = async (input: Request | URL | string, init?: RequestInit) => {
    const token = await source.get();
    const headers = new Headers(init?.headers);
    if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  return async (input, init) => {
    const response = await send(input, init);
    if (response.status !== 401 || !source.renewable) return response;
    source.invalidate();
    await response.body?.cancel();
    return send(input, init);
  };
}
