import { AppError, type ErrorCode } from "@wfc/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { loggedPath } from "./logged-path.js";

export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid: 422,
  not_found: 404,
  conflict: 409,
  gone: 410,
  unavailable: 503,
  too_large: 413,
  too_many: 429,
};

/** nginx's status for a request the client abandoned before its answer. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The one place errors become HTTP answers, in FastAPI's `{"detail": ...}` shape. Unknown
 * errors are logged and answered 500 without internals (no stack, SQL or connection string).
 */
export function onError(error: Error, c: Context) {
  // A client that went away (closed the socket while sending its body, or while a wait such as
  // `GET /` ran) is no server error: nobody reads this answer, and the access log says 499, as
  // nginx does.
  // Still the usual JSON with a detail, for a proxy or test that does read it.
  if (c.req.raw.signal.aborted)
    return new Response(JSON.stringify({ detail: "Client closed request" }), {
      status: CLIENT_CLOSED_REQUEST,
      headers: { "content-type": "application/json" },
    });
  if (error instanceof AppError) {
    if (error.code === "unavailable") c.header("Retry-After", "1");
    if (error.code === "too_many") c.header("Retry-After", "5");
    return c.json({ detail: error.message }, STATUS[error.code]);
  }
  if (error instanceof HTTPException) {
    // Middleware that built its own answer (bearer auth: JSON detail + WWW-Authenticate) keeps it.
    if (error.res) return error.getResponse();
    return c.json({ detail: error.message || "Request failed" }, error.status);
  }
  console.error(
    JSON.stringify({ msg: "unhandled error", path: loggedPath(c.req.path), error: String(error) }),
  );
  return c.json({ detail: "Internal Server Error" }, 500);
}

/** FastAPI's answer for an unknown route. */
export const notFound = (c: Context) => c.json({ detail: "Not Found" }, 404);
