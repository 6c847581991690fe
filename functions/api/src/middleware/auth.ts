import { createHash, timingSafeEqual } from "node:crypto";
import { LINK_PATH_PREFIX, TokenError } from "@wfc/tokens";
import type { Context, MiddlewareHandler, Next } from "hono";
import { reachableByToken, setTokenRequest, TOKENS_OFF } from "../tokens/guard.js";
import type { Revocations } from "../tokens/revocations.js";
import type { VerifiedTokens } from "../tokens/verified-tokens.js";

/**
 * Paths reachable without a key: liveness, signature-checked webhooks, approval links (the
 * signed link is the credential), the API's description, and the dashboard's page and script
 * (no data: the page asks for a key on the API's 401).
 */
const OPEN = [
  /^\/health$/,
  /^\/webhooks\//,
  new RegExp(`^${LINK_PATH_PREFIX}[^/]+$`),
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

/** A JWS in compact form (three base64url parts; `alg: none` leaves the last empty). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Where capability tokens are checked: their verifier (and key ring), and their revocations. */
export interface TokenAuth {
  verified: VerifiedTokens;
  revocations: Revocations;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * Whether `credential` is one of the keys, whose SHA-256 digests are `keyDigests`. Digests are
 * compared, so every comparison is of 32 bytes whatever the lengths, in constant time, and every
 * key is compared, so the time taken does not tell which one (or whether any) matched.
 * Synchronous: WebCrypto's digest would cost each request a trip through the thread pool.
 */
function isApiKey(keyDigests: Buffer[], credential: string) {
  const digest = sha256(credential);
  let valid = false;
  for (const key of keyDigests) if (timingSafeEqual(key, digest)) valid = true;
  return valid;
}

/**
 * Authenticates every path but the open ones. `Authorization: Bearer <key>` with an API key
 * (when keys are configured) reaches everything; several keys may be valid at once, so a key can
 * be rotated without downtime, and they are compared in constant time. A capability token, as
 * `Authorization: Bearer <token>` or, for `EventSource`, `?access_token=` (RFC 6750, 2.3), reaches
 * only routes that declare what a token needs (`scoped`) and only within its scope: 401 when it
 * does not verify, 403 on any other route. Both at once are a 400 (RFC 6750 allows one method).
 * With no keys the API is open, and a token still reaches only its scope.
 */
export function authenticate(keys: string[], tokens?: TokenAuth): MiddlewareHandler {
  const keyDigests = keys.map(sha256);
  const asToken = async (c: Context, next: Next, token: string) => {
    if (!tokens) return unauthorized(c, TOKENS_OFF, "invalid_token");
    let verified;
    try {
      verified = await tokens.verified.verify(token);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return unauthorized(c, error.message, "invalid_token");
    }
    if (!reachableByToken(c))
      return c.json(
        {
          detail:
            "A token reaches only its workflow's status, events, streams and messages; this route needs an API key",
        },
        403,
      );
    setTokenRequest(c, { token: verified, revocations: tokens.revocations });
    return next();
  };
  return async (c, next) => {
    if (isOpenPath(c.req.path)) return next();
    const header = c.req.header("authorization");
    const inQuery = c.req.queries("access_token");
    if (inQuery !== undefined) {
      if (header !== undefined || inQuery.length > 1)
        return c.json(
          {
            detail: "Send one credential, in the Authorization header or as access_token, not both",
          },
          400,
        );
      return asToken(c, next, inQuery[0]!);
    }
    if (header === undefined)
      return keys.length
        ? unauthorized(c, "Missing API key: send Authorization: Bearer <key>")
        : next();
    const credential = BEARER.exec(header)?.[1];
    if (credential === undefined)
      return keys.length
        ? unauthorized(
            c,
            "Malformed Authorization header: expected Bearer <key>",
            "invalid_request",
          )
        : next();
    if (keys.length && isApiKey(keyDigests, credential)) return next();
    // Without signing keys a JWT-shaped header is what it was before tokens: a wrong key (or,
    // on an open API, ignored).
    if (tokens && COMPACT_JWS.test(credential)) return asToken(c, next, credential);
    return keys.length ? unauthorized(c, "Invalid API key", "invalid_token") : next();
  };
}
