import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { APP_NAME } from "@wfc/core";
import pg from "pg";
import type { ChangeSource } from "../change-source.js";
import { LiveFeedLimits } from "../live-feed-limits.js";
import { localWaits } from "../waits.js";
import { relayAccess } from "./access.js";
import { describeFailure, relayApp, type RelayLog } from "./app.js";

export { relayAccess, type Refusal } from "./access.js";
export { relayApp, type RelayApp, type RelayAppOptions, type RelayLog } from "./app.js";

export interface RelayOptions {
  databaseUrl: string;
  /** Where the relay's waiters learn of changes: the process's one LISTEN connection. */
  changes: ChangeSource;
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
  log?: RelayLog;
}

export interface Relay {
  /** Undefined when it does not listen (no secret). */
  port: number | undefined;
  /** Ends every open answer (callers fall back or reconnect), then closes its pool. */
  stop(): Promise<void>;
}

/** Longest one read of the relay may take; a waiter's own deadline bounds it further. */
const QUERY_TIMEOUT_MS = 5_000;

/**
 * The change relay (see `RELAY_PATHS`): a small pool on the database instance itself, woken by
 * `changes`, answering the waits of every API environment. A waiting Lambda environment then
 * holds an HTTP connection to this process and no database connection.
 *
 * Only for the API: a request must carry the shared secret and name the relay's own host
 * (`relayAccess`), a wait is at most the API's longest, a live feed ends after `feedMaxMs`, and
 * at most `maxAnswers` are open at once (the next is refused 503 and logged). Without a secret
 * the relay does not listen at all. `changes` stays its owner's: the relay does not close it.
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
    log({ level: "warn", msg: "relay pool connection lost", ...describeFailure(error) }),
  );
  if (!options.secret) {
    log({ level: "warn", msg: "change relay off: CHANGE_RELAY_SECRET is not set" });
    return { port: undefined, stop: () => pool.end() };
  }
  const relay = relayApp({
    waits: localWaits({
      pool,
      changes: options.changes,
      pollMs: options.pollMs,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
      readMarginMs: 500,
    }),
    refusal: relayAccess({
      secret: options.secret,
      host: options.host,
      allowedHosts: options.allowedHosts,
    }),
    maxAnswers: options.maxAnswers,
    feedMaxMs: options.feedMaxMs,
    feedLimits: new LiveFeedLimits(Infinity, options.feedsPerWorkflow),
    log,
  });
  let server: ReturnType<typeof serve> | undefined;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: relay.app.fetch, port: options.port, hostname: options.host }, resolve);
    server.once("error", reject);
  });
  return {
    port: address.port,
    async stop() {
      server?.close();
      relay.endAll();
      await pool.end();
    },
  };
}
