import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Serves `GET /health` for the container's health check: 200 while DBOS runs, 503 otherwise.
 * Listens on `host` (loopback by default: only the container's own health check asks).
 * @returns the server and the port it listens on (useful when `port` is 0).
 */
export async function startHealthServer(
  port: number,
  isHealthy: () => boolean,
  host = "127.0.0.1",
) {
  const server: Server = createServer((req, res) => {
    const ok = req.url === "/health" && isHealthy();
    res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: ok ? "ok" : "unavailable" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
