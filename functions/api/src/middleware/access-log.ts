import type { MiddlewareHandler } from "hono";
import { loggedPath } from "../logged-path.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

/**
 * One JSON line per request: method, path, status, duration and request ID. Never bodies,
 * query strings or headers, which may carry messages or credentials; a link's token is cut from
 * its path (`loggedPath`).
 */
export function accessLog(
  write: (line: string) => void = (line) => console.log(line),
  level: LogLevel = "info",
): MiddlewareHandler {
  const minimum = LEVELS.indexOf(level);
  return async (c, next) => {
    const started = performance.now();
    await next();
    const lineLevel: LogLevel = c.res.status >= 500 ? "error" : "info";
    if (LEVELS.indexOf(lineLevel) < minimum) return;
    write(
      JSON.stringify({
        level: lineLevel,
        msg: "request",
        method: c.req.method,
        path: loggedPath(c.req.path),
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        requestId: c.get("requestId" as never),
      }),
    );
  };
}
