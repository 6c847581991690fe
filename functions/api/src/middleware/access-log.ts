import type { MiddlewareHandler } from "hono";

/**
 * One JSON line per request: method, path, status, duration and request ID. Never bodies,
 * query strings or headers, which may carry messages or credentials.
 */
export function accessLog(
  write: (line: string) => void = (line) => console.log(line),
): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    write(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        msg: "request",
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        requestId: c.get("requestId" as never),
      }),
    );
  };
}
