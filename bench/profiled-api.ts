import { DEFAULT_APP_VERSION } from "@wfc/core";
import pg from "pg";
import { createApp, createDbosBackend, serveNode } from "@wfc/api/app";
import type { Marks, StampedPool } from "./hops.js";
import { now } from "./workflows.js";

/**
 * A LISTEN connection of this process noting when each NOTIFY on `channel` arrived, by payload
 * (`<workflowId>::<key>`): where a profile's "reaches a listener" mark comes from.
 */
export async function stampedListener(databaseUrl: string, channel: string) {
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  const notified = new Map<string, number>();
  listener.on("notification", (n) => {
    if (n.payload) notified.set(n.payload, now());
  });
  await listener.query(`LISTEN ${channel}`);
  return { notified, close: () => listener.end() };
}

/**
 * The API app on `pool`, served over HTTP in this process, as `npm start` serves it. Stamps into
 * `marksOf()` the request's arrival (`http:arrive`) and the handler's answer (`answered`).
 * @returns its base URL, and `close` (which ends the pool too).
 */
export async function serveProfiledApi(
  databaseUrl: string,
  pool: StampedPool,
  marksOf: () => Marks | undefined,
) {
  const backend = createDbosBackend({
    databaseUrl,
    appVersion: DEFAULT_APP_VERSION,
    poolSize: pool.options.max,
    pool,
  });
  const app = createApp(backend, { logLevel: "warn" });
  const stamped = {
    fetch: async (request: Request, env: unknown) => {
      const arrived = now();
      const response = await app.fetch(request, env as never);
      const marks = marksOf();
      if (marks) {
        marks["http:arrive"] = arrived;
        marks.answered = now();
      }
      return response;
    },
  } as typeof app;
  const { server, address } = await serveNode(stamped, 0, "127.0.0.1");
  return {
    base: `http://127.0.0.1:${address.port}`,
    async close() {
      server.close();
      await backend.close();
    },
  };
}
