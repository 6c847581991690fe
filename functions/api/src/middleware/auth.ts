import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";

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

/**
 * Requires `Authorization: Bearer <key>` on every other path when keys are configured. Keys are
 * compared in constant time (Hono's bearer-auth hashes both sides); several keys may be valid at
 * once, so a key can be rotated without downtime. With no keys, the API is open.
 */
export function apiKeyAuth(keys: string[]): MiddlewareHandler {
  if (keys.length === 0) return async (_c, next) => next();
  const check = bearerAuth({
    token: keys,
    noAuthenticationHeader: {
      message: { detail: "Missing API key: send Authorization: Bearer <key>" },
    },
    invalidAuthenticationHeader: {
      message: { detail: "Malformed Authorization header: expected Bearer <key>" },
    },
    invalidToken: { message: { detail: "Invalid API key" } },
  });
  return async (c, next) => {
    if (OPEN.some((path) => path.test(c.req.path))) return next();
    return check(c, next);
  };
}
