import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  APP_NAME,
  ChangeFeed,
  encodeRelayMessage,
  localWaits,
  RELAY_CONTENT_TYPE,
  RELAY_HEARTBEAT_MS,
  RELAY_PATHS,
  workflowIdSchema,
  type RelayMessage,
  type Waits,
} from "@wfc/core";
import pg from "pg";
import { z } from "zod";

export interface RelayOptions {
  databaseUrl: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  poolSize: number;
  /** Safety-net re-read of a waiter that gets no notification. */
  pollMs: number;
  /** The pool's client class (the worker's named-statement one, `PREPARED_STATEMENTS`). */
  Client?: typeof pg.Client;
  log?: (line: Record<string, unknown>) => void;
}

export interface Relay {
  port: number;
  /** The relay's one LISTEN connection, which other listeners of this process share. */
  changes: ChangeFeed;
  /** Ends every open answer (callers fall back or reconnect), then closes the connections. */
  stop(): Promise<void>;
}

const key = z.string().min(1).max(1_000);
const count = z.coerce.number().int().min(0).max(2_147_483_647);
const QUERIES = {
  [RELAY_PATHS.event]: z.object({ workflow_id: workflowIdSchema, key, timeout_ms: count }),
  [RELAY_PATHS.stream]: z.object({ workflow_id: workflowIdSchema, key, offset: count }),
  [RELAY_PATHS.events]: z.object({ workflow_id: workflowIdSchema }),
};

/** Longest one read of the relay may take; a waiter's own deadline bounds it further. */
const QUERY_TIMEOUT_MS = 5_000;

/**
 * The change relay (see `RELAY_PATHS` in core): one LISTEN connection and a small pool, on the
 * database instance itself, answering the waits of every API environment. A waiting Lambda
 * environment then holds an HTTP connection to this process and no database connection.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    application_name: `${APP_NAME}-relay`,
    ...(options.Client && { Client: options.Client }),
  });
  // A restarted database drops idle connections; the next read reconnects.
  pool.on("error", () => {});
  const feed = new ChangeFeed({
    connectionString: options.databaseUrl,
    applicationName: `${APP_NAME}-relay-listen`,
  });
  const waits = localWaits({
    pool,
    changes: feed,
    pollMs: options.pollMs,
    queryTimeoutMs: QUERY_TIMEOUT_MS,
    readMarginMs: 500,
  });
  const open = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    open.add(res);
    res.once("close", () => open.delete(res));
    answer(waits, req, res).catch((error: unknown) => {
      log({ level: "error", msg: "relay answer failed", error: String(error) });
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  // Listening before the first waiter arrives keeps its first wait fast; failures retry then.
  feed.ready().catch(() => {});

  return {
    port: (server.address() as AddressInfo).port,
    changes: feed,
    async stop() {
      server.close();
      for (const res of open) res.end();
      await feed.close();
      await pool.end();
    },
  };
}

async function answer(waits: Waits, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://relay");
  const schema = QUERIES[url.pathname as keyof typeof QUERIES];
  const parsed = schema?.safeParse(Object.fromEntries(url.searchParams));
  if (req.method !== "GET" || !schema || !parsed?.success) {
    res.writeHead(schema ? 400 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ detail: parsed?.error?.issues[0]?.message ?? "Not Found" }));
    return;
  }
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  res.writeHead(200, { "content-type": RELAY_CONTENT_TYPE, "cache-control": "no-store" });
  const send = (message: RelayMessage) => {
    if (!res.writableEnded) res.write(encodeRelayMessage(message));
  };
  send({ t: "heartbeat" });
  const heartbeat = setInterval(() => send({ t: "heartbeat" }), RELAY_HEARTBEAT_MS);
  const query = parsed.data as Record<string, string | number>;
  const workflowId = String(query.workflow_id);
  try {
    if (url.pathname === RELAY_PATHS.event) {
      const event = await waits.event(
        workflowId,
        String(query.key),
        Number(query.timeout_ms),
        abort.signal,
      );
      send({ t: "event", ...event });
    } else if (url.pathname === RELAY_PATHS.stream) {
      const batches = waits.stream(
        workflowId,
        String(query.key),
        Number(query.offset),
        abort.signal,
      );
      for await (const batch of batches) send({ t: "stream", ...batch });
    } else {
      for await (const batch of waits.events(workflowId, abort.signal))
        send({ t: "events", ...batch });
    }
  } catch {
    // The database failed the read: the caller decides (503, or reading itself).
    send({ t: "unavailable" });
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}
