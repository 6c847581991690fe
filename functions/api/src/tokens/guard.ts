import { includes, refusal, type Access, type TokenScope, type VerifiedToken } from "@wfc/tokens";
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Revocations } from "./revocations.js";

/** What the authentication middleware leaves for the guards of a request made with a token. */
export interface TokenRequest {
  token: VerifiedToken;
  revocations: Revocations;
}

const KEY = "wfcToken" as never;

/** What a token route (404) or a token's request (401) is told by an API without TOKEN_KEYS. */
export const TOKENS_OFF = "Tokens are not enabled on this API (TOKEN_KEYS)";

export const setTokenRequest = (c: Context, request: TokenRequest) => c.set(KEY, request as never);

/** The scope of the token the request was made with; undefined for an API key or the open API. */
export const tokenScope = (c: Context): TokenScope | undefined =>
  (c.get(KEY) as TokenRequest | undefined)?.token.scope;

/**
 * The handlers `scoped` made: a request with a token reaches a route only if one of them is
 * among its handlers (`reachableByToken`), so a route is closed to tokens unless it says
 * otherwise, and says what it needs where its parameters are validated.
 */
const GUARDS = new WeakSet<object>();

/** Whether `handler` is a route's token guard (`scoped`): the route is reachable by a token. */
export const isTokenGuard = (handler: unknown) =>
  typeof handler === "function" && GUARDS.has(handler);

/**
 * Whether every route `c` matched (beyond the app-wide middleware, `/*`) declares what a token
 * needs to reach it: a path two routes match is open to a token only if both say so, whichever
 * answers.
 */
export function reachableByToken(c: Context): boolean {
  const routes = matchedRoutes(c).filter((route) => route.path !== "/*");
  const guarded = new Set(routes.filter((r) => GUARDS.has(r.handler)).map((r) => r.path));
  return routes.length > 0 && routes.every((route) => guarded.has(route.path));
}

/** A validated target of the request (the validators before the guard have run). */
export const validated = (c: Context, target: "param" | "query") =>
  (c.req.valid as (target: string) => Record<string, string>)(target);

/**
 * Lets a request made with a token through only if its scope reaches `access(c)` (403 saying
 * why) and its workflow's tokens were not revoked since it was issued (401). Requests made with
 * an API key, or to the open API, pass untouched. Put it after the route's validators: it reads
 * the workflow ID and names as the handler will.
 */
export function scoped(access: (c: Context) => Access): MiddlewareHandler {
  const guard = createMiddleware(async (c, next) => {
    const request = c.get(KEY) as TokenRequest | undefined;
    if (!request) return next();
    const wanted = access(c);
    const refused = refusal(request.token.scope, wanted);
    if (refused) return c.json({ detail: refused }, 403);
    if (await request.revocations.isRevoked(wanted.workflowId, request.token.issuedAt)) {
      c.header("WWW-Authenticate", 'Bearer error="invalid_token"');
      return c.json({ detail: "Token revoked" }, 401);
    }
    return next();
  });
  GUARDS.add(guard);
  return guard;
}

/** Of a workflow's events, those the request's token reaches (all of them without a token). */
export function visibleEvents<T>(c: Context, events: Record<string, T>): Record<string, T> {
  const scope = tokenScope(c);
  if (!scope) return events;
  return Object.fromEntries(Object.entries(events).filter(([key]) => includes(scope.events, key)));
}
