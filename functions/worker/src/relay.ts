import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  APP_NAME,
  ChangeFeed,
  encodeRelayMessage,
  LiveFeedLimits,
  TooManyRequestsError,
  localWaits,
  MAX_EVENT_TIMEOUT_SECONDS,
  RELAY_CONTENT_TYPE,
  RELAY_HEARTBEAT_MS,
  RELAY_PATHS,
  workflowIdSchema,
  type RelayMessage,
  type Waits,
} from "@wfc/core";
import pg from "pg";
import { z } from "zod";
import { relayAccess } from "./relay-access.js";

export interface RelayOptions {
  databaseUrl: string;
  /** What callers must send as `Authorization: Bearer`; unset, the relay does not listen. */
  secret: string | undefined;
  host: string;
  /** Host names callers may use besides `host` (see `relayAccess`). */
  allowedHosts: string[];
  /** The most answers held open at once; more are refused 503. */
  maxAnswers: number;
  /** How long a live feed is followed at most. */
  feedMaxMs: number;
  /** The most live feeds of one workflow followed at once; more are refused 429. */
  feedsPerWorkflow: number;
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
  /** Undefined when it does not listen (no secret). */
  port: number | undefined;
  /** The relay's one LISTEN connection, which other listeners of this process share. */
  changes: ChangeFeed;
  /** Ends every open answer (callers fall back or reconnect), then closes the connections. */
  stop(): Promise<void>;
}

const key = z.string().min(1).max(1_000);
const count = z.coerce.number().int().min(0).max(2_147_483_647);
/** The API's longest wait: a relay answer held longer serves no request. */
const timeoutMs = z.coerce
  .number()
  .int()
  .min(0)
  .max(
    MAX_EVENT_TIMEOUT_SECONDS * 1000,
    `timeout_ms must be at most ${MAX_EVENT_TIMEOUT_SECONDS * 1000}`,
  );
const QUERIES = {
  [RELAY_PATHS.event]: z.object({ workflow_id: workflowIdSchema, key, timeout_ms: timeoutMs }),
  [RELAY_PATHS.stream]: z.object({ workflow_id: workflowIdSchema, key, offset: count }),
  [RELAY_PATHS.events]: z.object({ workflow_id: workflowIdSchema }),
};

/** Longest one read of the relay may take; a waiter's own deadline bounds it further. */
const QUERY_TIMEOUT_MS = 5_000;

/** A failure's words for the log: its SQLSTATE and message, never a connection string. */
const describe = (error: unknown) => {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const text = String(message ?? error).replace(/\/\/[^/@\s]*@/g, "//***@");
  return code ? { code, error: text } : { error: text };
};

/**
 * The change relay (see `RELAY_PATHS` in core): one LISTEN connection and a small pool, on the
 * database instance itself, answering the waits of every API environment. A waiting Lambda
 * environment then holds an HTTP connection to this process and no database connection.
 *
 * Only for the API: a request must carry the shared secret and name the relay's own host
 * (`relayAccess`), a wait is at most the API's longest, a live feed ends after `feedMaxMs`, and at most `maxAnswers` are open at once (the next is refused 503 and logged). Without a
 * secret the relay does not listen at all; its LISTEN connection still serves this process.
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
  pool.on("error", (error) =>
    log({ level: "warn", msg: "relay pool connection lost", ...describe(error) }),
  );
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
  const feedLimits = new LiveFeedLimits(Infinity, options.feedsPerWorkflow);
  const close = async () => {
    await feed.close();
    await pool.end();
  };
  // Listening before the first waiter arrives keeps its first wait fast; failures retry then.
  feed.ready().catch(() => {});
  if (!options.secret) {
    log({ level: "warn", msg: "change relay off: CHANGE_RELAY_SECRET is not set" });
    return { port: undefined, changes: feed, stop: close };
  }
  const refusal = relayAccess({
    secret: options.secret,
    host: options.host,
    allowedHosts: options.allowedHosts,
  });

  const server = createServer((req, res) => {
    const refused = refusal(req);
    if (refused) {
      refuse(res, refused.status, refused.detail, refused.headers);
      return;
    }
    if (open.size >= options.maxAnswers) {
      log({ level: "warn", msg: "relay full: answer refused", open: open.size });
      refuse(res, 503, `The relay holds ${options.maxAnswers} answers already`);
      return;
    }
    open.add(res);
    res.once("close", () => open.delete(res));
    answer(waits, req, res, { log, feedMaxMs: options.feedMaxMs, feedLimits }).catch(
      (error: unknown) => {
        log({ level: "error", msg: "relay answer failed", ...describe(error) });
        res.destroy();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });

  return {
    port: (server.address() as AddressInfo).port,
    changes: feed,
    async stop() {
      server.close();
      for (const res of open) res.end();
      await close();
    },
  };
}

function refuse(
  res: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ detail }));
}

async function answer(
  waits: Waits,
  req: IncomingMessage,
  res: ServerResponse,
  {
    log,
    feedMaxMs,
    feedLimits,
  }: {
    log: (line: Record<string, unknown>) => void;
    feedMaxMs: number;
    feedLimits: LiveFeedLimits;
  },
) {
  const url = new URL(req.url ?? "/", "http://relay");
  const schema = QUERIES[url.pathname as keyof typeof QUERIES];
  const parsed = schema?.safeParse(Object.fromEntries(url.searchParams));
  if (req.method !== "GET" || !schema || !parsed?.success) {
    refuse(res, schema ? 400 : 404, parsed?.error?.issues[0]?.message ?? "Not Found");
    return;
  }
  // A live feed takes a slot of its workflow's (an event wait ends by its own timeout).
  let release = () => {};
  if (url.pathname !== RELAY_PATHS.event) {
    try {
      release = feedLimits.admit(String(parsed.data.workflow_id));
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      log({ level: "warn", msg: "relay feed refused", detail: error.message });
      refuse(res, 429, error.message);
      return;
    }
  }
  const abort = new AbortController();
  res.once("close", () => abort.abort());
  // An event wait ends by its own timeout; a feed by this, as the API's would.
  const timeUp = setTimeout(() => abort.abort(), feedMaxMs);
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
  } catch (error) {
    // The database failed the read: the caller decides (503, or reading itself).
    log({ level: "error", msg: "relay read failed", path: url.pathname, ...describe(error) });
    send({ t: "unavailable" });
  } finally {
    clearTimeout(timeUp);
    clearInterval(heartbeat);
    release();
    res.end();
  }
}
