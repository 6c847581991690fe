import type { MiddlewareHandler } from "hono";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** `application/json`, or a `+json` type (`application/merge-patch+json`), any parameters. */
const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/** Whether the request says it carries a body (HTTP/1.1: a length above 0, or chunked). */
export function declaresBody(headers: Headers): boolean {
  if (headers.has("transfer-encoding")) return true;
  const length = headers.get("content-length");
  return length !== null && length.trim() !== "0";
}

/** An HTML form's own type (what a `<form method="post">` sends). */
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Mutating calls with a body must say `Content-Type: application/json` (415 otherwise). A
 * browser sends `text/plain`, form types or no type at all cross-site without a CORS preflight:
 * refusing them means no other web page can post to this API (approve a workflow, say) on a
 * visitor's behalf. Body-less POSTs, as the seed's `curl -X POST` starts, need no type.
 * Paths under `formPrefixes` (approval links' pages, which work without JavaScript) take a form
 * too: their URL is itself the credential another page would need, and `refuseCrossSite` still
 * refuses a form posted from another site.
 */
export const requireJsonBody =
  (formPrefixes: readonly string[] = []): MiddlewareHandler =>
  async (c, next) => {
    if (!MUTATING.has(c.req.method)) return next();
    const type = c.req.header("content-type");
    const typed = type !== undefined && type.trim() !== "";
    // A typed request is checked unless it says it is empty: a body of unknown length counts.
    const hasBody = typed
      ? c.req.header("content-length")?.trim() !== "0"
      : declaresBody(c.req.raw.headers);
    if (!hasBody || (typed && JSON_TYPE.test(type))) return next();
    const form =
      typed && FORM_TYPE.test(type) && formPrefixes.some((p) => c.req.path.startsWith(p));
    if (form) return next();
    return c.json({ detail: "Content-Type must be application/json" }, 415);
  };
