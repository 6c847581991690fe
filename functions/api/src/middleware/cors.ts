import type { MiddlewareHandler } from "hono";

/** The methods the API answers; a preflight allows no other. */
const METHODS = "GET, HEAD, POST";
/** Request headers a page may send: credentials, JSON bodies, send keys, resumed feeds. */
const REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
/** Response headers a page may read beyond the safelisted ones: what the client acts on. */
const EXPOSED_HEADERS = "Retry-After, WWW-Authenticate, X-Request-Id";
/** How long a browser may reuse a preflight's answer: 2 h, Chromium's own cap. */
const MAX_AGE_SECONDS = 7200;

/**
 * CORS (the Fetch standard's protocol) for the pages of `origins` only. A preflight (OPTIONS
 * with `Origin` and `Access-Control-Request-Method`) from one of them is answered 204 with what
 * may be sent; other OPTIONS requests are ordinary ones. Every answer to an allowed origin echoes
 * it in `Access-Control-Allow-Origin`, never `*`, and never with credentials (the API takes
 * bearer tokens, not cookies); every answer says `Vary: Origin`, so a cache never hands one
 * origin's answer to another.
 */
export function corsFor(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    const isAllowed = origin !== undefined && allowed.has(origin);
    const preflight =
      c.req.method === "OPTIONS" &&
      origin !== undefined &&
      c.req.header("access-control-request-method") !== undefined;
    if (preflight) {
      const headers = new Headers({ Vary: "Origin" });
      if (isAllowed) {
        headers.set("Access-Control-Allow-Origin", origin);
        headers.set("Access-Control-Allow-Methods", METHODS);
        headers.set("Access-Control-Allow-Headers", REQUEST_HEADERS);
        headers.set("Access-Control-Max-Age", String(MAX_AGE_SECONDS));
      }
      return new Response(null, { status: 204, headers });
    }
    await next();
    c.res.headers.append("Vary", "Origin");
    if (!isAllowed) return;
    c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
  };
}
