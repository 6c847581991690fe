import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What the worker is doing: `serving` its version's workflows, `retired` (its version's work is
 * over; idle, and healthy so that ECS leaves it be until the next deploy removes it), `stopping`
 * (SIGTERM), or `stalled` (making no progress while work waits: see `stall-watchdog.ts`).
 */
export type WorkerState = "serving" | "retired" | "stopping" | "stalled";

/** The states in which the health check answers 200. */
const HEALTHY: ReadonlySet<WorkerState> = new Set(["serving", "retired"]);

/**
 * Serves `GET /health` for the container's health check: 200 `{"status":"ok","state"}` while
 * serving or retired, 503 once stopping or stalled. Listens on `host` (loopback by default: only the
 * container's own health check asks).
 * @returns the server and the port it listens on (useful when `port` is 0).
 */
export async function startHealthServer(
  port: number,
  state: () => WorkerState,
  host = "127.0.0.1",
) {
  const server: Server = createServer((req, res) => {
    const now = state();
    const ok = req.url === "/health" && HEALTHY.has(now);
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: ok ? "ok" : "unavailable", state: now }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
