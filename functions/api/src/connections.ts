import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME } from "@wfc/core";
import pg from "pg";
import { RefusalAwareClient } from "./bounded-retries.js";
import { dbosJsonLogger } from "./dbos-log.js";
import type { LogLevel } from "./middleware/access-log.js";

export interface ConnectionOptions {
  databaseUrl: string;
  poolSize: number;
  /** Longest wait for a new connection. */
  connectTimeoutMs: number;
  /** Use this pool instead of creating one (its size and settings are then the caller's). */
  pool?: pg.Pool;
  /** The lowest level of what the DBOS client logs (as JSON lines, see `dbos-log.ts`). */
  logLevel?: LogLevel;
}

/** An idle connection older than this is closed; the next request opens a new one. */
export const IDLE_CONNECTION_MS = 10_000;

/**
 * The process's database connections: one pg pool, shared by the DBOS client and the SQL
 * readers. Nothing connects until a request needs it.
 *
 * A Lambda environment is frozen between invocations, so the pool's idle timer cannot close
 * connections meanwhile, and a server or proxy may drop them without a word (a silently dead
 * connection answers nothing, ever). So when a call comes after the process has been idle for
 * longer than the pool keeps connections, the pool is replaced, as if its idle timer had run.
 */
export function createConnections(options: ConnectionOptions) {
  const makePool = () => {
    const pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.databaseUrl,
        max: options.poolSize,
        idleTimeoutMillis: IDLE_CONNECTION_MS,
        connectionTimeoutMillis: options.connectTimeoutMs,
        application_name: `${APP_NAME}-api`,
        Client: RefusalAwareClient,
      });
    // An idle client dropped by the server (restart, failover) must not crash the process.
    pool.on("error", () => {});
    return pool;
  };
  let pool = makePool();
  let client: Promise<DBOSClient> | undefined;
  let lastUsed = performance.now();
  let inFlight = 0;

  return {
    /** The current pool; call `begin()` first. */
    pool: () => pool,
    /** The DBOS client on the current pool, created on first use. */
    dbos: () =>
      (client ??= DBOSClient.create({
        systemDatabaseUrl: options.databaseUrl,
        systemDatabasePool: pool,
        applicationName: APP_NAME,
        // No SET LOCAL per read: the API's role carries a server-side statement_timeout, and a
        // pooler (RDS Proxy) need not track session state for us.
        observabilityQueryTimeoutMs: 0,
        logger: dbosJsonLogger(options.logLevel),
      })),
    /** Marks a call as started, replacing the pool first if the process was idle too long. */
    begin() {
      const idle = performance.now() - lastUsed;
      if (inFlight === 0 && idle > IDLE_CONNECTION_MS && !options.pool) {
        const [oldPool, oldClient] = [pool, client];
        pool = makePool();
        client = undefined;
        void oldClient?.then((c) => c.destroy()).catch(() => {});
        void oldPool.end().catch(() => {});
      }
      inFlight++;
      lastUsed = performance.now();
    },
    /** Marks a call as finished. */
    end() {
      inFlight--;
      lastUsed = performance.now();
    },
    async close() {
      if (client) await (await client).destroy();
      await pool.end();
    },
  };
}

export type Connections = ReturnType<typeof createConnections>;
