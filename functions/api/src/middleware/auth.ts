import type { Context, MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";

/**
 * Paths reachable without a key: liveness, signature-checked webhooks, the API's description,
 * and the dashboard's page and script (no data: the page asks for a key on the API's 401).
 */
const OPEN = [
  /^\/health$/,
  /^\/webhooks\//,
  /^\/openapi\.json$/,
  /^\/docs(\/|$)/,
  /^\/ui(\/app\.js)?$/,
];

/** Whether `path` (a request's, or a documented template) is reachable without a key. */
export const isOpenPath = (path: string) => OPEN.some((open) => open.test(path));

/** RFC 6750's token68 after the scheme, which is case-insensitive. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const unauthorized = (c: Context, detail: string, error?: string) => {
  // RFC 6750: a request without credentials gets the bare challenge, a bad one its error code.
  c.header("WWW-Authenticate", error ? `Bearer error="${error}"` : "Bearer");
  return c.json({ detail }, 401);
};

/**
 * Requires `Authorization: Bearer <key>` on every other path when keys are configured: 401 when
 * it is missing, malformed or wrong. Keys are compared in constant time (both sides hashed
 * first); several keys may be valid at once, so a key can be rotated without downtime. With no
 * keys, the API is open.
 */
export function apiKeyAuth(keys: string[]): MiddlewareHandler {
  if (keys.length === 0) return async (_c, next) => next();
  return async (c, next) => {
    if (isOpenPath(c.req.path)) return next();
    const header = c.req.header("authorization");
    if (header === undefined)
      return unauthorized(c, "Missing API key: send Authorization: Bearer <key>");
    const token = BEARER.exec(header)?.[1];
    if (token === undefined)
      return unauthorized(
        c,
        "Malformed Authorization header: expected Bearer <key>",
        "invalid_request",
      );
    let valid = false;
    // Every key is compared, so the time taken does not tell which one (or whether any) matched.
    for (const key of keys) if (await timingSafeEqual(key, token)) valid = true;
    if (!valid) return unauthorized(c, "Invalid API key", "invalid_token");
    return next();
  };
}
