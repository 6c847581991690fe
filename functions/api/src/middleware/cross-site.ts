import type { Context, MiddlewareHandler } from "hono";

/** Methods a browser treats as reads; every other one changes something. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a browser sent this request from a page of another origin that CORS does not allow.
 * Browsers say where a request comes from in `Sec-Fetch-Site` (every current one) and, on
 * anything but a plain GET, in `Origin`; clients outside browsers (curl, the seed's scripts,
 * webhook senders, the typed client in Node) send neither and are never refused here.
 */
function isForeignBrowserRequest(c: Context, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined && allowedOrigins.has(origin)) return false;
  const site = c.req.header("sec-fetch-site");
  // `none`: the user typed the address or followed a bookmark. `same-site` is refused too: a page
  // on another port of localhost (or another subdomain) is same-site, not same-origin.
  if (site !== undefined) return site !== "same-origin" && site !== "none";
  return origin !== undefined && origin !== new URL(c.req.url).origin;
}

/**
 * Refuses, 403, requests that change something and come from a browser page of another origin
 * (cross-site request forgery): with no API key configured (`npm start`), any web page its
 * developer visits could otherwise start, cancel or message workflows with a form, an image or a
 * `fetch` in no-cors mode, none of which CORS stops, since CORS only hides the answer. With API
 * keys such a request fails anyway: a page cannot make a browser send another site's
 * `Authorization` header. Covers every method but GET, HEAD and OPTIONS, and the GETs in
 * `unsafeGets` (the seed's `GET /`, which starts workflows). Origins in `allowedOrigins`
 * (CORS_ORIGINS) are let through: their pages are meant to call the API.
 */
export function refuseCrossSite(
  allowedOrigins: readonly string[],
  unsafeGets: readonly string[],
): MiddlewareHandler {
  const allowed = new Set(allowedOrigins);
  const gets = new Set(unsafeGets);
  return async (c, next) => {
    const unsafe =
      !SAFE_METHODS.has(c.req.method) || (c.req.method === "GET" && gets.has(c.req.path));
    if (unsafe && isForeignBrowserRequest(c, allowed))
      return c.json(
        {
          detail:
            "Cross-site request refused: a page of another origin may not change workflows (allow its origin with CORS_ORIGINS)",
        },
        403,
      );
    return next();
  };
}
